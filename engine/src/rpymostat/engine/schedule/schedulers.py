"""Scheduler plugins (entry point group ``rpymostat.schedulers``): each turns its parameters
into a :class:`Recurrence`, the periods during which a schedule applies.

A plugin declares ``name``, ``description`` and ``schema`` (JSON Schema of its parameters,
published by ``GET /v1/plugins``) and a ``parse(params)`` that returns a Recurrence or raises
ValueError naming the parameter. Shipped:

- ``weekly``: weekday + time-of-day blocks (``{"days": "mon-fri", "from": "06:30",
  "to": "22:30"}``); a block whose end is not after its start runs past midnight.
- ``cron``: a cron expression marks each start, ``duration`` (ISO 8601) its length.
- ``iso8601``: an ISO 8601 repeating interval ``R[n]/<start>/<period>`` marks each start,
  ``duration`` its length (default: the period).

Lengths are wall-clock time (06:30 + PT16H ends at 22:30 on DST days too).
"""

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, ClassVar, Protocol, TypeVar
from zoneinfo import ZoneInfo

from rpymostat.shared.pluginargs import load_plugins

from .cron import CronSpec, parse_cron
from .timespec import (
    DAY_NAMES,
    local_to_utc,
    parse_days,
    parse_duration,
    parse_time_of_day,
    wall_add,
)

ENTRY_POINT_GROUP = "rpymostat.schedulers"
Period = tuple[datetime, datetime]
T = TypeVar("T")
MIN_PERIOD = timedelta(minutes=1)


class Recurrence(Protocol):
    """When a schedule applies: periods in UTC, each ``[start, end)``."""

    def periods(self, start: datetime, end: datetime, tz: ZoneInfo) -> Iterator[Period]:
        """Every period that overlaps ``[start, end)`` (UTC), unclipped, by start (once
        each, also on the night the clock skips an hour)."""

    def describe(self) -> str:
        """A short human description (``mon-fri 06:30-22:30``)."""


class SchedulerPlugin(Protocol):
    """A scheduler plugin class."""

    name: ClassVar[str]
    description: ClassVar[str]
    schema: ClassVar[dict[str, Any]]

    @classmethod
    def parse(cls, params: Mapping[str, Any]) -> Recurrence:
        """Validated recurrence (ValueError naming the parameter)."""


def _local_days(start: datetime, end: datetime, tz: ZoneInfo, lookback: timedelta
                ) -> tuple[date, date]:
    """The local dates on which a period that overlaps [start, end) may begin."""
    first = (start - lookback).astimezone(tz).date() - timedelta(days=1)
    return first, end.astimezone(tz).date()


def _param(params: Mapping[str, Any], name: str, parse: Callable[[Any], T]) -> T:
    """``parse(params[name])``; a missing or bad value is a ValueError starting ``name:``."""
    if name not in params:
        raise ValueError(f"{name}: is missing")
    try:
        return parse(params[name])
    except ValueError as e:
        raise ValueError(f"{name}: {e}") from None


# -- weekly ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class WeeklyBlocks:
    """Blocks on some days of the week between two wall-clock times."""

    days: frozenset[int]
    start: time
    end: time | None  # None: midnight at the end of the day
    overnight: bool

    def periods(self, start: datetime, end: datetime, tz: ZoneInfo) -> Iterator[Period]:
        """One period per matching day."""
        day, last = _local_days(start, end, tz, timedelta(days=1))
        while day <= last:
            if day.weekday() in self.days:
                begin = local_to_utc(day, self.start, tz)
                finish = local_to_utc(day + timedelta(days=1) if self.overnight else day,
                                      self.end, tz)
                if begin < end and finish > start and finish > begin:
                    yield begin, finish
            day += timedelta(days=1)

    def describe(self) -> str:
        """``mon,tue 06:30-22:30``."""
        days = ",".join(DAY_NAMES[d] for d in sorted(self.days))
        end = "24:00" if self.end is None else self.end.strftime("%H:%M")
        return f"{days} {self.start.strftime('%H:%M')}-{end}"


