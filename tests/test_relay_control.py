"""RelayControl on a task.Clock with a scripted fake agent client: registry, heartbeats,
reconciliation with back-off, alarms, manual control, restart and shutdown."""

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import pytest
from twisted.internet.defer import Deferred, succeed
from twisted.internet.task import Clock

from rpymostat.engine.relays.agentclient import Answer, answer_of
from rpymostat.engine.relays.alarms import AlarmBook
from rpymostat.engine.relays.control import RelayControl
from rpymostat.engine.relays.registration import Registration, parse_registration
from rpymostat.engine.store.memory import MemoryStore
from rpymostat.shared.clock import iso_seconds
from rpymostat.shared.errors import Conflict, ServiceUnavailable
from rpymostat.shared.testing import MemoryBus

from .helpers import result_of

T0 = 1_790_000_000.0
ENGINE_BOOT = "engine-boot-1"
PEER = "10.0.0.5"
URL = f"http://{PEER}:8081"
WATCHDOG = 20.0  # heartbeats every 5 s
STEP = 0.25  # every delay in these tests is a multiple of it

FAILED = Answer("failed", None, None, "ConnectionRefusedError: refused")


def ok(body: dict[str, Any]) -> Answer:
    """An agent's 200 answer."""
    return Answer("ok", 200, body, "ok")


def refused(wait: float | None) -> Answer:
    """An agent's 409 answer (a protection), with its wait or None."""
    return Answer("refused", 409, {"status": "error", "error": "minimum off time 300 s",
                                   "retry_after_s": wait}, "minimum off time 300 s", wait)


def word(on: bool) -> str:
    return "on" if on else "off"


@dataclass
class Call:
    """One call the engine made to the fake agent."""

    url: str
    args: tuple[Any, ...]
    at: float


Reply = Answer | Deferred[Answer]


class FakeAgentClient:
    """Stands for AgentClient: answers from scripts (consumed first), else from the reply
    functions, which by default act as an obedient agent with outputs ``states``."""

    def __init__(self, clock: Clock, states: dict[str, bool] | None = None,
                 timeout: float = 2.0) -> None:
        self.timeout = timeout
        self.clock = clock
        self.states = dict(states if states is not None else {"heat": False})
        self.heartbeats: list[Call] = []
        self.commands: list[Call] = []
        self.heartbeat_script: list[Reply] = []
        self.command_script: list[Reply] = []
        self.heartbeat_reply: Callable[[], Reply] = self.obedient_heartbeat
        self.command_reply: Callable[[str, bool], Reply] = self.obedient_command
        self.extra: dict[str, Any] = {}  # more fields of every output in heartbeat answers

    def describe(self, output: str) -> dict[str, Any]:
        return {"id": output, "function": output if output in ("heat", "cool", "fan") else "aux",
                "state": word(self.states[output]), **self.extra}

    def obedient_heartbeat(self) -> Answer:
        return ok({"host_id": "h1", "boot": "agent-boot-1",
                   "relays": [self.describe(o) for o in sorted(self.states)]})

    def obedient_command(self, output: str, on: bool) -> Answer:
        self.states[output] = on
        return ok(self.describe(output))

    def heartbeat(self, url: str, boot: str, timeout: float | None = None) -> Deferred[Answer]:
        self.heartbeats.append(Call(url, (boot, timeout), self.clock.seconds()))
        reply = self.heartbeat_script.pop(0) if self.heartbeat_script else self.heartbeat_reply()
        return reply if isinstance(reply, Deferred) else succeed(reply)

    def command(self, url: str, output: str, on: bool) -> Deferred[Answer]:
        self.commands.append(Call(url, (output, on), self.clock.seconds()))
        reply = (self.command_script.pop(0) if self.command_script
                 else self.command_reply(output, on))
        return reply if isinstance(reply, Deferred) else succeed(reply)


def always(answer: Answer) -> Callable[..., Answer]:
    return lambda *_: answer


