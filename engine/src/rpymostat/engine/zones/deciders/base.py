"""What a decider sees and says, and the helpers every decider shares.

A decider turns (setpoints, the zone's temperature, its outputs' states) into whether the
zone's heat and cool outputs should be on, with a human-readable reason. It never sees stale
data: when the zone has no fresh reading the engine's safe mode decides instead, and the
engine's safety limits (frost floor, upper limit) are applied over its answer. One instance
runs one zone and may keep memory (a TPI cycle, a rest after a long run); time comes in
``DeciderInput.now``.

A plugin class declares ``name``, ``description`` and ``schema`` (JSON Schema of its
parameters, with defaults) and is built with its parameters, already checked and defaulted.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from rpymostat.shared.pluginargs import load_plugins

ENTRY_POINT_GROUP = "rpymostat.deciders"
SECONDS_SCHEMA = {"type": "number", "minimum": 0, "maximum": 86_400}


@dataclass(frozen=True)
class OutputState:
    """The zone's heat (or cool) outputs: on or off, and since when (None: unknown, long)."""

    on: bool = False
    since: float | None = None

    def held_for(self, now: float) -> float:
        """Seconds in this state (infinite when unknown)."""
        return float("inf") if self.since is None else now - self.since


@dataclass(frozen=True)
class DeciderInput:
    """One decision's inputs."""

    now: float
    temperature: float
    heat_setpoint: float | None  # None: the mode does not heat
    cool_setpoint: float | None  # None: the mode does not cool
    heat: OutputState
    cool: OutputState
    label: str  # what the temperature is of, for reasons ("living room")
    outdoor: float | None = None


@dataclass(frozen=True)
class Verdict:
    """Whether heat and cool should be on, the zone's state word, and why."""

    heat: bool
    cool: bool
    state: str  # heating, cooling, idle, off, safe-mode, frost-protection, over-temperature
    reason: str
    # set by the engine when a safety limit acts (not by deciders); not part of equality
    safety: bool = field(default=False, compare=False)


class Decider(Protocol):
    """A decider instance (one per zone); the engine also applies its minimum times when the
    mode changes or a safety run ends."""

    min_on: float
    min_off: float

    def decide(self, inp: DeciderInput) -> Verdict:
        """The verdict for ``inp``."""


class DeciderPlugin(Protocol):
    """A decider plugin class."""

    name: ClassVar[str]
    description: ClassVar[str]
    schema: ClassVar[dict[str, Any]]

    def __call__(self, params: Mapping[str, Any]) -> Decider:
        """An instance for one zone."""


def held(want: bool, state: OutputState, now: float, min_on: float, min_off: float
         ) -> tuple[bool, float]:
    """Apply minimum on/off times: (what to do, seconds still to wait; 0 when free)."""
    if want == state.on:
        return want, 0.0
    minimum = min_on if state.on else min_off
    left = minimum - state.held_for(now)
    if left > 0:
        return state.on, left
    return want, 0.0


def fmt(value: float) -> str:
    """A temperature or tolerance as reasons write it (19.6, 21.0, 0.3)."""
    return f"{value:.1f}" if abs(value - round(value, 1)) < 1e-9 else f"{value:.2f}"


def exclusive(heat: bool, cool: bool, inp: DeciderInput) -> tuple[bool, bool]:
    """Never heat and cool together: the one already on keeps running; the other waits
    (if neither was on, heat waits)."""
    if heat and cool:
        return (True, False) if inp.heat.on and not inp.cool.on else (False, True)
    return heat, cool


def installed_deciders() -> dict[str, DeciderPlugin]:
    """The plugins of ``rpymostat.deciders`` (the built-in ones if none are installed)."""
    from .hysteresis import HysteresisDecider
    from .tpi import TPIDecider

    return load_plugins(ENTRY_POINT_GROUP) or {p.name: p for p in (HysteresisDecider, TPIDecider)}  # type: ignore[misc]
