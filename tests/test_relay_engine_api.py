"""The engine's relay routes through StubTreq: register, list, get, manual PUT, alarms; and a
hypothesis fuzz of the bodies of the two mutating routes."""

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from treq.testing import StubTreq
from twisted.internet.task import Clock

from rpymostat.engine.api import EngineAPI
from rpymostat.engine.relays.alarms import AlarmBook
from rpymostat.engine.relays.control import RelayControl
from rpymostat.engine.relays.registration import FUNCTIONS, TOP_FIELDS
from rpymostat.engine.store.memory import MemoryStore
from rpymostat.shared.auth import AuthMode, BearerAuth
from rpymostat.shared.clock import iso_seconds
from rpymostat.shared.ids import ID_PATTERN
from rpymostat.shared.testing import MemoryBus

from .helpers import TOKEN, EngineHarness, result_of
from .test_ingest import json_values
from .test_relay_control import FAILED, FakeAgentClient, always, ok, refused

T0 = 1_790_000_000.0
STUB_PEER = "127.0.0.1"  # the client address StubTreq gives every request
BOOT = "engine-boot-7"


class RelayEngine(EngineHarness):
    """An EngineAPI with a started RelayControl (fake agent client), called through StubTreq."""

    def __init__(self, retries: int = 5) -> None:  # builds its own parts (no super().__init__)
        self.clock = Clock()
        self.clock.advance(T0)
        self.store = MemoryStore()
        self.bus = MemoryBus()
        self.agent = FakeAgentClient(self.clock)
        # the agent's heartbeats name no output: what is reported comes from the registration
        self.agent.heartbeat_reply = lambda: ok({"boot": "agent-boot-1"})
        self.alarms = AlarmBook(self.clock, self.bus)
        self.relays = RelayControl(self.clock, self.store, self.agent, self.bus, self.alarms,
                                   boot=BOOT, retries=retries, jitter=lambda: 1.0)
        self.relays.startService()
        assert self.relays.loaded is not None
        result_of(self.relays.loaded)
        self.api = EngineAPI(self.store, BearerAuth(TOKEN, AuthMode.ON), self.clock, 600.0,
                             bus=self.bus, relays=self.relays)
        self.treq = StubTreq(self.api.resource())


def reg_body(**changes: Any) -> dict[str, Any]:
    """A valid registration body, with ``changes`` (None values remove the field)."""
    body: dict[str, Any] = {
        "host_id": "h1", "boot": "agent-boot-1", "version": "1.2", "port": 8081,
        "watchdog_s": 20,
        "relays": [{"id": "heat", "function": "heat", "state": "on", "safe_state": "off",
                    "protection": {"min_on_s": 120, "min_off_s": 60}}]}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def registered(**changes: Any) -> RelayEngine:
    engine = RelayEngine()
    code, answer = engine.request("POST", "/v1/relays/register", reg_body(**changes))
    assert code == 201, answer
    return engine


def is_json_error(body: Any) -> bool:
    return (isinstance(body, dict) and body.get("status") == "error"
            and isinstance(body.get("error"), str) and bool(body["error"]))


# -- registration --------------------------------------------------------------------------

def test_register_answers_201_with_the_engine_boot() -> None:
    """A valid registration is 201 with the engine's boot id and the heartbeat period."""
    engine = RelayEngine()
    code, body = engine.request("POST", "/v1/relays/register", reg_body())
    assert code == 201
    assert body == {"status": "ok", "host_id": "h1", "url": f"http://{STUB_PEER}:8081",
                    "boot": BOOT, "heartbeat_s": 5.0}


