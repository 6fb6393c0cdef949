"""Every error answer of every daemon is JSON with an ``error``, including the ones twisted.web
and Klein would answer by themselves (issue 23).

Each daemon's resource is served by :func:`make_site` (what the daemons serve) over an
in-memory transport: raw request bytes in, the raw answer parsed. The table covers a wrong
method, an unsupported content type, a trailing slash, unknown paths, HEAD and
OPTIONS, an over-long URL, bad percent-encoding, ``OPTIONS *`` and a malformed request line."""

import json
from typing import Any

import pytest
from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport
from twisted.web.resource import Resource

from rpymostat.shared.jsonerrors import undecodable_path
from rpymostat.shared.web import make_site

from .test_mutating_routes_need_token import DAEMONS

CASES: list[tuple[str, bytes, tuple[int, ...]]] = [
    ("wrong method", b"DELETE /v1/status HTTP/1.1\r\nHost: d\r\n\r\n", (401, 405)),
    ("unknown method", b"BREW /v1/status HTTP/1.1\r\nHost: d\r\n\r\n", (401, 405)),
    ("unsupported content type",
     b"PUT /v1/relays/heat HTTP/1.1\r\nHost: d\r\nAuthorization: Bearer TOKEN\r\n"
     b"Content-Type: application/xml\r\nContent-Length: 4\r\n\r\n<x/>", (400, 404, 405, 415,
                                                                          422, 503)),
    ("form body", b"PUT /v1/zones/house/heat HTTP/1.1\r\nHost: d\r\nAuthorization: Bearer TOKEN"
                  b"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 8"
                  b"\r\n\r\nstate=on", (400, 404, 405, 415, 422, 503)),
    ("trailing slash", b"GET /v1/status/ HTTP/1.1\r\nHost: d\r\n\r\n", (404,)),
    ("unknown path", b"GET /v1/no/such/thing HTTP/1.1\r\nHost: d\r\n\r\n", (404,)),
    ("HEAD unknown", b"HEAD /nope HTTP/1.1\r\nHost: d\r\n\r\n", (404,)),
    ("OPTIONS", b"OPTIONS /v1/status HTTP/1.1\r\nHost: d\r\n\r\n", (405,)),
    ("OPTIONS *", b"OPTIONS * HTTP/1.1\r\nHost: d\r\n\r\n", (400,)),
    ("bad percent-encoding", b"GET /v1/%ff%fe HTTP/1.1\r\nHost: d\r\n\r\n", (400,)),
    ("broken escape", b"GET /v1/st%ZZatus HTTP/1.1\r\nHost: d\r\n\r\n", (404,)),
    ("over-long URL", b"GET /" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: d\r\n\r\n", (414,)),
    ("malformed request line", b"GET\r\nHost: d\r\n\r\n", (400,)),
    ("too many headers", b"GET /v1/status HTTP/1.1\r\n" + b"X: y\r\n" * 600 + b"\r\n", (400,)),
]


def _dechunk(body: bytes) -> bytes:
    out = b""
    while body:
        size, _, rest = body.partition(b"\r\n")
        n = int(size, 16)
        if n == 0:
            break
        out += rest[:n]
        body = rest[n + 2:]
    return out


def exchange(resource: Resource, raw: bytes) -> tuple[int, dict[bytes, bytes], bytes]:
    """Send ``raw`` to a make_site Site over an in-memory transport; the parsed answer."""
    site = make_site(resource)
    protocol = site.buildProtocol(IPv4Address("TCP", "127.0.0.1", 0))
    transport = StringTransport()
    protocol.makeConnection(transport)
    protocol.dataReceived(raw)
    answer = transport.value()
    protocol.connectionLost(None)  # type: ignore[arg-type]
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.split(b"\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(b":") for ln in lines)}
    if headers.get(b"transfer-encoding") == b"chunked":
        body = _dechunk(body)
    return int(status_line.split()[1]), headers, body


@pytest.mark.parametrize("daemon", list(DAEMONS))
@pytest.mark.parametrize(("case", "raw", "codes"), CASES, ids=[c[0] for c in CASES])
def test_error_answer_is_json(daemon: str, case: str, raw: bytes, codes: tuple[int, ...]
                              ) -> None:
    """The answer is one of the expected 4xx, typed JSON, with a non-empty ``error``."""
    resource, token = DAEMONS[daemon][1]()
    code, headers, body = exchange(resource, raw.replace(b"TOKEN", token.encode()))
    assert code in codes, (daemon, case, code, body[:200])
    assert headers.get(b"content-type", b"").startswith(b"application/json"), (daemon, case)
    if raw.startswith(b"HEAD"):
        assert body == b""
        return
    answer: Any = json.loads(body)
    assert answer["status"] == "error" and isinstance(answer["error"], str) and answer["error"]


@pytest.mark.parametrize("daemon", list(DAEMONS))
def test_head_of_a_route_answers_like_get_without_a_body(daemon: str) -> None:
    """HEAD /v1/status: 200, JSON content type, no body."""
    resource, _ = DAEMONS[daemon][1]()
    code, headers, body = exchange(resource, b"HEAD /v1/status HTTP/1.1\r\nHost: d\r\n\r\n")
    assert (code, body) == (200, b"")
    assert headers[b"content-type"].startswith(b"application/json")


def test_a_failure_outside_the_handlers_is_a_json_500_without_traceback() -> None:
    """A resource that raises where no handler catches it: JSON 500, no traceback text."""

    class Broken(Resource):
        isLeaf = True

        def render(self, request: Any) -> bytes:
            raise RuntimeError("secret internals")

    code, headers, body = exchange(Broken(), b"GET /x HTTP/1.1\r\nHost: d\r\n\r\n")
    assert code == 500 and headers[b"content-type"].startswith(b"application/json")
    assert json.loads(body)["error"] and b"secret" not in body and b"Traceback" not in body


@pytest.mark.parametrize(("path", "bad"), [(b"/v1/status", False), (b"/%C3%A9", False),
                                           (b"/%ff", True), (b"/%C3", True), (b"/%zz", False)])
def test_undecodable_path(path: bytes, bad: bool) -> None:
    """Only percent-escapes that do not form UTF-8 are refused; broken escapes stay literal."""
    assert undecodable_path(path) is bad
