"""Parsers for the time notations schedules use (pure; ValueError says what is wrong).

- Durations: ISO 8601 ``PnW`` / ``PnDTnHnMnS`` (``PT16H``, ``P2D``, ``PT90M``). Months and
  years are refused: they have no fixed length.
- Times of day: ``HH:MM`` or ``HH:MM:SS``; ``24:00`` means the end of the day.
- Days of the week: ``mon``..``sun`` names, ranges (``mon-fri``), lists, or ``daily``,
  ``weekdays``, ``weekends``.
- Moments: ISO 8601 date-times; without a UTC offset they are wall-clock times in the zone's
  time zone. Dates (``2026-12-21``) mean the start of that day.

Wall-clock rule (DST): a local time the clock skips (02:30 on the spring-forward night) happens
at the same offset after the jump (03:30); a local time that occurs twice happens once, the
first time (``fold=0``).
"""

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_SETS = {"daily": tuple(range(7)), "weekdays": tuple(range(5)), "weekends": (5, 6)}
MAX_DURATION = timedelta(days=366)
_DURATION = re.compile(
    r"P(?:(?P<weeks>\d{1,4})W|(?:(?P<days>\d{1,4})D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d{1,5})H)?(?:(?P<minutes>\d{1,6})M)?(?:(?P<seconds>\d{1,7})S)?)?)")
_TIME = re.compile(r"(?P<h>[0-9]{2}):(?P<m>[0-9]{2})(?::(?P<s>[0-9]{2}))?")


def parse_duration(text: str) -> timedelta:
    """``PT16H`` → 16 hours. Positive, at most a year."""
    if not isinstance(text, str):
        raise ValueError("must be an ISO 8601 duration string such as PT16H or P1D")
    upper = text.strip().upper()
    date_part = upper[1:].split("T")[0] if upper.startswith("P") else ""
    if re.search(r"\d+[YM]", date_part):
        raise ValueError(f"{text[:40]!r}: months and years have no fixed length;"
                         " use weeks (P1W) or days (P30D)")
    m = _DURATION.fullmatch(upper)
    if m is None or upper in ("P", "PT"):
        raise ValueError(f"{text[:40]!r} is not an ISO 8601 duration such as PT16H, PT90M,"
                         " P1D or P1W")
    parts = {k: int(v) for k, v in m.groupdict().items() if v is not None}
    total = timedelta(**parts)
    if total <= timedelta(0):
        raise ValueError(f"{text!r} must be longer than zero")
    if total > MAX_DURATION:
        raise ValueError(f"{text!r} is longer than a year")
    return total


def parse_time_of_day(text: str, *, end_of_day: bool = False) -> time | None:
    """``06:30`` → time(6, 30). ``24:00`` (only when ``end_of_day``) → None: the day's end."""
    if not isinstance(text, str):
        raise ValueError("must be a time of day such as 06:30")
    m = _TIME.fullmatch(text.strip())
    if m is None:
        raise ValueError(f"{text[:20]!r} is not a time of day such as 06:30")
    h, mi, s = int(m["h"]), int(m["m"]), int(m["s"] or 0)
    if end_of_day and (h, mi, s) == (24, 0, 0):
        return None
    if h > 23 or mi > 59 or s > 59:
        raise ValueError(f"{text!r} is not a valid time of day (00:00 to 23:59"
                         f"{', or 24:00' if end_of_day else ''})")
    return time(h, mi, s)


_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                   "sunday")


def _day_index(name: str) -> int:
    key = name.strip().lower()
    for i, (short, full) in enumerate(zip(DAY_NAMES, _FULL_DAY_NAMES, strict=True)):
        if key in (short, full):
            return i
    raise ValueError(f"{name[:20]!r} is not a day (mon, tue, wed, thu, fri, sat, sun)")


def parse_days(spec: str | list[str]) -> frozenset[int]:
    """Days of the week (Monday = 0): ``"mon-fri"``, ``"sat,sun"``, ``["mon", "wed"]``,
    ``"daily"``, ``"weekdays"``, ``"weekends"``. Ranges may wrap (``fri-mon``)."""
    items = spec if isinstance(spec, list) else str(spec).split(",")
    if not items:
        raise ValueError("must name at least one day")
    days: set[int] = set()
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise ValueError("each day must be a name such as mon, or a range such as mon-fri")
        word = item.strip().lower()
        if word in DAY_SETS:
            days.update(DAY_SETS[word])
            continue
        first, sep, last = word.partition("-")
        a = _day_index(first)
        b = _day_index(last) if sep else a
        days.update((a + i) % 7 for i in range((b - a) % 7 + 1))
    return frozenset(days)


def parse_zone_name(name: str) -> ZoneInfo:
    """An IANA time zone (``Europe/Berlin``)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        raise ValueError(f"{str(name)[:60]!r} is not an IANA time zone such as Europe/Berlin"
                         " or America/New_York") from None


def parse_moment(text: str, tz: ZoneInfo) -> datetime:
    """ISO 8601 date or date-time → aware UTC; without an offset it is wall time in ``tz``."""
    if not isinstance(text, str):
        raise ValueError("must be an ISO 8601 date or date-time such as 2026-12-21T08:00")
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text[:40]!r} is not an ISO 8601 date or date-time") from None
    if value.year < 2000 or value.year > 2200:
        raise ValueError(f"{text[:40]!r} is outside the years 2000-2200")
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


def local_to_utc(day: date, at: time | None, tz: ZoneInfo) -> datetime:
    """Wall time ``at`` (None: the day's end) on ``day`` in ``tz`` → aware UTC."""
    if at is None:
        day, at = day + timedelta(days=1), time(0)
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def wall_add(start_local: datetime, delta: timedelta, tz: ZoneInfo) -> datetime:
    """``start_local`` (naive wall time) plus ``delta`` of wall-clock time → aware UTC."""
    return (start_local + delta).replace(tzinfo=tz).astimezone(UTC)
