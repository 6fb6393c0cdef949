"""The decision loop: every ``interval`` seconds, on every new reading and on every change of
a zone's settings or rules, each zone's decider turns (target, temperature, outputs) into
commands for the zone's outputs (through :class:`RelayControl`, so the agents' protections
and the engine's reconciliation apply).

- The zone's temperature is the weighted average of its fresh readings; readings older than
  the stale limit are ignored; with none fresh the zone is in safe mode (see decide.py) and
  the alarm ``zone-safe-mode`` is raised while it has sensors or outputs.
- Each decision is stored (the latest ``KEEP_DECISIONS`` per zone), published as
  ``engine.decision`` and summarised on ``zone.<z>.state``.
- An output someone switched by hand (``PUT /v1/relays/<id>``) is left alone for
  ``manual_hold`` seconds, except when a safety limit acts.
"""

import json
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from twisted.application.service import Service
from twisted.internet import task
from twisted.internet.defer import Deferred, DeferredLock, succeed
from twisted.internet.interfaces import IDelayedCall
from twisted.logger import Logger

from rpymostat.shared.bus.interface import StatusBus
from rpymostat.shared.bus.topics import escape_segment
from rpymostat.shared.clock import Clock, iso_seconds
from rpymostat.shared.schema import with_defaults

from ..model import Reading, SensorRecord
from ..relays.alarms import AlarmBook
from ..relays.control import RelayControl, RelayEntry
from ..store import Store
from .book import ZoneBook
from .decide import ZoneReading, ZoneVerdict
from .deciders.base import DeciderPlugin, OutputState
from .hold import LIMIT_ALARMS, held_outputs, held_record, limit_alarms
from .lag import LagLearner
from .learn import RateLearner
from .model import DEFAULT_DECIDER, Zone
from .predict import time_to_target
from .propose import propose
from .step import ZoneMind, horizon_s, turn

_log = Logger(namespace="rpymostat.engine.zones")
DECISIONS = "zone_decision"
LEARNING = "zone_learning"
KEEP_DECISIONS = 500
READING_ROUNDS_PER_S = 10  # readings wait while this many rounds (any cause) ran in 1 s


@dataclass
class SensorNow:
    """A sensor's latest value as the decisions use it."""

    id: str
    zone: str
    value: float | None
    at: float
    label: str


@dataclass
class ZoneRuntime:
    """What the loop keeps per zone between decisions."""

    mind: ZoneMind
    decider_key: str
    last: dict[str, Any] | None = None
    number: int = 0  # the zone's own count of decisions (its stored ring's index)
    decisions: deque[dict[str, Any]] = field(default_factory=lambda: deque(
        maxlen=KEEP_DECISIONS))


def sensor_now(record: SensorRecord) -> SensorNow:
    """A stored sensor as the loop keeps it."""
    return SensorNow(record.id, record.zone, record.last_value, record.last_update.timestamp(),
                     record.name or record.alias or record.sensor_id)


def group_state(entries: Sequence[RelayEntry]) -> OutputState:
    """The zone's heat (or cool) outputs as one: on when any is, since its latest switch."""
    if not entries:
        return OutputState()
    states = [e.commanded if e.commanded is not None else bool(e.info.state) for e in entries]
    since = [e.commanded_at for e in entries if e.commanded_at is not None]
    return OutputState(any(states), max(since) if since else None)