def test_registered_relay_is_listed_as_the_agent_reported_it() -> None:
    """GET /v1/relays: commanded null, reported as registered, URL from peer address + port."""
    engine = registered()
    code, body = engine.request("GET", "/v1/relays")
    assert code == 200
    [relay] = body["relays"]
    assert relay["id"] == "h1:heat" and relay["host_id"] == "h1" and relay["output"] == "heat"
    assert relay["commanded"] is None and relay["in_sync"] is None
    assert relay["reported"] == "on" and relay["safe_state"] == "off"
    assert relay["agent_url"] == f"http://{STUB_PEER}:8081"
    assert relay["reachable"] is True and relay["last_contact"] == iso_seconds(T0)
    assert relay["watchdog_s"] == 20.0
    assert relay["protection"] == {"min_on_s": 120, "min_off_s": 60}
    assert engine.request("GET", "/v1/relays/h1:heat") == (200, relay)


def test_register_uses_the_given_url() -> None:
    """An agent that gives its URL is called there (trailing slash removed)."""
    engine = registered(url="https://relay-h1.example:8443/", port=None)
    assert engine.request("GET", "/v1/relays/h1:heat")[1]["agent_url"] == \
        "https://relay-h1.example:8443"
    assert engine.agent.heartbeats[0].url == "https://relay-h1.example:8443"


def test_register_without_token_is_401() -> None:
    """Registering needs the site token; nothing is registered without it."""
    engine = RelayEngine()
    code, body = engine.request("POST", "/v1/relays/register", reg_body(), token=None)
    assert code == 401 and is_json_error(body)
    assert engine.request("GET", "/v1/relays") == (200, {"relays": []})


def _bad_relays(**relay: Any) -> dict[str, Any]:
    return reg_body(relays=[{"id": "heat", "function": "heat", "state": "on", **relay}])


@pytest.mark.parametrize(("body", "names"), [
    ({k: v for k, v in reg_body().items() if k != "host_id"}, "host_id"),
    (reg_body(host_id="bad id"), "host_id"),
    (reg_body(relays=[]), "relays"),
    (reg_body(relays="heat"), "relays"),
    (reg_body(relays=["heat"]), "relays[0]"),
    (_bad_relays(id="a:b"), "relays[0].id"),
    (_bad_relays(function="boiler"), "relays[0].function"),
    (_bad_relays(state=True), "relays[0].state"),
    (_bad_relays(safe_state="maybe"), "relays[0].safe_state"),
    (reg_body(relays=[{"id": "heat", "function": "heat", "state": "on"},
                      {"id": "heat", "function": "cool", "state": "off"}]), "same id"),
    (reg_body(watchdog_s=2.5), "watchdog_s"),
    (reg_body(watchdog_s=86_401), "watchdog_s"),
    (reg_body(watchdog_s="20"), "watchdog_s"),
    (reg_body(watchdog_s=True), "watchdog_s"),
    ({k: v for k, v in reg_body().items() if k != "watchdog_s"}, "watchdog_s"),
    (reg_body(colour="blue"), "colour"),
    (reg_body(port=None), "port"),
    ({**reg_body(), "url": None, "port": 0}, "port"),
    (reg_body(url="ftp://agent"), "url"),
    (reg_body(boot=""), "boot"),
    ([reg_body()], "JSON object"),
])
def test_bad_registration_is_422_naming_the_field(body: Any, names: str) -> None:
    """Each invalid registration is a 422 whose message names what is wrong; none is stored."""
    engine = RelayEngine()
    code, answer = engine.request("POST", "/v1/relays/register", body)
    assert code == 422, answer
    assert is_json_error(answer) and names in answer["error"]
    assert engine.relays.agents == {}


def test_huge_integer_watchdog_is_422() -> None:
    """watchdog_s as a 400-digit integer is out of range (422), not a crash."""
    engine = RelayEngine()
    raw = json.dumps(reg_body(watchdog_s=0)).replace('"watchdog_s": 0',
                                                     '"watchdog_s": 1' + "0" * 400)
    code, answer = engine.request("POST", "/v1/relays/register", raw=raw.encode())
    assert code == 422 and "watchdog_s" in answer["error"]


