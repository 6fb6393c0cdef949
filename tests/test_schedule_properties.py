"""Properties of the plan: resolve() partitions its window, each segment's rule is the most
specific applicable candidate (checked by brute force), boundaries come from the candidates,
and plan() over random weekly/cron schedules and one-offs agrees with a brute-force timeline
computed independently from the parameters."""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rpymostat.engine.schedule.resolve import LEVELS, Candidate, Rule, Segment, Target, resolve
from rpymostat.engine.schedule.rules import (
    OPEN_END,
    OneOff,
    Schedule,
    ZoneRules,
    plan,
    segment_at,
)
from rpymostat.engine.schedule.schedulers import BUILTIN

PROPS = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.too_slow])
T0 = datetime(2026, 3, 1, tzinfo=UTC)  # March: New York changes on the 8th, Berlin the 29th
BASES = [T0, datetime(2026, 10, 18, tzinfo=UTC)]  # fall back: Berlin Oct 25, New York Nov 1
DST_DAYS = [datetime(2026, 3, 8, 12, tzinfo=UTC), datetime(2026, 3, 29, 12, tzinfo=UTC),
            datetime(2026, 10, 25, 12, tzinfo=UTC), datetime(2026, 11, 1, 12, tzinfo=UTC)]
MIN = timedelta(minutes=1)
DEFAULT = Rule("default", "default", "Default", Target(16.0))
KINDS = [k for k in LEVELS if k != "default"]
ZONES = [ZoneInfo("UTC"), ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")]


# -- brute force -----------------------------------------------------------------------------


def brute_winner(cands: list[Candidate], at: datetime) -> Candidate | None:
    """The most specific candidate covering ``at``: max of (level, start, seq)."""
    best: Candidate | None = None
    for c in cands:
        if c.start <= at < c.end and (best is None or (c.rule.level, c.start, c.rule.seq)
                                      > (best.rule.level, best.start, best.rule.seq)):
            best = c
    return best


def brute_rule(cands: list[Candidate], at: datetime) -> Rule:
    found = brute_winner(cands, at)
    return DEFAULT if found is None else found.rule


def check_partition(segments: list[Segment], start: datetime, end: datetime) -> None:
    assert segments, "a non-empty window has at least one segment"
    assert segments[0].start == start
    assert segments[-1].end == end
    for seg in segments:
        assert seg.start < seg.end, seg
    for a, b in pairwise(segments):
        assert a.end == b.start
        assert a.rule != b.rule, (a, b)


def check_against_brute(segments: list[Segment], cands: list[Candidate],
                        instants: list[datetime]) -> None:
    for at in instants:
        seg = segment_at(segments, at)
        assert seg is not None, at
        assert seg.rule == brute_rule(cands, at), at
    for seg in segments:
        first = brute_winner(cands, seg.start)
        assert seg.since == (None if first is None else first.start), seg
        assert seg.rule == (DEFAULT if first is None else first.rule)


def inside(start: datetime, end: datetime, moments: set[datetime]) -> list[datetime]:
    """The moments in [start, end), and the minute before each."""
    picked = {m for m in moments if start <= m < end}
    picked |= {m - MIN for m in moments if start <= m - MIN < end}
    return sorted(picked)


# -- (a), (b), (d): resolve() on random candidates -------------------------------------------


@st.composite
def candidate_sets(draw: st.DrawFn) -> tuple[list[Candidate], datetime, datetime]:
    n_rules = draw(st.integers(1, 6))
    seqs = draw(st.permutations(list(range(n_rules))))
    rules = [Rule(draw(st.sampled_from(KINDS)), f"r{i}", f"Rule {i}", Target(20.0 + i),
                  seqs[i]) for i in range(n_rules)]
    quarter = timedelta(minutes=15)
    cands = []
    for _ in range(draw(st.integers(0, 14))):
        start = T0 + draw(st.integers(-40, 200)) * quarter
        length = draw(st.integers(0, 60)) * quarter
        cands.append(Candidate(draw(st.sampled_from(rules)), start, start + length))
    start = T0 + draw(st.integers(-20, 100)) * quarter
    end = start + draw(st.integers(1, 200)) * quarter
    return cands, start, end


instants_in = st.lists(st.floats(0.0, 1.0, allow_nan=False, exclude_max=True), max_size=20)


def spread(start: datetime, end: datetime, fractions: list[float]) -> list[datetime]:
    span = (end - start).total_seconds()
    return [start + timedelta(seconds=int(f * span)) for f in fractions]


@PROPS
@given(candidate_sets())
def test_resolve_is_a_partition(case: tuple[list[Candidate], datetime, datetime]) -> None:
    cands, start, end = case
    check_partition(resolve(cands, start, end, DEFAULT), start, end)


@PROPS
@given(candidate_sets(), instants_in)
def test_resolve_agrees_with_brute_force(case: tuple[list[Candidate], datetime, datetime],
                                         fractions: list[float]) -> None:
    cands, start, end = case
    segments = resolve(cands, start, end, DEFAULT)
    bounds = {c.start for c in cands} | {c.end for c in cands} | {start}
    check_against_brute(segments, cands,
                        spread(start, end, fractions) + inside(start, end, bounds))


@PROPS
@given(candidate_sets())
def test_resolve_boundaries_come_from_candidates(
        case: tuple[list[Candidate], datetime, datetime]) -> None:
    cands, start, end = case
    segments = resolve(cands, start, end, DEFAULT)
    allowed = {start, end} | {c.start for c in cands} | {c.end for c in cands}
    for seg in segments:
        assert seg.start in allowed
        assert seg.end in allowed


@PROPS
@given(candidate_sets())
def test_resolve_ignores_candidate_order(
        case: tuple[list[Candidate], datetime, datetime]) -> None:
    cands, start, end = case
    assert resolve(cands[::-1], start, end, DEFAULT) == resolve(cands, start, end, DEFAULT)


# -- (c): plan() on random schedules and one-offs --------------------------------------------


@dataclass(frozen=True)
class WeeklySpec:
    days: frozenset[int]  # Monday = 0
    begin: time
    finish: time | None   # None: 24:00

    def params(self) -> dict[str, Any]:
        names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        return {"days": [names[d] for d in sorted(self.days)],
                "from": self.begin.strftime("%H:%M"),
                "to": "24:00" if self.finish is None else self.finish.strftime("%H:%M")}

    def periods(self, lo: datetime, hi: datetime, tz: ZoneInfo
                ) -> list[tuple[datetime, datetime]]:
        out = []
        day = lo.astimezone(tz).date() - timedelta(days=2)
        while day <= hi.astimezone(tz).date():
            if day.weekday() in self.days:
                a = datetime(day.year, day.month, day.day, self.begin.hour, self.begin.minute,
                             tzinfo=tz)
                if self.finish is None:
                    nxt = day + timedelta(days=1)
                    b = datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz)
                else:
                    end_day = day + timedelta(days=1) if self.finish < self.begin else day
                    b = datetime(end_day.year, end_day.month, end_day.day, self.finish.hour,
                                 self.finish.minute, tzinfo=tz)
                out.append((a.astimezone(UTC), b.astimezone(UTC)))
            day += timedelta(days=1)
        return out


