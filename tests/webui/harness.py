"""A web UI app in front of the real engine API (memory store), all through StubTreq."""

import json
from pathlib import Path
from typing import Any

from treq.testing import StubTreq
from twisted.internet.task import Clock

from rpymostat.webui.app import WebUI, static_dir
from rpymostat.webui.events import EventHub
from rpymostat.webui.passwords import PasswordHash
from rpymostat.webui.proxy import EngineProxy
from rpymostat.webui.sessions import SessionBook

from ..helpers import TOKEN, EngineHarness, result_of


class UIHarness:
    """``rpymostat-webui``'s app with ``engine`` (or none) behind its proxy."""

    def __init__(self, *, engine: EngineHarness | None = None, password: PasswordHash | None = None,
                 http: Any = None, url: str | None = "http://engine",
                 static: Path | None = None) -> None:
        self.clock = Clock()
        self.engine = engine
        client = http if http is not None else (engine.treq if engine else None)
        self.proxy = EngineProxy(client, lambda: url, lambda: TOKEN, timeout=2.0)
        self.hub = EventHub(self.clock, lambda: {"zone": {}}, lambda: {"engine": "up"})
        self.sessions = SessionBook(self.clock, password)
        self.web = WebUI(self.proxy, self.hub, self.sessions, "9.9", lambda: {},
                         static or static_dir())
        self.treq = StubTreq(self.web.resource())
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: Any = None, *,
                headers: dict[str, str] | None = None) -> tuple[int, Any, Any]:
        """(status, decoded body, response) with this browser's cookies."""
        data = None if body is None else json.dumps(body).encode()
        hdrs = dict(headers or {})
        if body is not None:
            hdrs.setdefault("Content-Type", "application/json")
        response = result_of(self.treq.request(method, f"http://ui{path}", data=data,
                                               headers=hdrs, cookies=self.cookies))
        self.treq.flush()
        if self.engine is not None:
            self.engine.treq.flush()
        self.treq.flush()
        content = result_of(self.treq.content(response))
        for raw in response.headers.getRawHeaders(b"set-cookie", []):
            name, _, rest = raw.decode().partition("=")
            self.cookies[name] = rest.partition(";")[0]
        ctype = response.headers.getRawHeaders(b"content-type", [b""])[0]
        if ctype.startswith(b"application/json"):
            return response.code, json.loads(content), response
        return response.code, content, response

    def csrf(self) -> str:
        """This browser's CSRF token from GET /ui/session."""
        return str(self.request("GET", "/ui/session")[1]["csrf"])