def registration(host: str = "h1", outputs: tuple[str, ...] = ("heat",), port: int = 8081,
                 watchdog: float = WATCHDOG, state: str = "off") -> Registration:
    """A registration as parse_registration makes it from an agent's body."""
    return parse_registration({
        "host_id": host, "boot": "agent-boot-1", "version": "1.0", "port": port,
        "watchdog_s": watchdog,
        "relays": [{"id": o, "function": o if o in ("heat", "cool", "fan") else "aux",
                    "state": state} for o in outputs]}, PEER)


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    """The result of a coroutine that completes at once (fired Deferreds only)."""
    return result_of(Deferred.fromCoroutine(coro))


class Rig:
    """A started RelayControl over a MemoryStore on a task.Clock, with a fake agent."""

    def __init__(self, store: MemoryStore | None = None, retries: int = 5,
                 jitter: float = 1.0, states: dict[str, bool] | None = None,
                 start: float = T0) -> None:
        self.clock = Clock()
        self.clock.advance(start)
        self.store = store if store is not None else MemoryStore()
        self.bus = MemoryBus()
        self.agent = FakeAgentClient(self.clock, states)
        self.alarms = AlarmBook(self.clock, self.bus)
        self.control = RelayControl(self.clock, self.store, self.agent, self.bus, self.alarms,
                                    boot=ENGINE_BOOT, retries=retries, jitter=lambda: jitter)
        self.control.startService()
        self.loaded = self.control.loaded
        assert self.loaded is not None
        result_of(self.loaded)

    def register(self, reg: Registration | None = None) -> dict[str, Any]:
        return run(self.control.register(reg or registration()))

    def relay(self, relay_id: str = "h1:heat") -> dict[str, Any]:
        return self.control.get_json(relay_id)

    def step(self, seconds: float) -> None:
        """Advance in small steps so that each delay is measured from when it was set."""
        for _ in range(round(seconds / STEP)):
            self.clock.advance(STEP)

    def docs(self, kind: str) -> dict[str, dict[str, Any]]:
        return result_of(self.store.get_docs(kind))

    def published(self, topic: str) -> list[dict[str, Any]]:
        return [m.data for m in self.bus.published if m.topic == topic]


def gaps(calls: list[Call]) -> list[float]:
    return [b.at - a.at for a, b in pairwise(calls)]


MISMATCH_TOPIC = "engine.alarm.relay-mismatch.h1.heat"


# -- registration and heartbeats -----------------------------------------------------------

def test_registration_is_stored_and_answers_the_engine_boot() -> None:
    """register() stores a relay_agent doc and answers with the engine boot and heartbeat period."""
    rig = Rig()
    answer = rig.register()
    assert answer == {"status": "ok", "host_id": "h1", "url": URL, "boot": ENGINE_BOOT,
                      "heartbeat_s": 5.0}
    doc = rig.docs("relay_agent")["h1"]
    assert doc["url"] == URL and doc["watchdog_s"] == WATCHDOG
    assert [r["id"] for r in doc["relays"]] == ["heat"]
    assert doc["registered_at"] == iso_seconds(T0)


def test_heartbeats_run_at_a_quarter_of_the_watchdog_period() -> None:
    """The agent is called at once, then every watchdog/4 s, with the engine boot."""
    rig = Rig()
    rig.register()
    assert len(rig.agent.heartbeats) == 1
    rig.step(4.75)
    assert len(rig.agent.heartbeats) == 1
    rig.step(0.25)
    assert len(rig.agent.heartbeats) == 2
    rig.step(15)
    assert [c.at - T0 for c in rig.agent.heartbeats] == [0, 5, 10, 15, 20]
    assert {(c.url, c.args) for c in rig.agent.heartbeats} == {(URL, (ENGINE_BOOT, 2.0))}


