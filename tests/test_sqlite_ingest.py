"""The SQLite store's ingest path: waiting calls written together in a few statements, each
call still getting its exact result, and a failing or duplicate call handled on its own."""

import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from rpymostat.engine.model import IngestResult, Reading
from rpymostat.engine.store import sqlite_ingest
from rpymostat.engine.store.sqlite_ingest import (
    IngestQueue,
    _Call,
    _write_alone,
    insert_rows,
    write_calls,
)
from rpymostat.engine.store.sqlite_schema import migrate

from .helpers import result_of

T0 = datetime(2026, 1, 31, 6, 30, tzinfo=UTC)


def _reading(sensor: str, seconds: float, value: float | None = 20.5) -> Reading:
    return Reading("pi1", sensor, T0 + timedelta(seconds=seconds), value, "DS18B20")


@pytest.fixture
def conn(tmp_path: Any) -> sqlite3.Connection:
    connection = sqlite3.connect(tmp_path / "db", isolation_level=None)
    migrate(connection)
    return connection


def _count(conn: sqlite3.Connection, sql: str = "SELECT count(*) FROM readings") -> int:
    return int(conn.execute(sql).fetchone()[0])


def test_rows_go_in_with_few_statements_each_within_the_parameter_limit(conn) -> None:
    insert_rows(conn, sqlite_ingest._SERIES, [(f"pi1:s{i}",) for i in range(7)])
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    rows = [(f"pi1:s{i % 7}", i, 20_000) for i in range(1000)]
    insert_rows(conn, sqlite_ingest._READINGS, rows)
    conn.set_trace_callback(None)
    assert _count(conn) == 1000
    # 1000 = 3 x 256 + 128 + 64 + 32 + 8: seven statements, not a thousand steps
    assert len(statements) == 7
    assert all(s.count("(") - 1 <= 999 // 3 for s in statements)
    assert conn.execute("SELECT max(ts), min(ts) FROM readings").fetchone() == (999, 0)


def test_waiting_calls_are_written_together_and_each_gets_its_own_result(conn) -> None:
    calls = [_Call([_reading("a", 1), _reading("b", 1)]), _Call([_reading("a", 2, 21.0)]),
             _Call([_reading("c", 3)])]
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    outcomes = write_calls(conn, calls)
    conn.set_trace_callback(None)
    assert outcomes == [
        (True, IngestResult(ids=("pi1:a", "pi1:b"), stored=2, duplicates=0)),
        (True, IngestResult(ids=("pi1:a",), stored=1, duplicates=0)),
        (True, IngestResult(ids=("pi1:c",), stored=1, duplicates=0))]
    # 3 series (2 + 1 statements), 4 readings and 4 sensor rows (a power of two each)
    assert sum(s.startswith("INSERT") for s in statements) == 4
    assert _count(conn) == 4
    assert conn.execute("SELECT last_value FROM sensors WHERE id = 'pi1:a'").fetchone() == (21.0,)


def test_a_call_with_stored_readings_gets_its_exact_duplicate_count(conn) -> None:
    write_calls(conn, [_Call([_reading("a", 1), _reading("a", 2)])])
    replay = _Call([_reading("a", 1), _reading("a", 2), _reading("a", 3)])
    fresh = _Call([_reading("b", 1)])
    assert write_calls(conn, [fresh, replay]) == [
        (True, IngestResult(ids=("pi1:b",), stored=1, duplicates=0)),
        (True, IngestResult(ids=("pi1:a",), stored=1, duplicates=2))]
    assert _count(conn) == 4


def test_a_failing_call_fails_alone_and_leaves_nothing(conn) -> None:
    bad = _Call([_reading("bad", 1)])
    bad.rows = [("pi1:bad", 1, object())]  # cannot be bound: sqlite3.ProgrammingError
    good = [_Call([_reading("a", 1)]), _Call([_reading("b", 1)])]
    outcomes = write_calls(conn, [good[0], bad, good[1]])
    assert [ok for ok, _ in outcomes] == [True, False, True]
    assert isinstance(outcomes[1][1], Failure)
    assert outcomes[1][1].check(sqlite3.Error)
    assert _count(conn) == 2
    assert _count(conn, "SELECT count(*) FROM sensors WHERE id = 'pi1:bad'") == 0


class FakeWriter:
    """Stands in for ConnectionThread: queues jobs, runs them when the test says so (the
    real thread is tested in test_sqlite_thread and, with this queue, by the store contract
    tests in acceptance/test_store_contract.py)."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Any, Deferred[Any]]] = []

    def submit(self, job: Any) -> Deferred[Any]:
        d: Deferred[Any] = Deferred()
        self.jobs.append((job, d))
        return d

    def run_next(self, conn: sqlite3.Connection, times: int = 1) -> None:
        job, d = self.jobs.pop(0)
        for _ in range(times):  # a group commit that is retried runs its jobs again
            result = job(conn)
        d.callback(result)


def test_calls_waiting_for_the_writer_are_taken_by_one_job(conn) -> None:
    writer = FakeWriter()
    queue = IngestQueue(writer)  # type: ignore[arg-type]
    first = [queue.add([_reading(f"s{i}", 1)]) for i in range(5)]
    assert len(writer.jobs) == 1
    writer.run_next(conn)
    assert [result_of(d).ids for d in first] == [(f"pi1:s{i}",) for i in range(5)]
    later = queue.add([_reading("s9", 2)])  # nothing waits now: a new job
    assert len(writer.jobs) == 1 and not later.called
    writer.run_next(conn)
    assert result_of(later).stored == 1


def test_a_job_run_again_writes_the_calls_it_took(conn) -> None:
    """When the group commit rolls back and re-runs its jobs, the job writes the same calls
    again (it does not take the calls that arrived since)."""
    writer = FakeWriter()
    queue = IngestQueue(writer)  # type: ignore[arg-type]
    d = queue.add([_reading("a", 1)])
    job, _ = writer.jobs[0]
    conn.execute("BEGIN")
    job(conn)
    conn.execute("ROLLBACK")  # as _run_group does when another job of the group failed
    late = queue.add([_reading("b", 1)])
    assert len(writer.jobs) == 2  # the late call waits for a job of its own
    writer.run_next(conn)
    assert result_of(d) == IngestResult(ids=("pi1:a",), stored=1, duplicates=0)
    assert not late.called
    assert _count(conn) == 1


def test_a_failed_job_fails_its_calls_and_a_job_that_never_ran_fails_the_waiting_ones(
        conn) -> None:
    writer = FakeWriter()
    queue = IngestQueue(writer)  # type: ignore[arg-type]
    taken = queue.add([_reading("a", 1)])
    job, d = writer.jobs.pop(0)
    job(conn)  # took its call, then the COMMIT failed
    d.errback(Failure(sqlite3.OperationalError("disk I/O error")))
    assert isinstance(taken.result, Failure) and taken.result.check(sqlite3.OperationalError)
    taken.addErrback(lambda _f: None)
    waiting = [queue.add([_reading("b", 1)]), queue.add([_reading("c", 1)])]
    _job, d = writer.jobs.pop(0)
    d.errback(Failure(sqlite3.OperationalError("unable to open database file")))
    for call in waiting:
        assert call.result.check(sqlite3.OperationalError)
        call.addErrback(lambda _f: None)
    assert queue.take() == []


def test_a_call_cancelled_by_its_deadline_is_not_fired_again(conn) -> None:
    writer = FakeWriter()
    queue = IngestQueue(writer)  # type: ignore[arg-type]
    d = queue.add([_reading("a", 1)])
    d.cancel()
    d.addErrback(lambda _f: None)
    writer.run_next(conn)  # would raise AlreadyCalledError if it fired d again
    assert _count(conn) == 1  # stored anyway: the job was queued before the deadline


_SENSORS = st.sampled_from(["a", "b", "c"])
_CALL = st.lists(st.tuples(_SENSORS, st.integers(0, 5), st.sampled_from([None, 18.5, 21.25])),
                 min_size=1, max_size=4)


def _dump(conn: sqlite3.Connection) -> tuple[list[Any], list[Any]]:
    return (conn.execute("SELECT * FROM readings ORDER BY sensor, ts").fetchall(),
            conn.execute("SELECT * FROM sensors ORDER BY id").fetchall())


@settings(max_examples=60, deadline=None)
@given(before=st.lists(_CALL, max_size=3), together=st.lists(_CALL, min_size=1, max_size=6))
def test_calls_written_together_end_as_if_written_one_by_one(before, together) -> None:
    """Whatever overlaps the calls have (with each other, with what is stored), writing them
    together gives each call the result, and the database the content, of writing them one
    after another."""
    def calls(spec: list[list[tuple[str, int, float | None]]]) -> list[_Call]:
        return [_Call([_reading(s, t, v) for s, t, v in call]) for call in spec]

    results = []
    for merged in (True, False):
        conn = sqlite3.connect(":memory:", isolation_level=None)
        migrate(conn)
        for call in calls(before):
            _write_alone(conn, call)
        if merged:
            outcomes = write_calls(conn, calls(together))
        else:
            outcomes = [_write_alone(conn, call) for call in calls(together)]
        results.append((outcomes, _dump(conn)))
    assert results[0] == results[1]
