"""The downsampler in a real engine process (issue 20): a backlog of 40 days is put into
buckets a day per pass; a SIGKILL in the middle loses and doubles nothing, and the restarted
engine finishes with the buckets a computation from the raw readings gives."""

import signal
import sqlite3
import time
from pathlib import Path

from rpymostat.engine.store.sqlite_schema import migrate
from rpymostat.engine.store.sqlite_tiers import DAY, FIVE_MIN, HOUR

from .processes import wait_for

SENSORS = 6
DAYS = 40


def _database(path: Path, now_ms: int) -> int:
    """A database in the current layout with DAYS of one-minute readings ending now."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn)
    conn.execute("DROP TABLE readings_v1")
    conn.execute("BEGIN")
    start = now_ms - DAYS * DAY
    for s in range(SENSORS):
        conn.execute("INSERT INTO series (num, key) VALUES (?, ?)", (s + 1, f"pi:s{s}"))
        conn.executemany("INSERT INTO readings VALUES (?, ?, ?)", (
            (s + 1, start + m * 60_000 + 123, None if m % 101 == 0 else 18_000 + (m * 37) % 5000)
            for m in range(DAYS * 1440)))
    conn.execute("COMMIT")
    conn.close()
    return start


def _watermark(path: Path) -> int | None:
    conn = sqlite3.connect(path, timeout=10)
    try:
        row = conn.execute("SELECT upto FROM downsample WHERE tier = '5m'").fetchone()
        return None if row is None else int(row[0])
    finally:
        conn.close()


def _differences(path: Path, table: str, width: int, upto: int) -> int:
    """Rows of ``table`` that differ from buckets computed from the raw readings (both ways)."""
    conn = sqlite3.connect(path, timeout=10)
    try:
        naive = (f"SELECT sensor, ts - ts % {width} AS b, min(value), sum(value), max(value),"
                 f" count(value) FROM readings WHERE value IS NOT NULL AND ts < {upto}"
                 " GROUP BY sensor, b")
        stored = f"SELECT sensor, ts, min, sum, max, count FROM {table} WHERE ts < {upto}"
        return int(conn.execute(
            f"SELECT (SELECT count(*) FROM ({naive} EXCEPT {stored}))"
            f" + (SELECT count(*) FROM ({stored} EXCEPT {naive}))").fetchone()[0])
    finally:
        conn.close()


def test_downsampling_survives_sigkill(engine_factory, tmp_path) -> None:
    """Killed in the middle of its backlog, the downsampler's buckets are exactly those of
    the passes that committed; the next engine finishes them all, each bucket once."""
    path = tmp_path / "data" / "rpymostat.sqlite3"
    start = _database(path, int(time.time() * 1000))
    first = engine_factory(RPYMOSTAT_DOWNSAMPLE_INTERVAL="0.5").start()
    wait_for(lambda: (_watermark(path) or 0) > start + 3 * DAY, 60, "some passes")
    first.stop(signal.SIGKILL)
    mid = _watermark(path)
    assert mid is not None and mid < start + (DAYS - 1) * DAY, "finished before the kill"
    hour = mid - mid % HOUR
    assert _differences(path, "agg_5m", FIVE_MIN, mid) == 0
    assert _differences(path, "agg_1h", HOUR, hour) == 0

    second = engine_factory(RPYMOSTAT_DOWNSAMPLE_INTERVAL="0.5").start()
    done = int(time.time() * 1000) - 10 * 60_000
    wait_for(lambda: (_watermark(path) or 0) >= done, 120, "the backlog to be downsampled")
    second.stop(signal.SIGKILL)
    end = _watermark(path)
    assert end is not None
    assert _differences(path, "agg_5m", FIVE_MIN, end) == 0
    assert _differences(path, "agg_1h", HOUR, end - end % HOUR) == 0
    conn = sqlite3.connect(path)
    counted = conn.execute("SELECT sum(count) FROM agg_1h").fetchone()[0]
    raw = conn.execute("SELECT count(value) FROM readings WHERE ts < ?",
                       (end - end % HOUR,)).fetchone()[0]
    conn.close()
    assert counted == raw > SENSORS * (DAYS - 1) * 1400
