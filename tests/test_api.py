"""The engine's REST API v1, through StubTreq on a memory store and a task.Clock."""

import pytest

from rpymostat.shared.auth import AuthMode

from .helpers import SEED_EXAMPLE, TOKEN, EngineHarness, result_of


def _batch(*readings: tuple[str, str, float | None]) -> dict:
    return {"host_id": "pi-zero-1", "readings": [
        {"sensor_id": s, "timestamp": ts, "value": v, "type": "DS18B20"}
        for s, ts, v in readings]}


def test_seed_example_is_stored_and_listed(engine: EngineHarness) -> None:
    """The seed's example PUT answers 201 with the sensor id, and GET /v1/sensors shows it."""
    code, body = engine.request("PUT", "/v1/sensors/update", SEED_EXAMPLE)
    assert (code, body) == (201, {"status": "ok", "ids": ["myhostid:1058F50F01080047"]})
    code, body = engine.request("GET", "/v1/sensors")
    assert code == 200
    [sensor] = body["sensors"]
    assert sensor["id"] == "myhostid:1058F50F01080047"
    assert sensor["last_value"] == 24.3125
    assert sensor["alias"] == "some_alias"
    assert sensor["zone"] == "house"
    assert sensor["stale"] is False
    assert sensor["last_update"] == "2026-09-21T14:13:20Z"


def test_sensor_becomes_stale_as_the_clock_moves(engine: EngineHarness) -> None:
    """Age grows with the injected clock; past the stale limit the stale flag is set."""
    engine.request("PUT", "/v1/sensors/update", SEED_EXAMPLE)
    engine.clock.advance(599)
    assert engine.request("GET", "/v1/sensors")[1]["sensors"][0]["stale"] is False
    engine.clock.advance(2)
    sensor = engine.request("GET", "/v1/sensors")[1]["sensors"][0]
    assert sensor["stale"] is True
    assert sensor["age_s"] == pytest.approx(601)


def test_mutation_without_token_is_401(engine: EngineHarness) -> None:
    """A PUT without the site token is refused with a JSON 401 and stores nothing."""
    code, body = engine.request("PUT", "/v1/sensors/update", SEED_EXAMPLE, token=None)
    assert code == 401
    assert body["status"] == "error"
    assert "Bearer" in body["error"]
    assert engine.request("GET", "/v1/sensors")[1] == {"sensors": []}


def test_wrong_token_is_401(engine: EngineHarness) -> None:
    """A wrong token is refused like a missing one."""
    code, body = engine.request("PUT", "/v1/sensors/update", SEED_EXAMPLE, token="x" * 20)
    assert code == 401
    assert body["error"] == "the site token is not valid"


def test_reads_are_open_unless_strict() -> None:
    """In mode 'on' reads need no token; in 'strict' they do, except status and the API doc."""
    assert EngineHarness(AuthMode.ON).request("GET", "/v1/sensors", token=None)[0] == 200
    strict = EngineHarness(AuthMode.STRICT)
    assert strict.request("GET", "/v1/sensors", token=None)[0] == 401
    assert strict.request("GET", "/v1/sensors")[0] == 200
    assert strict.request("GET", "/v1/status", token=None)[0] == 200
    assert strict.request("GET", "/v1/openapi.json", token=None)[0] == 200


def test_auth_off_accepts_mutations_without_token() -> None:
    """With RPYMOSTAT_AUTH=off legacy clients can PUT without a token."""
    engine = EngineHarness(AuthMode.OFF)
    assert engine.request("PUT", "/v1/sensors/update", SEED_EXAMPLE, token=None)[0] == 201


def test_status_reports_store(engine: EngineHarness) -> None:
    """/v1/status is 200 with the store up and 503 with it down."""
    assert engine.request("GET", "/v1/status") == (
        200, {"status": True, "dependencies": {"store": True}, "version": engine_version()})
    engine.store.available = False
    code, body = engine.request("GET", "/v1/status")
    assert (code, body["status"], body["dependencies"]) == (503, False, {"store": False})


def engine_version() -> str:
    from rpymostat.engine import __version__

    return __version__


