"""Predictive start and time-to-target (zones/predict.py) and a zone's turn (zones/step.py),
pure: with a learnt or constructed rate model the zone starts a scheduled rise exactly when
the estimate says it must, never beyond its head-start cap, holds the start until the change
and follows the plain schedule without a model."""

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rpymostat.engine.schedule.resolve import Rule, Segment, Target
from rpymostat.engine.sim.model import OutdoorModel
from rpymostat.engine.zones.decide import ZoneReading
from rpymostat.engine.zones.deciders.base import OutputState
from rpymostat.engine.zones.deciders.hysteresis import HysteresisDecider
from rpymostat.engine.zones.learn import MIN_SAMPLES, RateLearner, RateModel
from rpymostat.engine.zones.model import Zone
from rpymostat.engine.zones.predict import (
    MARGIN,
    SLACK_S,
    Change,
    EarlyStart,
    early_start,
    need_seconds,
    time_to_target,
)
from rpymostat.engine.zones.step import ZoneMind, changes, horizon_s, turn

from .test_learn import HEAT_A, LOSS, constant_learner, history

AT = 1_790_006_400.0  # the scheduled change (a whole hour)
HEAT = Zone("z", "Z", mode="heat", max_head_start_s=21_600)
COOL = Zone("z", "Z", mode="cool", max_head_start_s=21_600)


class FixedLearner(RateLearner):
    """A learner whose models are given (a constructed model)."""

    def __init__(self, heat: RateModel | None = None, cool: RateModel | None = None) -> None:
        super().__init__()
        self.fixed = {"heat": heat, "cool": cool}

    def model(self, function: str) -> RateModel | None:
        return self.fixed[function]


TWO_K_H = FixedLearner(heat=RateModel("heat", 2.0, 0.0, 10), cool=RateModel("cool", 2.0, 0.0, 10))


def es(zone: Zone, now: float, *, temp: float | None = 17.0, target_c: float = 17.0,
       to: float = 21.0, learner: RateLearner = TWO_K_H, outdoor: float | None = None,
       latched: EarlyStart | None = None, at: float = AT) -> EarlyStart | None:
    """early_start with one change at ``at`` to ``to`` °C."""
    return early_start(zone, now=now, target_c=target_c, changes=[Change(at, to, "morning")],
                       temp=temp, outdoor=outdoor, learner=learner, latched=latched)


# -- when an early start begins ----------------------------------------------------------------

def test_need_is_the_estimate_with_margin_and_slack_capped() -> None:
    """17 → 21 °C at 2 K/h: 2 h; the head start asked is 2 h × MARGIN + SLACK_S."""
    model = RateModel("heat", 2.0, 0.0, 10)
    assert need_seconds(model, 17.0, 21.0, None, 21_600) == pytest.approx(
        7200 * MARGIN + SLACK_S)
    assert need_seconds(model, 17.0, 21.0, None, 3600) == 3600
    # out of reach: the cap
    assert need_seconds(RateModel("heat", 4.0, -0.2, 10), 17.0, 21.0, 0.0, 5000) == 5000
    assert need_seconds(model, 21.0, 21.0, None, 21_600) == SLACK_S


def test_starts_exactly_when_need_reaches_the_time_left() -> None:
    """Second by second before the change: the zone starts early iff the head start it
    needs is at least the time left, i.e. from at − need on, and not a second before."""
    need = need_seconds(TWO_K_H.fixed["heat"], 17.0, 21.0, None, 21_600)  # type: ignore[arg-type]
    assert need == pytest.approx(8880.0)
    first = None
    for now in range(int(AT) - 9000, int(AT)):
        got = es(HEAT, float(now))
        assert (got is not None) == (need >= AT - now), now
        if got is not None and first is None:
            first = now
            assert got == EarlyStart("heat", Change(AT, 21.0, "morning"), 21.0, need, now)
    assert first == AT - int(need)


@settings(max_examples=200, deadline=None)
@given(st.floats(0.5, 6.0), st.floats(-0.2, 0.0), st.floats(-15.0, 15.0),
       st.floats(12.0, 20.9), st.floats(0.0, 21_600.0), st.floats(1.0, 30_000.0))
def test_early_start_iff_need_covers_the_time_left(a: float, b: float, outdoor: float,
                                                    temp: float, cap: float,
                                                    ahead: float) -> None:
    """For any heating model, temperature and cap: an early start (for the change) exactly
    when 0 < time left ≤ cap and the capped need ≥ time left."""
    model = RateModel("heat", a, b, 10)
    zone = Zone("z", "Z", mode="heat", max_head_start_s=cap)
    now = AT - ahead
    got = es(zone, now, temp=temp, learner=FixedLearner(heat=model), outdoor=outdoor)
    left = AT - now
    need = need_seconds(model, temp, 21.0, outdoor, cap)
    expected = cap > 0 and 0 < left <= cap and need >= left
    assert (got is not None) == expected
    if got is not None:
        assert got.need_s == need <= cap and got.setpoint == 21.0 and got.since == now


