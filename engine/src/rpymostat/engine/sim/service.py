"""The simulated house running on a clock (the reactor, or task.Clock in tests).

Simulated time is the clock's time when the house was made plus the clock's seconds since then
times ``speed`` (60: one real minute is one simulated hour). The model is advanced to the
simulated now before every answer and every switch, and by a timer every ``tick`` seconds,
which also keeps a short history of samples for the house's page.
"""

from collections import deque
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from twisted.application.service import Service
from twisted.internet import task
from twisted.logger import Logger

from rpymostat.shared.clock import Clock, iso
from rpymostat.shared.errors import NotFound

from .config import HouseConfig
from .model import House, OutdoorModel, SimZone, ZoneParams

_log = Logger(namespace="rpymostat.engine.sim")
TICK_S = 1.0
HISTORY = 600  # samples: ten real minutes at one a second
FUNCTIONS = ("heat", "cool")


def new_house(config: HouseConfig, now: float, utc_offset_h: float = 0.0) -> House:
    """The model as configured, at epoch seconds ``now`` (``utc_offset_h``: the local time
    zone, for the daily outdoor curve and the sun)."""
    params = ZoneParams(solar_kw=config.solar_kw)
    outdoor = OutdoorModel(config.outdoor_mean, config.outdoor_amplitude,
                           utc_offset_h=utc_offset_h, seed=config.seed,
                           step_sd=config.weather_sd)
    return House({z: SimZone(params, config.start_c) for z in config.zones}, outdoor, now=now)


def _r(value: float, places: int = 3) -> float:
    return round(value, places)


def as_number(value: float) -> float | int:
    """60.0 → 60 (as the speed is written), 0.5 stays."""
    return int(value) if value.is_integer() else value


class RunningHouse(Service):
    """The model on ``clock``, ``speed`` times faster; answers what the API serves."""

    def __init__(self, clock: Clock, house: House, speed: float, *, tick: float = TICK_S,
                 keep: int = HISTORY) -> None:
        self._clock = clock
        self.house = house
        self.speed = speed
        self._tick = tick
        self._real0 = clock.seconds()
        self._sim0 = house.now
        self.history: deque[dict[str, Any]] = deque(maxlen=keep)
        self._loop = task.LoopingCall(self.sample)
        self._loop.clock = clock  # type: ignore[assignment]

    def startService(self) -> None:
        """Advance and sample every ``tick`` seconds."""
        super().startService()
        self._loop.start(self._tick, now=True).addErrback(
            lambda f: _log.failure("the simulated house stopped", f))

    def stopService(self) -> Any:
        """Stop the timer."""
        super().stopService()
        if self._loop.running:
            self._loop.stop()

    # -- time --------------------------------------------------------------------------------

    def sim_time(self) -> float:
        """Simulated epoch seconds now."""
        return self._sim0 + max(0.0, self._clock.seconds() - self._real0) * self.speed

    def advance(self) -> None:
        """Run the model to the simulated now."""
        self.house.advance_to(self.sim_time())

    def sample(self) -> None:
        """Advance and remember the state (the page's trace)."""
        self.advance()
        self.history.append(self._sample())

    # -- commands ----------------------------------------------------------------------------

    def zone(self, zone_id: str) -> SimZone:
        """A zone (404 when unknown)."""
        zone = self.house.zones.get(zone_id)
        if zone is None:
            raise NotFound(f"no such zone: {zone_id[:64]}; zones: {', '.join(self.house.zones)}")
        return zone

    def output(self, zone_id: str, function: str) -> SimZone:
        """The zone whose heater (``heat``) or cooler (``cool``) is meant (404 otherwise)."""
        zone = self.zone(zone_id)
        if function not in FUNCTIONS:
            raise NotFound(f"a simulated zone has a heater (heat) and a cooler (cool), not"
                           f" {function[:32]!r}")
        return zone

    def switch(self, zone_id: str, function: str, on: bool) -> None:
        """Switch a zone's heater (``heat``) or cooler (``cool``) from the simulated now.

        The model obeys whatever it is told, both on together included: keeping them apart is
        the engine's and the relay agent's job, and the house shows what they did.
        """
        zone = self.output(zone_id, function)
        self.advance()
        before = zone.switches
        zone.set_output(function, on)
        if zone.switches != before:
            _log.info("zone {zone}: {what} {state} at simulated {time}", zone=zone_id,
                      what="heater" if function == "heat" else "cooler",
                      state="on" if on else "off", time=self._local(self.house.now))

    # -- views (each advances the model first) -----------------------------------------------

    def _time(self, t: float) -> dict[str, str]:
        return {"time": iso(datetime.fromtimestamp(round(t), UTC)), "local_time": self._local(t)}

    def _local(self, t: float) -> str:
        tz = timezone(timedelta(hours=self.house.outdoor.utc_offset_h))
        return datetime.fromtimestamp(round(t), tz).isoformat(timespec="seconds")

    def _outdoor_c(self) -> float:
        return _r(self.house.outdoor.temperature(self.house.now))

    def house_json(self) -> dict[str, Any]:
        """Time, speed, outdoors and every zone with its outputs and energy."""
        self.advance()
        return {**self._time(self.house.now), "speed": as_number(self.speed),
                "outdoor_c": self._outdoor_c(),
                "zones": {zid: {"indoor_c": _r(z.temp_c), "heater": z.heater,
                                "cooler": z.cooler, "heat_kwh": _r(z.heat_kwh, 4),
                                "cool_kwh": _r(z.cool_kwh, 4), "switches": z.switches}
                          for zid, z in self.house.zones.items()}}

    def zone_json(self, zone_id: str) -> dict[str, Any]:
        """One zone: indoors, outdoors, its outputs (404 when unknown)."""
        zone = self.zone(zone_id)
        self.advance()
        return {"indoor_c": _r(zone.temp_c), "outdoor_c": self._outdoor_c(),
                "heater": zone.heater, "cooler": zone.cooler, **self._time(self.house.now)}

    def outdoor_json(self) -> dict[str, Any]:
        """The outdoor temperature now."""
        self.advance()
        return {"outdoor_c": self._outdoor_c(), **self._time(self.house.now)}

    def _sample(self) -> dict[str, Any]:
        return {"time": self._time(self.house.now)["time"], "outdoor_c": self._outdoor_c(),
                "zones": {zid: {"indoor_c": _r(z.temp_c), "heater": z.heater,
                                "cooler": z.cooler}
                          for zid, z in self.house.zones.items()}}

    def history_json(self) -> dict[str, Any]:
        """The samples of the last minutes (one per tick), oldest first."""
        return {"speed": as_number(self.speed), "tick_s": self._tick, "samples": list(self.history)}
