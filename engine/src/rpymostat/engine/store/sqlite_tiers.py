"""Downsampled tiers in SQLite: 5-minute and hourly buckets beside the raw readings.

``agg_5m`` and ``agg_1h`` hold, per sensor number and bucket start (ms), the min, sum, max
and count of the bucket's non-null values in thousandths (a sum, not a mean, so that buckets
add up exactly and the mean equals ``aggregate.aggregate_points``'s). The ``downsample`` row
``5m`` is the watermark W: every 5-minute bucket before W and every hour before W floored to
the hour is complete. A pass (:func:`downsample_pass`, one writer job, one transaction)

1. advances W by at most ``MAX_SPAN`` (a day): computes the 5-minute buckets of
   [W, W') from raw readings, then the hours of [floor(W), floor(W')) from the 5-minute
   buckets, and writes W' in the same transaction — a restart in the middle of a pass loses
   and doubles nothing: either all of it is on disk or none;
2. recomputes up to ``MAX_DIRTY`` buckets that late readings made stale (the ingest path
   marks the 5-minute bucket of every reading older than W in ``agg_dirty``, in the
   transaction that stores it), and their hours; a late reading older than the raw retention
   is dropped there (its buckets are final: the raw readings they came from are gone);
3. applies retention when no stale bucket waits: raw readings older than ``raw_keep``,
   5-minute buckets older than ``keep_5m``, a day per sensor per pass at most. Hourly buckets
   are kept forever.

Queries (:func:`select_tiered_buckets`) read whole buckets: the coarsest complete tier for
the part of the window before W, and raw readings after it.
"""

import sqlite3
from dataclasses import dataclass
from typing import Any

from .aggregate import Bucket
from .resolution import SCALE

FIVE_MIN = 300_000
HOUR = 3_600_000
DAY = 86_400_000
MAX_SPAN = DAY
MAX_DIRTY = 500
_AGG = "min(value), sum(value), max(value), count(value)"


@dataclass(frozen=True)
class Retention:
    """How long each tier is kept, in milliseconds (hourly buckets: forever)."""

    raw: int = 90 * DAY
    five_min: int = 730 * DAY


def watermark(conn: sqlite3.Connection) -> int | None:
    """W: the 5-minute tier is complete before it (None before the first pass)."""
    row = conn.execute("SELECT upto FROM downsample WHERE tier = '5m'").fetchone()
    return None if row is None else int(row[0])


def _floor(ms: int, width: int) -> int:
    return ms - ms % width


def _sensors(conn: sqlite3.Connection) -> list[int]:
    return [num for (num,) in conn.execute("SELECT num FROM series ORDER BY num")]


def _five_minutes(conn: sqlite3.Connection, sensor: int, start: int, end: int) -> None:
    conn.execute("DELETE FROM agg_5m WHERE sensor = ? AND ts >= ? AND ts < ?",
                 (sensor, start, end))
    conn.execute(f"INSERT INTO agg_5m SELECT sensor, ts - ts % {FIVE_MIN} AS b, {_AGG}"
                 " FROM readings WHERE sensor = ? AND ts >= ? AND ts < ?"
                 " AND value IS NOT NULL GROUP BY b", (sensor, start, end))


def _hours(conn: sqlite3.Connection, sensor: int, start: int, end: int) -> None:
    conn.execute("DELETE FROM agg_1h WHERE sensor = ? AND ts >= ? AND ts < ?",
                 (sensor, start, end))
    conn.execute(f"INSERT INTO agg_1h SELECT sensor, ts - ts % {HOUR} AS h, min(min),"
                 " sum(sum), max(max), sum(count) FROM agg_5m WHERE sensor = ? AND ts >= ?"
                 " AND ts < ? GROUP BY h", (sensor, start, end))


def downsample_pass(conn: sqlite3.Connection, now_ms: int, keep: Retention) -> bool:
    """One incremental pass in the caller's transaction; True when more work waits."""
    target = _floor(now_ms, FIVE_MIN)
    w0 = watermark(conn)
    if w0 is None:
        first = conn.execute("SELECT min(ts) FROM readings").fetchone()[0]
        w0 = min(_floor(int(first), FIVE_MIN), target) if first is not None else target
        conn.execute("INSERT INTO downsample (tier, upto) VALUES ('5m', ?)", (w0,))
    w1 = max(w0, min(target, w0 + MAX_SPAN))  # a clock set back does not move W back
    sensors = _sensors(conn)
    if w1 > w0:
        for sensor in sensors:
            _five_minutes(conn, sensor, w0, w1)
            if _floor(w1, HOUR) > _floor(w0, HOUR):
                _hours(conn, sensor, _floor(w0, HOUR), _floor(w1, HOUR))
        conn.execute("UPDATE downsample SET upto = ? WHERE tier = '5m'", (w1,))
    more = w1 < target
    more |= _stale_buckets(conn, w1, _floor(now_ms - keep.raw, FIVE_MIN))
    if not more:
        five_min = max(keep.five_min, keep.raw)  # an hour is summed from whole 5-minute rows
        more = _retention(conn, sensors, min(_floor(now_ms - keep.raw, FIVE_MIN), w1),
                          min(_floor(now_ms - five_min, HOUR), _floor(w1, HOUR)))
    return more


