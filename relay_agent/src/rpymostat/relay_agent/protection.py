"""Output protection, fail safe by construction (pure logic on injected time).

Each output has a minimum on time, a minimum off time and a maximum number of starts per
hour, timed from its last *real* transition. Outputs in an interlock group (heat and cool)
are never on together. :meth:`Guard.check` says whether a command is allowed now and, if
not, why and how long until it would be (the API answers 409 with that; commands are never
queued). :meth:`Guard.force` is for the safe state: it overrides the timers but is recorded,
so the timers stay true afterwards.
"""

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

HOUR = 3600.0


@dataclass(frozen=True)
class Protection:
    """Timers of one output, in seconds; ``max_starts_per_hour`` 0 means no limit."""

    min_on: float = 0.0
    min_off: float = 0.0
    max_starts_per_hour: int = 0


COMPRESSOR = Protection(min_on=0.0, min_off=300.0)  # like thermostat compressor protection


@dataclass(frozen=True)
class Verdict:
    """Whether a command may run now; if not, the reason and seconds until it may (None when
    waiting would not help, e.g. an interlocked output is on)."""

    allowed: bool
    reason: str = ""
    retry_after: float | None = None


ALLOWED = Verdict(True)


@dataclass
class OutputState:
    """One output's state and history: the last real transition and recent starts."""

    on: bool
    protection: Protection
    last_change: float | None = None  # None: no transition known (no timer runs)
    starts: deque[float] = field(default_factory=deque)

    def _forget_old_starts(self, now: float) -> None:
        while self.starts and self.starts[0] <= now - HOUR:
            self.starts.popleft()

    def timer_verdict(self, on: bool, now: float) -> Verdict:
        """The output's own timers for switching to ``on``."""
        if on == self.on:
            return ALLOWED
        p = self.protection
        since = None if self.last_change is None else now - self.last_change
        if on:
            if since is not None and since < p.min_off:
                return Verdict(False, f"minimum off time {p.min_off:g} s", p.min_off - since)
            self._forget_old_starts(now)
            if p.max_starts_per_hour and len(self.starts) >= p.max_starts_per_hour:
                wait = self.starts[0] + HOUR - now
                return Verdict(False, f"at most {p.max_starts_per_hour} starts per hour", wait)
            return ALLOWED
        if since is not None and since < p.min_on:
            return Verdict(False, f"minimum on time {p.min_on:g} s", p.min_on - since)
        return ALLOWED

    def record(self, on: bool, now: float) -> None:
        """A real transition happened at ``now``."""
        if on == self.on:
            return
        self.on = on
        self.last_change = now
        if on:
            self._forget_old_starts(now)
            self.starts.append(now)


class Guard:
    """The protections of every output of an agent, and its interlock groups."""

    def __init__(self, outputs: dict[str, OutputState],
                 interlocks: Iterable[Iterable[str]] = ()) -> None:
        self.outputs = outputs
        self._groups = [frozenset(group) for group in interlocks]
        for group in self._groups:
            unknown = group - set(outputs)
            if unknown:
                raise ValueError(f"interlock names unknown output(s): {', '.join(sorted(unknown))}")

    def check(self, output: str, on: bool, now: float) -> Verdict:
        """May ``output`` be switched to ``on`` at ``now``?"""
        state = self.outputs[output]
        if on and not state.on:
            for group in self._groups:
                if output in group:
                    busy = sorted(o for o in group - {output} if self.outputs[o].on)
                    if busy:
                        return Verdict(False, f"interlocked with {', '.join(busy)}, which is on")
        return state.timer_verdict(on, now)

    def apply(self, output: str, on: bool, now: float) -> Verdict:
        """Check, and record the transition when allowed."""
        verdict = self.check(output, on, now)
        if verdict.allowed:
            self.outputs[output].record(on, now)
        return verdict

    def force(self, output: str, on: bool, now: float) -> None:
        """The safe state: switch regardless of timers (never into an interlock conflict)."""
        if on:
            for group in self._groups:
                if output in group and any(self.outputs[o].on for o in group - {output}):
                    raise ValueError(f"safe state would turn {output} on beside an interlocked"
                                     " output")
        self.outputs[output].record(on, now)
