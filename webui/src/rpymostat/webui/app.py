"""The web UI's HTTP side: the single-page app, login, the event stream and the API proxy.

Routes:
- ``/`` the app (``static/index.html``), ``/static/...`` its files (gzip), the manifest;
- ``GET /ui/session``, ``POST /ui/login``, ``POST /ui/logout``: who the browser is;
- ``GET /ui/events``: Server-Sent Events from the status bus (see ``events``);
- ``/api/v1/...``: the engine's API through :class:`~.proxy.EngineProxy`;
- ``/v1/status``, ``/v1/openapi.json``: this daemon's own status and API document.
"""

import base64
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

from klein import Klein
from twisted.web.resource import Resource
from twisted.web.server import Request

from rpymostat.shared.errors import APIError, NotFound, Unauthorized
from rpymostat.shared.infoapi import info_openapi
from rpymostat.shared.kleinweb import add_error_handlers
from rpymostat.shared.web import error_body, json_response, read_body, read_json

from .assets import load_assets
from .events import EventHub
from .proxy import EngineProxy
from .sessions import COOKIE, CSRF_HEADER, SESSION_IDLE_S, SessionBook, TooManyAttempts

MUTATING = frozenset({b"POST", b"PUT", b"PATCH", b"DELETE"})
API_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]



class TooManyRequests(APIError):
    """Login attempts are rate-limited."""

    code = 429


class Forbidden(APIError):
    """A mutating call without this browser's CSRF token."""

    code = 403


def static_dir() -> Path:
    """The folder of the app's files inside the installed package."""
    with as_file(files(__package__) / "static") as path:
        return Path(path)


def index_page() -> bytes:
    """The app's HTML (read once, at start)."""
    return (static_dir() / "index.html").read_bytes()


