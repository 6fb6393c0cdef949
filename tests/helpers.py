"""Test helpers: drive a Klein resource with StubTreq (no sockets) and read results."""

import json
from typing import Any

from treq.testing import StubTreq
from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.python.failure import Failure

from rpymostat.engine.api import EngineAPI
from rpymostat.engine.store.memory import MemoryStore
from rpymostat.shared.auth import AuthMode, BearerAuth
from rpymostat.shared.testing import MemoryBus

TOKEN = "test-token-0123456789abcdef"
SEED_EXAMPLE = {
    "host_id": "myhostid",
    "sensors": {
        "1058F50F01080047": {
            "type": "DS18S20",
            "value": 24.3125,
            "alias": "some_alias",
            "extra": "arbitrary string",
        }
    },
}


def result_of(d: Deferred[Any]) -> Any:
    """The result of an already-fired Deferred (raises its failure)."""
    results: list[Any] = []
    d.addBoth(results.append)
    assert results, "the Deferred has not fired"
    if isinstance(results[0], Failure):
        results[0].raiseException()
    return results[0]


class EngineHarness:
    """An EngineAPI over a MemoryStore on a task.Clock, called through StubTreq."""

    def __init__(self, mode: AuthMode = AuthMode.ON, stale_after: float = 600.0,
                 start: float = 1_790_000_000.0) -> None:
        self.clock = Clock()
        self.clock.advance(start)
        self.store = MemoryStore()
        self.bus = MemoryBus()
        self.api = EngineAPI(self.store, BearerAuth(TOKEN, mode), self.clock, stale_after,
                             bus=self.bus)
        self.treq = StubTreq(self.api.resource())

    def request(self, method: str, path: str, body: Any = None, *, raw: bytes | None = None,
                token: str | None = TOKEN, headers: dict[str, str] | None = None
                ) -> tuple[int, Any]:
        """Send a request; return (status code, decoded JSON body or text)."""
        hdrs = dict(headers or {})
        if token is not None:
            hdrs["Authorization"] = f"Bearer {token}"
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        response = result_of(self.treq.request(method, f"http://engine{path}", data=data,
                                               headers=hdrs))
        self.treq.flush()
        content = result_of(self.treq.content(response))
        ctype = response.headers.getRawHeaders(b"content-type", [b""])[0]
        if ctype.startswith(b"application/json"):
            return response.code, json.loads(content)
        return response.code, content.decode()


class ZoneEngine(EngineHarness):
    """An EngineAPI with started relay and zone control (fake agent client), on a Clock."""

    def __init__(self, start: float = 1_790_000_000.0, stale_after: float = 600.0,
                 interval: float = 60.0, timezone: str = "Europe/Berlin") -> None:
        from rpymostat.engine.relays.alarms import AlarmBook
        from rpymostat.engine.relays.control import RelayControl

        from .test_relay_control import FakeAgentClient, ok

        self.clock = Clock()
        self.clock.advance(start)
        self.store = MemoryStore()
        self.bus = MemoryBus()
        self.agent = FakeAgentClient(self.clock)
        self.agent.heartbeat_reply = lambda: ok({"boot": "agent-boot-1"})
        self.alarms = AlarmBook(self.clock, self.bus)
        self.relays = RelayControl(self.clock, self.store, self.agent, self.bus, self.alarms,
                                   boot="engine-boot", jitter=lambda: 1.0)
        self.relays.startService()
        self.timezone = timezone
        self.start_zones(stale_after=stale_after, interval=interval)

    def start_zones(self, *, stale_after: float = 600.0, interval: float = 60.0,
                    manual_hold: float = 3600.0) -> None:
        """A (new) started ZoneControl over the store, and the API over it."""
        from rpymostat.engine.schedule.schedulers import installed_schedulers
        from rpymostat.engine.zones.book import ZoneBook
        from rpymostat.engine.zones.control import ZoneControl
        from rpymostat.engine.zones.deciders.base import installed_deciders

        self.zones = ZoneControl(self.clock, self.store,
                                 ZoneBook(self.store, installed_schedulers(), self.timezone),
                                 bus=self.bus, alarms=self.alarms,
                                 deciders=installed_deciders(), relays=self.relays,
                                 stale_after=stale_after, interval=interval,
                                 manual_hold=manual_hold)
        self.zones.startService()
        assert self.zones.loaded is not None
        result_of(self.zones.loaded)
        self.api = EngineAPI(self.store, BearerAuth(TOKEN, AuthMode.ON), self.clock,
                             stale_after, bus=self.bus, relays=self.relays, zones=self.zones)
        self.treq = StubTreq(self.api.resource())

    def advance(self, seconds: float, step: float = 1.0) -> None:
        """Let ``seconds`` pass on the clock, in steps (timers fire as they fall due)."""
        left = seconds
        while left > 0:
            self.clock.advance(min(step, left))
            left -= step
