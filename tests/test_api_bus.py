"""The engine API's bus routes: readings published, /v1/bus/snapshot and /v1/logs."""

from typing import Any
from urllib.parse import quote, urlencode

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rpymostat.engine import __version__
from rpymostat.engine.openapi import openapi_document
from rpymostat.shared.bus.topics import escape_segment

from .helpers import SEED_EXAMPLE, EngineHarness

DOC = openapi_document(__version__)
LOG = {"level": "warn", "text": "t", "namespace": "n", "time": None}


def _validator(name: str) -> jsonschema.Draft202012Validator:
    schema = {"$ref": f"#/components/schemas/{name}", "components": DOC["components"]}
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _batch(host: str, *readings: tuple[str, str, float | None]) -> dict[str, Any]:
    return {"host_id": host, "readings": [
        {"sensor_id": s, "timestamp": ts, "value": v, "type": "DS18B20"}
        for s, ts, v in readings]}


def _sensor_messages(engine: EngineHarness) -> list[tuple[str, dict[str, Any]]]:
    return [(m.topic, m.data) for m in engine.bus.published if m.topic.startswith("sensor.")]


# -- readings on the bus -----------------------------------------------------------------

def test_update_publishes_each_reading(engine: EngineHarness) -> None:
    """PUT /v1/sensors/update publishes sensor.<host>.<sensor> with id, value, time, type."""
    assert engine.request("PUT", "/v1/sensors/update", SEED_EXAMPLE)[0] == 201
    message = engine.bus.assert_published(
        "sensor.myhostid.1058F50F01080047", id="myhostid:1058F50F01080047", value=24.3125,
        timestamp="2026-09-21T14:13:20Z", type="DS18S20")
    assert set(message.data) == {"id", "value", "timestamp", "type"}
    assert message.source == engine.bus.source
    assert len(engine.bus.published) == 1


def test_update_escapes_dotted_ids_to_one_segment(engine: EngineHarness) -> None:
    """A host id with a dot is escaped (pi.1 → pi~2e1) so it stays one topic level."""
    body = {"host_id": "pi.1", "sensors": {"28.ab~c": {"type": "DS18B20", "value": 20.5}}}
    assert engine.request("PUT", "/v1/sensors/update", body)[0] == 201
    topic = "sensor.pi~2e1.28~2eab~7ec"
    assert topic == f"sensor.{escape_segment('pi.1')}.{escape_segment('28.ab~c')}"
    engine.bus.assert_published(topic, id="pi.1:28.ab~c", value=20.5)
    assert engine.bus.snapshot().tree == {"sensor": {"pi~2e1": {"28~2eab~7ec": {
        "id": "pi.1:28.ab~c", "value": 20.5, "timestamp": "2026-09-21T14:13:20Z",
        "type": "DS18B20"}}}}


def test_update_with_several_sensors_publishes_each(engine: EngineHarness) -> None:
    """Each sensor of an update gets its own message on its own topic."""
    body = {"host_id": "pi1", "sensors": {"a": {"type": "T", "value": 1.0},
                                          "b": {"type": "T", "value": 2.0}}}
    engine.request("PUT", "/v1/sensors/update", body)
    assert sorted((t, d["value"]) for t, d in _sensor_messages(engine)) == [
        ("sensor.pi1.a", 1.0), ("sensor.pi1.b", 2.0)]


def test_batch_publishes_the_newest_reading_of_each_sensor(engine: EngineHarness) -> None:
    """POST /v1/sensors/batch publishes each sensor's newest reading, whatever the body order
    (the history is in the store; the bus carries the current value)."""
    batch = _batch("pi-zero-1", ("t1", "2026-09-21T10:02:00Z", 19.75),
                   ("t2", "2026-09-21T10:00:00Z", 18.0),
                   ("t1", "2026-09-21T10:01:00Z", 19.5))
    assert engine.request("POST", "/v1/sensors/batch", batch)[0] == 201
    assert sorted((t, d["timestamp"], d["value"]) for t, d in _sensor_messages(engine)) == [
        ("sensor.pi-zero-1.t1", "2026-09-21T10:02:00Z", 19.75),
        ("sensor.pi-zero-1.t2", "2026-09-21T10:00:00Z", 18.0),
    ]
    assert engine.bus.snapshot("sensor.pi-zero-1.t1").tree["sensor"]["pi-zero-1"]["t1"][
        "value"] == 19.75