def test_non_finite_detail_never_breaks_the_relay_list() -> None:
    """A registration whose details hold 1e400 is refused (422) or listed (200), never 500."""
    engine = RelayEngine()
    raw = json.dumps(_bad_relays(protection={"min_on_s": 0})).replace(
        '"min_on_s": 0', '"min_on_s": 1e400')
    code, _ = engine.request("POST", "/v1/relays/register", raw=raw.encode())
    assert code in (201, 422)
    assert engine.request("GET", "/v1/relays")[0] == 200


def test_huge_numbers_in_details_are_shown_as_null() -> None:
    """An agent's detail numbers beyond any sensible range are kept as null, never a 500."""
    engine = RelayEngine()
    body = _bad_relays(protection={"min_on_s": 10**40, "min_off_s": 30},
                       timers={"switch_allowed_in_s": 10**40})
    assert engine.request("POST", "/v1/relays/register", body)[0] == 201
    code, answer = engine.request("GET", "/v1/relays")
    assert code == 200
    [relay] = answer["relays"]
    assert relay["protection"] == {"min_on_s": None, "min_off_s": 30}
    assert relay["timers"]["switch_allowed_in_s"] is None


# -- reading and manual control ------------------------------------------------------------

def test_get_unknown_relay_is_404() -> None:
    """GET of a relay no agent registered is a 404 JSON error."""
    code, body = registered().request("GET", "/v1/relays/h1:cool")
    assert code == 404 and is_json_error(body) and "h1:cool" in body["error"]


def test_put_unknown_relay_is_404() -> None:
    """PUT to an unknown relay is 404 (even with a bad body) and calls no agent."""
    engine = registered()
    for path in ("/v1/relays/h2:heat", "/v1/relays/h1:cool", "/v1/relays/h1"):
        code, body = engine.request("PUT", path, {"state": "sideways"})
        assert code == 404 and is_json_error(body), path
    assert engine.agent.commands == []


@pytest.mark.parametrize(("body", "names"), [
    ({"state": "sideways"}, "state"),
    ({}, "state"),
    ({"state": "on", "force": True}, "force"),
    ({"state": "on", "source": ""}, "source"),
    ("on", "JSON object"),
])
def test_put_bad_body_is_422(body: Any, names: str) -> None:
    """A bad manual command is a 422 naming the field; the agent is not called."""
    engine = registered()
    code, answer = engine.request("PUT", "/v1/relays/h1:heat", body)
    assert code == 422 and is_json_error(answer) and names in answer["error"]
    assert engine.agent.commands == []


def test_put_without_token_is_401() -> None:
    """Manual control needs the site token."""
    engine = registered()
    code, body = engine.request("PUT", "/v1/relays/h1:heat", {"state": "off"}, token=None)
    assert code == 401 and is_json_error(body)
    assert engine.agent.commands == []


def test_put_switches_through_the_agent() -> None:
    """PUT that the agent carries out is 200 with the relay, now commanded by "manual"."""
    engine = registered()
    code, body = engine.request("PUT", "/v1/relays/h1:heat", {"state": "off"})
    assert code == 200
    assert [(c.url, c.args) for c in engine.agent.commands] == [
        (f"http://{STUB_PEER}:8081", ("heat", False))]
    assert (body["commanded"], body["reported"], body["in_sync"]) == ("off", "off", True)
    assert body["commanded_by"] == "manual"
    assert engine.request("GET", "/v1/relays/h1:heat")[1]["commanded"] == "off"


def test_put_refused_is_409_with_retry_after() -> None:
    """An agent's refusal is a 409 JSON error carrying retry_after_s; nothing is commanded."""
    engine = registered()
    engine.agent.command_reply = always(refused(37.5))
    code, body = engine.request("PUT", "/v1/relays/h1:heat", {"state": "off"})
    assert code == 409 and is_json_error(body)
    assert body["retry_after_s"] == 37.5
    assert engine.request("GET", "/v1/relays/h1:heat")[1]["commanded"] is None


def test_put_refused_without_wait_is_409_with_null_retry_after() -> None:
    """A refusal that waiting will not lift (interlock) has retry_after_s null."""
    engine = registered()
    engine.agent.command_reply = always(refused(None))
    code, body = engine.request("PUT", "/v1/relays/h1:heat", {"state": "off"})
    assert code == 409 and "retry_after_s" in body and body["retry_after_s"] is None


