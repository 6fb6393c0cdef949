"""Time limits for many short calls on one timer.

``Deferred.addTimeout`` schedules and cancels a reactor timer per call: under an ingest flood
that is two heap operations and a cancelled ``DelayedCall`` per request. Every call watched by
one :class:`Deadlines` has the same limit, so their deadlines come in the order the calls
started: a deque and one timer do. A call still running ``timeout`` seconds after it started
is cancelled within ``resolution`` seconds after that (the limit is ``timeout`` to
``timeout + resolution``) and its Deferred fails with ``defer.TimeoutError``, as with
``addTimeout``; a call its owner cancels still fails with ``CancelledError``.
"""

from collections import deque
from typing import Any, TypeVar

from twisted.internet import defer
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall
from twisted.python.failure import Failure

from .clock import Clock

T = TypeVar("T")


class Deadlines:
    """Cancels each watched Deferred that has not fired ``timeout`` s after :meth:`watch`."""

    def __init__(self, clock: Clock, timeout: float, resolution: float = 0.25) -> None:
        self._clock = clock
        self.timeout = timeout
        self._resolution = resolution
        self._pending: deque[_Watch] = deque()
        self._timer: IDelayedCall | None = None

    def watch(self, d: Deferred[T]) -> Deferred[T]:
        """Give ``d`` the time limit; returns ``d``."""
        if not d.called:
            watch = _Watch(self._clock.seconds() + self.timeout, d)
            d.addErrback(watch.translate, self.timeout)
            self._pending.append(watch)
            if self._timer is None:
                self._timer = self._clock.callLater(self.timeout + self._resolution,
                                                    self._sweep)
        return d

    def _sweep(self) -> None:
        self._timer = None
        now = self._clock.seconds()
        pending = self._pending
        while pending and (pending[0].d.called or pending[0].deadline <= now):
            watch = pending.popleft()
            if not watch.d.called:
                watch.expired = True
                watch.d.cancel()
        if pending:
            delay = max(pending[0].deadline - now, 0.0) + self._resolution
            self._timer = self._clock.callLater(delay, self._sweep)

    def __len__(self) -> int:
        """Calls watched and not yet known to have fired (for tests)."""
        return sum(1 for watch in self._pending if not watch.d.called)


class _Watch:
    """One watched call: its deadline, and whether the sweeper cut it off."""

    __slots__ = ("d", "deadline", "expired")

    def __init__(self, deadline: float, d: Deferred[Any]) -> None:
        self.deadline = deadline
        self.d = d
        self.expired = False

    def translate(self, failure: Failure, timeout: float) -> Failure:
        """The sweeper's cancellation becomes a TimeoutError; any other failure stays."""
        if self.expired and failure.check(defer.CancelledError):
            raise defer.TimeoutError(f"no answer within {timeout:g} s")
        return failure
