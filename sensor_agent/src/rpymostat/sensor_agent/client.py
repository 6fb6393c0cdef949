"""Sending readings to the engine's batch route, and what the answer means for them.

``ok``: the engine has them. ``rejected`` (400, 413, 422): the engine will never take this
batch as it is; the caller splits it to find and drop the bad reading. ``retry`` (no answer, a
time-out, 5xx, 401/403 while the token is wrong, anything else): keep them and try later.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import treq
from twisted.internet.defer import Deferred

from rpymostat.shared.jsonbody import error_text

REJECTED = frozenset({400, 413, 422})
Kind = Literal["ok", "rejected", "retry"]


@dataclass(frozen=True)
class Outcome:
    """What became of one batch."""

    kind: Kind
    status: int | None
    message: str


def classify(status: int, body: bytes) -> Outcome:
    """An HTTP answer to a batch, as an :class:`Outcome` (the engine's ``error`` quoted)."""
    if status in (200, 201):
        return Outcome("ok", status, "accepted")
    message = error_text(body)
    kind: Kind = "rejected" if status in REJECTED else "retry"
    return Outcome(kind, status, f"HTTP {status}: {message}" if message else f"HTTP {status}")


class EngineClient:
    """POSTs batches to ``<engine>/v1/sensors/batch`` with the site token and a time-out."""

    def __init__(self, host_id: str, token: Callable[[], str | None], timeout: float,
                 http: Any = treq) -> None:
        self._host_id = host_id
        self._token = token
        self._timeout = timeout
        self._http = http

    def send(self, engine_url: str, items: list[dict[str, Any]]) -> Deferred[Outcome]:
        """Send ``items`` (batch reading objects); never fails: errors are ``retry``."""
        headers = {"Content-Type": ["application/json"]}
        token = self._token()
        if token:
            headers["Authorization"] = [f"Bearer {token}"]
        body = json.dumps({"host_id": self._host_id, "readings": items},
                          separators=(",", ":")).encode()
        d = self._http.post(engine_url.rstrip("/") + "/v1/sensors/batch", data=body,
                            headers=headers, timeout=self._timeout)
        d.addCallback(self._answer)
        d.addErrback(lambda f: Outcome("retry", None,
                                       f"{f.type.__name__}: {f.getErrorMessage()}"[:300]))
        return d

    def _answer(self, response: Any) -> Deferred[Outcome]:
        d = response.content()
        d.addCallback(lambda body: classify(response.code, body))
        return d


def get_json(url: str, timeout: float, http: Any = treq) -> Deferred[Any]:
    """GET ``url`` and decode its JSON; fails on a non-200 answer or after ``timeout``."""

    def check(response: Any) -> Any:
        if response.code != 200:
            raise ConnectionError(f"{url} answered HTTP {response.code}")
        return response.json()

    d = http.get(url, timeout=timeout)
    d.addCallback(check)
    return d
