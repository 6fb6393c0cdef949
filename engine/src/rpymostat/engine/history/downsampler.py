"""The downsampler: a service that asks the store for incremental downsampling passes.

Each pass runs in the store (SQLite: one writer job, one transaction, see
``store.sqlite_tiers``); while a pass says more work waits (a backlog after an upgrade or a
long stop), the next one is asked for at once, else after ``interval`` seconds. Time comes
from the injected clock, so tests drive it with ``task.Clock``.
"""

from collections.abc import Callable
from typing import Any

from twisted.application.service import Service
from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IDelayedCall
from twisted.logger import Logger

from rpymostat.shared.clock import Clock, utcnow

from ..store import Store
from ..store.sqlite_tiers import Retention

_log = Logger(namespace="rpymostat.engine.history")


class DownsampleService(Service):
    """Runs passes one after another, never two at once."""

    def __init__(self, clock: Clock, store: Store, keep: Retention, interval: float = 60.0,
                 ready: Callable[[], Deferred[Any]] = lambda: succeed(None)) -> None:
        self._clock = clock
        self._store = store
        self._keep = keep
        self._interval = interval
        self._ready = ready
        self._call: IDelayedCall | None = None
        self._running: Deferred[Any] | None = None
        self.passes = 0

    def startService(self) -> None:
        """Start once the store is open."""
        super().startService()
        self._ready().addCallback(lambda _: self._schedule(0))

    def _schedule(self, delay: float) -> None:
        if self.running:
            self._call = self._clock.callLater(delay, self._run)  # type: ignore[attr-defined]

    def _run(self) -> None:
        self._call = None
        d = self._store.downsample(utcnow(self._clock), self._keep)
        self._running = d
        d.addCallbacks(self._done, self._failed)

    def _done(self, more: bool) -> None:
        self._running = None
        self.passes += 1
        self._schedule(0 if more else self._interval)

    def _failed(self, failure: Any) -> None:
        self._running = None
        _log.failure("downsampling pass failed; retrying in {s} s", failure, s=self._interval)
        self._schedule(self._interval)

    def stopService(self) -> Deferred[None]:  # type: ignore[override]
        """Cancel the next pass; wait for one that runs."""
        super().stopService()
        if self._call is not None and self._call.active():
            self._call.cancel()
        self._call = None
        running = self._running
        if running is None:
            return succeed(None)
        waiter: Deferred[None] = Deferred()

        def release(result: Any) -> Any:
            waiter.callback(None)
            return result

        running.addBoth(release)
        return waiter