def test_heartbeat_time_limit_is_at_most_the_heartbeat_period() -> None:
    """A short watchdog period shortens each heartbeat's time limit below the client's."""
    rig = Rig()
    rig.register(registration(watchdog=4.0))
    assert rig.agent.heartbeats[0].args == (ENGINE_BOOT, 1.0)


def test_heartbeat_answer_updates_reported_state_and_last_contact() -> None:
    """An answered heartbeat sets each output's reported state and the agent's last contact."""
    rig = Rig()
    rig.register()
    assert rig.relay()["reported"] == "off"
    assert rig.relay()["last_contact"] == iso_seconds(T0)
    rig.agent.states["heat"] = True  # e.g. switched by hand on the agent
    rig.step(5)
    relay = rig.relay()
    assert relay["reported"] == "on"
    assert relay["last_contact"] == iso_seconds(T0 + 5)
    assert relay["commanded"] is None and relay["in_sync"] is None


def test_reported_timers_age_with_the_time_since_last_contact() -> None:
    """switch_allowed_in_s is shown counted down from the last answered heartbeat."""
    rig = Rig()
    rig.agent.extra = {"timers": {"switch_allowed_in_s": 30, "blocked_by": "min off"}}
    rig.register()
    rig.step(5)
    assert rig.relay()["timers"]["switch_allowed_in_s"] == 30
    rig.agent.heartbeat_reply = always(FAILED)
    rig.step(5)  # one missed heartbeat: still reachable, timers keep counting down
    assert rig.relay()["timers"] == {"switch_allowed_in_s": 25.0, "blocked_by": "min off"}


def test_two_missed_heartbeats_mark_the_agent_unreachable() -> None:
    """One miss is tolerated; the second raises agent-unreachable and publishes the agent."""
    rig = Rig()
    rig.register()
    topic = "engine.relay_agents.h1"
    assert rig.published(topic)[-1]["reachable"] is True
    rig.agent.heartbeat_reply = always(FAILED)
    rig.step(5)
    assert rig.relay()["reachable"] is True
    assert rig.alarms.active == {}
    rig.step(5)
    assert rig.relay()["reachable"] is False
    assert list(rig.alarms.active) == ["agent-unreachable:h1"]
    assert "does not answer" in rig.alarms.active["agent-unreachable:h1"].message
    rig.bus.assert_published(topic, reachable=False, url=URL, last_contact=iso_seconds(T0))
    assert len(rig.published("engine.alarm.agent-unreachable.h1")) == 1
    rig.step(10)  # still silent: no new alarm, no new publication
    assert len(rig.published("engine.alarm.agent-unreachable.h1")) == 1
    assert [d["reachable"] for d in rig.published(topic)] == [True, False]


def test_one_answered_heartbeat_clears_unreachable() -> None:
    """After two misses, a single answered heartbeat makes the agent reachable again."""
    rig = Rig()
    rig.register()
    rig.agent.heartbeat_script = [FAILED, FAILED]
    rig.step(10)
    assert rig.relay()["reachable"] is False
    rig.step(5)
    assert rig.relay()["reachable"] is True
    assert rig.relay()["last_contact"] == iso_seconds(T0 + 15)
    assert rig.alarms.active == {}
    assert [a.id for a in rig.alarms.cleared] == ["agent-unreachable:h1"]
    assert rig.published("engine.relay_agents.h1")[-1]["reachable"] is True
    assert rig.published("engine.alarm.agent-unreachable.h1")[-1]["active"] is None


# -- the engine's commands -----------------------------------------------------------------

def test_command_is_stored_sent_and_in_sync_when_the_agent_follows() -> None:
    """command() stores a relay_command doc, sends it, and the relay is then in sync."""
    rig = Rig()
    rig.register()
    rig.clock.advance(1)
    run(rig.control.command("h1:heat", True))
    assert rig.docs("relay_command") == {"h1:heat": {"state": "on", "at": T0 + 1,
                                                     "by": "engine"}}
    assert [(c.url, c.args) for c in rig.agent.commands] == [(URL, ("heat", True))]
    relay = rig.relay()
    assert (relay["commanded"], relay["reported"], relay["in_sync"]) == ("on", "on", True)
    assert relay["commanded_by"] == "engine"
    assert relay["commanded_at"] == iso_seconds(T0 + 1)
    assert relay["pending"] == {"attempts": 0, "next_try_in_s": None, "last_error": None}


