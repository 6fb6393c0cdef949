"""One zone's turn (pure): learn from the last interval, plan an early start, decide.

The decision loop (control.py) and the control-quality benchmark (bench/control_quality.py)
both run exactly this; only where the readings come from and where the commands go differ.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..schedule.resolve import Segment
from .decide import SafetyMemory, ZoneReading, ZoneVerdict, decide_zone
from .deciders.base import Decider, OutputState, Verdict
from .lag import LagLearner
from .learn import RateLearner
from .model import Zone
from .predict import Change, EarlyStart, early_start
from .window import WindowDetector


@dataclass
class ZoneMind:
    """What a zone remembers between turns."""

    decider: Decider
    memory: SafetyMemory = field(default_factory=SafetyMemory)
    learner: RateLearner = field(default_factory=RateLearner)
    early: EarlyStart | None = None
    lag: LagLearner = field(default_factory=LagLearner)
    window: WindowDetector | None = None  # open-window detection (None: off)


@dataclass(frozen=True)
class Turn:
    """A turn's outcome: the verdict, the schedule's target now, the early start (if any) and
    whether the learner took a sample (worth storing)."""

    zv: ZoneVerdict
    target_c: float
    early: EarlyStart | None
    learnt: bool


def changes(zone: Zone, segments: Sequence[Segment]) -> list[Change]:
    """The target changes after the first segment of a plan."""
    return [Change(seg.start.timestamp(), zone.celsius(seg.rule.target), seg.rule.name)
            for seg in segments[1:]]


def horizon_s(zone: Zone) -> float:
    """How far ahead a turn needs the plan (the head-start cap, when predictive start is on)."""
    return zone.max_head_start_s if zone.predictive_start else 0.0


def turn(zone: Zone, mind: ZoneMind, *, now: float, plan: Sequence[Segment],
         reading: ZoneReading, heat: OutputState, cool: OutputState) -> Turn:
    """Decide ``zone`` at ``now``. ``plan`` starts at now and covers :func:`horizon_s`;
    ``heat``/``cool`` are the outputs as they have been since the previous turn."""
    learnt = mind.learner.observe(now, reading.temperature, reading.outdoor,
                                  heating=heat.on, cooling=cool.on)
    mind.lag.observe(now, reading.temperature, heating=heat.on, cooling=cool.on)
    target_c = zone.celsius(plan[0].rule.target)
    mind.early = early_start(zone, now=now, target_c=target_c, changes=changes(zone, plan),
                             temp=reading.temperature, outdoor=reading.outdoor,
                             learner=mind.learner, latched=mind.early)
    run_to = mind.early.change.target_c if mind.early else target_c
    zv = decide_zone(zone, reading, run_to, heat=heat, cool=cool, decider=mind.decider,
                     memory=mind.memory, now=now)
    if mind.window is not None:
        mind.window.observe(now, reading.temperature, heating=heat.on)
        if mind.window.is_open and zv.verdict.heat and not zv.safety and not zv.safe_mode:
            v = zv.verdict
            zv = ZoneVerdict(Verdict(False, v.cool, "window-open", f"window open:"
                                     f" {mind.window.reason}; heat off ({v.reason})"),
                             zv.heat_setpoint, zv.cool_setpoint, zv.safe_mode)
    if mind.early is not None and not zv.safe_mode:
        zv = _explained(zv, mind.early, now)
    return Turn(zv, target_c, mind.early, learnt)


def _explained(zv: ZoneVerdict, early: EarlyStart, now: float) -> ZoneVerdict:
    minutes = (early.change.at - now) / 60
    why = (f"early start: {early.change.target_c:g} °C is due in {minutes:.0f} min"
           f" ({early.change.name or 'schedule'}), allowing {early.need_s / 60:.0f} min to get"
           " there; ")
    v = zv.verdict
    return ZoneVerdict(Verdict(v.heat, v.cool, v.state, why + v.reason, safety=v.safety),
                       zv.heat_setpoint, zv.cool_setpoint, zv.safe_mode)
