"""The store interface every backend implements; one contract test suite checks them all.

All methods return Deferreds and never block the reactor. ``add_readings`` is atomic per call
(SQLite: one savepoint; MongoDB: one insert command, see the mongo module) and idempotent on
(host_id, sensor_id, timestamp): a replayed reading is counted as a duplicate, not stored twice.
A sensor's ``last_value``/``last_update`` only ever move forward in time.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from twisted.internet.defer import Deferred

from ..model import IngestResult, Reading, SensorChanges, SensorRecord, StoredReading
from .aggregate import Bucket
from .events import Event
from .sqlite_tiers import Retention


class StoreUnavailable(Exception):
    """The backend cannot serve the call now (down, timed out, disk error); retry later."""


class Store(Protocol):
    """Persistent home of sensors and their readings."""

    def start(self) -> Deferred[None]:
        """Open connections and apply schema migrations."""

    def stop(self) -> Deferred[None]:
        """Finish pending work and close."""

    def ping(self) -> Deferred[bool]:
        """True when the backend answers."""

    def add_readings(self, readings: Sequence[Reading]) -> Deferred[IngestResult]:
        """Store the readings (all or none) and update their sensors; idempotent."""

    def list_sensors(self) -> Deferred[list[SensorRecord]]:
        """Every known sensor, ordered by id."""

    def get_sensor(self, sensor_id: str) -> Deferred[SensorRecord | None]:
        """One sensor by its global id, or None."""

    def update_sensor(self, sensor_id: str, changes: SensorChanges
                      ) -> Deferred[SensorRecord | None]:
        """Apply a user edit; the updated record, or None when the sensor is unknown."""

    def delete_sensor(self, sensor_id: str) -> Deferred[bool]:
        """Forget the sensor and its history; False when it was unknown."""

    def readings(self, sensor_id: str, start: datetime, end: datetime, limit: int,
                 newest_first: bool = False) -> Deferred[list[StoredReading]]:
        """History of one sensor with start <= timestamp < end, oldest first (newest first
        when asked), at most limit. Timestamps and values come back at the stores' common
        resolution (``resolution``: milliseconds, thousandths)."""

    def reading_columns(self, sensor_id: str, start: datetime, end: datetime, limit: int
                        ) -> Deferred[tuple[list[int], list[float | None]]]:
        """``readings`` oldest first as two columns: milliseconds since the epoch, values
        (what graphs take; SQLite skips a datetime per row)."""

    def aggregate(self, sensor_id: str, start: datetime, end: datetime, width_ms: int
                  ) -> Deferred[list[Bucket]]:
        """Whole buckets of ``width_ms`` (aligned on the epoch) of one sensor's non-null
        readings, those [start, end) touches: min/mean/max/count, oldest first
        (``aggregate``)."""

    def downsample(self, now: datetime, keep: Retention) -> Deferred[bool]:
        """One incremental downsampling pass (tiers and retention); True when more work
        waits. Only SQLite keeps tiers; the others compute buckets from raw readings."""

    # The history's event log (``events``): appended durably, never thinned.

    def append_event(self, event: Event) -> Deferred[None]:
        """Keep one event (its time floored to the millisecond)."""

    def events(self, kind: str, subject: str, start: datetime, end: datetime, limit: int,
               *, with_previous: bool = False) -> Deferred[list[Event]]:
        """Events of ``kind`` about ``subject`` in [start, end), oldest first, at most
        ``limit``; with ``with_previous``, the last one before ``start`` first."""

    def event_subjects(self, kind: str) -> Deferred[list[str]]:
        """Every subject that has events of ``kind``, sorted."""

    # Small documents of the engine's own state (relay registry, commanded states...), one
    # collection per ``kind``; written durably before the Deferred fires.

    def put_doc(self, kind: str, key: str, doc: dict[str, Any]) -> Deferred[None]:
        """Create or replace the document ``key`` of ``kind`` (a JSON-able dict)."""

    def get_docs(self, kind: str) -> Deferred[dict[str, dict[str, Any]]]:
        """Every document of ``kind``, by key."""

    def delete_doc(self, kind: str, key: str) -> Deferred[bool]:
        """Remove one document; False when there was none."""


def latest_per_sensor(readings: Sequence[Reading]) -> dict[str, Reading]:
    """The newest reading of each sensor in ``readings`` (ties: the later one in the list)."""
    latest: dict[str, Reading] = {}
    for r in readings:
        seen = latest.get(r.key)
        if seen is None or r.timestamp >= seen.timestamp:
            latest[r.key] = r
    return latest


def earliest_per_sensor(readings: Sequence[Reading]) -> dict[str, datetime]:
    """The oldest timestamp of each sensor in ``readings`` (one pass)."""
    earliest: dict[str, datetime] = {}
    for r in readings:
        seen = earliest.get(r.key)
        if seen is None or r.timestamp < seen:
            earliest[r.key] = r.timestamp
    return earliest
