"""The cron parser (engine/schedule/cron.py) equals the reference ``cronsim`` (which follows
Vixie/Debian cron): on generated expressions, the same days over four years, the same
firings minute by minute over a generated window, and — in Europe/Berlin, DST included — the
same instants wherever the wall time exists once; where it does not, the schedule's own DST rule
(timespec) holds."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from cronsim import CronSim
from hypothesis import given, settings
from hypothesis import strategies as st

from rpymostat.engine.schedule.cron import parse_cron
from rpymostat.engine.schedule.schedulers import CronScheduler

TZ = ZoneInfo("Europe/Berlin")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def item(low: int, high: int, names: tuple[str, ...] | None = None, offset: int = 0
         ) -> st.SearchStrategy[str]:
    """One list item of a field: a value, a range, a stepped range or star, a value/step."""
    value = st.integers(low, high)
    if names is not None:
        named = st.sampled_from(names)
        value_text = st.one_of(value.map(str), named)
    else:
        value_text = value.map(str)
    step = st.integers(1, max(1, high - low))
    ranges = st.tuples(value, value).map(lambda ab: f"{min(ab)}-{max(ab)}")
    return st.one_of(
        value_text,
        ranges,
        st.tuples(ranges, step).map(lambda rs: f"{rs[0]}/{rs[1]}"),
        step.map(lambda s: f"*/{s}"),
        st.tuples(value, step).map(lambda vs: f"{vs[0]}/{vs[1]}"),
    )


def field(low: int, high: int, names: tuple[str, ...] | None = None) -> st.SearchStrategy[str]:
    """A whole field: ``*`` or a list of items (a list may start with ``*/n``)."""
    return st.one_of(st.just("*"), st.lists(item(low, high, names), min_size=1, max_size=3)
                     .map(",".join))


expressions = st.tuples(field(0, 59), field(0, 23), field(1, 31), field(1, 12, MONTHS),
                        field(0, 7, DAYS)).map(" ".join)


def reference_days(expr: str, first: date, last: date) -> list[date]:
    """cronsim's matching days (its own day test, on each day)."""
    sim = CronSim(expr, datetime(first.year, 1, 1))
    out, day = [], first
    while day <= last:
        if day.month in sim.months and sim.match_day(day):
            out.append(day)
        day += timedelta(days=1)
    return out


def our_days(expr: str, first: date, last: date) -> list[date]:
    spec = parse_cron(expr)
    out, day = [], first
    while day <= last:
        if spec.matches_day(day):
            out.append(day)
        day += timedelta(days=1)
    return out


@settings(max_examples=120, deadline=None)
@given(expressions)
def test_the_same_days_over_four_years(expr: str) -> None:
    """Every day of 2026-2029 fires (or not) as in cronsim, and the minutes and hours are
    the same sets."""
    first, last = date(2026, 1, 1), date(2029, 12, 31)
    assert our_days(expr, first, last) == reference_days(expr, first, last)
    spec, sim = parse_cron(expr), CronSim(expr, datetime(2026, 1, 1))
    assert set(spec.minutes) == sim.minutes and set(spec.hours) == sim.hours


@settings(max_examples=100, deadline=None)
@given(expressions, st.datetimes(datetime(2026, 1, 1), datetime(2029, 12, 1)))
def test_the_same_naive_firings_minute_by_minute(expr: str, start: datetime) -> None:
    """From a generated moment, the next 300 firings (naive wall-clock) are cronsim's."""
    start = start.replace(second=0, microsecond=0)
    spec = parse_cron(expr)
    ref = []
    for at in CronSim(expr, start - timedelta(minutes=1)):
        if at.year > 2031 or len(ref) == 300:
            break
        ref.append(at)
    if not ref:
        return
    ours = [at for at in spec.firings(start.date(), ref[-1].date()) if start <= at <= ref[-1]]
    assert ours == ref


def our_instants(expr: str, start: datetime, end: datetime) -> list[datetime]:
    """The begin instants (UTC) of the cron scheduler's periods in ``[start, end)``."""
    periods = CronScheduler.parse({"cron": expr, "duration": "PT1M"})
    return [begin for begin, _ in periods.periods(start, end, TZ) if start <= begin < end]


fixed_time = st.tuples(st.integers(0, 59), st.sampled_from([1, 2, 3, 6, 22]), field(1, 31),
                       field(1, 12, MONTHS), field(0, 7, DAYS)).map(
    lambda f: f"{f[0]} {f[1]} {f[2]} {f[3]} {f[4]}")


def skipped(local: datetime) -> bool:
    """The naive wall time ``local`` does not exist in TZ (the spring-forward hour)."""
    aware = local.replace(tzinfo=TZ)
    return aware.astimezone(UTC).astimezone(TZ).replace(tzinfo=None) != local


@settings(max_examples=60, deadline=None)
@given(fixed_time, st.integers(2026, 2029))
def test_the_same_instants_across_dst_in_berlin(expr: str, year: int) -> None:
    """A year of firings in Europe/Berlin (both DST changes): wherever the scheduled wall
    time exists (once, or twice in the autumn: then the first time, fold 0, in both), the
    instant is cronsim's. In the skipped spring hour the two differ by design: cronsim (like
    Debian cron) fires at the jump (03:00), ours at the same offset after it (02:30 → 03:30,
    timespec's rule); both fire once, within the hour after the jump."""
    start = datetime(year, 1, 1, tzinfo=TZ).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=TZ).astimezone(UTC)
    ref = []
    for at in CronSim(expr, datetime(year, 1, 1, tzinfo=TZ) - timedelta(minutes=1)):
        if at.astimezone(UTC) >= end:
            break
        ref.append(at.astimezone(UTC))
    ours = our_instants(expr, start, end)
    spec = parse_cron(expr)
    walls = list(spec.firings(date(year, 1, 1), date(year, 12, 31)))
    assert len(ours) == len(ref) == len(walls)
    for wall, mine, theirs in zip(walls, ours, ref, strict=True):
        if skipped(wall):
            jump = theirs.astimezone(TZ)
            assert (jump.hour, jump.minute) == (3, 0)
            assert mine == wall.replace(tzinfo=TZ).astimezone(UTC)
            assert timedelta(0) <= mine - theirs < timedelta(hours=1)
        else:
            assert mine == theirs == wall.replace(tzinfo=TZ, fold=0).astimezone(UTC)


def test_a_starred_day_field_means_and() -> None:
    """``0 8 */2 * mon``: odd days that are Mondays (June 2026: the 1st, 15th, 29th), not
    every odd day and every Monday; ``0 8 1 * */3``: the 1st when it is a Sun, Wed or Sat."""
    june = our_days("0 8 */2 * mon", date(2026, 6, 1), date(2026, 6, 30))
    assert [d.day for d in june] == [1, 15, 29]
    year = our_days("0 8 1 * */3", date(2026, 1, 1), date(2026, 12, 31))
    assert all(d.day == 1 and d.isoweekday() % 7 in (0, 3, 6) for d in year)
    assert [d.month for d in year] == [2, 3, 4, 7, 8, 11]
