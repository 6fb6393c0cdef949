"""The zone routes under ``/v1/zones/<z>`` (a Klein app the engine API mounts), plus the
handlers of ``/v1/zones`` and ``/v1/plugins`` it calls. Handlers parse, call the book or the
decision loop, and serialise; a store failure is a 503 (through the engine's ``call``)."""

import re
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from klein import Klein
from twisted.internet.defer import Deferred
from twisted.web.server import Request

from rpymostat.shared.clock import Clock, iso, utcnow
from rpymostat.shared.errors import Unprocessable
from rpymostat.shared.kleinweb import add_error_handlers
from rpymostat.shared.web import json_response, read_json

from ..schedule.resolve import Candidate, Segment, ranked
from ..schedule.rules import candidates, oneoff_end
from ..schedule.timespec import parse_moment
from .bodies import (
    parse_oneoff,
    parse_schedule,
    parse_zone_changes,
    parse_zone_create,
)
from .book import OVERRIDES, SCHEDULES, ZoneBook, oneoff_from_doc
from .control import ZoneControl
from .model import Zone, default_zone

MAX_PLAN_HOURS = 24 * 14
_INT = re.compile(r"[0-9]{1,5}")
Call = Callable[[Deferred[Any]], Awaitable[Any]]


def _arg(request: Request, name: str) -> str | None:
    values = request.args.get(name.encode())
    return values[-1].decode("utf-8", "replace") if values else None


def _int_arg(request: Request, name: str, default: int, high: int) -> int:
    raw = _arg(request, name)
    if raw is None:
        return default
    if not _INT.fullmatch(raw) or not 1 <= int(raw) <= high:
        raise Unprocessable(f"{name} must be an integer from 1 to {high}")
    return int(raw)


def segment_json(zone: Zone, seg: Segment) -> dict[str, Any]:
    """One part of a plan."""
    return {"start": iso(seg.start), "end": iso(seg.end), "target": zone.celsius(seg.rule.target),
            "preset": seg.rule.target.preset, "rule": seg.rule.to_json(),
            "since": iso(seg.since) if seg.since else None}


def _a(word: str) -> str:
    """``word`` with its indefinite article ("an adjustment", "a schedule")."""
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def rule_phrase(kind: str, name: str) -> str:
    """"the schedule 'weekdays'"; "the adjustment" when its name only repeats its kind."""
    return f"the {kind}" if not name or name == kind else f"the {kind} {name!r}"


def _others(n: int) -> str:
    return f"{n} other rule{'s' if n != 1 else ''} lose{'s' if n == 1 else ''}"


def _lost_because(loser: Candidate, winner: Candidate) -> str:
    if loser.rule.level < winner.rule.level:
        return f"{_a(winner.rule.kind)} beats {_a(loser.rule.kind)}"
    if loser.start < winner.start:
        return f"its period began earlier ({iso(loser.start)}) than the winner's"
    return "it was created before the winner"