def test_repeating_the_commanded_state_sends_nothing() -> None:
    """command() with the state already commanded is a no-op (no store write, no send)."""
    rig = Rig()
    rig.register()
    run(rig.control.command("h1:heat", True))
    rig.clock.advance(1)
    run(rig.control.command("h1:heat", True))
    assert len(rig.agent.commands) == 1
    assert rig.docs("relay_command")["h1:heat"]["at"] == T0


def test_retries_back_off_exponentially_up_to_a_minute() -> None:
    """With jitter 1.0 the delays between sends are 1, 2, 4 ... s, capped at 60 s."""
    rig = Rig(retries=5, jitter=1.0)
    rig.register()
    rig.agent.command_reply = always(FAILED)
    run(rig.control.command("h1:heat", True))
    rig.step(300)
    assert gaps(rig.agent.commands) == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    pending = rig.relay()["pending"]
    assert pending["attempts"] == 10  # sends at +0, +1, +3 ... +183, +243: all failed
    assert pending["last_error"] == FAILED.message
    assert pending["next_try_in_s"] == 3.0  # the next one at +303


def test_jitter_scales_the_delays_down_to_half() -> None:
    """With jitter 0.0 every back-off delay is half: 0.5, 1, 2 ... capped at 30 s."""
    rig = Rig(retries=5, jitter=0.0)
    rig.register()
    rig.agent.command_reply = always(FAILED)
    run(rig.control.command("h1:heat", True))
    rig.step(150)
    assert gaps(rig.agent.commands) == [0.5, 1, 2, 4, 8, 16, 30, 30, 30]


def test_never_more_than_one_send_in_flight() -> None:
    """While a command is unanswered, heartbeats and a repeated decision send nothing more."""
    rig = Rig()
    rig.register()
    pending: Deferred[Answer] = Deferred()
    rig.agent.command_script = [pending]
    run(rig.control.command("h1:heat", True))
    rig.step(30)  # six heartbeats report "off": each would reconcile
    run(rig.control.command("h1:heat", False))
    run(rig.control.command("h1:heat", True))
    assert len(rig.agent.commands) == 1
    rig.agent.states["heat"] = True
    pending.callback(ok(rig.agent.describe("heat")))
    assert rig.relay()["in_sync"] is True
    rig.step(30)
    assert len(rig.agent.commands) == 1


def test_mismatch_alarm_after_retries_failures_raised_once() -> None:
    """relay-mismatch is raised at the retries-th failure, once, while retries go on."""
    rig = Rig(retries=3)
    rig.register()
    rig.agent.command_reply = always(FAILED)
    run(rig.control.command("h1:heat", True))
    rig.step(1)
    assert len(rig.agent.commands) == 2
    assert rig.alarms.active == {}
    rig.step(2)
    assert len(rig.agent.commands) == 3
    alarm = rig.alarms.active["relay-mismatch:h1:heat"]
    assert "commanded on" in alarm.message and "3 attempts" in alarm.message
    rig.step(300)
    assert len(rig.agent.commands) > 6
    assert [d["active"] for d in rig.published(MISMATCH_TOPIC)] == [True]
    assert list(rig.alarms.active) == ["relay-mismatch:h1:heat"]


