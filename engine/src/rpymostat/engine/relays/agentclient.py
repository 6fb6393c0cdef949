"""The engine's calls to relay agents: heartbeat and command, each with the site token and a
time limit. Answers become :class:`Answer` values; nothing here raises."""

import json
from dataclasses import dataclass
from typing import Any, Literal

from twisted.internet.defer import Deferred

Kind = Literal["ok", "refused", "failed"]


@dataclass(frozen=True)
class Answer:
    """What an agent said: ``ok`` (with its JSON), ``refused`` (409: a protection, with
    ``retry_after`` seconds or None), or ``failed`` (no answer, time-out, any other code)."""

    kind: Kind
    status: int | None
    body: Any
    message: str
    retry_after: float | None = None


def _decode(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return None


MAX_WAIT = 86_400.0


def _wait(value: Any) -> float | None:
    """A refusal's wait in seconds: a number in [0, one day], else None (unknown)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if 0 <= value <= MAX_WAIT else None


def answer_of(status: int, content: bytes) -> Answer:
    """An HTTP answer as an Answer."""
    body = _decode(content)
    error = body.get("error") if isinstance(body, dict) else None
    message = str(error)[:300] if error else f"HTTP {status}"
    if status == 200 and isinstance(body, dict):
        return Answer("ok", status, body, "ok")
    if status == 409 and isinstance(body, dict):
        return Answer("refused", status, body, message, _wait(body.get("retry_after_s")))
    return Answer("failed", status, body, f"HTTP {status}: {message}")


class AgentClient:
    """Calls agents at their registered URL."""

    def __init__(self, http: Any, token: str, timeout: float) -> None:
        self._http = http
        self._token = token
        self.timeout = timeout

    def _headers(self) -> dict[str, list[str]]:
        return {"Content-Type": ["application/json"],
                "Authorization": [f"Bearer {self._token}"]}

    async def _call(self, method: str, url: str, body: dict[str, Any], timeout: float
                    ) -> Answer:
        try:
            response = await self._http.request(method, url, data=json.dumps(body).encode(),
                                                headers=self._headers(), timeout=timeout)
            return answer_of(response.code, await response.content())
        except Exception as e:
            return Answer("failed", None, None, f"{type(e).__name__}: {e}"[:300])

    def heartbeat(self, agent_url: str, boot: str, timeout: float | None = None
                  ) -> Deferred[Answer]:
        """``POST <agent>/v1/heartbeat``."""
        return Deferred.fromCoroutine(self._call(
            "POST", f"{agent_url}/v1/heartbeat", {"engine": boot}, timeout or self.timeout))

    def command(self, agent_url: str, output: str, on: bool) -> Deferred[Answer]:
        """``PUT <agent>/v1/relays/<output>``."""
        return Deferred.fromCoroutine(self._call(
            "PUT", f"{agent_url}/v1/relays/{output}",
            {"state": "on" if on else "off", "source": "engine"}, self.timeout))
