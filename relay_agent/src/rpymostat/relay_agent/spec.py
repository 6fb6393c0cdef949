"""What each output is: ``-o ID=CLASS[:key=value,...]`` and ``RPYMOSTAT_RELAYS``.

Common keys, for every class:

- ``function``: heat, cool, fan or aux (default: the id when it is one of those, else aux);
- ``active``: high or low (a relay board that switches on a low level is ``active=low``);
- ``min_on``, ``min_off`` (seconds), ``max_starts`` (per hour, 0 = no limit): the protection;
  defaults by function (a ``cool`` output is a compressor: 5 minutes off at least);
- ``safe``: off or on, the state the output takes at start and when the watchdog fires.

Every other key is an argument of the class (``line=17`` for gpiod, ``gpio=17`` for sysfs...).
``RPYMOSTAT_RELAY_INTERLOCKS`` names outputs never on together (``heat+cool;heat2+cool``);
``auto`` (the default) pairs every heat output with every cool output.
"""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rpymostat.shared.ids import ID_RULE, is_valid_id

from .protection import COMPRESSOR, Protection

FUNCTIONS = ("heat", "cool", "fan", "aux")
COMMON_KEYS = frozenset({"function", "active", "min_on", "min_off", "max_starts", "safe"})
MAX_SECONDS = 86_400.0
DEFAULT_PROTECTION = {
    # A boiler or furnace: a minute each way stops chatter without getting in the way.
    "heat": Protection(min_on=60.0, min_off=60.0, max_starts_per_hour=0),
    # A compressor: never restarted within 5 minutes, run at least 2, at most 6 starts an hour.
    "cool": Protection(min_on=120.0, min_off=COMPRESSOR.min_off, max_starts_per_hour=6),
    "fan": Protection(),
    "aux": Protection(),
}


@dataclass(frozen=True)
class OutputSpec:
    """One configured output."""

    id: str
    cls: str
    function: str
    active_low: bool
    protection: Protection
    safe_on: bool = False
    args: Mapping[str, str] = field(default_factory=dict)


def _seconds(key: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{key}={raw!r} is not a number of seconds") from None
    if not math.isfinite(value) or not 0 <= value <= MAX_SECONDS:
        raise ValueError(f"{key}={raw!r} must be between 0 and {MAX_SECONDS:g} seconds")
    return value


def _choice(key: str, raw: str, choices: Iterable[str]) -> str:
    options = tuple(choices)
    if raw not in options:
        raise ValueError(f"{key}={raw!r} must be one of {', '.join(options)}")
    return raw


def _starts(raw: str) -> int:
    if not raw.isdigit() or int(raw) > 3600:
        raise ValueError(f"max_starts={raw!r} must be a whole number from 0 to 3600")
    return int(raw)


def parse_output_spec(text: str) -> OutputSpec:
    """``heat=gpiod:line=17,active=low`` → OutputSpec (ValueError naming what is wrong)."""
    head, _, rest = text.strip().partition(":")
    oid, sep, cls = head.partition("=")
    oid, cls = oid.strip(), cls.strip()
    if not sep or not cls:
        raise ValueError(f"{text!r}: expected ID=CLASS[:key=value,...]")
    if not is_valid_id(oid):
        raise ValueError(f"output id {oid!r}: {ID_RULE}")
    pairs: dict[str, str] = {}
    for item in filter(None, (p.strip() for p in rest.split(","))):
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise ValueError(f"output {oid}: {item!r} is not key=value")
        pairs[key.strip()] = value.strip()
    function = _choice("function", pairs.get("function", oid if oid in FUNCTIONS else "aux"),
                       FUNCTIONS)
    default = DEFAULT_PROTECTION[function]
    try:
        protection = Protection(
            min_on=_seconds("min_on", pairs["min_on"]) if "min_on" in pairs else default.min_on,
            min_off=(_seconds("min_off", pairs["min_off"]) if "min_off" in pairs
                     else default.min_off),
            max_starts_per_hour=(_starts(pairs["max_starts"]) if "max_starts" in pairs
                                 else default.max_starts_per_hour))
        active = _choice("active", pairs.get("active", "high"), ("high", "low"))
        safe = _choice("safe", pairs.get("safe", "off"), ("off", "on"))
    except ValueError as e:
        raise ValueError(f"output {oid}: {e}") from None
    args = {k: v for k, v in pairs.items() if k not in COMMON_KEYS}
    return OutputSpec(oid, cls, function, active == "low", protection, safe == "on", args)


def parse_relays_setting(value: str) -> tuple[OutputSpec, ...]:
    """``RPYMOSTAT_RELAYS``: output specs separated by ``;`` (ids must differ)."""
    specs = tuple(parse_output_spec(p) for p in value.split(";") if p.strip())
    return check_unique(specs)


def check_unique(specs: Iterable[OutputSpec]) -> tuple[OutputSpec, ...]:
    """The specs, or ValueError when two share an id."""
    seen: set[str] = set()
    for spec in specs:
        if spec.id in seen:
            raise ValueError(f"output id {spec.id!r} is configured twice")
        seen.add(spec.id)
    return tuple(specs)


def parse_interlocks(value: str) -> tuple[tuple[str, ...], ...] | None:
    """``auto`` → None (derived from functions), ``none`` → no groups, else ``a+b;c+d``."""
    value = value.strip()
    if value == "auto":
        return None
    if value in ("", "none"):
        return ()
    groups = []
    for part in filter(None, (p.strip() for p in value.split(";"))):
        names = tuple(n.strip() for n in part.split("+"))
        if len(names) < 2 or not all(is_valid_id(n) for n in names):
            raise ValueError(f"{part!r}: expected two or more output ids joined by +")
        groups.append(names)
    return tuple(groups)


def interlock_groups(specs: Iterable[OutputSpec],
                     declared: tuple[tuple[str, ...], ...] | None) -> tuple[tuple[str, ...], ...]:
    """The groups to enforce: as declared, else every (heat, cool) pair."""
    specs = tuple(specs)
    if declared is not None:
        known = {s.id for s in specs}
        for group in declared:
            unknown = sorted(set(group) - known)
            if unknown:
                raise ValueError(f"interlock {'+'.join(group)} names unknown output(s):"
                                 f" {', '.join(unknown)}")
        return declared
    heat = [s.id for s in specs if s.function == "heat"]
    cool = [s.id for s in specs if s.function == "cool"]
    return tuple((h, c) for h in heat for c in cool)


def check_safe_states(specs: Iterable[OutputSpec], groups: Iterable[Iterable[str]]) -> None:
    """Two outputs of one interlock group may not both be safe-on (ValueError)."""
    safe_on = {s.id for s in specs if s.safe_on}
    for group in groups:
        both = sorted(safe_on & set(group))
        if len(both) > 1:
            raise ValueError(f"outputs {', '.join(both)} are interlocked but both have safe=on")


DUMMY_OUTPUTS = (parse_output_spec("heat=dummy"), parse_output_spec("cool=dummy"))
