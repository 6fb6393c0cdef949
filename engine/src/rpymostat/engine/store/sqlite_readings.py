"""Raw readings in SQLite: the compact layout, its queries, and the move from the old layout.

Layout (schema version 3): ``series (num INTEGER PRIMARY KEY, key TEXT UNIQUE)`` gives every
sensor a small number once (never reused: a deleted sensor's number stays its own), and
``readings (sensor INTEGER, ts INTEGER, value) WITHOUT ROWID`` keyed (sensor, ts) holds one
row per reading: ts in milliseconds, value in thousandths (``resolution``). A row is about
16 bytes on disk (1-byte sensor, 6-byte ts, 2-byte value, 5 bytes of record and cell
header, 2 of cell pointer) where the old layout (text id, microseconds, float) took about 51.

The old ``readings`` table is renamed ``readings_v1`` by the schema migration (instant) and
its rows are moved over by :func:`move_legacy_chunk`, a chunk per writer job, while the engine
runs: each chunk's copy and delete commit together, so a restart at any point loses and
doubles nothing; the table is dropped once empty. Until then queries read both tables.
While rows remain to be moved, a replayed reading that is still in the old table is stored
again in the new one and counted as stored, not as a duplicate; the move then keeps one copy.
"""

import sqlite3
from datetime import datetime

from ..model import StoredReading
from .aggregate import Bucket
from .resolution import (
    SCALE,
    SQL_ENCODE_VALUE,
    SQL_MICROS_TO_MILLIS,
    ceil_millis,
    decode_value,
    from_millis,
)

LEGACY = "readings_v1"
MOVE_CHUNK = 5000

_NEW = ("SELECT r.ts, r.value FROM readings AS r"
        " WHERE r.sensor = (SELECT num FROM series WHERE key = :sensor)"
        " AND r.ts >= :start AND r.ts < :end")
_OLD = (f"SELECT {SQL_MICROS_TO_MILLIS.format(ts='ts')} AS ts,"
        f" {SQL_ENCODE_VALUE.format(v='value')} AS value FROM {LEGACY}"
        " WHERE sensor = :sensor AND ts >= :start * 1000 AND ts < :end * 1000")


def has_legacy(conn: sqlite3.Connection) -> bool:
    """Whether rows of the old layout may remain to be moved."""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                        (LEGACY,)).fetchone() is not None


def select_readings(conn: sqlite3.Connection, sensor: str, start: datetime, end: datetime,
                    limit: int, *, newest_first: bool, legacy: bool) -> list[StoredReading]:
    """One sensor's readings with start <= ts < end, in time order (newest first when asked),
    at most ``limit``; with ``legacy``, the old table's not yet moved rows too."""
    order = "DESC" if newest_first else "ASC"
    args = {"sensor": sensor, "start": ceil_millis(start), "end": ceil_millis(end),
            "limit": limit}
    if legacy:
        sql = f"SELECT ts, value FROM ({_NEW} UNION {_OLD}) ORDER BY ts {order} LIMIT :limit"
        try:
            rows = conn.execute(sql, args).fetchall()
        except sqlite3.OperationalError as e:
            if "no such table" not in str(e):
                raise
            rows = None  # the move ended while this query was on its way
        if rows is not None:
            return [StoredReading(from_millis(ts), decode_value(v)) for ts, v in rows]
    sql = f"{_NEW} ORDER BY r.ts {order} LIMIT :limit"
    return [StoredReading(from_millis(ts), decode_value(v)) for ts, v in conn.execute(sql, args)]


def select_columns(conn: sqlite3.Connection, sensor: str, start: datetime, end: datetime,
                   limit: int) -> tuple[list[int], list[float | None]]:
    """One sensor's readings in [start, end), oldest first, as columns (ms, value) for the
    history API: no datetime per row. The compact table only (not while rows are moved)."""
    args = {"sensor": sensor, "start": ceil_millis(start), "end": ceil_millis(end),
            "limit": limit}
    rows = conn.execute(f"{_NEW} ORDER BY r.ts LIMIT :limit", args).fetchall()
    return [ts for ts, _v in rows], [None if v is None else v / SCALE if isinstance(v, int)
                                     else float(v) for _ts, v in rows]


def select_buckets(conn: sqlite3.Connection, sensor: str, start: datetime, end: datetime,
                   width: int, *, legacy: bool) -> list[Bucket]:
    """One sensor's whole buckets of ``width`` ms covering [start, end), oldest first, from
    raw rows (``aggregate``; while old rows are being moved, ``sqlite_tiers`` after)."""
    a, e = ceil_millis(start), ceil_millis(end)
    args = {"sensor": sensor, "start": a - a % width, "end": -(-e // width) * width, "w": width}
    source = f"({_NEW} UNION {_OLD})" if legacy else f"({_NEW})"
    sql = ("SELECT ts - ts % :w AS b, min(value), sum(value), max(value), count(value)"
           f" FROM {source} WHERE value IS NOT NULL GROUP BY b ORDER BY b")
    return [Bucket(b, _number(lo), float(total) / n / SCALE, _number(hi), n)
            for b, lo, total, hi, n in conn.execute(sql, args)]


def _number(stored: int | float) -> float:
    value = decode_value(stored)
    assert value is not None
    return value


def delete_sensor_readings(conn: sqlite3.Connection, sensor: str) -> None:
    """Every reading of one sensor (the series number stays reserved to its key)."""
    for table in ("readings", "agg_5m", "agg_1h", "agg_dirty"):
        conn.execute(f"DELETE FROM {table} WHERE sensor = (SELECT num FROM series WHERE key = ?)",
                     (sensor,))
    if has_legacy(conn):
        conn.execute(f"DELETE FROM {LEGACY} WHERE sensor = ?", (sensor,))


def move_legacy_chunk(conn: sqlite3.Connection, chunk: int = MOVE_CHUNK) -> int | None:
    """Move the first ``chunk`` rows of the old table (in key order) to the new layout and
    delete them there, in the caller's transaction; drop the old table once it is empty.
    Returns the number of rows moved, or None when nothing is left (the table is gone)."""
    if not has_legacy(conn):
        return None
    last = conn.execute(f"SELECT sensor, ts FROM {LEGACY} ORDER BY sensor, ts"
                        " LIMIT 1 OFFSET ?", (chunk - 1,)).fetchone()
    if last is None:
        last = conn.execute(f"SELECT sensor, ts FROM {LEGACY}"
                            " ORDER BY sensor DESC, ts DESC LIMIT 1").fetchone()
        if last is None:
            conn.execute(f"DROP TABLE {LEGACY}")
            return None
    upto = "(sensor, ts) <= (?, ?)"
    conn.execute(f"INSERT OR IGNORE INTO series (key) SELECT DISTINCT sensor FROM {LEGACY}"
                 f" WHERE {upto}", last)
    conn.execute(
        "INSERT OR IGNORE INTO readings (sensor, ts, value)"
        f" SELECT s.num, {SQL_MICROS_TO_MILLIS.format(ts='o.ts')},"
        f" {SQL_ENCODE_VALUE.format(v='o.value')}"
        f" FROM {LEGACY} AS o JOIN series AS s ON s.key = o.sensor"
        f" WHERE (o.sensor, o.ts) <= (?, ?)", last)
    return int(conn.execute(f"DELETE FROM {LEGACY} WHERE {upto}", last).rowcount)
