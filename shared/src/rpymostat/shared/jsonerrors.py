"""JSON errors for what twisted.web answers by itself, before any resource of ours runs.

Every daemon answers errors as ``{"status": "error", "error": "..."}`` (:mod:`.web`). Twisted
and Klein answer a few cases on their own, in HTML or with no body at all: a request line or
headers past the channel's limits (an over-long URL), a malformed request line, ``OPTIONS *``,
a percent-encoded path that is not UTF-8 (Klein: "Non-UTF-8 encoding in URL." and a logged
traceback), and a request whose processing failed outside our handlers (an HTML 500, with a
traceback when ``displayTracebacks`` is on). :class:`JsonErrorRequest` and
:class:`JsonErrorChannel`, which :func:`.web.make_site` uses, answer those in JSON too.
"""

import json
from typing import Any
from urllib.parse import unquote_to_bytes

from twisted.logger import Logger
from twisted.python.failure import Failure
from twisted.web import http, server

_log = Logger(namespace="rpymostat.web")
BAD_REQUEST_LINE = ("the request line or headers are malformed or too long (at most"
                    f" {http.HTTPChannel.totalHeadersSize} bytes in all)")


def _json_error(request: server.Request, code: int, message: str) -> None:
    body = json.dumps({"status": "error", "error": message}, separators=(",", ":")).encode()
    request.setResponseCode(code)
    request.setHeader(b"content-type", b"application/json; charset=utf-8")
    request.setHeader(b"content-length", b"%d" % len(body))
    request.write(body if request.method != b"HEAD" else b"")
    request.finish()


def undecodable_path(path: bytes) -> bool:
    """Whether ``path``'s percent-decoding is not UTF-8 (``/v1/%ff``)."""
    try:
        unquote_to_bytes(path).decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


class JsonErrorRequest(server.Request):
    """A Request whose own error answers (bad URL encoding, ``*``, failed processing) are JSON."""

    def process(self) -> None:
        """Refuse a path that does not decode as UTF-8; otherwise process as usual."""
        if undecodable_path(self.path):
            self.site = self.channel.site  # type: ignore[attr-defined]
            _json_error(self, 400, "the URL's percent-encoded path is not UTF-8")
            return
        super().process()

    def _handleStar(self) -> None:
        """``OPTIONS *`` and friends: no resource answers the server as a whole."""
        _json_error(self, 400, "'*' is not a resource of this daemon")

    def processingFailed(self, reason: Failure) -> Any:
        """Log the failure; answer a JSON 500 without the traceback."""
        _log.failure("unhandled error answering {method} {path}", reason,
                     method=self.method, path=self.path)
        if self.finished or self._disconnected:
            return reason
        self.responseHeaders.removeHeader(b"content-length")
        _json_error(self, 500, "internal error (logged)")
        return reason


class JsonErrorChannel(http.HTTPChannel):
    """An HTTP/1.1 channel whose 'bad request' answer (a request line or headers too long or
    malformed) carries a JSON body, then closes the connection as Twisted does."""

    def _respondToBadRequestAndDisconnect(self) -> None:
        self._answer_and_close(b"400 Bad Request", BAD_REQUEST_LINE)

    def lineLengthExceeded(self, line: bytes) -> None:
        """A request line (the URL) or a header line past ``MAX_LENGTH``: 414 in JSON."""
        self._answer_and_close(b"414 URI Too Long",
                               f"a request or header line is longer than {self.MAX_LENGTH}"
                               " bytes")

    def _answer_and_close(self, status: bytes, message: str) -> None:
        body = json.dumps({"status": "error", "error": message}, separators=(",", ":")).encode()
        self.transport.write(  # type: ignore[union-attr]
            b"HTTP/1.1 %s\r\ncontent-type: application/json; charset=utf-8\r\n"
            b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (status, len(body), body))
        self.loseConnection()
