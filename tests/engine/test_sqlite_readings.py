"""The compact readings layout (issue 20): the move of the old layout's rows in chunks, the
queries that read both tables meanwhile, and the value/time resolution shared by the stores."""

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from rpymostat.engine.model import from_micros, to_micros
from rpymostat.engine.store.resolution import (
    SQL_ENCODE_VALUE,
    SQL_MICROS_TO_MILLIS,
    encode_value,
    to_millis,
)
from rpymostat.engine.store.sqlite_readings import (
    LEGACY,
    has_legacy,
    move_legacy_chunk,
    select_readings,
)
from rpymostat.engine.store.sqlite_schema import MIGRATIONS, migrate

T0 = datetime(2026, 1, 31, 6, 30, tzinfo=UTC)
LEGACY_VERSION = 2  # the schema before the compact layout


def legacy_database(path: Path | str, rows: list[tuple[str, int, float | None]]
                    ) -> sqlite3.Connection:
    """A database as the engine before issue 20 left it: text id, microseconds, float."""
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, LEGACY_VERSION)
    conn.executemany("INSERT INTO readings (sensor, ts, value) VALUES (?, ?, ?)", rows)
    return conn


def _all(conn: sqlite3.Connection, sensor: str, legacy: bool
         ) -> list[tuple[datetime, float | None]]:
    points = select_readings(conn, sensor, T0 - timedelta(days=1), T0 + timedelta(days=1),
                             100_000, newest_first=False, legacy=legacy)
    return [(p.timestamp, p.value) for p in points]


def test_the_move_in_chunks_keeps_every_reading_and_drops_the_old_table() -> None:
    """Rows move a chunk at a time; after every chunk the union of both tables is the whole
    history; at the end the old table is gone and the new one has every reading."""
    rows = [(f"pi1:s{s}", to_micros(T0) + m * 60_000_000 + 123, 20.0 + m / 8)
            for s in range(3) for m in range(100)] + [("pi1:s0", to_micros(T0) - 5, None)]
    conn = legacy_database(":memory:", rows)
    migrate(conn)
    assert has_legacy(conn)
    expected = {s: _all(conn, s, legacy=True) for s in ("pi1:s0", "pi1:s1", "pi1:s2")}
    assert len(expected["pi1:s0"]) == 101 and expected["pi1:s0"][0][1] is None
    moved = []
    while (count := move_legacy_chunk(conn, chunk=37)) is not None:
        moved.append(count)
        for sensor, points in expected.items():
            assert _all(conn, sensor, legacy=True) == points
    assert sum(moved) == 301 and max(moved) == 37
    assert not has_legacy(conn)
    for sensor, points in expected.items():
        assert _all(conn, sensor, legacy=False) == points


def test_a_reading_stored_again_during_the_move_is_kept_once() -> None:
    """A replay that lands in the new table before its old copy moved: one row after."""
    conn = legacy_database(":memory:", [("pi1:a", to_micros(T0), 20.5)])
    migrate(conn)
    conn.execute("INSERT INTO series (key) VALUES ('pi1:a')")
    conn.execute("INSERT INTO readings VALUES (1, ?, 20500)", (to_millis(T0),))
    assert _all(conn, "pi1:a", legacy=True) == [(T0, 20.5)]
    while move_legacy_chunk(conn) is not None:
        pass
    assert conn.execute("SELECT count(*) FROM readings").fetchone() == (1,)


def test_a_fresh_database_has_an_empty_old_table_that_the_first_move_drops() -> None:
    """A new database goes through the same steps: the first move finds nothing, drops it."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    assert migrate(conn) == len(MIGRATIONS)
    assert move_legacy_chunk(conn) is None
    assert not has_legacy(conn)
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = ?", (LEGACY,)
                        ).fetchone() is None


@given(st.one_of(st.none(), st.floats(-1e13, 1e13, allow_nan=False),
                 st.integers(-100_000, 100_000).map(lambda i: i / 16)))
def test_sql_and_python_round_values_alike(value: float | None) -> None:
    """The migration's SQL rounding equals the ingest path's Python rounding."""
    conn = sqlite3.connect(":memory:")
    [(in_sql,)] = conn.execute(f"SELECT {SQL_ENCODE_VALUE.format(v=':v')}",
                               {"v": value}).fetchall()
    assert in_sql == encode_value(value)
    assert type(in_sql) is type(encode_value(value))


@given(st.integers(-(2**53), 2**53))
def test_sql_and_python_floor_microseconds_alike(us: int) -> None:
    """The migration's SQL floors microseconds to milliseconds as the ingest path does."""
    conn = sqlite3.connect(":memory:")
    [(in_sql,)] = conn.execute(f"SELECT {SQL_MICROS_TO_MILLIS.format(ts=':us')}",
                               {"us": us}).fetchall()
    assert in_sql == us // 1000
    if us > 0:
        assert in_sql == to_millis(from_micros(us))
