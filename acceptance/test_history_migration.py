"""The move of an old database's readings to the compact layout (issue 20), in a real engine
process: the engine answers while it runs, and a SIGKILL in the middle loses and doubles
nothing (the next start finishes the move)."""

import signal
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rpymostat.engine.model import iso, to_micros
from rpymostat.engine.store.resolution import quantize_value
from rpymostat.engine.store.sqlite_schema import migrate

from .processes import wait_for

T0 = datetime(2026, 3, 1, tzinfo=UTC)
SENSORS = 8
PER_SENSOR = 50_000  # 400,000 rows: about a hundred chunks


def _legacy_database(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, 2)  # the schema before the compact layout
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO readings (sensor, ts, value) VALUES (?, ?, ?)",
        ((f"old:s{s}", to_micros(T0) + m * 60_000_000 + 250, 18.0 + (m % 97) / 16)
         for s in range(SENSORS) for m in range(PER_SENSOR)))
    conn.execute("INSERT INTO sensors VALUES ('old:s0', 'old', 's0', 't', NULL, NULL, NULL,"
                 " 'house', 20.0, ?, ?)", (to_micros(T0), to_micros(T0)))
    conn.execute("COMMIT")
    conn.close()
    return SENSORS * PER_SENSOR


def _state(path: Path) -> tuple[int, int | None]:
    """(rows in the new table, rows left in the old one or None when it is gone)."""
    conn = sqlite3.connect(path, timeout=10)
    try:
        new = conn.execute("SELECT count(*) FROM readings").fetchone()[0]
        try:
            old = conn.execute("SELECT count(*) FROM readings_v1").fetchone()[0]
        except sqlite3.OperationalError:
            old = None
        return int(new), old
    finally:
        conn.close()


def test_migration_survives_sigkill_and_the_engine_answers_meanwhile(engine_factory,
                                                                      tmp_path) -> None:
    """An old database is moved in place while the engine answers; killed in the middle,
    the next start finishes it; every reading is there once, at the new resolution."""
    path = tmp_path / "data" / "rpymostat.sqlite3"
    total = _legacy_database(path)
    first = engine_factory().start()
    wait_for(lambda: _state(path)[0] > 0, 30, "the move to start")
    code, body = first.request(
        "GET", "/v1/sensors/old:s0/readings?start=2026-03-01T00:00:00Z&limit=3&order=asc")
    assert code == 200, body
    assert [r["value"] for r in body["readings"]] == [18.0, 18.063, 18.125]
    _new, old = _state(path)
    assert old is not None and old > 0, "the move ended before the kill: make it bigger"
    first.stop(signal.SIGKILL)
    assert sum(x or 0 for x in _state(path)) == total  # nothing lost, nothing doubled

    second = engine_factory().start()
    wait_for(lambda: _state(path)[1] is None, 120, "the move to finish")
    assert _state(path) == (total, None)
    assert "readings moved to the compact layout" in second.log()
    code, body = second.request(
        "GET", f"/v1/sensors/old:s0/readings?start={iso(T0)}&limit=10000&order=asc")
    assert code == 200
    expected = [quantize_value(18.0 + (m % 97) / 16) for m in range(10_000)]
    assert [r["value"] for r in body["readings"]] == expected
    # 250 µs after the minute, floored to the millisecond
    assert body["readings"][1]["timestamp"] == iso(T0 + timedelta(minutes=1))
