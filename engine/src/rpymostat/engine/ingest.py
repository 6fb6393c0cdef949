"""Validation of ingest request bodies into :class:`Reading` objects (pure, no I/O).

Every problem raises :class:`Unprocessable` (422) whose message names the offending field,
e.g. ``sensors["28-0315"].value must be a number or null``. A request is accepted whole or
rejected whole.
"""

import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from rpymostat.shared.errors import Unprocessable
from rpymostat.shared.ids import ID_PATTERN, ID_RULE

from .model import Reading

MIN_CELSIUS = -100.0
MAX_CELSIUS = 200.0
MAX_TYPE = 64
MAX_ALIAS = 128
MAX_EXTRA = 1024
MAX_SENSORS_PER_UPDATE = 256
MAX_READINGS_PER_BATCH = 10_000
MAX_FUTURE = timedelta(minutes=5)
OLDEST = datetime(2000, 1, 1, tzinfo=UTC)
_UPDATE_FIELDS = frozenset({"host_id", "sensors"})
_SENSOR_FIELDS = frozenset({"type", "value", "alias", "extra"})
_BATCH_FIELDS = frozenset({"host_id", "readings"})
_BATCH_READING_FIELDS = frozenset({"sensor_id", "timestamp", "value", "type", "alias", "extra"})


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise Unprocessable(f"{where} must be a JSON object")
    return value


def _unknown(obj: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    extra = set(obj) - allowed
    if extra:
        raise Unprocessable(f"{where} has unknown field(s): {', '.join(sorted(extra))}")


def parse_id(value: Any, field: str) -> str:
    """A host or sensor id: a short string that is safe in URLs and has no ':'."""
    if not isinstance(value, str):
        raise Unprocessable(f"{field} must be a string")
    if len(value) > 64:
        raise Unprocessable(f"{field} is too long ({len(value)} > 64 characters)")
    if not ID_PATTERN.fullmatch(value):
        raise Unprocessable(f"{field} {value!r} is not a valid id ({ID_RULE})")
    return value


def parse_value(value: Any, field: str) -> float | None:
    """A temperature in °C within the plausible range, or None (the sensor could not tell)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Unprocessable(f"{field} must be a number (°C) or null")
    number = float(value)
    if not math.isfinite(number) or not MIN_CELSIUS <= number <= MAX_CELSIUS:
        raise Unprocessable(
            f"{field} {value!r} is outside the plausible range {MIN_CELSIUS:g}..{MAX_CELSIUS:g} °C"
        )
    return number


def _text(obj: Mapping[str, Any], key: str, limit: int, where: str, *, required: bool
          ) -> str | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise Unprocessable(f"{where}.{key} is missing")
        return None
    if not isinstance(value, str):
        raise Unprocessable(f"{where}.{key} must be a string")
    if len(value) > limit:
        raise Unprocessable(f"{where}.{key} is too long ({len(value)} > {limit} characters)")
    return value


def parse_timestamp(value: Any, field: str, not_after: datetime | None) -> datetime:
    """An ISO 8601 time with a UTC offset, not before 2000 and, when ``not_after`` is given,
    not later than it (readings from a sender whose clock runs ahead)."""
    if not isinstance(value, str):
        raise Unprocessable(f"{field} must be an ISO 8601 string such as 2026-01-31T06:30:00Z")
    try:
        ts = datetime.fromisoformat(value)
    except ValueError:
        raise Unprocessable(f"{field} {value[:40]!r} is not an ISO 8601 time") from None
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise Unprocessable(f"{field} must include a UTC offset (e.g. Z or +01:00)")
    ts = ts.astimezone(UTC)
    if ts < OLDEST:
        raise Unprocessable(f"{field} is before 2000-01-01")
    if not_after is not None and ts > not_after:
        raise Unprocessable(f"{field} is in the future (is the sender's clock right?)")
    return ts


def _host(body: Mapping[str, Any]) -> str:
    if "host_id" not in body:
        raise Unprocessable("host_id field is missing")
    return parse_id(body["host_id"], "host_id")


def parse_update(body: Any, now: datetime) -> list[Reading]:
    """``PUT /v1/sensors/update``: the RPyMostat payload, every reading stamped ``now``."""
    obj = _object(body, "the request body")
    _unknown(obj, _UPDATE_FIELDS, "the request body")
    host = _host(obj)
    if "sensors" not in obj:
        raise Unprocessable("sensors field is missing")
    sensors = _object(obj["sensors"], "sensors")
    if not sensors:
        raise Unprocessable("sensors must not be empty")
    if len(sensors) > MAX_SENSORS_PER_UPDATE:
        raise Unprocessable(f"sensors has more than {MAX_SENSORS_PER_UPDATE} entries")
    readings = []
    for sensor_id, data in sensors.items():
        where = f"sensors[{sensor_id[:70]!r}]"
        parse_id(sensor_id, f"sensor id {where}")
        entry = _object(data, where)
        _unknown(entry, _SENSOR_FIELDS, where)
        readings.append(_reading(host, sensor_id, now, entry, where))
    return readings


def _reading(host: str, sensor_id: str, ts: datetime, entry: Mapping[str, Any], where: str
             ) -> Reading:
    if "value" not in entry:
        raise Unprocessable(f"{where}.value is missing (use null when unknown)")
    return Reading(
        host_id=host,
        sensor_id=sensor_id,
        timestamp=ts,
        value=parse_value(entry["value"], f"{where}.value"),
        type=_text(entry, "type", MAX_TYPE, where, required=True) or "",
        alias=_text(entry, "alias", MAX_ALIAS, where, required=False),
        extra=_text(entry, "extra", MAX_EXTRA, where, required=False),
    )


def parse_batch(body: Any, now: datetime) -> list[Reading]:
    """``POST /v1/sensors/batch``: readings each with its own time (a replayed buffer)."""
    obj = _object(body, "the request body")
    _unknown(obj, _BATCH_FIELDS, "the request body")
    host = _host(obj)
    if "readings" not in obj:
        raise Unprocessable("readings field is missing")
    items = obj["readings"]
    if not isinstance(items, list):
        raise Unprocessable("readings must be a JSON array")
    if not items:
        raise Unprocessable("readings must not be empty")
    if len(items) > MAX_READINGS_PER_BATCH:
        raise Unprocessable(f"readings has more than {MAX_READINGS_PER_BATCH} entries")
    readings = []
    for index, item in enumerate(items):
        where = f"readings[{index}]"
        entry = _object(item, where)
        _unknown(entry, _BATCH_READING_FIELDS, where)
        if "sensor_id" not in entry:
            raise Unprocessable(f"{where}.sensor_id is missing")
        sensor_id = parse_id(entry["sensor_id"], f"{where}.sensor_id")
        if "timestamp" not in entry:
            raise Unprocessable(f"{where}.timestamp is missing")
        ts = parse_timestamp(entry["timestamp"], f"{where}.timestamp", now + MAX_FUTURE)
        readings.append(_reading(host, sensor_id, ts, entry, where))
    return readings
