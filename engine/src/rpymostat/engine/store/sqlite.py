"""The embedded default store: SQLite in WAL mode, durable (synchronous=FULL) on every 201.

Writes run on one writer thread with group commit; reads on a separate reader thread with its
own connection (WAL lets it read while the writer writes). The reactor thread never touches
SQLite.
"""

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IReactorFromThreads
from twisted.logger import Logger
from twisted.python.failure import Failure

from rpymostat.shared.sqlthread import ConnectionThread

from ..model import (
    IngestResult,
    Reading,
    SensorChanges,
    SensorRecord,
    StoredReading,
    from_micros,
)
from .aggregate import Bucket, columns
from .base import StoreUnavailable
from .events import Event
from .resolution import ceil_millis, from_millis, to_millis
from .sqlite_ingest import IngestQueue
from .sqlite_readings import (
    delete_sensor_readings,
    has_legacy,
    move_legacy_chunk,
    select_buckets,
    select_columns,
    select_readings,
)
from .sqlite_schema import migrate
from .sqlite_tiers import Retention, downsample_pass, select_tiered_buckets, watermark

_log = Logger(namespace="rpymostat.engine.store")

GATHER = 0.002  # commit delay under load (see rpymostat.shared.sqlthread)
_SENSOR_COLUMNS = ("id, host_id, sensor_id, type, alias, extra, name, zone, last_value, last_ts,"
                   " first_seen")


def _row_to_sensor(row: tuple) -> SensorRecord:  # type: ignore[type-arg]
    return SensorRecord(
        id=row[0], host_id=row[1], sensor_id=row[2], type=row[3], alias=row[4], extra=row[5],
        name=row[6], zone=row[7], last_value=row[8], last_update=from_micros(row[9]),
        first_seen=from_micros(row[10]),
    )