@dataclass(frozen=True)
class CronLike:
    minute: int
    hours: frozenset[int]
    weekdays: frozenset[int] | None  # cron numbering, Sunday = 0; None: '*'
    length: timedelta

    def params(self) -> dict[str, Any]:
        dow = "*" if self.weekdays is None else ",".join(map(str, sorted(self.weekdays)))
        hours = ",".join(map(str, sorted(self.hours)))
        return {"cron": f"{self.minute} {hours} * * {dow}",
                "duration": f"PT{int(self.length / MIN)}M"}

    def periods(self, lo: datetime, hi: datetime, tz: ZoneInfo
                ) -> list[tuple[datetime, datetime]]:
        out = []
        day = (lo - self.length).astimezone(tz).date() - timedelta(days=2)
        while day <= hi.astimezone(tz).date():
            cron_dow = (day.weekday() + 1) % 7
            if self.weekdays is None or cron_dow in self.weekdays:
                for h in sorted(self.hours):
                    wall = datetime(day.year, day.month, day.day, h, self.minute)
                    later = wall + self.length
                    out.append((wall.replace(tzinfo=tz).astimezone(UTC),
                                later.replace(tzinfo=tz).astimezone(UTC)))
            day += timedelta(days=1)
        return out


@dataclass(frozen=True)
class RepeatLike:
    first: datetime  # naive wall time
    every: timedelta
    count: int | None
    length: timedelta

    def params(self) -> dict[str, Any]:
        count = "" if self.count is None else str(self.count)
        return {"repeat": f"R{count}/{self.first:%Y-%m-%dT%H:%M}/PT{int(self.every / MIN)}M",
                "duration": f"PT{int(self.length / MIN)}M"}

    def periods(self, lo: datetime, hi: datetime, tz: ZoneInfo
                ) -> list[tuple[datetime, datetime]]:
        out = []
        k = 0
        last = hi.astimezone(tz).replace(tzinfo=None) + timedelta(days=1)
        while (self.count is None or k < self.count) and self.first + k * self.every <= last:
            wall = self.first + k * self.every
            out.append((wall.replace(tzinfo=tz).astimezone(UTC),
                        (wall + self.length).replace(tzinfo=tz).astimezone(UTC)))
            k += 1
        return out


