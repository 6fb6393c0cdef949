"""The SQLite store's ingest path: the readings of many requests in a few statements.

Every ``add_readings`` call waits here until the writer thread takes all waiting calls at once
and writes them with a few multi-row INSERTs per table (one per power of two in the row
count, in chunks of at most 256 readings and 64 sensors), in the writer's group commit. Calls
keep arriving while the writer commits (and, under a flood, during its commit delay), so one
job takes many. Two ``executemany`` per request would cost a
``sqlite3_step`` per row, and the sqlite3 module releases and re-takes the GIL around every
step: under a flood of single readings the writer and the busy reactor thread then hand the
GIL to each other dozens of times per commit, and the reactor waits each time.

Every reading of a call is stored, or none is. When the rows of all waiting calls did not all
go in (one of them is already stored: a replayed batch), those statements are rolled back and
each call is written on its own in its own savepoint, so that each gets its exact count of
stored and duplicate readings and a call that fails, fails alone.
"""

import contextlib
import functools
import sqlite3
import threading
from collections.abc import Sequence
from typing import Any

from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from rpymostat.shared.sqlthread import ConnectionThread, fire

from ..model import DEFAULT_ZONE, IngestResult, Reading, to_micros
from .base import earliest_per_sensor, latest_per_sensor
from .resolution import encode_value, to_millis
from .sqlite_tiers import mark_stale

# Rows name their sensor by key; the statement finds its series number (``sqlite_readings``).
_READINGS = ("INSERT OR IGNORE INTO readings (sensor, ts, value) SELECT s.num, v.column2,"
             " v.column3 FROM (VALUES ", "(?, ?, ?)",
             ") AS v JOIN series AS s ON s.key = v.column1")
_SERIES = ("INSERT OR IGNORE INTO series (key) VALUES ", "(?)", "")
_SENSORS = (
    "INSERT INTO sensors (id, host_id, sensor_id, type, alias, extra, name, zone, last_value,"
    " last_ts, first_seen) VALUES ",
    "(?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)",
    """
ON CONFLICT(id) DO UPDATE SET
    type = CASE WHEN excluded.last_ts >= sensors.last_ts THEN excluded.type ELSE sensors.type END,
    alias = CASE WHEN excluded.last_ts >= sensors.last_ts
                 THEN excluded.alias ELSE sensors.alias END,
    extra = CASE WHEN excluded.last_ts >= sensors.last_ts
                 THEN excluded.extra ELSE sensors.extra END,
    last_value = CASE WHEN excluded.last_ts >= sensors.last_ts
                      THEN excluded.last_value ELSE sensors.last_value END,
    last_ts = MAX(excluded.last_ts, sensors.last_ts),
    first_seen = MIN(excluded.first_seen, sensors.first_seen)
""",
)
_MAX_PARAMETERS = 999  # SQLite's limit before 3.32; later ones allow more
Statement = tuple[str, str, str]


@functools.lru_cache(maxsize=64)
def _sql(statement: Statement, rows: int) -> str:
    head, row, tail = statement
    return head + ", ".join([row] * rows) + tail


