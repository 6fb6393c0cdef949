"""The MongoDB backend, through txmongo (install ``rpymostat-engine[mongodb]``).

Collections: ``sensors`` (``_id`` = global sensor id) and ``readings`` ({sensor, ts, value},
unique index on (sensor, ts): ingest is idempotent). Writes use a journaled write concern
(``j=true``) so a 201 means the readings are on the server's disk.

Atomicity: a request's readings go in one ``insert`` command (unordered; duplicates are
counted, not errors); MongoDB without transactions applies that per document, so if the
server dies mid-command some of a request may be stored while the client sees an error — the
client's retry is idempotent for batches. Sensor metadata follows in two updates per sensor.
Every call has a time limit on the injected clock; failures become StoreUnavailable (503).
"""

import itertools
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from pymongo.errors import BulkWriteError, PyMongoError
from twisted.internet import defer
from twisted.internet.defer import CancelledError, Deferred, succeed
from twisted.internet.error import ConnectionDone, ConnectionLost
from txmongo import filter as qf
from txmongo.connection import ConnectionPool

from rpymostat.shared.clock import Clock

from ..model import (
    DEFAULT_ZONE,
    IngestResult,
    Reading,
    SensorChanges,
    SensorRecord,
    StoredReading,
    from_micros,
    to_micros,
)
from .aggregate import Bucket, aggregate_points, bucket_window, columns
from .base import StoreUnavailable, earliest_per_sensor, latest_per_sensor
from .events import Event
from .resolution import ceil_millis, quantize_value, to_millis
from .sqlite_tiers import Retention

T = TypeVar("T")
DUPLICATE_KEY = 11000
_FAILURES = (PyMongoError, TimeoutError, defer.TimeoutError, CancelledError, ConnectionDone,
             ConnectionLost, OSError)


def _sensor_from_doc(doc: dict[str, Any]) -> SensorRecord:
    return SensorRecord(
        id=doc["_id"], host_id=doc["host_id"], sensor_id=doc["sensor_id"], type=doc["type"],
        alias=doc.get("alias"), extra=doc.get("extra"), name=doc.get("name"),
        zone=doc.get("zone", DEFAULT_ZONE), last_value=doc.get("last_value"),
        last_update=from_micros(doc["last_ts"]), first_seen=from_micros(doc["first_seen"]))


def _duplicates_only(error: BulkWriteError) -> int:
    """The number of duplicate-key errors, or raise when any other write error occurred."""
    errors = error.details.get("writeErrors", [])
    if any(e.get("code") != DUPLICATE_KEY for e in errors):
        raise error
    return len(errors)


