"""A zone's rules (schedules, overrides, the adjustment) and their timeline (pure).

:func:`plan` is what ``GET /v1/zones/<z>/plan`` shows and what the decisions follow;
:func:`next_change` is "the next scheduled change" that overrides and adjustments may end at:
the first moment after a given time at which the schedules (dated or weekly, or the default)
hand the zone to another rule.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from .resolve import Candidate, Rule, Segment, resolve
from .schedulers import Recurrence

NEXT_CHANGE_STEP = timedelta(days=8)
NEXT_CHANGE_HORIZON = timedelta(days=370)
OPEN_END = timedelta(days=3650)  # "until the next change" when the schedules never change


@dataclass(frozen=True)
class Schedule:
    """A recurring rule, optionally only between two moments (then it is *dated*)."""

    rule: Rule
    scheduler: str
    params: dict[str, object]
    recurrence: Recurrence = field(compare=False)
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    @property
    def dated(self) -> bool:
        """Whether it has validity dates (it then beats undated schedules)."""
        return self.valid_from is not None or self.valid_until is not None

    def candidates(self, start: datetime, end: datetime, tz: ZoneInfo) -> Iterator[Candidate]:
        """Its periods overlapping ``[start, end)``, clipped to its validity."""
        lo = max(start, self.valid_from) if self.valid_from else start
        hi = min(end, self.valid_until) if self.valid_until else end
        if lo >= hi:
            return
        for period_start, period_end in self.recurrence.periods(lo, hi, tz):
            begin = max(period_start, self.valid_from) if self.valid_from else period_start
            finish = min(period_end, self.valid_until) if self.valid_until else period_end
            if begin < finish:
                yield Candidate(self.rule, begin, finish)


@dataclass(frozen=True)
class OneOff:
    """An override or the adjustment: from ``start`` to ``end``, or until the next scheduled
    change after ``start`` when ``end`` is None."""

    rule: Rule
    start: datetime
    end: datetime | None

    @property
    def until_next_change(self) -> bool:
        """Whether it ends at the next scheduled change."""
        return self.end is None


@dataclass(frozen=True)
class ZoneRules:
    """Everything that sets one zone's target."""

    tz: ZoneInfo
    default: Rule
    schedules: tuple[Schedule, ...] = ()
    oneoffs: tuple[OneOff, ...] = ()


def schedule_candidates(rules: ZoneRules, start: datetime, end: datetime) -> list[Candidate]:
    """The schedules' periods overlapping the window."""
    return [c for s in rules.schedules for c in s.candidates(start, end, rules.tz)]


def next_change(rules: ZoneRules, after: datetime) -> datetime | None:
    """The first moment after ``after`` at which the schedules' winner changes (None when it
    does not change within ``NEXT_CHANGE_HORIZON``). Looked for a step at a time."""
    current = None
    lo = after
    while lo - after < NEXT_CHANGE_HORIZON:
        hi = lo + NEXT_CHANGE_STEP
        segments = resolve(schedule_candidates(rules, lo, hi), lo, hi, rules.default)
        if current is None:
            current = segments[0].rule
        for seg in segments:
            if seg.rule != current:
                return seg.start
        lo = hi
    return None


def oneoff_end(rules: ZoneRules, oneoff: OneOff) -> datetime:
    """When a one-off ends (its own end, or the next scheduled change)."""
    if oneoff.end is not None:
        return oneoff.end
    return next_change(rules, oneoff.start) or oneoff.start + OPEN_END


def candidates(rules: ZoneRules, start: datetime, end: datetime) -> list[Candidate]:
    """Every rule's periods overlapping ``[start, end)``."""
    found = schedule_candidates(rules, start, end)
    for oneoff in rules.oneoffs:
        finish = oneoff_end(rules, oneoff)
        if oneoff.start < end and finish > start:
            found.append(Candidate(oneoff.rule, oneoff.start, finish))
    return found


def plan(rules: ZoneRules, start: datetime, end: datetime) -> list[Segment]:
    """The zone's target timeline over ``[start, end)``."""
    return resolve(candidates(rules, start, end), start, end, rules.default)


def segment_at(segments: Sequence[Segment], at: datetime) -> Segment | None:
    """The segment containing ``at``."""
    for seg in segments:
        if seg.start <= at < seg.end:
            return seg
    return None
