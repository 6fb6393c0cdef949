"""The rate learner (zones/learn.py) against the 1R1C house it models: it recovers the
physics' gain and loss from noisy synthetic histories, needs enough runs before it answers,
falls back to a constant rate without an outdoor temperature, survives storage, and its
``seconds_to`` is the exact solution of the model it learnt."""

import json
import math
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rpymostat.engine.sim.model import House, OutdoorModel, SimZone, ZoneParams, settle
from rpymostat.engine.zones.learn import (
    MIN_RATE,
    MIN_SAMPLES,
    MIN_WINDOW_S,
    SKIP_S,
    RateLearner,
    RateModel,
    slope_per_hour,
)

TICK = 60.0
# R = 5 K/kW, C = 3 kWh/K: τ = 15 h; a 12 kW boiler and a 9 kW air conditioner
PARAMS = ZoneParams(r_k_per_kw=5.0, c_kwh_per_k=3.0, heater_kw=12.0, cooler_kw=9.0)
HEAT_A = PARAMS.heater_kw / PARAMS.c_kwh_per_k  # 4 K/h
COOL_A = PARAMS.cooler_kw / PARAMS.c_kwh_per_k  # 3 K/h
LOSS = 1.0 / (PARAMS.r_k_per_kw * PARAMS.c_kwh_per_k)  # 1/15 K/h per K


# -- helpers ---------------------------------------------------------------------------------

def history(function: str, sky: OutdoorModel, low: float, high: float, *, days: float,
            seed: int, with_outdoor: bool = True, params: ZoneParams = PARAMS,
            learner: RateLearner | None = None) -> RateLearner:
    """Run a simulated zone for ``days`` under a wide hysteresis (``function`` on beyond one
    edge of ``low``..``high``, off past the other), feeding the learner a reading every
    60 s: the true temperature plus N(0, 0.05) noise, rounded to 0.1 °C like a DS18B20, and
    the outdoor temperature likewise (or none)."""
    rng = random.Random(seed)
    learner = learner if learner is not None else RateLearner()
    house = House({"z": SimZone(params, (low + high) / 2)}, sky, now=0.0)
    zone = house.zones["z"]
    on = False
    for k in range(1, int(days * 86400 / TICK) + 1):
        t = k * TICK
        house.advance_to(t)
        reading = round(zone.temp_c + rng.gauss(0.0, 0.05), 1)
        outdoor = round(sky.temperature(t) + rng.gauss(0.0, 0.05), 1) if with_outdoor \
            else None
        # the outputs as they were over the last minute
        learner.observe(t, reading, outdoor, heating=zone.heater, cooling=zone.cooler)
        if function == "heat":
            on = reading < low or (on and reading < high)
        else:
            on = reading > high or (on and reading > low)
        zone.set_output(function, on)
    return learner


def ramp(learner: RateLearner, start: float, minutes: int, rate: float, *, temp: float = 18.0,
         outdoor: float | None = None, function: str = "heat") -> tuple[float, int]:
    """One run of ``function`` from ``start`` for ``minutes`` (a reading a minute, the
    temperature moving exactly ``rate`` K/h towards the target), then one reading with the
    output off (which ends the run). Returns the time after the run and the samples taken."""
    sign = 1.0 if function == "heat" else -1.0
    taken = 0
    for k in range(minutes + 1):
        t = start + k * TICK
        value = temp + sign * rate * (k * TICK) / 3600.0
        running = k > 0  # the first reading is the one the output switched on after
        taken += learner.observe(t, value, outdoor, heating=running and function == "heat",
                                 cooling=running and function == "cool")
    end = start + (minutes + 1) * TICK
    taken += learner.observe(end, temp, outdoor, heating=False, cooling=False)
    return end + 3600.0, taken


def constant_learner(rate: float, function: str = "heat", runs: int = MIN_SAMPLES
                     ) -> RateLearner:
    """A learner that has seen ``runs`` runs of exactly ``rate`` K/h (no outdoor
    temperature): a constant-rate model once ``runs`` reaches MIN_SAMPLES."""
    learner = RateLearner()
    t = 1_000_000.0
    for _ in range(runs):
        t, taken = ramp(learner, t, 20, rate, function=function)
        assert taken == 1
    return learner