def test_mismatch_alarm_clears_when_the_agent_follows() -> None:
    """Once the agent carries out the retried command the alarm clears and attempts reset."""
    rig = Rig(retries=2)
    rig.register()
    rig.agent.command_reply = always(FAILED)
    run(rig.control.command("h1:heat", True))
    rig.step(3)
    assert "relay-mismatch:h1:heat" in rig.alarms.active
    rig.agent.command_reply = rig.agent.obedient_command
    rig.step(4)  # sends at +0, +1, +3 failed; the one at +7 succeeds
    assert len(rig.agent.commands) == 4
    assert rig.alarms.active == {}
    assert [a.id for a in rig.alarms.cleared] == ["relay-mismatch:h1:heat"]
    assert rig.published(MISMATCH_TOPIC)[-1]["active"] is None
    relay = rig.relay()
    assert relay["in_sync"] is True
    assert relay["pending"] == {"attempts": 0, "next_try_in_s": None, "last_error": None}
    rig.step(120)
    assert len(rig.agent.commands) == 4


def test_refusal_with_a_wait_is_retried_when_the_wait_ends_without_alarm() -> None:
    """A 409 with retry_after is retried just after that wait, never earlier, with no alarm."""
    rig = Rig(retries=1)
    rig.register()
    rig.agent.command_script = [refused(30.0)] * 4
    run(rig.control.command("h1:heat", True))
    rig.step(30)
    assert len(rig.agent.commands) == 1
    rig.step(0.25)
    assert len(rig.agent.commands) == 2
    rig.step(100)
    assert gaps(rig.agent.commands) == [30.25] * 4
    assert rig.relay()["in_sync"] is True
    assert rig.alarms.active == {}
    assert rig.published(MISMATCH_TOPIC) == []


def test_refusal_without_a_wait_counts_as_a_failure() -> None:
    """A 409 without retry_after backs off like a failure and raises the alarm."""
    rig = Rig(retries=2)
    rig.register()
    rig.agent.command_reply = always(refused(None))
    run(rig.control.command("h1:heat", True))
    assert rig.relay()["pending"]["attempts"] == 1
    assert rig.relay()["pending"]["next_try_in_s"] == 1.0
    rig.step(1)
    assert rig.relay()["pending"]["attempts"] == 2
    assert "relay-mismatch:h1:heat" in rig.alarms.active


def test_unreachable_agent_gets_the_command_at_its_next_answered_heartbeat() -> None:
    """No retries go to an unreachable agent; its next answered heartbeat reconciles."""
    rig = Rig()
    rig.register()
    rig.agent.heartbeat_reply = always(FAILED)
    rig.step(10)
    run(rig.control.command("h1:heat", True))
    rig.step(60)
    assert rig.agent.commands == []
    rig.agent.heartbeat_reply = rig.agent.obedient_heartbeat
    rig.step(5)
    assert [(c.args, c.at) for c in rig.agent.commands] == [(("heat", True), T0 + 75)]
    assert rig.relay()["in_sync"] is True


# -- manual control ------------------------------------------------------------------------

def test_manual_switch_returns_the_relay_and_becomes_commanded() -> None:
    """manual() switches through the agent; the state becomes commanded by "manual"."""
    rig = Rig()
    rig.register()
    relay = run(rig.control.manual("h1:heat", True))
    assert [c.args for c in rig.agent.commands] == [("heat", True)]
    assert relay["id"] == "h1:heat"
    assert (relay["commanded"], relay["reported"], relay["in_sync"]) == ("on", "on", True)
    assert relay["commanded_by"] == "manual"
    assert rig.docs("relay_command")["h1:heat"] == {"state": "on", "at": T0, "by": "manual"}


def test_manual_switch_ends_a_mismatch_and_its_retries() -> None:
    """A manual switch the agent carries out clears relay-mismatch and cancels the retry."""
    rig = Rig(retries=1)
    rig.register()
    rig.agent.command_script = [FAILED]
    run(rig.control.command("h1:heat", True))
    assert "relay-mismatch:h1:heat" in rig.alarms.active
    relay = run(rig.control.manual("h1:heat", False))
    assert relay["pending"] == {"attempts": 0, "next_try_in_s": None, "last_error": None}
    assert rig.alarms.active == {}
    rig.step(120)
    assert [c.args for c in rig.agent.commands] == [("heat", True), ("heat", False)]


