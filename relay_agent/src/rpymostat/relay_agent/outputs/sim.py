"""Plugin ``sim``: switches the simulated house's heater or cooler over HTTP.

Each switch is ``PUT <url>`` with ``{"state": "on"|"off"}`` (the relay API's own body), so
the simulation — or anything that speaks it — sees exactly what a relay would do.
"""

import json
from typing import Any, ClassVar

from twisted.internet.defer import Deferred, succeed

from rpymostat.shared.pluginargs import PluginArg

from . import OutputContext, OutputError


def parse_url(value: str) -> str:
    """An http(s) URL."""
    if not value.startswith(("http://", "https://")):
        raise ValueError("must be an http:// or https:// URL")
    return value


class SimOutput:
    """The simulated house's output at ``url``."""

    name: ClassVar[str] = "sim"
    description: ClassVar[str] = "the simulated house's heater/cooler (PUT {state} to url)"
    arguments: ClassVar[tuple[PluginArg, ...]] = (
        PluginArg("url", None, "the simulation's URL for this output", parse_url, required=True),
    )

    def __init__(self, context: OutputContext, output_id: str, active_low: bool, *,
                 url: str, **_: Any) -> None:
        self._http = context.http
        self._timeout = context.timeout
        self._url = url
        self.where = url

    def _answer(self, response: Any) -> Any:
        if response.code not in (200, 201, 204):
            raise OutputError(f"{self._url} answered HTTP {response.code}")
        return response.content()

    def _failed(self, failure: Any) -> None:
        if failure.check(OutputError):
            failure.raiseException()
        raise OutputError(f"{self._url}: {failure.getErrorMessage()}")

    def set(self, on: bool) -> Deferred[None]:
        """PUT the state."""
        body = json.dumps({"state": "on" if on else "off"}).encode()
        d = self._http.put(self._url, data=body, timeout=self._timeout,
                           headers={"Content-Type": ["application/json"]})
        d.addCallback(self._answer)
        d.addCallback(lambda _: None)
        d.addErrback(self._failed)
        return d  # type: ignore[no-any-return]

    def open(self, on: bool) -> Deferred[None]:
        """The simulation needs no claim: drive to ``on``."""
        return self.set(on)

    def close(self) -> Deferred[None]:
        """Nothing to release."""
        return succeed(None)
