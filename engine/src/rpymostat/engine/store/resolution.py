"""The resolution every store keeps a reading at: milliseconds and thousandths.

Timestamps are kept in whole **milliseconds** since the epoch (floored). Agents send
sub-second timestamps (the sensor agent stamps each round with microseconds) and ingest is
idempotent on (host, sensor, timestamp): a replayed reading must meet its stored copy, and two
different readings of one sensor must not. Seconds would merge two readings taken within one
second (a burst of ``PUT /v1/sensors/update``, stamped by the engine, does that); microseconds
cost two more bytes per reading on disk (an 8-byte instead of a 6-byte integer) for a
precision no thermometer has. A millisecond keeps every real reading apart, keeps a replay a
duplicate (the same microseconds floor to the same millisecond) and costs 6 bytes.

Values are kept in **thousandths** (milli-°C for a temperature), rounded half away from zero
as SQLite's ``round()`` does: an integer of 2 bytes for every indoor temperature (|v| < 32.767)
instead of an 8-byte float. A 12-bit DS18B20 reads in 1/16 °C steps; its 21.0625 is kept as
21.063 (0.0005 °C off, a hundredth of its stated resolution). A value too large for an exact
integer (|v| >= 1e12) is kept as it came. Every store (SQLite, MongoDB, memory) applies the
same rounding, so the same readings give the same answers whichever store holds them.
"""

from datetime import datetime, timedelta

from ..model import EPOCH, to_micros

SCALE = 1000
_EXACT_LIMIT = 1e12


def to_millis(ts: datetime) -> int:
    """UTC datetime → whole milliseconds since the epoch (floored)."""
    return to_micros(ts) // 1000


def ceil_millis(ts: datetime) -> int:
    """The first whole millisecond at or after ``ts``: a kept timestamp (whole milliseconds)
    is >= ``ts`` exactly when it is >= this."""
    return -(-to_micros(ts) // 1000)


def from_millis(ms: int) -> datetime:
    """Milliseconds since the epoch → aware UTC datetime."""
    return EPOCH + timedelta(milliseconds=ms)


def floor_to_millis(ts: datetime) -> datetime:
    """``ts`` as the stores keep it."""
    return from_millis(to_millis(ts))


def encode_value(value: float | None) -> int | float | None:
    """A reading's value as SQLite stores it: thousandths as an integer (None stays None)."""
    if value is None:
        return None
    if abs(value) >= _EXACT_LIMIT:
        return value
    x = value * SCALE
    return int(x + 0.5) if x >= 0 else -int(-x + 0.5)


def decode_value(stored: int | float | None) -> float | None:
    """The inverse of :func:`encode_value`."""
    if stored is None:
        return None
    if isinstance(stored, int):
        return stored / SCALE
    return float(stored)


def quantize_value(value: float | None) -> float | None:
    """``value`` as every store gives it back."""
    return decode_value(encode_value(value))


# The same rounding in SQL (for rows moved by the migration): half away from zero.
SQL_ENCODE_VALUE = (
    "CASE WHEN {v} IS NULL THEN NULL"
    f" WHEN abs({{v}}) >= {_EXACT_LIMIT:.0f} THEN {{v}}"
    f" ELSE CAST(round({{v}} * {SCALE}) AS INTEGER) END"
)
# Microseconds → milliseconds, floored also before 1970 (SQLite's / truncates toward zero).
SQL_MICROS_TO_MILLIS = "(({ts} - ((({ts} % 1000) + 1000) % 1000)) / 1000)"