Spec = WeeklySpec | CronLike | RepeatLike
SCHEDULER = {WeeklySpec: "weekly", CronLike: "cron", RepeatLike: "iso8601"}


@dataclass(frozen=True)
class ScheduleCase:
    spec: Spec
    valid_from: datetime | None
    valid_until: datetime | None


@dataclass(frozen=True)
class PlanCase:
    tz: ZoneInfo
    schedules: list[ScheduleCase]
    oneoffs: list[tuple[str, datetime, timedelta | None]]
    start: datetime
    end: datetime


# times of day around the DST changes (01:00-03:00) come up more often than the others
half_hours = (st.integers(0, 47) | st.integers(2, 6)).map(lambda i: time(i // 2, 30 * (i % 2)))
hours_of_day = st.integers(0, 23) | st.integers(1, 2)


@st.composite
def weekly_specs(draw: st.DrawFn) -> WeeklySpec:
    days = draw(st.frozensets(st.integers(0, 6), min_size=1))
    begin = draw(half_hours)
    finish = draw(st.none() | half_hours.filter(lambda t: t != begin))
    return WeeklySpec(days, begin, finish)


@st.composite
def cron_specs(draw: st.DrawFn) -> CronLike:
    return CronLike(draw(st.sampled_from([0, 15, 30, 45])),
                    draw(st.frozensets(hours_of_day, min_size=1, max_size=2)),
                    draw(st.none() | st.frozensets(st.integers(0, 6), min_size=1)),
                    draw(st.integers(1, 40)) * timedelta(minutes=15))


@st.composite
def repeat_specs(draw: st.DrawFn, near: datetime) -> RepeatLike:
    first = near.replace(tzinfo=None, minute=0) - timedelta(days=3) \
        + draw(st.integers(0, 300)) * timedelta(minutes=30)
    return RepeatLike(first, draw(st.integers(2, 6 * 24)) * timedelta(minutes=30),
                      draw(st.none() | st.integers(1, 40)),
                      draw(st.integers(1, 40)) * timedelta(minutes=15))


@st.composite
def plan_cases(draw: st.DrawFn) -> PlanCase:
    tz = draw(st.sampled_from(ZONES))
    start = draw(st.sampled_from(BASES + DST_DAYS)) \
        + draw(st.integers(0, 35 * 24) | st.integers(-48, 0)) * timedelta(hours=1) \
        + draw(st.sampled_from([0, 15, 30])) * MIN
    end = start + draw(st.integers(1, 3 * 24 * 4)) * timedelta(minutes=15)
    moment = st.integers(-2 * 24 * 4, 4 * 24 * 4).map(lambda q: start + q * timedelta(minutes=15))
    schedules = []
    for _ in range(draw(st.integers(0, 3))):
        spec: Spec = draw(weekly_specs() | cron_specs() | repeat_specs(start))
        valid_from = draw(st.none() | moment)
        valid_until = draw(st.none() | moment)
        schedules.append(ScheduleCase(spec, valid_from, valid_until))
    oneoffs = []
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["override", "adjustment"]))
        length = draw(st.none() | st.integers(1, 24 * 4).map(lambda q: q * timedelta(minutes=15)))
        oneoffs.append((kind, draw(moment), length))
    return PlanCase(tz, schedules, oneoffs, start, end)