def test_manual_refusal_is_a_conflict_and_changes_nothing() -> None:
    """A refused manual switch raises Conflict with retry_after_s; commanded stays as it was."""
    rig = Rig()
    rig.register()
    run(rig.control.command("h1:heat", False))
    rig.agent.command_reply = always(refused(42.5))
    with pytest.raises(Conflict) as caught:
        run(rig.control.manual("h1:heat", True))
    assert caught.value.details == {"retry_after_s": 42.5}
    assert "refused" in caught.value.message
    relay = rig.relay()
    assert (relay["commanded"], relay["commanded_by"], relay["reported"]) == ("off", "engine",
                                                                              "off")
    assert rig.docs("relay_command")["h1:heat"]["state"] == "off"


def test_manual_failure_is_service_unavailable_and_changes_nothing() -> None:
    """A manual switch the agent does not carry out raises ServiceUnavailable; nothing changes."""
    rig = Rig()
    rig.register()
    rig.agent.command_reply = always(FAILED)
    with pytest.raises(ServiceUnavailable):
        run(rig.control.manual("h1:heat", True))
    assert rig.relay()["commanded"] is None
    assert rig.docs("relay_command") == {}
    rig.step(120)
    assert len(rig.agent.commands) == 1  # nothing commanded: nothing to retry


# -- restart, re-registration, shutdown ----------------------------------------------------

def test_restarted_engine_loads_registry_and_resends_differing_command() -> None:
    """A new RelayControl on the same store heartbeats at once and re-sends the commanded state."""
    first = Rig()
    first.register()
    first.agent.command_reply = always(FAILED)
    run(first.control.command("h1:heat", True))
    first.control.stopService()

    second = Rig(store=first.store, start=T0 + 100)
    assert [(c.url, c.args[0], c.at) for c in second.agent.heartbeats] == [
        (URL, ENGINE_BOOT, T0 + 100)]
    assert [(c.url, c.args) for c in second.agent.commands] == [(URL, ("heat", True))]
    relay = second.relay()
    assert (relay["commanded"], relay["commanded_by"], relay["in_sync"]) == ("on", "engine",
                                                                             True)
    assert relay["commanded_at"] == iso_seconds(T0)


def test_restarted_engine_sends_nothing_when_the_agent_already_agrees() -> None:
    """After a restart, an output whose reported state equals the commanded one is left alone."""
    first = Rig()
    first.register()
    run(first.control.command("h1:heat", True))
    first.control.stopService()
    second = Rig(store=first.store, states={"heat": True})
    assert len(second.agent.heartbeats) == 1
    assert second.agent.commands == []
    assert second.relay()["in_sync"] is True


def test_reregistration_replaces_the_entry_and_its_heartbeat_loop() -> None:
    """The same host registering again is one entry, heartbeated once per period at its new URL."""
    rig = Rig()
    rig.register()
    rig.step(2.5)
    rig.register(registration(port=9090))
    assert list(rig.control.agents) == ["h1"]
    assert rig.relay()["agent_url"] == f"http://{PEER}:9090"
    before = len(rig.agent.heartbeats)
    rig.step(20)
    new = rig.agent.heartbeats[before:]
    assert [c.at - T0 for c in new] == [7.5, 12.5, 17.5, 22.5]
    assert {c.url for c in new} == {f"http://{PEER}:9090"}


def test_reregistration_keeps_the_commanded_state() -> None:
    """A re-registered output keeps its commanded state and is reconciled towards it."""
    rig = Rig()
    rig.register()
    run(rig.control.command("h1:heat", True))
    rig.agent.states["heat"] = False  # the agent restarted in its safe state
    rig.register(registration(state="off"))
    assert [c.args for c in rig.agent.commands] == [("heat", True), ("heat", True)]
    assert rig.relay()["commanded"] == "on" and rig.relay()["in_sync"] is True


