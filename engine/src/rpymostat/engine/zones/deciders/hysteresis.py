"""The default decider: hysteresis with separate cold and hot tolerances.

Heating switches on at ``setpoint − cold_tolerance`` and off at ``setpoint + hot_tolerance``;
cooling on at ``setpoint + hot_tolerance`` and off at ``setpoint − cold_tolerance`` (Home
Assistant's generic_thermostat semantics). On top: minimum on and off times (no short
cycling), an optional maximum run time (then a rest of at least the minimum off time), and
never heating and cooling together.

The default tolerance is 0.35 °C. Its first justification — about 28 % fewer starts than Home
Assistant's generic_thermostat — was measured against that thermostat's rules before early 2025
(inclusive comparisons, a minimum cycle in both directions) and is withdrawn: with today's rules
(strict comparisons; bench/ha_thermostat.py) Home Assistant at 0.3 switches at the same 0.1 °C
readings as ours at 0.35 (heat on at 20.6, off at 21.4 for 21 °C), and the starts are the same
within a few per cent (BENCHMARKS.md, issue 22). The value is kept because it is that: the
same switching points as Home Assistant's default on sensors that report in 0.1 °C steps.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from .base import SECONDS_SCHEMA, DeciderInput, OutputState, Verdict, exclusive, fmt, held

TOLERANCE = 0.35  # °C, both sides: see the module's docstring


@dataclass(frozen=True)
class _Channel:
    """One function's wish after its timers: on?, and the reason words."""

    on: bool
    reason: str


class HysteresisDecider:
    """On/off with tolerances and timers."""

    name: ClassVar[str] = "hysteresis"
    description: ClassVar[str] = (
        "On/off control: heat below target − cold tolerance until target + hot tolerance"
        " (cooling the other way round), with minimum on/off times and an optional maximum"
        " run time.")
    schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {
            "cold_tolerance": {"type": "number", "minimum": 0, "maximum": 5, "default": TOLERANCE,
                               "description": "°C below target before heating starts"},
            "hot_tolerance": {"type": "number", "minimum": 0, "maximum": 5, "default": TOLERANCE,
                              "description": "°C above target before heating stops"},
            "min_on_s": {**SECONDS_SCHEMA, "default": 300, "description": "minimum run time"},
            "min_off_s": {**SECONDS_SCHEMA, "default": 300, "description": "minimum rest time"},
            "max_run_s": {**SECONDS_SCHEMA, "default": 0,
                          "description": "longest run before a rest (0: no limit)"},
        }}

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.cold = float(params.get("cold_tolerance", TOLERANCE))
        self.hot = float(params.get("hot_tolerance", TOLERANCE))
        self.min_on = float(params.get("min_on_s", 300))
        self.min_off = float(params.get("min_off_s", 300))
        self.max_run = float(params.get("max_run_s", 0))

    def decide(self, inp: DeciderInput) -> Verdict:
        """Heat and cool wishes, timers applied, never both."""
        heat = self._heat(inp) if inp.heat_setpoint is not None else None
        cool = self._cool(inp) if inp.cool_setpoint is not None else None
        heat_on, cool_on = exclusive(bool(heat and heat.on), bool(cool and cool.on), inp)
        if heat is not None and heat_on:
            return Verdict(True, False, "heating", heat.reason)
        if cool is not None and cool_on:
            return Verdict(False, True, "cooling", cool.reason)
        reasons = [c.reason for c in (heat, cool) if c is not None]
        if not reasons:
            return Verdict(False, False, "off", "mode off")
        return Verdict(False, False, "idle", "; ".join(reasons))

    def _timed(self, want: bool, state: OutputState, now: float, word: str, why: str
               ) -> _Channel:
        if state.on and want and self.max_run \
                and state.held_for(now) >= max(self.max_run, self.min_on):
            return _Channel(False, f"resting: {word} ran {state.held_for(now) / 60:.0f} min,"
                                   f" the maximum run time")
        on, wait = held(want, state, now, self.min_on, self.min_off)
        if wait:
            timer = "minimum on" if state.on else "minimum off"
            return _Channel(on, f"{why}, but the {timer} time holds it {wait:.0f} s more")
        return _Channel(on, why)

    def _heat(self, inp: DeciderInput) -> _Channel:
        sp, t, label = inp.heat_setpoint, inp.temperature, inp.label
        assert sp is not None
        if not inp.heat.on and t <= sp - self.cold:
            why = f"heating: {label} {fmt(t)} °C < {fmt(sp)} − {fmt(self.cold)}"
            return self._timed(True, inp.heat, inp.now, "heating", why)
        if inp.heat.on and t < sp + self.hot:
            why = f"heating: {label} {fmt(t)} °C < {fmt(sp)} + {fmt(self.hot)}"
            return self._timed(True, inp.heat, inp.now, "heating", why)
        if inp.heat.on:
            why = f"heat off: {label} {fmt(t)} °C ≥ {fmt(sp)} + {fmt(self.hot)}"
            return self._timed(False, inp.heat, inp.now, "heating", why)
        return _Channel(False, f"idle: {label} {fmt(t)} °C > {fmt(sp)} − {fmt(self.cold)}")

    def _cool(self, inp: DeciderInput) -> _Channel:
        sp, t, label = inp.cool_setpoint, inp.temperature, inp.label
        assert sp is not None
        if not inp.cool.on and t >= sp + self.hot:
            why = f"cooling: {label} {fmt(t)} °C > {fmt(sp)} + {fmt(self.hot)}"
            return self._timed(True, inp.cool, inp.now, "cooling", why)
        if inp.cool.on and t > sp - self.cold:
            why = f"cooling: {label} {fmt(t)} °C > {fmt(sp)} − {fmt(self.cold)}"
            return self._timed(True, inp.cool, inp.now, "cooling", why)
        if inp.cool.on:
            why = f"cool off: {label} {fmt(t)} °C ≤ {fmt(sp)} − {fmt(self.cold)}"
            return self._timed(False, inp.cool, inp.now, "cooling", why)
        return _Channel(False, f"idle: {label} {fmt(t)} °C < {fmt(sp)} + {fmt(self.hot)}")
