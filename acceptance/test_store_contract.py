"""One contract, every store backend: memory (the unit-test fake), SQLite (the default),
MongoDB over a real socket against the MongoWireDouble (a wire-protocol test double backed by
mongomock — NOT a MongoDB server), and a real MongoDB when RPYMOSTAT_TEST_MONGODB_URI is set.
"""

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_twisted
from twisted.internet import reactor

from rpymostat.engine.model import Reading, SensorChanges
from rpymostat.engine.store.aggregate import aggregate_points
from rpymostat.engine.store.events import Event
from rpymostat.engine.store.memory import MemoryStore
from rpymostat.engine.store.mongo import MongoStore
from rpymostat.engine.store.sqlite import SQLiteStore

from .mongo_double import MongoWireDouble

T0 = datetime(2026, 1, 31, 6, 30, tzinfo=UTC)
REAL_MONGODB = os.environ.get("RPYMOSTAT_TEST_MONGODB_URI")
BACKENDS = [
    "memory",
    "sqlite",
    "mongo-wire-double",
    pytest.param("mongodb", marks=pytest.mark.skipif(
        not REAL_MONGODB, reason="no real MongoDB here: set RPYMOSTAT_TEST_MONGODB_URI to run")),
]


def reading(sensor: str, minutes: float, value: float | None, host: str = "pi1",
            **kw: Any) -> Reading:
    """A reading of ``host:sensor`` taken ``minutes`` after T0."""
    return Reading(host, sensor, T0 + timedelta(minutes=minutes), value, kw.pop("type", "DS18B20"),
                   **kw)


@pytest.fixture(scope="module")
def mongo_double() -> Iterator[MongoWireDouble]:
    """One wire-protocol double for the module, emptied before each test."""
    double = MongoWireDouble()
    double.start()
    yield double
    double.stop()


class Backend:
    """Makes stores of one kind that all see the same data (for restart tests)."""

    def __init__(self, kind: str, tmp_path: Any, double: MongoWireDouble | None) -> None:
        self.kind = kind
        self._path = tmp_path / "store.sqlite3"
        self._memory = MemoryStore()
        self._double = double
        self._real_uri = (f"{REAL_MONGODB.rstrip('/')}_{uuid.uuid4().hex[:8]}"
                          if REAL_MONGODB else None)

    def make(self) -> Any:
        if self.kind == "memory":
            return self._memory
        if self.kind == "sqlite":
            return SQLiteStore(reactor, self._path)
        if self.kind == "mongo-wire-double":
            assert self._double is not None
            return MongoStore(reactor, self._double.uri("rpymostat_contract"), timeout=5)
        assert self._real_uri is not None
        return MongoStore(reactor, self._real_uri, timeout=10)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Any) -> Backend:
    """The backend under test (the double is reset so each test starts empty)."""
    double = None
    if request.param == "mongo-wire-double":
        double = request.getfixturevalue("mongo_double")
        double.reset()
    return Backend(request.param, tmp_path, double)


@pytest_twisted.async_yield_fixture
async def store(backend: Backend) -> AsyncIterator[Any]:
    """A started store of the backend under test, stopped afterwards."""
    s = backend.make()
    await s.start()
    yield s
    await s.stop()


@pytest_twisted.ensureDeferred
async def test_ping(store: Any) -> None:
    """A started store answers ping."""
    assert await store.ping() is True


@pytest_twisted.ensureDeferred
async def test_readings_create_sensors(store: Any) -> None:
    """Ingest creates the sensor with its host's metadata, zone 'house' and no user name."""
    result = await store.add_readings([reading("t1", 0, 20.5, alias="hall", extra="x")])
    assert (result.ids, result.stored, result.duplicates) == (("pi1:t1",), 1, 0)
    [sensor] = await store.list_sensors()
    assert (sensor.id, sensor.host_id, sensor.sensor_id, sensor.type, sensor.alias, sensor.extra,
            sensor.name, sensor.zone, sensor.last_value, sensor.last_update, sensor.first_seen
            ) == ("pi1:t1", "pi1", "t1", "DS18B20", "hall", "x", None, "house", 20.5, T0, T0)
    assert await store.get_sensor("pi1:t1") == sensor
    assert await store.get_sensor("pi1:nope") is None


