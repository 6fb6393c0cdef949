"""Time limits for many short calls on one timer.

``Deferred.addTimeout`` schedules and cancels a reactor timer per call: under an ingest flood
that is two heap operations and a cancelled ``DelayedCall`` per request. Every call watched by
one :class:`Deadlines` has the same limit, so their deadlines come in the order the calls
started: a deque and one timer do. A call still running ``timeout`` seconds after it started
is cancelled (its Deferred fails with ``CancelledError``) within ``resolution`` seconds after
that: the limit is ``timeout`` to ``timeout + resolution``.
"""

from collections import deque
from typing import Any, TypeVar

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall

from .clock import Clock

T = TypeVar("T")


class Deadlines:
    """Cancels each watched Deferred that has not fired ``timeout`` s after :meth:`watch`."""

    def __init__(self, clock: Clock, timeout: float, resolution: float = 0.25) -> None:
        self._clock = clock
        self.timeout = timeout
        self._resolution = resolution
        self._pending: deque[tuple[float, Deferred[Any]]] = deque()
        self._timer: IDelayedCall | None = None

    def watch(self, d: Deferred[T]) -> Deferred[T]:
        """Give ``d`` the time limit; returns ``d``."""
        if not d.called:
            self._pending.append((self._clock.seconds() + self.timeout, d))
            if self._timer is None:
                self._timer = self._clock.callLater(self.timeout + self._resolution,
                                                    self._sweep)
        return d

    def _sweep(self) -> None:
        self._timer = None
        now = self._clock.seconds()
        pending = self._pending
        while pending and (pending[0][1].called or pending[0][0] <= now):
            _deadline, d = pending.popleft()
            if not d.called:
                d.cancel()
        if pending:
            delay = max(pending[0][0] - now, 0.0) + self._resolution
            self._timer = self._clock.callLater(delay, self._sweep)

    def __len__(self) -> int:
        """Calls watched and not yet known to have fired (for tests)."""
        return sum(1 for _deadline, d in self._pending if not d.called)
