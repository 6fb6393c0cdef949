"""A 1R1C thermal model per zone (pure; time is passed in, nothing sleeps).

Each zone is one thermal capacity ``C`` (kWh/K) behind one resistance ``R`` (K/kW) to the
outdoors, heated by a heater of ``heater_kw`` and cooled by a cooler of ``cooler_kw`` when they
are on, plus an optional solar gain::

    C · dT/dt = (T_out − T) / R + P

With the inputs held over a step, the solution is exact (no integration error):
``T(t) = T_ss + (T0 − T_ss) · exp(−t / (R·C))`` with ``T_ss = T_out + R · P``. Steps are cut at
``MAX_STEP`` so the outdoor temperature and the sun, which do change, are followed closely.
"""

import math
import random
from dataclasses import dataclass, field

MAX_STEP = 60.0  # seconds


@dataclass(frozen=True)
class ZoneParams:
    """One zone's physics. The defaults are a detached house: UA 200 W/K, a time constant of
    15 h, a 12 kW boiler (twice the design loss at −10 °C, a common sizing) and a 5 kW air
    conditioner."""

    r_k_per_kw: float = 5.0
    c_kwh_per_k: float = 3.0
    heater_kw: float = 12.0
    cooler_kw: float = 5.0
    solar_kw: float = 0.0  # peak solar gain at noon

    @property
    def tau_s(self) -> float:
        """The time constant R·C in seconds."""
        return self.r_k_per_kw * self.c_kwh_per_k * 3600.0


def settle(temp: float, outdoor: float, power_kw: float, params: ZoneParams, dt: float
           ) -> float:
    """The temperature after ``dt`` seconds with the inputs held (the exact solution)."""
    steady = outdoor + params.r_k_per_kw * power_kw
    return steady + (temp - steady) * math.exp(-dt / params.tau_s)


def solar_share(hour_of_day: float) -> float:
    """0..1: a half sine from 06:00 to 18:00 (the sun's gain through the windows)."""
    if not 6.0 <= hour_of_day <= 18.0:
        return 0.0
    return math.sin(math.pi * (hour_of_day - 6.0) / 12.0)


@dataclass
class SimZone:
    """One zone's state: temperature, outputs, and the energy used so far."""

    params: ZoneParams
    temp_c: float
    heater: bool = False
    cooler: bool = False
    heat_kwh: float = 0.0
    cool_kwh: float = 0.0
    switches: int = 0

    def power_kw(self, hour_of_day: float) -> float:
        """Net heat into the zone now."""
        p = self.params
        return (p.heater_kw if self.heater else 0.0) - (p.cooler_kw if self.cooler else 0.0) \
            + p.solar_kw * solar_share(hour_of_day)

    def set_output(self, function: str, on: bool) -> None:
        """Switch the heater or the cooler (counting switches)."""
        if function not in ("heat", "cool"):
            raise ValueError(f"a simulated zone has a heater and a cooler, not {function!r}")
        attr = "heater" if function == "heat" else "cooler"
        if getattr(self, attr) != on:
            setattr(self, attr, on)
            self.switches += 1

    def advance(self, dt: float, outdoor: float, hour_of_day: float) -> None:
        """Let ``dt`` seconds pass with the current inputs."""
        self.temp_c = settle(self.temp_c, outdoor, self.power_kw(hour_of_day), self.params, dt)
        hours = dt / 3600.0
        self.heat_kwh += self.params.heater_kw * hours if self.heater else 0.0
        self.cool_kwh += self.params.cooler_kw * hours if self.cooler else 0.0


@dataclass
class House:
    """Zones under one sky; ``outdoor(t)`` and ``hour(t)`` give the weather and the time of
    day at epoch seconds ``t``."""

    zones: dict[str, SimZone]
    outdoor: "OutdoorModel"
    now: float
    history: list[tuple[float, dict[str, float]]] = field(default_factory=list)

    def advance_to(self, t: float) -> None:
        """Run the model to epoch seconds ``t`` in steps of at most MAX_STEP."""
        while self.now < t:
            dt = min(MAX_STEP, t - self.now)
            mid = self.now + dt / 2
            outdoor = self.outdoor.temperature(mid)
            hour = self.outdoor.hour_of_day(mid)
            for zone in self.zones.values():
                zone.advance(dt, outdoor, hour)
            self.now += dt


class OutdoorModel:
    """Outdoor temperature: a daily sine (coldest at 05:00, warmest at 17:00 local) plus
    weather: a step every ``step_hours``, drawn from N(0, ``step_sd``) by the seed and the
    step's index (the same ``t`` always gives the same temperature, in any order)."""

    def __init__(self, mean_c: float, amplitude_c: float, *, utc_offset_h: float = 0.0,
                 seed: int = 0, step_hours: float = 6.0, step_sd: float = 0.0) -> None:
        self.mean_c = mean_c
        self.amplitude_c = amplitude_c
        self.utc_offset_h = utc_offset_h
        self.step_s = step_hours * 3600.0
        self.seed = seed
        self.step_sd = step_sd

    def hour_of_day(self, t: float) -> float:
        """Local hour of day (0..24) at epoch seconds ``t``."""
        return ((t / 3600.0) + self.utc_offset_h) % 24.0

    def weather(self, t: float) -> float:
        """The weather's offset from the daily curve at ``t``."""
        if self.step_sd == 0:
            return 0.0
        index = int(t // self.step_s)
        return random.Random(f"{self.seed}:{index}").gauss(0.0, self.step_sd)  # noqa: S311

    def temperature(self, t: float) -> float:
        """°C outdoors at epoch seconds ``t``."""
        hour = self.hour_of_day(t)
        daily = -self.amplitude_c * math.cos(2 * math.pi * (hour - 5.0) / 24.0)
        return self.mean_c + daily + self.weather(t)
