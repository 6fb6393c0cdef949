"""The simulated house's settings: environment variables only, declared in one table."""

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from twisted.logger import LogLevel

from rpymostat.shared.busconfig import ADVERTISE_SETTING
from rpymostat.shared.envconfig import (
    Setting,
    load,
    parse_endpoint,
    parse_int_range,
    parse_log_level,
    token_setting,
)
from rpymostat.shared.ids import parse_id

OUTDOOR_ID = "outdoor"  # the sim sensor plugin reports the outdoor temperature under this id
MAX_ZONES = 16
MAX_SPEED = 3600.0  # one real second is at most one simulated hour


def parse_speed(value: str) -> float:
    """Simulated seconds per real second: 0.1 .. 3600."""
    speed = float(value)
    if not math.isfinite(speed) or not 0.1 <= speed <= MAX_SPEED:
        raise ValueError(f"must be a number from 0.1 to {MAX_SPEED:g}")
    return speed


def number_in(low: float, high: float) -> Callable[[str], float]:
    """A parser for a finite number from ``low`` to ``high``."""

    def parse(value: str) -> float:
        number = float(value)
        if not math.isfinite(number) or not low <= number <= high:
            raise ValueError(f"must be a number from {low:g} to {high:g}")
        return number

    return parse


def parse_zones(value: str) -> tuple[str, ...]:
    """Comma-separated zone ids, at least one, no repeats, not ``outdoor``."""
    zones = tuple(z.strip() for z in value.split(",") if z.strip())
    if not zones:
        raise ValueError("name at least one zone")
    if len(zones) > MAX_ZONES:
        raise ValueError(f"at most {MAX_ZONES} zones")
    for zone in zones:
        try:
            parse_id(zone)
        except ValueError as e:
            raise ValueError(f"zone {zone[:40]!r}: {e}") from None
    if len(set(zones)) != len(zones):
        raise ValueError("a zone is named twice")
    if OUTDOOR_ID in zones:
        raise ValueError(f"{OUTDOOR_ID!r} is the outdoor sensor's id; name the zone otherwise")
    return zones


SETTINGS: tuple[Setting, ...] = (
    Setting("RPYMOSTAT_HOUSE_LISTEN", "tcp:8093", "endpoint", parse_endpoint,
            "Twisted endpoint string the house's API and page listen on"),
    Setting("RPYMOSTAT_LOG_LEVEL", "info", "level", parse_log_level,
            "debug, info, warn, error or critical"),
    Setting("RPYMOSTAT_HOUSE_SPEED", "60", "factor", parse_speed,
            "time acceleration: simulated seconds per real second (60: a minute is an hour)"),
    Setting("RPYMOSTAT_HOUSE_ZONES", "house", "ids", parse_zones,
            "the house's zones, comma-separated (each has a heater and a cooler)"),
    Setting("RPYMOSTAT_HOUSE_OUTDOOR_MEAN", "5", "°C", number_in(-40.0, 45.0),
            "the day's mean outdoor temperature"),
    Setting("RPYMOSTAT_HOUSE_OUTDOOR_AMPLITUDE", "4", "°C", number_in(0.0, 25.0),
            "half the swing between night (coldest 05:00) and day (warmest 17:00)"),
    Setting("RPYMOSTAT_HOUSE_WEATHER_SD", "1.5", "°C", number_in(0.0, 10.0),
            "spread of the weather: a random step every 6 simulated hours (0: none)"),
    Setting("RPYMOSTAT_HOUSE_START_C", "19", "°C", number_in(-20.0, 40.0),
            "every zone's indoor temperature at start"),
    Setting("RPYMOSTAT_HOUSE_SOLAR_KW", "0", "kW", number_in(0.0, 50.0),
            "peak solar gain through each zone's windows at noon (0: none)"),
    Setting("RPYMOSTAT_HOUSE_SEED", "0", "integer", parse_int_range(0, 2**31 - 1),
            "seed of the weather steps (the same seed gives the same weather)"),
    ADVERTISE_SETTING,
    token_setting("the site token: when set, switching a heater or cooler (PUT) needs"
                  " 'Authorization: Bearer <token>' (the relay agent's sim output sends its own)"),
)


@dataclass(frozen=True)
class HouseConfig:
    """Validated settings, passed into constructors."""

    listen: str
    log_level: LogLevel
    speed: float
    zones: tuple[str, ...]
    outdoor_mean: float
    outdoor_amplitude: float
    weather_sd: float
    start_c: float
    solar_kw: float
    seed: int
    advertise: bool
    token: str | None = None


def load_config(environ: Mapping[str, str]) -> HouseConfig:
    """Validate the environment; raises ConfigError naming the first bad variable."""
    v = load(SETTINGS, environ)
    return HouseConfig(
        listen=v["RPYMOSTAT_HOUSE_LISTEN"],
        log_level=v["RPYMOSTAT_LOG_LEVEL"],
        speed=v["RPYMOSTAT_HOUSE_SPEED"],
        zones=v["RPYMOSTAT_HOUSE_ZONES"],
        outdoor_mean=v["RPYMOSTAT_HOUSE_OUTDOOR_MEAN"],
        outdoor_amplitude=v["RPYMOSTAT_HOUSE_OUTDOOR_AMPLITUDE"],
        weather_sd=v["RPYMOSTAT_HOUSE_WEATHER_SD"],
        start_c=v["RPYMOSTAT_HOUSE_START_C"],
        solar_kw=v["RPYMOSTAT_HOUSE_SOLAR_KW"],
        seed=v["RPYMOSTAT_HOUSE_SEED"],
        advertise=v["RPYMOSTAT_ADVERTISE"] == "on",
        token=v["RPYMOSTAT_TOKEN"],
    )