def test_put_when_the_agent_fails_is_503() -> None:
    """An agent that does not carry out the command makes the PUT a 503; nothing commanded."""
    engine = registered()
    engine.agent.command_reply = always(FAILED)
    code, body = engine.request("PUT", "/v1/relays/h1:heat", {"state": "off"})
    assert code == 503 and is_json_error(body)
    assert engine.request("GET", "/v1/relays/h1:heat")[1]["commanded"] is None


def test_put_with_the_store_down_is_503() -> None:
    """A store outage while remembering a manual command is a 503 like on other routes."""
    engine = registered()
    engine.store.available = False
    code, body = engine.request("PUT", "/v1/relays/h1:heat", {"state": "off"})
    assert code == 503 and is_json_error(body)


def test_relay_routes_without_relay_control_are_503() -> None:
    """An engine started without relay control answers its relay routes 503."""
    engine = EngineHarness()
    for method, path in (("GET", "/v1/relays"), ("GET", "/v1/alarms"),
                         ("POST", "/v1/relays/register"), ("PUT", "/v1/relays/h1:heat")):
        code, body = engine.request(method, path, reg_body())
        assert code == 503 and is_json_error(body), (method, path)


# -- alarms --------------------------------------------------------------------------------

def test_alarms_list_active_then_cleared() -> None:
    """GET /v1/alarms: {"active": [...], "cleared": [...]} with each alarm's fields."""
    engine = registered()
    assert engine.request("GET", "/v1/alarms") == (200, {"active": [], "cleared": []})
    engine.agent.heartbeat_reply = always(FAILED)
    for _ in range(10):  # two heartbeats (at +5 and +10) go unanswered
        engine.clock.advance(1)
    code, body = engine.request("GET", "/v1/alarms")
    assert code == 200 and body["cleared"] == []
    [alarm] = body["active"]
    assert set(alarm) == {"id", "kind", "subject", "message", "raised_at", "cleared_at",
                          "active"}
    assert (alarm["id"], alarm["kind"], alarm["subject"]) == ("agent-unreachable:h1",
                                                              "agent-unreachable", "h1")
    assert alarm["raised_at"] == iso_seconds(T0 + 10) and alarm["active"] is True
    assert alarm["cleared_at"] is None and alarm["message"]
    engine.agent.heartbeat_reply = lambda: ok({"boot": "agent-boot-1"})
    for _ in range(5):
        engine.clock.advance(1)
    body = engine.request("GET", "/v1/alarms")[1]
    assert body["active"] == []
    [cleared] = body["cleared"]
    assert cleared["id"] == "agent-unreachable:h1" and cleared["active"] is False
    assert cleared["cleared_at"] == iso_seconds(T0 + 15)


# -- fuzz ----------------------------------------------------------------------------------

def _check(code: int, body: Any) -> None:
    assert code < 500, body
    if code >= 400:
        assert is_json_error(body), body


ids = st.sampled_from(["h1", "heat", "cool", "x.y~z-1", "bad id", "", "a:b", "é"]) | json_values
relay_like = st.fixed_dictionaries({}, optional={
    "id": ids,
    "function": st.sampled_from(FUNCTIONS) | json_values,
    "state": st.sampled_from(["on", "off"]) | json_values,
    "safe_state": st.sampled_from(["on", "off"]) | json_values,
    "protection": json_values,
    "timers": st.fixed_dictionaries({}, optional={"switch_allowed_in_s": json_values})
    | json_values,
    "fault": json_values,
    "since": json_values,
})
registration_like = st.fixed_dictionaries({}, optional={
    "host_id": ids,
    "boot": st.text(max_size=70) | json_values,
    "version": st.text(max_size=70) | json_values,
    "port": st.integers(-2, 70_000) | json_values,
    "url": st.sampled_from([None, "http://agent:1", "https://a/", "ftp://a"]) | json_values,
    "watchdog_s": st.floats(0, 100_000) | st.integers(-5, 100_000) | json_values,
    "relays": st.lists(relay_like, max_size=3) | json_values,
})
detail_keys = ("protection", "timers", "fault", "since", "reason", "class", "where",
               "active_low")