def hours_1r1c(temp: float, target: float, outdoor: float, power_kw: float,
               params: ZoneParams = PARAMS) -> float:
    """The closed form: T(t) = T_ss + (T0 − T_ss)·e^(−t/τ) solved for T(t) = target."""
    steady = outdoor + params.r_k_per_kw * power_kw
    return params.tau_s / 3600.0 * math.log((temp - steady) / (target - steady))


# -- recovering the physics ------------------------------------------------------------------

@pytest.mark.parametrize("seed", [1, 2, 3])
def test_heating_rate_recovers_gain_and_loss_of_the_house(seed: int) -> None:
    """Six days of winter (5 ± 5 °C daily, weather steps of σ 3 °C), the boiler switched
    between 18 and 22 °C: the learnt line is a = P/C = 4 K/h and b = −1/(RC) = −1/15."""
    sky = OutdoorModel(5.0, 5.0, seed=seed, step_sd=3.0)
    learner = history("heat", sky, 18.0, 22.0, days=6, seed=seed)
    model = learner.model("heat")
    assert model is not None and model.function == "heat"
    assert model.b != 0, "with the outdoor temperature the model is a line, not a constant"
    assert model.a == pytest.approx(HEAT_A, rel=0.10), model
    assert model.b == pytest.approx(-LOSS, abs=0.03), model
    assert model.b < 0
    assert model.samples == learner.samples("heat") >= 20
    # and what it predicts matches the physics over the range it has seen
    for indoor, outdoor in ((20.0, 0.0), (20.0, 10.0), (22.0, -5.0)):
        truth = HEAT_A - LOSS * (indoor - outdoor)
        assert model.rate(indoor, outdoor) == pytest.approx(truth, abs=0.35)
    assert learner.model("cool") is None and learner.samples("cool") == 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cooling_rate_recovers_gain_and_loss_of_the_house(seed: int) -> None:
    """Six days of summer (32 ± 5 °C, weather σ 2 °C), the air conditioner switched between
    25 and 23 °C: the cooling line is a = P_c/C = 3 K/h and b = +1/(RC)."""
    sky = OutdoorModel(32.0, 5.0, seed=seed, step_sd=2.0)
    learner = history("cool", sky, 23.0, 25.0, days=6, seed=seed)
    model = learner.model("cool")
    assert model is not None and model.function == "cool"
    assert model.a == pytest.approx(COOL_A, rel=0.10), model
    assert model.b == pytest.approx(LOSS, abs=0.03), model
    assert model.b > 0
    for indoor, outdoor in ((24.0, 30.0), (24.0, 35.0)):
        truth = COOL_A + LOSS * (indoor - outdoor)
        assert model.rate(indoor, outdoor) == pytest.approx(truth, abs=0.35)
    assert learner.model("heat") is None


def test_without_outdoor_temperature_the_model_is_a_constant_rate() -> None:
    """The same winter without an outdoor sensor: b == 0, a is the mean heating rate seen
    (between the slowest and fastest the house can heat in that weather)."""
    sky = OutdoorModel(5.0, 5.0, seed=1, step_sd=3.0)
    learner = history("heat", sky, 18.0, 22.0, days=3, seed=1, with_outdoor=False)
    model = learner.model("heat")
    assert model is not None and model.b == 0
    assert HEAT_A - LOSS * 30 < model.a < HEAT_A - LOSS * 5
    assert model.rate(20.0, -10.0) == model.a == model.rate(20.0, None)
    assert model.to_json()["form"] == "rate = a K/h"


def test_exact_ramps_give_the_exact_rate() -> None:
    """Readings rising exactly 3 K/h: the least-squares slope of every window is 3."""
    learner = constant_learner(3.0)
    model = learner.model("heat")
    assert model is not None and model.function == "heat"
    assert (model.a, model.b, model.samples) == (pytest.approx(3.0), 0.0, MIN_SAMPLES)
    cool = constant_learner(1.5, "cool").model("cool")
    assert cool is not None and cool.a == pytest.approx(1.5) and cool.b == 0.0


def test_fewer_than_min_samples_runs_give_no_model() -> None:
    """MIN_SAMPLES − 1 runs: no model (the zone starts on time); one more: a model."""
    learner = constant_learner(2.0, runs=MIN_SAMPLES - 1)
    assert learner.samples("heat") == MIN_SAMPLES - 1
    assert learner.model("heat") is None
    ramp(learner, 5_000_000.0, 20, 2.0)
    assert learner.samples("heat") == MIN_SAMPLES
    model = learner.model("heat")
    assert model is not None and model.a == pytest.approx(2.0)


