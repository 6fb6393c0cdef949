"""GET /v1/history (issue 20): the query parser (hypothesis), raw and bucketed JSON, CSV, and
422s naming the parameter; through StubTreq over the memory store on a task.Clock."""

import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from treq.testing import StubTreq

from rpymostat.engine.api import EngineAPI
from rpymostat.engine.history.query import (
    BUCKETS,
    MAX_POINTS,
    MAX_SERIES,
    auto_bucket,
    parse_history_query,
)
from rpymostat.engine.model import StoredReading
from rpymostat.engine.store.aggregate import aggregate_points, bucket_window
from rpymostat.engine.store.resolution import floor_to_millis, quantize_value, to_millis
from rpymostat.engine.store.sqlite_ingest import _Call, write_calls
from rpymostat.engine.store.sqlite_readings import select_buckets, select_readings
from rpymostat.engine.store.sqlite_schema import migrate
from rpymostat.engine.store.sqlite_tiers import DAY, Retention, select_tiered_buckets
from rpymostat.shared.auth import AuthMode, BearerAuth
from rpymostat.shared.errors import Unprocessable

from ..helpers import TOKEN, EngineHarness
from ..test_sqlite_ingest import _reading as _ingest_reading

NOW = datetime(2026, 10, 25, 12, 0, tzinfo=UTC)


def _batch(host: str, points: list[tuple[str, datetime, float | None]]) -> dict[str, Any]:
    return {"host_id": host, "readings": [
        {"sensor_id": s, "timestamp": ts.isoformat(), "type": "t", "value": v}
        for s, ts, v in points]}


@pytest.fixture
def engine() -> EngineHarness:
    harness = EngineHarness(start=NOW.timestamp())
    points = [("t1", NOW - timedelta(minutes=m), 20.0 + (m % 10) / 4) for m in range(1, 3000)]
    points += [("t2", NOW - timedelta(minutes=m), None if m % 7 == 0 else 18.0)
               for m in range(1, 100)]
    for i in range(0, len(points), 1000):
        code, _ = harness.request("POST", "/v1/sensors/batch", _batch("pi1", points[i:i + 1000]))
        assert code == 201
    return harness


def test_raw_when_the_window_holds_few_enough_readings(engine: EngineHarness) -> None:
    """auto over the last hour gives every reading of both series, as columns."""
    start = (NOW - timedelta(hours=1)).isoformat()
    code, body = engine.request("GET", "/v1/history?" + urlencode(
        {"series": "pi1:t1,pi1:t2", "start": start}))
    assert code == 200, body
    assert body["resolution"] == "raw"
    t1, t2 = body["series"]
    assert (t1["id"], t1["kind"], t1["resolution"], t1["truncated"]) == (
        "pi1:t1", "sensor", "raw", False)
    assert len(t1["t"]) == len(t1["value"]) == 60  # [start, end): minutes 60 .. 1 ago
    assert t1["t"] == sorted(t1["t"]) and t1["t"][-1] == to_millis(NOW - timedelta(minutes=1))
    assert t2["value"][-7] is None


def test_auto_picks_buckets_when_raw_would_be_too_many(engine: EngineHarness) -> None:
    """Three days of one-minute readings (4,320 > 2,000): 5-minute buckets of min/mean/max."""
    start = (NOW - timedelta(days=3)).isoformat()
    code, body = engine.request("GET", "/v1/history?" + urlencode(
        {"series": "pi1:t1", "start": start}))
    assert code == 200 and body["resolution"] == "5m"
    [s] = body["series"]
    assert len(s["t"]) <= MAX_POINTS
    assert all(t % BUCKETS["5m"] == 0 for t in s["t"])
    assert sum(s["count"]) == 2999
    assert all(lo <= mean <= hi for lo, mean, hi in zip(s["min"], s["mean"], s["max"],
                                                         strict=True))


def test_explicit_hourly_resolution(engine: EngineHarness) -> None:
    """resolution=1h gives hourly buckets whatever the window."""
    code, body = engine.request("GET", "/v1/history?series=pi1:t2&resolution=1h")
    assert code == 200 and body["series"][0]["resolution"] == "1h"
    assert sum(body["series"][0]["count"]) == 99 - 14  # nulls are not counted


