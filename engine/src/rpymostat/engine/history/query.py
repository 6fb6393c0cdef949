"""``GET /v1/history``'s query parameters: parsed and checked in one place (422 naming the
parameter), turned into a :class:`HistoryQuery` the handler runs.

Resolutions: ``raw`` (every reading), ``5m``, ``1h``, ``1d`` (buckets aligned on UTC
multiples of their width, with min/mean/max/count of the non-null values), and ``auto``
(the default): raw when the window holds at most ``MAX_POINTS`` readings of every series,
else the finest bucket width that gives at most ``MAX_POINTS`` buckets.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from rpymostat.shared.errors import Unprocessable

from ..ingest import parse_timestamp

MAX_POINTS = 2000
MAX_SERIES = 20
MAX_SPAN = timedelta(days=366 * 20)
DEFAULT_SPAN = timedelta(hours=24)
BUCKETS: dict[str, int] = {"5m": 300_000, "1h": 3_600_000, "1d": 86_400_000}  # milliseconds
RESOLUTIONS = ("auto", "raw", *BUCKETS)
FORMATS = ("json", "csv")


@dataclass(frozen=True)
class HistoryQuery:
    """A checked history query."""

    series: tuple[str, ...]
    start: datetime
    end: datetime
    resolution: str  # one of RESOLUTIONS
    format: str  # json or csv


def auto_bucket(start: datetime, end: datetime, kept_5m_since: datetime | None = None) -> str:
    """The finest bucket width giving at most MAX_POINTS buckets over [start, end), and not
    5 minutes for a window that starts before ``kept_5m_since`` (those buckets are gone)."""
    span_ms = (end - start) / timedelta(milliseconds=1)
    for name, width in BUCKETS.items():
        if name == "5m" and kept_5m_since is not None and start < kept_5m_since:
            continue
        if span_ms / width <= MAX_POINTS:
            return name
    return "1d"


def _one(args: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = args.get(name)
    if not values:
        return None
    if len(values) > 1 and name != "series":
        raise Unprocessable(f"{name}: give it once")
    return values[-1]


def parse_history_query(args: Mapping[str, Sequence[str]], now: datetime,
                        accept: str | None = None) -> HistoryQuery:
    """The query parameters (decoded, as lists per name) and the Accept header → query."""
    unknown = set(args) - {"series", "start", "end", "resolution", "format"}
    if unknown:
        raise Unprocessable(f"unknown parameter(s): {', '.join(sorted(unknown))}; allowed:"
                            " series, start, end, resolution, format")
    series = _parse_series(args.get("series") or [])
    end_raw, start_raw = _one(args, "end"), _one(args, "start")
    end = parse_timestamp(end_raw, "end", None) if end_raw is not None else now
    start = (parse_timestamp(start_raw, "start", None) if start_raw is not None
             else end - DEFAULT_SPAN)
    if start >= end:
        raise Unprocessable("start must be before end")
    if end - start > MAX_SPAN:
        raise Unprocessable(f"start: the window is longer than {MAX_SPAN.days} days")
    resolution = _one(args, "resolution") or "auto"
    if resolution not in RESOLUTIONS:
        raise Unprocessable(f"resolution must be one of {', '.join(RESOLUTIONS)}")
    fmt = _one(args, "format")
    if fmt is None:
        fmt = "csv" if accept and "text/csv" in accept else "json"
    if fmt not in FORMATS:
        raise Unprocessable("format must be json or csv")
    return HistoryQuery(series, start, end, resolution, fmt)


def _parse_series(values: Sequence[str]) -> tuple[str, ...]:
    ids: list[str] = []
    for value in values:
        ids.extend(part.strip() for part in value.split(",") if part.strip())
    if not ids:
        raise Unprocessable("series is missing: give one or more sensor ids, comma-separated")
    unique = tuple(dict.fromkeys(ids))
    if len(unique) > MAX_SERIES:
        raise Unprocessable(f"series: at most {MAX_SERIES} series per query")
    for sid in unique:
        if len(sid) > 200:
            raise Unprocessable(f"series: id too long: {sid[:40]!r}...")
    return unique
