"""One zone's decision: its decider under the engine's safety rules (pure but for the small
memory each zone keeps between decisions).

Order of authority, strongest first:

1. **No fresh reading → safe mode.** The decider is not asked; stale data never drives an
   output (the Home Assistant #63419 class of failure). ``off``: every output off.
   ``low_duty``: in heat or auto mode the heat outputs run ``safe_duty`` of every
   ``DUTY_PERIOD`` (so pipes do not freeze while sensors are down); cooling is off.
   ``frost_only``: heat only while the coldest fresh reading anywhere in the house is below
   the zone's frost floor; otherwise off.
2. **Safety limits**, whatever the mode (also ``off``): below the frost floor heat, until
   ``LIMIT_BAND`` above it; above the upper limit no heating, and cooling until ``LIMIT_BAND``
   below it. They override the decider's minimum on/off times (the relay agent's own
   protections still apply).
3. **The decider**, given the mode's setpoints; its minimum on/off times also hold when the
   mode changes or a safety run ends (:func:`timed`).
4. Never heat and cool together.
"""

from dataclasses import dataclass

from .deciders.base import Decider, DeciderInput, OutputState, Verdict, exclusive, fmt, held
from .model import Zone

DUTY_PERIOD = 1200.0
LIMIT_BAND = 0.5


@dataclass
class SafetyMemory:
    """Whether a safety limit is acting (it holds until the band is crossed)."""

    frost: bool = False
    upper: bool = False


@dataclass(frozen=True)
class ZoneReading:
    """The zone's temperature from its fresh sensors (None: none fresh)."""

    temperature: float | None
    label: str
    fresh: int = 0
    stale: int = 0
    house_coldest: float | None = None  # coldest fresh reading in any zone (frost_only)
    outdoor: float | None = None


@dataclass(frozen=True)
class ZoneVerdict:
    """The verdict and the setpoints it was made for."""

    verdict: Verdict
    heat_setpoint: float | None
    cool_setpoint: float | None
    safe_mode: bool = False

    @property
    def safety(self) -> bool:
        """A safety limit acts (frost floor or upper limit, also in safe mode): it overrides
        the decider's timers and a manual hold."""
        return self.verdict.safety


def safe_mode_verdict(zone: Zone, reading: ZoneReading, memory: SafetyMemory, now: float
                      ) -> Verdict:
    """What the zone does with no fresh reading."""
    memory.upper = False
    why = (f"no fresh reading from {reading.stale} sensor(s)" if reading.stale
           else "no sensor in this zone")
    if zone.safe_mode == "low_duty" and zone.mode in ("heat", "auto"):
        memory.frost = False
        on = now % DUTY_PERIOD < zone.safe_duty * DUTY_PERIOD
        return Verdict(on, False, "safe-mode", f"safe mode: {why}; heating {zone.safe_duty:.0%}"
                       f" of every {DUTY_PERIOD / 60:.0f} min ({'on' if on else 'off'} now)")
    if zone.safe_mode == "frost_only" and reading.house_coldest is not None:
        cold = reading.house_coldest
        memory.frost = cold < zone.frost_c or (memory.frost and cold < zone.frost_c + LIMIT_BAND)
        if memory.frost:
            return Verdict(True, False, "safe-mode", f"safe mode: {why}; frost protection:"
                           f" the coldest fresh reading in the house is {fmt(cold)} °C <"
                           f" {fmt(zone.frost_c)}", safety=True)
        return Verdict(False, False, "safe-mode", f"safe mode: {why}; outputs off (coldest"
                       f" fresh reading in the house {fmt(cold)} °C)")
    memory.frost = False
    return Verdict(False, False, "safe-mode", f"safe mode: {why}; outputs off")


def limit_verdict(zone: Zone, t: float, label: str, memory: SafetyMemory) -> Verdict | None:
    """The frost floor or the upper limit, when one acts."""
    memory.frost = t < zone.frost_c or (memory.frost and t < zone.frost_c + LIMIT_BAND)
    memory.upper = t > zone.max_c or (memory.upper and t > zone.max_c - LIMIT_BAND)
    if memory.frost:
        return Verdict(True, False, "frost-protection", f"frost protection: {label} {fmt(t)} °C"
                       f" < floor {fmt(zone.frost_c)} (heating to"
                       f" {fmt(zone.frost_c + LIMIT_BAND)})", safety=True)
    if memory.upper:
        return Verdict(False, True, "over-temperature", f"upper limit: {label} {fmt(t)} °C >"
                       f" {fmt(zone.max_c)} (no heating; cooling where possible)", safety=True)
    return None


def decide_zone(zone: Zone, reading: ZoneReading, target_c: float, *,
                heat: OutputState, cool: OutputState, decider: Decider, memory: SafetyMemory,
                now: float) -> ZoneVerdict:
    """The zone's verdict for this moment."""
    heat_sp, cool_sp = zone.setpoints(target_c)
    if reading.temperature is None:
        return ZoneVerdict(safe_mode_verdict(zone, reading, memory, now), heat_sp, cool_sp,
                           safe_mode=True)
    t = reading.temperature
    limit = limit_verdict(zone, t, reading.label, memory)
    if limit is not None:
        return ZoneVerdict(limit, heat_sp, cool_sp)
    inp = DeciderInput(now, t, heat_sp, cool_sp, heat, cool, reading.label, reading.outdoor)
    v = decider.decide(inp) if heat_sp is not None or cool_sp is not None \
        else Verdict(False, False, "off", "mode off")
    return ZoneVerdict(timed(v, inp, decider), heat_sp, cool_sp)


def timed(v: Verdict, inp: DeciderInput, decider: Decider) -> Verdict:
    """The decider's minimum on/off times over everything that is not a safety action: a
    mode change, the end of a frost or upper-limit run, a setpoint the mode no longer has."""
    min_on, min_off = decider.min_on, decider.min_off
    heat_on, heat_wait = held(v.heat and inp.heat_setpoint is not None, inp.heat, inp.now,
                              min_on, min_off)
    cool_on, cool_wait = held(v.cool and inp.cool_setpoint is not None, inp.cool, inp.now,
                              min_on, min_off)
    heat_on, cool_on = exclusive(heat_on, cool_on, inp)
    if (heat_on, cool_on) == (v.heat, v.cool):
        return v
    state = "heating" if heat_on else "cooling" if cool_on else "idle"
    notes = [f"the {name} stays {'on' if on else 'off'}: the minimum {'on' if on else 'off'}"
             f" time holds it {wait:.0f} s more"
             for name, on, wait in (("heat", heat_on, heat_wait), ("cooling", cool_on, cool_wait))
             if wait > 0]
    return Verdict(heat_on, cool_on, state, "; ".join([v.reason, *notes]))
