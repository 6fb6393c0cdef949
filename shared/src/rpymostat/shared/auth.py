"""Site-token authorisation: ``Authorization: Bearer <token>`` on every mutating call.

Modes: ``on`` (default) — mutating calls need the token, reads are open on the LAN;
``strict`` — reads need it too (except the public paths: ``/``, ``/v1/status``,
``/v1/openapi.json``); ``off`` — no checks, for trusted legacy clients.
"""

import hashlib
import hmac
from collections.abc import Callable, Collection
from dataclasses import dataclass
from enum import Enum

from twisted.web.server import Request

from .errors import Unauthorized

PUBLIC_PATHS = frozenset({b"/", b"/v1/status", b"/v1/openapi.json"})
SAFE_METHODS = frozenset({b"GET", b"HEAD", b"OPTIONS"})


class AuthMode(Enum):
    """How strictly the site token is required."""

    OFF = "off"
    ON = "on"
    STRICT = "strict"


def token_fingerprint(token: str) -> str:
    """A short, non-reversible fingerprint of the token, safe to publish or log."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class BearerAuth:
    """Checks requests against the site token according to the mode."""

    token: str | Callable[[], str | None]  # a callable: an agent that learns it later
    mode: AuthMode = AuthMode.ON
    public_paths: Collection[bytes] = PUBLIC_PATHS

    def needs_token(self, method: bytes, path: bytes) -> bool:
        """Whether a request with this method and path must carry the token."""
        if self.mode is AuthMode.OFF:
            return False
        if method not in SAFE_METHODS:
            return True
        return self.mode is AuthMode.STRICT and path not in self.public_paths

    def check(self, request: Request) -> None:
        """Raise Unauthorized (401) unless the request may proceed."""
        if not self.needs_token(request.method, request.path):
            return
        header = request.getHeader(b"authorization")
        if header is None:
            raise Unauthorized("this call needs 'Authorization: Bearer <site token>'")
        scheme, _, presented = header.decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not presented.strip():
            raise Unauthorized("the Authorization header must be 'Bearer <site token>'")
        token = self.token() if callable(self.token) else self.token
        if token is None:
            raise Unauthorized("this daemon does not know the site token yet")
        if not hmac.compare_digest(presented.strip().encode(), token.encode()):
            raise Unauthorized("the site token is not valid")
