"""The JSON error mapping of the daemons' Klein apps: every error a JSON body with its 4xx
code; anything unexpected is logged with its traceback and answered 500 (a bug)."""

from klein import Klein
from twisted.python.failure import Failure
from twisted.web.server import Request
from werkzeug import exceptions as wz

from .errors import APIError, MethodNotAllowed, NotFound
from .web import api_error_body, error_body, unexpected_body


def _api_error(_owner: object, request: Request, failure: Failure) -> bytes:
    error = failure.value
    assert isinstance(error, APIError)
    return api_error_body(request, error)


def _routing_error(_owner: object, request: Request, failure: Failure) -> bytes:
    error = failure.value
    if isinstance(error, wz.MethodNotAllowed):
        allowed = ", ".join(sorted(error.valid_methods or []))
        request.setHeader(b"allow", allowed.encode())
        mapped: APIError = MethodNotAllowed(
            f"{request.method.decode('latin-1')} is not allowed on {request.path.decode()};"
            f" allowed: {allowed}"
        )
    else:
        mapped = NotFound(f"no such resource: {request.path.decode('utf-8', 'replace')}")
    return error_body(request, mapped.code, mapped.message)


def _werkzeug_error(_owner: object, request: Request, failure: Failure) -> bytes:
    error = failure.value
    assert isinstance(error, wz.HTTPException)
    code = error.code or 400
    return error_body(request, code, error.description or error.name)


def _unexpected(_owner: object, request: Request, failure: Failure) -> bytes:
    return unexpected_body(request, failure)


def add_error_handlers(app: Klein) -> None:
    """Register the JSON error mapping on a class-level Klein app (handlers get the owner)."""
    app.handle_errors(APIError)(_api_error)  # type: ignore[arg-type]
    app.handle_errors(wz.NotFound, wz.MethodNotAllowed)(_routing_error)  # type: ignore[arg-type]
    app.handle_errors(wz.HTTPException)(_werkzeug_error)  # type: ignore[arg-type]
    app.handle_errors(_unexpected)  # type: ignore[call-overload]