def test_never_more_than_max_head_start_ahead() -> None:
    """The estimate asks 8880 s, the cap is 1 h: the start is at at − 3600, not earlier."""
    zone = Zone("z", "Z", mode="heat", max_head_start_s=3600)
    assert es(zone, AT - 3601) is None
    got = es(zone, AT - 3600)
    assert got is not None and got.need_s == 3600
    assert es(Zone("z", "Z", mode="heat", max_head_start_s=0), AT - 60) is None


def test_not_when_predictive_start_is_off_or_without_a_model() -> None:
    off = Zone("z", "Z", mode="heat", predictive_start=False)
    assert es(off, AT - 600) is None
    assert es(HEAT, AT - 600, learner=RateLearner()) is None
    assert es(HEAT, AT - 600, learner=FixedLearner(cool=RateModel("cool", 2, 0, 9))) is None
    assert es(HEAT, AT - 600, learner=constant_learner(2.0, runs=MIN_SAMPLES - 1)) is None
    assert es(HEAT, AT - 600, learner=constant_learner(2.0)) is not None
    assert es(HEAT, AT - 600, temp=None) is None


def test_not_for_a_change_that_asks_nothing_more() -> None:
    """A fall of the heat setpoint, a rise the room is already past, a change in the past or
    the mode off: no early start."""
    assert es(HEAT, AT - 600, target_c=21.0, to=18.0) is None
    assert es(HEAT, AT - 600, temp=21.5) is None
    assert es(HEAT, AT + 1) is None
    assert es(HEAT, AT) is None
    assert es(Zone("z", "Z", mode="off"), AT - 600) is None
    assert es(COOL, AT - 600) is None  # a rise of the cool setpoint


def test_the_nearest_qualifying_change_wins() -> None:
    later = Change(AT + 1800, 22.0, "later")
    first = Change(AT, 21.0, "first")
    got = early_start(HEAT, now=AT - 600, target_c=17.0, changes=[later, first], temp=17.0,
                      outdoor=None, learner=TWO_K_H, latched=None)
    assert got is not None and got.change == first


def test_learnt_model_from_a_simulated_winter_drives_the_start() -> None:
    """With a learner trained on the simulated house the need follows the physics: colder
    outdoors, earlier start."""
    learner = history("heat", OutdoorModel(5.0, 5.0, seed=1, step_sd=3.0), 18.0, 22.0,
                      days=4, seed=1)
    model = learner.model("heat")
    assert model is not None and model.b < 0
    mild = need_seconds(model, 17.0, 21.0, 10.0, 21_600)
    cold = need_seconds(model, 17.0, 21.0, -10.0, 21_600)
    assert cold > mild
    true_mild = 4.0 / (HEAT_A - LOSS * (19.0 - 10.0)) * 3600 * MARGIN + SLACK_S
    assert mild == pytest.approx(true_mild, rel=0.1)
    assert es(HEAT, AT - mild - 60, outdoor=10.0, learner=learner) is None
    assert es(HEAT, AT - mild + 60, outdoor=10.0, learner=learner) is not None
    assert es(HEAT, AT - mild - 60, outdoor=-10.0, learner=learner) is not None


# -- the latch -----------------------------------------------------------------------------------

def test_latched_until_the_change_then_ends() -> None:
    """Once started the early start holds until the change even when the room is nearly
    there (a fresh estimate would not start it then); at the change it ends."""
    started = es(HEAT, AT - 8000)
    assert started is not None
    assert es(HEAT, AT - 1200, temp=20.9) is None  # unlatched: too little left to do
    assert es(HEAT, AT - 1200, temp=20.9, latched=started) is started
    assert es(HEAT, AT - 1, temp=21.4, latched=started) is started  # past the setpoint too
    assert es(HEAT, AT - 1, temp=None, latched=started) is started
    assert es(HEAT, AT, temp=20.9, latched=started) is None
    assert early_start(HEAT, now=AT, target_c=21.0, changes=[], temp=20.9, outdoor=None,
                       learner=TWO_K_H, latched=started) is None


def test_latch_is_dropped_when_the_change_is_no_longer_planned_or_predictive_is_off() -> None:
    started = es(HEAT, AT - 8000)
    assert started is not None
    # the rule moved an hour later: re-planned (too early for that one)
    assert es(HEAT, AT - 1200, temp=20.0, latched=started, at=AT + 3600) is None
    moved = es(HEAT, AT - 1200, temp=17.0, latched=started, at=AT + 3600)
    assert moved is not None and moved.change.at == AT + 3600 and moved is not started
    # another target for the same moment is another change
    assert es(HEAT, AT - 1200, temp=20.9, latched=started, to=20.0) is None
    off = Zone("z", "Z", mode="heat", predictive_start=False)
    assert es(off, AT - 600, latched=started) is None


