"""Plugin ``sim``: the temperatures of the simulated house (``rpymostat-house``).

Without ``url`` the plugin finds the house on the LAN (mDNS, role ``house``; ``house=`` names
it when there are several) and reports every zone as a sensor (id = zone id, its indoor °C)
plus ``outdoor``, all from one ``GET <house>/v1/house``. Until the house is found, a read fails
with the reason, so the agent reports each known sensor as ``None`` with it.

With ``url`` it GETs that JSON document (the house's, or any endpoint) and takes the number at
``field`` (a dotted path, e.g. ``indoor_c`` or ``zones.living.indoor_c``) as sensor ``id``. A
failed fetch or a missing field reports ``None`` with the reason.
"""

from collections.abc import Callable
from typing import Any, ClassVar

from twisted.internet.defer import Deferred, succeed

from rpymostat.shared.busconfig import check_http_url
from rpymostat.shared.discovery.browse import Browser
from rpymostat.shared.discovery.finder import NotFound, RoleFinder
from rpymostat.shared.discovery.recheck import json_check
from rpymostat.shared.discovery.records import HOUSE, Advert
from rpymostat.shared.ids import is_valid_id, parse_id
from rpymostat.shared.pluginargs import PluginArg

from ..plugin import SensorContext, SensorError, SensorValue

OUTDOOR = "outdoor"
MAX_ZONES = 64
TYPE = "sim"


def pick(body: Any, path: str) -> float:
    """The number at the dotted ``path`` of a JSON document, or SensorError."""
    node = body
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            raise SensorError(f"the answer has no {path!r}")
        node = node[key]
    if isinstance(node, bool) or not isinstance(node, int | float):
        raise SensorError(f"{path!r} is {type(node).__name__}, not a number")
    return float(node)


def _value(sensor_id: str, node: Any, key: str) -> SensorValue:
    try:
        return SensorValue(sensor_id, pick(node, key), TYPE)
    except SensorError as e:
        return SensorValue(sensor_id, None, TYPE, error=str(e))


def house_values(body: Any) -> list[SensorValue]:
    """Every zone's indoor °C and the outdoor °C from the house's ``GET /v1/house``."""
    zones = body.get("zones") if isinstance(body, dict) else None
    if not isinstance(zones, dict):
        raise SensorError("the house's answer has no zones")
    values = [_value(zone_id, zone, "indoor_c")
              for zone_id, zone in list(zones.items())[:MAX_ZONES]
              if is_valid_id(zone_id) and zone_id != OUTDOOR]
    return [*values, _value(OUTDOOR, body, "outdoor_c")]


class SimSensor:
    """The simulated house's zones and outdoors (found by mDNS), or one number at a URL."""

    name: ClassVar[str] = "sim"
    description: ClassVar[str] = (
        "the simulated house (rpymostat-house): found on the LAN, each zone and 'outdoor' as"
        " a sensor; or, with url, a number in the JSON at url")
    arguments: ClassVar[tuple[PluginArg, ...]] = (
        PluginArg("url", None, "JSON endpoint to GET (unset: find the house by mDNS)",
                  check_http_url),
        PluginArg("field", "indoor_c", "with url: dotted path of the °C value in the answer"),
        PluginArg("id", "sim", "with url: the sensor id to report", parse_id),
        PluginArg("house", None, "without url: the house's name or instance id, when the LAN"
                                 " has several"),
    )

    def __init__(self, context: SensorContext, url: str | None = None,
                 field: str = "indoor_c", id: str = "sim", house: str | None = None, *,
                 browser: Callable[..., Browser] = Browser, **_: Any) -> None:
        self._context = context
        self._url, self._field, self._id = url, field, id
        self.finder = None if url else RoleFinder(
            context.reactor, HOUSE, wanted=house, browser=browser,
            hint="give the sim sensor class house=<name or id>",
            check=json_check(context.get_json))

    def read(self) -> Deferred[list[SensorValue]]:
        """The URL's number, or every sensor of the house found on the LAN."""
        if self.finder is None:
            return self._read_url()
        half = self._context.timeout / 2  # half to find the house (~0.1 s), half to ask it
        found = self.finder.wait(half).addErrback(_not_found)
        return found.addCallback(self._read_house, half)

    def close(self) -> Deferred[None]:
        """Stop looking for the house."""
        return self.finder.stop() if self.finder is not None else succeed(None)

    def _read_url(self) -> Deferred[list[SensorValue]]:
        assert self._url is not None
        d = self._context.get_json(self._url, self._context.timeout)
        d.addCallback(lambda body: [SensorValue(self._id, pick(body, self._field), TYPE)])
        d.addErrback(lambda f: [SensorValue(self._id, None, TYPE, error=_reason(f))])
        return d

    def _read_house(self, house: Advert, timeout: float) -> Deferred[list[SensorValue]]:
        url = f"{house.url}/v1/house"
        d = self._context.get_json(url, timeout)

        def failed(failure: Any) -> None:
            raise SensorError(f"{url}: {_reason(failure)}")

        d.addErrback(failed)
        d.addCallback(house_values)
        return d


def _not_found(failure: Any) -> Advert:
    failure.trap(NotFound)
    raise SensorError(f"the simulated house is not found: {failure.getErrorMessage()}")


def _reason(failure: Any) -> str:
    if failure.check(SensorError):
        return str(failure.value)
    return f"cannot read {failure.type.__name__}: {failure.getErrorMessage()}"[:200]
