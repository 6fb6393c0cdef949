"""The SQLite connection thread: group commit isolates failing jobs; results reach the reactor."""

import sqlite3

import pytest
import pytest_twisted
from twisted.internet import defer, reactor

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
