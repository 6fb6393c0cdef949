"""The engine owns every output's commanded state and makes the agents follow it.

- Registry: each agent's registration is stored (``relay_agent`` documents), so a restarted
  engine heartbeats its agents at once; they see a new engine boot and register again.
- Heartbeats: every agent is called ``HEARTBEATS_PER_PERIOD`` times per watchdog period
  (the issue asks for at least three). Each answer carries every output's state (its
  *reported* state) and is the agent's last contact. Two missed heartbeats in a row mark the
  agent unreachable (API, bus ``engine.relay_agents.<host>``, alarm ``agent-unreachable``).
- Reconciliation: when an output's reported state differs from its commanded one, the engine
  re-sends the command. A refusal with a wait (a protection timer) is retried when the wait
  ends; any other failure is retried with exponential back-off and jitter, and after
  ``retries`` failures in a row raises ``relay-mismatch``. It keeps trying (capped at a
  minute), never in a tight loop; the alarm clears when the output follows.
- Manual control (``PUT /v1/relays/<id>``) goes through the agent synchronously: the agent's
  refusal (409 with its wait) or silence (503) is the caller's answer, and only a command the
  agent carried out becomes the commanded state.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from twisted.application.service import Service
from twisted.internet import task
from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IDelayedCall
from twisted.logger import Logger

from rpymostat.shared.backoff import backoff_delay
from rpymostat.shared.bus.interface import StatusBus
from rpymostat.shared.bus.topics import escape_segment
from rpymostat.shared.clock import Clock, iso_seconds
from rpymostat.shared.errors import Conflict, NotFound, ServiceUnavailable

from ..store import Store, StoreUnavailable
from .agentclient import AgentClient, Answer
from .alarms import AlarmBook
from .registration import (
    DETAIL_FIELDS,
    Registration,
    RelayInfo,
    clean_detail,
    registration_doc,
    registration_from_doc,
)

_log = Logger(namespace="rpymostat.engine.relays")
AGENT_DOCS = "relay_agent"
COMMAND_DOCS = "relay_command"
HEARTBEATS_PER_PERIOD = 4
MISSED_FOR_UNREACHABLE = 2
MAX_RETRY_DELAY = 60.0


RESUMED = "resumed"  # commanded_by once a manual hold was ended by hand


def word(on: bool | None) -> str | None:
    """``on`` / ``off`` / None."""
    return None if on is None else ("on" if on else "off")


@dataclass
class RelayEntry:
    """One output as the engine sees it."""

    host_id: str
    info: RelayInfo
    commanded: bool | None = None
    commanded_at: float | None = None
    commanded_by: str | None = None
    attempts: int = 0
    timer: IDelayedCall | None = None
    sending: bool = False
    last_error: str | None = None

    @property
    def id(self) -> str:
        """``<host>:<output>``."""
        return f"{self.host_id}:{self.info.id}"


@dataclass
class AgentEntry:
    """One registered agent."""

    reg: Registration
    loop: task.LoopingCall | None = None
    last_contact: float | None = None
    reachable: bool | None = None  # None: not heard since this engine started
    missed: int = 0
    agent_boot: str | None = None
    relays: dict[str, RelayEntry] = field(default_factory=dict)


class RelayControl(Service):
    """Registry, heartbeats and reconciliation of every relay agent."""

    def __init__(self, clock: Clock, store: Store, client: AgentClient, bus: StatusBus,
                 alarms: AlarmBook, *, boot: str, retries: int = 5,
                 jitter: Callable[[], float] = random.random,
                 ready: Callable[[], Deferred[None]] = lambda: succeed(None)) -> None:
        self._clock = clock
        self._store = store
        self._client = client
        self._bus = bus
        self.alarms = alarms
        self._boot = boot
        self._retries = retries
        self._jitter = jitter
        self._ready = ready
        self.agents: dict[str, AgentEntry] = {}
        self._commanded: dict[str, dict[str, Any]] = {}
        self.loaded: Deferred[None] | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def startService(self) -> None:
        """Load the registry and the commanded states, then heartbeat every agent."""
        super().startService()
        self.loaded = Deferred.fromCoroutine(self._load())
        self.loaded.addErrback(lambda f: _log.failure("cannot load the relay registry", f))

    async def _load(self) -> None:
        await self._ready()
        self._commanded = await self._store.get_docs(COMMAND_DOCS)
        for doc in (await self._store.get_docs(AGENT_DOCS)).values():
            self._install(registration_from_doc(doc))
        if self.agents:
            _log.info("relay registry: {n} agent(s); calling them", n=len(self.agents))

    def stopService(self) -> Any:
        """Stop heartbeats and pending retries."""
        for agent in self.agents.values():
            self._stop_agent(agent)
        return super().stopService()

    def _stop_agent(self, agent: AgentEntry) -> None:
        if agent.loop is not None and agent.loop.running:
            agent.loop.stop()
        for relay in agent.relays.values():
            if relay.timer is not None and relay.timer.active():
                relay.timer.cancel()

    # -- registry ----------------------------------------------------------------------------

    def _install(self, reg: Registration) -> AgentEntry:
        old = self.agents.get(reg.host_id)
        agent = AgentEntry(reg)
        if old is not None:
            self._stop_agent(old)
            agent.last_contact, agent.reachable = old.last_contact, old.reachable
            kept = {r.id for r in reg.relays}
            for gone in set(old.relays) - kept:  # an output the agent no longer has
                self.alarms.clear("relay-mismatch", f"{reg.host_id}:{gone}")
        for info in reg.relays:
            relay = RelayEntry(reg.host_id, info)
            saved = self._commanded.get(relay.id)
            if saved is not None:
                relay.commanded = saved["state"] == "on"
                relay.commanded_at = saved.get("at")
                relay.commanded_by = saved.get("by")
            agent.relays[info.id] = relay
        self.agents[reg.host_id] = agent
        agent.loop = task.LoopingCall(self._heartbeat, agent)
        agent.loop.clock = self._clock  # type: ignore[assignment]
        if self.running:
            agent.loop.start(reg.watchdog / HEARTBEATS_PER_PERIOD, now=True)
        return agent

    async def register(self, reg: Registration) -> dict[str, Any]:
        """Store the registration and start calling the agent; the 201 body."""
        doc = registration_doc(reg, iso_seconds(self._clock.seconds()) or "")
        await self._store.put_doc(AGENT_DOCS, reg.host_id, doc)
        agent = self._install(reg)
        self._contact(agent, reg.boot)
        _log.info("relay agent {host} registered at {url}: {relays}", host=reg.host_id,
                  url=reg.url, relays=", ".join(f"{r.id}={word(r.state)}" for r in reg.relays))
        for relay in agent.relays.values():
            self._reconcile(agent, relay)
        return {"status": "ok", "host_id": reg.host_id, "url": reg.url, "boot": self._boot,
                "heartbeat_s": reg.watchdog / HEARTBEATS_PER_PERIOD}

    # -- contact -----------------------------------------------------------------------------

    def _contact(self, agent: AgentEntry, agent_boot: str | None) -> None:
        agent.last_contact = self._clock.seconds()
        agent.missed = 0
        agent.agent_boot = agent_boot or agent.agent_boot
        if agent.reachable is not True:
            agent.reachable = True
            self.alarms.clear("agent-unreachable", agent.reg.host_id)
            self._publish_agent(agent)

    def _publish_agent(self, agent: AgentEntry) -> None:
        self._bus.publish(f"engine.relay_agents.{escape_segment(agent.reg.host_id)}", {
            "host_id": agent.reg.host_id, "url": agent.reg.url, "reachable": agent.reachable,
            "last_contact": iso_seconds(agent.last_contact)})

    def _heartbeat(self, agent: AgentEntry) -> Deferred[Any]:
        timeout = min(self._client.timeout, agent.reg.watchdog / HEARTBEATS_PER_PERIOD)
        d = self._client.heartbeat(agent.reg.url, self._boot, timeout)
        d.addCallback(self._heard, agent)
        d.addErrback(lambda f: _log.failure("heartbeat of {host}", f, host=agent.reg.host_id))
        return d  # the loop waits for it: heartbeats to one agent never overlap

    def _current(self, agent: AgentEntry) -> bool:
        """Still running, and ``agent`` not replaced by a new registration meanwhile."""
        return bool(self.running) and self.agents.get(agent.reg.host_id) is agent

    def _heard(self, answer: Answer, agent: AgentEntry) -> None:
        if not self._current(agent):
            return
        if answer.kind != "ok":
            agent.missed += 1
            if agent.missed >= MISSED_FOR_UNREACHABLE and agent.reachable is not False:
                agent.reachable = False
                _log.warn("relay agent {host} is unreachable: {e}", host=agent.reg.host_id,
                          e=answer.message)
                self.alarms.raise_("agent-unreachable", agent.reg.host_id,
                                   f"relay agent {agent.reg.host_id} at {agent.reg.url} does"
                                   f" not answer: {answer.message}")
                self._publish_agent(agent)
            return
        self._contact(agent, answer.body.get("boot"))
        self._update_reported(agent, answer.body.get("relays"))
        for relay in agent.relays.values():
            self._reconcile(agent, relay)

    def _update_reported(self, agent: AgentEntry, relays: Any) -> None:
        if not isinstance(relays, list):
            return
        for item in relays:
            if isinstance(item, dict) and isinstance(item.get("id"), str) \
                    and item["id"] in agent.relays:
                relay = agent.relays[item["id"]]
                self._set_reported(relay, item)

    @staticmethod
    def _set_reported(relay: RelayEntry, item: dict[str, Any]) -> None:
        state = item.get("state")
        if state not in ("on", "off"):
            return
        detail = dict(relay.info.detail)
        detail.update({k: clean_detail(item[k]) for k in DETAIL_FIELDS if k in item})
        relay.info = RelayInfo(relay.info.id, relay.info.function, state == "on",
                               relay.info.safe_on, detail)

    # -- commands ----------------------------------------------------------------------------

    def _find(self, relay_id: str) -> tuple[AgentEntry, RelayEntry]:
        host, _, output = relay_id.partition(":")
        agent = self.agents.get(host)
        relay = agent.relays.get(output) if agent else None
        if agent is None or relay is None:
            raise NotFound(f"no such relay: {relay_id}")
        return agent, relay

    async def _remember(self, relay: RelayEntry, on: bool, by: str) -> None:
        """Commanded from now on: in memory at once (reconciliation must not undo what the
        agent just did), then stored; a store failure is raised (the caller says so)."""
        relay.commanded, relay.commanded_at, relay.commanded_by = on, self._clock.seconds(), by
        doc = {"state": word(on), "at": relay.commanded_at, "by": by}
        self._commanded[relay.id] = doc
        await self._store.put_doc(COMMAND_DOCS, relay.id, doc)

    async def manual(self, relay_id: str, on: bool) -> dict[str, Any]:
        """Switch through the agent now; only what it carried out becomes commanded."""
        agent, relay = self._find(relay_id)
        answer = await self._client.command(agent.reg.url, relay.info.id, on)
        if answer.kind == "refused":
            raise Conflict(f"relay {relay_id}: the agent refused: {answer.message}",
                           details={"retry_after_s": answer.retry_after})
        if answer.kind == "failed":
            raise ServiceUnavailable(f"relay {relay_id}: the agent did not carry out the"
                                     f" command: {answer.message}")
        self._contact(agent, None)
        self._set_reported(relay, answer.body)
        self._cancel_retry(relay)
        try:
            await self._remember(relay, on, "manual")
        except StoreUnavailable as e:
            raise ServiceUnavailable(
                f"relay {relay_id} switched {word(on)}, but the engine could not store that"
                f" as its commanded state ({e}); it holds it until restarted") from None
        finally:
            self._settled(relay)
        return self.relay_json(agent, relay)

    async def resume(self, relay_id: str) -> bool:
        """End a manual hold: the commanded state stays, but it is no longer the hand's (the
        zone takes the output back at its next decision). False when none was in force."""
        _agent, relay = self._find(relay_id)
        if relay.commanded_by != "manual" or relay.commanded is None:
            return False
        relay.commanded_by = RESUMED
        doc = {**self._commanded.get(relay.id, {}), "by": RESUMED}
        self._commanded[relay.id] = doc
        try:
            await self._store.put_doc(COMMAND_DOCS, relay.id, doc)
        except StoreUnavailable as e:
            raise ServiceUnavailable(f"relay {relay_id}: the hold ended, but the engine could"
                                     f" not store that ({e})") from None
        return True

    async def command(self, relay_id: str, on: bool, by: str = "engine") -> None:
        """The engine's decision: make ``on`` the commanded state and reconcile towards it."""
        agent, relay = self._find(relay_id)
        if relay.commanded == on:
            return
        self._cancel_retry(relay)
        await self._remember(relay, on, by)
        self._reconcile(agent, relay)

    @staticmethod
    def _cancel_retry(relay: RelayEntry) -> None:
        relay.attempts = 0
        relay.last_error = None
        if relay.timer is not None and relay.timer.active():
            relay.timer.cancel()
        relay.timer = None

    def _reconcile(self, agent: AgentEntry, relay: RelayEntry) -> None:
        if not self._current(agent):
            return
        if relay.commanded is None or relay.commanded == relay.info.state:
            self._settled(relay)
            return
        if relay.sending or (relay.timer is not None and relay.timer.active()):
            return
        if agent.reachable is False:
            return  # the next answered heartbeat reconciles
        relay.sending = True
        d = self._client.command(agent.reg.url, relay.info.id, relay.commanded)
        d.addErrback(lambda f: Answer("failed", None, None, f.getErrorMessage()[:300]))
        d.addCallback(self._sent, agent, relay)
        d.addErrback(lambda f: _log.failure("reconciling {relay}", f, relay=relay.id))

    def _sent(self, answer: Answer, agent: AgentEntry, relay: RelayEntry) -> None:
        relay.sending = False
        if not self._current(agent):
            return
        if answer.kind == "ok":
            self._contact(agent, None)
            self._set_reported(relay, answer.body)
            self._reconcile(agent, relay)  # the command may have changed meanwhile
            return
        relay.last_error = answer.message
        if answer.kind == "refused" and answer.retry_after is not None:
            delay = answer.retry_after + 0.25  # a protection timer: wait it out, no alarm
            relay.timer = self._clock.callLater(delay, self._retry, agent, relay)
            return
        relay.attempts += 1
        delay = backoff_delay(relay.attempts, 1.0, MAX_RETRY_DELAY, self._jitter)
        relay.timer = self._clock.callLater(delay, self._retry, agent, relay)
        if relay.attempts >= self._retries:
            self.alarms.raise_("relay-mismatch", relay.id,
                               f"relay {relay.id} is {word(relay.info.state)} but commanded"
                               f" {word(relay.commanded)}; {relay.attempts} attempts failed:"
                               f" {answer.message}")

    def _retry(self, agent: AgentEntry, relay: RelayEntry) -> None:
        relay.timer = None
        self._reconcile(agent, relay)

    def _settled(self, relay: RelayEntry) -> None:
        if relay.commanded is None or relay.commanded == relay.info.state:
            relay.attempts = 0
            relay.last_error = None
            self.alarms.clear("relay-mismatch", relay.id)

    # -- views -------------------------------------------------------------------------------

    def relay_json(self, agent: AgentEntry, relay: RelayEntry) -> dict[str, Any]:
        """One relay as ``GET /v1/relays`` shows it (timers aged to now)."""
        now = self._clock.seconds()
        detail = dict(relay.info.detail)
        timers = detail.get("timers")
        if isinstance(timers, dict) and agent.last_contact is not None:
            wait = timers.get("switch_allowed_in_s")
            if isinstance(wait, int | float):
                timers = {**timers, "switch_allowed_in_s": round(
                    max(0.0, wait - (now - agent.last_contact)), 3)}
        next_try = None
        if relay.timer is not None and relay.timer.active():
            next_try = round(max(0.0, relay.timer.getTime() - now), 3)
        return {
            "id": relay.id, "host_id": relay.host_id, "output": relay.info.id,
            "function": relay.info.function, "commanded": word(relay.commanded),
            "commanded_at": iso_seconds(relay.commanded_at), "commanded_by": relay.commanded_by,
            "reported": word(relay.info.state),
            "in_sync": None if relay.commanded is None else relay.commanded == relay.info.state,
            "safe_state": word(relay.info.safe_on), "reachable": agent.reachable,
            "last_contact": iso_seconds(agent.last_contact), "agent_url": agent.reg.url,
            "watchdog_s": agent.reg.watchdog, "protection": detail.get("protection"),
            "timers": timers, "fault": detail.get("fault"),
            "pending": {"attempts": relay.attempts, "next_try_in_s": next_try,
                        "last_error": relay.last_error}}

    def entries(self) -> list[RelayEntry]:
        """Every output of every registered agent."""
        return [relay for agent in self.agents.values() for relay in agent.relays.values()]

    def relays_json(self) -> list[dict[str, Any]]:
        """Every relay of every agent, by id."""
        return sorted((self.relay_json(agent, relay) for agent in self.agents.values()
                       for relay in agent.relays.values()), key=lambda r: r["id"])

    def get_json(self, relay_id: str) -> dict[str, Any]:
        """One relay (404 when unknown)."""
        return self.relay_json(*self._find(relay_id))
