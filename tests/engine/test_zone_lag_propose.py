"""The lag learner (zones/lag.py) on the two-time-constant house models: it learns a coast
of tenths of a kelvin on underfloor heating (a slow emitter) and next to nothing on the light
1R1C house; the proposal (zones/propose.py) asks a longer head start where the learnt rate
needs it, and is shown in the zone's state."""

import random

import pytest

from rpymostat.engine.sim.houses import KINDS, ThermalHouse
from rpymostat.engine.zones.lag import LagLearner
from rpymostat.engine.zones.learn import RateLearner
from rpymostat.engine.zones.model import Zone
from rpymostat.engine.zones.propose import propose


def cycle(kind: str, hours: float, seed: int = 1) -> tuple[LagLearner, RateLearner, float,
                                                           float]:
    """A plain hysteresis (20.6/21.4) on a house of ``kind`` at 0 °C outdoors, noisy readings
    in 0.1 °C steps, one a minute; returns both learners, the largest rise the room really made
    after a switch-off (true temperatures) and the mean of those rises."""
    house = ThermalHouse(KINDS[kind], 20.0)
    lag, rates, rng = LagLearner(), RateLearner(), random.Random(seed)
    on, off_at, peak, rises = False, None, 0.0, []
    for minute in range(int(hours * 60)):
        now = minute * 60.0
        read = round(house.temp_c + rng.gauss(0, 0.05), 1)
        lag.observe(now, read, heating=on, cooling=False)
        rates.observe(now, read, 0.0, heating=on, cooling=False)
        want = read <= 20.6 or (on and read < 21.4)
        if on and not want:
            off_at, peak = house.temp_c, house.temp_c
        if not on and off_at is not None:
            peak = max(peak, house.temp_c)
        if want and not on and off_at is not None:
            rises.append(peak - off_at)
            off_at = None
        on = want
        house.set_output("heat", on)
        house.advance(60.0, 0.0, 0.0)
    return lag, rates, max(rises), sum(rises) / len(rises)


@pytest.mark.parametrize("kind", ["underfloor", "masonry"])
def test_a_slow_emitter_learns_a_coast_close_to_the_true_one(kind: str) -> None:
    """Two days on the underfloor house (a screed) or the masonry house (radiators and a
    small air node): the learnt coast is within 0.1 K of the room's true mean rise after a
    switch-off (0.27 and 0.29 K here), and the emitter is called slow."""
    lag, _, _, true_mean = cycle(kind, 48)
    learnt = lag.learnt("heat")
    assert learnt is not None
    coast, dip = learnt
    assert true_mean >= 0.25
    assert abs(coast - true_mean) <= 0.1
    assert dip >= 0.0
    assert lag.proposal("heat")["emitter"] == "slow"


def test_timber_learns_no_lag() -> None:
    """The light 1R1C house (heat straight into the air): coast and dip under 0.1 K; a fast
    emitter."""
    lag, _, _, _ = cycle("timber", 48)
    learnt = lag.learnt("heat")
    assert learnt is not None and max(learnt) < 0.1
    assert lag.proposal("heat")["emitter"] == "fast"


def test_a_fresh_learner_proposes_nothing_yet() -> None:
    """No runs seen: learning, with a count."""
    assert LagLearner().proposal("heat")["learning"] is True
    assert LagLearner().learnt("heat") is None


def test_proposal_asks_a_longer_head_start_for_a_slow_house() -> None:
    """Underfloor heating's learnt rate needs more than the default 2 h for a 4 K rise: the
    proposal is that need rounded up to half an hour (at most 6 h, the zone's limit); the
    light house keeps 2 h."""
    zone = Zone(id="z", name="Z", mode="heat", timezone="UTC")
    lag, rates, _, _ = cycle("underfloor", 72)
    slow = propose(zone, temp=17.0, outdoor=0.0, learner=rates, lag=lag)
    assert slow["decider"] == "hysteresis"
    assert 7200 < slow["max_head_start_s"] <= 6 * 3600
    assert slow["max_head_start_s"] % 1800 == 0
    lag, rates, _, _ = cycle("timber", 72)
    fast = propose(zone, temp=17.0, outdoor=0.0, learner=rates, lag=lag)
    assert fast["max_head_start_s"] == 7200
    assert "suffices" in fast["why"]


def test_proposal_while_learning_keeps_the_zones_setting() -> None:
    """No model yet: the zone's own head start, and the reason says it is learning."""
    zone = Zone(id="z", name="Z", mode="heat", timezone="UTC", max_head_start_s=3600)
    out = propose(zone, temp=20.0, outdoor=5.0, learner=RateLearner(), lag=LagLearner())
    assert out["max_head_start_s"] == 3600 and "learning" in out["why"]


def test_the_zones_state_shows_the_proposal() -> None:
    """``GET /v1/zones/<z>`` carries ``proposal``: while learning, the zone's own head start
    and a reason that says so; with a learnt rate too slow for 2 h, a longer head start."""
    from ..test_learn import constant_learner
    from ..test_zone_control import engine_with, send, zone_state
    from ..test_zone_predictive import seed_learner

    engine = engine_with()
    send(engine, ("living", 18))
    proposal = zone_state(engine)["proposal"]
    assert proposal["decider"] == "hysteresis" and proposal["max_head_start_s"] == 7200
    assert "learning the heating rate" in proposal["why"]
    engine = engine_with()
    seed_learner(engine, constant_learner(0.8))  # 4 K take 5 h
    send(engine, ("living", 18))
    proposal = zone_state(engine)["proposal"]
    assert proposal["max_head_start_s"] == 6 * 3600  # 5 h × 1.15 + 10 min, up to 6 h