class ZoneControl(Service):
    """Decides every zone and commands its outputs."""

    def __init__(self, clock: Clock, store: Store, book: ZoneBook, *, bus: StatusBus,
                 alarms: AlarmBook, deciders: dict[str, DeciderPlugin],
                 relays: RelayControl | None, stale_after: float, interval: float = 60.0,
                 manual_hold: float = 3600.0, time_scale: float = 1.0,
                 ready: Callable[[], Deferred[None]] = lambda: succeed(None)) -> None:
        self._clock = clock
        self._store = store
        self.book = book
        self._bus = bus
        self._alarms = alarms
        self.deciders = deciders
        self._relays = relays
        self.stale_after = stale_after
        self._interval = interval
        self._manual_hold = manual_hold
        self._scale = time_scale
        self._ready = ready
        self.sensors: dict[str, SensorNow] = {}
        self.runtime: dict[str, ZoneRuntime] = {}
        self._pending: set[str] = set()
        self._round: IDelayedCall | None = None
        self._recent_rounds: deque[float] = deque(maxlen=READING_ROUNDS_PER_S)
        self._locks: dict[str, DeferredLock] = {}
        self._seq = 0
        self._learnt: dict[str, RateLearner] = {}
        self._loop: task.LoopingCall | None = None
        self.loaded: Deferred[None] | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def startService(self) -> None:
        """Load the zones, then decide every ``interval`` seconds."""
        super().startService()
        self.loaded = Deferred.fromCoroutine(self._load())
        self.loaded.addErrback(lambda f: _log.failure("cannot load the zones", f))

    async def _load(self) -> None:
        await self._ready()
        await self.book.load()
        # from now on the API's hooks (readings, sensor edits) keep this current
        self.sensors = {r.id: sensor_now(r) for r in await self._store.list_sensors()}
        self._learnt = {zone_id: RateLearner.from_doc(doc, self._scale) for zone_id, doc
                        in (await self._store.get_docs(LEARNING)).items()}
        for doc in sorted((await self._store.get_docs(DECISIONS)).values(),
                          key=lambda d: d["seq"]):
            self._seq = max(self._seq, doc["seq"])
            if doc["zone"] in self.book.zones:
                rt = self._runtime(self.book.zones[doc["zone"]])
                rt.decisions.append(doc)
                rt.number = max(rt.number, doc.get("number", 0))
        self.book.listeners.append(self.soon)
        if not self.running:
            return
        self._loop = task.LoopingCall(self._tick)
        self._loop.clock = self._clock  # type: ignore[assignment]
        self._loop.start(self._interval, now=True).addErrback(
            lambda f: _log.failure("the decision loop stopped", f))

    def stopService(self) -> Any:
        """Stop deciding."""
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        if self._round is not None and self._round.active():
            self._round.cancel()
        self._round, self._pending = None, set()
        return super().stopService()

    # -- inputs ------------------------------------------------------------------------------

    def readings(self, readings: Iterable[Reading]) -> None:
        """New readings were stored: keep each sensor's newest and re-decide its zone."""
        for r in readings:
            known = self.sensors.get(r.key)
            at = r.timestamp.timestamp()
            if known is not None and at < known.at:
                continue
            zone = known.zone if known else "house"
            label = known.label if known else (r.alias or r.sensor_id)
            self.sensors[r.key] = SensorNow(r.key, zone, r.value, at, label)
            self.soon(self.book.zone_of_sensor(zone), limited=True)

    def sensor_changed(self, record: SensorRecord | None, sensor_id: str) -> None:
        """A sensor was renamed, moved to another zone or forgotten."""
        old = self.sensors.pop(sensor_id, None)
        if record is not None:
            self.sensors[sensor_id] = sensor_now(record)
            self.soon(self.book.zone_of_sensor(record.zone))
        if old is not None:
            self.soon(self.book.zone_of_sensor(old.zone))

    def soon(self, zone_id: str, limited: bool = False) -> None:
        """Decide ``zone_id`` at the next turn of the reactor (changes in one turn coalesce).
        ``limited`` (readings): at most ``READING_ROUNDS_PER_S`` such rounds in any second, so
        a flood of single readings costs a few decisions a second, not one each, while a
        reading in a quiet house is acted on at once. A deleted zone's alarm and memory go."""
        if zone_id not in self.book.zones:
            for kind in ("zone-safe-mode", *LIMIT_ALARMS):
                self._alarms.clear(kind, zone_id)
            self.runtime.pop(zone_id, None)
            return
        if not self.running:
            return
        self._pending.add(zone_id)
        now = self._clock.seconds()
        recent = self._recent_rounds
        full = limited and len(recent) == recent.maxlen and now - recent[0] < 1.0
        due = recent[0] + 1.0 - now if full else 0.0
        if self._round is not None and self._round.active():
            if now + due < self._round.getTime():
                self._round.reset(due)
            return
        self._round = self._clock.callLater(due, self._decide_pending)

    def _decide_pending(self) -> None:
        self._round = None
        self._recent_rounds.append(self._clock.seconds())
        pending, self._pending = self._pending, set()
        for zone_id in sorted(pending):
            if zone_id in self.book.zones:
                self._run(Deferred.fromCoroutine(self.decide(zone_id)))

    @staticmethod
    def _run(d: Deferred[Any]) -> None:
        d.addErrback(lambda f: _log.failure("zone decision", f))

    async def _tick(self) -> None:
        try:
            await self.book.expire(self._now())
        except Exception as e:
            _log.warn("zones: cannot expire ended overrides: {e}", e=e)
        for zone_id in sorted(self.book.zones):
            try:
                await self.decide(zone_id)
            except Exception:  # one zone's failure must not stop the loop for the others
                _log.failure("zone {zone}: decision failed", zone=zone_id)

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock.seconds(), UTC)

    # -- the zone's view ---------------------------------------------------------------------

    def _runtime(self, zone: Zone) -> ZoneRuntime:
        key = json.dumps([zone.decider, zone.decider_params], sort_keys=True)
        rt = self.runtime.get(zone.id)
        if rt is None or rt.decider_key != key:
            plugin = self.deciders.get(zone.decider)
            params = zone.decider_params
            if plugin is None:  # uninstalled since it was chosen: never leave a zone uncontrolled
                _log.warn("zone {zone}: decider {name} is not installed; using {default}",
                          zone=zone.id, name=zone.decider, default=DEFAULT_DECIDER)
                plugin, params = self.deciders[DEFAULT_DECIDER], {}
            decider = plugin(with_defaults(params, plugin.schema))
            fresh = ZoneRuntime(ZoneMind(decider), key)
            if rt is not None:
                fresh.mind.memory, fresh.mind.learner = rt.mind.memory, rt.mind.learner
                fresh.mind.lag = rt.mind.lag
                fresh.last, fresh.decisions, fresh.number = rt.last, rt.decisions, rt.number
            else:
                fresh.mind.learner = self._learnt.pop(zone.id, RateLearner(self._scale))
            self.runtime[zone.id] = rt = fresh
        return rt

    def outdoor_sensors(self) -> set[str]:
        """The sensors some zone takes as its outdoor temperature (in no zone's average)."""
        return {z.outdoor_sensor for z in self.book.zones.values() if z.outdoor_sensor}

    def zone_sensors(self, zone_id: str) -> list[SensorNow]:
        """The sensors of a zone (an unknown zone's sensors belong to ``house``)."""
        outdoor = self.outdoor_sensors()
        return sorted((s for s in self.sensors.values() if s.id not in outdoor
                       and self.book.zone_of_sensor(s.zone) == zone_id), key=lambda s: s.id)

    def outdoor(self, zone: Zone, now: float) -> float | None:
        """The zone's outdoor temperature: its outdoor sensor's fresh value (any weather
        source is a sensor plugin reporting one)."""
        sensor = self.sensors.get(zone.outdoor_sensor or "")
        return sensor.value if sensor is not None and self.fresh(sensor, now) else None

    def fresh(self, sensor: SensorNow, now: float) -> bool:
        """A value not older than the stale limit."""
        return sensor.value is not None and now - sensor.at <= self.stale_after

    def zone_reading(self, zone: Zone, now: float) -> ZoneReading:
        """The weighted average of the zone's fresh readings."""
        sensors = self.zone_sensors(zone.id)
        fresh = [s for s in sensors if self.fresh(s, now)]
        outdoor_ids = self.outdoor_sensors()
        coldest = min((s.value for s in self.sensors.values() if self.fresh(s, now)
                       and s.value is not None and s.id not in outdoor_ids), default=None)
        outdoor = self.outdoor(zone, now)
        if not fresh:
            return ZoneReading(None, zone.name, 0, len(sensors), coldest, outdoor)
        total = sum(zone.weight(s.id) for s in fresh)
        value = sum((s.value or 0.0) * zone.weight(s.id) for s in fresh) / total
        label = fresh[0].label if len(fresh) == 1 else f"{zone.name} ({len(fresh)} sensors)"
        return ZoneReading(round(value, 3), label, len(fresh), len(sensors) - len(fresh),
                           coldest, outdoor)

    def zone_outputs(self, zone_id: str) -> list[RelayEntry]:
        """The outputs of a zone (unassigned ones belong to ``house``)."""
        if self._relays is None:
            return []
        return [e for e in self._relays.entries() if self.book.zone_of_output(e.id) == zone_id]

    def _held(self, entry: RelayEntry, now: float) -> bool:
        return entry.commanded_by == "manual" and entry.commanded_at is not None \
            and now - entry.commanded_at < self._manual_hold

    # -- deciding ----------------------------------------------------------------------------

    async def decide(self, zone_id: str) -> dict[str, Any]:
        """Decide one zone now: command its outputs, store and publish the decision. One
        decision per zone at a time (the loop, a reading and a change may ask together)."""
        lock = self._locks.setdefault(zone_id, DeferredLock())
        return await lock.run(  # type: ignore[no-any-return]
            lambda: Deferred.fromCoroutine(self._decide(zone_id)))

    async def _decide(self, zone_id: str) -> dict[str, Any]:
        zone = self.book.zone(zone_id)
        now = self._clock.seconds()
        at = self._now()
        rt = self._runtime(zone)
        plan = self.book.plan(zone_id, at, at + timedelta(seconds=1 + horizon_s(zone)))
        reading = self.zone_reading(zone, now)
        outputs = self.zone_outputs(zone_id)
        heat = [e for e in outputs if e.info.function == "heat"]
        cool = [e for e in outputs if e.info.function == "cool"]
        done = turn(zone, rt.mind, now=now, plan=plan, reading=reading, heat=group_state(heat),
                    cool=group_state(cool))
        zv = done.zv
        commanded = await self._command(zone_id, zv, heat, cool, now)
        record = self._record(zone, zv, reading, target_c=done.target_c,
                              rule=plan[0].rule.to_json(), commands=commanded)
        held_record(zone, record, held_outputs(zone, heat + cool, commanded,
                                         self._manual_hold))
        record["early_start"] = done.early.to_json(iso_seconds) if done.early else None
        rt.number += 1
        record["number"] = rt.number
        rt.last = record
        rt.decisions.append(record)
        self._alarm(zone, zv, bool(outputs) or reading.fresh + reading.stale > 0)
        limit_alarms(self._alarms, zone.id, zv)
        self._bus.publish("engine.decision", record)
        self._bus.publish(f"zone.{escape_segment(zone_id)}.state", self.state_json(zone_id))
        try:
            await self._store.put_doc(DECISIONS, f"{zone_id}:{rt.number % KEEP_DECISIONS}",
                                      record)
            if done.learnt:
                await self._store.put_doc(LEARNING, zone_id, rt.mind.learner.to_doc())
        except Exception as e:
            _log.warn("zone {zone}: decision not stored: {e}", zone=zone_id, e=e)
        return record

    async def _command(self, zone_id: str, zv: ZoneVerdict, heat: list[RelayEntry],
                       cool: list[RelayEntry], now: float) -> list[dict[str, Any]]:
        v = zv.verdict
        done = []
        for entries, on in ((heat, v.heat), (cool, v.cool)):
            for entry in entries:
                item: dict[str, Any] = {"id": entry.id, "function": entry.info.function,
                                        "on": on}
                if self._held(entry, now) and not zv.safety:
                    item["skipped"] = "switched by hand recently (manual hold)"
                elif self._relays is not None:
                    try:
                        await self._relays.command(entry.id, on, by=f"zone:{zone_id}")
                    except Exception as e:
                        item["error"] = str(e)[:200]
                done.append(item)
        return done

    def _record(self, zone: Zone, zv: ZoneVerdict, reading: ZoneReading, *, target_c: float,
                rule: dict[str, Any], commands: list[dict[str, Any]]) -> dict[str, Any]:
        self._seq += 1
        v = zv.verdict
        return {"seq": self._seq, "zone": zone.id, "at": iso_seconds(self._clock.seconds()),
                "state": v.state, "reason": v.reason, "mode": zone.mode,
                "temperature": reading.temperature, "target": target_c,
                "heat_setpoint": zv.heat_setpoint, "cool_setpoint": zv.cool_setpoint,
                "heat": v.heat, "cool": v.cool, "safe_mode": zv.safe_mode, "rule": rule,
                "sensors": {"fresh": reading.fresh, "stale": reading.stale},
                "commands": commands}

    def _alarm(self, zone: Zone, zv: ZoneVerdict, has_equipment: bool) -> None:
        if zv.safe_mode and has_equipment:
            self._alarms.raise_("zone-safe-mode", zone.id, f"zone {zone.id}: {zv.verdict.reason}")
        else:
            self._alarms.clear("zone-safe-mode", zone.id)

    # -- views -------------------------------------------------------------------------------

    def state_json(self, zone_id: str) -> dict[str, Any]:
        """The zone's live state: temperature, target, what it does and why."""
        zone = self.book.zone(zone_id)
        now = self._clock.seconds()
        reading = self.zone_reading(zone, now)
        last = self.runtime[zone_id].last if zone_id in self.runtime else None
        return {"zone": zone_id, "name": zone.name, "mode": zone.mode,
                "temperature": reading.temperature,
                "sensors": [{"id": s.id, "name": s.label, "value": s.value,
                             "age_s": round(max(0.0, now - s.at), 3),
                             "stale": not self.fresh(s, now), "weight": zone.weight(s.id)}
                            for s in self.zone_sensors(zone_id)],
                "outputs": [{"id": e.id, "function": e.info.function,
                             "commanded": e.commanded, "reported": e.info.state}
                            for e in self.zone_outputs(zone_id)],
                "outdoor": reading.outdoor,
                **self.predictive_json(zone, reading, last),
                "proposal": self.proposal_json(zone, reading),
                "decision": last}

    def proposal_json(self, zone: Zone, reading: ZoneReading) -> dict[str, Any]:
        """The decider and head start the engine proposes from what it learnt (propose.py)."""
        rt = self.runtime.get(zone.id)
        learner = rt.mind.learner if rt else self._learnt.get(zone.id, RateLearner())
        return propose(zone, temp=reading.temperature, outdoor=reading.outdoor,
                       learner=learner, lag=rt.mind.lag if rt else LagLearner())

    def predictive_json(self, zone: Zone, reading: ZoneReading, last: dict[str, Any] | None
                        ) -> dict[str, Any]:
        """Time-to-target and what predictive start has learnt."""
        rt = self.runtime.get(zone.id)
        learner = rt.mind.learner if rt else self._learnt.get(zone.id, RateLearner(self._scale))
        target_c = last["target"] if last and last.get("target") is not None else None
        early = rt.mind.early if rt else None
        if early is not None:
            target_c = early.change.target_c
        ttt = {"seconds": None, "why": "no decision yet"} if target_c is None else \
            time_to_target(zone, temp=reading.temperature, target_c=target_c,
                           outdoor=reading.outdoor, learner=learner)
        models = {}
        for function in ("heat", "cool"):
            model = learner.model(function)
            models[function] = model.to_json() if model else {
                "samples": learner.samples(function), "learning": True}
        return {"time_to_target": ttt,
                "predictive_start": {"enabled": zone.predictive_start,
                                     "max_head_start_s": zone.max_head_start_s,
                                     "early_start": early.to_json(iso_seconds) if early
                                     else None, "rates": models}}

    def decisions(self, zone_id: str, limit: int) -> list[dict[str, Any]]:
        """The zone's latest decisions, newest first."""
        self.book.zone(zone_id)
        rt = self.runtime.get(zone_id)
        return list(reversed(rt.decisions))[:limit] if rt else []
