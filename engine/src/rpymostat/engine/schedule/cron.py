"""Five-field cron expressions (``minute hour day-of-month month day-of-week``), pure.

The usual syntax: ``*``, ``*/n``, ``a-b``, ``a-b/n``, lists with ``,``; month names
(``jan``..``dec``) and day names (``sun``..``sat``, 0 and 7 are Sunday); the macros
``@yearly``/``@annually``, ``@monthly``, ``@weekly``, ``@daily``/``@midnight``, ``@hourly``.
As in Vixie cron, a day-of-month or day-of-week field that *starts with* ``*`` (``*``,
``*/2``, ``*/3,5``) is unrestricted: then a day must match both fields (AND); only when
neither starts with ``*`` does a day matching either one fire (OR). ``0 0 */2 * mon`` fires on
odd days that are Mondays, ``0 0 1 * mon`` on the 1st and on every Monday (checked against
``cronsim`` in tests/engine/test_cron_vs_cronsim.py). Errors name the field and the offending
part: ``field 2 (hour): 25 is out of range 0-23``. Firings are wall-clock times in the zone's
time zone (see timespec's DST rule).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day-of-month", 1, 31), ("month", 1, 12),
          ("day-of-week", 0, 7))
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
MACROS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
          "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
          "@hourly": "0 * * * *"}


class CronError(ValueError):
    """An expression that is not valid cron; the message points at the error."""


@dataclass(frozen=True)
class CronSpec:
    """A parsed expression: the allowed values of each field."""

    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday .. 6 = Saturday
    days_restricted: bool  # the field does not start with ``*``
    weekdays_restricted: bool

    def matches_day(self, day: date) -> bool:
        """Whether the expression fires on ``day`` at all (Vixie's OR only when both day
        fields are restricted; AND otherwise)."""
        if day.month not in self.months:
            return False
        dom = day.day in self.days
        dow = (day.weekday() + 1) % 7 in self.weekdays
        if self.days_restricted and self.weekdays_restricted:
            return dom or dow
        return dom and dow

    def firings(self, first: date, last: date) -> Iterator[datetime]:
        """Naive wall-clock firing times on the days ``first``..``last`` (inclusive)."""
        day = first
        while day <= last:
            if self.matches_day(day):
                for h in self.hours:
                    for m in self.minutes:
                        yield datetime.combine(day, time(h, m))
            day += timedelta(days=1)


def _value(text: str, index: int, names: tuple[str, ...] | None, offset: int) -> int:
    name, low, high = FIELDS[index]
    if names is not None and text.lower() in names:
        return names.index(text.lower()) + offset
    if not text.isdigit():
        raise CronError(f"field {index + 1} ({name}): {text!r} is not a number"
                        f"{' or a name' if names else ''}")
    value = int(text)
    if not low <= value <= high:
        raise CronError(f"field {index + 1} ({name}): {value} is out of range {low}-{high}")
    return value


def _field(text: str, index: int) -> tuple[set[int], bool]:
    """The values one field allows, and whether it is restricted in Vixie cron's sense (it
    does not start with ``*``)."""
    name, low, high = FIELDS[index]
    names = MONTHS if index == 3 else WEEKDAYS if index == 4 else None
    offset = 1 if index == 3 else 0
    values: set[int] = set()
    for part in text.split(","):
        base, slash, step_text = part.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f"field {index + 1} ({name}): step {step_text!r} must be a"
                                " positive number")
            step = int(step_text)
        if base == "*":
            a, b = low, high if index != 4 else 6
        elif "-" in base:
            first, _, last = base.partition("-")
            a, b = _value(first, index, names, offset), _value(last, index, names, offset)
            if a > b:
                raise CronError(f"field {index + 1} ({name}): range {base!r} runs backwards")
        elif base:
            a = _value(base, index, names, offset)
            b = high if slash else a
        else:
            raise CronError(f"field {index + 1} ({name}): empty item in {text!r}")
        values.update(range(a, b + 1, step))
    if index == 4 and 7 in values:
        values.discard(7)
        values.add(0)
    return values, not text.startswith("*")


def parse_cron(expression: str) -> CronSpec:
    """Parse a five-field expression or macro."""
    if not isinstance(expression, str):
        raise CronError("must be a string such as '30 6 * * mon-fri'")
    text = MACROS.get(expression.strip().lower(), expression.strip())
    parts = text.split()
    if len(parts) != 5:
        raise CronError(f"{expression[:60]!r} has {len(parts)} field(s); cron needs 5:"
                        " minute hour day-of-month month day-of-week (e.g. '30 6 * * 1-5')")
    fields = [_field(p, i) for i, p in enumerate(parts)]
    return CronSpec(minutes=tuple(sorted(fields[0][0])), hours=tuple(sorted(fields[1][0])),
                    days=frozenset(fields[2][0]), months=frozenset(fields[3][0]),
                    weekdays=frozenset(fields[4][0]), days_restricted=fields[2][1],
                    weekdays_restricted=fields[4][1])
