"""HotRoutes (plain twisted.web for a service's hot paths) and the engine's ingest routes on it:
the same answers as the Klein routes, every other request still Klein's, and a client that
goes away does not undo what it asked for."""

import json
from io import BytesIO
from typing import Any

import pytest
from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.error import ConnectionDone
from twisted.logger import globalLogPublisher
from twisted.python.failure import Failure
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request
from twisted.web.test.requesthelper import DummyChannel

from rpymostat.engine.ingest import parse_update
from rpymostat.shared.clock import utcnow
from rpymostat.shared.errors import ServiceUnavailable, Unprocessable
from rpymostat.shared.plainroutes import HotRoutes

from .helpers import SEED_EXAMPLE, TOKEN, EngineHarness, result_of


class _Fallback(Resource):
    isLeaf = True

    def render(self, request: Request) -> bytes:  # type: ignore[override]
        return b"fallback " + request.method + b" " + request.path


def _request(method: bytes, path: bytes, body: bytes = b"") -> Request:
    channel = DummyChannel()
    request = Request(channel)
    request.sent = channel.transport.written  # type: ignore[attr-defined]
    request.method, request.path, request.uri = method, path, path
    request.content = BytesIO(body)
    request.clientproto = b"HTTP/1.1"
    return request


def _written(request: Request) -> tuple[int, Any]:
    assert request.finished
    raw = request.sent.getvalue()  # type: ignore[attr-defined]
    body = raw.partition(b"\r\n\r\n")[2]
    return request.code, json.loads(body)


def _render(routes: HotRoutes, request: Request) -> None:
    request.render(routes)  # as the Site does: a bytes result is written and finished


def test_a_hot_route_answers_with_its_deferred_body() -> None:
    answer: Deferred[bytes] = Deferred()
    routes = HotRoutes({(b"PUT", b"/hot"): lambda request: answer}, _Fallback())
    request = _request(b"PUT", b"/hot")
    assert routes.render(request) == NOT_DONE_YET
    assert not request.finished
    answer.callback(b'{"status": "ok"}')
    assert _written(request) == (200, {"status": "ok"})


@pytest.mark.parametrize(("method", "path"), [(b"GET", b"/hot"), (b"POST", b"/hot"),
                                              (b"PUT", b"/hot/"), (b"PUT", b"/other")])
def test_every_other_method_or_path_is_the_fallbacks(method: bytes, path: bytes) -> None:
    routes = HotRoutes({(b"PUT", b"/hot"): lambda request: succeed(b"{}")}, _Fallback())
    assert routes.render(_request(method, path)) == b"fallback " + method + b" " + path


def test_an_api_error_raised_or_failed_is_its_json_error() -> None:
    def raised(request: Request) -> Deferred[bytes]:
        raise Unprocessable("value must be a number")

    routes = HotRoutes({(b"PUT", b"/raised"): raised,
                        (b"PUT", b"/failed"): lambda r: fail(ServiceUnavailable("no store"))},
                       _Fallback())
    request = _request(b"PUT", b"/raised")
    _render(routes, request)
    assert _written(request) == (422, {"status": "error", "error": "value must be a number"})
    request = _request(b"PUT", b"/failed")
    _render(routes, request)
    assert _written(request) == (503, {"status": "error", "error": "no store"})


@pytest.mark.parametrize("how", ["raised", "failed"])
def test_an_unexpected_error_is_logged_and_answered_500(how: str) -> None:
    def handler(request: Request) -> Deferred[bytes]:
        if how == "raised":
            raise RuntimeError("kaboom")
        return fail(RuntimeError("kaboom"))

    events: list[dict[str, Any]] = []
    globalLogPublisher.addObserver(events.append)
    try:
        request = _request(b"PUT", b"/boom")
        _render(HotRoutes({(b"PUT", b"/boom"): handler}, _Fallback()), request)
    finally:
        globalLogPublisher.removeObserver(events.append)
    code, body = _written(request)
    assert code == 500 and "this is a bug" in body["error"]
    [logged] = [e for e in events if e.get("log_failure") is not None]
    assert logged["log_failure"].check(RuntimeError)


