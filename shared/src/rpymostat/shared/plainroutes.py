"""Routes on plain twisted.web: the few GETs of the small daemons, and a service's hot paths.

Klein and Werkzeug cost ~4.4 MiB of resident memory, which a sensor agent on a Pi Zero pays
for four exact-path routes. :class:`GetRoutes` answers those routes and maps every miss and
error to the same JSON bodies as the Klein apps (:mod:`rpymostat.shared.kleinweb`): 404 for an
unknown path, 405 with ``Allow`` for another method, an :class:`APIError`'s own status, and a
logged 500 for anything unexpected.

:class:`HotRoutes` answers a few exact (method, path) pairs with asynchronous handlers and
hands every other request to a fallback resource (a Klein app). A Klein request binds a URL
map, matches a rule, adapts the request and chains about ten Deferreds; for the engine's
ingest routes, which every sensor calls every minute, that was a fifth of the CPU per request.
"""

from collections.abc import Callable, Mapping

from twisted.internet.defer import Deferred, maybeDeferred
from twisted.logger import Logger
from twisted.python.failure import Failure
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request

from .errors import APIError
from .web import api_error_body, error_body, unexpected_body

_log = Logger(namespace="rpymostat.web")
Handler = Callable[[Request], bytes]
AsyncHandler = Callable[[Request], Deferred[bytes]]
_ALLOWED = (b"GET", b"HEAD")


class GetRoutes(Resource):
    """Exact paths (``"/v1/status"``) to handlers that return the response body."""

    isLeaf = True

    def __init__(self, routes: Mapping[str, Handler]) -> None:
        super().__init__()
        self._routes = {path.encode(): handler for path, handler in routes.items()}

    def render(self, request: Request) -> bytes:  # type: ignore[override]
        """The handler's body, or the JSON error naming what is wrong."""
        path = request.path.decode("utf-8", "replace")
        handler = self._routes.get(request.path)
        if handler is None:
            return error_body(request, 404, f"no such resource: {path}")
        if request.method not in _ALLOWED:
            request.setHeader(b"allow", b"GET, HEAD")
            return error_body(request, 405, f"{request.method.decode('latin-1')} is not allowed"
                                            f" on {path}; allowed: GET, HEAD")
        try:
            return handler(request)
        except APIError as e:
            return api_error_body(request, e)
        except Exception:
            return unexpected_body(request, Failure())


class HotRoutes(Resource):
    """Exact ``(method, path)`` pairs (``(b"PUT", b"/v1/sensors/update")``) answered by
    handlers that return a Deferred body; any other request is rendered by ``fallback``.

    A handler's :class:`APIError`, raised or failed, is its JSON error; anything else is a
    logged 500. A client that goes away before the answer is not cancelled: the work it asked
    for finishes (a stored reading is still published) and only the answer is dropped.
    """

    isLeaf = True

    def __init__(self, routes: Mapping[tuple[bytes, bytes], AsyncHandler], fallback: Resource
                 ) -> None:
        super().__init__()
        self._routes = dict(routes)
        self._fallback = fallback

    def render(self, request: Request) -> bytes | int:  # type: ignore[override]
        """The handler's answer once it comes, or the fallback's rendering."""
        handler = self._routes.get((request.method, request.path))
        if handler is None:
            return self._fallback.render(request)  # type: ignore[no-any-return]
        d = maybeDeferred(handler, request)
        d.addErrback(_error_body, request)
        d.addCallback(_answer, request)
        d.addErrback(_unanswered, request)
        return NOT_DONE_YET


def _error_body(failure: Failure, request: Request) -> bytes:
    error = failure.value
    if isinstance(error, APIError):
        return api_error_body(request, error)
    return unexpected_body(request, failure)


def _unanswered(failure: Failure, request: Request) -> None:
    """Writing the answer failed (a bug): log it; the client's connection times out."""
    _log.failure("cannot answer {method} {path}", failure, method=request.method,
                 path=request.path)


def _answer(body: bytes, request: Request) -> None:
    if request._disconnected:  # the client went away: nobody to answer
        return
    request.setHeader(b"content-length", b"%d" % len(body))  # one write, not chunked
    request.write(body)
    request.finish()
