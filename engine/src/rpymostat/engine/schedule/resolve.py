"""Which rule sets a zone's target when: precedence and the plan (pure functions).

Precedence, most specific first (``LEVELS``): an adjustment ("make it 22 now"), an override
(a one-time period), a dated schedule (one with validity dates), a weekly schedule (no
dates), the zone's default. Ties between rules of the same kind are resolved by this rule:
**the one whose current period began most recently wins; if they began at the same moment,
the one created last wins.** So "evenings 18:00-20:00 at 22 °C" wins over "days 06:00-23:00
at 20 °C" from 18:00 to 20:00, and a newer override wins over an older one it overlaps.

:func:`resolve` turns candidate periods into a partition of a window: consecutive segments,
each with its winning rule and the moment that rule's period began.
"""

import heapq
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

LEVELS = {"default": 0, "schedule": 1, "dated-schedule": 2, "override": 3, "adjustment": 4}


@dataclass(frozen=True)
class Target:
    """A temperature in °C or the name of one of the zone's presets."""

    value: float | None = None
    preset: str | None = None

    def to_json(self) -> float | str:
        """As the API writes it: the number or the preset name."""
        return self.preset if self.preset is not None else float(self.value or 0.0)


@dataclass(frozen=True)
class Rule:
    """Anything that can set a target: its kind (a key of LEVELS), id, name and order."""

    kind: str
    id: str
    name: str
    target: Target
    seq: int = 0

    @property
    def level(self) -> int:
        """Its rank in the precedence (higher wins)."""
        return LEVELS[self.kind]

    def to_json(self) -> dict[str, object]:
        """As the API shows a winning rule."""
        return {"kind": self.kind, "id": self.id, "name": self.name}


@dataclass(frozen=True)
class Candidate:
    """One period during which ``rule`` applies."""

    rule: Rule
    start: datetime
    end: datetime

    @property
    def key(self) -> tuple[int, datetime, int]:
        """Larger wins: kind, then the later start, then the later creation."""
        return (self.rule.level, self.start, self.rule.seq)


@dataclass(frozen=True)
class Segment:
    """Part of a plan: from ``start`` to ``end`` the target is ``rule``'s, whose period began
    at ``since`` (None for the zone default)."""

    start: datetime
    end: datetime
    rule: Rule
    since: datetime | None


def winner(candidates: Iterable[Candidate], at: datetime) -> Candidate | None:
    """The most specific candidate applying at ``at`` (None: the default applies)."""
    applying = [c for c in candidates if c.start <= at < c.end]
    return max(applying, key=lambda c: c.key, default=None)


def ranked(candidates: Iterable[Candidate], at: datetime) -> list[Candidate]:
    """Every candidate applying at ``at``, the winner first."""
    return sorted((c for c in candidates if c.start <= at < c.end), key=lambda c: c.key,
                  reverse=True)


def resolve(candidates: Sequence[Candidate], start: datetime, end: datetime,
            default: Rule) -> list[Segment]:
    """The plan of ``[start, end)``: consecutive segments covering it, each with its winner;
    neighbours with the same winner are merged."""
    if end <= start:
        return []
    relevant = sorted((c for c in candidates if c.start < end and c.end > start),
                      key=lambda c: c.start)
    bounds = sorted({start, end, *(c.start for c in relevant if c.start > start),
                     *(c.end for c in relevant if c.end < end)})
    heap: list[tuple[tuple[int, float, int], int, Candidate]] = []
    segments: list[Segment] = []
    i = 0
    for a, b in itertools.pairwise(bounds):
        while i < len(relevant) and relevant[i].start <= a:
            c = relevant[i]
            heapq.heappush(heap, ((-c.rule.level, -c.start.timestamp(), -c.rule.seq), i, c))
            i += 1
        while heap and heap[0][2].end <= a:
            heapq.heappop(heap)
        top = heap[0][2] if heap else None
        rule, since = (top.rule, top.start) if top else (default, None)
        last = segments[-1] if segments else None
        if last is not None and last.rule == rule:
            segments[-1] = Segment(last.start, b, rule, last.since)
        else:
            segments.append(Segment(a, b, rule, since))
    return segments
