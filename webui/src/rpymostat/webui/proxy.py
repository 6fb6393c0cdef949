"""``/api/<path>`` → the engine's ``/<path>``, with the site token added here (the browser
never sees it) and a time limit on every call.

Only the engine's versioned API (``/api/v1/...``) is reachable. When the engine is not known
or does not answer, the browser gets a JSON error: 503 (no engine found yet) or 502 (it did
not answer, or answered nonsense), so the page can say what is wrong.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from twisted.internet.defer import CancelledError
from twisted.internet.error import TimeoutError
from twisted.logger import Logger
from twisted.web._newclient import ResponseNeverReceived

from rpymostat.shared.errors import APIError, NotFound, ServiceUnavailable

_log = Logger(namespace="rpymostat.webui.proxy")
PASSED_REQUEST_HEADERS = (b"content-type", b"accept")
PASSED_RESPONSE_HEADERS = (b"content-type", b"retry-after", b"allow")


class BadGateway(APIError):
    """The engine did not answer, or not in time."""

    code = 502


@dataclass(frozen=True)
class Answer:
    """What the engine answered."""

    code: int
    headers: dict[bytes, bytes]
    body: bytes


@dataclass
class EngineProxy:
    """Forwards calls to the engine at ``base_url()`` with ``token()`` as the bearer token.

    ``http`` is a treq ``HTTPClient`` (a fake one in tests).
    """

    http: Any
    base_url: Callable[[], str | None]
    token: Callable[[], str | None]
    timeout: float = 10.0
    calls: int = 0
    failures: int = 0

    async def forward(self, method: bytes, path: str, query: bytes, body: bytes,
                      headers: dict[bytes, bytes]) -> Answer:
        """One call; raises an APIError (502/503/404) when it cannot be made."""
        if not path.startswith("/v1/") or "/../" in path or path.endswith("/.."):
            raise NotFound(f"no such resource: /api{path}")
        base = self.base_url()
        if base is None:
            raise ServiceUnavailable("the engine has not been found yet (is it running?)",
                                     headers={"retry-after": "5"})
        url = base.rstrip("/") + path + (b"?" + query if query else b"").decode("latin-1")
        sent = {k: [v] for k, v in headers.items() if k in PASSED_REQUEST_HEADERS}
        token = self.token()
        if token:
            sent[b"authorization"] = [b"Bearer " + token.encode()]
        self.calls += 1
        try:
            response = await self.http.request(method.decode("ascii"), url, data=body or None,
                                               headers=sent, timeout=self.timeout)
            content: bytes = await response.content()
        except Exception as e:  # any network failure is the engine's silence
            self.failures += 1
            raise BadGateway(f"the engine at {base} did not answer: {_why(e)}",
                             headers={"retry-after": "5"}) from None
        passed = {name: values[0] for name in PASSED_RESPONSE_HEADERS
                  if (values := response.headers.getRawHeaders(name))}
        return Answer(response.code, passed, content)

    def status(self) -> dict[str, Any]:
        """For ``/v1/status``."""
        return {"calls": self.calls, "failures": self.failures, "timeout_s": self.timeout}


def _why(error: Exception) -> str:
    if isinstance(error, CancelledError | TimeoutError):
        return "no answer in time"
    if isinstance(error, ResponseNeverReceived):
        reasons = [r.value for r in error.reasons]
        if any(isinstance(r, CancelledError | TimeoutError) for r in reasons):
            return "no answer in time"
        return "; ".join(str(r)[:100] for r in reasons) or "no answer"
    return type(error).__name__ if not str(error) else str(error)[:200]
