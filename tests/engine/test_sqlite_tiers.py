"""Downsampled tiers (issue 20): passes interleaved with arrivals (late, duplicate, out of
order) give the buckets a naive computation gives; retention; a pass is all or nothing; the
downsampler service on a task.Clock."""

import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from twisted.internet.defer import Deferred, succeed
from twisted.internet.task import Clock

from rpymostat.engine.history.downsampler import DownsampleService
from rpymostat.engine.model import StoredReading
from rpymostat.engine.store.aggregate import aggregate_points, bucket_window
from rpymostat.engine.store.resolution import floor_to_millis, quantize_value, to_millis
from rpymostat.engine.store.sqlite_ingest import _Call, write_calls
from rpymostat.engine.store.sqlite_schema import migrate
from rpymostat.engine.store.sqlite_tiers import (
    DAY,
    FIVE_MIN,
    HOUR,
    Retention,
    downsample_pass,
    select_tiered_buckets,
    watermark,
)

from ..test_sqlite_ingest import T0
from ..test_sqlite_ingest import _reading as reading

KEEP_ALL = Retention(raw=10_000 * DAY, five_min=10_000 * DAY)
Kept = dict[tuple[str, datetime], float | None]


def _db() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrate(conn)
    conn.execute("DROP TABLE readings_v1")  # nothing to move in a new database
    return conn


def _ingest(conn: sqlite3.Connection, kept: Kept, batch: list[tuple[str, int, float | None]]
            ) -> None:
    readings = [reading(s, ms / 1000, v) for s, ms, v in batch]
    write_calls(conn, [_Call(readings)], watermark(conn))
    for r in readings:
        kept.setdefault((r.sensor_id, floor_to_millis(r.timestamp)), quantize_value(r.value))


def _catch_up(conn: sqlite3.Connection, now_ms: int, keep: Retention = KEEP_ALL) -> int:
    passes = 1
    conn.execute("BEGIN")
    while downsample_pass(conn, now_ms, keep):
        passes += 1
    conn.execute("COMMIT")
    return passes


def _naive(kept: Kept, sensor: str, start: datetime, end: datetime, width: int) -> list[Any]:
    a, e = bucket_window(start, end, width)
    return aggregate_points([StoredReading(ts, v) for (s, ts), v in kept.items()
                             if s == sensor and a <= ts < e], width)


