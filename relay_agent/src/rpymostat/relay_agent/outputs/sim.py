"""Plugin ``sim``: switches the simulated house's heater or cooler over HTTP.

Each switch is ``PUT`` with ``{"state": "on"|"off"}`` (the relay API's own body), so the
simulation — or anything that speaks it — sees exactly what a relay would do. Without ``url``
the output finds the house on the LAN (mDNS, role ``house``; ``house=`` names it when there
are several) and PUTs to ``<house>/v1/zones/<zone>/<heat|cool>`` by the output's function;
until the house is found a switch fails with the reason (the output is faulted, as when a
line cannot be driven).
"""

import json
from collections.abc import Callable
from typing import Any, ClassVar

from twisted.internet.defer import Deferred, fail, succeed

from rpymostat.shared.busconfig import check_http_url
from rpymostat.shared.discovery.browse import Browser
from rpymostat.shared.discovery.finder import NotFound, RoleFinder
from rpymostat.shared.discovery.recheck import http_check
from rpymostat.shared.discovery.records import HOUSE, Advert
from rpymostat.shared.ids import parse_id
from rpymostat.shared.pluginargs import PluginArg

from . import OutputContext, OutputError

HOUSE_FUNCTIONS = ("heat", "cool")


class SimOutput:
    """The simulated house's heater or cooler: at ``url``, or found on the LAN."""

    name: ClassVar[str] = "sim"
    description: ClassVar[str] = (
        "the simulated house's heater/cooler: PUT {state} to url, or (without url) to the"
        " house found on the LAN, zone's heat or cool by the output's function")
    arguments: ClassVar[tuple[PluginArg, ...]] = (
        PluginArg("url", None, "the simulation's URL for this output (unset: find the house"
                               " by mDNS)", check_http_url),
        PluginArg("zone", "house", "without url: the house's zone this output heats or cools",
                  parse_id),
        PluginArg("house", None, "without url: the house's name or instance id, when the LAN"
                                 " has several"),
    )

    def __init__(self, context: OutputContext, output_id: str, active_low: bool, *,
                 url: str | None = None, zone: str = "house", house: str | None = None,
                 function: str = "aux", browser: Callable[..., Browser] = Browser,
                 **_: Any) -> None:
        self._http = context.http
        self._timeout = context.timeout
        self._token = context.token
        self._url = url
        self._path = f"/v1/zones/{zone}/{function}"
        self._function = function
        self.finder = None if url else RoleFinder(
            context.reactor, HOUSE, wanted=house, browser=browser,
            hint=f"give output {output_id} house=<name or id>",
            check=http_check(context.http))
        # for people: the URL switched (once the house is found)
        self.where = url or f"simulated house (mDNS), zone {zone}, {function}"

    def _target(self, timeout: float) -> Deferred[str]:
        if self._url is not None:
            return succeed(self._url)
        assert self.finder is not None
        if self._function not in HOUSE_FUNCTIONS:
            return fail(OutputError(f"the simulated house has a heater and a cooler; a"
                                    f" {self._function} output needs url="))
        return self.finder.wait(timeout).addCallbacks(self._found, _not_found)

    def _found(self, house: Advert) -> str:
        self.where = f"{house.url}{self._path}"
        return self.where

    def set(self, on: bool) -> Deferred[None]:
        """PUT the state (finding the house first, within half the time limit)."""
        half = self._timeout / 2
        return self._target(half).addCallback(
            self._put, on, half if self._url is None else self._timeout)

    def _put(self, url: str, on: bool, timeout: float) -> Deferred[None]:
        body = json.dumps({"state": "on" if on else "off"}).encode()
        headers = {"Content-Type": ["application/json"]}
        token = self._token()
        if token is not None:  # a house with a token needs it; one without ignores it
            headers["Authorization"] = [f"Bearer {token}"]
        d = self._http.put(url, data=body, timeout=timeout, headers=headers)
        d.addCallback(_answer, url)
        d.addCallback(lambda _: None)
        d.addErrback(_failed, url)
        return d  # type: ignore[no-any-return]

    def open(self, on: bool) -> Deferred[None]:
        """The simulation needs no claim: drive to ``on``."""
        return self.set(on)

    def close(self) -> Deferred[None]:
        """Stop looking for the house."""
        return self.finder.stop() if self.finder is not None else succeed(None)


def _not_found(failure: Any) -> str:
    failure.trap(NotFound)
    raise OutputError(f"the simulated house is not found: {failure.getErrorMessage()}")


def _answer(response: Any, url: str) -> Any:
    if response.code not in (200, 201, 204):
        raise OutputError(f"{url} answered HTTP {response.code}")
    return response.content()


def _failed(failure: Any, url: str) -> None:
    if failure.check(OutputError):
        failure.raiseException()
    raise OutputError(f"{url}: {failure.getErrorMessage()}")
