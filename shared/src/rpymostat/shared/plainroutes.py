"""Read-only routes on plain twisted.web, for the daemons that serve only a few GETs.

Klein and Werkzeug cost ~4.4 MiB of resident memory, which a sensor agent on a Pi Zero pays
for four exact-path routes. :class:`GetRoutes` answers those routes and maps every miss and
error to the same JSON bodies as the Klein apps (:mod:`rpymostat.shared.kleinweb`): 404 for an
unknown path, 405 with ``Allow`` for another method, an :class:`APIError`'s own status, and a
logged 500 for anything unexpected.
"""

from collections.abc import Callable, Mapping

from twisted.python.failure import Failure
from twisted.web.resource import Resource
from twisted.web.server import Request

from .errors import APIError
from .web import api_error_body, error_body, unexpected_body

Handler = Callable[[Request], bytes]
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
