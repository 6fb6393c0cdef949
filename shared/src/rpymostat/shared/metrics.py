"""``GET /metrics`` in Prometheus' text format, from counters the daemons already keep.

A daemon describes its metrics as :class:`Metric` objects whose ``read`` returns the live
value of a counter it keeps anyway (``bus.hub.received``, ``forwarder.sent``...): nothing is
counted twice. :func:`with_metrics` wraps a daemon's root resource so ``/metrics`` is served by
a plain twisted.web resource with ``prometheus_client.generate_latest`` (no WSGI thread pool),
and prometheus_client itself is imported on the first scrape only, so a small agent that is
never scraped does not pay for it. :class:`RequestTimer` is the one new counter: request
latencies, which nothing kept before (one clock read per request, in the Site).
"""

import bisect
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from twisted.web.resource import Resource
from twisted.web.server import Request

from .auth import BearerAuth
from .errors import Unauthorized
from .web import api_error_body, error_body

CONTENT_TYPE = b"text/plain; version=0.0.4; charset=utf-8"
Value = float | int | bool | None
Samples = Iterable[tuple[Mapping[str, str], Value]]


@dataclass(frozen=True)
class Histogram:
    """A histogram's state: cumulative (upper bound, count) pairs ending in +Inf, and sum."""

    buckets: list[tuple[float, int]]
    total: float


@dataclass(frozen=True)
class Metric:
    """One metric family. ``read()`` returns the value (``labels`` empty), or (labels, value)
    pairs, or a :class:`Histogram` (``kind`` "histogram"). Counter names omit ``_total``."""

    name: str
    kind: str  # "counter", "gauge" or "histogram"
    help: str
    read: Callable[[], Any]
    labels: tuple[str, ...] = ()


class RequestTimer:
    """Request count by status class and a latency histogram, fed by the Site."""

    BOUNDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

    def __init__(self) -> None:
        self.counts = [0] * (len(self.BOUNDS) + 1)
        self.total = 0.0
        self.by_code: dict[str, int] = {}

    def observe(self, seconds: float, code: int) -> None:
        """One finished request."""
        self.counts[bisect.bisect_left(self.BOUNDS, seconds)] += 1
        self.total += seconds
        key = f"{code // 100}xx"
        self.by_code[key] = self.by_code.get(key, 0) + 1

    def histogram(self) -> Histogram:
        """Cumulative buckets."""
        running, buckets = 0, []
        for bound, count in zip((*self.BOUNDS, float("inf")), self.counts, strict=True):
            running += count
            buckets.append((bound, running))
        return Histogram(buckets, self.total)

    def metrics(self) -> list[Metric]:
        """The HTTP metrics of a daemon."""
        return [Metric("rpymostat_http_requests", "counter",
                       "HTTP requests answered, by status class", lambda: [
                           ({"code": k}, v) for k, v in sorted(self.by_code.items())],
                       ("code",)),
                Metric("rpymostat_http_request_duration_seconds", "histogram",
                       "time from the end of the request headers to the last byte of the"
                       " answer", self.histogram)]


def timed_request_class(base: type[Request], timer: RequestTimer,
                        now: Callable[[], float] = time.monotonic) -> type[Request]:
    """A Request class that reports its latency to ``timer`` when it finishes."""

    class TimedRequest(base):  # type: ignore[valid-type,misc]
        _rpy_started = 0.0

        def gotLength(self, length: int | None) -> None:
            self._rpy_started = now()
            super().gotLength(length)

        def finish(self) -> None:
            super().finish()
            timer.observe(now() - self._rpy_started, self.code)

    return TimedRequest


class MetricsCollector:
    """A prometheus_client collector over :class:`Metric` readers."""

    def __init__(self, metrics: Sequence[Metric]) -> None:
        self.metrics = metrics
        self.errors: deque[str] = deque(maxlen=20)  # the latest reader failures

    def collect(self) -> Iterable[Any]:
        """One family per metric; a reader that fails is skipped (and remembered), never a
        failed scrape."""
        from prometheus_client.core import (
            CounterMetricFamily,
            GaugeMetricFamily,
            HistogramMetricFamily,
        )

        for m in self.metrics:
            try:
                value = m.read()
            except Exception as e:
                self.errors.append(f"{m.name}: {e}")
                continue
            if m.kind == "histogram":
                h = HistogramMetricFamily(m.name, m.help)
                h.add_metric([], [(_bound(b), c) for b, c in value.buckets], value.total)
                yield h
                continue
            family = (CounterMetricFamily if m.kind == "counter" else GaugeMetricFamily)(
                m.name, m.help, labels=list(m.labels) if m.labels else None)
            if m.labels:
                for labels, v in value:
                    if v is not None:
                        family.add_metric([str(labels[k]) for k in m.labels], float(v))
            elif value is not None:
                family.add_metric([], float(value))
            yield family