def test_without_spread_in_the_differences_the_model_is_constant() -> None:
    """Runs all at the same indoor–outdoor difference cannot separate gain from loss: the
    constant mean rate, not a line."""
    learner = RateLearner()
    t = 0.0
    for _ in range(MIN_SAMPLES + 2):
        t, taken = ramp(learner, t, 20, 2.5, temp=20.0, outdoor=5.0)
        assert taken == 1
    model = learner.model("heat")
    assert model is not None and model.b == 0 and model.a == pytest.approx(2.5)


def test_spread_differences_give_the_line_through_them() -> None:
    """Exact runs whose rate follows 4 − (diff)/15 at well spread differences: the line."""
    learner = RateLearner()
    t = 0.0
    for outdoor in (-10.0, 0.0, 10.0, -5.0, 5.0, 15.0, -8.0):
        # a 14-minute run: the window holds the readings 240..840 s after the switch-on
        # reading (SKIP_S after the first running one), mean 540 s, so its mean indoor
        # temperature is 18 + 0.15·rate; the rate solving rate = 4 − (that − outdoor)/15:
        rate = (4.0 - (18.0 - outdoor) / 15.0) / 1.01
        t, taken = ramp(learner, t, 14, rate, temp=18.0, outdoor=outdoor)
        assert taken == 1
    model = learner.model("heat")
    assert model is not None and model.samples == 7
    assert model.a == pytest.approx(4.0, abs=1e-9) and model.b == pytest.approx(-1 / 15, abs=1e-9)


def test_short_runs_and_the_first_minutes_are_not_samples() -> None:
    """A run ends before SKIP_S + MIN_WINDOW_S: no sample; the readings of the first SKIP_S
    seconds after switching on never count (a fast first rise would inflate the rate)."""
    learner = RateLearner()
    short = int((SKIP_S + MIN_WINDOW_S) / TICK) - 1
    _, taken = ramp(learner, 0.0, short, 3.0)
    assert taken == 0 and learner.samples("heat") == 0
    # radiators warming up: 10 K/h in the first three minutes, then 2 K/h
    learner = RateLearner()
    temp = 18.0
    for k in range(30):
        t = k * TICK
        learner.observe(t, round(temp, 4), None, heating=k > 0, cooling=False)
        temp += (10.0 if t < SKIP_S else 2.0) / 60.0
    learner.observe(30 * TICK, temp, None, heating=False, cooling=False)
    assert learner.samples("heat") == 1
    assert learner.flat["heat"].mean_rate() == pytest.approx(2.0, abs=0.05)


def test_a_missing_reading_ends_the_window() -> None:
    """A reading of None ends the run's window (a sample if it was long enough)."""
    learner = RateLearner()
    for k in range(20):
        assert not learner.observe(k * TICK, 18.0 + k * 0.05, None, heating=True,
                                   cooling=False)
    assert learner.observe(20 * TICK, None, None, heating=True, cooling=False)
    assert learner.samples("heat") == 1
    assert learner.flat["heat"].mean_rate() == pytest.approx(3.0)


def test_slope_per_hour_is_the_least_squares_slope() -> None:
    points: list[tuple[float, float, float | None]] = [(0.0, 20.0, None), (1800.0, 21.0, None),
                                                       (3600.0, 22.0, None)]
    assert slope_per_hour(points) == pytest.approx(2.0)
    assert slope_per_hour([(5.0, 20.0, None), (5.0, 21.0, None)]) == 0.0
    # 0.1 °C steps around a 1 K/h rise
    stepped: list[tuple[float, float, float | None]] = [
        (60.0 * k, round(20.0 + k / 60, 1), None) for k in range(31)]
    assert slope_per_hour(stepped) == pytest.approx(1.0, abs=0.05)


# -- storage ---------------------------------------------------------------------------------