class SQLiteStore:
    """The SQLite backend of :class:`rpymostat.engine.store.Store`."""

    def __init__(self, reactor: IReactorFromThreads, path: Path, busy_timeout: float = 10.0
                 ) -> None:
        self._path = path
        self._busy_timeout = busy_timeout
        self._writer = ConnectionThread(reactor, self._connect_writer, "sqlite-writer",
                                        group_commit=True, gather=GATHER)
        self._reader = ConnectionThread(reactor, self._connect_reader, "sqlite-reader",
                                        group_commit=False)
        self._ingest = IngestQueue(self._writer)
        self.legacy = False  # rows of the old readings layout remain to be moved
        self.moved = 0
        self._stopping = False
        self.moving: Deferred[None] | None = None  # fires when the move has ended

    # -- lifecycle -----------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._path, timeout=self._busy_timeout, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    def _connect_writer(self) -> sqlite3.Connection:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        conn = self._open()
        migrate(conn)
        self.legacy = has_legacy(conn)
        self._ingest.watermark = watermark(conn)
        return conn

    def _connect_reader(self) -> sqlite3.Connection:
        conn = self._open()
        conn.execute("PRAGMA query_only=ON")
        return conn

    async def _start(self) -> None:
        self._writer.start()
        await self._wrap(self._writer.submit(lambda conn: None))
        self._reader.start()
        await self._wrap(self._reader.submit(lambda conn: None))
        if self.legacy:
            _log.info("moving readings to the compact layout in chunks; the engine answers"
                      " meanwhile")
            self.moving = Deferred()
            self._move_next()

    def _move_next(self) -> None:
        """One chunk of the old readings table per writer job, until it is gone."""
        if self._stopping:
            self._moved(None)
            return
        d = self._writer.submit(move_legacy_chunk)
        d.addCallbacks(self._chunk_moved, self._moved)

    def _chunk_moved(self, count: int | None) -> None:
        if count is None:
            self.legacy = False
            _log.info("readings moved to the compact layout ({n} rows)", n=self.moved)
            self._moved(None)
            return
        self.moved += count
        self._move_next()

    def _moved(self, result: Failure | None) -> None:
        if isinstance(result, Failure):
            _log.failure("moving readings to the compact layout failed; it resumes at the"
                         " next start", result)
        moving, self.moving = self.moving, None
        if moving is not None:
            moving.callback(None)

    def start(self) -> Deferred[None]:
        """Start the writer (which creates and migrates the file), then the reader."""
        return Deferred.fromCoroutine(self._start())

    async def _stop(self) -> None:
        self._stopping = True
        if self.moving is not None:
            await self.moving
        await self._reader.stop()
        await self._writer.stop()

    def stop(self) -> Deferred[None]:
        """Finish queued work and close both connections."""
        return Deferred.fromCoroutine(self._stop())

    @staticmethod
    def _wrap(d: Deferred) -> Deferred:  # type: ignore[type-arg]
        def translate(failure):  # type: ignore[no-untyped-def]
            failure.trap(sqlite3.Error, OSError)
            raise StoreUnavailable(f"SQLite: {failure.value}")

        return d.addErrback(translate)

    # -- the interface ---------------------------------------------------------------------

    def ping(self) -> Deferred[bool]:
        """True when a trivial query succeeds."""
        d = self._reader.submit(lambda conn: conn.execute("SELECT 1").fetchone() == (1,))
        return d.addErrback(lambda _f: False)

    def add_readings(self, readings: Sequence[Reading]) -> Deferred[IngestResult]:
        """Insert readings and upsert sensors, with the other waiting calls, in a group commit
        (``sqlite_ingest``); all of a call's readings or none."""
        return self._wrap(self._ingest.add(readings))

    def list_sensors(self) -> Deferred[list[SensorRecord]]:
        """Every sensor, by id."""
        sql = f"SELECT {_SENSOR_COLUMNS} FROM sensors ORDER BY id"
        return self._wrap(self._reader.submit(
            lambda conn: [_row_to_sensor(r) for r in conn.execute(sql)]))

    def get_sensor(self, sensor_id: str) -> Deferred[SensorRecord | None]:
        """One sensor, or None."""
        return self._wrap(self._reader.submit(lambda conn: _get_sensor(conn, sensor_id)))

    def update_sensor(self, sensor_id: str, changes: SensorChanges
                      ) -> Deferred[SensorRecord | None]:
        """Rename / rezone; None when unknown."""

        def job(conn: sqlite3.Connection) -> SensorRecord | None:
            if changes.clear_name or changes.name is not None:
                conn.execute("UPDATE sensors SET name = ? WHERE id = ?",
                             (None if changes.clear_name else changes.name, sensor_id))
            if changes.zone is not None:
                conn.execute("UPDATE sensors SET zone = ? WHERE id = ?", (changes.zone, sensor_id))
            return _get_sensor(conn, sensor_id)

        return self._wrap(self._writer.submit(job))

    def delete_sensor(self, sensor_id: str) -> Deferred[bool]:
        """Forget the sensor and its readings."""

        def job(conn: sqlite3.Connection) -> bool:
            delete_sensor_readings(conn, sensor_id)
            return conn.execute("DELETE FROM sensors WHERE id = ?", (sensor_id,)).rowcount > 0

        return self._wrap(self._writer.submit(job))

    def readings(self, sensor_id: str, start: datetime, end: datetime, limit: int,
                 newest_first: bool = False) -> Deferred[list[StoredReading]]:
        """History in [start, end), oldest first (or newest first)."""
        legacy = self.legacy
        return self._wrap(self._reader.submit(lambda conn: select_readings(
            conn, sensor_id, start, end, limit, newest_first=newest_first, legacy=legacy)))

    def reading_columns(self, sensor_id: str, start: datetime, end: datetime, limit: int
                        ) -> Deferred[tuple[list[int], list[float | None]]]:
        """Straight from the rows (``sqlite_readings.select_columns``)."""
        if self.legacy:
            return self.readings(sensor_id, start, end, limit).addCallback(columns)
        return self._wrap(self._reader.submit(lambda conn: select_columns(
            conn, sensor_id, start, end, limit)))

    def aggregate(self, sensor_id: str, start: datetime, end: datetime, width_ms: int
                  ) -> Deferred[list[Bucket]]:
        """Buckets in SQL, from the downsampled tiers where they are complete
        (``sqlite_tiers``); from raw rows while old rows are being moved."""
        if self.legacy:
            return self._wrap(self._reader.submit(lambda conn: select_buckets(
                conn, sensor_id, start, end, width_ms, legacy=True)))
        return self._wrap(self._reader.submit(lambda conn: select_tiered_buckets(
            conn, sensor_id, ceil_millis(start), ceil_millis(end), width_ms)))

    def downsample(self, now: datetime, keep: Retention) -> Deferred[bool]:
        """One downsampling pass (``sqlite_tiers.downsample_pass``) as a writer job; True
        when more work waits. Nothing while old rows are being moved."""
        if self.legacy:
            return succeed(False)
        now_ms = to_millis(now)

        def job(conn: sqlite3.Connection) -> bool:
            # Readings stored from now on and older than this are marked stale; marking a
            # few more than needed (if this job is rolled back) costs a recomputation.
            self._ingest.watermark = max(self._ingest.watermark or 0, now_ms - now_ms % 300_000)
            return downsample_pass(conn, now_ms, keep)

        return self._wrap(self._writer.submit(job))

    def append_event(self, event: Event) -> Deferred[None]:
        """One row of ``events``, committed before the Deferred fires."""
        row = (event.kind, event.subject, to_millis(event.timestamp),
               json.dumps(event.body, separators=(",", ":")))
        return self._wrap(self._writer.submit(lambda conn: conn.execute(
            "INSERT INTO events (kind, subject, ts, body) VALUES (?, ?, ?, ?)", row) and None))

    def events(self, kind: str, subject: str, start: datetime, end: datetime, limit: int,
               *, with_previous: bool = False) -> Deferred[list[Event]]:
        """By the (kind, subject, ts) index; same-time events in the order kept."""
        a, e = ceil_millis(start), ceil_millis(end)

        def job(conn: sqlite3.Connection) -> list[Event]:
            rows = []
            if with_previous:
                rows = conn.execute(
                    "SELECT ts, body FROM events WHERE kind = ? AND subject = ? AND ts < ?"
                    " ORDER BY ts DESC, id DESC LIMIT 1", (kind, subject, a)).fetchall()
            rows += conn.execute(
                "SELECT ts, body FROM events WHERE kind = ? AND subject = ? AND ts >= ?"
                " AND ts < ? ORDER BY ts, id LIMIT ?", (kind, subject, a, e, limit)).fetchall()
            return [Event(kind, subject, from_millis(ts), json.loads(body)) for ts, body in rows]

        return self._wrap(self._reader.submit(job))

    def event_subjects(self, kind: str) -> Deferred[list[str]]:
        """Distinct subjects (skipping through the index)."""
        return self._wrap(self._reader.submit(lambda conn: [s for (s,) in conn.execute(
            "SELECT DISTINCT subject FROM events WHERE kind = ? ORDER BY subject", (kind,))]))

    def put_doc(self, kind: str, key: str, doc: dict[str, Any]) -> Deferred[None]:
        """Create or replace one document (committed before the Deferred fires)."""
        body = json.dumps(doc, separators=(",", ":"))
        return self._wrap(self._writer.submit(lambda conn: conn.execute(
            "INSERT OR REPLACE INTO docs (kind, key, body) VALUES (?, ?, ?)",
            (kind, key, body)) and None))

    def get_docs(self, kind: str) -> Deferred[dict[str, dict[str, Any]]]:
        """Every document of ``kind``."""
        return self._wrap(self._reader.submit(lambda conn: {
            key: json.loads(body) for key, body in conn.execute(
                "SELECT key, body FROM docs WHERE kind = ? ORDER BY key", (kind,))}))

    def delete_doc(self, kind: str, key: str) -> Deferred[bool]:
        """Remove one document."""
        return self._wrap(self._writer.submit(lambda conn: conn.execute(
            "DELETE FROM docs WHERE kind = ? AND key = ?", (kind, key)).rowcount > 0))


def _get_sensor(conn: sqlite3.Connection, sensor_id: str) -> SensorRecord | None:
    row = conn.execute(f"SELECT {_SENSOR_COLUMNS} FROM sensors WHERE id = ?",
                       (sensor_id,)).fetchone()
    return _row_to_sensor(row) if row else None
