"""Decider plugin ``bangbang``: on below the setpoint, off at or above it, with minimum on and
off times (the simplest thermostat; the built-in ``hysteresis`` adds tolerances)."""

from collections.abc import Mapping
from typing import Any, ClassVar

from rpymostat.engine.zones.deciders.base import (
    SECONDS_SCHEMA,
    DeciderInput,
    Verdict,
    exclusive,
    fmt,
    held,
)


class BangBangDecider:
    """The plugin class; the engine builds one instance per zone with the parameters already
    checked against ``schema`` and defaulted."""

    name: ClassVar[str] = "bangbang"
    description: ClassVar[str] = "on below the setpoint, off at it (minimum on/off times)"
    schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {"min_on_s": {**SECONDS_SCHEMA, "default": 300},
                       "min_off_s": {**SECONDS_SCHEMA, "default": 300}}}

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.min_on = float(params["min_on_s"])
        self.min_off = float(params["min_off_s"])

    def decide(self, inp: DeciderInput) -> Verdict:
        """Heat below the heat setpoint, cool above the cool setpoint."""
        t = inp.temperature
        want_heat = inp.heat_setpoint is not None and t < inp.heat_setpoint
        want_cool = inp.cool_setpoint is not None and t > inp.cool_setpoint
        heat, _ = held(want_heat, inp.heat, inp.now, self.min_on, self.min_off)
        cool, _ = held(want_cool, inp.cool, inp.now, self.min_on, self.min_off)
        heat, cool = exclusive(heat, cool, inp)
        if heat:
            return Verdict(True, False, "heating",
                           f"{inp.label} {fmt(t)} °C < {fmt(inp.heat_setpoint or 0)} °C")
        if cool:
            return Verdict(False, True, "cooling",
                           f"{inp.label} {fmt(t)} °C > {fmt(inp.cool_setpoint or 0)} °C")
        return Verdict(False, False, "idle", f"{inp.label} {fmt(t)} °C: nothing to do")