def test_cooling_starts_early_for_a_lower_target() -> None:
    """Mode cool, 26 → 22 °C at 2 K/h of cooling: 2 h, the same head start as heating."""
    need = 7200 * MARGIN + SLACK_S
    assert es(COOL, AT - need - 1, temp=26.0, target_c=26.0, to=22.0) is None
    got = es(COOL, AT - need + 1, temp=26.0, target_c=26.0, to=22.0)
    assert got is not None and got.function == "cool" and got.setpoint == 22.0
    assert got.need_s == pytest.approx(need)
    assert es(COOL, AT - 600, temp=21.0, target_c=26.0, to=22.0) is None  # already cool
    assert es(COOL, AT - 600, temp=26.0, target_c=26.0, to=22.0,
              learner=FixedLearner(heat=RateModel("heat", 2, 0, 9))) is None


def test_auto_mode_uses_the_setpoints_of_the_deadband() -> None:
    """Mode auto (deadband 2): a target rise 18 → 22 is a heat setpoint rise 17 → 21."""
    auto = Zone("z", "Z", mode="auto", max_head_start_s=21_600)
    got = es(auto, AT - 8000, temp=17.0, target_c=18.0, to=22.0)
    assert got is not None and got.function == "heat" and got.setpoint == 21.0


# -- time to target ------------------------------------------------------------------------------

def test_time_to_target() -> None:
    assert time_to_target(HEAT, temp=20.0, target_c=20.0, outdoor=None, learner=TWO_K_H) == \
        {"seconds": 0, "why": "at the setpoint"}
    assert time_to_target(HEAT, temp=19.8, target_c=20.0, outdoor=None,
                          learner=TWO_K_H)["seconds"] == 0  # within the tolerance
    assert time_to_target(HEAT, temp=18.0, target_c=20.0, outdoor=None, learner=TWO_K_H) == \
        {"seconds": 3600, "function": "heat", "setpoint": 20.0,
         "why": "2.0 K/h at the learnt rate"}
    assert time_to_target(COOL, temp=25.0, target_c=24.0, outdoor=None,
                          learner=TWO_K_H)["seconds"] == 1800
    assert time_to_target(HEAT, temp=None, target_c=20.0, outdoor=None, learner=TWO_K_H) == \
        {"seconds": None, "why": "no fresh reading"}


def test_time_to_target_while_learning_and_out_of_reach() -> None:
    learning = constant_learner(2.0, runs=2)
    got = time_to_target(HEAT, temp=18.0, target_c=20.0, outdoor=None, learner=learning)
    assert got["seconds"] is None and got["function"] == "heat"
    assert got["why"].startswith("learning")
    assert got["why"] == f"learning the heating rate (2 of {MIN_SAMPLES} runs seen)"
    weak = FixedLearner(heat=RateModel("heat", 1.0, -0.1, 9))  # holds 10 K above outdoors
    got = time_to_target(HEAT, temp=18.0, target_c=20.0, outdoor=5.0, learner=weak)
    assert got["seconds"] is None and got["why"] == "out of reach at the learnt rate"


# -- a zone's turn -------------------------------------------------------------------------------

