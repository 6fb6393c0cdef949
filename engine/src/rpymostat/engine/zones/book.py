"""The zones, their schedules, overrides and adjustments: kept in memory, written through to
the store (documents ``zone``, ``zone_schedule``, ``zone_override``, ``zone_adjustment``) before
a change is acknowledged, and turned into each zone's rules and cached plan.

Every change bumps the zone's revision and tells the listeners (the decision loop re-decides
the zone at once). The plan is cached per zone and recomputed on the next request after a
change, or when a request reaches past the cached window.
"""

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from twisted.logger import Logger

from rpymostat.shared.errors import Conflict, NotFound

from ..model import DEFAULT_ZONE
from ..schedule.resolve import Rule, Segment
from ..schedule.rules import OneOff, Schedule, ZoneRules, oneoff_end, plan
from ..schedule.schedulers import SchedulerPlugin
from ..store import Store
from .bodies import validity_moment
from .model import Zone, default_zone, target_from_json, zone_from_doc

_log = Logger(namespace="rpymostat.engine.zones")
ZONES = "zone"
SCHEDULES = "zone_schedule"
OVERRIDES = "zone_override"
ADJUSTMENTS = "zone_adjustment"
PLAN_CACHE = timedelta(hours=48)
PLAN_MARGIN = timedelta(hours=24)  # computed beyond what was asked, so later asks still hit


@dataclass
class _CachedPlan:
    revision: int
    start: datetime
    end: datetime
    segments: list[Segment]


def schedule_from_doc(doc: Mapping[str, Any], tz: ZoneInfo,
                      schedulers: Mapping[str, SchedulerPlugin]) -> Schedule:
    """A stored schedule as the resolver's object (its documents were validated on entry)."""
    valid_from = validity_moment(doc["valid_from"], "valid_from", tz) \
        if doc.get("valid_from") else None
    valid_until = validity_moment(doc["valid_until"], "valid_until", tz) \
        if doc.get("valid_until") else None
    kind = "dated-schedule" if valid_from or valid_until else "schedule"
    rule = Rule(kind, doc["id"], doc["name"], target_from_json(doc["target"]), doc["seq"])
    recurrence = schedulers[doc["scheduler"]].parse(doc["params"])
    return Schedule(rule, doc["scheduler"], dict(doc["params"]), recurrence, valid_from,
                    valid_until)


def oneoff_from_doc(doc: Mapping[str, Any], kind: str) -> OneOff:
    """A stored override or adjustment."""
    rule = Rule(kind, doc["id"], doc["name"], target_from_json(doc["target"]), doc["seq"])
    end = datetime.fromisoformat(doc["end"]) if doc.get("end") else None
    return OneOff(rule, datetime.fromisoformat(doc["start"]), end)