class MongoStore:
    """The MongoDB backend of :class:`rpymostat.engine.store.Store`."""

    def __init__(self, clock: Clock, url: str, timeout: float = 10.0) -> None:
        self._clock = clock
        self._url = url
        self._timeout = timeout
        self._pool: ConnectionPool | None = None
        self._db: Any = None
        # Orders events of the same millisecond: a time-based start, then one per event.
        self._seq = itertools.count(int(clock.seconds() * 1e6))

    async def _call(self, d: "Deferred[T]") -> T:
        d.addTimeout(self._timeout, self._clock)  # type: ignore[arg-type]
        try:
            return await d
        except BulkWriteError:
            raise  # per-document write errors (duplicates) are the caller's to judge
        except _FAILURES as e:
            raise StoreUnavailable(f"MongoDB: {type(e).__name__}: {e}") from None

    def _run(self, coro: Any) -> Deferred[Any]:
        return Deferred.fromCoroutine(coro)

    # -- lifecycle -----------------------------------------------------------------------

    async def _start(self) -> None:
        self._pool = ConnectionPool(self._url, j=True)
        self._db = self._pool.get_default_database()
        await self._call(self._db.readings.create_index(
            qf.sort(qf.ASCENDING("sensor") + qf.ASCENDING("ts")), unique=True))
        await self._call(self._db.events.create_index(
            qf.sort(qf.ASCENDING("kind") + qf.ASCENDING("subject") + qf.ASCENDING("ts"))))

    def start(self) -> Deferred[None]:
        """Connect and make sure the unique index exists."""
        return self._run(self._start())

    def stop(self) -> Deferred[None]:
        """Disconnect the pool."""
        pool, self._pool = self._pool, None
        if pool is None:
            return succeed(None)
        return pool.disconnect()  # type: ignore[no-any-return]

    async def _ping(self) -> bool:
        if self._db is None:
            return False
        try:
            await self._call(self._db.command("ping"))
        except StoreUnavailable:
            return False
        return True

    def ping(self) -> Deferred[bool]:
        """True when the server answers a ping in time."""
        return self._run(self._ping())

    # -- ingest ----------------------------------------------------------------------------

    async def _add(self, readings: Sequence[Reading]) -> IngestResult:
        docs = [{"sensor": r.key, "ts": to_millis(r.timestamp) * 1000,
                 "value": quantize_value(r.value)} for r in readings]
        try:
            await self._call(self._db.readings.insert_many(docs, ordered=False))
            duplicates = 0
        except BulkWriteError as e:
            duplicates = _duplicates_only(e)
        latest = latest_per_sensor(readings)
        earliest = earliest_per_sensor(readings)
        for key, r in latest.items():
            await self._upsert_sensor(key, r, to_micros(earliest[key]))
        return IngestResult(tuple(latest), len(docs) - duplicates, duplicates)

    async def _upsert_sensor(self, key: str, r: Reading, earliest: int) -> None:
        ts = to_micros(r.timestamp)
        await self._call(self._db.sensors.update_one(
            {"_id": key},
            {"$setOnInsert": {"host_id": r.host_id, "sensor_id": r.sensor_id,
                              "zone": DEFAULT_ZONE, "name": None},
             "$min": {"first_seen": earliest}, "$max": {"last_ts": ts}},
            upsert=True))
        await self._call(self._db.sensors.update_one(
            {"_id": key, "last_ts": ts},
            {"$set": {"type": r.type, "alias": r.alias, "extra": r.extra,
                      "last_value": r.value}}))

    def add_readings(self, readings: Sequence[Reading]) -> Deferred[IngestResult]:
        """Insert readings (duplicates counted) and update their sensors."""
        return self._run(self._add(readings))

    # -- sensors -----------------------------------------------------------------------------

    async def _list(self) -> list[SensorRecord]:
        docs = await self._call(self._db.sensors.find({}, sort=qf.sort(qf.ASCENDING("_id"))))
        return [_sensor_from_doc(d) for d in docs if "type" in d]

    def list_sensors(self) -> Deferred[list[SensorRecord]]:
        """Every sensor, by id."""
        return self._run(self._list())

    async def _get(self, sensor_id: str) -> SensorRecord | None:
        doc = await self._call(self._db.sensors.find_one({"_id": sensor_id}))
        return _sensor_from_doc(doc) if doc and "type" in doc else None

    def get_sensor(self, sensor_id: str) -> Deferred[SensorRecord | None]:
        """One sensor, or None."""
        return self._run(self._get(sensor_id))

    async def _update(self, sensor_id: str, changes: SensorChanges) -> SensorRecord | None:
        fields: dict[str, Any] = {}
        if changes.clear_name or changes.name is not None:
            fields["name"] = None if changes.clear_name else changes.name
        if changes.zone is not None:
            fields["zone"] = changes.zone
        if fields:
            await self._call(self._db.sensors.update_one({"_id": sensor_id}, {"$set": fields}))
        return await self._get(sensor_id)

    def update_sensor(self, sensor_id: str, changes: SensorChanges
                      ) -> Deferred[SensorRecord | None]:
        """Rename / rezone; None when unknown."""
        return self._run(self._update(sensor_id, changes))

    async def _delete(self, sensor_id: str) -> bool:
        await self._call(self._db.readings.delete_many({"sensor": sensor_id}))
        result = await self._call(self._db.sensors.delete_one({"_id": sensor_id}))
        return bool(result.deleted_count)

    def delete_sensor(self, sensor_id: str) -> Deferred[bool]:
        """Forget the sensor and its readings."""
        return self._run(self._delete(sensor_id))

    async def _readings(self, sensor_id: str, start: datetime, end: datetime, limit: int,
                        newest_first: bool) -> list[StoredReading]:
        # ts is kept in microseconds (the layout before issue 20), floored to milliseconds
        # since: the bounds are whole milliseconds, as in SQLite.
        order = qf.DESCENDING("ts") if newest_first else qf.ASCENDING("ts")
        docs = await self._call(self._db.readings.find(
            {"sensor": sensor_id, "ts": {"$gte": ceil_millis(start) * 1000,
                                         "$lt": ceil_millis(end) * 1000}},
            projection={"_id": 0, "ts": 1, "value": 1},
            sort=qf.sort(order), limit=limit))
        return [StoredReading(from_micros(d["ts"]), d.get("value")) for d in docs]

    def readings(self, sensor_id: str, start: datetime, end: datetime, limit: int,
                 newest_first: bool = False) -> Deferred[list[StoredReading]]:
        """History in [start, end), oldest first (or newest first)."""
        return self._run(self._readings(sensor_id, start, end, limit, newest_first))

    def reading_columns(self, sensor_id: str, start: datetime, end: datetime, limit: int
                        ) -> Deferred[tuple[list[int], list[float | None]]]:
        """From ``readings``."""
        return self.readings(sensor_id, start, end, limit).addCallback(columns)

    async def _aggregate(self, sensor_id: str, start: datetime, end: datetime, width_ms: int
                         ) -> list[Bucket]:
        start, end = bucket_window(start, end, width_ms)
        docs = await self._call(self._db.readings.find(
            {"sensor": sensor_id, "ts": {"$gte": ceil_millis(start) * 1000,
                                         "$lt": ceil_millis(end) * 1000}},
            projection={"_id": 0, "ts": 1, "value": 1}))
        return aggregate_points((StoredReading(from_micros(d["ts"]), d.get("value"))
                                 for d in docs), width_ms)

    def aggregate(self, sensor_id: str, start: datetime, end: datetime, width_ms: int
                  ) -> Deferred[list[Bucket]]:
        """Buckets of the window's readings, computed here (``aggregate``) so that they equal
        SQLite's."""
        return self._run(self._aggregate(sensor_id, start, end, width_ms))

    def downsample(self, now: datetime, keep: Retention) -> Deferred[bool]:
        """No tiers here (buckets come from raw readings, kept forever): nothing to do."""
        return succeed(False)

    # -- events ------------------------------------------------------------------------------

    async def _append_event(self, event: Event) -> None:
        await self._call(self._db.events.insert_one(
            {"kind": event.kind, "subject": event.subject,
             "ts": to_millis(event.timestamp) * 1000, "seq": next(self._seq),
             "body": event.body}))

    def append_event(self, event: Event) -> Deferred[None]:
        """One document of ``events`` (journaled)."""
        return self._run(self._append_event(event))

    async def _events(self, kind: str, subject: str, start: datetime, end: datetime,
                      limit: int, *, with_previous: bool) -> list[Event]:
        a, e = ceil_millis(start) * 1000, ceil_millis(end) * 1000
        docs = []
        if with_previous:
            docs = await self._call(self._db.events.find(
                {"kind": kind, "subject": subject, "ts": {"$lt": a}},
                sort=qf.sort(qf.DESCENDING("ts") + qf.DESCENDING("seq")), limit=1))
        docs += await self._call(self._db.events.find(
            {"kind": kind, "subject": subject, "ts": {"$gte": a, "$lt": e}},
            sort=qf.sort(qf.ASCENDING("ts") + qf.ASCENDING("seq")), limit=limit))
        return [Event(kind, subject, from_micros(d["ts"]), d["body"]) for d in docs]

    def events(self, kind: str, subject: str, start: datetime, end: datetime, limit: int,
               *, with_previous: bool = False) -> Deferred[list[Event]]:
        """Events of one subject in a window (and the one before it)."""
        return self._run(self._events(kind, subject, start, end, limit,
                                      with_previous=with_previous))

    async def _event_subjects(self, kind: str) -> list[str]:
        docs = await self._call(self._db.events.find({"kind": kind},
                                                     projection={"_id": 0, "subject": 1}))
        return sorted({d["subject"] for d in docs})

    def event_subjects(self, kind: str) -> Deferred[list[str]]:
        """Subjects with events of ``kind``."""
        return self._run(self._event_subjects(kind))

    # -- documents ---------------------------------------------------------------------------

    def _docs(self, kind: str) -> Any:
        return self._db[f"docs_{kind}"]

    async def _put_doc(self, kind: str, key: str, doc: dict[str, Any]) -> None:
        await self._call(self._docs(kind).replace_one({"_id": key}, {"_id": key, "body": doc},
                                                       upsert=True))

    def put_doc(self, kind: str, key: str, doc: dict[str, Any]) -> Deferred[None]:
        """Create or replace one document (journaled write)."""
        return self._run(self._put_doc(kind, key, doc))

    async def _get_docs(self, kind: str) -> dict[str, dict[str, Any]]:
        docs = await self._call(self._docs(kind).find({}, sort=qf.sort(qf.ASCENDING("_id"))))
        return {d["_id"]: d["body"] for d in docs}

    def get_docs(self, kind: str) -> Deferred[dict[str, dict[str, Any]]]:
        """Every document of ``kind``."""
        return self._run(self._get_docs(kind))

    async def _delete_doc(self, kind: str, key: str) -> bool:
        result = await self._call(self._docs(kind).delete_one({"_id": key}))
        return bool(result.deleted_count)

    def delete_doc(self, kind: str, key: str) -> Deferred[bool]:
        """Remove one document."""
        return self._run(self._delete_doc(kind, key))