def at(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def plan_for(now: float, *, now_c: float = 17.0, then_c: float = 21.0, change: float = AT
             ) -> list[Segment]:
    """The plan from ``now``: ``now_c`` until ``change``, then ``then_c`` ("morning")."""
    default = Rule("default", "default", "default", Target(value=now_c))
    morning = Rule("schedule", "s1", "morning", Target(value=then_c))
    segs = [Segment(at(now), at(change), default, None),
            Segment(at(change), at(change + 3600), morning, at(change))]
    return segs if now < change else [Segment(at(now), at(change + 3600), morning, at(change))]


def mind(learner: RateLearner) -> ZoneMind:
    return ZoneMind(HysteresisDecider({}), learner=learner)


def reading(temp: float | None) -> ZoneReading:
    return ZoneReading(temp, "living", 1 if temp is not None else 0, 0 if temp else 1, temp)


def test_changes_and_horizon() -> None:
    now = AT - 3600
    assert changes(HEAT, plan_for(now)) == [Change(AT, 21.0, "morning")]
    assert changes(HEAT, plan_for(now)[:1]) == []
    assert horizon_s(HEAT) == 21_600
    assert horizon_s(Zone("z", "Z", predictive_start=False)) == 0.0
    assert horizon_s(Zone("z", "Z")) == 7200.0


def test_turn_heats_to_the_coming_target_during_an_early_start() -> None:
    """17.5 °C with the schedule at 17 (idle) and 21 due in 50 min at 2 K/h: the turn heats
    to 21 and says why."""
    now = AT - 3000
    m = mind(TWO_K_H)
    done = turn(HEAT, m, now=now, plan=plan_for(now), reading=reading(17.5),
                heat=OutputState(False, None), cool=OutputState())
    assert done.target_c == 17.0
    assert done.early is not None and m.early is done.early
    assert done.early.setpoint == 21.0 and done.early.change == Change(AT, 21.0, "morning")
    v = done.zv.verdict
    assert v.heat is True and v.state == "heating" and done.zv.heat_setpoint == 21.0
    assert v.reason.startswith("early start")
    # 3.5 K at 2 K/h = 6300 s; × MARGIN + SLACK_S = 7845 s ≈ 131 min
    assert v.reason.startswith("early start: 21 °C is due in 50 min (morning)")
    assert "131 min" in v.reason
    assert v.reason.endswith("; heating: living 17.5 °C < 21.0 − 0.35")


def test_turn_without_a_model_follows_the_schedule() -> None:
    now = AT - 3000
    m = mind(RateLearner())
    done = turn(HEAT, m, now=now, plan=plan_for(now), reading=reading(17.5),
                heat=OutputState(False, None), cool=OutputState())
    assert done.early is None and m.early is None
    assert done.zv.verdict.heat is False and done.zv.heat_setpoint == 17.0
    assert not done.zv.verdict.reason.startswith("early start")
    off = turn(Zone("z", "Z", predictive_start=False), mind(TWO_K_H), now=now,
               plan=plan_for(now), reading=reading(17.5), heat=OutputState(False, None),
               cool=OutputState())
    assert off.early is None and off.zv.verdict.heat is False


def test_turns_hold_the_early_start_to_the_change_then_follow_the_schedule() -> None:
    """Turn by turn, a minute apart, the room warming as the heat runs: the early start
    begins at at − need, holds while the estimate shrinks, and at the change the schedule's
    own target takes over."""
    m = mind(TWO_K_H)
    temp = 17.0
    heat = OutputState(False, None)
    seen: list[tuple[float, bool, bool]] = []
    due = None  # the first turn whose need (at its reading) covers the time left
    for now in range(int(AT) - 10_800, int(AT) + 600, 60):
        value = round(temp, 2)
        if due is None and need_seconds(TWO_K_H.fixed["heat"], value, 21.0, None,  # type: ignore[arg-type]
                                        21_600) >= AT - now:
            due = float(now)
        done = turn(HEAT, m, now=float(now), plan=plan_for(float(now)),
                    reading=reading(value), heat=heat, cool=OutputState())
        on = done.zv.verdict.heat
        if on != heat.on:
            heat = OutputState(on, float(now))
        seen.append((float(now), done.early is not None, on))
        if now < AT:
            assert done.target_c == 17.0
        else:
            assert done.target_c == 21.0 and done.early is None
            assert not done.zv.verdict.reason.startswith("early start")
        temp += 2.0 / 60 if on else -0.2 / 60
    started = [t for t, early, _ in seen if early]
    assert started[0] == due and AT - 9200 < due < AT - 8880  # 17 °C and falling: ≥ 8880 s
    # an unbroken run of early-start turns up to the change
    assert started == [t for t, _, _ in seen if started[0] <= t < AT]
    assert [on for t, _, on in seen if t == due] == [True]
    at_change = [on for t, _, on in seen if t == AT]
    assert temp >= 20.7 and at_change  # it got there in time (hysteresis: off at 21.3)


def test_turn_learns_from_the_outputs_it_ran() -> None:
    """The turn feeds the learner: a long heating run gives samples (``learnt``)."""
    m = mind(RateLearner())
    took = []
    for k in range(40):
        now = AT - 86_400 + 60 * k
        done = turn(HEAT, m, now=now, plan=plan_for(now), reading=reading(12.0 + k * 0.05),
                    heat=OutputState(k > 0, AT - 86_400), cool=OutputState())
        took.append(done.learnt)
    assert sum(took) == 1 and m.learner.samples("heat") == 1
    assert m.learner.flat["heat"].mean_rate() == pytest.approx(3.0)


def test_safe_mode_is_not_explained_as_an_early_start() -> None:
    """A latched early start while the readings went stale: the safe-mode verdict stands
    as it is."""
    now = AT - 3000
    m = mind(TWO_K_H)
    turn(HEAT, m, now=now, plan=plan_for(now), reading=reading(17.5),
         heat=OutputState(False, None), cool=OutputState())
    assert m.early is not None
    done = turn(HEAT, m, now=now + 60, plan=plan_for(now + 60), reading=reading(None),
                heat=OutputState(True, now), cool=OutputState())
    assert done.zv.safe_mode and done.zv.verdict.reason.startswith("safe mode")
