"""The time source every component takes by injection (the reactor, or task.Clock in tests)."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from twisted.internet.interfaces import IDelayedCall


class Clock(Protocol):
    """What we use of IReactorTime; the reactor and twisted.internet.task.Clock both fit."""

    def seconds(self) -> float:
        """Now, in seconds since the epoch."""

    def callLater(self, delay: float, callable: Callable[..., Any], *args: Any,
                  **kw: Any) -> IDelayedCall:
        """Run ``callable`` after ``delay`` seconds."""


def utcnow(clock: Clock) -> datetime:
    """The clock's now as an aware UTC datetime."""
    return datetime.fromtimestamp(clock.seconds(), UTC)


def iso(ts: datetime) -> str:
    """UTC ISO 8601 with a ``Z``, as every API writes times."""
    return ts.astimezone(UTC).isoformat().replace("+00:00", "Z")


def iso_seconds(seconds: float | None) -> str | None:
    """Epoch seconds as :func:`iso` (None stays None)."""
    return None if seconds is None else iso(datetime.fromtimestamp(seconds, UTC))