class ZoneAPI:
    """Routes of one zone; the collection handlers are called by the engine API."""

    app = Klein()

    def __init__(self, control: ZoneControl, clock: Clock, call: Call) -> None:
        self.control = control
        self.book: ZoneBook = control.book
        self._clock = clock
        self._call = call

    async def _do(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return await self._call(Deferred.fromCoroutine(coro))

    def _now(self) -> datetime:
        return utcnow(self._clock)

    # -- collection (called from the engine API) ---------------------------------------------

    def list_zones(self, request: Request) -> bytes:
        """Every zone with its live state."""
        return json_response(request, {"zones": [self.zone_json(z)
                                                 for z in sorted(self.book.zones)]})

    async def create_zone(self, request: Request) -> bytes:
        """A new zone; 409 when the id is taken."""
        house = self.book.zone("house")
        zone = parse_zone_create(read_json(request), default_zone(house.timezone),
                                 self.control.deciders)
        await self._do(self.book.create_zone(zone))
        return json_response(request, self.zone_json(zone.id), 201)

    def plugins(self, request: Request) -> bytes:
        """Installed scheduler and decider plugins with their parameter schemas."""
        def describe(plugins: dict[str, Any]) -> list[dict[str, Any]]:
            return [{"name": name, "description": p.description, "schema": p.schema}
                    for name, p in sorted(plugins.items())]
        return json_response(request, {"schedulers": describe(dict(self.book.schedulers)),
                                       "deciders": describe(self.control.deciders)})

    # -- one zone --------------------------------------------------------------------------

    def zone_json(self, zone_id: str) -> dict[str, Any]:
        """Settings, live state and current target of a zone."""
        zone = self.book.zone(zone_id)
        return {**zone.to_doc(), "state": self.control.state_json(zone_id),
                "current": self._target(zone, self._now())["rule"]}

    @app.route("/<string:zone_id>", methods=["GET"])
    def get_zone(self, request: Request, zone_id: str) -> bytes:
        """One zone."""
        return json_response(request, self.zone_json(zone_id))

    @app.route("/<string:zone_id>", methods=["PATCH"])
    async def patch_zone(self, request: Request, zone_id: str) -> bytes:
        """Change settings: name, mode, presets, limits, decider, sensors' weights, outputs."""
        zone = parse_zone_changes(read_json(request), self.book.zone(zone_id),
                                  self.control.deciders)
        await self._do(self.book.put_zone(zone))
        return json_response(request, self.zone_json(zone_id))

    @app.route("/<string:zone_id>", methods=["DELETE"])
    async def delete_zone(self, request: Request, zone_id: str) -> bytes:
        """Forget a zone; its sensors and outputs go back to ``house``."""
        await self._do(self.book.delete_zone(zone_id))
        return json_response(request, {"status": "ok", "deleted": zone_id})

    # -- schedules ---------------------------------------------------------------------------

    def _schedule_json(self, doc: dict[str, Any]) -> dict[str, Any]:
        zone = self.book.zone(doc["zone"])
        schedule = next((s for s in self.book.rules(zone.id).schedules
                         if s.rule.id == doc["id"]), None)
        return {**doc, "kind": schedule.rule.kind if schedule else "schedule",
                "describe": schedule.recurrence.describe() if schedule else None}

    @app.route("/<string:zone_id>/schedules", methods=["GET"])
    def list_schedules(self, request: Request, zone_id: str) -> bytes:
        """The zone's schedules, oldest first."""
        self.book.zone(zone_id)
        docs = sorted(self.book.schedules.get(zone_id, {}).values(), key=lambda d: d["seq"])
        return json_response(request, {"schedules": [self._schedule_json(d) for d in docs]})

    @app.route("/<string:zone_id>/schedules", methods=["POST"])
    async def add_schedule(self, request: Request, zone_id: str) -> bytes:
        """A new schedule."""
        doc = parse_schedule(read_json(request), self.book.zone(zone_id), self.book.schedulers)
        stored = await self._do(self.book.add_rule(SCHEDULES, zone_id, doc))
        return json_response(request, self._schedule_json(stored), 201)

    @app.route("/<string:zone_id>/schedules/<string:rule_id>", methods=["GET"])
    def get_schedule(self, request: Request, zone_id: str, rule_id: str) -> bytes:
        """One schedule."""
        return json_response(request, self._schedule_json(
            self.book.rule(SCHEDULES, zone_id, rule_id)))

    @app.route("/<string:zone_id>/schedules/<string:rule_id>", methods=["PUT"])
    async def put_schedule(self, request: Request, zone_id: str, rule_id: str) -> bytes:
        """Replace a schedule."""
        self.book.rule(SCHEDULES, zone_id, rule_id)
        doc = parse_schedule(read_json(request), self.book.zone(zone_id), self.book.schedulers)
        stored = await self._do(self.book.replace_rule(SCHEDULES, zone_id, rule_id, doc))
        return json_response(request, self._schedule_json(stored))

    @app.route("/<string:zone_id>/schedules/<string:rule_id>", methods=["DELETE"])
    async def delete_schedule(self, request: Request, zone_id: str, rule_id: str) -> bytes:
        """Remove a schedule."""
        await self._do(self.book.delete_rule(SCHEDULES, zone_id, rule_id))
        return json_response(request, {"status": "ok", "deleted": rule_id})

    # -- overrides and the adjustment --------------------------------------------------------

    def _oneoff_json(self, doc: dict[str, Any]) -> dict[str, Any]:
        rules = self.book.rules(doc["zone"])
        oneoff = next(o for o in rules.oneoffs if o.rule.id == doc["id"]
                      and o.rule.seq == doc["seq"])
        end = oneoff_end(rules, oneoff)
        now = self._now()
        return {**doc, "until_next_change": doc.get("end") is None, "ends_at": iso(end),
                "active": oneoff.start <= now < end}

    def _check_not_over(self, zone_id: str, doc: dict[str, Any]) -> None:
        """An override that would end before now ("until the next change" after a start long
        past) is refused."""
        oneoff = oneoff_from_doc({**doc, "id": "new", "seq": 0}, "override")
        if oneoff_end(self.book.rules(zone_id), oneoff) <= self._now():
            raise Unprocessable("the override must end in the future, but the next scheduled"
                                " change after its start has already passed")

    @app.route("/<string:zone_id>/overrides", methods=["GET"])
    def list_overrides(self, request: Request, zone_id: str) -> bytes:
        """The zone's overrides (ended ones are dropped), by start."""
        self.book.zone(zone_id)
        docs = sorted(self.book.overrides.get(zone_id, {}).values(),
                      key=lambda d: (d["start"], d["seq"]))
        return json_response(request, {"overrides": [self._oneoff_json(d) for d in docs]})

    @app.route("/<string:zone_id>/overrides", methods=["POST"])
    async def add_override(self, request: Request, zone_id: str) -> bytes:
        """A one-time period with a target."""
        doc = parse_oneoff(read_json(request), self.book.zone(zone_id), self._now(),
                           adjustment=False)
        self._check_not_over(zone_id, doc)
        stored = await self._do(self.book.add_rule(OVERRIDES, zone_id, doc))
        return json_response(request, self._oneoff_json(stored), 201)

    @app.route("/<string:zone_id>/overrides/<string:rule_id>", methods=["GET"])
    def get_override(self, request: Request, zone_id: str, rule_id: str) -> bytes:
        """One override."""
        return json_response(request, self._oneoff_json(
            self.book.rule(OVERRIDES, zone_id, rule_id)))

    @app.route("/<string:zone_id>/overrides/<string:rule_id>", methods=["DELETE"])
    async def delete_override(self, request: Request, zone_id: str, rule_id: str) -> bytes:
        """Cancel an override."""
        await self._do(self.book.delete_rule(OVERRIDES, zone_id, rule_id))
        return json_response(request, {"status": "ok", "deleted": rule_id})

    @app.route("/<string:zone_id>/adjustments", methods=["GET"])
    def get_adjustment(self, request: Request, zone_id: str) -> bytes:
        """The zone's adjustment, or null."""
        self.book.zone(zone_id)
        doc = self.book.adjustments.get(zone_id)
        return json_response(request, {"adjustment": self._oneoff_json(doc) if doc else None})

    @app.route("/<string:zone_id>/adjustments", methods=["POST"])
    async def set_adjustment(self, request: Request, zone_id: str) -> bytes:
        """"Make it X now", until the next scheduled change or for a duration."""
        doc = parse_oneoff(read_json(request), self.book.zone(zone_id), self._now(),
                           adjustment=True)
        stored = await self._do(self.book.set_adjustment(zone_id, doc))
        return json_response(request, self._oneoff_json(stored), 201)

    @app.route("/<string:zone_id>/adjustments", methods=["DELETE"])
    async def clear_adjustment(self, request: Request, zone_id: str) -> bytes:
        """Back to the schedule."""
        cleared = await self._do(self.book.clear_adjustment(zone_id))
        return json_response(request, {"status": "ok", "cleared": cleared})

    # -- resolution --------------------------------------------------------------------------

    def _target(self, zone: Zone, at: datetime) -> dict[str, Any]:
        rules = self.book.rules(zone.id)
        window = candidates(rules, at, at + timedelta(seconds=1))
        applying = ranked(window, at)
        horizon = at + timedelta(days=8)
        seg = self.book.plan(zone.id, at, horizon)[0]
        until: datetime | None = seg.end
        if until == horizon:
            until = None  # no change within the next 8 days
        target_c = zone.celsius(seg.rule.target)
        heat_sp, cool_sp = zone.setpoints(target_c)
        rule = seg.rule
        if applying:
            top = applying[0]
            others = [{"rule": c.rule.to_json(), "target": c.rule.target.to_json(),
                       "since": iso(c.start), "until": iso(c.end),
                       "lost_because": _lost_because(c, top)} for c in applying[1:]]
            why = (f"{rule_phrase(rule.kind, rule.name)} applies from {iso(top.start)} and is"
                   f" the most specific rule now" + (f" ({_others(len(others))})"
                                                     if others else ""))
        else:
            others = []
            why = "no schedule, override or adjustment applies now: the zone default"
        return {"zone": zone.id, "at": iso(at), "target": target_c,
                "requested": rule.target.to_json(), "preset": rule.target.preset,
                "mode": zone.mode, "heat_setpoint": heat_sp, "cool_setpoint": cool_sp,
                "rule": {**rule.to_json(), "since": iso(seg.since) if seg.since else None,
                         "until": iso(until) if until else None},
                "why": why, "losing": others,
                "clamped": target_c != (zone.presets[rule.target.preset]
                                        if rule.target.preset else rule.target.value)}

    @app.route("/<string:zone_id>/target", methods=["GET"])
    def target(self, request: Request, zone_id: str) -> bytes:
        """The target now (or ``?at=``), the winning rule and why."""
        zone = self.book.zone(zone_id)
        raw = _arg(request, "at")
        at = self._now()
        if raw is not None:
            try:
                at = parse_moment(raw, ZoneInfo(zone.timezone))
            except ValueError as e:
                raise Unprocessable(f"at: {e}") from None
        return json_response(request, self._target(zone, at))

    @app.route("/<string:zone_id>/plan", methods=["GET"])
    def plan(self, request: Request, zone_id: str) -> bytes:
        """The target timeline for the next ``hours`` (default 24, at most two weeks)."""
        zone = self.book.zone(zone_id)
        hours = _int_arg(request, "hours", 24, MAX_PLAN_HOURS)
        start = self._now()
        end = start + timedelta(hours=hours)
        segments = self.book.plan(zone_id, start, end)
        return json_response(request, {"zone": zone_id, "start": iso(start), "end": iso(end),
                                       "timezone": zone.timezone,
                                       "segments": [segment_json(zone, s) for s in segments]})

    @app.route("/<string:zone_id>/decisions", methods=["GET"])
    def decisions(self, request: Request, zone_id: str) -> bytes:
        """The zone's latest decisions, newest first."""
        limit = _int_arg(request, "limit", 100, 500)
        return json_response(request, {"decisions": self.control.decisions(zone_id, limit)})


add_error_handlers(ZoneAPI.app)
