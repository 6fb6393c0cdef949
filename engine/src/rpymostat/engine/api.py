"""The engine's REST API v1 (Klein). Handlers only parse, call the store, serialise."""

import html
import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from klein import Klein
from twisted.internet import defer
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure
from twisted.web.resource import Resource
from twisted.web.server import Request

from rpymostat.shared.auth import BearerAuth
from rpymostat.shared.authresource import AuthorizedResource
from rpymostat.shared.bus.interface import StatusBus
from rpymostat.shared.bus.topics import TopicError, escape_segment, validate_mask
from rpymostat.shared.bus.tree import snapshot_to_json
from rpymostat.shared.clock import Clock, utcnow
from rpymostat.shared.deadlines import Deadlines
from rpymostat.shared.errors import NotFound, ServiceUnavailable, Unprocessable
from rpymostat.shared.ids import ID_PATTERN
from rpymostat.shared.kleinweb import add_error_handlers
from rpymostat.shared.plainroutes import HotRoutes
from rpymostat.shared.relaycmd import parse_state_command
from rpymostat.shared.web import json_response, read_json

from . import __version__
from .history.api import HistoryAPI
from .ingest import parse_batch, parse_timestamp, parse_update
from .model import IngestResult, Reading, SensorChanges, SensorRecord, iso
from .openapi import openapi_document
from .relays.alarms import AlarmBook
from .relays.control import RelayControl
from .relays.registration import parse_registration
from .store import Store, StoreUnavailable
from .store.base import latest_per_sensor
from .store.sqlite_tiers import Retention
from .zones.api import ZoneAPI
from .zones.control import ZoneControl

SOURCE_URL = "https://github.com/jantman/RPyMostat"
MAX_NAME = 64
DEFAULT_HISTORY = timedelta(hours=24)
MAX_HISTORY_POINTS = 10_000
_DIGITS = re.compile(r"[0-9]{1,6}")
T = TypeVar("T")


def sensor_json(sensor: SensorRecord, now: datetime, stale_after: float) -> dict[str, Any]:
    """A sensor as the API shows it, with its age and stale flag at ``now``."""
    age = max(0.0, (now - sensor.last_update).total_seconds())
    return {
        "id": sensor.id,
        "host_id": sensor.host_id,
        "sensor_id": sensor.sensor_id,
        "type": sensor.type,
        "alias": sensor.alias,
        "extra": sensor.extra,
        "name": sensor.name,
        "zone": sensor.zone,
        "last_value": sensor.last_value,
        "last_update": iso(sensor.last_update),
        "age_s": round(age, 3),
        "stale": age > stale_after,
    }


def parse_sensor_changes(body: Any) -> SensorChanges:
    """PATCH body ``{"name": str|null, "zone": str}`` → SensorChanges (422 naming the field)."""
    if not isinstance(body, dict):
        raise Unprocessable("the request body must be a JSON object")
    unknown = set(body) - {"name", "zone"}
    if unknown:
        raise Unprocessable(f"unknown field(s): {', '.join(sorted(unknown))}; allowed: name, zone")
    if not body:
        raise Unprocessable("nothing to change: give name and/or zone")
    name = body.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()
                             or len(name) > MAX_NAME):
        raise Unprocessable(f"name must be a non-empty string of at most {MAX_NAME} characters"
                            " (or null to clear it)")
    zone = body.get("zone")
    if "zone" in body and (not isinstance(zone, str) or not ID_PATTERN.fullmatch(zone)):
        raise Unprocessable("zone must be a zone id (1-64 characters from A-Z a-z 0-9 . _ ~ -)")
    return SensorChanges(name=name.strip() if name else None,
                         clear_name="name" in body and name is None, zone=zone)


def _sensor_topic(host_id: str, sensor_id: str) -> str:
    return f"sensor.{escape_segment(host_id)}.{escape_segment(sensor_id)}"


def _query_arg(request: Request, name: str) -> str | None:
    values = request.args.get(name.encode())
    return values[-1].decode("utf-8", "replace") if values else None