@dataclass
class WebUI:
    """The Klein app with its collaborators (nothing at module level)."""

    proxy: EngineProxy
    hub: EventHub
    sessions: SessionBook
    version: str
    status: Callable[[], dict[str, Any]]
    static: Path

    app = Klein()
    add_error_handlers(app)

    def __post_init__(self) -> None:
        self._assets = load_assets(self.static)
        self._index = self._assets["index.html"].body
        self._csp = content_security_policy(self._index)
        self._events = self.hub.resource()

    def resource(self) -> Resource:
        """The twisted.web resource of the whole app."""
        return self.app.resource()  # type: ignore[no-any-return]

    # -- pages and files -----------------------------------------------------------------

    def _send(self, request: Request, name: str) -> bytes:
        asset = self._assets.get(name)
        if asset is None:
            raise NotFound(f"no such file: {name}")
        request.setHeader(b"content-type", asset.content_type.encode())
        request.setHeader(b"cache-control", b"no-cache")
        request.setHeader(b"etag", asset.etag)
        request.setHeader(b"vary", b"accept-encoding")
        _security_headers(request)
        if _header(request, b"if-none-match") == asset.etag.decode():
            request.setResponseCode(304)
            return b""
        accepts = _header(request, b"accept-encoding")
        body = asset.body
        if asset.gzipped is not None and "gzip" in accepts.lower():
            request.setHeader(b"content-encoding", b"gzip")
            body = asset.gzipped
        request.setHeader(b"content-length", str(len(body)).encode())
        return body

    @app.route("/", methods=["GET"])
    def index(self, request: Request) -> bytes:
        """The single-page app (revalidated on every load: a new version shows at once)."""
        body = self._send(request, "index.html")
        request.setHeader(b"content-security-policy", self._csp)
        return body

    @app.route("/static/<path:name>", methods=["GET"])
    def static_files(self, request: Request, name: str) -> bytes:
        """The app's modules, styles, icons and vendored libraries (gzip when accepted)."""
        return self._send(request, name)

    @app.route("/manifest.webmanifest", methods=["GET"])
    def manifest(self, request: Request) -> bytes:
        """The installable web app manifest (wall mode)."""
        return self._send(request, "manifest.webmanifest")

    # -- who is this browser ------------------------------------------------------------

    def _sid(self, request: Request) -> str | None:
        raw = request.getCookie(COOKIE)
        return raw.decode("ascii", "replace") if raw else None

    def _require_session(self, request: Request) -> None:
        if not self.sessions.open and self.sessions.session(self._sid(request)) is None:
            raise Unauthorized("log in first")

    def _require_csrf(self, request: Request) -> None:
        sent = _header(request, CSRF_HEADER) or None
        if not self.sessions.csrf_ok(self._sid(request), sent):
            raise Forbidden("missing or wrong CSRF token (send X-CSRF-Token from"
                            " GET /ui/session)")

    @app.route("/ui/session", methods=["GET"])
    def session(self, request: Request) -> bytes:
        """``{"auth": "lan"|"password", "logged_in", "csrf"}`` for this browser."""
        csrf = self.sessions.csrf_for(self._sid(request))
        return json_response(request, {
            "auth": "lan" if self.sessions.open else "password",
            "logged_in": csrf is not None, "csrf": csrf, "version": self.version})

    @app.route("/ui/login", methods=["POST"])
    def login(self, request: Request) -> bytes:
        """Check the password; set the session cookie."""
        if self.sessions.open:
            return json_response(request, {"auth": "lan", "logged_in": True,
                                           "csrf": self.sessions.lan_csrf})
        body = read_json(request)
        password = body.get("password") if isinstance(body, dict) else None
        if not isinstance(password, str) or not password or len(password) > 1024:
            return error_body(request, 422, "password: a non-empty string is required")
        address = getattr(request.getClientAddress(), "host", "?")
        try:
            sid = self.sessions.login(address, password)
        except TooManyAttempts as e:
            raise TooManyRequests(str(e), headers={
                "retry-after": str(int(e.retry_after) + 1)}) from None
        if sid is None:
            return error_body(request, 401, "wrong password")
        request.addCookie(COOKIE, sid.encode(), path=b"/", httpOnly=True,
                          max_age=str(int(SESSION_IDLE_S)).encode(),
                          secure=request.isSecure(), sameSite=b"strict")
        return json_response(request, {"auth": "password", "logged_in": True,
                                       "csrf": self.sessions.csrf_for(sid)})

    @app.route("/ui/logout", methods=["POST"])
    def logout(self, request: Request) -> bytes:
        """End the session (needs its CSRF token)."""
        self._require_csrf(request)
        self.sessions.logout(self._sid(request))
        request.addCookie(COOKIE, b"", path=b"/", httpOnly=True, max_age=b"0",
                          sameSite=b"strict")
        return json_response(request, {"logged_in": False})

    # -- live events and the engine's API ------------------------------------------------

    @app.route("/ui/events", methods=["GET"])
    def events(self, request: Request) -> Resource:
        """The Server-Sent Events stream."""
        self._require_session(request)
        return self._events

    @app.route("/api/<path:rest>", methods=API_METHODS)
    async def api(self, request: Request, rest: str) -> bytes:
        """Pass the call to the engine (session and, for changes, CSRF token required)."""
        self._require_session(request)
        if request.method in MUTATING:
            self._require_csrf(request)
        body = read_body(request) if request.method in MUTATING else b""
        headers = {name: value for name in (b"content-type", b"accept")
                   if (value := request.getHeader(name)) is not None}
        query = request.uri.partition(b"?")[2]
        answer = await self.proxy.forward(request.method, "/" + rest, query, body, headers)
        request.setResponseCode(answer.code)
        for name, value in answer.headers.items():
            request.setHeader(name, value)
        request.setHeader(b"cache-control", b"no-store")
        return answer.body

    # -- this daemon ---------------------------------------------------------------------

    @app.route("/v1/status", methods=["GET"])
    def get_status(self, request: Request) -> bytes:
        """Always 200 while the daemon runs: the engine link, the bus copy, the streams."""
        return json_response(request, {"status": True, "service": "RPyMostat web UI",
                                       "version": self.version, **self.status()})

    @app.route("/v1/openapi.json", methods=["GET"])
    def openapi(self, request: Request) -> bytes:
        """This daemon's own routes (the engine's are under /api, see its document)."""
        doc = info_openapi("RPyMostat web UI", self.version)
        ok = {"200": {"description": "OK"}}
        doc["paths"].update({
            "/ui/session": {"get": {"summary": "auth mode, login state, CSRF token",
                                    "responses": ok}},
            "/ui/login": {"post": {"summary": "log in (password mode)", "responses": ok}},
            "/ui/logout": {"post": {"summary": "log out", "responses": ok}},
            "/ui/events": {"get": {"summary": "Server-Sent Events from the bus",
                                   "responses": ok}},
            "/api/{path}": {"get": {"summary": "the engine's /{path}, token added",
                                    "responses": ok}}})
        return json_response(request, doc)


def _header(request: Request, name: bytes) -> str:
    """A request header as text ('' when absent)."""
    value = request.getHeader(name)
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value or ""


def _security_headers(request: Request) -> None:
    request.setHeader(b"x-content-type-options", b"nosniff")
    request.setHeader(b"referrer-policy", b"no-referrer")
    request.setHeader(b"x-frame-options", b"DENY")


def content_security_policy(page: bytes) -> bytes:
    """Only this origin's files; the page's own inline scripts (the import map) by hash."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(m.group(1)).digest()).decode() + "'"
        for m in re.finditer(rb"<script(?: [^>]*)?>(.*?)</script>", page, re.S)
        if m.group(1).strip())
    return (f"default-src 'self'; script-src 'self' {hashes}; img-src 'self' data:; "
            "style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; "
            "base-uri 'none'; form-action 'self'").encode()