def test_late_old_batch_does_not_move_the_tree_back(engine: EngineHarness) -> None:
    """The live tree follows the newest reading, like the sensor's last_value does."""
    engine.request("POST", "/v1/sensors/batch",
                   _batch("pi-zero-1", ("t1", "2026-09-21T10:05:00Z", 21.0)))
    engine.request("POST", "/v1/sensors/batch",
                   _batch("pi-zero-1", ("t1", "2026-09-21T10:00:00Z", 18.0)))
    assert engine.request("GET", "/v1/sensors/pi-zero-1:t1")[1]["last_value"] == 21.0
    leaf = engine.bus.snapshot().tree["sensor"]["pi-zero-1"]["t1"]
    assert (leaf["value"], leaf["timestamp"]) == (21.0, "2026-09-21T10:05:00Z")


@pytest.mark.parametrize(("method", "path", "body", "token"), [
    ("PUT", "/v1/sensors/update", {"host_id": "bad id", "sensors": {}}, "default"),
    ("PUT", "/v1/sensors/update", {"host_id": "h", "sensors": {"s": {"type": "T",
                                                                      "value": 999.0}}},
     "default"),
    ("PUT", "/v1/sensors/update", SEED_EXAMPLE, None),
    ("POST", "/v1/sensors/batch", _batch("h", ("t1", "2030-01-01T00:00:00Z", 20.0)),
     "default"),
    ("POST", "/v1/sensors/batch", {"host_id": "h", "readings": "nope"}, "default"),
])
def test_rejected_ingest_publishes_nothing(engine: EngineHarness, method: str, path: str,
                                           body: Any, token: str | None) -> None:
    """A request refused with a 4xx puts nothing on the bus."""
    kwargs: dict[str, Any] = {} if token == "default" else {"token": token}
    code, _answer = engine.request(method, path, body, **kwargs)
    assert 400 <= code < 500
    assert engine.bus.published == []


def test_store_unavailable_publishes_nothing(engine: EngineHarness) -> None:
    """A reading the store did not take (503) is not published either."""
    engine.store.available = False
    assert engine.request("PUT", "/v1/sensors/update", SEED_EXAMPLE)[0] == 503
    assert engine.bus.published == []


# -- /v1/bus/snapshot --------------------------------------------------------------------

def _two_hosts(engine: EngineHarness) -> None:
    for host, value in (("pi1", 20.0), ("pi2", 21.0)):
        engine.request("PUT", "/v1/sensors/update",
                       {"host_id": host, "sensors": {"t1": {"type": "T", "value": value}}})
    engine.bus.publish("zone.house.state", {"heating": True})


def test_snapshot_returns_tree_and_seqs(engine: EngineHarness) -> None:
    """Without a mask the whole tree comes back with the last seq per (source, topic)."""
    _two_hosts(engine)
    engine.request("PUT", "/v1/sensors/update",
                   {"host_id": "pi1", "sensors": {"t1": {"type": "T", "value": 20.5}}})
    code, body = engine.request("GET", "/v1/bus/snapshot")
    assert code == 200
    assert set(body) == {"tree", "seqs"}
    assert body["tree"]["zone"] == {"house": {"state": {"heating": True}}}
    assert set(body["tree"]["sensor"]) == {"pi1", "pi2"}
    assert body["tree"]["sensor"]["pi1"]["t1"]["value"] == 20.5
    assert body["seqs"] == [{"source": "engine", "topic": "sensor.pi1.t1", "seq": 2},
                            {"source": "engine", "topic": "sensor.pi2.t1", "seq": 1},
                            {"source": "engine", "topic": "zone.house.state", "seq": 1}]
    _validator("Snapshot").validate(body)