def test_csv_by_parameter_and_by_accept_header(engine: EngineHarness) -> None:
    """format=csv and Accept: text/csv give the same CSV: a header, a line per reading."""
    start = (NOW - timedelta(days=3)).isoformat().replace("+00:00", "Z")
    path = "/v1/history?" + urlencode({"series": "pi1:t1", "start": start})
    code, text = engine.request("GET", path + "&format=csv")
    assert code == 200
    lines = text.split("\r\n")
    assert lines[0] == "series,kind,time,value,min,mean,max,count,end" and lines[-1] == ""
    assert len(lines) == 2999 + 2
    assert lines[1] == "pi1:t1,sensor,2026-10-23T10:01:00Z,22.25,,,,,"  # 2,999 minutes ago
    assert engine.request("GET", path, headers={"Accept": "text/csv"})[1] == text


def test_csv_of_buckets(engine: EngineHarness) -> None:
    """CSV of a bucketed query has min, mean, max and count columns."""
    code, text = engine.request("GET", "/v1/history?series=pi1:t1&resolution=1d&format=csv")
    assert code == 200
    lines = text.split("\r\n")
    assert lines[0] == "series,kind,time,value,min,mean,max,count,end"
    assert lines[1] == "pi1:t1,sensor,2026-10-24T00:00:00Z,,20.0,21.125,22.25,1440,"


@pytest.mark.parametrize(("query", "fragment"), [
    ({}, "series is missing"),
    ({"series": "pi1:nope"}, "series: unknown id 'pi1:nope' (not a sensor"),
    ({"series": ",".join(f"a:{i}" for i in range(MAX_SERIES + 1))}, "series: at most"),
    ({"series": "pi1:t1", "start": "2026-10-25T13:00:00Z"}, "start must be before end"),
    ({"series": "pi1:t1", "start": "yesterday"}, "start 'yesterday' is not an ISO 8601"),
    ({"series": "pi1:t1", "end": "2026-10-25T10:00:00"}, "end must include a UTC offset"),
    ({"series": "pi1:t1", "start": "2001-01-01T00:00:00Z"}, "start: the window is longer"),
    ({"series": "pi1:t1", "resolution": "2m"}, "resolution must be one of"),
    ({"series": "pi1:t1", "format": "xml"}, "format must be json or csv"),
    ({"series": "pi1:t1", "sensor": "x"}, "unknown parameter(s): sensor"),
])
def test_bad_queries_are_422_naming_the_parameter(engine: EngineHarness, query: dict[str, str],
                                                  fragment: str) -> None:
    """Every bad parameter is a 422 whose message names it."""
    code, body = engine.request("GET", "/v1/history?" + urlencode(query))
    assert code == 422, body
    assert fragment in body["error"]


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


@settings(max_examples=300)
@given(st.dictionaries(st.sampled_from(["series", "start", "end", "resolution", "format", "x"]),
                       st.lists(_TEXT, min_size=1, max_size=3), max_size=6),
       st.one_of(st.none(), _TEXT))
def test_the_parser_accepts_or_refuses_with_422_only(args: dict[str, list[str]],
                                                     accept: str | None) -> None:
    """Whatever the parameters, the parser gives a checked query or a 422 (never another
    exception), and a query it gives is within the limits."""
    try:
        q = parse_history_query(args, NOW, accept)
    except Unprocessable:
        return
    assert 1 <= len(q.series) <= MAX_SERIES and q.start < q.end
    assert q.format in ("json", "csv")


@given(st.integers(1, 20 * 366 * 86_400))
def test_auto_bucket_gives_at_most_max_points_when_it_can(span_s: int) -> None:
    """auto's bucket gives at most MAX_POINTS buckets, unless even a day is too fine."""
    width = BUCKETS[auto_bucket(NOW - timedelta(seconds=span_s), NOW)]
    assert span_s * 1000 / width <= MAX_POINTS or width == BUCKETS["1d"]


# -- aggregation equals a naive computation (SQLite) ---------------------------------------