def _bound(b: float) -> str:
    return "+Inf" if b == float("inf") else repr(b)


class MetricsResource(Resource):
    """``GET /metrics``: the text exposition format (plus the process' own metrics)."""

    isLeaf = True

    def __init__(self, metrics: Sequence[Metric]) -> None:
        super().__init__()
        self._metrics = metrics
        self._registry: Any = None

    def _render(self) -> bytes:
        if self._registry is None:
            from prometheus_client import CollectorRegistry, ProcessCollector

            registry = CollectorRegistry(auto_describe=False)
            registry.register(MetricsCollector(self._metrics))  # type: ignore[arg-type]
            ProcessCollector(registry=registry)
            self._registry = registry
        from prometheus_client import generate_latest

        return generate_latest(self._registry)  # type: ignore[no-any-return]

    def render_GET(self, request: Request) -> bytes:
        """The current values."""
        request.setHeader(b"content-type", CONTENT_TYPE)
        return self._render()

    def render_HEAD(self, request: Request) -> bytes:
        """Headers only."""
        return self.render_GET(request)


class WithMetrics(Resource):
    """A daemon's (leaf) root resource with ``/metrics`` beside it. In strict auth mode the
    token is needed to scrape, as for every other read."""

    isLeaf = True

    def __init__(self, wrapped: Resource, metrics: MetricsResource,
                 auth: BearerAuth | None = None) -> None:
        super().__init__()
        self._wrapped = wrapped
        self._metrics = metrics
        self._auth = auth

    def render(self, request: Request) -> bytes | int:  # type: ignore[override]
        """``/metrics`` here, everything else to the wrapped resource."""
        if request.path != b"/metrics":
            return self._wrapped.render(request)  # type: ignore[no-any-return]
        if request.method not in (b"GET", b"HEAD"):
            request.setHeader(b"allow", b"GET, HEAD")
            return error_body(request, 405, "/metrics answers GET only")
        if self._auth is not None:
            try:
                self._auth.check(request)
            except Unauthorized as e:
                return api_error_body(request, e)
        return self._metrics.render(request)  # type: ignore[no-any-return]


def with_metrics(root: Resource, metrics: Sequence[Metric],
                 auth: BearerAuth | None = None) -> Resource:
    """``root`` answering ``GET /metrics`` too: the function every daemon (and the web UI)
    mounts. ``metrics`` are the daemon's own (:class:`Metric`); the process' CPU, memory and
    file descriptors are added."""
    return WithMetrics(root, MetricsResource(metrics), auth)


def publisher_metrics(publisher: Any) -> list[Metric]:
    """A :class:`~rpymostat.shared.bus.publisher.BusPublisher`'s counters and queue."""
    return [Metric("rpymostat_bus_published", "counter", "bus messages sent by this daemon",
                   lambda: publisher.sent),
            Metric("rpymostat_bus_publish_dropped", "counter",
                   "bus messages dropped because the queue to the bus was full",
                   lambda: publisher.dropped),
            Metric("rpymostat_bus_publish_queue", "gauge",
                   "bus messages waiting to be sent", lambda: publisher.status()["queued"])]


def subscriber_metrics(subscriber: Any) -> list[Metric]:
    """A :class:`~rpymostat.shared.bus.subscriber.BusSubscriber`'s counters (the web UI's)."""
    return [Metric("rpymostat_bus_gaps", "counter",
                   "gaps in the bus sequence seen (each one resyncs)",
                   lambda: subscriber.follower.gaps),
            Metric("rpymostat_bus_overflows", "counter",
                   "resyncs because too many messages waited during a sync",
                   lambda: subscriber.follower.overflows),
            Metric("rpymostat_bus_syncs", "counter", "snapshots fetched",
                   lambda: subscriber.syncs),
            Metric("rpymostat_bus_invalid", "counter", "undecodable bus messages received",
                   lambda: subscriber.invalid)]


def site_with_metrics(root: Resource, metrics: Sequence[Metric], *,
                      auth: BearerAuth | None = None, **site_options: Any) -> Any:
    """The whole wiring in one call, for a daemon that builds its own Site (the web UI):
    a :class:`RequestTimer`, ``root`` with ``/metrics`` (``metrics`` + the timer's), and
    :func:`rpymostat.shared.web.make_site` over it (``site_options``: ``max_body``,
    ``access_log``) reporting each request to the timer."""
    from .web import make_site

    timer = RequestTimer()
    return make_site(with_metrics(root, [*metrics, *timer.metrics()], auth), timer=timer,
                     **site_options)
