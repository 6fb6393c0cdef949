"""``GET /v1/history``: sensors' readings, outputs' on-intervals and zones' targets over a
window, as JSON (columns, for graphs) or streamed CSV (a year of raw readings is written page
by page, never held whole in memory). Routed by ``EngineAPI``; the logic is here.

A series id is looked up as a sensor id, else an output id (one with recorded state
changes), else a zone id (a zone of the engine, or one with recorded targets).

JSON answer::

    {"start": "<ISO>", "end": "<ISO>", "resolution": "raw" | "5m" | "1h" | "1d",
     "series": [
       {"id": "pi1:t1", "kind": "sensor", "resolution": "raw", "t": [<ms>...],
        "value": [<float|null>...], "truncated": false},
       {"id": "pi1:t1", "kind": "sensor", "resolution": "5m", "t": [<bucket start ms>...],
        "min": [...], "mean": [...], "max": [...], "count": [...]},
       {"id": "pi2:heat", "kind": "output",
        "intervals": [{"start": <ms>, "end": <ms>, "open": false}, ...]},
       {"id": "house", "kind": "zone", "t": [<ms>...], "target": [<float|null>...]}]}

Times are milliseconds since the epoch. Buckets hold only non-null values (empty ones are
left out) and are whole UTC-aligned buckets. An output's intervals are its "on" periods,
cut to the window (``open``: still on at the end of the window). A zone's target is a step
function: the value at the window's start, then every change.
"""

from collections.abc import Awaitable, Callable, Collection
from datetime import datetime, timedelta
from typing import Any

from twisted.internet.defer import Deferred
from twisted.web.server import Request

from rpymostat.shared.clock import Clock, utcnow
from rpymostat.shared.errors import Unprocessable
from rpymostat.shared.web import json_response

from ..model import StoredReading, iso
from ..store import Store
from ..store.aggregate import Bucket
from ..store.events import DECISION, OUTPUT, TARGET, Event
from ..store.resolution import from_millis, to_millis
from ..store.sqlite_tiers import Retention
from .query import BUCKETS, MAX_POINTS, HistoryQuery, auto_bucket, parse_history_query
from .stats import parse_stats_query, runtime_stats, window

MAX_RAW_JSON = 10_000  # raw points per series in one JSON answer (CSV has no limit)
MAX_EVENTS = 100_000
CSV_PAGE = 10_000
CSV_HEADER = b"series,kind,time,value,min,mean,max,count,end\r\n"
Call = Callable[[Deferred[Any]], Awaitable[Any]]


def _args(request: Request) -> dict[str, list[str]]:
    return {k.decode("utf-8", "replace"): [v.decode("utf-8", "replace") for v in values]
            for k, values in (request.args or {}).items()}


def _raw_json(sensor: str, points: tuple[list[int], list[float | None]], limit: int
              ) -> dict[str, Any]:
    times, values = points
    return {"id": sensor, "kind": "sensor", "resolution": "raw", "t": times[:limit],
            "value": values[:limit], "truncated": len(times) > limit}


def _bucket_json(sensor: str, resolution: str, buckets: list[Bucket]) -> dict[str, Any]:
    return {"id": sensor, "kind": "sensor", "resolution": resolution,
            "t": [b.start_ms for b in buckets], "min": [b.min for b in buckets],
            "mean": [b.mean for b in buckets], "max": [b.max for b in buckets],
            "count": [b.count for b in buckets]}


def on_intervals(events: list[Event], start: datetime, end: datetime
                 ) -> list[dict[str, Any]]:
    """An output's "on" periods within [start, end) from its state changes (the first may
    be the last change before the window)."""
    out: list[dict[str, Any]] = []
    since: datetime | None = None
    for e in events:
        at = max(e.timestamp, start)
        if e.body.get("on") and since is None:
            since = at
        elif not e.body.get("on") and since is not None:
            if at > since:
                out.append({"start": to_millis(since), "end": to_millis(at), "open": False})
            since = None
    if since is not None and end > since:
        out.append({"start": to_millis(since), "end": to_millis(end), "open": True})
    return out