_BATCH = st.lists(st.tuples(st.sampled_from(["a", "b"]),
                            st.integers(0, 4 * DAY // 1000).map(lambda s: s * 1000 + 7),
                            st.one_of(st.none(), st.integers(-320, 640).map(lambda i: i / 16))),
                  min_size=1, max_size=30)


@settings(max_examples=60, deadline=None)
@given(steps=st.lists(st.tuples(_BATCH, st.integers(0, DAY)), min_size=1, max_size=8),
       width=st.sampled_from([FIVE_MIN, HOUR, DAY]),
       window=st.tuples(st.integers(0, 4 * DAY), st.integers(1, 4 * DAY)))
def test_tiers_equal_a_naive_computation_whatever_the_arrivals(
        steps: list[tuple[list[tuple[str, int, float | None]], int]], width: int,
        window: tuple[int, int]) -> None:
    """Batches arrive (in any order, late ones for buckets already downsampled, replays)
    between passes at a moving 'now'; every answer, mid-way and at the end, equals the naive
    buckets of what was kept."""
    conn = _db()
    kept: Kept = {}
    now = to_millis(T0)
    for batch, advance in steps:
        _ingest(conn, kept, batch)
        now += advance
        _catch_up(conn, now)
        start = T0 + timedelta(milliseconds=window[0])
        end = start + timedelta(milliseconds=window[1])
        for sensor in ("a", "b"):
            assert select_tiered_buckets(conn, f"pi1:{sensor}", to_millis(start),
                                         to_millis(end), width) == _naive(
                kept, sensor, start, end, width)


def test_a_pass_is_all_or_nothing() -> None:
    """A pass rolled back (the process died before COMMIT) leaves no trace; the next pass
    does the same work again, once."""
    conn = _db()
    kept: Kept = {}
    _ingest(conn, kept, [("a", m * 60_000, 20.0 + m % 5) for m in range(3000)])
    now = to_millis(T0) + 3 * DAY
    conn.execute("BEGIN")
    downsample_pass(conn, now, KEEP_ALL)
    conn.execute("ROLLBACK")
    assert watermark(conn) is None
    assert conn.execute("SELECT count(*) FROM agg_5m").fetchone() == (0,)
    assert _catch_up(conn, now) == 3  # T0 .. +3 days, a day per pass
    assert watermark(conn) == now - now % FIVE_MIN
    assert select_tiered_buckets(conn, "pi1:a", to_millis(T0), now, HOUR) == _naive(
        kept, "a", T0, T0 + timedelta(days=3), HOUR)
    assert conn.execute("SELECT sum(count) FROM agg_5m").fetchone() == (3000,)
    assert conn.execute("SELECT sum(count) FROM agg_1h").fetchone() == (3000,)


def test_retention_keeps_hours_forever_and_drops_what_is_too_late() -> None:
    """Raw readings older than raw retention and 5-minute buckets older than theirs go; the
    hourly buckets stay and answer for old windows; a reading older than raw retention that
    arrives late is dropped (its buckets are final)."""
    conn = _db()
    kept: Kept = {}
    _ingest(conn, kept, [("a", m * 60_000, 20.0 + m % 7) for m in range(10 * 1440)])
    keep = Retention(raw=2 * DAY, five_min=5 * DAY)
    now = to_millis(T0) + 10 * DAY
    _catch_up(conn, now, keep)
    oldest_raw, = conn.execute("SELECT min(ts) FROM readings").fetchone()
    oldest_5m, = conn.execute("SELECT min(ts) FROM agg_5m").fetchone()
    assert oldest_raw == now - 2 * DAY  # T0 is 06:30: five-minute and hour steps apart
    assert oldest_5m == (now - 5 * DAY) - (now - 5 * DAY) % HOUR  # whole hours go
    hours_before = select_tiered_buckets(conn, "pi1:a", to_millis(T0), now, HOUR)
    assert hours_before == _naive(kept, "a", T0, T0 + timedelta(days=10), HOUR)
    assert select_tiered_buckets(conn, "pi1:a", to_millis(T0), now, DAY) == _naive(
        kept, "a", T0, T0 + timedelta(days=10), DAY)
    _ingest(conn, {}, [("a", 30_000, 99.0)])  # 9.99 days late: older than raw retention
    _catch_up(conn, now, keep)
    assert select_tiered_buckets(conn, "pi1:a", to_millis(T0), now, HOUR) == hours_before
    assert conn.execute("SELECT count(*) FROM readings WHERE ts < ?",
                        (now - 2 * DAY,)).fetchone() == (0,)


class _Store:
    """Answers downsample calls as the test says (a backlog, then nothing)."""

    def __init__(self, backlog: int) -> None:
        self.backlog = backlog
        self.calls: list[datetime] = []
        self.pending: Deferred[bool] | None = None

    def downsample(self, now: datetime, keep: Retention) -> Deferred[bool]:
        self.calls.append(now)
        self.backlog -= 1
        return succeed(self.backlog > 0)


def test_the_service_catches_up_at_once_then_waits_its_interval() -> None:
    """While passes say more work waits the next comes at once; then every interval."""
    clock = Clock()
    clock.advance(1_790_000_000)
    store = _Store(backlog=3)
    service = DownsampleService(clock, store, KEEP_ALL, interval=60)  # type: ignore[arg-type]
    service.startService()
    clock.advance(0)
    clock.advance(0)
    clock.advance(0)
    assert len(store.calls) == 3
    clock.advance(59)
    assert len(store.calls) == 3
    clock.advance(1)
    assert len(store.calls) == 4 and store.calls[-1] == datetime.fromtimestamp(
        1_790_000_060, UTC)
    service.stopService()
    clock.advance(600)
    assert len(store.calls) == 4
