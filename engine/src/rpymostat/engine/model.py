"""Value objects of the sensor domain: readings as ingested and sensors as stored."""

from dataclasses import dataclass
from datetime import UTC, datetime

from rpymostat.shared.clock import iso

__all__ = ["DEFAULT_ZONE", "EPOCH", "IngestResult", "Reading", "SensorChanges", "SensorRecord",
           "StoredReading", "from_micros", "iso", "sensor_key", "to_micros"]


def sensor_key(host_id: str, sensor_id: str) -> str:
    """The global sensor id: ``<host_id>:<sensor_id>``."""
    return f"{host_id}:{sensor_id}"


def to_micros(ts: datetime) -> int:
    """UTC datetime → integer microseconds since the epoch (the stores' time unit)."""
    delta = ts - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(us: int) -> datetime:
    """Integer microseconds since the epoch → aware UTC datetime."""
    return datetime.fromtimestamp(us // 1_000_000, UTC).replace(microsecond=us % 1_000_000)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Reading:
    """One sensor reading as received: value in °C or None when the sensor could not tell."""

    host_id: str
    sensor_id: str
    timestamp: datetime
    value: float | None
    type: str
    alias: str | None = None
    extra: str | None = None

    @property
    def key(self) -> str:
        """The global sensor id this reading belongs to."""
        return sensor_key(self.host_id, self.sensor_id)


@dataclass(frozen=True, slots=True)
class StoredReading:
    """One point of a sensor's history."""

    timestamp: datetime
    value: float | None


@dataclass(frozen=True, slots=True)
class SensorRecord:
    """A known sensor: what its host reports plus what the user set (name, zone)."""

    id: str
    host_id: str
    sensor_id: str
    type: str
    alias: str | None
    extra: str | None
    name: str | None
    zone: str
    last_value: float | None
    last_update: datetime
    first_seen: datetime


@dataclass(frozen=True, slots=True)
class SensorChanges:
    """A user's edit of a sensor; ``None`` fields are left alone, ``clear_name`` unsets name."""

    name: str | None = None
    clear_name: bool = False
    zone: str | None = None


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What a store did with one request's readings."""

    ids: tuple[str, ...]
    stored: int
    duplicates: int


DEFAULT_ZONE = "house"
