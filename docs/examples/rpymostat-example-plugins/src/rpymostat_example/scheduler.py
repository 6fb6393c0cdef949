"""Scheduler plugin ``dates``: given calendar dates, from one time of day to another (holidays,
a visit). Params: ``{"dates": ["2026-12-24", "2026-12-31"], "from": "07:00", "to": "23:00"}``.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

Period = tuple[datetime, datetime]


@dataclass(frozen=True)
class DatePeriods:
    """The periods: one per date, in the zone's wall-clock time."""

    dates: tuple[date, ...]
    start: time
    end: time

    def periods(self, start: datetime, end: datetime, tz: ZoneInfo) -> Iterator[Period]:
        """Every period overlapping ``[start, end)`` (UTC), by start."""
        for day in self.dates:
            begin = datetime.combine(day, self.start, tz).astimezone(ZoneInfo("UTC"))
            finish = datetime.combine(day, self.end, tz).astimezone(ZoneInfo("UTC"))
            if begin < end and finish > start:
                yield begin, finish

    def describe(self) -> str:
        """``2026-12-24, 2026-12-31 07:00-23:00``."""
        days = ", ".join(d.isoformat() for d in self.dates)
        return f"{days} {self.start:%H:%M}-{self.end:%H:%M}"


class DatesScheduler:
    """Listed dates, a time block on each."""

    name: ClassVar[str] = "dates"
    description: ClassVar[str] = "on the listed dates, from one time of day to another"
    schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False, "required": ["dates", "from", "to"],
        "properties": {
            "dates": {"type": "array", "items": {"type": "string", "format": "date"},
                      "minItems": 1, "maxItems": 366},
            "from": {"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}$"},
            "to": {"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}$"}}}

    @classmethod
    def parse(cls, params: Mapping[str, Any]) -> DatePeriods:
        """Validated periods; ValueError names the parameter."""
        try:
            dates = tuple(sorted({date.fromisoformat(d) for d in params["dates"]}))
        except (TypeError, ValueError):
            raise ValueError("dates: a list of YYYY-MM-DD dates") from None
        try:
            begin, finish = (time.fromisoformat(params[k]) for k in ("from", "to"))
        except (TypeError, ValueError):
            raise ValueError("from/to: times of day as HH:MM") from None
        if finish <= begin:
            raise ValueError("to: must be after 'from' on the same day")
        if not dates or (dates[-1] - dates[0]) > timedelta(days=3660):
            raise ValueError("dates: between 1 date and ten years of dates")
        return DatePeriods(dates, begin, finish)