def test_store_outage_is_503_not_500(engine: EngineHarness) -> None:
    """When the store fails, ingest answers 503 JSON so agents keep their readings to retry."""
    engine.store.available = False
    code, body = engine.request("PUT", "/v1/sensors/update", SEED_EXAMPLE)
    assert code == 503
    assert "store" in body["error"]


def test_batch_is_idempotent(engine: EngineHarness) -> None:
    """Replaying a batch stores nothing twice and reports the duplicates."""
    batch = _batch(("t1", "2026-09-21T10:00:00Z", 19.5), ("t1", "2026-09-21T10:01:00Z", 19.75))
    assert engine.request("POST", "/v1/sensors/batch", batch) == (
        201, {"status": "ok", "ids": ["pi-zero-1:t1"], "stored": 2, "duplicates": 0})
    assert engine.request("POST", "/v1/sensors/batch", batch)[1]["duplicates"] == 2
    code, body = engine.request("GET", "/v1/sensors/pi-zero-1:t1/readings"
                                "?start=2026-09-21T00:00:00Z&order=asc")
    assert code == 200
    assert body["readings"] == [{"timestamp": "2026-09-21T10:00:00Z", "value": 19.5},
                                {"timestamp": "2026-09-21T10:01:00Z", "value": 19.75}]


def test_replayed_old_reading_does_not_move_last_value_back(engine: EngineHarness) -> None:
    """last_value follows the newest timestamp, whatever order readings arrive in."""
    engine.request("POST", "/v1/sensors/batch", _batch(("t1", "2026-09-21T10:05:00Z", 21.0)))
    engine.request("POST", "/v1/sensors/batch", _batch(("t1", "2026-09-21T10:00:00Z", 18.0)))
    sensor = engine.request("GET", "/v1/sensors/pi-zero-1:t1")[1]
    assert (sensor["last_value"], sensor["last_update"]) == (21.0, "2026-09-21T10:05:00Z")


def test_batch_rejects_future_timestamps(engine: EngineHarness) -> None:
    """A reading stamped well in the future (a wrong clock) is refused, naming the field."""
    code, body = engine.request("POST", "/v1/sensors/batch",
                                _batch(("t1", "2030-01-01T00:00:00Z", 20.0)))
    assert code == 422
    assert body["error"].startswith("readings[0].timestamp is in the future")


def test_patch_renames_and_rezones(engine: EngineHarness) -> None:
    """PATCH sets the user's name and zone; null clears the name."""
    engine.request("PUT", "/v1/sensors/update", SEED_EXAMPLE)
    path = "/v1/sensors/myhostid:1058F50F01080047"
    code, body = engine.request("PATCH", path, {"name": "Living room", "zone": "downstairs"})
    assert (code, body["name"], body["zone"]) == (200, "Living room", "downstairs")
    code, body = engine.request("PATCH", path, {"name": None})
    assert (code, body["name"], body["zone"]) == (200, None, "downstairs")


@pytest.mark.parametrize(("patch", "fragment"), [
    ({}, "nothing to change"),
    ({"colour": "red"}, "unknown field(s): colour"),
    ({"name": ""}, "name must be"),
    ({"name": 3}, "name must be"),
    ({"zone": "up stairs"}, "zone must be"),
    ([], "JSON object"),
])
def test_patch_validation(engine: EngineHarness, patch: object, fragment: str) -> None:
    """Invalid PATCH bodies get 422 naming the problem."""
    engine.request("PUT", "/v1/sensors/update", SEED_EXAMPLE)
    code, body = engine.request("PATCH", "/v1/sensors/myhostid:1058F50F01080047", patch)
    assert code == 422
    assert fragment in body["error"]


def test_unknown_sensor_is_404(engine: EngineHarness) -> None:
    """GET, PATCH, DELETE and history of an unknown sensor are JSON 404s."""
    for method, path, body in [("GET", "/v1/sensors/a:b", None),
                               ("PATCH", "/v1/sensors/a:b", {"name": "x"}),
                               ("DELETE", "/v1/sensors/a:b", None),
                               ("GET", "/v1/sensors/a:b/readings", None)]:
        code, answer = engine.request(method, path, body)
        assert (code, answer["error"]) == (404, "no such sensor: a:b"), (method, path)


