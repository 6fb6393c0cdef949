"""The sensor agent's REST API: ``/``, ``/v1/status``, ``/v1/readings``, ``/v1/openapi.json``."""

from collections.abc import Callable
from typing import Any

from twisted.web.resource import Resource
from twisted.web.server import Request

from rpymostat.shared.clock import Clock, utcnow
from rpymostat.shared.infoapi import info_openapi, root_page
from rpymostat.shared.plainroutes import GetRoutes
from rpymostat.shared.web import json_response

from .rounds import Rounds

TITLE = "RPyMostat sensor agent"


class AgentAPI:
    """Read-only routes over the agent's state (plain twisted.web: Klein would cost a Pi Zero
    ~4.4 MiB for four GETs)."""

    def __init__(self, version: str, host_id: str, clock: Clock, rounds: Rounds,
                 status: Callable[[], dict[str, Any]]) -> None:
        self._version = version
        self._host_id = host_id
        self._clock = clock
        self._rounds = rounds
        self._status = status

    def resource(self) -> Resource:
        """The four routes."""
        return GetRoutes({"/": self.root, "/v1/status": self.status,
                          "/v1/readings": self.readings, "/v1/openapi.json": self.openapi})

    def root(self, request: Request) -> bytes:
        """HTML page linking the API."""
        return root_page(request, TITLE, self._version, (("/v1/readings", "Readings"),))

    def status(self, request: Request) -> bytes:
        """Engine found?, queue, last send, per-sensor errors."""
        return json_response(request, {"status": True, "service": TITLE,
                                       "version": self._version, "host_id": self._host_id,
                                       **self._status()})

    def readings(self, request: Request) -> bytes:
        """The latest reading of each sensor, with its age and error."""
        now = utcnow(self._clock)
        return json_response(request, {
            "host_id": self._host_id,
            "readings": [t.to_json(now) for _sid, t in sorted(self._rounds.latest.items())]})

    def openapi(self, request: Request) -> bytes:
        """The OpenAPI document of these routes."""
        return json_response(request, agent_openapi(self._version))



def agent_openapi(version: str) -> dict[str, Any]:
    """The informational routes plus ``/v1/readings``."""
    doc = info_openapi(TITLE, version)
    doc["paths"]["/v1/readings"] = {"get": {
        "summary": "latest reading of each sensor (value °C or null with error, age_s)",
        "responses": {"200": {"description": "OK"}}}}
    doc["paths"]["/v1/status"]["get"]["summary"] = (
        "engine found?, delivery queue, last send, per-sensor and per-class errors")
    return doc