def target_steps(events: list[Event], start: datetime) -> tuple[list[int], list[Any]]:
    """A zone's target as steps: (times, values), the first at the window's start."""
    times: list[int] = []
    values: list[Any] = []
    for e in events:
        t = to_millis(max(e.timestamp, start))
        if times and times[-1] == t:
            values[-1] = e.body.get("target")
            continue
        times.append(t)
        values.append(e.body.get("target"))
    return times, values


class HistoryAPI:
    """Runs history queries against the store; ``call`` adds the engine's time limit and
    turns an unavailable store into a 503; ``zones`` gives the engine's zone ids."""

    def __init__(self, store: Store, clock: Clock, call: Call, *,
                 zones: Callable[[], Collection[str]] = tuple,
                 zone_outputs: Callable[[str], list[str]] = lambda _zone: [],
                 keep: Retention | None = None) -> None:
        self._keep = keep  # the store's retention (None: it keeps everything)
        self._store = store
        self._clock = clock
        self._call = call
        self._zones = zones
        self._zone_outputs = zone_outputs

    async def runtime(self, request: Request) -> bytes:
        """``GET /v1/stats/runtime``: on-time, cycles and degree-hours of one zone."""
        query = parse_stats_query(_args(request))
        if query.zone not in self._zones() and query.zone not in await self._call(
                self._store.event_subjects(TARGET)):
            raise Unprocessable(f"zone: no such zone {query.zone!r}")
        now = utcnow(self._clock)
        start, end, _width = window(query.period, now)
        outputs = {}
        for output in self._zone_outputs(query.zone):
            events = await self._call(self._store.events(OUTPUT, output, start, end, MAX_EVENTS,
                                                         with_previous=True))
            outputs[output] = on_intervals(events, start, min(end, now))
        decisions = await self._call(self._store.events(DECISION, query.zone, start, end,
                                                        MAX_EVENTS, with_previous=True))
        return json_response(request, runtime_stats(query.zone, query.period, now, outputs,
                                                    decisions))

    async def history(self, request: Request) -> bytes:
        """``GET /v1/history``."""
        accept = request.getHeader(b"accept")
        query = parse_history_query(_args(request), utcnow(self._clock),
                                    accept.decode("latin-1") if accept else None)
        kinds = await self._kinds(query.series)
        if query.format == "csv":
            return await self._csv(request, query, kinds)
        return json_response(request, await self._json(query, kinds))

    async def _kinds(self, series: tuple[str, ...]) -> dict[str, str]:
        """Each id's kind (422 naming an unknown one)."""
        kinds: dict[str, str] = {}
        outputs: list[str] | None = None
        targets: list[str] | None = None
        for sid in series:
            if await self._call(self._store.get_sensor(sid)) is not None:
                kinds[sid] = "sensor"
                continue
            if outputs is None:
                outputs = await self._call(self._store.event_subjects(OUTPUT))
            if sid in outputs:
                kinds[sid] = "output"
                continue
            if targets is None:
                targets = await self._call(self._store.event_subjects(TARGET))
            if sid in self._zones() or sid in targets:
                kinds[sid] = "zone"
                continue
            raise Unprocessable(f"series: unknown id {sid!r} (not a sensor, an output with"
                                " recorded states or a zone)")
        return kinds

    async def _events(self, kind: str, subject: str, query: HistoryQuery) -> list[Event]:
        return await self._call(self._store.events(  # type: ignore[no-any-return]
            kind, subject, query.start, query.end, MAX_EVENTS, with_previous=True))

    async def _json(self, query: HistoryQuery, kinds: dict[str, str]) -> dict[str, Any]:
        sensors = [s for s in query.series if kinds[s] == "sensor"]
        resolution = query.resolution
        raw: dict[str, tuple[list[int], list[float | None]]] = {}
        now = utcnow(self._clock)
        raw_since = now - timedelta(milliseconds=self._keep.raw) if self._keep else None
        five_since = now - timedelta(milliseconds=max(self._keep.raw, self._keep.five_min)) \
            if self._keep else None
        if resolution == "auto" and raw_since is not None and query.start < raw_since:
            resolution = auto_bucket(query.start, query.end, five_since)  # raw is gone there
        if resolution in ("auto", "raw"):
            limit = MAX_POINTS + 1 if resolution == "auto" else MAX_RAW_JSON + 1
            for sensor in sensors:
                raw[sensor] = await self._call(self._store.reading_columns(
                    sensor, query.start, query.end, limit))
            if resolution == "auto":
                resolution = ("raw" if all(len(p[0]) <= MAX_POINTS for p in raw.values())
                              else auto_bucket(query.start, query.end, five_since))
        series: list[dict[str, Any]] = []
        for sid in query.series:
            if kinds[sid] == "output":
                events = await self._events(OUTPUT, sid, query)
                end = min(query.end, utcnow(self._clock))
                series.append({"id": sid, "kind": "output",
                               "intervals": on_intervals(events, query.start, end)})
            elif kinds[sid] == "zone":
                times, values = target_steps(await self._events(TARGET, sid, query),
                                             query.start)
                series.append({"id": sid, "kind": "zone", "t": times, "target": values})
            elif resolution == "raw":
                series.append(_raw_json(sid, raw[sid], MAX_RAW_JSON))
            else:
                buckets = await self._call(self._store.aggregate(
                    sid, query.start, query.end, BUCKETS[resolution]))
                series.append(_bucket_json(sid, resolution, buckets))
        return {"start": iso(query.start), "end": iso(query.end), "resolution": resolution,
                "series": series}

    async def _csv(self, request: Request, query: HistoryQuery, kinds: dict[str, str]
                   ) -> bytes:
        """Written as it is read: a page of readings at a time. One header for every kind:
        ``series,kind,time,value,min,mean,max,count,end`` (raw readings fill value; buckets
        min..count; an output's on-interval value 1 and end; a zone's target value)."""
        resolution = "raw" if query.resolution == "auto" else query.resolution
        request.setHeader(b"content-type", b"text/csv; charset=utf-8")
        request.setHeader(b"content-disposition", b'attachment; filename="history.csv"')
        request.write(CSV_HEADER)
        for sid in query.series:
            if kinds[sid] == "output":
                end = min(query.end, utcnow(self._clock))
                request.write("".join(
                    f"{sid},output,{iso(_ms(i['start']))},1,,,,,{iso(_ms(i['end']))}\r\n"
                    for i in on_intervals(await self._events(OUTPUT, sid, query), query.start,
                                          end)).encode())
            elif kinds[sid] == "zone":
                times, values = target_steps(await self._events(TARGET, sid, query),
                                             query.start)
                request.write("".join(
                    f"{sid},zone,{iso(_ms(t))},{_num(v)},,,,,\r\n"
                    for t, v in zip(times, values, strict=True)).encode())
            elif resolution == "raw":
                await self._csv_raw(request, sid, query.start, query.end)
            else:
                buckets = await self._call(self._store.aggregate(
                    sid, query.start, query.end, BUCKETS[resolution]))
                request.write("".join(
                    f"{sid},sensor,{iso(b.start)},,{b.min!r},{b.mean!r},{b.max!r},{b.count},\r\n"
                    for b in buckets).encode())
        return b""

    async def _csv_raw(self, request: Request, sensor: str, start: datetime, end: datetime
                       ) -> None:
        cursor = start
        while True:
            page: list[StoredReading] = await self._call(
                self._store.readings(sensor, cursor, end, CSV_PAGE))
            request.write("".join(
                f"{sensor},sensor,{iso(p.timestamp)},{_num(p.value)},,,,,\r\n"
                for p in page).encode())
            if len(page) < CSV_PAGE:
                return
            cursor = page[-1].timestamp + timedelta(milliseconds=1)


def _ms(ms: int) -> datetime:
    return from_millis(ms)


def _num(value: Any) -> str:
    return "" if value is None else repr(value)