class WeeklyScheduler:
    """Weekday + time-of-day blocks."""

    name: ClassVar[str] = "weekly"
    description: ClassVar[str] = ("Every week on the given days, from one time of day to"
                                  " another (past midnight when 'to' is not after 'from').")
    schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False, "required": ["days", "from", "to"],
        "properties": {
            "days": {"type": ["string", "array"], "items": {"type": "string"},
                     "description": "mon..sun, ranges (mon-fri), lists, daily, weekdays,"
                                    " weekends", "examples": ["mon-fri", ["sat", "sun"]]},
            "from": {"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}(:[0-9]{2})?$",
                     "description": "start, wall-clock HH:MM", "examples": ["06:30"]},
            "to": {"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}(:[0-9]{2})?$",
                   "description": "end, wall-clock HH:MM (24:00 = midnight)",
                   "examples": ["22:30"]},
        }}

    @classmethod
    def parse(cls, params: Mapping[str, Any]) -> WeeklyBlocks:
        """``{"days", "from", "to"}``."""
        days = _param(params, "days", parse_days)
        begin = _param(params, "from", parse_time_of_day)
        finish = _param(params, "to", lambda v: parse_time_of_day(v, end_of_day=True))
        assert begin is not None
        if finish == begin:
            raise ValueError("to: must differ from 'from' (use 00:00 to 24:00 for a whole day)")
        overnight = finish is not None and finish < begin
        return WeeklyBlocks(days, begin, finish, overnight)


# -- cron ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CronPeriods:
    """Each firing of a cron expression starts a period of ``length``."""

    expression: str
    spec: CronSpec
    length: timedelta

    def periods(self, start: datetime, end: datetime, tz: ZoneInfo) -> Iterator[Period]:
        """Firings from ``start - length`` on whose period overlaps the window."""
        first, last = _local_days(start, end, tz, self.length)
        found = set()
        for local in self.spec.firings(first, last):
            begin = local.replace(tzinfo=tz).astimezone(UTC)
            finish = wall_add(local, self.length, tz)
            if begin < end and finish > start and finish > begin:
                found.add((begin, finish))
        yield from sorted(found)

    def describe(self) -> str:
        """``cron '30 6 * * 1-5' for 16:00:00``."""
        return f"cron {self.expression!r} for {self.length}"


_DURATION_SCHEMA = {"type": "string", "description": "ISO 8601 duration of each period",
                    "examples": ["PT16H", "PT90M"]}


class CronScheduler:
    """A cron expression and a duration."""

    name: ClassVar[str] = "cron"
    description: ClassVar[str] = ("Starts at every firing of a five-field cron expression"
                                  " (minute hour day-of-month month day-of-week, wall-clock)"
                                  " and lasts 'duration'.")
    schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False, "required": ["cron", "duration"],
        "properties": {
            "cron": {"type": "string", "minLength": 1, "maxLength": 200,
                     "description": "e.g. '30 6 * * mon-fri' or '@daily'",
                     "examples": ["30 6 * * 1-5"]},
            "duration": _DURATION_SCHEMA,
        }}

    @classmethod
    def parse(cls, params: Mapping[str, Any]) -> CronPeriods:
        """``{"cron", "duration"}``."""
        spec = _param(params, "cron", parse_cron)
        length = _param(params, "duration", parse_duration)
        if length > timedelta(days=31):
            raise ValueError("duration: a cron period may last at most 31 days")
        return CronPeriods(str(params["cron"]), spec, length)


# -- ISO 8601 repeating intervals ------------------------------------------------------------

