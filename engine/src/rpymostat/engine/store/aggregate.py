"""Buckets of readings (min/mean/max/count per fixed width), computed the same way by every
store: SQLite in SQL, memory and MongoDB with :func:`aggregate_points`.

Buckets are aligned on multiples of their width since the epoch (UTC: a ``1d`` bucket is a UTC
day), and a query gives whole buckets: those of the buckets that [start, end) touches (the
downsampled tiers hold nothing finer). Null values are left out; a bucket with no value is
not given. The mean is the sum of the values in thousandths (``resolution``) divided by their
count, then by 1000, so SQLite's sums of its stored integers and this code give the same
float.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from ..model import StoredReading
from .resolution import SCALE, ceil_millis, decode_value, encode_value, from_millis, to_millis


class Bucket(NamedTuple):
    """The non-null readings of one series in [start, start + width). A named tuple (cheap
    to make: a year of 5-minute buckets is 105,120), its start in ms since the epoch."""

    start_ms: int
    min: float
    mean: float
    max: float
    count: int  # type: ignore[assignment]  # (shadows tuple.count, which nothing uses)

    @property
    def start(self) -> datetime:
        """The bucket's start as an aware UTC datetime."""
        return from_millis(self.start_ms)


def bucket_start(ms: int, width: int) -> int:
    """The start of the bucket of width ``width`` (ms) holding ``ms``."""
    return ms - ms % width


def bucket_window(start: datetime, end: datetime, width: int) -> tuple[datetime, datetime]:
    """The whole buckets a query for [start, end) covers: [floor(start), ceil(end))."""
    a, e = ceil_millis(start), ceil_millis(end)
    return from_millis(a - a % width), from_millis(-(-e // width) * width)


def aggregate_points(points: Iterable[StoredReading], width: int) -> list[Bucket]:
    """Buckets of ``points`` (any order, at the stores' resolution), oldest first."""
    groups: dict[int, list[int | float]] = {}
    for p in points:
        stored = encode_value(p.value)
        if stored is None:
            continue
        groups.setdefault(bucket_start(to_millis(p.timestamp), width), []).append(stored)
    return [Bucket(b, _number(min(v)), float(sum(v)) / len(v) / SCALE,
                   _number(max(v)), len(v))
            for b, v in sorted(groups.items())]


def columns(points: list[StoredReading]) -> tuple[list[int], list[float | None]]:
    """Readings as two columns: milliseconds since the epoch, values."""
    return [to_millis(p.timestamp) for p in points], [p.value for p in points]


def _number(stored: int | float) -> float:
    value = decode_value(stored)
    assert value is not None
    return value
