"""Runtime statistics of a zone (``GET /v1/stats/runtime``): what heating and cooling cost.

Per bucket (hours for ``period=day``, UTC days for ``week`` and ``month``): each output's
on-time in seconds and its cycles (times it came on), and the zone's degree-hours below and
above its target. Degree-hours integrate, between one decision and the next, how far the
zone's temperature was below (or above) the target it had then; a gap of more than
``MAX_GAP`` between decisions (the engine was stopped) counts only ``MAX_GAP``.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rpymostat.shared.errors import Unprocessable

from ..model import iso
from ..store.events import Event
from ..store.resolution import from_millis, to_millis

PERIODS: dict[str, tuple[int, int]] = {  # period: (bucket ms, buckets)
    "day": (3_600_000, 24), "week": (86_400_000, 7), "month": (86_400_000, 30)}
MAX_GAP = timedelta(minutes=15)


@dataclass(frozen=True)
class StatsQuery:
    """A checked runtime-statistics query."""

    zone: str
    period: str


def parse_stats_query(args: Mapping[str, Sequence[str]]) -> StatsQuery:
    """``zone`` and ``period`` (422 naming the parameter)."""
    unknown = set(args) - {"zone", "period"}
    if unknown:
        raise Unprocessable(f"unknown parameter(s): {', '.join(sorted(unknown))}; allowed:"
                            " zone, period")
    zone = (args.get("zone") or [""])[-1]
    if not zone:
        raise Unprocessable("zone is missing")
    period = (args.get("period") or ["day"])[-1]
    if period not in PERIODS:
        raise Unprocessable("period must be day, week or month")
    return StatsQuery(zone, period)


def window(period: str, now: datetime) -> tuple[datetime, datetime, int]:
    """[start, end) of the period's buckets ending with the one ``now`` is in, and the
    bucket width (ms)."""
    width, count = PERIODS[period]
    now_ms = to_millis(now)
    end = now_ms - now_ms % width + width
    return from_millis(end - count * width), from_millis(end), width


def _split(start: int, end: int, width: int) -> list[tuple[int, int]]:
    """[start, end) cut at bucket boundaries: (bucket start, milliseconds in it)."""
    parts = []
    while start < end:
        bucket = start - start % width
        stop = min(end, bucket + width)
        parts.append((bucket, stop - start))
        start = stop
    return parts


def runtime_stats(zone: str, period: str, now: datetime,
                  outputs: Mapping[str, list[dict[str, Any]]],
                  decisions: list[Event]) -> dict[str, Any]:
    """The answer, from each output's on-intervals (``api.on_intervals``, ms) and the zone's
    decisions in the window (the one before it first)."""
    start, end, width = window(period, now)
    a = to_millis(start)
    buckets: dict[int, dict[str, Any]] = {
        b: {"start": iso(from_millis(b)), "on_s": dict.fromkeys(outputs, 0.0),
            "cycles": dict.fromkeys(outputs, 0), "degree_hours_below": 0.0,
            "degree_hours_above": 0.0}
        for b in range(a, to_millis(end), width)}
    for output, intervals in outputs.items():
        for interval in intervals:
            if interval["start"] > a:  # came on inside the window: a cycle
                buckets[interval["start"] - interval["start"] % width]["cycles"][output] += 1
            for bucket, ms in _split(interval["start"], interval["end"], width):
                buckets[bucket]["on_s"][output] += ms / 1000
    limit = min(to_millis(end), to_millis(now))
    for this, after in zip(decisions, [*decisions[1:], None], strict=True):
        temp, target = this.body.get("temperature"), this.body.get("target")
        if not isinstance(temp, (int, float)) or not isinstance(target, (int, float)):
            continue
        t0 = max(to_millis(this.timestamp), a)
        t1 = min(to_millis(after.timestamp) if after else limit, limit,
                 to_millis(this.timestamp) + int(MAX_GAP / timedelta(milliseconds=1)))
        for bucket, ms in _split(t0, t1, width):
            hours = ms / 3_600_000
            buckets[bucket]["degree_hours_below"] += max(0.0, target - temp) * hours
            buckets[bucket]["degree_hours_above"] += max(0.0, temp - target) * hours
    rows = [buckets[b] for b in sorted(buckets)]
    for row in rows:
        row["degree_hours_below"] = round(row["degree_hours_below"], 4)
        row["degree_hours_above"] = round(row["degree_hours_above"], 4)
        row["on_s"] = {k: round(v, 3) for k, v in row["on_s"].items()}
    days = (end - start) / timedelta(days=1)
    cycles = {o: sum(r["cycles"][o] for r in rows) for o in outputs}
    return {
        "zone": zone, "period": period, "start": iso(start), "end": iso(end),
        "bucket": "1h" if width == 3_600_000 else "1d", "outputs": sorted(outputs),
        "buckets": rows,
        "totals": {"on_s": {o: round(sum(r["on_s"][o] for r in rows), 3) for o in outputs},
                   "cycles": cycles,
                   "cycles_per_day": {o: round(n / days, 3) for o, n in cycles.items()},
                   "degree_hours_below": round(sum(r["degree_hours_below"] for r in rows), 4),
                   "degree_hours_above": round(sum(r["degree_hours_above"] for r in rows), 4)}}