@pytest.mark.parametrize(("mask", "top", "topics"), [
    ("sensor.pi1", {"sensor"}, ["sensor.pi1.t1"]),
    ("sensor.", {"sensor"}, ["sensor.pi1.t1", "sensor.pi2.t1"]),
    ("zone", {"zone"}, ["zone.house.state"]),
    ("nothing.here", set(), []),
])
def test_snapshot_mask_filters(engine: EngineHarness, mask: str, top: set[str],
                               topics: list[str]) -> None:
    """A mask returns only its subtree and only its topics' seqs."""
    _two_hosts(engine)
    code, body = engine.request("GET", f"/v1/bus/snapshot?mask={mask}")
    assert code == 200
    assert set(body["tree"]) == top
    assert [s["topic"] for s in body["seqs"]] == topics
    if mask == "sensor.pi1":
        assert set(body["tree"]["sensor"]) == {"pi1"}
    _validator("Snapshot").validate(body)


@pytest.mark.parametrize("mask", ["a..b", ".a", "a b", "x" * 700, "é"])
def test_snapshot_bad_mask_is_422(engine: EngineHarness, mask: str) -> None:
    """An invalid mask is a JSON 422 naming the mask."""
    code, body = engine.request("GET", "/v1/bus/snapshot?" + urlencode({"mask": mask}))
    assert code == 422
    assert body["status"] == "error"
    assert body["error"].startswith("mask")


@pytest.mark.parametrize("marker", ["a.b", "x y", "", ".", "x" * 193])
def test_snapshot_bad_marker_is_422(engine: EngineHarness, marker: str) -> None:
    """An invalid marker is a JSON 422 naming the marker, and nothing is published."""
    code, body = engine.request("GET", "/v1/bus/snapshot?" + urlencode({"marker": marker}))
    assert code == 422
    assert body["status"] == "error"
    assert body["error"].startswith("marker")
    assert engine.bus.published == []


def test_snapshot_with_marker_publishes_the_sync_message(engine: EngineHarness) -> None:
    """A good marker publishes bus.sync.<marker> and returns the (masked) tree."""
    _two_hosts(engine)
    code, body = engine.request("GET", "/v1/bus/snapshot?mask=sensor.&marker=join-42~x")
    assert code == 200
    assert set(body["tree"]) == {"sensor"}
    assert len(body["seqs"]) == 2
    engine.bus.assert_published("bus.sync.join-42~x")
    _validator("Snapshot").validate(body)


# -- /v1/logs ----------------------------------------------------------------------------

def _logs(engine: EngineHarness) -> None:
    engine.bus.publish("log.sensor-agent", {**LOG, "text": "one"}, source="a")
    engine.bus.publish("sensor.pi1.t1", {"value": 1.0}, source="a")
    engine.bus.publish("log.relay-agent", {**LOG, "level": "error", "text": "two"}, source="r")
    engine.bus.publish("log.sensor-agent", {**LOG, "text": "three",
                                            "time": "2026-09-21T10:00:00+00:00"}, source="a")


def test_logs_returns_log_messages_oldest_first(engine: EngineHarness) -> None:
    """GET /v1/logs lists every log.* message (not other topics) with service, source, seq."""
    _logs(engine)
    code, body = engine.request("GET", "/v1/logs")
    assert code == 200
    assert [(r["service"], r["text"]) for r in body["logs"]] == [
        ("sensor-agent", "one"), ("relay-agent", "two"), ("sensor-agent", "three")]
    assert body["logs"][0] == {"service": "sensor-agent", "source": "a", "seq": 1, "ts": 0.0,
                               "level": "warn", "text": "one", "namespace": "n", "time": None}
    _validator("Logs").validate(body)