def _chunk_sizes(statement: Statement) -> tuple[int, ...]:
    """Powers of two up to the parameter limit, largest first: few distinct statements."""
    per_row = statement[1].count("?")
    largest = 1 << ((_MAX_PARAMETERS // per_row).bit_length() - 1)
    return tuple(1 << k for k in range(largest.bit_length() - 1, -1, -1))


_CHUNKS = {statement: _chunk_sizes(statement) for statement in (_READINGS, _SENSORS, _SERIES)}


def insert_rows(conn: sqlite3.Connection, statement: Statement,
                rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert ``rows`` in order with as few multi-row statements as the parameter limit
    allows (one step each)."""
    done = 0
    for size in _CHUNKS[statement]:
        while len(rows) - done >= size:
            chunk = rows[done:done + size]
            conn.execute(_sql(statement, size), [value for row in chunk for value in row])
            done += size


class _Call:
    """One ``add_readings`` call: its rows, the sensors it touches, and its Deferred."""

    __slots__ = ("d", "ids", "rows", "sensor_rows")

    def __init__(self, readings: Sequence[Reading]) -> None:
        latest = latest_per_sensor(readings)
        earliest = earliest_per_sensor(readings)
        self.rows = [(r.key, to_millis(r.timestamp), encode_value(r.value)) for r in readings]
        self.sensor_rows = [
            (k, r.host_id, r.sensor_id, r.type, r.alias, r.extra, DEFAULT_ZONE, r.value,
             to_micros(r.timestamp), to_micros(earliest[k]))
            for k, r in latest.items()
        ]
        self.ids = tuple(latest)
        self.d: Deferred[IngestResult] = Deferred()


def _late(rows: Sequence[tuple[str, int, Any]], watermark: int | None
          ) -> list[tuple[str, int]]:
    """(key, ms) of the rows older than the downsampler's watermark (``sqlite_tiers``)."""
    if watermark is None:
        return []
    return [(key, ts) for key, ts, _v in rows if ts < watermark]


def _write_alone(conn: sqlite3.Connection, call: _Call, watermark: int | None = None
                 ) -> tuple[bool, Any]:
    conn.execute("SAVEPOINT ingest_one")
    try:
        insert_rows(conn, _SERIES, [(key,) for key in call.ids])
        before = conn.total_changes
        insert_rows(conn, _READINGS, call.rows)
        stored = conn.total_changes - before
        if late := _late(call.rows, watermark):
            mark_stale(conn, late)
        insert_rows(conn, _SENSORS, call.sensor_rows)
    except Exception:
        conn.execute("ROLLBACK TO ingest_one")
        conn.execute("RELEASE ingest_one")
        return False, Failure()
    conn.execute("RELEASE ingest_one")
    return True, IngestResult(ids=call.ids, stored=stored, duplicates=len(call.rows) - stored)


def write_calls(conn: sqlite3.Connection, calls: list[_Call], watermark: int | None = None
                ) -> list[tuple[bool, Any]]:
    """Every call's readings: together when none is a duplicate, else each on its own; the
    downsampled buckets of readings older than ``watermark`` are marked stale."""
    rows = [row for call in calls for row in call.rows]
    conn.execute("SAVEPOINT ingest")
    with contextlib.suppress(Exception):  # each call on its own says which, and fails alone
        insert_rows(conn, _SERIES, [(key,) for key in dict.fromkeys(
            key for call in calls for key in call.ids)])
        before = conn.total_changes
        insert_rows(conn, _READINGS, rows)
        if conn.total_changes - before == len(rows):
            if late := _late(rows, watermark):
                mark_stale(conn, late)
            insert_rows(conn, _SENSORS, [row for call in calls for row in call.sensor_rows])
            conn.execute("RELEASE ingest")
            return [(True, IngestResult(ids=call.ids, stored=len(call.rows), duplicates=0))
                    for call in calls]
    conn.execute("ROLLBACK TO ingest")
    conn.execute("RELEASE ingest")
    return [_write_alone(conn, call, watermark) for call in calls]


class _Flush:
    """The writer's job for the calls waiting when it runs. It keeps them: if the group
    commit runs its jobs again (another job failed), these same calls are written again."""

    def __init__(self, queue: "IngestQueue") -> None:
        self._queue = queue
        self.calls: list[_Call] | None = None

    def __call__(self, conn: sqlite3.Connection) -> list[tuple[bool, Any]]:
        if self.calls is None:
            self.calls = self._queue.take()
        return write_calls(conn, self.calls, self._queue.watermark)


class IngestQueue:
    """``add_readings`` calls waiting for the writer; one writer job takes them all.

    Not bounded: a job takes whatever waits (under a flood, a few hundred calls). If one of
    them is a replay, that job's calls are all written again one by one.
    """

    def __init__(self, writer: ConnectionThread) -> None:
        self._writer = writer
        self._lock = threading.Lock()
        self._waiting: list[_Call] = []
        # The downsampler's watermark (writer thread only; never below the one on disk).
        self.watermark: int | None = None

    def add(self, readings: Sequence[Reading]) -> Deferred[IngestResult]:
        """Fires with the call's result once its readings are committed."""
        call = _Call(readings)
        with self._lock:
            first = not self._waiting
            self._waiting.append(call)
        if first:  # else a job already queued will take this call too
            flush = _Flush(self)
            self._writer.submit(flush).addCallbacks(
                _fire_calls, self._fail_calls, callbackArgs=(flush,), errbackArgs=(flush,))
        return call.d

    def take(self) -> list[_Call]:
        """Every waiting call (in the writer thread, as its job starts)."""
        with self._lock:
            calls, self._waiting = self._waiting, []
        return calls

    def _fail_calls(self, failure: Failure, flush: _Flush) -> None:
        # A job that never ran (the database could not be opened, or its group could not
        # begin) took nothing: its calls are still waiting, and no other job was queued
        # meanwhile.
        for call in flush.calls if flush.calls is not None else self.take():
            fire(call.d, False, failure)


def _fire_calls(outcomes: list[tuple[bool, Any]], flush: _Flush) -> None:
    assert flush.calls is not None
    for call, (ok, result) in zip(flush.calls, outcomes, strict=True):
        fire(call.d, ok, result)
