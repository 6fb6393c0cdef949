"""The schedule notations: durations, times of day, days, cron, ISO 8601 repeats, and the
scheduler plugins' parameter errors (each names the parameter first)."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from rpymostat.engine.schedule.cron import CronError, CronSpec, parse_cron
from rpymostat.engine.schedule.schedulers import (
    BUILTIN,
    CronPeriods,
    CronScheduler,
    RepeatingPeriods,
    RepeatingScheduler,
    WeeklyBlocks,
    WeeklyScheduler,
    parse_repeating,
)
from rpymostat.engine.schedule.timespec import (
    parse_days,
    parse_duration,
    parse_moment,
    parse_time_of_day,
    parse_zone_name,
)

BERLIN = ZoneInfo("Europe/Berlin")

# -- durations -------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("PT16H", timedelta(hours=16)),
    ("P1W", timedelta(weeks=1)),
    ("PT90M", timedelta(minutes=90)),
    ("P2D", timedelta(days=2)),
    ("P1DT2H30M15S", timedelta(days=1, hours=2, minutes=30, seconds=15)),
    ("PT45S", timedelta(seconds=45)),
    ("pt16h", timedelta(hours=16)),
    ("  PT1H  ", timedelta(hours=1)),
    ("PT1M", timedelta(minutes=1)),  # M after T is minutes, not months
    ("P366D", timedelta(days=366)),  # the longest allowed
    ("PT8784H", timedelta(days=366)),
])
def test_parse_duration_accepts(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["P1M", "P1Y", "P2Y3M", "P1MT2H", "p3m"])
def test_parse_duration_refuses_months_and_years(text: str) -> None:
    with pytest.raises(ValueError, match="months and years have no fixed length") as info:
        parse_duration(text)
    assert repr(text) in str(info.value)


@pytest.mark.parametrize("text", ["PT0S", "P0D", "P0W", "PT0H0M"])
def test_parse_duration_refuses_zero(text: str) -> None:
    with pytest.raises(ValueError, match="must be longer than zero"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["", "P", "PT", "16h", "PT1.5H", "-PT1H", "PT1H2", "P1DT",
                                  "P1W2D", "PTH", "garbage", "1 hour", "P1D T1H"])
def test_parse_duration_refuses_garbage(text: str) -> None:
    with pytest.raises(ValueError, match="is not an ISO 8601 duration"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["P367D", "P53W", "PT8785H", "P9999D"])
def test_parse_duration_refuses_more_than_a_year(text: str) -> None:
    with pytest.raises(ValueError, match="is longer than a year"):
        parse_duration(text)


@pytest.mark.parametrize("value", [None, 16, 1.5, ["PT1H"]])
def test_parse_duration_refuses_non_strings(value: Any) -> None:
    with pytest.raises(ValueError, match="must be an ISO 8601 duration string"):
        parse_duration(value)


# -- times of day ----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("06:30", time(6, 30)), ("00:00", time(0)), ("23:59", time(23, 59)),
    ("23:59:59", time(23, 59, 59)), (" 07:05 ", time(7, 5)),
])
def test_parse_time_of_day(text: str, expected: time) -> None:
    assert parse_time_of_day(text) == expected
    assert parse_time_of_day(text, end_of_day=True) == expected


def test_24_00_is_only_an_end() -> None:
    assert parse_time_of_day("24:00", end_of_day=True) is None
    assert parse_time_of_day("24:00:00", end_of_day=True) is None
    with pytest.raises(ValueError, match=r"not a valid time of day \(00:00 to 23:59\)$"):
        parse_time_of_day("24:00")
    with pytest.raises(ValueError, match="or 24:00"):
        parse_time_of_day("24:01", end_of_day=True)


@pytest.mark.parametrize("text", ["25:00", "12:60", "12:00:60", "99:99"])
def test_parse_time_of_day_out_of_range(text: str) -> None:
    with pytest.raises(ValueError, match="is not a valid time of day"):
        parse_time_of_day(text)


@pytest.mark.parametrize("text", ["6:30", "0630", "06:30:5", "noon", "", "06-30", "06:30am"])
def test_parse_time_of_day_garbage(text: str) -> None:
    with pytest.raises(ValueError, match="is not a time of day such as 06:30"):
        parse_time_of_day(text)


def test_parse_time_of_day_non_string() -> None:
    with pytest.raises(ValueError, match="must be a time of day"):
        parse_time_of_day(630)  # type: ignore[arg-type]


# -- days of the week ------------------------------------------------------------------------


@pytest.mark.parametrize(("spec", "expected"), [
    ("mon", {0}),
    ("sun", {6}),
    ("mon-fri", {0, 1, 2, 3, 4}),
    ("fri-mon", {4, 5, 6, 0}),
    ("sun-tue", {6, 0, 1}),
    ("sat-sat", {5}),
    ("sat,sun", {5, 6}),
    ("mon,wed,fri", {0, 2, 4}),
    ("mon-tue,thu", {0, 1, 3}),
    (["mon", "wed"], {0, 2}),
    (["fri-sun", "tue"], {4, 5, 6, 1}),
    ("daily", set(range(7))),
    ("weekdays", {0, 1, 2, 3, 4}),
    ("weekends", {5, 6}),
    ("weekends,mon", {5, 6, 0}),
    ("Monday-Wednesday", {0, 1, 2}),
    ("SUNDAY", {6}),
    ("Thursday, fri", {3, 4}),
    (" Fri - Mon ", {4, 5, 6, 0}),
])
def test_parse_days(spec: str | list[str], expected: set[int]) -> None:
    assert parse_days(spec) == frozenset(expected)


@pytest.mark.parametrize("spec", ["funday", "mon-funday", "mo", "1", "daily-mon", "mon-fri-sat"])
def test_parse_days_bad_names(spec: str) -> None:
    with pytest.raises(ValueError, match=r"is not a day \(mon, tue, wed, thu, fri, sat, sun\)"):
        parse_days(spec)


@pytest.mark.parametrize("spec", ["", "mon,,tue", "mon,", [""], ["mon", 3]])
def test_parse_days_empty_items(spec: Any) -> None:
    with pytest.raises(ValueError, match="each day must be a name"):
        parse_days(spec)


def test_parse_days_empty_list() -> None:
    with pytest.raises(ValueError, match="must name at least one day"):
        parse_days([])


# -- zones and moments -----------------------------------------------------------------------


def test_parse_zone_name() -> None:
    assert parse_zone_name("Europe/Berlin") == BERLIN
    with pytest.raises(ValueError, match="is not an IANA time zone"):
        parse_zone_name("Mars/Olympus")
    with pytest.raises(ValueError, match="is not an IANA time zone"):
        parse_zone_name("../etc/passwd")


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-12-21", datetime(2026, 12, 20, 23, 0, tzinfo=UTC)),  # a date is its local midnight
    ("2026-07-01T08:00", datetime(2026, 7, 1, 6, 0, tzinfo=UTC)),  # CEST
    ("2026-07-01T08:00+00:00", datetime(2026, 7, 1, 8, 0, tzinfo=UTC)),
    ("2026-03-29T02:30", datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),  # skipped: 03:30 CEST
    ("2026-10-25T02:30", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # repeated: first time
])
def test_parse_moment(text: str, expected: datetime) -> None:
    assert parse_moment(text, BERLIN) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("tomorrow", "is not an ISO 8601 date or date-time"),
    ("1999-12-31T23:00", "outside the years 2000-2200"),
    ("2201-01-01", "outside the years 2000-2200"),
])
def test_parse_moment_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_moment(text, BERLIN)


# -- cron ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("expression", "message"), [
    ("60 * * * *", "field 1 (minute): 60 is out of range 0-59"),
    ("* 24 * * *", "field 2 (hour): 24 is out of range 0-23"),
    ("* * 0 * *", "field 3 (day-of-month): 0 is out of range 1-31"),
    ("* * 32 * *", "field 3 (day-of-month): 32 is out of range 1-31"),
    ("* * * 0 *", "field 4 (month): 0 is out of range 1-12"),
    ("* * * 13 *", "field 4 (month): 13 is out of range 1-12"),
    ("* * * * 8", "field 5 (day-of-week): 8 is out of range 0-7"),
    ("0-60 * * * *", "field 1 (minute): 60 is out of range 0-59"),
    ("* 1,2,99 * * *", "field 2 (hour): 99 is out of range 0-23"),
    ("x * * * *", "field 1 (minute): 'x' is not a number"),
    ("mon * * * *", "field 1 (minute): 'mon' is not a number"),
    ("* * * foo *", "field 4 (month): 'foo' is not a number or a name"),
    ("* * * * funday", "field 5 (day-of-week): 'funday' is not a number or a name"),
    ("*/0 * * * *", "field 1 (minute): step '0' must be a positive number"),
    ("* */x * * *", "field 2 (hour): step 'x' must be a positive number"),
    ("1,,2 * * * *", "field 1 (minute): empty item in '1,,2'"),
    ("5-1 * * * *", "field 1 (minute): range '5-1' runs backwards"),
    ("* * * dec-jan *", "field 4 (month): range 'dec-jan' runs backwards"),
    ("* * * * -1", "field 5 (day-of-week): '' is not a number or a name"),
])
def test_parse_cron_errors_name_the_field(expression: str, message: str) -> None:
    with pytest.raises(CronError) as info:
        parse_cron(expression)
    assert str(info.value) == message
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("expression", ["* * * *", "* * * * * *", "", "@reboot", "0 8"])
def test_parse_cron_field_count(expression: str) -> None:
    with pytest.raises(CronError, match=r"field\(s\); cron needs 5: minute hour day-of-month"):
        parse_cron(expression)


def test_parse_cron_non_string() -> None:
    with pytest.raises(CronError, match="must be a string"):
        parse_cron(None)  # type: ignore[arg-type]


def test_parse_cron_steps_lists_ranges() -> None:
    spec = parse_cron("*/15 6-18/4 1,15,31 * *")
    assert spec.minutes == (0, 15, 30, 45)
    assert spec.hours == (6, 10, 14, 18)
    assert spec.days == frozenset({1, 15, 31})
    assert spec.months == frozenset(range(1, 13))
    assert spec.weekdays == frozenset(range(7))
    assert spec.days_restricted is True
    assert spec.weekdays_restricted is False
    assert parse_cron("5/20 * * * *").minutes == (5, 25, 45)
    assert parse_cron("0,30 7,19 * * *").hours == (7, 19)
    assert parse_cron("1-3,10-11 * * * *").minutes == (1, 2, 3, 10, 11)


def test_parse_cron_names() -> None:
    spec = parse_cron("30 6 * jan-mar,DEC mon-fri")
    assert spec.months == frozenset({1, 2, 3, 12})
    assert spec.weekdays == frozenset({1, 2, 3, 4, 5})
    assert parse_cron("0 0 * * Sat,SUN").weekdays == frozenset({6, 0})
    assert parse_cron("0 0 * * sun-sat").weekdays == frozenset(range(7))


def test_parse_cron_seven_is_sunday() -> None:
    assert parse_cron("0 0 * * 7").weekdays == frozenset({0})
    assert parse_cron("0 0 * * 5-7").weekdays == frozenset({5, 6, 0})
    assert parse_cron("0 0 * * 0,7").weekdays == frozenset({0})
    assert parse_cron("0 0 * * */2").weekdays == frozenset({0, 2, 4, 6})
    sunday = date(2026, 5, 3)
    assert sunday.weekday() == 6
    assert parse_cron("0 0 * * 7").matches_day(sunday)
    assert not parse_cron("0 0 * * 7").matches_day(sunday + timedelta(days=1))


@pytest.mark.parametrize(("macro", "equivalent"), [
    ("@yearly", "0 0 1 1 *"), ("@annually", "0 0 1 1 *"), ("@monthly", "0 0 1 * *"),
    ("@weekly", "0 0 * * 0"), ("@daily", "0 0 * * *"), ("@midnight", "0 0 * * *"),
    ("@hourly", "0 * * * *"), ("@DAILY", "0 0 * * *"), (" @weekly ", "0 0 * * 0"),
])
def test_parse_cron_macros(macro: str, equivalent: str) -> None:
    assert parse_cron(macro) == parse_cron(equivalent)


def test_parse_cron_hourly_fires_every_hour() -> None:
    firings = list(parse_cron("@hourly").firings(date(2026, 1, 1), date(2026, 1, 1)))
    assert firings == [datetime(2026, 1, 1, h, 0) for h in range(24)]


def _firing_days(spec: CronSpec, first: date, last: date) -> list[date]:
    days = []
    day = first
    while day <= last:
        if spec.matches_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def test_cron_dom_and_dow_are_ored_when_both_restricted() -> None:
    # 2026-06: the 1st is a Monday; Mondays are 1, 8, 15, 22, 29; the 13th is a Saturday.
    both = parse_cron("0 8 13 * mon")
    days = [d.day for d in _firing_days(both, date(2026, 6, 1), date(2026, 6, 30))]
    assert days == [1, 8, 13, 15, 22, 29]


def test_cron_dom_only_or_dow_only_restricts_alone() -> None:
    dom = parse_cron("0 8 13 * *")
    assert [d.day for d in _firing_days(dom, date(2026, 6, 1), date(2026, 6, 30))] == [13]
    dow = parse_cron("0 8 * * mon")
    assert [d.day for d in _firing_days(dow, date(2026, 6, 1), date(2026, 6, 30))] == [
        1, 8, 15, 22, 29]
    # '*/1' starts with '*': unrestricted (Vixie), day-of-week alone decides
    star_one = parse_cron("0 8 */1 * mon")
    assert [d.day for d in _firing_days(star_one, date(2026, 6, 1), date(2026, 6, 30))] == [
        1, 8, 15, 22, 29]


def test_cron_month_restricts_both_ored_fields() -> None:
    spec = parse_cron("0 8 13 jul mon")  # July 2026: Mondays 6, 13, 20, 27
    days = _firing_days(spec, date(2026, 6, 1), date(2026, 7, 31))
    assert [(d.month, d.day) for d in days] == [(7, 6), (7, 13), (7, 20), (7, 27)]


def test_cron_firings_are_naive_wall_times_in_order() -> None:
    spec = parse_cron("30 6,18 * * sat")
    assert list(spec.firings(date(2026, 6, 5), date(2026, 6, 7))) == [
        datetime(2026, 6, 6, 6, 30), datetime(2026, 6, 6, 18, 30)]


# -- ISO 8601 repeating intervals ------------------------------------------------------------


def test_parse_repeating_forever_and_count() -> None:
    assert parse_repeating("R/2026-01-05T06:30/P1D") == (
        datetime(2026, 1, 5, 6, 30), timedelta(days=1), None)
    assert parse_repeating("R10/2026-01-05T17:00/P2D") == (
        datetime(2026, 1, 5, 17, 0), timedelta(days=2), 10)
    assert parse_repeating("r3/2026-01-05/PT12H") == (
        datetime(2026, 1, 5), timedelta(hours=12), 3)


@pytest.mark.parametrize(("text", "message"), [
    ("R/2026-01-05T06:30+01:00/P1D", "without an offset"),
    ("R/2026-01-05T06:30Z/P1D", "without an offset"),
    ("R0/2026-01-05T06:30/P1D", "the repetition count must be a positive number"),
    ("Rx/2026-01-05T06:30/P1D", "the repetition count must be a positive number"),
    ("R-1/2026-01-05T06:30/P1D", "the repetition count must be a positive number"),
    ("R/2026-01-05T06:30/P1M", "period 'P1M': months and years have no fixed length"),
    ("R/2026-01-05T06:30/PT0S", "period 'PT0S' must be longer than zero"),
    ("R/2026-01-05T06:30/soon", "period 'soon' is not an ISO 8601 duration"),
    ("R/someday/P1D", "'someday' is not an ISO 8601 start"),
    ("R/1999-01-05T06:30/P1D", "outside the years 2000-2200"),
    ("2026-01-05T06:30/P1D", "is not an ISO 8601 repeating interval"),
    ("R/2026-01-05T06:30", "is not an ISO 8601 repeating interval"),
    ("X/2026-01-05T06:30/P1D", "is not an ISO 8601 repeating interval"),
    ("R/2026-01-05T06:30/P1D/P1D", "is not an ISO 8601 repeating interval"),
])
def test_parse_repeating_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_repeating(text)


# -- scheduler plugins -----------------------------------------------------------------------


def test_builtin_plugins() -> None:
    assert set(BUILTIN) == {"weekly", "cron", "iso8601"}
    assert BUILTIN["weekly"] is WeeklyScheduler
    for plugin in BUILTIN.values():
        assert plugin.schema["type"] == "object"
        assert plugin.schema["additionalProperties"] is False
    assert WeeklyScheduler.schema["required"] == ["days", "from", "to"]
    assert CronScheduler.schema["required"] == ["cron", "duration"]
    assert RepeatingScheduler.schema["required"] == ["repeat"]


def test_weekly_parse() -> None:
    blocks = WeeklyScheduler.parse({"days": "mon-fri", "from": "06:30", "to": "22:30"})
    assert blocks == WeeklyBlocks(frozenset(range(5)), time(6, 30), time(22, 30), False)
    assert blocks.describe() == "mon,tue,wed,thu,fri 06:30-22:30"
    night = WeeklyScheduler.parse({"days": ["fri", "sat"], "from": "22:00", "to": "06:00"})
    assert night.overnight is True
    assert night.describe() == "fri,sat 22:00-06:00"
    whole = WeeklyScheduler.parse({"days": "sun", "from": "00:00", "to": "24:00"})
    assert whole == WeeklyBlocks(frozenset({6}), time(0), None, False)
    assert whole.describe() == "sun 00:00-24:00"


@pytest.mark.parametrize(("params", "message"), [
    ({"days": "funday", "from": "06:00", "to": "07:00"},
     "days: 'funday' is not a day (mon, tue, wed, thu, fri, sat, sun)"),
    ({"days": [], "from": "06:00", "to": "07:00"}, "days: must name at least one day"),
    ({"days": "mon", "from": "25:00", "to": "07:00"},
     "from: '25:00' is not a valid time of day (00:00 to 23:59)"),
    ({"days": "mon", "from": "24:00", "to": "07:00"},
     "from: '24:00' is not a valid time of day (00:00 to 23:59)"),
    ({"days": "mon", "from": 6, "to": "07:00"}, "from: must be a time of day such as 06:30"),
    ({"days": "mon", "from": "06:00", "to": "7pm"},
     "to: '7pm' is not a time of day such as 06:30"),
    ({"days": "mon", "from": "06:00", "to": "24:01"},
     "to: '24:01' is not a valid time of day (00:00 to 23:59, or 24:00)"),
    ({"days": "mon", "from": "06:00", "to": "06:00"},
     "to: must differ from 'from' (use 00:00 to 24:00 for a whole day)"),
    ({"days": "mon", "from": "06:00", "to": "06:00:00"},
     "to: must differ from 'from' (use 00:00 to 24:00 for a whole day)"),
])
def test_weekly_parse_errors(params: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as info:
        WeeklyScheduler.parse(params)
    assert str(info.value) == message


def test_cron_parse() -> None:
    periods = CronScheduler.parse({"cron": "30 6 * * 1-5", "duration": "PT16H"})
    assert isinstance(periods, CronPeriods)
    assert periods.length == timedelta(hours=16)
    assert periods.spec == parse_cron("30 6 * * 1-5")
    assert periods.describe() == "cron '30 6 * * 1-5' for 16:00:00"
    assert CronScheduler.parse({"cron": "@daily", "duration": "P31D"}).length == timedelta(31)


@pytest.mark.parametrize(("params", "message"), [
    ({"cron": "0 24 * * *", "duration": "PT1H"}, "cron: field 2 (hour): 24 is out of range 0-23"),
    ({"cron": "0 8 * * 9", "duration": "PT1H"},
     "cron: field 5 (day-of-week): 9 is out of range 0-7"),
    ({"cron": "0 8 * *", "duration": "PT1H"}, "cron: '0 8 * *' has 4 field(s); cron needs 5"),
    ({"cron": 8, "duration": "PT1H"}, "cron: must be a string"),
    ({"cron": "@daily", "duration": "P1M"}, "duration: 'P1M': months and years"),
    ({"cron": "@daily", "duration": "PT0M"}, "duration: 'PT0M' must be longer than zero"),
    ({"cron": "@daily", "duration": "16h"}, "duration: '16h' is not an ISO 8601 duration"),
    ({"cron": "@daily", "duration": "P32D"}, "duration: a cron period may last at most 31 days"),
    ({"cron": "@daily", "duration": "P400D"}, "duration: 'P400D' is longer than a year"),
])
def test_cron_parse_errors(params: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as info:
        CronScheduler.parse(params)
    assert str(info.value).startswith(message)


def test_iso8601_parse() -> None:
    rep = RepeatingScheduler.parse({"repeat": "R10/2026-01-05T17:00/P2D"})
    assert rep == RepeatingPeriods("R10/2026-01-05T17:00/P2D", datetime(2026, 1, 5, 17),
                                   timedelta(days=2), 10, timedelta(days=2))
    assert rep.describe() == "R10/2026-01-05T17:00/P2D for 2 days, 0:00:00"
    short = RepeatingScheduler.parse({"repeat": "R/2026-01-05T06:30/P1D", "duration": "PT2H"})
    assert (short.count, short.every, short.length) == (None, timedelta(days=1),
                                                        timedelta(hours=2))


@pytest.mark.parametrize(("params", "message"), [
    ({"repeat": "R/2026-01-05T06:30+01:00/P1D"}, "repeat: '2026-01-05T06:30+01:00': give the"
                                                 " start as wall-clock time, without an offset"),
    ({"repeat": "R0/2026-01-05T06:30/P1D"}, "repeat: 'R0': the repetition count must be"),
    ({"repeat": "R/2026-01-05T06:30/P1Y"}, "repeat: period 'P1Y': months and years"),
    ({"repeat": "every day"}, "repeat: 'every day' is not an ISO 8601 repeating interval"),
    ({"repeat": None}, "repeat: must be a string"),
    ({"repeat": "R/2026-01-05T06:30/P1D", "duration": "P0D"},
     "duration: 'P0D' must be longer than zero"),
    ({"repeat": "R/2026-01-05T06:30/P1D", "duration": "P2M"}, "duration: 'P2M': months"),
])
def test_iso8601_parse_errors(params: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as info:
        RepeatingScheduler.parse(params)
    assert str(info.value).startswith(message)