def build_rules(case: PlanCase) -> tuple[ZoneRules, list[Rule], list[OneOff]]:
    schedules = []
    rules = []
    for i, sc in enumerate(case.schedules):
        dated = sc.valid_from is not None or sc.valid_until is not None
        r = Rule("dated-schedule" if dated else "schedule", f"s{i}", f"Schedule {i}",
                 Target(18.0 + i), seq=i)
        name = SCHEDULER[type(sc.spec)]
        params = sc.spec.params()
        schedules.append(Schedule(r, name, params, BUILTIN[name].parse(params),
                                  sc.valid_from, sc.valid_until))
        rules.append(r)
    oneoffs = []
    for j, (kind, begin, length) in enumerate(case.oneoffs):
        r = Rule(kind, f"o{j}", f"One-off {j}", Target(22.0 + j), seq=100 + j)
        oneoffs.append(OneOff(r, begin, None if length is None else begin + length))
    return ZoneRules(case.tz, DEFAULT, tuple(schedules), tuple(oneoffs)), rules, oneoffs


def brute_schedule_candidates(case: PlanCase, rules: list[Rule], lo: datetime, hi: datetime
                              ) -> list[Candidate]:
    found = []
    for sc, r in zip(case.schedules, rules, strict=True):
        for begin, finish in sc.spec.periods(lo, hi, case.tz):
            a = begin if sc.valid_from is None else max(begin, sc.valid_from)
            b = finish if sc.valid_until is None else min(finish, sc.valid_until)
            if a < b and a < hi and b > lo:
                found.append(Candidate(r, a, b))
    return found


HORIZON = timedelta(days=16)  # past every validity date, then two full weeks


def brute_next_change(sched: list[Candidate], after: datetime) -> datetime | None:
    """The first candidate boundary after ``after`` where the schedules' rule differs."""
    now_rule = brute_rule(sched, after)
    for b in sorted({c.start for c in sched} | {c.end for c in sched}):
        if after < b < after + HORIZON and brute_rule(sched, b) != now_rule:
            return b
    return None


def brute_plan_candidates(case: PlanCase, rules: list[Rule], oneoffs: list[OneOff]
                          ) -> list[Candidate]:
    lo = min([case.start, *(o.start for o in oneoffs)]) - timedelta(days=1)
    hi = max([case.end, *(o.start for o in oneoffs)]) + HORIZON + timedelta(days=1)
    sched = brute_schedule_candidates(case, rules, lo, hi)
    found = list(sched)
    for o in oneoffs:
        end = o.end
        if end is None:
            end = brute_next_change(sched, o.start) or o.start + OPEN_END
        found.append(Candidate(o.rule, o.start, end))
    return found


@settings(PROPS, max_examples=120)
@given(plan_cases(), instants_in)
def test_plan_agrees_with_brute_force(case: PlanCase, fractions: list[float]) -> None:
    zone_rules, rules, oneoffs = build_rules(case)
    segments = plan(zone_rules, case.start, case.end)
    check_partition(segments, case.start, case.end)
    cands = brute_plan_candidates(case, rules, oneoffs)
    bounds = {c.start for c in cands} | {c.end for c in cands} | {case.start}
    check_against_brute(segments, cands, spread(case.start, case.end, fractions)
                        + inside(case.start, case.end, bounds))
    allowed = {case.start, case.end} | {c.start for c in cands} | {c.end for c in cands}
    assert {s.start for s in segments} <= allowed


@st.composite
def period_cases(draw: st.DrawFn) -> tuple[Spec, ZoneInfo, datetime, datetime]:
    tz = draw(st.sampled_from(ZONES))
    start = draw(st.sampled_from(DST_DAYS)) + draw(st.integers(-72, 24)) * timedelta(hours=1) \
        + draw(st.sampled_from([0, 15, 30])) * MIN
    end = start + draw(st.integers(1, 4 * 24 * 4)) * timedelta(minutes=15)
    spec: Spec = draw(weekly_specs() | cron_specs() | repeat_specs(start))
    return spec, tz, start, end


@settings(PROPS, max_examples=200)
@given(period_cases())
def test_periods_follow_the_wall_clock_rule(
        case: tuple[Spec, ZoneInfo, datetime, datetime]) -> None:
    """Each scheduler's periods overlapping a window near a DST change, in order, equal the
    ones computed from the parameters (skipped times after the jump, repeated ones once)."""
    spec, tz, start, end = case
    recurrence = BUILTIN[SCHEDULER[type(spec)]].parse(spec.params())
    expected = sorted((a, b) for a, b in spec.periods(start, end, tz)
                      if a < b and a < end and b > start)
    found = list(recurrence.periods(start, end, tz))
    assert found == sorted(found)
    assert found == expected
