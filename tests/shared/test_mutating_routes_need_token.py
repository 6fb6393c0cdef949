"""Every mutating route of every daemon refuses a request without the site token (issue 23).

The table is each daemon's own OpenAPI document (as ``docs/gen_api.py`` reads them): every
operation that is not a GET is called without a token and with a wrong one, and must answer
401 with a JSON error before its handler runs; a new route added to a document cannot slip
through. Every path is also sent the mutating methods it does not document: none may answer
2xx without the token. With the token the same calls are not refused for the token (so the
401 comes from the token check, not from the route being absent)."""

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from treq.testing import StubTreq
from twisted.internet.task import Clock
from twisted.web.resource import Resource

from rpymostat.engine import __version__
from rpymostat.engine.openapi import openapi_document
from rpymostat.engine.sim.api import HouseAPI
from rpymostat.engine.sim.config import load_config
from rpymostat.engine.sim.openapi import house_openapi
from rpymostat.engine.sim.service import RunningHouse, new_house
from rpymostat.relay_agent.api import agent_openapi as relay_openapi
from rpymostat.sensor_agent.api import AgentAPI
from rpymostat.sensor_agent.api import agent_openapi as sensor_openapi
from rpymostat.shared.auth import BearerAuth

from ..helpers import TOKEN, EngineHarness, result_of
from ..test_relay_agent_unit import TOKEN as RELAY_TOKEN
from ..test_relay_agent_unit import APIHarness

MUTATING = ("post", "put", "patch", "delete")
PARAM_VALUES = {"function": "heat", "zone": "house", "oid": "heat"}


def _engine() -> tuple[Resource, str]:
    return EngineHarness().api.resource(), TOKEN


def _relay() -> tuple[Resource, str]:
    return APIHarness().treq._agent._rootResource, RELAY_TOKEN  # type: ignore[attr-defined]


def _house() -> tuple[Resource, str]:
    clock = Clock()
    clock.advance(1_790_000_000.0)
    config = load_config({"RPYMOSTAT_TOKEN": TOKEN})
    house = RunningHouse(clock, new_house(config, clock.seconds()), config.speed)
    return HouseAPI(house, __version__, auth=BearerAuth(TOKEN)).resource(), TOKEN


class _NoRounds:
    def __init__(self) -> None:
        self.latest: dict[str, Any] = {}


def _sensor() -> tuple[Resource, str]:
    api = AgentAPI(__version__, "pi", Clock(), _NoRounds(), dict)  # type: ignore[arg-type]
    return api.resource(), TOKEN


DAEMONS: dict[str, tuple[Callable[[str], dict[str, Any]], Callable[[], tuple[Resource, str]]]] = {
    "engine": (openapi_document, _engine),
    "relay agent": (relay_openapi, _relay),
    "simulated house": (house_openapi, _house),
    "sensor agent": (sensor_openapi, _sensor),
}


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PARAM_VALUES.get(m.group(1), "x"), path)


def operations(documented: bool) -> Iterator[tuple[str, str, str]]:
    """(daemon, method, path): the documented mutating operations, or the undocumented ones."""
    for daemon, (document, _) in DAEMONS.items():
        for path, item in document("v1")["paths"].items():
            for method in MUTATING:
                if (method in item) is documented:
                    yield daemon, method.upper(), path


def call(daemon: str, method: str, path: str, token: str | None) -> tuple[int, Any]:
    resource, _ = DAEMONS[daemon][1]()
    treq = StubTreq(resource)
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    response = result_of(treq.request(method, f"http://daemon{_concrete(path)}",
                                      data=json.dumps({"state": "on"}).encode(),
                                      headers=headers))
    treq.flush()
    content = result_of(treq.content(response))
    try:
        return response.code, json.loads(content)
    except ValueError:
        return response.code, content


DOCUMENTED = list(operations(True))


def test_the_table_is_not_empty() -> None:
    """The walk finds the engine's, the relay agent's and the house's mutating routes."""
    daemons = {d for d, _, _ in DOCUMENTED}
    assert daemons == {"engine", "relay agent", "simulated house"}
    assert len(DOCUMENTED) >= 20


@pytest.mark.parametrize(("daemon", "method", "path"), DOCUMENTED)
@pytest.mark.parametrize("token", [None, "not-the-token", ""])
def test_documented_mutating_route_refuses_without_the_token(
        daemon: str, method: str, path: str, token: str | None) -> None:
    """No token, a wrong one or an empty one: 401 with a JSON error naming the token."""
    code, body = call(daemon, method, path, token)
    assert code == 401, (daemon, method, path, code, body)
    assert body["status"] == "error" and "token" in body["error"]


@pytest.mark.parametrize(("daemon", "method", "path"), DOCUMENTED)
def test_with_the_token_the_route_is_not_refused_for_it(daemon: str, method: str,
                                                        path: str) -> None:
    """With the daemon's token the same call passes the check (whatever the route says)."""
    code, body = call(daemon, method, path, DAEMONS[daemon][1]()[1])
    assert code != 401, (daemon, method, path, body)


@pytest.mark.parametrize(("daemon", "method", "path"), list(operations(False)))
def test_undocumented_mutating_method_changes_nothing(daemon: str, method: str,
                                                      path: str) -> None:
    """A mutating method a path does not document, without the token: never a 2xx."""
    code, body = call(daemon, method, path, None)
    assert code in (401, 404, 405), (daemon, method, path, code, body)


def test_no_document_declares_a_mutating_operation_open() -> None:
    """No documented mutating operation says ``security: []`` (open to anyone)."""
    for daemon, method, path in DOCUMENTED:
        op = DAEMONS[daemon][0]("v1")["paths"][path][method.lower()]
        assert op.get("security") != [], (daemon, method, path)
