"""Getting every reading to the engine exactly once, in order, whatever the engine does.

A round's readings go straight to the engine when nothing is waiting. When the engine is not
known, does not answer or answers 5xx, they go to the disk queue, and so does every later round
while the queue holds anything (order is kept). The queue is replayed oldest first through the
batch route, ``batch_size`` at a time, with exponential back-off and jitter between failed
attempts; an engine that is found or answers again is tried at once. A batch the engine
rejects (4xx) is split until the bad reading is alone; that one is logged and dropped with the
engine's reason. The batch route is idempotent on (host, sensor, time), so a batch that was
stored but whose answer was lost is not stored twice when it is sent again.
"""

import random
from collections.abc import Callable
from datetime import datetime
from typing import Any

from twisted.internet.defer import Deferred, DeferredLock, ensureDeferred
from twisted.internet.interfaces import IDelayedCall
from twisted.logger import Logger

from rpymostat.shared.backoff import backoff_delay
from rpymostat.shared.clock import Clock, iso, utcnow

from .client import EngineClient, Outcome
from .diskqueue import DiskQueue, MemoryQueue

_log = Logger(namespace="rpymostat.sensor_agent")
Item = dict[str, Any]


class Forwarder:
    """Readings to the engine, through the disk queue when needed."""

    def __init__(self, clock: Clock, queue: DiskQueue | MemoryQueue, client: EngineClient,
                 engine_url: Callable[[], str | None], *, batch_size: int = 500,
                 first_retry: float = 1.0, max_retry: float = 60.0,
                 jitter: Callable[[], float] = random.random) -> None:
        self._clock = clock
        self._queue = queue
        self._client = client
        self._engine_url = engine_url
        self._batch_size = batch_size
        self._first_retry, self._max_retry = first_retry, max_retry
        self._jitter = jitter
        self._lock = DeferredLock()
        self._timer: IDelayedCall | None = None
        self._draining = False
        self._stopped = False
        self.failures = 0
        self.sent = 0
        self.rejected = 0
        self.last_attempt: datetime | None = None
        self.last_success: datetime | None = None
        self.last_outcome: Outcome | None = None
        self.last_rejection: str | None = None

    # -- entry points ----------------------------------------------------------------------

    def submit(self, items: list[Item]) -> Deferred[None]:
        """A round's readings (batch objects, in time order)."""
        return ensureDeferred(self._submit(items))

    def engine_changed(self, location: Any) -> None:
        """The engine was found, moved or answers again: try the queue now."""
        if location is not None:
            self.failures = 0
            self.kick()

    def kick(self) -> None:
        """Replay the queue now (unless a replay is already running)."""
        if self._timer is not None and self._timer.active():
            self._timer.cancel()
        self._timer = None
        if not self._draining and self._queue.length and not self._stopped:
            ensureDeferred(self._drain())

    def stop(self) -> Deferred[None]:
        """Cancel the retry timer and wait for the sends under way: a reading that was taken
        is either with the engine or in the queue when this fires."""
        self._stopped = True
        if self._timer is not None and self._timer.active():
            self._timer.cancel()
        self._timer = None
        d = self._lock.acquire()
        d.addCallback(lambda lock: lock.release())
        return d  # type: ignore[return-value]  # fires with None (release's result)

    # -- the work --------------------------------------------------------------------------

    async def _submit(self, items: list[Item]) -> None:
        async with self._lock:
            url = self._engine_url()
            if self._queue.length or url is None:
                await self._enqueue(items)
                self._drain_soon()
                return
            outcome = await self._deliver(url, items)
            if outcome.kind == "retry":
                await self._enqueue(items)
                self._retry_later()

    async def _enqueue(self, items: list[Item]) -> None:
        dropped = await self._queue.append(items)
        if dropped:
            _log.warn("the queue is full ({max} readings): dropped the {n} oldest",
                      max=self._queue.max_items, n=dropped)

    async def _drain(self) -> None:
        self._draining = True
        try:
            while self._queue.length and not self._stopped:
                url = self._engine_url()
                if url is None:
                    return  # engine_changed kicks us when it is found
                async with self._lock:
                    rows = [] if self._stopped else await self._queue.peek(self._batch_size)
                    if not rows:
                        return
                    outcome = await self._deliver(url, [item for _seq, item in rows])
                    if outcome.kind == "retry":
                        self._retry_later()
                        return
                    await self._queue.remove_through(rows[-1][0])
        finally:
            self._draining = False

    async def _deliver(self, url: str, items: list[Item]) -> Outcome:
        """Send ``items``; on a rejection, split to drop only the bad readings. Returns
        ``retry`` if any part must be retried (the engine ignores what it already has)."""
        self.last_attempt = utcnow(self._clock)
        outcome = await self._client.send(url, items)
        self.last_outcome = outcome
        if outcome.kind == "ok":
            self.sent += len(items)
            self.failures = 0
            self.last_success = self.last_attempt
            return outcome
        if outcome.kind == "retry":
            self.failures += 1
            _log.info("engine did not take {n} readings ({why}); will retry", n=len(items),
                      why=outcome.message)
            return outcome
        if len(items) == 1:
            self.rejected += 1
            self.last_rejection = f"{items[0].get('sensor_id')}: {outcome.message}"
            _log.warn("engine rejected a reading of {sensor} at {ts}, dropped: {why}",
                      sensor=items[0].get("sensor_id"), ts=items[0].get("timestamp"),
                      why=outcome.message)
            return Outcome("ok", outcome.status, "dropped a rejected reading")
        middle = len(items) // 2
        first = await self._deliver(url, items[:middle])
        if first.kind == "retry":
            return first
        return await self._deliver(url, items[middle:])

    def _drain_soon(self) -> None:
        """Start a replay unless one runs or a back-off timer is pending."""
        if not (self._timer is not None and self._timer.active()):
            self.kick()

    def _retry_later(self) -> None:
        if self._timer is not None and self._timer.active():
            return
        delay = self.retry_delay()
        self._timer = self._clock.callLater(delay, self.kick)

    def retry_delay(self) -> float:
        """Exponential in the failures in a row, capped, with jitter (50–100 %)."""
        return backoff_delay(self.failures, self._first_retry, self._max_retry, self._jitter)

    def status(self) -> dict[str, Any]:
        """For ``GET /v1/status`` and the bus."""
        outcome = self.last_outcome
        return {
            "queue": self._queue.length, "queue_max": self._queue.max_items,
            "queue_dropped": self._queue.dropped, "sent": self.sent, "rejected": self.rejected,
            "last_rejection": self.last_rejection,
            "last_attempt": _iso(self.last_attempt), "last_success": _iso(self.last_success),
            "last_result": outcome.message if outcome else None,
            "failures_in_a_row": self.failures,
            "retry_in": (round(self._timer.getTime() - self._clock.seconds(), 3)
                         if self._timer is not None and self._timer.active() else None),
        }


def _iso(ts: datetime | None) -> str | None:
    return iso(ts) if ts is not None else None