def _stale_buckets(conn: sqlite3.Connection, w: int, raw_cutoff: int) -> bool:
    dirty = conn.execute("SELECT sensor, ts FROM agg_dirty ORDER BY sensor, ts LIMIT ?",
                         (MAX_DIRTY + 1,)).fetchall()
    for sensor, bucket in dirty[:MAX_DIRTY]:
        conn.execute("DELETE FROM agg_dirty WHERE sensor = ? AND ts = ?", (sensor, bucket))
        if bucket >= w:
            continue  # the watermark has not reached it: the next advance computes it
        if bucket < raw_cutoff:  # too late: its buckets are final
            conn.execute("DELETE FROM readings WHERE sensor = ? AND ts >= ? AND ts < ?",
                         (sensor, bucket, bucket + FIVE_MIN))
            continue
        _five_minutes(conn, sensor, bucket, bucket + FIVE_MIN)
        hour = _floor(bucket, HOUR)
        if hour < _floor(w, HOUR):  # else the next advance computes it
            _hours(conn, sensor, hour, hour + HOUR)
    return len(dirty) > MAX_DIRTY


def _retention(conn: sqlite3.Connection, sensors: list[int], raw_before: int,
               five_before: int) -> bool:
    more = False
    for table, before in (("readings", raw_before), ("agg_5m", five_before)):
        for sensor in sensors:
            oldest = conn.execute(f"SELECT min(ts) FROM {table} WHERE sensor = ?",
                                  (sensor,)).fetchone()[0]
            if oldest is None or oldest >= before:
                continue
            upto = min(before, int(oldest) + MAX_SPAN)
            conn.execute(f"DELETE FROM {table} WHERE sensor = ? AND ts < ?", (sensor, upto))
            more |= upto < before
    return more


def mark_stale(conn: sqlite3.Connection, rows: list[tuple[str, int]]) -> None:
    """The 5-minute buckets of late readings (sensor key, ms) are stale (ingest path)."""
    buckets = list(dict.fromkeys((key, _floor(ts, FIVE_MIN)) for key, ts in rows))
    for i in range(0, len(buckets), 400):
        chunk = buckets[i:i + 400]
        conn.execute(
            "INSERT OR IGNORE INTO agg_dirty (sensor, ts) SELECT s.num, v.column2 FROM"
            f" (VALUES {', '.join(['(?, ?)'] * len(chunk))}) AS v"
            " JOIN series AS s ON s.key = v.column1",
            [x for row in chunk for x in row])


def select_tiered_buckets(conn: sqlite3.Connection, sensor: str, start_ms: int, end_ms: int,
                          width: int) -> list[Bucket]:
    """Whole buckets of ``width`` covering [start_ms, end_ms): hourly tier, then 5-minute
    tier, then raw readings, each where it is complete."""
    a = _floor(start_ms, width)
    e = -(-end_ms // width) * width
    w = watermark(conn)
    w5 = a if w is None else max(a, min(w, e))
    h1 = max(a, min(_floor(w5, HOUR), e)) if width >= HOUR else a
    row = conn.execute("SELECT num FROM series WHERE key = ?", (sensor,)).fetchone()
    if row is None:
        return []
    args = {"num": row[0], "width": width, "a": a, "h1": h1, "w5": w5, "e": e}
    rows: list[tuple[int, Any, Any, Any, int]] = []
    # Each part in time order; a part at exactly the width is read as it is (no grouping);
    # the parts meet at tier boundaries, where one bucket may have rows from two: merged.
    for table, lo, hi, grain in (("agg_1h", "a", "h1", HOUR), ("agg_5m", "h1", "w5", FIVE_MIN)):
        if grain == width:
            sql = (f"SELECT ts, min, sum, max, count FROM {table} WHERE sensor = :num"
                   f" AND ts >= :{lo} AND ts < :{hi} ORDER BY ts")
        else:
            sql = (f"SELECT ts - ts % :width AS b, min(min), sum(sum), max(max), sum(count)"
                   f" FROM {table} WHERE sensor = :num AND ts >= :{lo} AND ts < :{hi}"
                   " GROUP BY b ORDER BY b")
        _append(rows, conn.execute(sql, args).fetchall())
    _append(rows, conn.execute(
        f"SELECT ts - ts % :width AS b, {_AGG} FROM readings WHERE sensor = :num"
        " AND ts >= :w5 AND ts < :e AND value IS NOT NULL GROUP BY b ORDER BY b",
        args).fetchall())
    # The loop runs once per bucket (a week of 5-minute buckets is 2,016): no calls in it
    # but tuple.__new__ (a NamedTuple's own __new__ is a Python function: ~10 % slower).
    new = tuple.__new__
    return [new(Bucket, (b, lo / SCALE if type(lo) is int else lo, total / n / SCALE,
                         hi / SCALE if type(hi) is int else hi, n))
            for b, lo, total, hi, n in rows]


def _append(rows: list[tuple[int, Any, Any, Any, int]],
            part: list[tuple[int, Any, Any, Any, int]]) -> None:
    """Add a part's rows (in bucket order) after ``rows``; a bucket in both becomes one."""
    if rows and part and rows[-1][0] == part[0][0]:
        b, lo, total, hi, n = rows[-1]
        head = part[0]
        rows[-1] = (b, min(lo, head[1]), total + head[2], max(hi, head[3]), n + head[4])
        part = part[1:]
    rows.extend(part)

