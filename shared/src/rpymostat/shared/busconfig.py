"""Settings every daemon shares for the bus and discovery (one table, parsed once)."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from twisted.logger import LogLevel

from .envconfig import Setting, parse_choice, parse_int_range, parse_log_level, parse_nonempty


def parse_http_url(value: str) -> str:
    """``http://host[:port]`` or ``https://...`` with a host (no trailing slash)."""
    return check_http_url(value.strip().rstrip("/"))


def check_http_url(v: str) -> str:
    """``v`` when it is an http(s) URL with a host and a valid port (ValueError otherwise)."""
    parts = urlsplit(v)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL with a host, e.g. http://pi:8088")
    try:
        parts.port  # noqa: B018 - validates the port
    except ValueError as e:
        raise ValueError(f"bad port: {e}") from None
    return v


ADVERTISE_SETTING = Setting("RPYMOSTAT_ADVERTISE", "on", "on|off", parse_choice("on", "off"),
                            "advertise this daemon on the LAN with mDNS/DNS-SD")
BUS_SETTINGS: tuple[Setting, ...] = (
    Setting("RPYMOSTAT_BUS_HWM", "10000", "messages", parse_int_range(10, 10_000_000),
            "high-water mark of every bus socket: beyond it messages are dropped (seen as gaps)"),
    Setting("RPYMOSTAT_LOG_BUS_LEVEL", "warn", "level", parse_log_level,
            "log records at this level and above go out on the bus as log.<service>"),
    ADVERTISE_SETTING,
)

LOCATOR_SETTINGS: tuple[Setting, ...] = (
    Setting("RPYMOSTAT_ENGINE_URL", None, "url", parse_http_url,
            "the engine's URL (http://host:8088); unset = find it on the LAN (mDNS)"),
    Setting("RPYMOSTAT_ENGINE_NAME", None, "name", parse_nonempty,
            "which engine to use when the LAN has several (instance name or id)"),
)


@dataclass(frozen=True)
class BusConfig:
    """Validated shared bus/discovery settings."""

    hwm: int
    log_level: LogLevel
    advertise: bool


@dataclass(frozen=True)
class LocatorConfig:
    """How an agent finds the engine."""

    engine_url: str | None
    engine_name: str | None


def bus_config(values: Mapping[str, Any]) -> BusConfig:
    """From values loaded with :data:`BUS_SETTINGS`."""
    return BusConfig(hwm=values["RPYMOSTAT_BUS_HWM"],
                     log_level=values["RPYMOSTAT_LOG_BUS_LEVEL"],
                     advertise=values["RPYMOSTAT_ADVERTISE"] == "on")


def locator_config(values: Mapping[str, Any]) -> LocatorConfig:
    """From values loaded with :data:`LOCATOR_SETTINGS`."""
    return LocatorConfig(engine_url=values["RPYMOSTAT_ENGINE_URL"],
                         engine_name=values["RPYMOSTAT_ENGINE_NAME"])