@pytest_twisted.ensureDeferred
async def test_ingest_is_idempotent(store: Any) -> None:
    """The same (host, sensor, timestamp) twice is stored once and counted as a duplicate."""
    batch = [reading("t1", m, 20.0 + m) for m in range(5)]
    assert (await store.add_readings(batch)).stored == 5
    again = await store.add_readings([*batch, reading("t1", 10, 25.0)])
    assert (again.stored, again.duplicates) == (1, 5)
    history = await store.readings("pi1:t1", T0, T0 + timedelta(hours=1), 100)
    assert [p.value for p in history] == [20.0, 21.0, 22.0, 23.0, 24.0, 25.0]


@pytest_twisted.ensureDeferred
async def test_calls_in_flight_together_each_get_their_own_result(store: Any) -> None:
    """Many ingest calls at once (SQLite writes those waiting together): each call's result
    is its own, a replay among them counts its duplicates, and every reading is stored."""
    await store.add_readings([reading("t1", 0, 20.0)])
    calls = [store.add_readings([reading(f"s{i}", 1, 20.0 + i), reading(f"s{i}", 2, 21.0 + i)])
             for i in range(40)]
    calls.append(store.add_readings([reading("t1", 0, 20.0), reading("t1", 3, 23.0)]))
    results = [await d for d in calls]
    assert [(r.ids, r.stored, r.duplicates) for r in results[:40]] == [
        ((f"pi1:s{i}",), 2, 0) for i in range(40)]
    assert (results[40].stored, results[40].duplicates) == (1, 1)
    sensors = {s.id: s for s in await store.list_sensors()}
    assert len(sensors) == 41
    assert sensors["pi1:s39"].last_value == 60.0
    assert sensors["pi1:t1"].last_value == 23.0


@pytest_twisted.ensureDeferred
async def test_last_value_only_moves_forward(store: Any) -> None:
    """An older reading arriving late updates history and first_seen, not the last value."""
    await store.add_readings([reading("t1", 10, 21.0, alias="new")])
    await store.add_readings([reading("t1", 5, 18.0, alias="old")])
    sensor = await store.get_sensor("pi1:t1")
    assert (sensor.last_value, sensor.last_update, sensor.alias) == (
        21.0, T0 + timedelta(minutes=10), "new")
    assert sensor.first_seen == T0 + timedelta(minutes=5)


@pytest_twisted.ensureDeferred
async def test_null_values_are_kept(store: Any) -> None:
    """A reading whose value is unknown (None) is stored as such."""
    await store.add_readings([reading("t1", 0, None)])
    assert (await store.get_sensor("pi1:t1")).last_value is None
    [point] = await store.readings("pi1:t1", T0, T0 + timedelta(minutes=1), 10)
    assert (point.timestamp, point.value) == (T0, None)


@pytest_twisted.ensureDeferred
async def test_history_window_order_and_limit(store: Any) -> None:
    """History is [start, end), oldest first, at most limit, and per sensor."""
    await store.add_readings([reading("t1", m, float(m)) for m in (3, 1, 4, 2, 0)]
                             + [reading("t2", 1, 99.0)])
    window = await store.readings("pi1:t1", T0 + timedelta(minutes=1),
                                  T0 + timedelta(minutes=4), 100)
    assert [p.value for p in window] == [1.0, 2.0, 3.0]
    limited = await store.readings("pi1:t1", T0, T0 + timedelta(hours=1), 2)
    assert [p.value for p in limited] == [0.0, 1.0]


@pytest_twisted.ensureDeferred
async def test_timestamps_keep_milliseconds_and_values_thousandths(store: Any) -> None:
    """Timestamps come back floored to the millisecond as aware UTC datetimes, values rounded
    to thousandths (half away from zero); two readings within one millisecond are one reading
    (the second a duplicate), two a millisecond apart are two."""
    ts = T0 + timedelta(microseconds=123_457)
    result = await store.add_readings([
        Reading("pi1", "t1", ts, 21.0625, "x"),
        Reading("pi1", "t1", ts + timedelta(microseconds=400), 99.0, "x"),
        Reading("pi1", "t1", ts + timedelta(microseconds=600), -3.0005, "x")])
    assert (result.stored, result.duplicates) == (2, 1)
    points = await store.readings("pi1:t1", T0, T0 + timedelta(seconds=1), 10)
    assert [(p.timestamp, p.value) for p in points] == [
        (T0 + timedelta(microseconds=123_000), 21.063),
        (T0 + timedelta(microseconds=124_000), -3.001)]
    assert points[0].timestamp.tzinfo is not None


