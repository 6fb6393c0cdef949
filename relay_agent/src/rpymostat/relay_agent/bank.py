"""The agent's outputs: drivers, protections and state, switched one command at a time.

- :meth:`RelayBank.start` drives every output to its safe state before anything else; only
  ``cool`` (compressor) outputs then wait their minimum off time (a restart may have just
  stopped the compressor).
- :meth:`RelayBank.command` switches an output when its protections allow; otherwise it
  returns the refusal (the API answers 409) — a command is never queued.
- :meth:`RelayBank.safe_all` is the watchdog's: the safe state overrides the timers.

Commands run one at a time (a lock), so a check and its switch can never interleave with
another command. Every change is published as ``relay.<host>.<output>``.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from twisted.internet.defer import DeferredLock
from twisted.logger import Logger

from rpymostat.shared.clock import Clock, iso_seconds

from .outputs import OutputDriver
from .protection import ALLOWED, Guard, OutputState, Verdict
from .spec import OutputSpec

_log = Logger(namespace="rpymostat.relay_agent")
Publish = Callable[[str, dict[str, Any]], None]


class UnknownOutput(KeyError):
    """No output has that id."""


class OutputFault(Exception):
    """The driver failed: the output's real state is not known."""


@dataclass
class Output:
    """One output: what it is, its driver, and what happened to it last."""

    spec: OutputSpec
    driver: OutputDriver
    since: float | None = None  # wall time of the last change we made (for people)
    reason: str = ""
    fault: str | None = None


def state_word(on: bool) -> str:
    """``on`` / ``off``."""
    return "on" if on else "off"


class RelayBank:
    """Every output of the agent."""

    def __init__(self, clock: Clock, outputs: dict[str, Output],
                 interlocks: tuple[tuple[str, ...], ...], publish: Publish,
                 driver_timeout: float = 5.0) -> None:
        self._clock = clock
        self.outputs = outputs
        self.guard = Guard({oid: OutputState(o.spec.safe_on, o.spec.protection)
                            for oid, o in outputs.items()}, interlocks)
        self._interlocks = interlocks
        self._publish = publish
        self._timeout = driver_timeout
        self._lock = DeferredLock()
        self.changes = 0

    def _output(self, oid: str) -> Output:
        try:
            return self.outputs[oid]
        except KeyError:
            raise UnknownOutput(oid) from None

    async def _drive(self, output: Output, on: bool, opening: bool = False) -> None:
        action = output.driver.open if opening else output.driver.set
        d = action(on)
        d.addTimeout(self._timeout, self._clock)  # type: ignore[arg-type]
        try:
            await d
        except Exception as e:
            output.fault = f"{output.driver.where}: {e}" if str(e) else repr(e)
            _log.error("output {id}: {fault}", id=output.spec.id, fault=output.fault)
            raise OutputFault(output.fault) from None
        output.fault = None

    def _changed(self, output: Output, reason: str) -> None:
        output.since = self._clock.seconds()
        output.reason = reason
        self.changes += 1
        self._publish(output.spec.id, self.describe(output.spec.id))

    async def start(self) -> None:
        """Drive each output to its safe state (a failure leaves it faulted, not running).

        Holds the command lock meanwhile: a command that arrives during start waits for it.
        """
        await self._lock.acquire()
        try:
            await self._start()
        finally:
            self._lock.release()

    async def _start(self) -> None:
        now = self._clock.seconds()
        for oid, output in self.outputs.items():
            try:
                await self._drive(output, output.spec.safe_on, opening=True)
            except OutputFault:
                continue
            state = self.guard.outputs[oid]
            state.on = output.spec.safe_on
            state.last_change = now if output.spec.function == "cool" else None
            self._changed(output, "start: safe state")

    async def stop(self) -> None:
        """Release the lines (they keep their levels)."""
        for output in self.outputs.values():
            try:
                await output.driver.close()
            except Exception as e:
                _log.warn("output {id}: release failed: {e}", id=output.spec.id, e=e)

    async def command(self, oid: str, on: bool, source: str = "command") -> Verdict:
        """Switch ``oid`` to ``on`` if the protections allow it now; the verdict says."""
        output = self._output(oid)
        await self._lock.acquire()
        try:
            verdict = self.guard.check(oid, on, self._clock.seconds())
            if not verdict.allowed:
                return verdict
            if on == self.guard.outputs[oid].on and output.fault is None:
                return ALLOWED
            await self._drive(output, on)
            self.guard.outputs[oid].record(on, self._clock.seconds())
            self._changed(output, source)
            return ALLOWED
        finally:
            self._lock.release()

    async def safe_all(self, reason: str) -> int:
        """Every output to its safe state now, timers overridden; returns how many changed.

        Outputs going off are switched first, so a safe-on output never meets an interlocked
        one still on.
        """
        await self._lock.acquire()
        changed = 0
        try:
            order = sorted(self.outputs.values(), key=lambda o: o.spec.safe_on)
            for output in order:
                oid, safe = output.spec.id, output.spec.safe_on
                if self.guard.outputs[oid].on == safe and output.fault is None:
                    continue
                try:
                    await self._drive(output, safe)
                except OutputFault:
                    continue
                self.guard.force(oid, safe, self._clock.seconds())
                self._changed(output, reason)
                changed += 1
        finally:
            self._lock.release()
        return changed

    def describe(self, oid: str) -> dict[str, Any]:
        """One output as the API and the bus show it, with its protection timers now."""
        output = self._output(oid)
        spec, state = output.spec, self.guard.outputs[oid]
        now = self._clock.seconds()
        other = self.guard.check(oid, not state.on, now)
        wait = 0.0 if other.allowed else other.retry_after
        return {
            "id": oid, "function": spec.function, "state": state_word(state.on),
            "safe_state": state_word(spec.safe_on), "class": spec.cls,
            "where": output.driver.where, "active_low": spec.active_low,
            "since": iso_seconds(output.since),
            "reason": output.reason, "fault": output.fault,
            "protection": {"min_on_s": spec.protection.min_on,
                           "min_off_s": spec.protection.min_off,
                           "max_starts_per_hour": spec.protection.max_starts_per_hour},
            "timers": {
                # seconds until the opposite switch is allowed (0: now; null: not by waiting)
                "switch_allowed_in_s": None if wait is None else round(max(0.0, wait), 3),
                "blocked_by": None if other.allowed else other.reason,
                "starts_last_hour": sum(1 for t in state.starts if t > now - 3600.0)},
        }

    def describe_all(self) -> list[dict[str, Any]]:
        """Every output, by id."""
        return [self.describe(oid) for oid in sorted(self.outputs)]