def _parse_limit(raw: str | None, default: int = 1000) -> int:
    if raw is None:
        return default
    if not _DIGITS.fullmatch(raw) or not 1 <= int(raw) <= MAX_HISTORY_POINTS:
        raise Unprocessable(f"limit must be an integer from 1 to {MAX_HISTORY_POINTS}")
    return int(raw)


class EngineAPI:
    """The v1 API over a store; the clock gives "now" (ages, update timestamps)."""

    app = Klein()

    def __init__(self, store: Store, auth: BearerAuth, clock: Clock,
                 stale_after: float, store_timeout: float = 10.0, *, bus: StatusBus,
                 status: Callable[[], dict[str, Any]] = dict, sync_timeout: float = 2.0,
                 relays: RelayControl | None = None, zones: ZoneControl | None = None,
                 alarms: AlarmBook | None = None, links: Sequence[tuple[str, str]] = (),
                 history_keep: Retention | None = None) -> None:
        self._store = store
        self._auth = auth
        self._clock = clock
        self._stale_after = stale_after
        self._timeout = store_timeout
        self._deadlines = Deadlines(clock, store_timeout)
        self._bus = bus
        self._extra_status = status
        self._sync_timeout = sync_timeout
        self._published: dict[str, datetime] = {}
        self.readings_accepted = 0  # for GET /metrics
        self._relays = relays
        self._zone_control = zones
        self._alarms = alarms if alarms is not None else relays.alarms if relays else None
        self._links = links
        self._zones = ZoneAPI(zones, clock, self._call) if zones is not None else None
        self._history = HistoryAPI(store, clock, self._call, zones=lambda: (
            self._zones.book.zones if self._zones is not None else ()),
            zone_outputs=lambda z: [e.id for e in zones.zone_outputs(z)] if zones else [],
            keep=history_keep)

    def resource(self) -> Resource:
        """The root resource: auth check, then the two ingest routes on plain twisted.web
        (every sensor's hot path) and every other request through the Klein routes. The Klein
        app has the ingest routes too, so its 405s list them."""
        hot = HotRoutes({(b"PUT", b"/v1/sensors/update"): self.update,
                         (b"POST", b"/v1/sensors/batch"): self.batch},
                        self.app.resource())  # type: ignore[arg-type]
        return AuthorizedResource(hot, self._auth)

    def _guarded(self, d: Deferred[T]) -> Deferred[T]:
        """A store call with its time limit; an unavailable store or no answer is a 503."""
        return self._deadlines.watch(d).addErrback(self._store_failed)

    def _store_failed(self, failure: Failure) -> Failure:
        if failure.check(StoreUnavailable):
            raise ServiceUnavailable(f"the store is unavailable: {failure.value}")
        if failure.check(TimeoutError, defer.TimeoutError):
            raise ServiceUnavailable(f"the store did not answer within {self._timeout:g} s")
        return failure

    async def _call(self, d: Deferred[Any]) -> Any:
        """Await a store call with a time limit; an unavailable store becomes a 503."""
        return await self._guarded(d)

    # -- informational ---------------------------------------------------------------------

    @app.route("/", methods=["GET"])
    def root(self, request: Request) -> bytes:
        """HTML: name, version, links to the API document, status and source."""
        request.setHeader(b"content-type", b"text/html; charset=utf-8")
        links = "".join(f'<li><a href="{html.escape(url)}">{html.escape(label)}</a></li>\n'
                        for label, url in self._links)
        return _ROOT_PAGE.format(version=html.escape(__version__), source=SOURCE_URL,
                                 links=links).encode()

    @app.route("/v1/openapi.json", methods=["GET"])
    def openapi(self, request: Request) -> bytes:
        """The OpenAPI 3 document of this API."""
        return json_response(request, openapi_document(__version__))

    @app.route("/v1/status", methods=["GET"])
    async def status(self, request: Request) -> bytes:
        """200 when operational, 503 when the store does not answer."""
        try:
            store_ok = bool(await self._store.ping().addTimeout(
                self._timeout, self._clock))  # type: ignore[arg-type]
        except Exception:
            store_ok = False
        body = {"status": store_ok, "dependencies": {"store": store_ok}, "version": __version__,
                **self._extra_status()}
        return json_response(request, body, 200 if store_ok else 503)

    # -- ingest ----------------------------------------------------------------------------

    # The two ingest routes are every sensor's hot path: plain callbacks, not coroutines.

    @app.route("/v1/sensors/update", methods=["PUT"])
    def update(self, request: Request) -> Deferred[bytes]:
        """The RPyMostat payload; 201 only once every reading is on disk."""
        readings = parse_update(read_json(request), utcnow(self._clock))
        d = self._guarded(self._store.add_readings(readings))
        return d.addCallback(self._updated, request, readings)

    def _updated(self, result: IngestResult, request: Request, readings: list[Reading]
                 ) -> bytes:
        self._accepted(readings)
        return json_response(request, {"status": "ok", "ids": list(result.ids)}, 201)

    @app.route("/v1/sensors/batch", methods=["POST"])
    def batch(self, request: Request) -> Deferred[bytes]:
        """Readings with their own timestamps; idempotent on (host, sensor, timestamp)."""
        readings = parse_batch(read_json(request), utcnow(self._clock))
        d = self._guarded(self._store.add_readings(readings))
        return d.addCallback(self._batched, request, readings)

    def _batched(self, result: IngestResult, request: Request, readings: list[Reading]
                 ) -> bytes:
        self._accepted(readings)
        return json_response(request, {"status": "ok", "ids": list(result.ids),
                                       "stored": result.stored,
                                       "duplicates": result.duplicates}, 201)

    def _accepted(self, readings: list[Reading]) -> None:
        """Stored readings go on the bus and to the decisions."""
        self.readings_accepted += len(readings)
        self._publish(readings)
        if self._zone_control is not None:
            self._zone_control.readings(readings)

    def _publish(self, readings: list[Reading]) -> None:
        """Accepted readings go on the bus as ``sensor.<host>.<sensor>``: the newest of each
        sensor in the request, unless older than the last published for it. The bus carries
        current state; an agent's backlog (a batch of history) is in the store, and must not
        move the live value back."""
        for r in latest_per_sensor(readings).values():
            last = self._published.get(r.key)
            if last is not None and r.timestamp < last:
                continue
            self._published[r.key] = r.timestamp
            self._bus.publish(_sensor_topic(r.host_id, r.sensor_id), {
                "id": r.key, "value": r.value, "timestamp": iso(r.timestamp), "type": r.type})

    # -- bus -------------------------------------------------------------------------------

    @app.route("/v1/bus/snapshot", methods=["GET"])
    async def bus_snapshot(self, request: Request) -> bytes:
        """The status tree under ``mask``; with ``marker``, exactly as it was when the marker
        ``bus.sync.<marker>`` passed the bus (a late joiner's starting point)."""
        mask = _query_arg(request, "mask") or ""
        try:
            validate_mask(mask)
        except TopicError as e:
            raise Unprocessable(f"mask: {e}") from None
        marker = _query_arg(request, "marker")
        if marker is None:
            return json_response(request, snapshot_to_json(self._bus.snapshot(mask)))
        try:
            waiting = self._bus.synced_snapshot(mask, marker, self._sync_timeout)
        except ValueError as e:
            raise Unprocessable(f"marker: {e}") from None
        try:
            snapshot = await waiting
        except (TimeoutError, defer.TimeoutError, defer.CancelledError):
            raise ServiceUnavailable("the bus did not pass the marker in time") from None
        return json_response(request, snapshot_to_json(snapshot))

    @app.route("/v1/logs", methods=["GET"])
    def logs(self, request: Request) -> bytes:
        """The latest WARNING+ log records every daemon sent on the bus (oldest first)."""
        service = _query_arg(request, "service")
        if service is not None:
            try:
                validate_mask(service)
            except TopicError as e:
                raise Unprocessable(f"service: {e}") from None
        limit = _parse_limit(_query_arg(request, "limit"), default=100)
        return json_response(request, {"logs": self._bus.recent_logs(service or None, limit)})

    # -- sensors -----------------------------------------------------------------------------

    @app.route("/v1/sensors", methods=["GET"])
    async def list_sensors(self, request: Request) -> bytes:
        """Every known sensor with its last value, age and stale flag."""
        sensors = await self._call(self._store.list_sensors())
        now = utcnow(self._clock)
        return json_response(request, {"sensors": [
            sensor_json(s, now, self._stale_after) for s in sensors]})

    async def _sensor(self, sensor_id: str) -> SensorRecord:
        sensor = await self._call(self._store.get_sensor(sensor_id))
        if sensor is None:
            raise NotFound(f"no such sensor: {sensor_id}")
        return sensor  # type: ignore[no-any-return]

    @app.route("/v1/sensors/<string:sensor_id>", methods=["GET"])
    async def get_sensor(self, request: Request, sensor_id: str) -> bytes:
        """One sensor."""
        sensor = await self._sensor(sensor_id)
        return json_response(request, sensor_json(sensor, utcnow(self._clock), self._stale_after))

    @app.route("/v1/sensors/<string:sensor_id>", methods=["PATCH"])
    async def patch_sensor(self, request: Request, sensor_id: str) -> bytes:
        """Rename a sensor or assign it to a zone."""
        changes = parse_sensor_changes(read_json(request))
        if changes.zone is not None and self._zones is not None \
                and changes.zone not in self._zones.book.zones:
            raise Unprocessable(f"zone: no such zone {changes.zone!r}; create it with"
                                    " POST /v1/zones")
        sensor = await self._call(self._store.update_sensor(sensor_id, changes))
        if sensor is None:
            raise NotFound(f"no such sensor: {sensor_id}")
        if self._zone_control is not None:
            self._zone_control.sensor_changed(sensor, sensor_id)
        return json_response(request, sensor_json(sensor, utcnow(self._clock), self._stale_after))

    @app.route("/v1/sensors/<string:sensor_id>", methods=["DELETE"])
    async def delete_sensor(self, request: Request, sensor_id: str) -> bytes:
        """Forget a sensor and its history (it reappears if it reports again)."""
        if not await self._call(self._store.delete_sensor(sensor_id)):
            raise NotFound(f"no such sensor: {sensor_id}")
        self._published.pop(sensor_id, None)
        if self._zone_control is not None:
            self._zone_control.sensor_changed(None, sensor_id)
        host_id, _, local_id = sensor_id.partition(":")
        self._bus.publish(_sensor_topic(host_id, local_id),  # None deletes: the node goes
                          dict.fromkeys(("id", "value", "timestamp", "type")))
        return json_response(request, {"status": "ok", "deleted": sensor_id})

    @app.route("/v1/sensors/<string:sensor_id>/readings", methods=["GET"])
    async def sensor_readings(self, request: Request, sensor_id: str) -> bytes:
        """History in [start, end): defaults to the last 24 hours, at most ``limit`` points,
        newest first unless ``order=asc``."""
        now = utcnow(self._clock)
        end_raw, start_raw = _query_arg(request, "end"), _query_arg(request, "start")
        end = parse_timestamp(end_raw, "end", None) if end_raw else now + timedelta(seconds=1)
        start = parse_timestamp(start_raw, "start", None) if start_raw else end - DEFAULT_HISTORY
        if start >= end:
            raise Unprocessable("start must be before end")
        limit = _parse_limit(_query_arg(request, "limit"))
        order = _query_arg(request, "order") or "desc"
        if order not in {"asc", "desc"}:
            raise Unprocessable("order must be desc (newest first, the default) or asc")
        await self._sensor(sensor_id)
        points = await self._call(self._store.readings(sensor_id, start, end, limit,
                                                       newest_first=order == "desc"))
        return json_response(request, {
            "sensor": sensor_id, "start": iso(start), "end": iso(end),
            "readings": [{"timestamp": iso(p.timestamp), "value": p.value} for p in points],
        })

    @app.route("/v1/history", methods=["GET"])
    async def history(self, request: Request) -> bytes:
        """Readings of one or more series over a window, raw or in buckets; JSON or CSV."""
        return await self._history.history(request)

    @app.route("/v1/stats/runtime", methods=["GET"])
    async def runtime_stats(self, request: Request) -> bytes:
        """A zone's output on-time, cycles and degree-hours below/above target."""
        return await self._history.runtime(request)

    # -- relays and alarms ---------------------------------------------------------------------

    def _relay_control(self) -> RelayControl:
        if self._relays is None:
            raise ServiceUnavailable("relay control is not running")
        return self._relays

    @app.route("/v1/relays/register", methods=["POST"])
    async def register_relays(self, request: Request) -> bytes:
        """A relay agent says where it is and what outputs it has."""
        control = self._relay_control()
        reg = parse_registration(read_json(request), request.getClientAddress().host)
        answer = await self._call(Deferred.fromCoroutine(control.register(reg)))
        return json_response(request, answer, 201)

    @app.route("/v1/relays", methods=["GET"])
    def list_relays(self, request: Request) -> bytes:
        """Every output of every agent: commanded vs reported, contact, timers."""
        return json_response(request, {"relays": self._relay_control().relays_json()})

    @app.route("/v1/relays/<string:relay_id>", methods=["GET"])
    def get_relay(self, request: Request, relay_id: str) -> bytes:
        """One output."""
        return json_response(request, self._relay_control().get_json(relay_id))

    @app.route("/v1/relays/<string:relay_id>", methods=["PUT"])
    async def put_relay(self, request: Request, relay_id: str) -> bytes:
        """Manual control, through the agent and its protections."""
        control = self._relay_control()
        control.get_json(relay_id)  # 404 before the body is judged
        on = parse_state_command(read_json(request))
        answer = await control.manual(relay_id, on)
        if self._zone_control is not None:  # its decision says so at once (manual hold)
            self._zone_control.soon(self._zone_control.book.zone_of_output(relay_id))
        return json_response(request, answer)

    @app.route("/v1/relays/<string:relay_id>/resume", methods=["POST"])
    async def resume_relay(self, request: Request, relay_id: str) -> bytes:
        """End a manual hold; the output's zone decides at once."""
        control = self._relay_control()
        control.get_json(relay_id)  # 404 first
        resumed = await control.resume(relay_id)
        if self._zone_control is not None:
            self._zone_control.soon(self._zone_control.book.zone_of_output(relay_id))
        return json_response(request, {**control.get_json(relay_id), "resumed": resumed})

    # -- zones -------------------------------------------------------------------------------

    def _zone_api(self) -> ZoneAPI:
        if self._zones is None:
            raise ServiceUnavailable("zone control is not running")
        return self._zones

    @app.route("/v1/zones", methods=["GET"])
    def list_zones(self, request: Request) -> bytes:
        """Every zone with its settings and live state."""
        return self._zone_api().list_zones(request)

    @app.route("/v1/zones", methods=["POST"])
    async def create_zone(self, request: Request) -> bytes:
        """A new zone."""
        return await self._zone_api().create_zone(request)

    @app.route("/v1/zones/", branch=True)
    def zone_routes(self, request: Request) -> Resource:
        """``/v1/zones/<z>`` and below: the zone API."""
        return self._zone_api().app.resource()  # type: ignore[no-any-return]

    @app.route("/v1/plugins", methods=["GET"])
    def plugins(self, request: Request) -> bytes:
        """Installed scheduler and decider plugins and their parameter schemas."""
        return self._zone_api().plugins(request)

    @app.route("/v1/alarms", methods=["GET"])
    def alarms(self, request: Request) -> bytes:
        """Active alarms, then the recently cleared ones."""
        if self._alarms is None:
            raise ServiceUnavailable("no alarm book: zone and relay control are not running")
        return json_response(request, self._alarms.to_json())


add_error_handlers(EngineAPI.app)

_ROOT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>RPyMostat engine</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><h1>RPyMostat engine</h1>
<p>Version {version}. A self-hosted, modular smart thermostat.</p>
<ul>
{links}<li><a href="/v1/openapi.json">API document (OpenAPI 3)</a></li>
<li><a href="/v1/status">Status</a></li>
<li><a href="/v1/sensors">Sensors</a></li>
<li><a href="/v1/bus/snapshot">Live status tree</a></li>
<li><a href="/v1/zones">Zones</a></li>
<li><a href="/v1/relays">Relays (commanded and reported)</a></li>
<li><a href="/v1/alarms">Alarms</a></li>
<li><a href="/v1/logs">Latest warnings from every daemon</a></li>
<li><a href="{source}">Source code</a></li>
</ul></body></html>
"""
