"""The relay agent's REST API.

``GET /v1/relays``, ``GET /v1/relays/<id>``, ``PUT /v1/relays/<id>`` ``{"state": "on"|"off"}``
(409 with ``retry_after_s`` and ``Retry-After`` when a protection refuses), ``POST
/v1/heartbeat`` (the engine's; answers with every output's state), and the informational
routes. Mutating calls need the site token; each one the token lets through feeds the
watchdog.
"""

import math
from collections.abc import Callable
from typing import Any

from klein import Klein
from twisted.web.resource import Resource
from twisted.web.server import Request

from rpymostat.shared.auth import BearerAuth
from rpymostat.shared.authresource import AuthorizedResource
from rpymostat.shared.errors import Conflict, NotFound, ServiceUnavailable, Unprocessable
from rpymostat.shared.infoapi import info_openapi, root_page
from rpymostat.shared.kleinweb import add_error_handlers
from rpymostat.shared.relaycmd import parse_state_command
from rpymostat.shared.web import json_response, read_json

from .bank import OutputFault, RelayBank, UnknownOutput

TITLE = "RPyMostat relay agent"
MAX_BODY = 4096


def parse_heartbeat(body: Any) -> str | None:
    """``{"engine": "<boot id>"}`` (optional) → the engine's boot id."""
    if not isinstance(body, dict):
        raise Unprocessable("the request body must be a JSON object")
    boot = body.get("engine")
    if boot is not None and (not isinstance(boot, str) or not 0 < len(boot) <= 128):
        raise Unprocessable("engine must be the engine's boot id (a string)")
    return boot


class RelayAPI:
    """Routes over a :class:`RelayBank`; ``heard(boot)`` is told of every authorised call."""

    app = Klein()

    def __init__(self, version: str, host_id: str, bank: RelayBank, auth: BearerAuth, *,
                 heard: Callable[[str | None], Any], status: Callable[[], dict[str, Any]]
                 ) -> None:
        self._version = version
        self._host_id = host_id
        self._bank = bank
        self._auth = auth
        self._heard = heard
        self._status = status

    def resource(self) -> Resource:
        """The root resource: token check, then the routes."""
        return AuthorizedResource(self.app.resource(), self._auth)  # type: ignore[arg-type]

    @app.route("/", methods=["GET"])
    def root(self, request: Request) -> bytes:
        """HTML page linking the API."""
        return root_page(request, TITLE, self._version, (("/v1/relays", "Outputs"),))

    @app.route("/v1/status", methods=["GET"])
    def status(self, request: Request) -> bytes:
        """Engine found?, registration, watchdog, outputs."""
        return json_response(request, {"status": True, "service": TITLE,
                                       "version": self._version, "host_id": self._host_id,
                                       **self._status()})

    @app.route("/v1/openapi.json", methods=["GET"])
    def openapi(self, request: Request) -> bytes:
        """The OpenAPI document of these routes."""
        return json_response(request, agent_openapi(self._version))

    @app.route("/v1/relays", methods=["GET"])
    def relays(self, request: Request) -> bytes:
        """Every output with its state and protection timers."""
        return json_response(request, {"host_id": self._host_id,
                                       "relays": self._bank.describe_all()})

    def _describe(self, oid: str) -> dict[str, Any]:
        try:
            return self._bank.describe(oid)
        except UnknownOutput:
            raise NotFound(f"no such output: {oid} (outputs: "
                           f"{', '.join(sorted(self._bank.outputs))})") from None

    @app.route("/v1/relays/<string:oid>", methods=["GET"])
    def relay(self, request: Request, oid: str) -> bytes:
        """One output."""
        return json_response(request, self._describe(oid))

    @app.route("/v1/relays/<string:oid>", methods=["PUT"])
    async def command(self, request: Request, oid: str) -> bytes:
        """Switch an output, or 409 with the time until the protections allow it."""
        self._describe(oid)
        on = parse_state_command(read_json(request, MAX_BODY))
        self._heard(None)
        try:
            verdict = await self._bank.command(oid, on)
        except OutputFault as e:
            raise ServiceUnavailable(f"output {oid}: the driver failed: {e}") from None
        if not verdict.allowed:
            wait = verdict.retry_after
            raise Conflict(
                f"output {oid} cannot switch {'on' if on else 'off'} now: {verdict.reason}"
                + ("" if wait is None else f"; allowed in {wait:.1f} s"),
                headers={} if wait is None else {"Retry-After": str(max(1, math.ceil(wait)))},
                details={"retry_after_s": None if wait is None else round(wait, 3),
                         "relay": self._bank.describe(oid)})
        return json_response(request, self._bank.describe(oid))

    @app.route("/v1/heartbeat", methods=["POST"])
    def heartbeat(self, request: Request) -> bytes:
        """The engine is alive: feed the watchdog; answer with every output."""
        boot = parse_heartbeat(read_json(request, MAX_BODY))
        self._heard(boot)
        return json_response(request, {"host_id": self._host_id, **self._status(),
                                       "relays": self._bank.describe_all()})


add_error_handlers(RelayAPI.app)


def agent_openapi(version: str) -> dict[str, Any]:
    """The informational routes plus the relay routes."""
    doc = info_openapi(TITLE, version)
    ok = {"200": {"description": "OK"}}
    state_body = {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["state"], "additionalProperties": False,
        "properties": {"state": {"enum": ["on", "off"]}, "source": {"type": "string"}}}}}}
    oid = [{"name": "oid", "in": "path", "required": True, "schema": {"type": "string"}}]
    doc["paths"].update({
        "/v1/relays": {"get": {"summary": "every output: state, protection, timers",
                               "responses": ok}},
        "/v1/relays/{oid}": {
            "parameters": oid,
            "get": {"summary": "one output", "responses": {**ok, "404": {"description": "no"
                                                                          " such output"}}},
            "put": {"summary": "switch an output (site token)", "requestBody": state_body,
                    "responses": {**ok, "401": {"description": "token missing or wrong"},
                                  "404": {"description": "no such output"},
                                  "409": {"description": "a protection refuses; retry_after_s"
                                          " says when it would be allowed (null: not by"
                                          " waiting)"},
                                  "422": {"description": "invalid body"},
                                  "503": {"description": "the output's driver failed"}}}},
        "/v1/heartbeat": {"post": {
            "summary": "the engine's heartbeat (site token): feeds the watchdog, answers with"
                       " every output",
            "responses": {**ok, "400": {"description": "the body is not JSON"},
                          "401": {"description": "token missing or wrong"},
                          "413": {"description": "body too large"},
                          "422": {"description": "invalid body"}}}},
    })
    return doc
