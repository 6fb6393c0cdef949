"""The simulated house's HTTP API (Klein): its state for the ``sim`` sensor plugin, switches
for the ``sim`` relay output, and a page for people.

Handlers parse, call :class:`~.service.RunningHouse` and serialise. With a site token
(``RPYMOSTAT_TOKEN``) switching needs it, like every daemon's mutating route; the relay agent's
``sim`` output sends its own. Without one the house is open: it switches nothing real.
"""

import html
from collections.abc import Callable
from importlib import resources
from typing import Any

from klein import Klein
from twisted.web.server import Request

from rpymostat.shared.auth import BearerAuth
from rpymostat.shared.authresource import AuthorizedResource
from rpymostat.shared.kleinweb import add_error_handlers
from rpymostat.shared.relaycmd import parse_state_command
from rpymostat.shared.web import json_response, read_json

from .openapi import house_openapi
from .service import RunningHouse, as_number

TITLE = "RPyMostat simulated house"
MAX_BODY = 4096  # {"state": "on"} needs 15 bytes


def page_template() -> str:
    """The page shipped in the package (``static/house.html``)."""
    return resources.files(__package__).joinpath("static/house.html").read_text("utf-8")


def speed_text(speed: float) -> str:
    """60.0 → ``60``, 0.5 → ``0.5``."""
    return f"{speed:g}"


class HouseAPI:
    """Routes over one running house."""

    app = Klein()

    def __init__(self, house: RunningHouse, version: str,
                 status: Callable[[], dict[str, Any]] = dict, auth: BearerAuth | None = None
                 ) -> None:
        self._house = house
        self._auth = auth
        self._version = version
        self._status = status
        self._page = page_template().replace("__SPEED__", html.escape(speed_text(house.speed)))

    def resource(self) -> Any:
        """The Klein resource to serve (behind the token check when there is a token)."""
        resource = self.app.resource()
        return resource if self._auth is None else AuthorizedResource(resource, self._auth)

    @app.route("/", methods=["GET"])
    def page(self, request: Request) -> bytes:
        """The house's page: it polls /v1/house every second."""
        request.setHeader(b"content-type", b"text/html; charset=utf-8")
        request.setHeader(b"cache-control", b"no-store")
        return self._page.encode()

    @app.route("/v1/status", methods=["GET"])
    def status(self, request: Request) -> bytes:
        """Always 200 while the daemon runs."""
        self._house.advance()
        body = {"status": True, "service": TITLE, "version": self._version,
                "speed": as_number(self._house.speed), "zones": list(self._house.house.zones),
                **self._status()}
        return json_response(request, body)

    @app.route("/v1/openapi.json", methods=["GET"])
    def openapi(self, request: Request) -> bytes:
        """The OpenAPI 3 document of this API."""
        return json_response(request, house_openapi(self._version))

    @app.route("/v1/house", methods=["GET"])
    def house(self, request: Request) -> bytes:
        """Simulated time, speed, outdoors and every zone."""
        return json_response(request, self._house.house_json())

    @app.route("/v1/house/history", methods=["GET"])
    def history(self, request: Request) -> bytes:
        """Samples of the last minutes, for the page's trace."""
        return json_response(request, self._house.history_json())

    @app.route("/v1/outdoor", methods=["GET"])
    def outdoor(self, request: Request) -> bytes:
        """The outdoor temperature."""
        return json_response(request, self._house.outdoor_json())

    @app.route("/v1/zones/<string:zone_id>", methods=["GET"])
    def zone(self, request: Request, zone_id: str) -> bytes:
        """One zone (404 when unknown)."""
        return json_response(request, self._house.zone_json(zone_id))

    @app.route("/v1/zones/<string:zone_id>/<string:function>", methods=["PUT"])
    def switch(self, request: Request, zone_id: str, function: str) -> bytes:
        """``{"state": "on"|"off"}`` (the relay API's body) switches the heater or cooler."""
        self._house.output(zone_id, function)
        on = parse_state_command(read_json(request, MAX_BODY))
        self._house.switch(zone_id, function, on)
        return json_response(request, {"state": "on" if on else "off"})


add_error_handlers(HouseAPI.app)