@pytest_twisted.ensureDeferred
async def test_window_bounds_at_sub_millisecond_times(store: Any) -> None:
    """[start, end) compares the kept (millisecond) timestamps with the bounds as given."""
    await store.add_readings([reading("t1", 0, 1.0)])
    half_ms = timedelta(microseconds=500)
    assert await store.readings("pi1:t1", T0 + half_ms, T0 + timedelta(seconds=1), 10) == []
    assert len(await store.readings("pi1:t1", T0 - half_ms, T0 + half_ms, 10)) == 1
    assert await store.readings("pi1:t1", T0 - half_ms, T0, 10) == []


@pytest_twisted.ensureDeferred
async def test_history_newest_first(store: Any) -> None:
    """Asked newest first, the newest ``limit`` readings of the window come, newest first."""
    await store.add_readings([reading("t1", m, float(m)) for m in (3, 1, 4, 2, 0)])
    newest = await store.readings("pi1:t1", T0, T0 + timedelta(hours=1), 3, newest_first=True)
    assert [p.value for p in newest] == [4.0, 3.0, 2.0]


@pytest_twisted.ensureDeferred
async def test_update_sensor(store: Any) -> None:
    """Rename, rezone and clear the name; an unknown sensor gives None."""
    await store.add_readings([reading("t1", 0, 20.0)])
    renamed = await store.update_sensor("pi1:t1", SensorChanges(name="Hall", zone="upstairs"))
    assert (renamed.name, renamed.zone) == ("Hall", "upstairs")
    cleared = await store.update_sensor("pi1:t1", SensorChanges(clear_name=True))
    assert (cleared.name, cleared.zone) == (None, "upstairs")
    assert await store.update_sensor("pi1:nope", SensorChanges(name="x")) is None
    await store.add_readings([reading("t1", 1, 20.5)])
    assert (await store.get_sensor("pi1:t1")).zone == "upstairs"


@pytest_twisted.ensureDeferred
async def test_delete_sensor_forgets_history(store: Any) -> None:
    """Delete removes the sensor and its readings; it comes back fresh if it reports again."""
    await store.add_readings([reading("t1", 0, 20.0), reading("t2", 0, 19.0)])
    await store.update_sensor("pi1:t1", SensorChanges(name="Hall"))
    assert await store.delete_sensor("pi1:t1") is True
    assert await store.delete_sensor("pi1:t1") is False
    assert [s.id for s in await store.list_sensors()] == ["pi1:t2"]
    assert await store.readings("pi1:t1", T0, T0 + timedelta(hours=1), 10) == []
    await store.add_readings([reading("t1", 5, 21.0)])
    assert (await store.get_sensor("pi1:t1")).name is None


@pytest_twisted.ensureDeferred
async def test_list_is_sorted_by_id(store: Any) -> None:
    """Sensors are listed by id."""
    await store.add_readings([reading(s, 0, 20.0, host=h) for h, s in
                              [("b", "x"), ("a", "z"), ("a", "y")]])
    assert [s.id for s in await store.list_sensors()] == ["a:y", "a:z", "b:x"]


@pytest_twisted.ensureDeferred
async def test_data_survives_restart(backend: Backend) -> None:
    """What was acknowledged is there after the store is stopped and opened again."""
    first = backend.make()
    await first.start()
    await first.add_readings([reading("t1", m, 20.0) for m in range(50)])
    await first.stop()
    second = backend.make()
    await second.start()
    try:
        assert len(await second.readings("pi1:t1", T0, T0 + timedelta(days=1), 1000)) == 50
    finally:
        await second.stop()


@pytest_twisted.ensureDeferred
async def test_documents_put_get_replace_delete(store: Any) -> None:
    """Documents of a kind are kept by key, replaced whole, listed per kind, deleted."""
    assert await store.get_docs("relay_agent") == {}
    await store.put_doc("relay_agent", "pi2", {"url": "http://a", "relays": [{"id": "heat"}]})
    await store.put_doc("relay_agent", "pi1", {"url": "http://b", "n": 1.5, "x": None})
    await store.put_doc("relay_command", "pi1", {"state": "on"})
    await store.put_doc("relay_agent", "pi2", {"url": "http://c"})
    assert await store.get_docs("relay_agent") == {
        "pi1": {"url": "http://b", "n": 1.5, "x": None}, "pi2": {"url": "http://c"}}
    assert await store.get_docs("relay_command") == {"pi1": {"state": "on"}}
    assert await store.delete_doc("relay_agent", "pi1") is True
    assert await store.delete_doc("relay_agent", "pi1") is False
    assert list(await store.get_docs("relay_agent")) == ["pi2"]


