"""The SQLite connection thread: group commit isolates failing jobs; results reach the reactor."""

import sqlite3
import threading

import pytest
import pytest_twisted
from twisted.internet import defer, reactor
from twisted.internet.task import deferLater

from rpymostat.engine.store.sqlite_schema import MIGRATIONS, migrate, schema_version
from rpymostat.shared.sqlthread import ConnectionThread


def _connect(path):
    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY)")
        return conn

    return connect


def _insert(k: int):
    return lambda conn: conn.execute("INSERT INTO t VALUES (?)", (k,)).rowcount


@pytest_twisted.ensureDeferred
async def test_failing_job_is_rolled_back_alone(tmp_path) -> None:
    """In one group commit a job that fails rolls back only itself; the others commit."""
    worker = ConnectionThread(reactor, _connect(tmp_path / "db"), "w", group_commit=True)
    jobs = [worker.submit(_insert(1)), worker.submit(_insert(1)), worker.submit(_insert(2))]
    worker.start()
    results = await defer.DeferredList(jobs, consumeErrors=True)
    assert [ok for ok, _ in results] == [True, False, True]
    assert results[1][1].check(sqlite3.IntegrityError)
    rows = await worker.submit(lambda conn: conn.execute("SELECT k FROM t ORDER BY k").fetchall())
    assert rows == [(1,), (2,)]
    await worker.stop()


@pytest_twisted.ensureDeferred
async def test_connect_failure_fails_jobs_not_the_process(tmp_path) -> None:
    """If the database cannot be opened every job fails with the error; stop still works."""
    worker = ConnectionThread(reactor, _connect(tmp_path / "missing" / "db"), "w",
                              group_commit=True)
    job = worker.submit(_insert(1))
    worker.start()
    with pytest.raises(sqlite3.OperationalError):
        await job
    await worker.stop()


def test_migrations_are_versioned_and_refuse_downgrade(tmp_path) -> None:
    """Migrations bring user_version to the latest; a newer database is refused."""
    conn = sqlite3.connect(tmp_path / "db", isolation_level=None)
    assert migrate(conn) == len(MIGRATIONS) == schema_version(conn)
    assert migrate(conn) == len(MIGRATIONS)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(RuntimeError, match="newer than this engine knows"):
        migrate(conn)


def _blocked_until(event: threading.Event):
    def job(conn: sqlite3.Connection) -> None:
        event.wait(10)

    return job


@pytest_twisted.ensureDeferred
async def test_a_job_at_an_idle_thread_is_committed_at_once(tmp_path) -> None:
    """The commit delay is for a thread that finds work waiting; a lone job is not held for
    it (here a minute, which the test would notice)."""
    worker = ConnectionThread(reactor, _connect(tmp_path / "db"), "w", group_commit=True,
                              gather=60.0)
    worker.start()
    await worker.submit(lambda conn: None)  # nothing else came during it: not busy
    lone = worker.submit(_insert(1))
    assert await lone.addTimeout(10, reactor) == 1
    await worker.stop()


@pytest_twisted.ensureDeferred
async def test_work_waiting_after_a_commit_gathers_what_comes_within_the_delay(tmp_path) -> None:
    """B waits while A runs; after A's commit the thread holds B's group open for ``gather``
    seconds, so C, submitted 0.1 s later, is committed with B (B's answer comes after C was
    submitted). Without the delay B would be answered at once."""
    worker = ConnectionThread(reactor, _connect(tmp_path / "db"), "w", group_commit=True,
                              gather=1.0)
    worker.start()
    release = threading.Event()
    first = worker.submit(_blocked_until(release))
    await deferLater(reactor, 0.1, lambda: None)  # A is running
    b = worker.submit(_insert(1))
    release.set()
    await first
    events: list[str] = []
    b.addCallback(lambda _: events.append("B answered"))
    await deferLater(reactor, 0.1, lambda: None)
    events.append("C submitted")
    c = worker.submit(_insert(2))
    assert await defer.gatherResults([b, c]) == [None, 1]
    assert events == ["C submitted", "B answered"]
    await worker.stop()