class ZoneBook:
    """Zones and their rules; the store is written before the memory is changed."""

    def __init__(self, store: Store, schedulers: Mapping[str, SchedulerPlugin],
                 default_timezone: str) -> None:
        self._store = store
        self.schedulers = schedulers
        self._default_tz = default_timezone
        self.zones: dict[str, Zone] = {}
        self.schedules: dict[str, dict[str, dict[str, Any]]] = {}
        self.overrides: dict[str, dict[str, dict[str, Any]]] = {}
        self.adjustments: dict[str, dict[str, Any]] = {}
        self.revision: dict[str, int] = {}
        self._seq = 0
        self._rules: dict[str, tuple[int, ZoneRules]] = {}
        self._plans: dict[str, _CachedPlan] = {}
        self.listeners: list[Callable[[str], None]] = []

    # -- loading ---------------------------------------------------------------------------

    async def load(self) -> None:
        """Read every document; create the zone ``house`` on first start."""
        for doc in (await self._store.get_docs(ZONES)).values():
            self.zones[doc["id"]] = zone_from_doc(doc)
        for kind, target in ((SCHEDULES, self.schedules), (OVERRIDES, self.overrides)):
            for doc in (await self._store.get_docs(kind)).values():
                target.setdefault(doc["zone"], {})[doc["id"]] = doc
        for doc in (await self._store.get_docs(ADJUSTMENTS)).values():
            self.adjustments[doc["zone"]] = doc
        seqs = [z.seq for z in self.zones.values()] + [
            d["seq"] for group in (*self.schedules.values(), *self.overrides.values())
            for d in group.values()] + [d["seq"] for d in self.adjustments.values()]
        self._seq = max(seqs, default=0)
        if DEFAULT_ZONE not in self.zones:
            await self.put_zone(default_zone(self._default_tz))

    def next_seq(self) -> int:
        """A number larger than any given before (creation order, for ties)."""
        self._seq += 1
        return self._seq

    def _changed(self, zone_id: str) -> None:
        self.revision[zone_id] = self.revision.get(zone_id, 0) + 1
        for listener in self.listeners:
            listener(zone_id)

    # -- zones -----------------------------------------------------------------------------

    def zone(self, zone_id: str) -> Zone:
        """A zone (404 when unknown)."""
        zone = self.zones.get(zone_id)
        if zone is None:
            raise NotFound(f"no such zone: {zone_id}")
        return zone

    def zone_of_output(self, relay_id: str) -> str:
        """The zone an output belongs to: the one listing it, else ``house``."""
        for zone in self.zones.values():
            if relay_id in zone.outputs:
                return zone.id
        return DEFAULT_ZONE

    def zone_of_sensor(self, zone_id: str) -> str:
        """A sensor's zone as the book knows it (an unknown zone means ``house``)."""
        return zone_id if zone_id in self.zones else DEFAULT_ZONE

    async def put_zone(self, zone: Zone) -> Zone:
        """Create or replace a zone; outputs it lists leave every other zone."""
        if zone.seq == 0:
            zone = replace(zone, seq=self.next_seq())
        for other in list(self.zones.values()):
            if other.id != zone.id and set(other.outputs) & set(zone.outputs):
                kept = tuple(o for o in other.outputs if o not in zone.outputs)
                moved = replace(other, outputs=kept)
                await self._store.put_doc(ZONES, other.id, moved.to_doc())
                self.zones[other.id] = moved
                self._changed(other.id)
        await self._store.put_doc(ZONES, zone.id, zone.to_doc())
        self.zones[zone.id] = zone
        self._changed(zone.id)
        return zone

    async def create_zone(self, zone: Zone) -> Zone:
        """A new zone (409 when the id is taken)."""
        if zone.id in self.zones:
            raise Conflict(f"zone {zone.id} exists; change it with PATCH /v1/zones/{zone.id}")
        return await self.put_zone(zone)

    async def delete_zone(self, zone_id: str) -> None:
        """Forget a zone and its rules; its sensors and outputs fall back to ``house``."""
        self.zone(zone_id)
        if zone_id == DEFAULT_ZONE:
            raise Conflict("the zone house cannot be deleted: it takes every sensor and output"
                           " not assigned elsewhere")
        for key in self.schedules.get(zone_id, {}):
            await self._store.delete_doc(SCHEDULES, f"{zone_id}:{key}")
        for key in self.overrides.get(zone_id, {}):
            await self._store.delete_doc(OVERRIDES, f"{zone_id}:{key}")
        await self._store.delete_doc(ADJUSTMENTS, zone_id)
        await self._store.delete_doc(ZONES, zone_id)
        for table in (self.schedules, self.overrides, self.adjustments, self.zones,
                      self._rules, self._plans):
            table.pop(zone_id, None)
        self._changed(zone_id)
        self._changed(DEFAULT_ZONE)

    # -- rules -----------------------------------------------------------------------------

    async def add_rule(self, kind: str, zone_id: str, doc: dict[str, Any]) -> dict[str, Any]:
        """Store a new schedule or override (``kind``: SCHEDULES or OVERRIDES)."""
        self.zone(zone_id)
        rule_id = uuid.uuid4().hex[:10]
        return await self._put_rule(kind, zone_id, rule_id, doc)

    async def _put_rule(self, kind: str, zone_id: str, rule_id: str, doc: dict[str, Any]
                        ) -> dict[str, Any]:
        full = {**doc, "id": rule_id, "zone": zone_id, "seq": self.next_seq()}
        await self._store.put_doc(kind, f"{zone_id}:{rule_id}", full)
        self._table(kind).setdefault(zone_id, {})[rule_id] = full
        self._changed(zone_id)
        return full

    async def replace_rule(self, kind: str, zone_id: str, rule_id: str, doc: dict[str, Any]
                           ) -> dict[str, Any]:
        """Replace a schedule (its id stays; it counts as created now for ties)."""
        self.rule(kind, zone_id, rule_id)
        return await self._put_rule(kind, zone_id, rule_id, doc)

    def _table(self, kind: str) -> dict[str, dict[str, dict[str, Any]]]:
        return self.schedules if kind == SCHEDULES else self.overrides

    def rule(self, kind: str, zone_id: str, rule_id: str) -> dict[str, Any]:
        """One schedule or override (404 when unknown)."""
        self.zone(zone_id)
        doc = self._table(kind).get(zone_id, {}).get(rule_id)
        if doc is None:
            raise NotFound(f"zone {zone_id} has no {kind.removeprefix('zone_')} {rule_id}")
        return doc

    async def delete_rule(self, kind: str, zone_id: str, rule_id: str) -> None:
        """Remove a schedule or override."""
        self.rule(kind, zone_id, rule_id)
        await self._store.delete_doc(kind, f"{zone_id}:{rule_id}")
        del self._table(kind)[zone_id][rule_id]
        self._changed(zone_id)

    async def set_adjustment(self, zone_id: str, doc: dict[str, Any]) -> dict[str, Any]:
        """The zone's adjustment (it replaces the previous one)."""
        self.zone(zone_id)
        full = {**doc, "id": "adjustment", "zone": zone_id, "seq": self.next_seq()}
        await self._store.put_doc(ADJUSTMENTS, zone_id, full)
        self.adjustments[zone_id] = full
        self._changed(zone_id)
        return full

    async def clear_adjustment(self, zone_id: str) -> bool:
        """Cancel the adjustment; False when there was none."""
        self.zone(zone_id)
        if zone_id not in self.adjustments:
            return False
        await self._store.delete_doc(ADJUSTMENTS, zone_id)
        del self.adjustments[zone_id]
        self._changed(zone_id)
        return True

    async def expire(self, now: datetime) -> None:
        """Drop overrides and adjustments that have ended."""
        for zone_id in list(self.zones):
            rules = self.rules(zone_id)
            for oneoff in rules.oneoffs:
                if oneoff_end(rules, oneoff) <= now:
                    if oneoff.rule.kind == "adjustment":
                        await self.clear_adjustment(zone_id)
                    else:
                        await self.delete_rule(OVERRIDES, zone_id, oneoff.rule.id)

    # -- resolution ------------------------------------------------------------------------

    def rules(self, zone_id: str) -> ZoneRules:
        """The zone's rules as the resolver takes them (cached per revision)."""
        zone = self.zone(zone_id)
        revision = self.revision.get(zone_id, 0)
        cached = self._rules.get(zone_id)
        if cached is not None and cached[0] == revision:
            return cached[1]
        tz = ZoneInfo(zone.timezone)
        schedules = []
        for doc in self.schedules.get(zone_id, {}).values():
            try:
                schedules.append(schedule_from_doc(doc, tz, self.schedulers))
            except (KeyError, ValueError) as e:  # a scheduler plugin uninstalled since
                _log.warn("zone {zone}: schedule {id} ignored: {e}", zone=zone_id,
                          id=doc["id"], e=e)
        oneoffs = [oneoff_from_doc(d, "override") for d in self.overrides.get(zone_id, {})
                   .values()]
        if zone_id in self.adjustments:
            oneoffs.append(oneoff_from_doc(self.adjustments[zone_id], "adjustment"))
        default = Rule("default", zone_id, "zone default", zone.default_target, 0)
        rules = ZoneRules(tz, default, tuple(schedules), tuple(oneoffs))
        self._rules[zone_id] = (revision, rules)
        return rules

    def plan(self, zone_id: str, start: datetime, end: datetime) -> list[Segment]:
        """The zone's plan over ``[start, end)``, cut from the cached one when it covers it."""
        revision = self.revision.get(zone_id, 0)
        cached = self._plans.get(zone_id)
        if cached is None or cached.revision != revision or cached.start > start \
                or cached.end < end:
            hi = max(end, start + PLAN_CACHE) + PLAN_MARGIN
            cached = _CachedPlan(revision, start, hi, plan(self.rules(zone_id), start, hi))
            self._plans[zone_id] = cached
        return clip(cached.segments, start, end)


def clip(segments: list[Segment], start: datetime, end: datetime) -> list[Segment]:
    """The part of a plan inside ``[start, end)``."""
    out = []
    for seg in segments:
        if seg.end <= start or seg.start >= end:
            continue
        out.append(Segment(max(seg.start, start), min(seg.end, end), seg.rule, seg.since))
    return out
