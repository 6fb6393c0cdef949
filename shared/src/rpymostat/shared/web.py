"""HTTP plumbing shared by every daemon's API (Klein or plain twisted.web; nothing here
imports Klein, so the small agents need not load it).

- :class:`LimitedRequest` stops buffering a request body past a limit, so an oversized upload
  costs neither memory nor disk; handlers then answer 413.
- :func:`error_body` is the one JSON error body; :func:`api_error_body` and
  :func:`unexpected_body` are what every error mapping (``kleinweb``, ``plainroutes``) answers.
- :func:`json_response` / :func:`read_json` are what route handlers use.
"""

from typing import Any

from twisted.internet.interfaces import IProtocolFactory
from twisted.logger import Logger
from twisted.python.failure import Failure
from twisted.web import http, server
from twisted.web.resource import Resource
from twisted.web.server import Request

from .errors import APIError, PayloadTooLarge
from .jsonbody import decode_json, encode_json
from .jsonerrors import JsonErrorChannel, JsonErrorRequest

DEFAULT_MAX_BODY = 1024 * 1024
_log = Logger(namespace="rpymostat.web")


class LimitedRequest(JsonErrorRequest):
    """A Request that keeps at most ``max_body`` bytes of the body and notes the overflow."""

    max_body = DEFAULT_MAX_BODY
    body_too_large = False
    _received = 0

    def gotLength(self, length: int | None) -> None:
        """Refuse to buffer a body whose declared length is already past the limit."""
        if length is not None and length > self.max_body:
            self.body_too_large = True
            length = 0
        super().gotLength(length)

    def handleContentChunk(self, data: bytes) -> None:
        """Buffer the chunk unless the limit has been passed; past it, count and drop."""
        self._received += len(data)
        if self._received > self.max_body:
            self.body_too_large = True
        if not self.body_too_large:
            super().handleContentChunk(data)


class _QuietSite(server.Site):
    """A Site that writes no access log line per request (opt in with ``access_log``)."""

    def log(self, request: http.Request) -> None:
        """Skip the access log (it costs a formatted line per request)."""


def make_site(resource: Resource, max_body: int = DEFAULT_MAX_BODY,
              access_log: bool = False, timer: Any = None) -> IProtocolFactory:
    """A Site for ``resource`` whose requests buffer at most ``max_body`` bytes (and report
    their latency to ``timer``, a :class:`rpymostat.shared.metrics.RequestTimer`, if given)."""

    class _Request(LimitedRequest):
        pass

    _Request.max_body = max_body
    factory: type[server.Request] = _Request
    if timer is not None:
        from .metrics import timed_request_class

        factory = timed_request_class(_Request, timer)
    site = (server.Site if access_log else _QuietSite)(resource, requestFactory=factory)
    site.displayTracebacks = False
    site.protocol = JsonErrorChannel  # type: ignore[method-assign,assignment]  # its own 'bad request' answer is JSON too
    return site


def read_body(request: Request, max_bytes: int = DEFAULT_MAX_BODY) -> bytes:
    """The whole request body, or PayloadTooLarge (413) past ``max_bytes``."""
    if getattr(request, "body_too_large", False):
        raise PayloadTooLarge(f"request body is larger than {max_bytes} bytes")
    content = request.content
    if content is None:
        return b""
    content.seek(0)
    data: bytes = content.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"request body is larger than {max_bytes} bytes")
    return data


def read_json(request: Request, max_bytes: int = DEFAULT_MAX_BODY) -> Any:
    """The request body decoded as strict JSON (400 if it is not, 413 if too large)."""
    return decode_json(read_body(request, max_bytes), max_bytes)


def json_response(request: Request, value: Any, code: int = 200) -> bytes:
    """Set the status and JSON content type; return the encoded body."""
    request.setResponseCode(code)
    request.setHeader(b"content-type", b"application/json; charset=utf-8")
    request.setHeader(b"cache-control", b"no-store")
    return encode_json(value)


def error_body(request: Request, code: int, message: str,
               details: dict[str, Any] | None = None) -> bytes:
    """The one JSON error body every daemon answers with (``details`` adds fields)."""
    return json_response(request, {**(details or {}), "status": "error", "error": message}, code)


def api_error_body(request: Request, error: APIError) -> bytes:
    """An :class:`APIError` as its status, headers and JSON body."""
    for name, value in error.headers.items():
        request.setHeader(name, value)
    return error_body(request, error.code, error.message, error.details)


def unexpected_body(request: Request, failure: Failure) -> bytes:
    """Log an unexpected failure with its traceback; answer 500 (a bug, which tests catch)."""
    _log.failure("unexpected error serving {method} {path}", failure,
                 method=request.method, path=request.path)
    return error_body(request, 500, "internal error (this is a bug; it has been logged)")
