"""The agent's watchdog: if the engine is not heard for ``period`` seconds, fire.

Every authenticated command or heartbeat calls :meth:`Watchdog.kick`. The watchdog runs from
the agent's start (the outputs are in their safe state then anyway), fires once per silence
and is re-armed by the next kick.
"""

from collections.abc import Callable
from typing import Any

from twisted.internet.interfaces import IDelayedCall
from twisted.logger import Logger

from rpymostat.shared.clock import Clock, iso_seconds

_log = Logger(namespace="rpymostat.relay_agent")


class Watchdog:
    """Calls ``on_expire()`` after ``period`` seconds without a kick."""

    def __init__(self, clock: Clock, period: float, on_expire: Callable[[], Any]) -> None:
        self._clock = clock
        self.period = period
        self._on_expire = on_expire
        self._call: IDelayedCall | None = None
        self.last_heard: float | None = None
        self.tripped_at: float | None = None
        self.trips = 0

    @property
    def tripped(self) -> bool:
        """Fired, and not heard since."""
        return self.tripped_at is not None

    def start(self) -> None:
        """Arm."""
        self._arm()

    def stop(self) -> None:
        """Disarm."""
        if self._call is not None and self._call.active():
            self._call.cancel()
        self._call = None

    def _arm(self) -> None:
        self.stop()
        self._call = self._clock.callLater(self.period, self._fire)

    def kick(self) -> None:
        """The engine was heard: re-arm (and clear a trip)."""
        self.last_heard = self._clock.seconds()
        if self.tripped_at is not None:
            _log.info("the engine is heard again after the watchdog fired")
            self.tripped_at = None
        self._arm()

    def _fire(self) -> None:
        self._call = None
        self.tripped_at = self._clock.seconds()
        self.trips += 1
        _log.warn("watchdog: nothing heard from the engine for {period:g} s; outputs go to"
                  " their safe state", period=self.period)
        self._on_expire()

    def status(self) -> dict[str, Any]:
        """For the API and the bus."""
        left = None
        if self._call is not None and self._call.active():
            left = round(max(0.0, self._call.getTime() - self._clock.seconds()), 3)
        return {"period_s": self.period, "tripped": self.tripped, "trips": self.trips,
                "last_heard": iso_seconds(self.last_heard),
                "tripped_at": iso_seconds(self.tripped_at),
                "fires_in_s": left}

