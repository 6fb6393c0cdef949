"""API errors that carry their HTTP status; :func:`rpymostat.shared.web.api_error_body`
turns every one of them into the same JSON body ``{"status": "error", "error": "..."}``."""


class APIError(Exception):
    """An error a client caused or must know about; ``code`` is the HTTP status."""

    code = 400

    def __init__(self, message: str, *, headers: dict[str, str] | None = None,
                 details: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}
        self.details = details or {}  # extra fields of the JSON error body


class BadRequest(APIError):
    """The request is not what HTTP/JSON allows (e.g. a body that is not JSON)."""

    code = 400


class Unauthorized(APIError):
    """The call needs the site token and the request did not carry a valid one."""

    code = 401

    def __init__(self, message: str) -> None:
        super().__init__(message, headers={"WWW-Authenticate": 'Bearer realm="rpymostat"'})


class NotFound(APIError):
    """The named resource does not exist."""

    code = 404


class MethodNotAllowed(APIError):
    """The route exists but not for this HTTP method."""

    code = 405


class Conflict(APIError):
    """The request conflicts with the current state."""

    code = 409


class PayloadTooLarge(APIError):
    """The request body is larger than the limit."""

    code = 413


class Unprocessable(APIError):
    """Well-formed JSON whose content is invalid; the message names the field."""

    code = 422


class ServiceUnavailable(APIError):
    """A dependency (e.g. the store) is down; the client should retry later."""

    code = 503
