"""The web UI password, kept only as an scrypt hash.

``RPYMOSTAT_UI_PASSWORD`` may hold the password itself (hashed the moment it is read; the
plain text is not kept) or an ``scrypt$<n>$<r>$<p>$<salt>$<hash>`` string (base64 parts) made
by :func:`hash_password`, so that the plain password need not sit in a unit file.
"""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

N, R, P = 2**14, 8, 1  # ~16 MiB and ~50 ms per check on a Pi 4: slow for guessing, fine for us
_PREFIX = "scrypt$"


@dataclass(frozen=True, repr=False)
class PasswordHash:
    """scrypt parameters, salt and derived key."""

    n: int
    r: int
    p: int
    salt: bytes
    key: bytes

    def verify(self, password: str) -> bool:
        """Whether ``password`` derives the same key (constant-time comparison)."""
        candidate = _derive(password, self.salt, self.n, self.r, self.p)
        return hmac.compare_digest(candidate, self.key)

    def encode(self) -> str:
        """``scrypt$n$r$p$salt$key``."""
        b64 = base64.b64encode
        return (f"{_PREFIX}{self.n}${self.r}${self.p}${b64(self.salt).decode()}$"
                f"{b64(self.key).decode()}")

    def __repr__(self) -> str:
        return "PasswordHash(scrypt)"


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024,
                          dklen=32)


def hash_password(password: str, *, n: int = N, r: int = R, p: int = P) -> PasswordHash:
    """A new salted hash of ``password``."""
    salt = secrets.token_bytes(16)
    return PasswordHash(n, r, p, salt, _derive(password, salt, n, r, p))


def parse_password(value: str) -> PasswordHash:
    """The setting: an ``scrypt$...`` hash, or a plain password (at least 8 characters)."""
    if value.startswith(_PREFIX):
        parts = value[len(_PREFIX):].split("$")
        if len(parts) != 5:
            raise ValueError("an scrypt hash has the form scrypt$n$r$p$salt$key")
        try:
            n, r, p = (int(x) for x in parts[:3])
            salt, key = base64.b64decode(parts[3], validate=True), \
                base64.b64decode(parts[4], validate=True)
        except ValueError as e:
            raise ValueError(f"bad scrypt hash: {e}") from None
        if n < 2 or n & (n - 1) or not (0 < r <= 64 and 0 < p <= 16) or not salt or not key:
            raise ValueError("bad scrypt parameters")
        return PasswordHash(n, r, p, salt, key)
    if len(value) < 8:
        raise ValueError("the UI password must be at least 8 characters")
    return hash_password(value)
