"""``GET /v1/history``: one or more sensors' readings over a window, raw or in buckets, as
JSON (columns, for graphs) or streamed CSV (for a spreadsheet; a year of raw readings is
written page by page, never held whole in memory). Routed by ``EngineAPI``; the logic is here.

JSON answer::

    {"start": "<ISO>", "end": "<ISO>", "resolution": "raw" | "5m" | "1h" | "1d",
     "series": [{"id": "<sensor id>", "kind": "sensor", "resolution": "...",
                 "t": [<epoch ms>, ...],
                 raw:     "value": [<float|null>, ...], "truncated": <bool>
                 buckets: "min": [...], "mean": [...], "max": [...], "count": [...]}]}

``t`` is each reading's time, or each bucket's start, in milliseconds since the epoch (what
graph libraries take); buckets hold only non-null values and empty buckets are left out.
"""

from collections.abc import Awaitable, Callable
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
from ..store.resolution import to_millis
from .query import BUCKETS, MAX_POINTS, HistoryQuery, auto_bucket, parse_history_query

MAX_RAW_JSON = 10_000  # raw points per series in one JSON answer (CSV has no limit)
CSV_PAGE = 10_000
Call = Callable[[Deferred[Any]], Awaitable[Any]]


def _args(request: Request) -> dict[str, list[str]]:
    return {k.decode("utf-8", "replace"): [v.decode("utf-8", "replace") for v in values]
            for k, values in (request.args or {}).items()}


def _raw_json(sensor: str, points: list[StoredReading], truncated: bool) -> dict[str, Any]:
    return {"id": sensor, "kind": "sensor", "resolution": "raw",
            "t": [to_millis(p.timestamp) for p in points], "value": [p.value for p in points],
            "truncated": truncated}


def _bucket_json(sensor: str, resolution: str, buckets: list[Bucket]) -> dict[str, Any]:
    return {"id": sensor, "kind": "sensor", "resolution": resolution,
            "t": [to_millis(b.start) for b in buckets], "min": [b.min for b in buckets],
            "mean": [b.mean for b in buckets], "max": [b.max for b in buckets],
            "count": [b.count for b in buckets]}


class HistoryAPI:
    """Runs history queries against the store; ``call`` adds the engine's time limit and
    turns an unavailable store into a 503."""

    def __init__(self, store: Store, clock: Clock, call: Call) -> None:
        self._store = store
        self._clock = clock
        self._call = call

    async def history(self, request: Request) -> bytes:
        """``GET /v1/history``."""
        accept = request.getHeader(b"accept")
        query = parse_history_query(_args(request), utcnow(self._clock),
                                    accept.decode("latin-1") if accept else None)
        for sensor in query.series:
            if await self._call(self._store.get_sensor(sensor)) is None:
                raise Unprocessable(f"series: unknown id {sensor!r}")
        if query.format == "csv":
            return await self._csv(request, query)
        return json_response(request, await self._json(query))

    async def _json(self, query: HistoryQuery) -> dict[str, Any]:
        resolution = query.resolution
        raw: dict[str, list[StoredReading]] = {}
        if resolution in ("auto", "raw"):
            limit = MAX_POINTS + 1 if resolution == "auto" else MAX_RAW_JSON + 1
            for sensor in query.series:
                raw[sensor] = await self._call(self._store.readings(
                    sensor, query.start, query.end, limit))
            if resolution == "auto":
                resolution = ("raw" if all(len(p) <= MAX_POINTS for p in raw.values())
                              else auto_bucket(query.start, query.end))
        series = []
        for sensor in query.series:
            if resolution == "raw":
                points = raw[sensor]
                series.append(_raw_json(sensor, points[:MAX_RAW_JSON],
                                        len(points) > MAX_RAW_JSON))
            else:
                buckets = await self._call(self._store.aggregate(
                    sensor, query.start, query.end, BUCKETS[resolution]))
                series.append(_bucket_json(sensor, resolution, buckets))
        return {"start": iso(query.start), "end": iso(query.end), "resolution": resolution,
                "series": series}

    async def _csv(self, request: Request, query: HistoryQuery) -> bytes:
        """Written as it is read: a page of readings at a time."""
        resolution = query.resolution
        if resolution == "auto":
            resolution = "raw"  # a file wants every reading
        request.setHeader(b"content-type", b"text/csv; charset=utf-8")
        request.setHeader(b"content-disposition", b'attachment; filename="history.csv"')
        if resolution == "raw":
            request.write(b"series,time,value\r\n")
            for sensor in query.series:
                await self._csv_raw(request, sensor, query.start, query.end)
            return b""
        request.write(b"series,time,min,mean,max,count\r\n")
        for sensor in query.series:
            buckets = await self._call(self._store.aggregate(
                sensor, query.start, query.end, BUCKETS[resolution]))
            request.write("".join(
                f"{sensor},{iso(b.start)},{b.min!r},{b.mean!r},{b.max!r},{b.count}\r\n"
                for b in buckets).encode())
        return b""

    async def _csv_raw(self, request: Request, sensor: str, start: datetime, end: datetime
                       ) -> None:
        cursor = start
        while True:
            page: list[StoredReading] = await self._call(
                self._store.readings(sensor, cursor, end, CSV_PAGE))
            request.write("".join(
                f"{sensor},{iso(p.timestamp)},{'' if p.value is None else repr(p.value)}\r\n"
                for p in page).encode())
            if len(page) < CSV_PAGE:
                return
            cursor = page[-1].timestamp + timedelta(milliseconds=1)
