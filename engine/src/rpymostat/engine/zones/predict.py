"""Predictive start (Nest's Early-On, ecobee's Smart Recovery) and time-to-target (pure).

A scheduled rise of the heat setpoint (or fall of the cool setpoint) at time ``at`` is started
early enough that the zone is there *at* ``at``: the learnt rate (learn.py) says how long the
change takes from now's temperature; with ``MARGIN`` and ``SLACK_S`` on top, and never more
than the zone's ``max_head_start_s`` ahead, the zone runs to the coming setpoint from
``at − need`` on. Once an early start has begun it holds until ``at`` (a shrinking estimate
must not switch the heat off and on again); a change of the zone's rules re-plans it.

Without a model (too little history) the zone starts on time: the normal schedule.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .learn import MIN_SAMPLES, RateLearner, RateModel
from .model import Zone

MARGIN = 1.15
SLACK_S = 600.0


@dataclass(frozen=True)
class Change:
    """A scheduled target change: when (epoch s) and to what (°C), with its rule's name."""

    at: float
    target_c: float
    name: str = ""


@dataclass(frozen=True)
class EarlyStart:
    """The zone runs to ``setpoint`` ahead of ``change``; ``need_s`` was the estimate."""

    function: str
    change: Change
    setpoint: float
    need_s: float
    since: float

    def to_json(self, iso: Any) -> dict[str, Any]:
        """As the API shows it (``iso`` formats epoch seconds)."""
        return {"function": self.function, "for": iso(self.change.at),
                "target": self.change.target_c, "setpoint": self.setpoint,
                "need_s": round(self.need_s), "since": iso(self.since)}


def _coming(zone: Zone, function: str, target_c: float) -> float | None:
    heat_sp, cool_sp = zone.setpoints(target_c)
    return heat_sp if function == "heat" else cool_sp


def _gains(function: str, now_sp: float | None, coming: float | None, temp: float) -> bool:
    """The coming setpoint asks more of ``function`` than now's and than the room gives."""
    if coming is None:
        return False
    if function == "heat":
        return coming > temp and (now_sp is None or coming > now_sp)
    return coming < temp and (now_sp is None or coming < now_sp)


def need_seconds(model: RateModel, temp: float, setpoint: float, outdoor: float | None,
                 cap: float) -> float:
    """The head start the model asks for (``cap`` when it cannot say or says more)."""
    need = model.seconds_to(temp, setpoint, outdoor)
    return cap if need is None else min(cap, need * MARGIN + SLACK_S)


def early_start(zone: Zone, *, now: float, target_c: float, changes: Sequence[Change],
                temp: float | None, outdoor: float | None, learner: RateLearner,
                latched: EarlyStart | None) -> EarlyStart | None:
    """The early start in force now (None: follow the schedule as it is)."""
    cap = float(zone.max_head_start_s)
    if not zone.predictive_start or cap <= 0:
        return None
    if latched is not None and now < latched.change.at and latched.change in changes:
        return latched
    if temp is None:
        return None
    best: EarlyStart | None = None
    for function in ("heat", "cool"):
        model = learner.model(function)
        now_sp = _coming(zone, function, target_c)
        if model is None:
            continue
        for change in changes:
            ahead = change.at - now
            coming = _coming(zone, function, change.target_c)
            if not 0 < ahead <= cap or coming is None or not _gains(function, now_sp, coming,
                                                                     temp):
                continue
            need = need_seconds(model, temp, coming, outdoor, cap)
            if need >= ahead and (best is None or change.at < best.change.at):
                best = EarlyStart(function, change, coming, need, now)
    return best


def time_to_target(zone: Zone, *, temp: float | None, target_c: float, outdoor: float | None,
                   learner: RateLearner, tolerance: float = 0.3) -> dict[str, Any]:
    """Nest's time-to-temperature: how long until the zone reaches its setpoint, by the
    learnt rate. ``seconds`` is 0 when it is there, None when unknown or out of reach."""
    heat_sp, cool_sp = zone.setpoints(target_c)
    if temp is None:
        return {"seconds": None, "why": "no fresh reading"}
    for function, sp in (("heat", heat_sp), ("cool", cool_sp)):
        if sp is None or not _gains(function, None, sp, temp + (
                tolerance if function == "heat" else -tolerance)):
            continue
        model = learner.model(function)
        if model is None:
            return {"seconds": None, "function": function, "setpoint": sp,
                    "why": f"learning the {function}ing rate ({learner.samples(function)} of"
                           f" {MIN_SAMPLES} runs seen)"}
        seconds = model.seconds_to(temp, sp, outdoor)
        return {"seconds": None if seconds is None else round(seconds), "function": function,
                "setpoint": sp, "why": "out of reach at the learnt rate" if seconds is None
                else f"{model.rate(temp, outdoor):.1f} K/h at the learnt rate"}
    return _no_run(heat_sp, cool_sp, temp, tolerance)


def _no_run(heat_sp: float | None, cool_sp: float | None, temp: float, tolerance: float
            ) -> dict[str, Any]:
    """No output has to run to reach the setpoint: there, between the setpoints, or past it
    on the side this mode does not act on (it drifts back by itself)."""
    if heat_sp is None and cool_sp is None:
        return {"seconds": None, "why": "mode off: no setpoint"}
    if cool_sp is None and heat_sp is not None and temp > heat_sp + tolerance:
        return {"seconds": None, "setpoint": heat_sp,
                "why": f"above the heat setpoint ({temp:.1f} °C > {heat_sp:.1f} °C); this mode"
                       " does not cool, the zone drifts down by itself"}
    if heat_sp is None and cool_sp is not None and temp < cool_sp - tolerance:
        return {"seconds": None, "setpoint": cool_sp,
                "why": f"below the cool setpoint ({temp:.1f} °C < {cool_sp:.1f} °C); this mode"
                       " does not heat, the zone drifts up by itself"}
    if heat_sp is not None and cool_sp is not None and \
            heat_sp + tolerance < temp < cool_sp - tolerance:
        return {"seconds": 0, "why": f"between the setpoints ({heat_sp:.1f}–{cool_sp:.1f} °C)"}
    return {"seconds": 0, "why": "at the setpoint"}
