"""Reading rounds: every ``interval`` seconds each plugin reads its sensors, within a time
limit; each reading is stamped with the time it was taken and handed to the sink.

A plugin that fails or does not answer in time makes each of its known sensors report
``None`` with the reason: a sensor never silently disappears from the stream.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from twisted.application.service import Service
from twisted.internet import defer, task
from twisted.internet.defer import Deferred
from twisted.logger import Logger
from twisted.python.failure import Failure

from rpymostat.shared.clock import Clock, iso, utcnow

from .plugin import SensorReader, SensorValue

_log = Logger(namespace="rpymostat.sensor_agent")


@dataclass(frozen=True, slots=True)
class Taken:
    """One reading with the time it was taken and the plugin that took it."""

    plugin: str
    sensor: SensorValue
    timestamp: datetime

    def batch_item(self) -> dict[str, Any]:
        """The engine's batch reading object (the reason of a failed read goes in ``extra``)."""
        s = self.sensor
        item: dict[str, Any] = {"sensor_id": s.sensor_id, "timestamp": iso(self.timestamp),
                                "value": s.value, "type": s.type}
        if s.alias:
            item["alias"] = s.alias
        if s.error:
            item["extra"] = f"error: {s.error}"[:1024]
        return item

    def to_json(self, now: datetime) -> dict[str, Any]:
        """For ``GET /v1/readings``: the reading, its age and its error."""
        return {**self.batch_item(), "plugin": self.plugin, "error": self.sensor.error,
                "age_s": round((now - self.timestamp).total_seconds(), 3)}


class Rounds(Service):
    """Runs a reading round every ``interval`` seconds on ``clock``."""

    def __init__(self, clock: Clock, readers: dict[str, SensorReader], interval: float,
                 timeout: float, sink: Callable[[list[Taken]], Any]) -> None:
        self._clock = clock
        self._readers = readers
        self._timeout = timeout
        self._sink = sink
        self.interval = interval
        self.latest: dict[str, Taken] = {}
        self.plugin_errors: dict[str, str | None] = dict.fromkeys(readers)
        self._known: dict[str, dict[str, SensorValue]] = {name: {} for name in readers}
        self.rounds = 0
        self._loop = task.LoopingCall(self.round)
        self._loop.clock = clock  # type: ignore[assignment]

    def startService(self) -> None:
        """First round now, then every ``interval``."""
        super().startService()
        self._loop.start(self.interval, now=True).addErrback(
            lambda f: _log.failure("reading rounds stopped", f))

    def stopService(self) -> Any:
        """No further rounds."""
        super().stopService()
        if self._loop.running:
            self._loop.stop()

    def round(self) -> Deferred[list[Taken]]:
        """Read every plugin at once; the sink gets this round's readings in a fixed order."""
        return defer.ensureDeferred(self._round())

    async def _round(self) -> list[Taken]:
        lists = await defer.gatherResults(
            [defer.ensureDeferred(self._read(name)) for name in self._readers])
        return self._done([t for taken in lists for t in taken])

    async def _read(self, name: str) -> list[Taken]:
        d = defer.maybeDeferred(self._readers[name].read)
        d.addTimeout(self._timeout, self._clock)  # type: ignore[arg-type]
        try:
            values = await d
        except Exception:
            return self._failed(name, Failure())
        return self._took(name, values)

    def _took(self, name: str, values: list[SensorValue]) -> list[Taken]:
        now = utcnow(self._clock)
        self.plugin_errors[name] = None
        self._known[name].update((v.sensor_id, v) for v in values)
        return [Taken(name, v, now) for v in values]

    def _failed(self, name: str, failure: Failure) -> list[Taken]:
        reason = (f"no answer within {self._timeout:g} s"
                  if failure.check(defer.TimeoutError)
                  else f"{type(failure.value).__name__}: {failure.getErrorMessage()}")
        if self.plugin_errors.get(name) != reason:
            _log.warn("sensor class {name} failed: {reason}", name=name, reason=reason)
        self.plugin_errors[name] = reason
        now = utcnow(self._clock)
        return [Taken(name, SensorValue(s.sensor_id, None, s.type, s.alias, error=reason), now)
                for s in self._known[name].values()]

    def _done(self, taken: list[Taken]) -> list[Taken]:
        self.rounds += 1
        for t in taken:
            self.latest[t.sensor.sensor_id] = t
        if taken:
            self._sink(taken)
        return taken

    def status(self) -> dict[str, Any]:
        """For ``GET /v1/status``: sensors, their errors, the plugins' errors."""
        return {
            "interval": self.interval, "rounds": self.rounds,
            "sensors": len(self.latest),
            "sensor_errors": {sid: t.sensor.error for sid, t in sorted(self.latest.items())
                              if t.sensor.error},
            "plugin_errors": {k: v for k, v in self.plugin_errors.items() if v},
            "last_round": iso(max(t.timestamp for t in self.latest.values()))
            if self.latest else None,
        }
