"""How late a zone's emitter answers: learnt from its own history (pure; time comes in).

A radiator answers in minutes; an underfloor screed or a heavy radiator circuit in hours: the
room keeps warming after the heat is switched off (the emitter gives up what it stored) and
keeps cooling after it is switched on (the emitter must warm first). Seen from the room this is
a second, fast time constant beside the house's slow one. Rather than fit both, the learner
measures what a decider needs from them, per function, after every switch:

- ``coast``: after a run of at least ``MIN_RUN_S`` stops, how far the zone still goes the
  run's way (heat: rises) before it turns — the peak of the smoothed reading within
  ``WATCH_S``, minus the reading at the switch;
- ``dip``: after a rest of at least ``MIN_RUN_S`` ends, how far the zone still goes the other
  way before the output's effect shows.

Samples are smoothed (the mean of the last ``SMOOTH`` readings, so 0.1 °C steps and noise do
not count as a turn) and averaged with weight ``ALPHA`` on the newest. With ``MIN_SAMPLES``
samples, :meth:`LagLearner.proposal` says whether the emitter is slow (coast or dip of
``SLOW_K`` or more), which the engine's proposal (propose.py) reports. Using coast and dip to
switch early (a heat anticipator) was measured on seeds 1–4 and not kept: it narrows the
hysteresis band, and starts per hour rose 1.3–4× on the masonry and underfloor houses.
"""

from collections import deque
from dataclasses import dataclass, field
from typing import Any

MIN_RUN_S = 600.0
WATCH_S = 4 * 3600.0
SMOOTH = 5
TURN_K = 0.15  # a smoothed turn of this much ends the watch
ALPHA = 0.2
MIN_SAMPLES = 3
SLOW_K = 0.25
FUNCTIONS = ("heat", "cool")


@dataclass
class _Watch:
    """A switch being watched: what kind, when, the smoothed reading then, and the extreme
    since (in the direction being watched)."""

    kind: str  # "coast" or "dip"
    since: float
    start: float
    extreme: float


@dataclass
class _Mean:
    """An exponentially weighted mean of samples (None until the first)."""

    value: float | None = None
    n: int = 0

    def add(self, x: float) -> None:
        self.value = x if self.value is None else (1 - ALPHA) * self.value + ALPHA * x
        self.n += 1


@dataclass
class _Function:
    """One function's learning state."""

    on: bool | None = None
    since: float | None = None
    watch: _Watch | None = None
    coast: _Mean = field(default_factory=_Mean)
    dip: _Mean = field(default_factory=_Mean)


class LagLearner:
    """One zone's coast and dip, per function."""

    def __init__(self) -> None:
        self.functions = {f: _Function() for f in FUNCTIONS}
        self._recent: deque[float] = deque(maxlen=SMOOTH)

    def observe(self, now: float, temp: float | None, *, heating: bool, cooling: bool) -> None:
        """One reading, with the outputs as they were since the previous one."""
        if temp is None:
            self._recent.clear()
            for state in self.functions.values():
                state.watch = None
            return
        self._recent.append(temp)
        smooth = sum(self._recent) / len(self._recent)
        for function, running in (("heat", heating), ("cool", cooling)):
            self._step(function, running, now, smooth)

    def _step(self, function: str, running: bool, now: float, smooth: float) -> None:
        state = self.functions[function]
        sign = 1.0 if function == "heat" else -1.0  # the run's way
        if state.on is not None and running != state.on:
            long_enough = state.since is not None and now - state.since >= MIN_RUN_S
            state.watch = _Watch("coast" if state.on else "dip", now, smooth, smooth) \
                if long_enough and len(self._recent) == SMOOTH else None
            state.since = now
        elif state.on is None:
            state.since = now
        state.on = running
        watch = state.watch
        if watch is None:
            return
        way = sign if watch.kind == "coast" else -sign  # the direction the lag carries it
        if way * (smooth - watch.extreme) > 0:
            watch.extreme = smooth
        turned = way * (watch.extreme - smooth) >= TURN_K
        if turned or now - watch.since >= WATCH_S:
            (state.coast if watch.kind == "coast" else state.dip).add(
                max(0.0, way * (watch.extreme - watch.start)))
            state.watch = None

    def learnt(self, function: str) -> tuple[float, float] | None:
        """(coast, dip) in K for ``function``; None while learning."""
        state = self.functions[function]
        if state.coast.n < MIN_SAMPLES or state.dip.n < MIN_SAMPLES:
            return None
        return state.coast.value or 0.0, state.dip.value or 0.0

    def proposal(self, function: str) -> dict[str, Any]:
        """The decider the engine proposes for ``function`` from what it learnt."""
        state = self.functions[function]
        if state.coast.n < MIN_SAMPLES or state.dip.n < MIN_SAMPLES:
            return {"decider": None, "learning": True, "samples": min(state.coast.n,
                                                                        state.dip.n),
                    "why": f"learning how late the {function} answers"
                           f" ({min(state.coast.n, state.dip.n)} of {MIN_SAMPLES} runs seen)"}
        coast, dip = self.learnt(function) or (0.0, 0.0)
        slow = max(coast, dip) >= SLOW_K
        return {"learning": False, "coast_k": round(coast, 2), "dip_k": round(dip, 2),
                "emitter": "slow" if slow else "fast",
                "why": (f"the room goes on {coast:.1f} K after the {function} stops and"
                        f" {dip:.1f} K the other way after it starts: a"
                        f" {'slow' if slow else 'fast'} emitter")}

    def to_json(self) -> dict[str, Any]:
        """As the zone's state shows it."""
        return {f: {"coast_k": None if s.coast.value is None else round(s.coast.value, 3),
                    "dip_k": None if s.dip.value is None else round(s.dip.value, 3),
                    "samples": min(s.coast.n, s.dip.n)} for f, s in self.functions.items()}
