"""The engine's side of the bus: the proxy, the status tree, the latest log records.

The tree is fed from the proxy's capture stream, so it holds exactly what was forwarded, in
order. ``synced_snapshot`` gives a late joiner a snapshot that fits its stream: it sends a
marker through the proxy and answers when the marker comes back on the capture stream. The
caller had subscribed to the marker's topic first, so everything forwarded after the marker
reaches it, and everything before is in the snapshot (duplicates are dropped by seq).
"""

import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

import zmq
from twisted.internet import defer, threads
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from .message import Message, MessageError, decode
from .proxy import INPROC_CAPTURE, INPROC_CONTROL, INPROC_IN, ProxyEndpoints, ProxyThread
from .publisher import BusPublisher
from .sockets import DEFAULT_HWM, FramePuller, make_factory
from .topics import SEGMENT, matches
from .tree import Snapshot, StatusTree

SYNC_PREFIX = "bus.sync."
HEARTBEAT_TOPIC = "bus.heartbeat"
_log = Logger(namespace="rpymostat.bus")


def log_record(message: Message) -> dict[str, Any]:
    """A ``log.<service>`` message as ``GET /v1/logs`` shows it."""
    return {"service": message.topic[len("log."):], "source": message.source,
            "seq": message.seq, "ts": message.ts, **message.data}


def select_logs(records: Iterable[dict[str, Any]], service: str | None,
                limit: int) -> list[dict[str, Any]]:
    """The last ``limit`` records, only those of ``service`` (a mask) when given."""
    chosen = [r for r in records if service is None or matches(service, r["service"])]
    return chosen[-limit:]


class BusHub:
    """Runs the proxy and keeps the engine's tree; publish the engine's own updates here."""

    def __init__(self, reactor: IReactorTime, endpoints: ProxyEndpoints, source: str, *,
                 hwm: int = DEFAULT_HWM, log_keep: int = 500,
                 now: Callable[[], float] = time.time) -> None:
        self._reactor = reactor
        self._endpoints = endpoints
        self._source = source
        self._hwm = hwm
        self._now = now
        self.tree = StatusTree()
        self.logs: deque[dict[str, Any]] = deque(maxlen=log_keep)
        self.received = 0
        self.invalid = 0
        self._markers: dict[str, Deferred[None]] = {}
        self._listeners: list[Callable[[Message], Any]] = []
        self._proxy: ProxyThread | None = None
        self._control: zmq.Socket | None = None
        self.publisher: BusPublisher | None = None
        self.bound: ProxyEndpoints | None = None

    def start(self) -> None:
        """Bind the endpoints (raises ZMQError, e.g. address in use) and start forwarding."""
        self._factory = make_factory(self._reactor)
        try:
            self._proxy = ProxyThread(self._factory.context, self._endpoints, self._hwm)
        except zmq.ZMQError:
            self._factory.shutdown()
            raise
        self.bound = ProxyEndpoints(self._proxy.bound_pub, self._proxy.bound_sub)
        FramePuller(self._factory, INPROC_CAPTURE, self._captured, self._hwm)
        self._control = self._factory.context.socket(zmq.PAIR)
        self._control.setsockopt(zmq.LINGER, 0)
        self._control.connect(INPROC_CONTROL)
        self.publisher = BusPublisher(self._factory, self._source, hwm=self._hwm, now=self._now)
        self.publisher.connect(INPROC_IN)
        self._proxy.start()

    @defer.inlineCallbacks
    def stop(self) -> Any:
        """End forwarding, then close every socket and the context."""
        for marker in list(self._markers.values()):
            marker.cancel()
        if self._proxy is None or self._control is None:
            return
        self._control.send(b"TERMINATE")
        pool = self._reactor.getThreadPool()  # type: ignore[attr-defined]
        done = yield threads.deferToThreadPool(
            self._reactor, pool, self._proxy.join, 5.0)  # type: ignore[arg-type]
        self._control.close(0)
        if self.publisher is not None:
            self.publisher.disconnect()
        if done:
            self._factory.shutdown()
        else:
            _log.error("the bus proxy thread did not stop; leaving its context open")
        self._proxy = None

    def publish(self, topic: str, data: dict[str, Any]) -> Message:
        """Publish one of the engine's own updates through the proxy."""
        assert self.publisher is not None, "BusHub.start() first"
        return self.publisher.publish(topic, data)

    def listen(self, callback: Callable[[Message], Any]) -> None:
        """Call ``callback`` for every update applied to the tree (in the reactor thread)."""
        self._listeners.append(callback)

    def snapshot(self, mask: str = "") -> Snapshot:
        """The tree as it is now."""
        return self.tree.snapshot(mask)

    def synced_snapshot(self, mask: str, marker: str, timeout: float) -> Deferred[Snapshot]:
        """The tree under ``mask`` at the moment marker ``bus.sync.<marker>`` passed the proxy.

        Fails with TimeoutError (→ 503) if the marker does not come round in ``timeout``.
        """
        if not SEGMENT.fullmatch(marker):
            raise ValueError("marker must be one topic segment (letters, digits, _ ~ -)")
        waiting: Deferred[None] = Deferred()
        self._markers[marker] = waiting
        waiting.addTimeout(timeout, self._reactor)
        waiting.addBoth(self._forget_marker, marker)
        self.publish(SYNC_PREFIX + marker, {})
        return waiting.addCallback(lambda _: self.tree.snapshot(mask))

    def _forget_marker(self, result: Any, marker: str) -> Any:
        self._markers.pop(marker, None)
        return result

    def _captured(self, frame: bytes) -> None:
        if frame[:1] in (b"\x00", b"\x01"):
            return  # a subscription travelling upstream
        try:
            message = decode(frame)
        except MessageError as e:
            self.invalid += 1
            if self.invalid & (self.invalid - 1) == 0:  # 1st, 2nd, 4th, 8th...
                _log.warn("dropped {n} invalid bus message(s); latest: {why}", n=self.invalid,
                          why=str(e))
            return
        self.received += 1
        topic = message.topic
        if topic.startswith("bus."):  # control traffic (markers, heartbeats): not in the tree
            waiting = self._markers.get(topic.removeprefix(SYNC_PREFIX))
            if waiting is not None:
                waiting.callback(None)
            return
        if topic.startswith("log."):
            self.logs.append(log_record(message))
        self.tree.apply(message, owned=True)
        for callback in self._listeners:
            callback(message)

    def recent_logs(self, service: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """The latest log records (oldest first), optionally of one service."""
        return select_logs(self.logs, service, limit)

    def status(self) -> dict[str, Any]:
        """For ``/v1/status``."""
        bound = self.bound
        return {"pub": bound.pub if bound else None, "sub": bound.sub if bound else None,
                "received": self.received, "invalid": self.invalid,
                "topics": len(self.tree.seqs)}