def test_to_doc_from_doc_round_trip_gives_the_same_model() -> None:
    """Through JSON (as the store keeps it) the learner answers the same, for both
    functions, and keeps learning from there like the original."""
    sky = OutdoorModel(5.0, 5.0, seed=2, step_sd=3.0)
    learner = history("heat", sky, 18.0, 22.0, days=3, seed=2)
    learner = history("cool", OutdoorModel(32.0, 5.0, seed=2, step_sd=2.0), 23.0, 25.0,
                      days=3, seed=2, learner=learner)
    doc = json.loads(json.dumps(learner.to_doc()))
    again = RateLearner.from_doc(doc)
    for function in ("heat", "cool"):
        assert learner.model(function) is not None
        assert again.model(function) == learner.model(function)
        assert again.samples(function) == learner.samples(function)
    assert again.to_doc() == learner.to_doc()
    ramp(learner, 1e7, 20, 2.0, outdoor=0.0)
    ramp(again, 1e7, 20, 2.0, outdoor=0.0)
    assert again.model("heat") == learner.model("heat")


def test_fresh_learner_round_trip() -> None:
    doc = RateLearner().to_doc()
    assert RateLearner.from_doc(doc).to_doc() == doc
    assert RateLearner.from_doc(doc).model("heat") is None


def _full_doc() -> dict[str, Any]:
    return constant_learner(2.0).to_doc()


@pytest.mark.parametrize("doc", [
    None, "garbage", 42, [], {}, {"lines": {}}, {"lines": 5, "flat": 5},
    {"lines": {"heat": {}, "cool": {}}, "flat": {"heat": {}, "cool": {}}},
    {**_full_doc(), "flat": {"heat": {"w": "x", "x": 0, "y": 0, "xx": 0, "xy": 0, "n": 6},
                             "cool": _full_doc()["flat"]["cool"]}},
    {**_full_doc(), "lines": {"heat": None, "cool": None}},
    {"flat": _full_doc()["flat"]},  # lines missing
    {**_full_doc(), "flat": {"heat": _full_doc()["flat"]["heat"]}},  # cool missing
])
def test_from_doc_of_garbage_gives_a_fresh_learner(doc: Any) -> None:
    learner = RateLearner.from_doc(doc)
    assert learner.to_doc() == RateLearner().to_doc()
    assert learner.model("heat") is None and learner.model("cool") is None
    assert learner.samples("heat") == 0


def test_a_damaged_doc_with_zero_weight_does_not_break_the_model() -> None:
    """A stored document whose weights are 0 while it counts MIN_SAMPLES samples is damaged
    (the learner never writes one: every sample adds weight 1). from_doc promises a fresh
    learner for a damaged document; at the least model() must not raise, since the zone's
    every decision asks it (a ZeroDivisionError there stops the zone being controlled)."""
    doc = _full_doc()
    doc["flat"]["heat"]["w"] = 0.0
    doc["lines"]["cool"] = {"w": 0.0, "x": 0.0, "y": 0.0, "xx": 0.0, "xy": 0.0, "n": 9}
    learner = RateLearner.from_doc(doc)
    for function in ("heat", "cool"):
        model = learner.model(function)  # must not raise
        assert model is None or (math.isfinite(model.a) and math.isfinite(model.b))


# -- seconds_to: the exact solution ------------------------------------------------------------

TRUE_HEAT = RateModel("heat", HEAT_A, -LOSS, 50)
TRUE_COOL = RateModel("cool", COOL_A, LOSS, 50)


@pytest.mark.parametrize(("temp", "target", "outdoor"), [
    (17.0, 21.0, 0.0), (15.0, 21.0, -10.0), (20.0, 20.5, 10.0), (10.0, 40.0, -5.0),
    (18.0, 22.0, 25.0),  # warmer outdoors than in: the leak helps
])
def test_seconds_to_heat_matches_the_closed_form(temp: float, target: float,
                                                 outdoor: float) -> None:
    """For the true a and b the time to the target is the 1R1C closed form
    t = τ·ln((T0 − T_ss)/(T − T_ss)), and the simulated house is at the target then."""
    seconds = TRUE_HEAT.seconds_to(temp, target, outdoor)
    assert seconds is not None
    expected = 3600.0 * hours_1r1c(temp, target, outdoor, PARAMS.heater_kw)
    assert seconds == pytest.approx(expected, rel=1e-9)
    assert settle(temp, outdoor, PARAMS.heater_kw, PARAMS, seconds) == pytest.approx(target)