def test_delete_forgets_sensor_and_history(engine: EngineHarness) -> None:
    """DELETE removes the sensor; it is gone from the list and its history is 404."""
    engine.request("PUT", "/v1/sensors/update", SEED_EXAMPLE)
    assert engine.request("DELETE", "/v1/sensors/myhostid:1058F50F01080047")[0] == 200
    assert engine.request("GET", "/v1/sensors")[1] == {"sensors": []}


@pytest.mark.parametrize(("query", "fragment"), [
    ("?start=yesterday", "start 'yesterday' is not an ISO 8601 time"),
    ("?end=2026-09-21T10:00:00", "end must include a UTC offset"),
    ("?start=2026-09-21T10:00:00Z&end=2026-09-21T09:00:00Z", "start must be before end"),
    ("?limit=0", "limit must be an integer"),
    ("?limit=abc", "limit must be an integer"),
    ("?order=newest", "order must be desc"),
])
def test_history_query_validation(engine: EngineHarness, query: str, fragment: str) -> None:
    """Bad history query parameters are 422 naming the parameter."""
    engine.request("PUT", "/v1/sensors/update", SEED_EXAMPLE)
    code, body = engine.request("GET", f"/v1/sensors/myhostid:1058F50F01080047/readings{query}")
    assert code == 422
    assert fragment in body["error"]


def test_history_window_and_limit(engine: EngineHarness) -> None:
    """History honours [start, end) and limit: by default the newest readings, newest first;
    with order=asc the oldest, oldest first."""
    engine.request("POST", "/v1/sensors/batch", _batch(
        *[("t1", f"2026-09-21T10:0{i}:00Z", 20.0 + i) for i in range(6)]))
    path = "/v1/sensors/pi-zero-1:t1/readings"
    body = engine.request("GET", f"{path}?start=2026-09-21T10:01:00Z&end=2026-09-21T10:04:00Z")[1]
    assert [r["value"] for r in body["readings"]] == [23.0, 22.0, 21.0]
    body = engine.request("GET", f"{path}?start=2026-09-21T10:00:00Z&limit=3")[1]
    assert [r["value"] for r in body["readings"]] == [25.0, 24.0, 23.0]
    body = engine.request("GET", f"{path}?start=2026-09-21T10:00:00Z&limit=2&order=asc")[1]
    assert [r["value"] for r in body["readings"]] == [20.0, 21.0]
    body = engine.request("GET", f"{path}?start=2026-09-21T10:00:00Z&limit=2&order=desc")[1]
    assert [r["value"] for r in body["readings"]] == [25.0, 24.0]


def test_unknown_route_and_method_are_json(engine: EngineHarness) -> None:
    """Routing errors are JSON too: 404 for an unknown path, 405 naming allowed methods."""
    code, body = engine.request("GET", "/v1/nothing")
    assert (code, body["status"]) == (404, "error")
    code, body = engine.request("DELETE", "/v1/sensors/update")
    assert code in (404, 405)
    assert body["status"] == "error"
    code, body = engine.request("POST", "/v1/status")
    assert code == 405
    assert body["error"].endswith("allowed: GET, HEAD")


def test_root_page_links_api(engine: EngineHarness) -> None:
    """GET / is an HTML page with the version and links to the API document and status."""
    code, text = engine.request("GET", "/")
    assert code == 200
    assert "/v1/openapi.json" in text and "/v1/status" in text and engine_version() in text


def test_store_that_never_answers_is_503_after_the_timeout() -> None:
    """A store call that hangs is cut off at the store timeout (checked every 0.25 s) and
    answered 503, not 500."""
    from twisted.internet.defer import Deferred

    engine = EngineHarness()
    engine.store.add_readings = lambda readings: Deferred()  # type: ignore[method-assign]
    d = engine.treq.put("http://engine/v1/sensors/update", json=SEED_EXAMPLE,
                        headers={"Authorization": f"Bearer {TOKEN}"})
    answered: list = []
    d.addBoth(answered.append)
    engine.clock.advance(10.0)
    assert answered == []
    engine.clock.advance(0.25)
    engine.treq.flush()
    [response] = answered
    assert response.code == 503
    assert "did not answer within 10 s" in result_of(engine.treq.json_content(response))["error"]
