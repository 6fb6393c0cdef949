"""Time-proportional (TPI) decider, as in Honeywell/Netatmo/Versatile Thermostat controllers.

At the start of each cycle the output's share of it is computed from how far the zone is from
its setpoint (and, when known, how cold it is outside):
``duty = coef_int × (setpoint − T) + coef_ext × (setpoint − T_outdoor)``, held within 0..1.
The output is on for ``duty × cycle`` from the cycle's start, then off. An off time shorter
than the minimum off time is filled (the whole cycle on); otherwise a share shorter than the
minimum on time is skipped. A mode change starts a new cycle. The
minimum on/off times also hold across cycles. Cooling works the same way with ``T − setpoint``.
"""

from collections.abc import Mapping
from typing import Any, ClassVar

from .base import SECONDS_SCHEMA, DeciderInput, OutputState, Verdict, exclusive, fmt, held


class TPIDecider:
    """Duty cycle proportional to the error."""

    name: ClassVar[str] = "tpi"
    description: ClassVar[str] = (
        "Time-proportional control: each cycle, on for a share proportional to the distance"
        " to the setpoint (plus an outdoor term); smooth temperatures with few cycles.")
    schema: ClassVar[dict[str, Any]] = {
        "type": "object", "additionalProperties": False,
        "properties": {
            "cycle_s": {"type": "number", "minimum": 60, "maximum": 7200, "default": 900,
                        "description": "cycle length"},
            "coef_int": {"type": "number", "minimum": 0, "maximum": 10, "default": 0.6,
                         "description": "share per °C below the setpoint"},
            "coef_ext": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.01,
                         "description": "share per °C the outdoors is below the setpoint"},
            "min_on_s": {**SECONDS_SCHEMA, "default": 120, "description": "minimum run time"},
            "min_off_s": {**SECONDS_SCHEMA, "default": 120, "description": "minimum rest time"},
        }}

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.cycle = float(params.get("cycle_s", 900))
        self.coef_int = float(params.get("coef_int", 0.6))
        self.coef_ext = float(params.get("coef_ext", 0.01))
        self.min_on = float(params.get("min_on_s", 120))
        self.min_off = float(params.get("min_off_s", 120))
        self._cycle_start: float | None = None
        self._functions: tuple[bool, bool] = (False, False)
        self._heat_share = 0.0
        self._cool_share = 0.0

    def _share(self, error: float, outdoor_error: float | None) -> float:
        duty = self.coef_int * error + self.coef_ext * (outdoor_error or 0.0)
        on = min(max(duty, 0.0), 1.0) * self.cycle
        if on >= self.cycle or (on > 0 and self.cycle - on < self.min_off):
            return self.cycle
        if on < self.min_on:
            return 0.0
        return on

    def _new_cycle(self, inp: DeciderInput) -> None:
        self._cycle_start = inp.now
        t, out = inp.temperature, inp.outdoor
        hs, cs = inp.heat_setpoint, inp.cool_setpoint
        self._heat_share = 0.0 if hs is None else self._share(
            hs - t, None if out is None else hs - out)
        self._cool_share = 0.0 if cs is None else self._share(
            t - cs, None if out is None else out - cs)

    def decide(self, inp: DeciderInput) -> Verdict:
        """On while the cycle's share lasts; timers applied; never both."""
        functions = (inp.heat_setpoint is not None, inp.cool_setpoint is not None)
        if self._cycle_start is None or inp.now - self._cycle_start >= self.cycle \
                or inp.now < self._cycle_start or functions != self._functions:
            self._functions = functions  # a new cycle also when the mode changes
            self._new_cycle(inp)
        assert self._cycle_start is not None
        into = inp.now - self._cycle_start
        heat, heat_wait = self._timed(into < self._heat_share, inp.heat, inp.now) \
            if inp.heat_setpoint is not None else (False, 0.0)
        cool, cool_wait = self._timed(into < self._cool_share, inp.cool, inp.now) \
            if inp.cool_setpoint is not None else (False, 0.0)
        heat, cool = exclusive(heat, cool, inp)
        if inp.heat_setpoint is None and inp.cool_setpoint is None:
            return Verdict(False, False, "off", "mode off")
        t = fmt(inp.temperature)
        if heat:
            sp = inp.heat_setpoint
            return Verdict(True, False, "heating", self._why(
                "heating", self._heat_share, f"{inp.label} {t} °C, setpoint {fmt(sp or 0)}",
                heat_wait))
        if cool:
            sp = inp.cool_setpoint
            return Verdict(False, True, "cooling", self._why(
                "cooling", self._cool_share, f"{inp.label} {t} °C, setpoint {fmt(sp or 0)}",
                cool_wait))
        share = max(self._heat_share, self._cool_share)
        return Verdict(False, False, "idle", self._why(
            "idle", share, f"{inp.label} {t} °C", max(heat_wait, cool_wait)))

    def _timed(self, want: bool, state: OutputState, now: float) -> tuple[bool, float]:
        return held(want, state, now, self.min_on, self.min_off)

    def _why(self, word: str, share: float, what: str, wait: float) -> str:
        text = f"{word}: {what}: {share / self.cycle:.0%} of a {self.cycle / 60:.0f} min cycle"
        if wait:
            text += f" (a minimum on/off time holds the output {wait:.0f} s more)"
        return text