def test_a_coroutine_handler_is_answered_too() -> None:
    async def handler(request: Request) -> bytes:
        return b'{"status": "ok"}'

    request = _request(b"PUT", b"/hot")
    _render(HotRoutes({(b"PUT", b"/hot"): handler}, _Fallback()), request)
    assert _written(request) == (200, {"status": "ok"})


def test_an_answer_that_cannot_be_written_is_logged() -> None:
    """A handler whose body is not bytes is a bug: logged, not lost in a Deferred."""
    events: list[dict[str, Any]] = []
    globalLogPublisher.addObserver(events.append)
    try:
        request = _request(b"PUT", b"/hot")
        HotRoutes({(b"PUT", b"/hot"): lambda r: succeed("text")},  # type: ignore[arg-type,return-value]
                  _Fallback()).render(request)
    finally:
        globalLogPublisher.removeObserver(events.append)
    [logged] = [e for e in events if e.get("log_failure") is not None]
    assert "cannot answer" in logged["log_format"]
    assert logged["log_failure"].check(TypeError)


def test_a_client_that_went_away_gets_no_answer_and_no_error() -> None:
    answer: Deferred[bytes] = Deferred()
    routes = HotRoutes({(b"PUT", b"/hot"): lambda request: answer}, _Fallback())
    request = _request(b"PUT", b"/hot")
    routes.render(request)
    request.connectionLost(Failure(ConnectionDone()))
    answer.callback(b"{}")  # would raise if the answer were written to the lost request
    assert not request.finished
    assert request.sent.getvalue() == b""  # type: ignore[attr-defined]
    assert answer.result is None  # no failure left in the chain


# -- the engine's ingest routes on HotRoutes --------------------------------------------------


def _engine_request(engine: EngineHarness, method: bytes, path: bytes, body: Any) -> Request:
    request = _request(method, path, json.dumps(body).encode())
    request.requestHeaders.setRawHeaders(b"authorization", [f"Bearer {TOKEN}".encode()])
    return request


def test_a_reading_whose_client_went_away_is_still_stored_and_published() -> None:
    """Klein cancels a request's Deferred when its client goes away, and the reading it had
    already sent to the store was then stored but neither published nor decided on."""
    engine = EngineHarness()
    stored: Deferred[Any] = Deferred()
    add = engine.store.add_readings
    engine.store.add_readings = lambda readings: stored  # type: ignore[method-assign]
    request = _engine_request(engine, b"PUT", b"/v1/sensors/update", SEED_EXAMPLE)
    assert engine.api.resource().render(request) == NOT_DONE_YET
    request.connectionLost(Failure(ConnectionDone()))
    add(parse_update(SEED_EXAMPLE, utcnow(engine.clock))).chainDeferred(stored)
    assert [m.topic for m in engine.bus.published] == ["sensor.myhostid.1058F50F01080047"]
    assert [s.id for s in result_of(engine.store.list_sensors())] == [
        "myhostid:1058F50F01080047"]
    assert not request.finished


def test_the_ingest_routes_other_methods_are_still_klein_answers() -> None:
    """POST on the update route is a 405 naming PUT (Klein knows the route); GET on it is the
    sensor route's 404 for a sensor called "update"."""
    engine = EngineHarness()
    code, body = engine.request("POST", "/v1/sensors/update", SEED_EXAMPLE)
    assert code == 405 and "PUT" in body["error"]
    code, body = engine.request("GET", "/v1/sensors/update")
    assert (code, body["error"]) == (404, "no such sensor: update")
    code, body = engine.request("PUT", "/v1/sensors/batch", {})
    assert code == 405 and "POST" in body["error"]


def test_the_hot_routes_still_need_the_token() -> None:
    engine = EngineHarness()
    code, body = engine.request("PUT", "/v1/sensors/update", SEED_EXAMPLE, token=None)
    assert code == 401 and body["status"] == "error"
    code, _body = engine.request("POST", "/v1/sensors/batch", {}, token="wrong")
    assert code == 401
