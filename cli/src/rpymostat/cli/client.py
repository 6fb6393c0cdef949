"""The engine's REST API as the command line uses it: JSON in and out, a time limit on every
call, the engine's own error message on a 4xx/5xx."""

from typing import Any
from urllib.parse import quote

import treq

from rpymostat.shared.clitools import CLIError


class EngineClient:
    """Calls to one engine (``url``) with the site token when there is one."""

    def __init__(self, url: str, token: str | None, timeout: float = 10.0,
                 http: Any = treq) -> None:
        self.url = url.rstrip("/")
        self._token = token
        self._timeout = timeout
        self._http = http

    async def call(self, method: str, path: str, body: Any = None) -> Any:
        """One request; the decoded JSON answer, or CLIError naming what the engine said."""
        headers = {"Authorization": f"Bearer {self._token}"} if self._token else {}
        try:
            response = await self._http.request(method, self.url + path, json=body,
                                                headers=headers, timeout=self._timeout)
            answer = await response.json()
        except CLIError:
            raise
        except Exception as e:
            raise CLIError(f"{method} {path}: no answer from {self.url} ({e})") from None
        if response.code >= 400:
            message = answer.get("error") if isinstance(answer, dict) else str(answer)
            hint = ("; set RPYMOSTAT_TOKEN or --token-file"
                    if response.code == 401 and not self._token else "")
            raise CLIError(f"{method} {path}: {response.code} {message}{hint}")
        return answer

    async def get(self, path: str) -> Any:
        """GET."""
        return await self.call("GET", path)


def zone_path(zone: str, rest: str = "") -> str:
    """``/v1/zones/<zone>[rest]`` with the id quoted."""
    return f"/v1/zones/{quote(zone, safe='')}{rest}"