@pytest.mark.parametrize(("temp", "target", "outdoor"), [
    (27.0, 24.0, 32.0), (30.0, 22.0, 38.0), (25.0, 24.5, 20.0),
])
def test_seconds_to_cool_matches_the_closed_form(temp: float, target: float,
                                                 outdoor: float) -> None:
    seconds = TRUE_COOL.seconds_to(temp, target, outdoor)
    assert seconds is not None
    expected = 3600.0 * hours_1r1c(temp, target, outdoor, -PARAMS.cooler_kw)
    assert seconds == pytest.approx(expected, rel=1e-9)
    assert settle(temp, outdoor, -PARAMS.cooler_kw, PARAMS, seconds) == pytest.approx(target)


def test_seconds_to_is_none_at_or_beyond_the_steady_state() -> None:
    """The boiler holds 0 °C outdoors at most at T_ss = 0 + R·P = 60 °C (the cooler 32 °C
    outdoors at 32 − 45 = −13): a target there or beyond is out of reach; just below it the
    rate falls under MIN_RATE, which is out of reach too."""
    assert TRUE_HEAT.seconds_to(20.0, 61.0, 0.0) is None
    assert TRUE_HEAT.seconds_to(20.0, 60.0, 0.0) is None
    assert TRUE_HEAT.seconds_to(20.0, 60.0 - MIN_RATE * 15 * 0.5, 0.0) is None
    assert TRUE_HEAT.seconds_to(20.0, 55.0, 0.0) is not None
    assert TRUE_COOL.seconds_to(30.0, -14.0, 32.0) is None
    assert TRUE_COOL.seconds_to(30.0, -13.0, 32.0) is None
    # a constant model without enough rate never arrives either
    assert RateModel("heat", MIN_RATE / 2, 0.0, 6).seconds_to(18.0, 20.0, None) is None


def test_seconds_to_is_zero_when_there_and_constant_without_outdoor() -> None:
    assert TRUE_HEAT.seconds_to(21.0, 21.0, 0.0) == 0.0
    assert TRUE_HEAT.seconds_to(22.0, 21.0, 0.0) == 0.0
    assert TRUE_COOL.seconds_to(23.0, 24.0, 30.0) == 0.0
    # no outdoor temperature: the line's a as a constant rate
    assert TRUE_HEAT.seconds_to(18.0, 20.0, None) == pytest.approx(3600.0 * 2.0 / HEAT_A)
    assert RateModel("heat", 2.0, 0.0, 6).seconds_to(18.0, 21.0, 5.0) == pytest.approx(5400.0)
    assert RateModel("cool", 2.0, 0.0, 6).seconds_to(26.0, 22.0, 30.0) == pytest.approx(7200.0)


heat_models = st.builds(lambda a, b: RateModel("heat", a, b, 6),
                        st.floats(0.1, 10.0), st.floats(-0.3, 0.0))
cool_models = st.builds(lambda a, b: RateModel("cool", a, b, 6),
                        st.floats(0.1, 10.0), st.floats(0.0, 0.3))


@settings(max_examples=300, deadline=None)
@given(st.one_of(heat_models, cool_models), st.floats(5.0, 35.0),
       st.one_of(st.none(), st.floats(-25.0, 40.0)), st.floats(0.0, 15.0),
       st.floats(0.0, 15.0))
def test_seconds_to_is_monotonic_in_the_distance(model: RateModel, temp: float,
                                                 outdoor: float | None, d1: float,
                                                 d2: float) -> None:
    """Farther in the output's direction never takes less time (out of reach counts as
    forever); at or behind the current temperature it takes 0."""
    sign = 1.0 if model.function == "heat" else -1.0
    near, far = sorted((d1, d2))
    t_near = model.seconds_to(temp, temp + sign * near, outdoor)
    t_far = model.seconds_to(temp, temp + sign * far, outdoor)
    as_num = [math.inf if s is None else s for s in (t_near, t_far)]
    assert as_num[0] <= as_num[1] * (1 + 1e-9)
    for s in (t_near, t_far):
        assert s is None or (math.isfinite(s) and s >= 0)
    assert model.seconds_to(temp, temp, outdoor) == 0.0
    assert model.seconds_to(temp, temp - sign * far, outdoor) == 0.0
    if sign * ((temp + sign * near) - temp) > 0 and t_near is not None:
        assert t_near > 0  # a target really ahead takes some time