@pytest_twisted.ensureDeferred
async def test_documents_survive_a_restart(backend: Backend) -> None:
    """What put_doc returned for is there for the next store over the same data."""
    first = backend.make()
    await first.start()
    await first.put_doc("relay_command", "pi1:heat", {"state": "on", "at": "2026-11-21T06:00Z"})
    await first.stop()
    second = backend.make()
    await second.start()
    try:
        assert await second.get_docs("relay_command") == {
            "pi1:heat": {"state": "on", "at": "2026-11-21T06:00Z"}}
    finally:
        await second.stop()


@pytest_twisted.ensureDeferred
async def test_buckets_equal_the_naive_computation(store: Any) -> None:
    """Every store gives the same min/mean/max/count per bucket (issue 20: the same queries
    give the same answers on SQLite and MongoDB): nulls left out, duplicates once, late
    readings in their bucket, empty buckets not given."""
    batch = [reading("t1", m * 0.75, None if m % 11 == 0 else 15.0 + (m % 13) / 16)
             for m in range(200)]
    await store.add_readings(batch[100:])
    await store.add_readings(batch[:120])  # late, and 20 replayed
    buckets = await store.aggregate("pi1:t1", T0 + timedelta(minutes=7),
                                    T0 + timedelta(hours=3), 300_000)
    points = await store.readings("pi1:t1", T0 + timedelta(minutes=5), T0 + timedelta(hours=3),
                                  10_000)  # whole buckets: the one 7 minutes is in from its start
    assert buckets == aggregate_points(points, 300_000)
    assert [b.start for b in buckets][:2] == [T0 + timedelta(minutes=5),
                                              T0 + timedelta(minutes=10)]
    assert sum(b.count for b in buckets) == sum(p.value is not None for p in points) == 175


@pytest_twisted.ensureDeferred
async def test_events_are_kept_in_order_with_the_one_before_the_window(store: Any) -> None:
    """The event log: per kind and subject, oldest first, same-time events in the order
    kept, the last one before the window on request, bodies as given; never thinned."""
    for minutes, on in [(0, True), (10, False), (10, True), (25, False), (40, True)]:
        await store.append_event(Event("output", "pi2:heat", T0 + timedelta(minutes=minutes),
                                       {"on": on}))
    await store.append_event(Event("output", "pi2:cool", T0, {"on": False}))
    await store.append_event(Event("decision", "house", T0, {"reason": "cold", "n": 1.5}))
    window = await store.events("output", "pi2:heat", T0 + timedelta(minutes=5),
                                T0 + timedelta(minutes=40), 100, with_previous=True)
    assert [(e.timestamp - T0, e.body["on"]) for e in window] == [
        (timedelta(0), True), (timedelta(minutes=10), False), (timedelta(minutes=10), True),
        (timedelta(minutes=25), False)]
    assert [e.kind for e in window] == ["output"] * 4
    assert await store.events("output", "pi2:heat", T0 + timedelta(minutes=5),
                              T0 + timedelta(minutes=6), 100) == []
    [decision] = await store.events("decision", "house", T0, T0 + timedelta(seconds=1), 10)
    assert decision.body == {"reason": "cold", "n": 1.5} and decision.subject == "house"
    assert await store.event_subjects("output") == ["pi2:cool", "pi2:heat"]
    assert await store.event_subjects("alarm") == []


@pytest_twisted.ensureDeferred
async def test_reading_columns_are_the_readings(store: Any) -> None:
    """The columns (ms, value) the history API graphs are the readings, oldest first."""
    await store.add_readings([reading("t1", m, None if m == 2 else 20.0 + m / 8)
                              for m in (3, 1, 4, 2, 0)])
    times, values = await store.reading_columns("pi1:t1", T0, T0 + timedelta(hours=1), 4)
    points = await store.readings("pi1:t1", T0, T0 + timedelta(hours=1), 4)
    assert times == [int(p.timestamp.timestamp() * 1000) for p in points]
    assert values == [p.value for p in points] == [20.0, 20.125, None, 20.375]
