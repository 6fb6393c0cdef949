"""A resource wrapper that applies :class:`BearerAuth` to every request in one place."""

from twisted.web.resource import Resource
from twisted.web.server import Request

from .auth import BearerAuth
from .errors import Unauthorized
from .web import api_error_body


class AuthorizedResource(Resource):
    """Checks the site token, then hands the request to the wrapped (leaf) resource."""

    isLeaf = True

    def __init__(self, wrapped: Resource, auth: BearerAuth) -> None:
        super().__init__()
        self._wrapped = wrapped
        self._auth = auth

    def render(self, request: Request) -> bytes | int:  # type: ignore[override]
        """401 JSON error, or whatever the wrapped resource renders."""
        try:
            self._auth.check(request)
        except Unauthorized as e:
            return api_error_body(request, e)
        return self._wrapped.render(request)  # type: ignore[no-any-return]
