"""Issue 17: the demo's time-based limits follow the simulated house's clock."""

from pathlib import Path

from rpymostat.engine.config import load_config
from rpymostat.engine.zones.learn import MIN_SAMPLES, RateLearner
from rpymostat.shared import demo
from rpymostat.shared.suite import Suite


def test_demo_limits_follow_the_house_speed() -> None:
    """At 60× the stale limit is 15 s (three 5 s sensor rounds; 600 s / 60 would be 10 s) and
    the manual hold 60 s (one simulated hour); at 6× they are 100 s and 600 s; the engine's
    time scale is the house's speed."""
    assert demo.scaled_limits(60) == {"RPYMOSTAT_STALE_AFTER": "15",
                                      "RPYMOSTAT_MANUAL_HOLD": "60",
                                      "RPYMOSTAT_TIME_SCALE": "60"}
    assert demo.scaled_limits(6) == {"RPYMOSTAT_STALE_AFTER": "100",
                                     "RPYMOSTAT_MANUAL_HOLD": "600",
                                     "RPYMOSTAT_TIME_SCALE": "6"}
    assert demo.house_speed({"RPYMOSTAT_HOUSE_SPEED": "6"}) == 6.0
    assert demo.house_speed({"RPYMOSTAT_HOUSE_SPEED": "fast"}) == 60.0


def test_the_demo_engine_gets_the_scaled_limits_and_a_user_setting_wins(tmp_path: Path
                                                                        ) -> None:
    """make run's engine environment carries the scaled limits (and they load), unless the
    user set one: then theirs."""
    suite = Suite(tmp_path, "127.0.0.1", 0, {"RPYMOSTAT_MANUAL_HOLD": "120"}, simulated=True)
    config = load_config(suite.env())
    assert (config.stale_after, config.manual_hold, config.time_scale) == (15.0, 120.0, 60.0)
    assert ("simulated house", "http://127.0.0.1:8093/") in config.links
    real = Suite(tmp_path, "127.0.0.1", 0, {"RPYMOSTAT_SENSORS": "dummy"}, simulated=False)
    config = load_config(real.env())
    assert (config.stale_after, config.manual_hold, config.time_scale) == (600.0, 3600.0, 1.0)


def test_a_scaled_learner_samples_on_the_fast_clock() -> None:
    """A learner at scale 60 takes a sample from a heating run of 40 s (40 simulated minutes)
    that at scale 1 is far too short to count."""
    for scale in (60.0, 1.0):
        learner = RateLearner(scale)
        t = 0.0
        for _run in range(MIN_SAMPLES):
            for i in range(45):
                learner.observe(t, 18.0 + i * 0.02, 5.0, heating=True, cooling=False)
                t += 1.0
            learner.observe(t, 19.0, 5.0, heating=False, cooling=False)
            t += 10.0
        if scale == 1.0:
            assert learner.samples("heat") == 0 and learner.model("heat") is None
        else:  # a 30 s window and the 12 s rest of each run
            assert learner.samples("heat") == 2 * MIN_SAMPLES
            model = learner.model("heat")
            assert model is not None and abs(model.a - 72.0) < 1.0, model  # 0.02 K/s