def test_stop_service_stops_heartbeats_and_pending_retries() -> None:
    """After stopService no delayed call of ours remains and the agent is called no more."""
    rig = Rig()
    rig.register(registration(outputs=("heat", "cool")))
    rig.agent.states["cool"] = False
    rig.agent.command_reply = always(FAILED)
    run(rig.control.command("h1:heat", True))
    run(rig.control.command("h1:cool", True))
    assert len(rig.clock.getDelayedCalls()) == 3  # one loop and two retries
    rig.control.stopService()
    assert rig.clock.getDelayedCalls() == []
    calls = (len(rig.agent.heartbeats), len(rig.agent.commands))
    rig.step(600)
    assert (len(rig.agent.heartbeats), len(rig.agent.commands)) == calls


def test_late_heartbeat_answer_after_stop_schedules_nothing() -> None:
    """A heartbeat answered after stopService sends no command and leaves no delayed call."""
    rig = Rig()
    rig.register()
    rig.agent.command_reply = always(FAILED)
    run(rig.control.command("h1:heat", True))
    rig.step(1)  # first retry failed too; next retry in 2 s
    late: Deferred[Answer] = Deferred()
    rig.agent.heartbeat_script = [late]
    rig.step(4)  # the heartbeat at T0+5 is now in flight
    rig.control.stopService()
    sent = len(rig.agent.commands)
    late.callback(rig.agent.obedient_heartbeat())
    assert len(rig.agent.commands) == sent
    assert rig.clock.getDelayedCalls() == []


def test_reregistration_without_an_output_clears_its_alarm() -> None:
    """An output the agent no longer has cannot stay in alarm."""
    rig = Rig(retries=1, states={"heat": False, "cool": False})
    rig.register(registration(outputs=("heat", "cool")))
    rig.agent.command_reply = always(FAILED)
    run(rig.control.command("h1:cool", True))
    assert "relay-mismatch:h1:cool" in rig.alarms.active
    rig.register(registration(outputs=("heat",)))
    assert rig.alarms.active == {}


def test_long_valid_ids_keep_retrying_after_the_alarm() -> None:
    """With 64-char dotted ids (valid), a failed command is still retried after the alarm."""
    host = "a" + ".b" * 31 + "c"
    output = "o" + ".p" * 31 + "q"
    rig = Rig(retries=1, states={output: False})
    rig.register(registration(host=host, outputs=(output,)))
    rig.agent.command_reply = always(FAILED)
    run(rig.control.command(f"{host}:{output}", True))
    assert f"relay-mismatch:{host}:{output}" in rig.alarms.active
    assert rig.relay(f"{host}:{output}")["pending"]["next_try_in_s"] == 1.0


# -- answers of the agents ------------------------------------------------------------------

@pytest.mark.parametrize(("status", "content", "kind", "wait"), [
    (200, b'{"id": "heat", "state": "on"}', "ok", None),
    (409, b'{"status": "error", "error": "min off", "retry_after_s": 12.5}', "refused", 12.5),
    (409, b'{"status": "error", "error": "interlocked", "retry_after_s": null}', "refused",
     None),
    (409, b"not json", "failed", None),
    (200, b"[1, 2]", "failed", None),
    (503, b'{"status": "error", "error": "driver failed"}', "failed", None),
])
def test_answer_of_classifies_http_answers(status: int, content: bytes, kind: str,
                                           wait: float | None) -> None:
    """200 with an object is ok, 409 with an object is refused (with its wait), else failed."""
    answer = answer_of(status, content)
    assert (answer.kind, answer.status, answer.retry_after) == (kind, status, wait)
    assert answer.message


def test_answer_of_never_raises_on_a_huge_retry_after() -> None:
    """A 409 whose retry_after_s is a huge integer is still an Answer."""
    answer = answer_of(409, b'{"error": "x", "retry_after_s": 1' + b"0" * 400 + b"}")
    assert answer.kind in ("refused", "failed")
