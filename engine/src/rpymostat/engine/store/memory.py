"""An in-memory store for fast unit tests; the store contract suite runs against it too."""

import dataclasses
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from twisted.internet.defer import Deferred, fail, succeed

from ..model import (
    DEFAULT_ZONE,
    IngestResult,
    Reading,
    SensorChanges,
    SensorRecord,
    StoredReading,
)
from .aggregate import Bucket, aggregate_points, bucket_window, columns
from .base import StoreUnavailable, earliest_per_sensor, latest_per_sensor
from .events import Event, select_window
from .resolution import floor_to_millis, quantize_value
from .sqlite_tiers import Retention


class MemoryStore:
    """Implements the Store interface in dictionaries; ``available=False`` simulates an outage."""

    def __init__(self) -> None:
        self.available = True
        self._sensors: dict[str, SensorRecord] = {}
        self._readings: dict[str, dict[datetime, float | None]] = {}
        self._docs: dict[str, dict[str, str]] = {}
        self._events: dict[tuple[str, str], list[Event]] = {}

    def start(self) -> Deferred[None]:
        """Nothing to open."""
        return succeed(None)

    def stop(self) -> Deferred[None]:
        """Nothing to close."""
        return succeed(None)

    def ping(self) -> Deferred[bool]:
        """Whether the store is switched on."""
        return succeed(self.available)

    def add_readings(self, readings: Sequence[Reading]) -> Deferred[IngestResult]:
        """Store readings; duplicates of (sensor, timestamp) are counted, not stored."""
        if not self.available:
            return fail(StoreUnavailable("memory store switched off"))
        stored = 0
        for r in readings:
            history = self._readings.setdefault(r.key, {})
            ts = floor_to_millis(r.timestamp)
            if ts not in history:
                history[ts] = quantize_value(r.value)
                stored += 1
        latest = latest_per_sensor(readings)
        earliest = earliest_per_sensor(readings)
        for key, r in latest.items():
            self._upsert(key, r, earliest[key])
        return succeed(IngestResult(tuple(latest), stored, len(readings) - stored))

    def _upsert(self, key: str, r: Reading, earliest: datetime) -> None:
        old = self._sensors.get(key)
        if old is None:
            self._sensors[key] = SensorRecord(key, r.host_id, r.sensor_id, r.type, r.alias,
                                              r.extra, None, DEFAULT_ZONE, r.value, r.timestamp,
                                              earliest)
            return
        first_seen = min(old.first_seen, earliest)
        if r.timestamp >= old.last_update:
            self._sensors[key] = dataclasses.replace(
                old, type=r.type, alias=r.alias, extra=r.extra, last_value=r.value,
                last_update=r.timestamp, first_seen=first_seen)
        else:
            self._sensors[key] = dataclasses.replace(old, first_seen=first_seen)

    def list_sensors(self) -> Deferred[list[SensorRecord]]:
        """Every sensor, by id."""
        return succeed([self._sensors[k] for k in sorted(self._sensors)])

    def get_sensor(self, sensor_id: str) -> Deferred[SensorRecord | None]:
        """One sensor, or None."""
        return succeed(self._sensors.get(sensor_id))

    def update_sensor(self, sensor_id: str, changes: SensorChanges
                      ) -> Deferred[SensorRecord | None]:
        """Rename / rezone; None when unknown."""
        old = self._sensors.get(sensor_id)
        if old is None:
            return succeed(None)
        name = None if changes.clear_name else (changes.name or old.name)
        new = dataclasses.replace(old, name=name, zone=changes.zone or old.zone)
        self._sensors[sensor_id] = new
        return succeed(new)

    def delete_sensor(self, sensor_id: str) -> Deferred[bool]:
        """Forget the sensor and its history."""
        self._readings.pop(sensor_id, None)
        return succeed(self._sensors.pop(sensor_id, None) is not None)

    def readings(self, sensor_id: str, start: datetime, end: datetime, limit: int,
                 newest_first: bool = False) -> Deferred[list[StoredReading]]:
        """History in [start, end), oldest first (or newest first)."""
        history = self._readings.get(sensor_id, {})
        points = sorted((ts for ts in history if start <= ts < end),
                        reverse=newest_first)[:limit]
        return succeed([StoredReading(ts, history[ts]) for ts in points])

    def reading_columns(self, sensor_id: str, start: datetime, end: datetime, limit: int
                        ) -> Deferred[tuple[list[int], list[float | None]]]:
        """From ``readings``."""
        return self.readings(sensor_id, start, end, limit).addCallback(columns)

    def aggregate(self, sensor_id: str, start: datetime, end: datetime, width_ms: int
                  ) -> Deferred[list[Bucket]]:
        """Buckets computed from the kept readings."""
        history = self._readings.get(sensor_id, {})
        start, end = bucket_window(start, end, width_ms)
        return succeed(aggregate_points(
            (StoredReading(ts, v) for ts, v in history.items() if start <= ts < end), width_ms))

    def downsample(self, now: datetime, keep: Retention) -> Deferred[bool]:
        """No tiers here (buckets come from raw readings, kept forever): nothing to do."""
        return succeed(False)

    def append_event(self, event: Event) -> Deferred[None]:
        """Keep a copy (JSON round trip, as the real stores)."""
        if not self.available:
            return fail(StoreUnavailable("memory store switched off"))
        kept = Event(event.kind, event.subject, floor_to_millis(event.timestamp),
                     json.loads(json.dumps(event.body)))
        log = self._events.setdefault((event.kind, event.subject), [])
        log.append(kept)
        log.sort(key=lambda e: e.timestamp)  # stable: same-time events keep their order
        return succeed(None)

    def events(self, kind: str, subject: str, start: datetime, end: datetime, limit: int,
               *, with_previous: bool = False) -> Deferred[list[Event]]:
        """From the kept list."""
        return succeed(select_window(self._events.get((kind, subject), []), start, end, limit,
                                     with_previous))

    def event_subjects(self, kind: str) -> Deferred[list[str]]:
        """Subjects with events of ``kind``."""
        return succeed(sorted(s for k, s in self._events if k == kind))

    def put_doc(self, kind: str, key: str, doc: dict[str, Any]) -> Deferred[None]:
        """Keep a JSON copy (as the real stores do: no shared mutable state)."""
        if not self.available:
            return fail(StoreUnavailable("memory store switched off"))
        self._docs.setdefault(kind, {})[key] = json.dumps(doc)
        return succeed(None)

    def get_docs(self, kind: str) -> Deferred[dict[str, dict[str, Any]]]:
        """Every document of ``kind``."""
        return succeed({k: json.loads(v) for k, v in self._docs.get(kind, {}).items()})

    def delete_doc(self, kind: str, key: str) -> Deferred[bool]:
        """Remove one document."""
        return succeed(self._docs.get(kind, {}).pop(key, None) is not None)