T0 = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)  # DST in Europe starts the next night: UTC
_OFFSETS = st.one_of(st.integers(0, 3 * 86_400_000),  # ms after T0: spans days
                     st.integers(0, 600_000).map(lambda ms: ms * 7))  # many in a few buckets
_VALUES = st.one_of(st.none(), st.floats(-40, 60, allow_nan=False),
                    st.integers(-640, 960).map(lambda i: i / 16))


@settings(max_examples=80, deadline=None)
@given(arrivals=st.lists(st.lists(st.tuples(st.sampled_from(["a", "b"]), _OFFSETS, _VALUES),
                                  min_size=1, max_size=40), min_size=1, max_size=8),
       width=st.sampled_from(sorted(BUCKETS.values())),
       window=st.tuples(st.integers(-86_400_000, 2 * 86_400_000),
                        st.integers(1, 4 * 86_400_000)))
def test_sqlite_buckets_equal_a_naive_computation(
        arrivals: list[list[tuple[str, int, float | None]]], width: int,
        window: tuple[int, int]) -> None:
    """Batches arriving in any order (late ones from an agent offline for days, duplicates,
    gaps, nulls): SQLite's buckets equal the naive computation over the readings the first
    arrival of each (sensor, millisecond) left, and so do its raw rows."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrate(conn)
    kept: dict[tuple[str, datetime], float | None] = {}
    for batch in arrivals:
        readings = [_ingest_reading(s, ms / 1000, v) for s, ms, v in batch]
        write_calls(conn, [_Call(readings)])
        for r in readings:
            kept.setdefault((r.sensor_id, floor_to_millis(r.timestamp)),
                            quantize_value(r.value))
    start = T0 + timedelta(milliseconds=window[0])
    end = start + timedelta(milliseconds=window[1])
    whole = bucket_window(start, end, width)
    for sensor in ("a", "b"):
        mine = sorted((ts, v) for (s, ts), v in kept.items() if s == sensor and start <= ts < end)
        around = [StoredReading(ts, v) for (s, ts), v in kept.items()
                  if s == sensor and whole[0] <= ts < whole[1]]
        naive = aggregate_points(around, width)
        assert select_buckets(conn, f"pi1:{sensor}", start, end, width, legacy=False) == naive
        assert select_tiered_buckets(conn, f"pi1:{sensor}", to_millis(start), to_millis(end),
                                     width) == naive
        raw = select_readings(conn, f"pi1:{sensor}", start, end, 10_000, newest_first=False,
                              legacy=False)
        assert [(p.timestamp, p.value) for p in raw] == mine


def test_naive_buckets_by_hand() -> None:
    """The reference itself, on numbers worked out by hand."""
    points = [StoredReading(T0 + timedelta(minutes=m), v) for m, v in
              [(0, 20.0), (1, 21.0), (2, None), (4, 23.5), (5, 10.0), (61, 1.0)]]
    buckets = aggregate_points(points, BUCKETS["5m"])
    assert [(b.start, b.min, b.mean, b.max, b.count) for b in buckets] == [
        (T0, 20.0, 21.5, 23.5, 3), (T0 + timedelta(minutes=5), 10.0, 10.0, 10.0, 1),
        (T0 + timedelta(minutes=60), 1.0, 1.0, 1.0, 1)]


def test_auto_does_not_pick_a_tier_retention_has_emptied(engine: EngineHarness) -> None:
    """With raw readings kept one day and 5-minute buckets two, auto gives 5-minute buckets
    for a short window 30 hours ago and hourly ones for one 44 hours ago, not raw."""
    api = EngineAPI(engine.store, BearerAuth(TOKEN, AuthMode.ON), engine.clock, 600.0,
                    bus=engine.bus, history_keep=Retention(raw=DAY, five_min=2 * DAY))
    engine.treq = StubTreq(api.resource())
    for hours_ago, expected in [(36, "5m"), (50, "1h"), (6, "raw")]:
        query = urlencode({"series": "pi1:t1",
                           "start": (NOW - timedelta(hours=hours_ago)).isoformat(),
                           "end": (NOW - timedelta(hours=hours_ago - 6)).isoformat()})
        code, body = engine.request("GET", f"/v1/history?{query}")
        assert (code, body["resolution"]) == (200, expected), (hours_ago, body)
