"""The web UI passes /api/v1/... to the engine with the site token added server-side, and
answers a clear JSON 502/503 when it cannot reach the engine."""

from typing import Any

from twisted.internet.defer import Deferred, fail
from twisted.internet.error import ConnectionRefusedError

from ..helpers import SEED_EXAMPLE, EngineHarness
from .harness import UIHarness


def test_a_read_reaches_the_engine_and_returns_its_answer() -> None:
    """GET /api/v1/sensors is the engine's GET /v1/sensors, body and status unchanged."""
    engine = EngineHarness()
    engine.request("PUT", "/v1/sensors/update", SEED_EXAMPLE)
    ui = UIHarness(engine=engine)
    code, body, _ = ui.request("GET", "/api/v1/sensors")
    assert code == 200 and [s["id"] for s in body["sensors"]] == ["myhostid:1058F50F01080047"]


def test_a_change_carries_the_site_token_the_browser_never_sent() -> None:
    """A PUT with the CSRF token reaches the engine authorised: the engine stores the reading
    (it would answer 401 without the token the web UI adds)."""
    engine = EngineHarness()
    ui = UIHarness(engine=engine)
    code, body, _ = ui.request("PUT", "/api/v1/sensors/update", SEED_EXAMPLE,
                               headers={"X-CSRF-Token": ui.csrf()})
    assert code == 201, body
    code, sensor = engine.request("GET", "/v1/sensors/myhostid:1058F50F01080047")
    assert code == 200 and sensor["last_value"] == 24.3125


def test_the_query_string_is_passed_on() -> None:
    """``?limit=`` reaches the engine (its 422 for a bad value comes back as is)."""
    engine = EngineHarness()
    engine.request("PUT", "/v1/sensors/update", SEED_EXAMPLE)
    ui = UIHarness(engine=engine)
    code, body, _ = ui.request("GET", "/api/v1/sensors/myhostid:1058F50F01080047/readings"
                                      "?limit=abc")
    assert code == 422 and "limit" in body["error"]


def test_only_the_versioned_api_is_reachable() -> None:
    """Paths outside /api/v1/ are 404 here, never sent to the engine."""
    ui = UIHarness(engine=EngineHarness())
    for path in ("/api/token", "/api/v1/../token", "/api/x/v1/zones"):
        code, body, _ = ui.request("GET", path)
        assert code == 404 and body["status"] == "error", (path, body)
    assert ui.proxy.calls == 0


def test_no_engine_found_is_a_503_that_says_so() -> None:
    """Before discovery finds the engine the answer is 503 with Retry-After."""
    ui = UIHarness(engine=EngineHarness(), url=None)
    code, body, response = ui.request("GET", "/api/v1/zones")
    assert code == 503 and "not been found" in body["error"]
    assert response.headers.getRawHeaders(b"retry-after") == [b"5"]


class _FailingHTTP:
    """An HTTP client whose calls fail like a stopped or silent engine."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.seen: list[dict[str, Any]] = []

    def request(self, method: str, url: str, **kwargs: Any) -> Deferred[Any]:
        self.seen.append({"method": method, "url": url, **kwargs})
        return fail(self.error)


def test_an_engine_that_refuses_is_a_502_naming_it() -> None:
    """Connection refused → 502 naming the engine's URL; the call had a time limit."""
    http = _FailingHTTP(ConnectionRefusedError())
    ui = UIHarness(http=http)
    code, body, _ = ui.request("GET", "/api/v1/zones")
    assert code == 502 and "http://engine" in body["error"], body
    assert http.seen[0]["timeout"] == 2.0


def test_an_engine_that_does_not_answer_in_time_is_a_502() -> None:
    """A timed-out call → 502 'no answer in time'."""
    from twisted.internet.defer import CancelledError

    ui = UIHarness(http=_FailingHTTP(CancelledError()))
    code, body, _ = ui.request("GET", "/api/v1/zones")
    assert code == 502 and "no answer in time" in body["error"]