valid_relay = st.fixed_dictionaries({
    "id": st.from_regex(ID_PATTERN, fullmatch=True),
    "function": st.sampled_from(FUNCTIONS),
    "state": st.sampled_from(["on", "off"]),
}, optional={"safe_state": st.sampled_from(["on", "off"]),
             **dict.fromkeys(detail_keys, json_values)})
valid_registration = st.fixed_dictionaries({
    "host_id": st.from_regex(ID_PATTERN, fullmatch=True),
    "boot": st.text(min_size=1, max_size=64),
    "watchdog_s": st.floats(3, 86_400) | st.integers(3, 86_400),
    "relays": st.lists(valid_relay, min_size=1, max_size=4, unique_by=lambda r: r["id"]),
    "port": st.integers(1, 65_535),
}, optional={"version": st.text(min_size=1, max_size=64),
             "url": st.sampled_from([None, "http://agent:1", "https://a.example/x/"])})
one_field_broken = st.tuples(valid_registration, st.sampled_from(sorted(TOP_FIELDS)),
                             json_values).map(lambda t: {**t[0], t[1]: t[2]})
registration_bodies = (
    valid_registration.map(lambda b: json.dumps(b).encode())
    | one_field_broken.map(lambda b: json.dumps(b).encode())
    | registration_like.map(lambda b: json.dumps(b).encode())
    | st.tuples(registration_like, st.text(max_size=10), json_values).map(
        lambda t: json.dumps({**t[0], t[1]: t[2]}).encode())
    | json_values.map(lambda b: json.dumps(b).encode())
    | st.binary(max_size=200)
)
command_bodies = (
    st.fixed_dictionaries({"state": st.sampled_from(["on", "off"])}, optional={
        "source": st.text(min_size=1, max_size=64)}).map(lambda b: json.dumps(b).encode())
    | st.fixed_dictionaries({}, optional={
        "state": st.sampled_from(["on", "off"]) | json_values,
        "source": st.text(max_size=80) | json_values,
        "extra": json_values}).map(lambda b: json.dumps(b).encode())
    | json_values.map(lambda b: json.dumps(b).encode())
    | st.binary(max_size=200)
)
agent_replies = st.sampled_from(["obey", "refuse-wait", "refuse"])
FUZZ = settings(max_examples=200, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(body=registration_bodies)
def test_register_never_5xx(body: bytes) -> None:
    """Any registration body: a 201, or a 4xx JSON error; the relay list stays readable."""
    engine = RelayEngine()
    code, answer = engine.request("POST", "/v1/relays/register", raw=body)
    _check(code, answer)
    if code == 201:
        assert answer["status"] == "ok" and answer["boot"] == BOOT
    for path in ("/v1/relays", "/v1/alarms"):
        code, answer = engine.request("GET", path)
        assert code == 200, answer


@FUZZ
@given(body=command_bodies, reply=agent_replies,
       relay_id=st.sampled_from(["h1:heat", "h1:cool", "h2:heat"]))
def test_put_relay_never_5xx(body: bytes, reply: str, relay_id: str) -> None:
    """Any manual command body, whatever the agent says: 200, 409 or a 4xx JSON error."""
    engine = registered()
    if reply != "obey":
        engine.agent.command_reply = always(refused(12.0 if reply == "refuse-wait" else None))
    code, answer = engine.request("PUT", f"/v1/relays/{relay_id}", raw=body)
    _check(code, answer)
    if code == 409:
        assert answer["retry_after_s"] == (12.0 if reply == "refuse-wait" else None)
    if code == 200:
        assert answer["commanded_by"] == "manual" and answer["in_sync"] is True