@dataclass(frozen=True)
class RepeatingPeriods:
    """``count`` (None: forever) periods of ``length``, one every ``every``, from ``first``
    (naive wall time)."""

    text: str
    first: datetime
    every: timedelta
    count: int | None
    length: timedelta

    def periods(self, start: datetime, end: datetime, tz: ZoneInfo) -> Iterator[Period]:
        """Only the repetitions near the window are computed."""
        lo = (start - self.length).astimezone(tz).replace(tzinfo=None) - timedelta(days=1)
        hi = end.astimezone(tz).replace(tzinfo=None) + timedelta(days=1)
        k = max(0, (lo - self.first) // self.every)
        found = set()
        while self.count is None or k < self.count:
            local = self.first + k * self.every
            if local > hi:
                break
            begin = local.replace(tzinfo=tz).astimezone(UTC)
            finish = wall_add(local, self.length, tz)
            if begin < end and finish > start and finish > begin:
                found.add((begin, finish))
            k += 1
        yield from sorted(found)

    def describe(self) -> str:
        """The expression and the length."""
        return f"{self.text} for {self.length}"


def parse_repeating(text: str) -> tuple[datetime, timedelta, int | None]:
    """``R[n]/<start>/<period>`` → (naive wall-time start, period, count or None)."""
    if not isinstance(text, str):
        raise ValueError("must be a string such as R/2026-01-05T06:30/P1D")
    parts = text.strip().split("/")
    if len(parts) != 3 or not parts[0].upper().startswith("R"):
        raise ValueError(f"{text[:60]!r} is not an ISO 8601 repeating interval"
                         " R[n]/<start>/<period> such as R/2026-01-05T06:30/P1D")
    reps = parts[0][1:]
    if reps and (not reps.isdigit() or int(reps) == 0):
        raise ValueError(f"{parts[0]!r}: the repetition count must be a positive number")
    try:
        first = datetime.fromisoformat(parts[1])
    except ValueError:
        raise ValueError(f"{parts[1][:40]!r} is not an ISO 8601 start such as"
                         " 2026-01-05T06:30") from None
    if first.tzinfo is not None:
        raise ValueError(f"{parts[1]!r}: give the start as wall-clock time, without an offset"
                         " (the zone's time zone applies)")
    if not 2000 <= first.year <= 2200:
        raise ValueError(f"{parts[1]!r} is outside the years 2000-2200")
    try:
        every = parse_duration(parts[2])
    except ValueError as e:
        raise ValueError(f"period {e}") from None
    if every < MIN_PERIOD:
        raise ValueError(f"period {parts[2]!r} is shorter than a minute (a thermostat's"
                         " schedule needs no finer steps)")
    return first, every, (int(reps) if reps else None)


class RepeatingScheduler:
    """ISO 8601 repeating intervals."""

    name: ClassVar[str] = "iso8601"
    description: ClassVar[str] = ("An ISO 8601 repeating interval R[n]/<start>/<period>"
                                  " (wall-clock start): a period of 'duration' begins at the"
                                  " start and then every <period>, n times or forever.")
    schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False, "required": ["repeat"],
        "properties": {
            "repeat": {"type": "string", "minLength": 1, "maxLength": 100,
                       "description": "R[n]/<start>/<period>",
                       "examples": ["R/2026-01-05T06:30/P1D", "R10/2026-01-05T17:00/P2D"]},
            "duration": {**_DURATION_SCHEMA,
                         "description": "length of each period (default: the period)"},
        }}

    @classmethod
    def parse(cls, params: Mapping[str, Any]) -> RepeatingPeriods:
        """``{"repeat", "duration"?}``."""
        first, every, count = _param(params, "repeat", parse_repeating)
        length = every
        if "duration" in params:
            length = _param(params, "duration", parse_duration)
        return RepeatingPeriods(str(params["repeat"]), first, every, count, length)


BUILTIN: dict[str, SchedulerPlugin] = {p.name: p for p in (  # type: ignore[misc]
    WeeklyScheduler, CronScheduler, RepeatingScheduler)}


def installed_schedulers() -> dict[str, SchedulerPlugin]:
    """The plugins of ``rpymostat.schedulers`` (the built-in ones if none are installed)."""
    return load_plugins(ENTRY_POINT_GROUP) or dict(BUILTIN)