def test_logs_empty(engine: EngineHarness) -> None:
    """With no log messages the list is empty (and still valid)."""
    assert engine.request("GET", "/v1/logs") == (200, {"logs": []})
    _validator("Logs").validate({"logs": []})


def test_logs_filter_by_service(engine: EngineHarness) -> None:
    """service= keeps only that service's records."""
    _logs(engine)
    code, body = engine.request("GET", "/v1/logs?service=sensor-agent")
    assert code == 200
    assert [r["text"] for r in body["logs"]] == ["one", "three"]
    assert engine.request("GET", "/v1/logs?service=sensor")[1] == {"logs": []}
    _validator("Logs").validate(body)


@pytest.mark.parametrize(("limit", "texts"), [("1", ["three"]), ("2", ["two", "three"]),
                                               ("10000", ["one", "two", "three"])])
def test_logs_limit_keeps_the_latest(engine: EngineHarness, limit: str,
                                     texts: list[str]) -> None:
    """limit= keeps the latest records, still oldest first."""
    _logs(engine)
    code, body = engine.request("GET", f"/v1/logs?limit={limit}")
    assert code == 200
    assert [r["text"] for r in body["logs"]] == texts


@pytest.mark.parametrize("query", ["limit=0", "limit=10001", "limit=-1", "limit=x", "limit=",
                                   "service=a..b", "service=a%20b"])
def test_logs_bad_query_is_422(engine: EngineHarness, query: str) -> None:
    """An out-of-range limit or an invalid service is a JSON 422 naming the parameter."""
    code, body = engine.request("GET", f"/v1/logs?{query}")
    assert code == 422
    assert body["status"] == "error"
    assert body["error"].startswith(query.split("=", maxsplit=1)[0])


def test_log_schema_refuses_a_record_without_text() -> None:
    """The Logs schema is not vacuous: a record missing its text is invalid."""
    assert not _validator("Logs").is_valid({"logs": [{"service": "s", "level": "warn"}]})
    assert not _validator("Snapshot").is_valid({"tree": {}, "seqs": [{"source": "s"}]})


# -- fuzz --------------------------------------------------------------------------------

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
query_values = st.text(max_size=30) | st.sampled_from(
    ["", "sensor.", "sensor.pi1", "log", "a..b", "0", "1", "10000", "10001", "-1", "x.y."])


@FUZZ
@given(route=st.sampled_from(["/v1/bus/snapshot", "/v1/logs"]),
       query=st.dictionaries(st.sampled_from(["mask", "marker", "limit", "service"]),
                             query_values, max_size=4))
def test_bus_queries_never_5xx(route: str, query: dict[str, str]) -> None:
    """Arbitrary mask/marker/limit/service values give 200 or a JSON 422, never a 5xx."""
    engine = EngineHarness()
    _two_hosts(engine)
    _logs(engine)
    code, body = engine.request("GET", f"{route}?{urlencode(query, quote_via=quote)}")
    assert code in (200, 422), body
    if code == 422:
        assert body["status"] == "error" and body["error"]
    else:
        _validator("Snapshot" if route.endswith("snapshot") else "Logs").validate(body)


def test_deleting_a_sensor_removes_it_from_the_tree(engine: EngineHarness) -> None:
    """DELETE /v1/sensors/<id> publishes a removal: the sensor's node leaves the tree."""
    engine.request("PUT", "/v1/sensors/update",
                   {"host_id": "pi.1", "sensors": {"t1": {"type": "T", "value": 20.0}}})
    assert engine.bus.tree.get("sensor.pi~2e1.t1") is not None
    assert engine.request("DELETE", "/v1/sensors/pi.1:t1")[0] == 200
    assert engine.bus.tree.get("sensor.pi~2e1.t1") is None
    assert engine.bus.tree.get("sensor") is None
