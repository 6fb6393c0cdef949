"""Schedules resolved into plans, as pure functions on fixed times: weeks of rules, DST in
Berlin and New York, precedence and its tie rule, one-offs that end at the next scheduled
change, leap days, validity dates, counted repeats."""

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from twisted.internet.task import Clock

from rpymostat.engine.schedule.resolve import (
    Candidate,
    Rule,
    Segment,
    Target,
    ranked,
    resolve,
    winner,
)
from rpymostat.engine.schedule.rules import (
    OPEN_END,
    OneOff,
    Schedule,
    ZoneRules,
    candidates,
    next_change,
    oneoff_end,
    plan,
    segment_at,
)
from rpymostat.engine.schedule.schedulers import BUILTIN, Period

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
H = timedelta(hours=1)
DEFAULT = Rule("default", "default", "Default", Target(16.0))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(tz: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0
          ) -> datetime:
    """Wall time in ``tz`` as aware UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=tz).astimezone(UTC)


def rule(kind: str, rid: str, seq: int = 0, value: float = 20.0) -> Rule:
    return Rule(kind, rid, rid.title(), Target(value), seq)


def schedule(r: Rule, scheduler: str, params: dict[str, Any],
             valid_from: datetime | None = None, valid_until: datetime | None = None
             ) -> Schedule:
    return Schedule(r, scheduler, params, BUILTIN[scheduler].parse(params), valid_from,
                    valid_until)


def periods(scheduler: str, params: dict[str, Any], start: datetime, end: datetime,
            tz: ZoneInfo) -> list[Period]:
    return list(BUILTIN[scheduler].parse(params).periods(start, end, tz))


def show(segments: list[Segment], tz: ZoneInfo) -> list[tuple[str, str, str]]:
    """Segments as (local start, local end, rule id)."""
    fmt = "%m-%d %H:%M"
    return [(s.start.astimezone(tz).strftime(fmt), s.end.astimezone(tz).strftime(fmt),
             s.rule.id) for s in segments]


def clock_at(moment: datetime) -> Clock:
    clock = Clock()
    clock.advance(moment.timestamp())
    return clock


def now(clock: Clock) -> datetime:
    return datetime.fromtimestamp(clock.seconds(), UTC)


def assert_partition(segments: list[Segment], start: datetime, end: datetime) -> None:
    assert segments[0].start == start
    assert segments[-1].end == end
    for a, b in pairwise(segments):
        assert a.end == b.start
        assert a.rule != b.rule
    assert all(s.start < s.end for s in segments)


# -- weeks of rules --------------------------------------------------------------------------


WEEKDAYS = rule("schedule", "weekdays", 1, 20.0)
WEEKENDS = rule("schedule", "weekends", 2, 21.0)
EVENING = rule("schedule", "evening", 3, 22.0)


def winter_rules() -> ZoneRules:
    return ZoneRules(BERLIN, DEFAULT, (
        schedule(WEEKDAYS, "weekly", {"days": "mon-fri", "from": "06:30", "to": "22:30"}),
        schedule(WEEKENDS, "weekly", {"days": "weekends", "from": "08:00", "to": "23:00"}),
        schedule(EVENING, "cron", {"cron": "0 18 * * *", "duration": "PT2H"}),
    ))


def test_eight_weeks_of_three_schedules() -> None:
    start = local(BERLIN, 2026, 1, 5)  # a Monday; no DST change until the end of March
    end = start + timedelta(weeks=8)
    segments = plan(winter_rules(), start, end)
    assert_partition(segments, start, end)
    assert show(segments[:12], BERLIN) == [
        ("01-05 00:00", "01-05 06:30", "default"),
        ("01-05 06:30", "01-05 18:00", "weekdays"),
        ("01-05 18:00", "01-05 20:00", "evening"),
        ("01-05 20:00", "01-05 22:30", "weekdays"),
        ("01-05 22:30", "01-06 06:30", "default"),
        ("01-06 06:30", "01-06 18:00", "weekdays"),
        ("01-06 18:00", "01-06 20:00", "evening"),
        ("01-06 20:00", "01-06 22:30", "weekdays"),
        ("01-06 22:30", "01-07 06:30", "default"),
        ("01-07 06:30", "01-07 18:00", "weekdays"),
        ("01-07 18:00", "01-07 20:00", "evening"),
        ("01-07 20:00", "01-07 22:30", "weekdays"),
    ]
    saturday = [s for s in segments if s.start.astimezone(BERLIN).date().isoformat()
                == "2026-01-10"]
    assert show(saturday, BERLIN) == [
        ("01-10 08:00", "01-10 18:00", "weekends"),
        ("01-10 18:00", "01-10 20:00", "evening"),
        ("01-10 20:00", "01-10 23:00", "weekends"),
        ("01-10 23:00", "01-11 08:00", "default"),
    ]
    # the block resumes after the evening: its period still began at 06:30
    assert segments[3].since == local(BERLIN, 2026, 1, 5, 6, 30)
    assert segments[2].since == local(BERLIN, 2026, 1, 5, 18)
    assert segments[0].since is None
    # 56 days of 3 rule segments, with a default one before, between and after
    assert len(segments) == 56 * 3 + 57
    hours: dict[str, float] = {}
    for s in segments:
        hours[s.rule.id] = hours.get(s.rule.id, 0.0) + (s.end - s.start) / H
    assert hours == {"weekdays": 8 * 70, "weekends": 8 * 26, "evening": 8 * 14,
                     "default": 8 * 58}
    # every week looks the same in wall-clock time
    week = show(segments, BERLIN)
    first_tuesday = [(a[6:], b[6:], r) for a, b, r in week if a.startswith("01-06")]
    last_tuesday = [(a[6:], b[6:], r) for a, b, r in week if a.startswith("02-24")]
    assert first_tuesday == last_tuesday == [
        ("06:30", "18:00", "weekdays"), ("18:00", "20:00", "evening"),
        ("20:00", "22:30", "weekdays"), ("22:30", "06:30", "default")]


def test_plan_window_inside_a_period() -> None:
    start = local(BERLIN, 2026, 1, 5, 12)
    segments = plan(winter_rules(), start, start + 7 * H)
    assert show(segments, BERLIN) == [
        ("01-05 12:00", "01-05 18:00", "weekdays"),
        ("01-05 18:00", "01-05 19:00", "evening"),
    ]
    assert segments[0].since == local(BERLIN, 2026, 1, 5, 6, 30)


def test_resolve_empty_or_backwards_window() -> None:
    at = utc(2026, 1, 5)
    c = Candidate(WEEKDAYS, at, at + H)
    assert resolve([c], at, at, DEFAULT) == []
    assert resolve([c], at + H, at, DEFAULT) == []
    assert resolve([], at, at + H, DEFAULT) == [Segment(at, at + H, DEFAULT, None)]


def test_segment_at() -> None:
    start = local(BERLIN, 2026, 1, 5)
    segments = plan(winter_rules(), start, start + timedelta(days=1))
    assert segment_at(segments, local(BERLIN, 2026, 1, 5, 18)) == segments[2]
    assert segment_at(segments, local(BERLIN, 2026, 1, 5, 17, 59)) == segments[1]
    assert segment_at(segments, start - H) is None
    assert segment_at(segments, start + timedelta(days=1)) is None


# -- DST -------------------------------------------------------------------------------------


def test_berlin_spring_forward_cron_start_in_the_gap() -> None:
    # 2026-03-29 02:00 CET jumps to 03:00 CEST (01:00 UTC); 02:30 happens at 03:30 CEST
    found = periods("cron", {"cron": "30 2 * * *", "duration": "PT4H"},
                    utc(2026, 3, 28), utc(2026, 3, 31), BERLIN)
    assert found == [
        (utc(2026, 3, 28, 1, 30), utc(2026, 3, 28, 5, 30)),   # 02:30-06:30 CET
        (utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 4, 30)),   # 03:30-06:30 CEST: 3 h
        (utc(2026, 3, 30, 0, 30), utc(2026, 3, 30, 4, 30)),   # 02:30-06:30 CEST
    ]
    assert found[1][0].astimezone(BERLIN).strftime("%H:%M %Z") == "03:30 CEST"


def test_berlin_weekly_blocks_around_spring_forward() -> None:
    day = periods("weekly", {"days": "daily", "from": "06:30", "to": "22:30"},
                  utc(2026, 3, 28), utc(2026, 3, 30, 12), BERLIN)
    assert day == [
        (utc(2026, 3, 28, 5, 30), utc(2026, 3, 28, 21, 30)),
        (utc(2026, 3, 29, 4, 30), utc(2026, 3, 29, 20, 30)),
        (utc(2026, 3, 30, 4, 30), utc(2026, 3, 30, 20, 30)),
    ]
    assert {b.astimezone(BERLIN).strftime("%H:%M") for b, _ in day} == {"06:30"}
    assert [e - b for b, e in day] == [16 * H, 16 * H, 16 * H]
    night = periods("weekly", {"days": "sat", "from": "22:30", "to": "06:30"},
                    utc(2026, 3, 28), utc(2026, 3, 30), BERLIN)
    assert night == [(utc(2026, 3, 28, 21, 30), utc(2026, 3, 29, 4, 30))]  # 7 h
    whole = periods("weekly", {"days": "sun", "from": "00:00", "to": "24:00"},
                    utc(2026, 3, 28), utc(2026, 3, 30), BERLIN)
    assert whole == [(utc(2026, 3, 28, 23), utc(2026, 3, 29, 22))]  # 23 h


def test_berlin_fall_back() -> None:
    # 2026-10-25 03:00 CEST falls back to 02:00 CET (01:00 UTC): 02:30 occurs twice
    found = periods("cron", {"cron": "30 2 * * *", "duration": "PT1H"},
                    utc(2026, 10, 24, 12), utc(2026, 10, 26, 12), BERLIN)
    assert found == [
        (utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 2, 30)),  # 02:30 CEST to 03:30 CET
        (utc(2026, 10, 26, 1, 30), utc(2026, 10, 26, 2, 30)),
    ]
    night = periods("weekly", {"days": "sat", "from": "22:30", "to": "06:30"},
                    utc(2026, 10, 24), utc(2026, 10, 26), BERLIN)
    assert night == [(utc(2026, 10, 24, 20, 30), utc(2026, 10, 25, 5, 30))]  # 9 h
    day = periods("weekly", {"days": "sun", "from": "06:30", "to": "22:30"},
                  utc(2026, 10, 24), utc(2026, 10, 26), BERLIN)
    assert day == [(utc(2026, 10, 25, 5, 30), utc(2026, 10, 25, 21, 30))]  # 16 h
    whole = periods("weekly", {"days": "sun", "from": "00:00", "to": "24:00"},
                    utc(2026, 10, 24), utc(2026, 10, 26), BERLIN)
    assert whole == [(utc(2026, 10, 24, 22), utc(2026, 10, 25, 23))]  # 25 h


def test_new_york_spring_forward_block_starts_after_the_jump() -> None:
    # 2026-03-08 02:00 EST jumps to 03:00 EDT (07:00 UTC)
    found = periods("weekly", {"days": "sun", "from": "02:30", "to": "05:00"},
                    utc(2026, 3, 7), utc(2026, 3, 9), NEW_YORK)
    assert found == [(utc(2026, 3, 8, 7, 30), utc(2026, 3, 8, 9))]
    assert found[0][0].astimezone(NEW_YORK).strftime("%H:%M %Z") == "03:30 EDT"
    rules = ZoneRules(NEW_YORK, DEFAULT, (
        schedule(WEEKDAYS, "weekly", {"days": "sun", "from": "02:30", "to": "05:00"}),))
    segments = plan(rules, utc(2026, 3, 8, 5), utc(2026, 3, 8, 12))
    assert show(segments, NEW_YORK) == [
        ("03-08 00:00", "03-08 03:30", "default"),
        ("03-08 03:30", "03-08 05:00", "weekdays"),
        ("03-08 05:00", "03-08 08:00", "default"),
    ]


def test_new_york_fall_back_firing_happens_once() -> None:
    # 2026-11-01 02:00 EDT falls back to 01:00 EST (06:00 UTC): 01:30 occurs twice
    found = periods("cron", {"cron": "30 1 * * *", "duration": "PT30M"},
                    utc(2026, 10, 31), utc(2026, 11, 3), NEW_YORK)
    assert found == [
        (utc(2026, 10, 31, 5, 30), utc(2026, 10, 31, 6)),
        (utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 7)),  # 01:30 EDT to 02:00 EST (wall)
        (utc(2026, 11, 2, 6, 30), utc(2026, 11, 2, 7)),
    ]
    half_hours = periods("cron", {"cron": "*/30 1 * * *", "duration": "PT30M"},
                         utc(2026, 11, 1), utc(2026, 11, 2), NEW_YORK)
    assert [b for b, _ in half_hours] == [utc(2026, 11, 1, 5), utc(2026, 11, 1, 5, 30)]
    rules = ZoneRules(NEW_YORK, DEFAULT, (
        schedule(EVENING, "cron", {"cron": "*/30 1 * * *", "duration": "PT30M"}),))
    segments = plan(rules, utc(2026, 11, 1, 4), utc(2026, 11, 1, 8))
    assert [(s.start, s.end, s.rule.id) for s in segments] == [
        (utc(2026, 11, 1, 4), utc(2026, 11, 1, 5), "default"),
        (utc(2026, 11, 1, 5), utc(2026, 11, 1, 7), "evening"),
        (utc(2026, 11, 1, 7), utc(2026, 11, 1, 8), "default"),
    ]


def test_periods_come_by_start_on_the_spring_forward_night() -> None:
    """Recurrence.periods promises its periods "by start"; firings in the skipped hour move
    after the jump, so they must not come before the ones that follow them."""
    cron = periods("cron", {"cron": "0,45 2,3 * * *", "duration": "PT10M"},
                   utc(2026, 3, 28, 23), utc(2026, 3, 29, 3), BERLIN)
    # 02:00 and 03:00 both happen at 03:00 CEST (01:00 UTC); 02:45 and 03:45 at 01:45 UTC
    assert set(cron) == {(utc(2026, 3, 29, 1), utc(2026, 3, 29, 1, 10)),
                         (utc(2026, 3, 29, 1, 45), utc(2026, 3, 29, 1, 55))}
    assert [b for b, _ in cron] == sorted(b for b, _ in cron)
    repeat = periods("iso8601", {"repeat": "R/2026-03-29T01:30/PT30M", "duration": "PT20M"},
                     utc(2026, 3, 29), utc(2026, 3, 29, 2), BERLIN)
    assert [b for b, _ in repeat] == sorted(b for b, _ in repeat)


def test_iso8601_daily_repeat_keeps_wall_time_across_dst() -> None:
    found = periods("iso8601", {"repeat": "R/2026-01-05T06:30/P1D", "duration": "PT2H"},
                    utc(2026, 3, 28), utc(2026, 3, 30), BERLIN)
    assert found == [
        (utc(2026, 3, 28, 5, 30), utc(2026, 3, 28, 7, 30)),
        (utc(2026, 3, 29, 4, 30), utc(2026, 3, 29, 6, 30)),
    ]


# -- precedence ------------------------------------------------------------------------------


def test_later_started_period_wins_over_newer_rule() -> None:
    days = rule("schedule", "days", seq=2, value=20.0)      # created last
    evenings = rule("schedule", "evenings", seq=1, value=22.0)
    rules = ZoneRules(BERLIN, DEFAULT, (
        schedule(days, "weekly", {"days": "daily", "from": "06:00", "to": "23:00"}),
        schedule(evenings, "weekly", {"days": "daily", "from": "18:00", "to": "20:00"}),
    ))
    start = local(BERLIN, 2026, 6, 1)
    segments = plan(rules, start, start + timedelta(days=1))
    assert show(segments, BERLIN) == [
        ("06-01 00:00", "06-01 06:00", "default"),
        ("06-01 06:00", "06-01 18:00", "days"),
        ("06-01 18:00", "06-01 20:00", "evenings"),
        ("06-01 20:00", "06-01 23:00", "days"),
        ("06-01 23:00", "06-02 00:00", "default"),
    ]
    assert segments[3].since == local(BERLIN, 2026, 6, 1, 6)


def test_same_start_higher_seq_wins() -> None:
    at = utc(2026, 6, 1, 6)
    old = rule("schedule", "old", seq=1)
    new = rule("schedule", "new", seq=2)
    cands = [Candidate(new, at, at + 3 * H), Candidate(old, at, at + 6 * H)]
    segments = resolve(cands, at - H, at + 8 * H, DEFAULT)
    assert [(s.start, s.end, s.rule.id, s.since) for s in segments] == [
        (at - H, at, "default", None),
        (at, at + 3 * H, "new", at),
        (at + 3 * H, at + 6 * H, "old", at),
        (at + 6 * H, at + 8 * H, "default", None),
    ]
    # the order the candidates come in does not matter
    assert resolve(cands[::-1], at - H, at + 8 * H, DEFAULT) == segments
    assert winner(cands, at + H) == cands[0]
    assert ranked(cands, at + H) == cands
    assert winner(cands, at + 7 * H) is None


def test_newer_override_wins_over_the_one_it_overlaps() -> None:
    at = utc(2026, 6, 1, 10)
    first = rule("override", "first", seq=2)   # created later, but began earlier
    second = rule("override", "second", seq=1)
    cands = [Candidate(first, at, at + 4 * H), Candidate(second, at + 2 * H, at + 3 * H)]
    segments = resolve(cands, at, at + 4 * H, DEFAULT)
    assert [(s.start, s.end, s.rule.id, s.since) for s in segments] == [
        (at, at + 2 * H, "first", at),
        (at + 2 * H, at + 3 * H, "second", at + 2 * H),
        (at + 3 * H, at + 4 * H, "first", at),
    ]


def holiday_rules(oneoffs: tuple[OneOff, ...] = ()) -> ZoneRules:
    weekly = rule("schedule", "weekly", seq=1, value=20.0)
    holiday = rule("dated-schedule", "holiday", seq=2, value=18.0)
    return ZoneRules(BERLIN, DEFAULT, (
        schedule(weekly, "weekly", {"days": "daily", "from": "06:00", "to": "22:00"}),
        schedule(holiday, "weekly", {"days": "daily", "from": "00:00", "to": "24:00"},
                 valid_from=local(BERLIN, 2026, 12, 21),
                 valid_until=local(BERLIN, 2026, 12, 23)),
    ), oneoffs)


def test_dated_schedule_beats_weekly() -> None:
    start = local(BERLIN, 2026, 12, 20)
    segments = plan(holiday_rules(), start, start + timedelta(days=4))
    # the weekly block begins later each morning, but the dated schedule still wins
    assert show(segments, BERLIN) == [
        ("12-20 00:00", "12-20 06:00", "default"),
        ("12-20 06:00", "12-20 22:00", "weekly"),
        ("12-20 22:00", "12-21 00:00", "default"),
        ("12-21 00:00", "12-23 00:00", "holiday"),
        ("12-23 00:00", "12-23 06:00", "default"),
        ("12-23 06:00", "12-23 22:00", "weekly"),
        ("12-23 22:00", "12-24 00:00", "default"),
    ]
    assert segments[3].since == local(BERLIN, 2026, 12, 21)


def test_override_beats_dated_and_adjustment_beats_override() -> None:
    override = OneOff(rule("override", "override", seq=3, value=23.0),
                      local(BERLIN, 2026, 12, 20, 20), local(BERLIN, 2026, 12, 21, 2))
    adjustment = OneOff(rule("adjustment", "adjustment", seq=4, value=19.0),
                        local(BERLIN, 2026, 12, 20, 19), local(BERLIN, 2026, 12, 20, 21))
    start = local(BERLIN, 2026, 12, 20, 12)
    segments = plan(holiday_rules((override, adjustment)), start, start + 18 * H)
    assert show(segments, BERLIN) == [
        ("12-20 12:00", "12-20 19:00", "weekly"),
        ("12-20 19:00", "12-20 21:00", "adjustment"),  # although the override began later
        ("12-20 21:00", "12-21 02:00", "override"),    # although the holiday began later
        ("12-21 02:00", "12-21 06:00", "holiday"),
    ]
    assert segments[2].since == local(BERLIN, 2026, 12, 20, 20)


# -- one-offs until the next scheduled change ------------------------------------------------


def office_rules(oneoffs: tuple[OneOff, ...] = ()) -> ZoneRules:
    return ZoneRules(BERLIN, DEFAULT, (
        schedule(WEEKDAYS, "weekly", {"days": "mon-fri", "from": "06:30", "to": "22:30"}),),
        oneoffs)


BOOST = rule("override", "boost", seq=10, value=24.0)


def test_override_until_next_change_ends_at_the_schedule_boundary() -> None:
    clock = clock_at(local(BERLIN, 2026, 6, 1, 10))  # a Monday
    boost = OneOff(BOOST, now(clock), None)
    rules = office_rules((boost,))
    assert boost.until_next_change
    assert next_change(rules, now(clock)) == local(BERLIN, 2026, 6, 1, 22, 30)
    assert oneoff_end(rules, boost) == local(BERLIN, 2026, 6, 1, 22, 30)
    segments = plan(rules, now(clock), now(clock) + timedelta(days=1))
    assert show(segments, BERLIN) == [
        ("06-01 10:00", "06-01 22:30", "boost"),
        ("06-01 22:30", "06-02 06:30", "default"),
        ("06-02 06:30", "06-02 10:00", "weekdays"),
    ]
    clock.advance(12 * 3600 + 29 * 60)
    assert segment_at(segments, now(clock)) == segments[0]
    clock.advance(60)
    assert segment_at(segments, now(clock)) == segments[1]


def test_override_starting_on_a_boundary_ends_at_the_following_one() -> None:
    at = local(BERLIN, 2026, 6, 1, 22, 30)
    boost = OneOff(BOOST, at, None)
    rules = office_rules((boost,))
    assert next_change(rules, at) == local(BERLIN, 2026, 6, 2, 6, 30)
    assert oneoff_end(rules, boost) == local(BERLIN, 2026, 6, 2, 6, 30)
    morning = local(BERLIN, 2026, 6, 2, 6, 30)
    boost2 = OneOff(BOOST, morning, None)
    assert oneoff_end(office_rules((boost2,)), boost2) == local(BERLIN, 2026, 6, 2, 22, 30)


def test_override_on_friday_night_lasts_the_weekend() -> None:
    at = local(BERLIN, 2026, 6, 5, 23)  # Friday
    boost = OneOff(BOOST, at, None)
    rules = office_rules((boost,))
    assert oneoff_end(rules, boost) == local(BERLIN, 2026, 6, 8, 6, 30)
    segments = plan(rules, at, at + timedelta(days=3))
    assert show(segments, BERLIN) == [
        ("06-05 23:00", "06-08 06:30", "boost"),
        ("06-08 06:30", "06-08 22:30", "weekdays"),
        ("06-08 22:30", "06-08 23:00", "default"),
    ]


def test_next_change_more_than_a_step_away() -> None:
    later = rule("dated-schedule", "later", seq=2)
    start = local(BERLIN, 2026, 6, 1)
    rules = ZoneRules(BERLIN, DEFAULT, (
        schedule(later, "weekly", {"days": "daily", "from": "00:00", "to": "24:00"},
                 valid_from=start + timedelta(days=20, hours=5)),))
    assert next_change(rules, start) == start + timedelta(days=20, hours=5)
    # once it applies, it never hands over again: the same rule every day is no change
    assert next_change(rules, start + timedelta(days=21)) is None


def test_adjustment_until_next_change_ignores_overrides() -> None:
    at = local(BERLIN, 2026, 6, 1, 10)
    adjust = OneOff(rule("adjustment", "adjust", seq=11, value=21.5), at, None)
    meeting = OneOff(rule("override", "meeting", seq=12, value=23.0), at + 2 * H, at + 3 * H)
    rules = office_rules((adjust, meeting))
    segments = plan(rules, at, at + 14 * H)
    assert show(segments, BERLIN) == [
        ("06-01 10:00", "06-01 22:30", "adjust"),
        ("06-01 22:30", "06-02 00:00", "default"),
    ]


def test_one_off_until_next_change_when_schedules_never_change() -> None:
    at = utc(2026, 6, 1, 10)
    boost = OneOff(BOOST, at, None)
    empty = ZoneRules(BERLIN, DEFAULT, (), (boost,))
    assert next_change(empty, at) is None
    assert oneoff_end(empty, boost) == at + OPEN_END
    assert candidates(empty, at, at + timedelta(days=30)) == [
        Candidate(BOOST, at, at + OPEN_END)]
    segments = plan(empty, at - H, at + timedelta(days=30))
    assert [(s.start, s.end, s.rule.id) for s in segments] == [
        (at - H, at, "default"), (at, at + timedelta(days=30), "boost")]
    always = ZoneRules(BERLIN, DEFAULT, (
        schedule(WEEKDAYS, "weekly", {"days": "daily", "from": "00:00", "to": "24:00"}),),
        (boost,))
    assert next_change(always, at) is None
    assert oneoff_end(always, boost) == at + OPEN_END


def test_one_off_with_an_end_keeps_it() -> None:
    at = local(BERLIN, 2026, 6, 1, 10)
    boost = OneOff(BOOST, at, at + 30 * timedelta(days=1))
    assert not boost.until_next_change
    assert oneoff_end(office_rules((boost,)), boost) == at + timedelta(days=30)
    rules = office_rules((boost,))
    inside = candidates(rules, at + timedelta(days=29), at + timedelta(days=29, hours=1))
    assert Candidate(BOOST, at, at + timedelta(days=30)) in inside
    after = candidates(rules, at + timedelta(days=31), at + timedelta(days=31, hours=1))
    assert [c.rule.id for c in after] == ["weekdays"]


# -- leap days -------------------------------------------------------------------------------


def test_cron_on_february_29th_fires_in_leap_years_only() -> None:
    found = periods("cron", {"cron": "0 8 29 2 *", "duration": "PT1H"},
                    utc(2027, 1, 1), utc(2031, 1, 1), BERLIN)
    assert found == [(utc(2028, 2, 29, 7), utc(2028, 2, 29, 8))]


def test_weekly_over_a_leap_day() -> None:
    start, end = local(BERLIN, 2028, 2, 28), local(BERLIN, 2028, 3, 2)
    tuesday = periods("weekly", {"days": "tue", "from": "06:30", "to": "22:30"},
                      start, end, BERLIN)
    assert tuesday == [(utc(2028, 2, 29, 5, 30), utc(2028, 2, 29, 21, 30))]
    nights = periods("weekly", {"days": "daily", "from": "22:00", "to": "06:00"},
                     start, end, BERLIN)
    assert [(b.astimezone(BERLIN).strftime("%m-%d %H:%M"),
             e.astimezone(BERLIN).strftime("%m-%d %H:%M")) for b, e in nights] == [
        ("02-27 22:00", "02-28 06:00"), ("02-28 22:00", "02-29 06:00"),
        ("02-29 22:00", "03-01 06:00"), ("03-01 22:00", "03-02 06:00")]
    repeat = periods("iso8601", {"repeat": "R/2028-02-27T08:00/P1D", "duration": "PT1H"},
                     start, end, BERLIN)
    assert [b.astimezone(BERLIN).strftime("%m-%d %H:%M") for b, _ in repeat] == [
        "02-28 08:00", "02-29 08:00", "03-01 08:00"]


# -- validity dates --------------------------------------------------------------------------


def test_validity_dates_clip_periods() -> None:
    dated = rule("dated-schedule", "dated", seq=5)
    s = schedule(dated, "weekly", {"days": "daily", "from": "06:00", "to": "22:00"},
                 valid_from=local(BERLIN, 2026, 6, 10, 12),
                 valid_until=local(BERLIN, 2026, 6, 12, 9))
    assert s.dated
    found = list(s.candidates(local(BERLIN, 2026, 6, 8), local(BERLIN, 2026, 6, 15), BERLIN))
    assert [(c.start, c.end) for c in found] == [
        (utc(2026, 6, 10, 10), utc(2026, 6, 10, 20)),
        (utc(2026, 6, 11, 4), utc(2026, 6, 11, 20)),
        (utc(2026, 6, 12, 4), utc(2026, 6, 12, 7)),
    ]
    assert list(s.candidates(local(BERLIN, 2026, 6, 13), local(BERLIN, 2026, 6, 20),
                             BERLIN)) == []
    assert list(s.candidates(local(BERLIN, 2026, 6, 1), local(BERLIN, 2026, 6, 10, 12),
                             BERLIN)) == []
    undated = schedule(WEEKDAYS, "weekly", {"days": "daily", "from": "06:00", "to": "22:00"})
    assert not undated.dated
    only_from = schedule(dated, "weekly", {"days": "daily", "from": "06:00", "to": "22:00"},
                         valid_from=local(BERLIN, 2026, 6, 10, 12))
    assert only_from.dated


# -- counted repeats -------------------------------------------------------------------------


def test_iso8601_count_stops_after_n() -> None:
    params = {"repeat": "R3/2026-01-05T17:00/P2D", "duration": "PT2H"}
    found = periods("iso8601", params, utc(2026, 1, 1), utc(2026, 3, 1), BERLIN)
    assert found == [
        (utc(2026, 1, 5, 16), utc(2026, 1, 5, 18)),
        (utc(2026, 1, 7, 16), utc(2026, 1, 7, 18)),
        (utc(2026, 1, 9, 16), utc(2026, 1, 9, 18)),
    ]
    assert periods("iso8601", params, utc(2026, 1, 9, 18), utc(2026, 3, 1), BERLIN) == []
    # a window inside the run sees only its own repetitions
    assert periods("iso8601", params, utc(2026, 1, 6), utc(2026, 1, 8), BERLIN) == [
        (utc(2026, 1, 7, 16), utc(2026, 1, 7, 18))]


def test_iso8601_forever_far_from_the_start() -> None:
    found = periods("iso8601", {"repeat": "R/2026-01-05T06:30/P1D", "duration": "PT1H"},
                    utc(2026, 7, 1), utc(2026, 7, 8), BERLIN)
    assert found == [(utc(2026, 7, d, 4, 30), utc(2026, 7, d, 5, 30)) for d in range(1, 8)]
    default_length = periods("iso8601", {"repeat": "R2/2026-01-05T06:30/PT12H"},
                             utc(2026, 1, 1), utc(2026, 1, 10), BERLIN)
    assert default_length == [(utc(2026, 1, 5, 5, 30), utc(2026, 1, 5, 17, 30)),
                              (utc(2026, 1, 5, 17, 30), utc(2026, 1, 6, 5, 30))]
