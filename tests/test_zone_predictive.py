"""Predictive start, time-to-target and the outdoor sensor through ZoneControl and the engine
API on a task.Clock: the zone fields (PATCH/POST, 422s), the outdoor sensor kept out of every
average and shown as ``outdoor``, the learner stored in ``zone_learning`` and restored after a
restart, and an early start in the decision record and on ``zone.<z>.state``.

The harness clock starts at 1_790_000_000 = Monday 2026-09-21 14:13:20 UTC (16:13:20 in
Europe/Berlin); a mon-fri 17:00-19:00 schedule's next period starts at 15:00Z = T0 + 2800.
"""

from typing import Any

import pytest

from rpymostat.engine.zones.control import LEARNING
from rpymostat.engine.zones.learn import MIN_SAMPLES, SKIP_S, WINDOW_S, RateLearner
from rpymostat.shared.clock import iso_seconds

from .helpers import ZoneEngine, result_of
from .test_learn import constant_learner
from .test_zone_control import (
    HEAT,
    T0,
    decisions,
    engine_with,
    latest,
    patch,
    recorder,
    relay,
    restart_zones,
    send,
    zone_state,
)

EVENING = {"days": "mon-fri", "from": "17:00", "to": "19:00"}
CHANGE = T0 + 2800  # 15:00Z, 17:00 in Berlin
OUT = "th:out"


def learnt_docs(engine: ZoneEngine) -> dict[str, Any]:
    return result_of(engine.store.get_docs(LEARNING))  # type: ignore[no-any-return]


def seed_learner(engine: ZoneEngine, learner: RateLearner, zone: str = "house") -> None:
    """Store a learner for ``zone`` and restart the zone control so that it is loaded."""
    result_of(engine.store.put_doc(LEARNING, zone, learner.to_doc()))
    restart_zones(engine)


def err(engine: ZoneEngine, method: str, path: str, body: Any, *needles: str) -> str:
    code, answer = engine.request(method, path, body)
    assert code == 422, (body, answer)
    message = answer["error"]
    for needle in needles:
        assert needle in message, (needle, message)
    return message  # type: ignore[no-any-return]


# -- the zone fields ---------------------------------------------------------------------------

def test_new_fields_have_their_defaults() -> None:
    engine = ZoneEngine()
    code, house = engine.request("GET", "/v1/zones/house")
    assert code == 200
    assert house["outdoor_sensor"] is None
    assert house["predictive_start"] is True
    assert house["max_head_start_s"] == 7200
    code, bed = engine.request("POST", "/v1/zones", {"id": "bed"})
    assert code == 201, bed
    assert (bed["outdoor_sensor"], bed["predictive_start"], bed["max_head_start_s"]) == \
        (None, True, 7200)


def test_patch_round_trips_the_predictive_fields_and_survives_a_restart() -> None:
    engine = ZoneEngine()
    body = patch(engine, "house", {"outdoor_sensor": OUT, "predictive_start": False,
                                   "max_head_start_s": 3600})
    assert body["outdoor_sensor"] == OUT and body["predictive_start"] is False
    assert body["max_head_start_s"] == 3600
    ps = body["state"]["predictive_start"]
    assert ps["enabled"] is False and ps["max_head_start_s"] == 3600
    restart_zones(engine)
    code, got = engine.request("GET", "/v1/zones/house")
    assert code == 200
    assert (got["outdoor_sensor"], got["predictive_start"], got["max_head_start_s"]) == \
        (OUT, False, 3600)
    body = patch(engine, "house", {"outdoor_sensor": None, "max_head_start_s": 0})
    assert body["outdoor_sensor"] is None and body["max_head_start_s"] == 0
    body = patch(engine, "house", {"max_head_start_s": 21600, "predictive_start": True})
    assert body["max_head_start_s"] == 21600 and body["predictive_start"] is True
    code, made = engine.request("POST", "/v1/zones", {
        "id": "bed", "outdoor_sensor": "weather:berlin", "predictive_start": False,
        "max_head_start_s": 5400.5})
    assert code == 201, made
    assert (made["outdoor_sensor"], made["predictive_start"], made["max_head_start_s"]) == \
        ("weather:berlin", False, 5400.5)


BAD_FIELDS = [
    ({"outdoor_sensor": "out"}, "outdoor_sensor"),
    ({"outdoor_sensor": "th:"}, "outdoor_sensor"),
    ({"outdoor_sensor": ":out"}, "outdoor_sensor"),
    ({"outdoor_sensor": "th:out:x"}, "outdoor_sensor"),
    ({"outdoor_sensor": "th:o ut"}, "outdoor_sensor"),
    ({"outdoor_sensor": ""}, "outdoor_sensor"),
    ({"outdoor_sensor": 5}, "outdoor_sensor"),
    ({"outdoor_sensor": ["th:out"]}, "outdoor_sensor"),
    ({"outdoor_sensor": "h:" + "s" * 65}, "outdoor_sensor"),
    ({"max_head_start_s": 21601}, "max_head_start_s"),
    ({"max_head_start_s": -1}, "max_head_start_s"),
    ({"max_head_start_s": "1h"}, "max_head_start_s"),
    ({"max_head_start_s": True}, "max_head_start_s"),
    ({"max_head_start_s": None}, "max_head_start_s"),
    ({"max_head_start_s": 10**400}, "max_head_start_s"),
    ({"predictive_start": "yes"}, "predictive_start"),
    ({"predictive_start": 1}, "predictive_start"),
    ({"predictive_start": None}, "predictive_start"),
]


@pytest.mark.parametrize(("change", "field"), BAD_FIELDS)
def test_bad_values_are_422_naming_the_field(change: dict[str, Any], field: str) -> None:
    engine = ZoneEngine()
    err(engine, "PATCH", "/v1/zones/house", change, field)
    err(engine, "POST", "/v1/zones", {"id": "bed", **change}, field)
    code, house = engine.request("GET", "/v1/zones/house")
    assert code == 200 and house["outdoor_sensor"] is None
    assert house["predictive_start"] is True and house["max_head_start_s"] == 7200
    assert engine.request("GET", "/v1/zones/bed")[0] == 404


def test_a_sensor_key_with_a_trailing_newline_is_422() -> None:
    """``th:out\\n`` is not a sensor key (no sensor can ever have it); the pattern check
    must not let it through (``$`` in re.search also matches before a final newline)."""
    engine = ZoneEngine()
    err(engine, "PATCH", "/v1/zones/house", {"outdoor_sensor": "th:out\n"}, "outdoor_sensor")


# -- the outdoor sensor ------------------------------------------------------------------------

def test_outdoor_sensor_is_not_averaged_and_is_the_zones_outdoor() -> None:
    """Before it is named the outdoor sensor, th:out is just another house sensor (averaged
    in); after, the house's temperature is the indoor one and ``outdoor`` is its value, in
    GET /v1/zones/house and on zone.house.state."""
    engine = engine_with()
    send(engine, ("living", 21), ("out", 5))
    assert zone_state(engine)["temperature"] == 13.0
    assert zone_state(engine)["outdoor"] is None
    assert latest(engine)["heat"] is True  # 13 °C
    engine.advance(31)  # past the minimum on time
    states = recorder(engine, "zone.house.state")
    patch(engine, "house", {"outdoor_sensor": OUT})
    engine.clock.advance(0)
    state = zone_state(engine)
    assert state["temperature"] == 21.0 and state["outdoor"] == 5.0
    assert [s["id"] for s in state["sensors"]] == ["th:living"]
    d = latest(engine)
    assert d["temperature"] == 21.0 and d["sensors"] == {"fresh": 1, "stale": 0}
    assert d["heat"] is False  # 5 °C outdoors does not make the house cold
    assert states and states[-1][1]["outdoor"] == 5.0 and states[-1][1]["temperature"] == 21.0
    send(engine, ("out", -3.5))
    assert zone_state(engine)["outdoor"] == -3.5
    assert zone_state(engine)["temperature"] == 21.0


def test_outdoor_sensor_of_one_zone_is_in_no_zones_average() -> None:
    """bed takes th:out as its outdoor sensor; th:out still belongs to house (its zone), but
    house does not average it either, and has no outdoor temperature of its own."""
    engine = engine_with(relay=False)
    code, body = engine.request("POST", "/v1/zones", {"id": "bed", "outdoor_sensor": OUT})
    assert code == 201, body
    send(engine, ("living", 21), ("out", 2))
    house = zone_state(engine)
    assert house["temperature"] == 21.0 and house["outdoor"] is None
    assert [s["id"] for s in house["sensors"]] == ["th:living"]
    assert zone_state(engine, "bed")["outdoor"] == 2.0
    assert zone_state(engine, "bed")["temperature"] is None


def test_a_stale_outdoor_sensor_gives_no_outdoor_temperature() -> None:
    engine = engine_with(relay=False, stale_after=120, zone={"outdoor_sensor": OUT})
    send(engine, ("living", 20), ("out", 5))
    assert zone_state(engine)["outdoor"] == 5.0
    engine.advance(100)
    send(engine, ("living", 20))
    engine.advance(30)
    state = zone_state(engine)
    assert state["outdoor"] is None and state["temperature"] == 20.0


def test_outdoor_sensor_only_is_safe_mode_and_not_frost() -> None:
    """The indoor sensor went stale; the only fresh reading is outdoors, −5 °C: the zone
    is in safe mode, and frost_only does not heat for the cold outdoors (it is not the
    coldest reading *in the house*)."""
    engine = engine_with(stale_after=120, zone={"outdoor_sensor": OUT})
    send(engine, ("living", 21), ("out", 4))
    assert latest(engine)["heat"] is False
    engine.advance(180)
    send(engine, ("out", -5))
    engine.advance(60)
    d = latest(engine)
    assert d["safe_mode"] is True and d["temperature"] is None
    assert d["heat"] is False, d["reason"]
    assert d["sensors"] == {"fresh": 0, "stale": 1}
    assert "frost" not in d["reason"]
    assert zone_state(engine)["outdoor"] == -5.0
    assert relay(engine)["commanded"] != "on"


# -- state: time to target and predictive start ------------------------------------------------

def test_state_shows_time_to_target_and_predictive_start_while_learning() -> None:
    engine = engine_with()
    send(engine, ("living", 18))
    state = zone_state(engine)
    assert state["time_to_target"] == {
        "seconds": None, "function": "heat", "setpoint": 20.0,
        "why": f"learning the heating rate (0 of {MIN_SAMPLES} runs seen)"}
    assert state["predictive_start"] == {
        "enabled": True, "max_head_start_s": 7200, "early_start": None,
        "rates": {"heat": {"samples": 0, "learning": True},
                  "cool": {"samples": 0, "learning": True}}}
    send(engine, ("living", 20))
    assert zone_state(engine)["time_to_target"]["seconds"] == 0


def test_state_before_any_decision_says_so() -> None:
    """A new zone that has not decided yet: no target, so no time to it."""
    engine = engine_with(relay=False)
    engine.zones.stopService()
    code, body = engine.request("POST", "/v1/zones", {"id": "bed"})
    assert code == 201, body
    assert body["state"]["time_to_target"] == {"seconds": None, "why": "no decision yet"}
    assert body["state"]["predictive_start"]["early_start"] is None


def test_state_with_a_learnt_rate_gives_seconds() -> None:
    engine = engine_with()
    seed_learner(engine, constant_learner(2.0))
    send(engine, ("living", 18))
    state = zone_state(engine)
    assert state["time_to_target"]["seconds"] == 3600
    assert state["time_to_target"]["function"] == "heat"
    rates = state["predictive_start"]["rates"]
    assert rates["heat"] == {"a": 2.0, "b": 0.0, "samples": MIN_SAMPLES, "form": "rate = a K/h"}
    assert rates["cool"] == {"samples": 0, "learning": True}


# -- learning in the loop, stored and restored ----------------------------------------------------

def test_the_learner_is_stored_when_it_takes_a_sample_and_restored_after_restart() -> None:
    """The heat runs while the room warms 2 K/h (the outdoor sensor at 5 °C): no
    zone_learning document until the first sample; then one with the sample; after a
    restart the zone answers from the stored samples."""
    engine = engine_with(zone={"outdoor_sensor": OUT})
    temp = 17.0
    first_doc_at = None
    for minute in range(110):
        send(engine, ("living", round(temp, 2)), ("out", 5.0))
        if first_doc_at is None and learnt_docs(engine):
            first_doc_at = minute
        if latest(engine)["heat"]:
            temp += 2.0 / 60
        engine.advance(60, step=60)
    assert relay(engine)["commanded"] == "off"  # it got to 20.35 and stopped
    # the first window closes WINDOW_S after its first reading, SKIP_S into the run
    assert first_doc_at is not None
    assert abs(first_doc_at - (SKIP_S + WINDOW_S) / 60) <= 2, first_doc_at
    doc = learnt_docs(engine)["house"]
    learner = RateLearner.from_doc(doc)
    samples = learner.samples("heat")
    assert samples >= 3 and learner.lines["heat"].n == samples
    assert learner.flat["heat"].mean_rate() == pytest.approx(2.0, abs=0.1)
    assert learner.samples("cool") == 0
    live = engine.zones.runtime["house"].mind.learner
    assert live.to_doc() == doc
    before = zone_state(engine)["predictive_start"]["rates"]
    assert before["heat"] == {"samples": samples, "learning": True}

    restart_zones(engine)
    assert zone_state(engine)["predictive_start"]["rates"] == before
    assert engine.zones.runtime["house"].mind.learner.to_doc() == doc
    send(engine, ("living", 18), ("out", 5.0))
    assert zone_state(engine)["time_to_target"]["why"] == \
        f"learning the heating rate ({samples} of {MIN_SAMPLES} runs seen)"


def test_a_stored_learner_survives_a_decider_change() -> None:
    """The learner belongs to the zone, not to its decider."""
    engine = engine_with()
    seed_learner(engine, constant_learner(2.0))
    send(engine, ("living", 18))
    patch(engine, "house", {"decider_params": {"min_on_s": 60, "min_off_s": 60}})
    engine.clock.advance(0)
    assert zone_state(engine)["predictive_start"]["rates"]["heat"]["a"] == 2.0


def test_a_damaged_learning_document_does_not_stop_the_zone() -> None:
    """A stored learner with zero weights but samples counted (damaged): the zone must still
    be decided and shown (from_doc promises a fresh learner for a damaged document)."""
    engine = engine_with()
    doc = constant_learner(2.0).to_doc()
    doc["flat"]["heat"]["w"] = 0.0
    seed_learner(engine, RateLearner.from_doc(doc))
    before = len(decisions(engine))
    send(engine, ("living", 18))
    engine.advance(60)
    assert len(decisions(engine)) > before
    assert latest(engine)["heat"] is True
    code, _ = engine.request("GET", "/v1/zones/house")
    assert code == 200


# -- an early start through the loop ---------------------------------------------------------------

def start_evening(engine: ZoneEngine, target: float = 23) -> None:
    code, body = engine.request("POST", "/v1/zones/house/schedules", {
        "target": target, "scheduler": "weekly", "params": EVENING})
    assert code == 201, body
    engine.clock.advance(0)


def run_minutes(engine: ZoneEngine, until: float, value: float) -> None:
    """A reading of ``value`` every 60 s (the loop decides each minute) up to ``until``."""
    while engine.clock.seconds() < until:
        send(engine, ("living", value))
        engine.advance(60, step=60)


def test_an_early_start_shows_in_the_decision_and_on_the_bus() -> None:
    """The learnt rate is 4 K/h; 21.5 °C now (home: 20, idle), 23 °C from 15:00Z: getting
    there takes 1.5 K / 4 K/h = 1350 s, × MARGIN + SLACK_S = 2152.5 s, so the early start
    begins with the first decision from 15:00Z − 2152.5 s = T0 + 647.5 on (T0 + 660). It
    holds while the room nearly gets there and ends at 15:00Z, when the schedule itself
    asks 23 °C."""
    engine = engine_with()
    seed_learner(engine, constant_learner(4.0))
    start_evening(engine)
    seen = recorder(engine, "engine.decision")
    states = recorder(engine, "zone.house.state")
    run_minutes(engine, T0 + 600, 21.5)  # the last decisions at T0 + 600
    assert seen[-1][0] == T0 + 600
    assert all(d["early_start"] is None and d["heat"] is False for _, d in seen)
    assert zone_state(engine)["predictive_start"]["early_start"] is None

    run_minutes(engine, T0 + 700, 21.5)
    first = next(d for t, d in seen if d["early_start"] is not None)
    assert first["at"] == iso_seconds(T0 + 660)
    early = first["early_start"]
    assert early["function"] == "heat" and early["for"] == iso_seconds(CHANGE)
    assert early["target"] == 23.0 and early["setpoint"] == 23.0
    assert early["need_s"] == pytest.approx(2152.5, abs=1)
    assert early["since"] == iso_seconds(T0 + 660)
    assert first["heat"] is True and first["state"] == "heating"
    assert first["target"] == 20.0  # the schedule's target now
    assert first["heat_setpoint"] == 23.0  # what the zone runs to
    assert first["rule"]["kind"] == "default"
    assert first["reason"].startswith("early start: 23 °C is due in 36 min")
    assert first["commands"] == [{"id": HEAT, "function": "heat", "on": True}]
    assert relay(engine)["commanded"] == "on"
    # on the bus: the zone's state carries it, with time to target
    t_state, state = next((t, s) for t, s in states
                          if s["predictive_start"]["early_start"] is not None)
    assert t_state == T0 + 660
    assert state["predictive_start"]["early_start"] == early
    assert state["predictive_start"]["enabled"] is True
    assert state["decision"]["early_start"] == early
    assert state["time_to_target"]["setpoint"] == 23.0
    assert state["time_to_target"]["seconds"] == pytest.approx(1350, abs=1)
    got = zone_state(engine)
    assert got["predictive_start"]["early_start"] == early
    assert got["predictive_start"]["rates"]["heat"]["a"] == pytest.approx(4.0)

    # nearly there: a new estimate would not start now, the latch holds it to 15:00Z
    run_minutes(engine, CHANGE, 22.8)
    during = [d for t, d in seen if T0 + 660 <= t < CHANGE]
    assert during and all(d["early_start"] == early for d in during)
    assert all(d["heat"] for d in during)
    run_minutes(engine, CHANGE + 120, 22.8)
    after = [d for t, d in seen if t >= CHANGE]
    assert after and all(d["early_start"] is None for d in after)
    assert all(d["target"] == 23.0 and d["rule"]["kind"] == "schedule" for d in after)
    assert not any(d["reason"].startswith("early start") for d in after)
    assert zone_state(engine)["predictive_start"]["early_start"] is None
    assert states[-1][1]["predictive_start"]["early_start"] is None


@pytest.mark.parametrize("change", [{"predictive_start": False}, {"max_head_start_s": 0}])
def test_no_early_start_when_switched_off(change: dict[str, Any]) -> None:
    """The same evening with predictive start off (or no head start allowed): the zone
    waits for 15:00Z."""
    engine = engine_with(zone=change)
    seed_learner(engine, constant_learner(4.0))
    start_evening(engine)
    seen = recorder(engine, "engine.decision")
    run_minutes(engine, CHANGE + 60, 21.5)
    before = [d for t, d in seen if t < CHANGE]
    assert before and all(d["early_start"] is None and not d["heat"] for d in before)
    assert [d["heat"] for t, d in seen if t >= CHANGE][-1] is True  # on time


def test_no_early_start_without_a_model() -> None:
    """Too little history: the zone starts on time (time to target says it is learning)."""
    engine = engine_with()
    seed_learner(engine, constant_learner(4.0, runs=MIN_SAMPLES - 1))
    start_evening(engine)
    seen = recorder(engine, "engine.decision")
    run_minutes(engine, CHANGE - 60, 21.5)
    assert seen and all(d["early_start"] is None and not d["heat"] for _, d in seen)


def test_switching_predictive_start_off_ends_a_running_early_start() -> None:
    engine = engine_with()
    seed_learner(engine, constant_learner(4.0))
    start_evening(engine)
    run_minutes(engine, T0 + 700, 21.5)
    assert latest(engine)["early_start"] is not None
    patch(engine, "house", {"predictive_start": False})
    engine.clock.advance(0)
    d = latest(engine)
    assert d["early_start"] is None and d["heat_setpoint"] == 20.0
    assert zone_state(engine)["predictive_start"]["early_start"] is None


# -- closed loop: the engine learns a simulated house and gets it warm in time ------------------

@pytest.mark.slow
def test_the_engine_learns_the_house_and_is_at_target_at_each_scheduled_rise() -> None:
    """Three days of a simulated house (1R1C: R 5 K/kW, C 3 kWh/K, an 8 kW boiler) whose
    boiler is the relay the zone commands, readings every minute (σ 0.05 °C, 0.1 °C steps)
    and an outdoor sensor (5 ± 4 °C and weather). The schedule is 16 °C with 22 °C at
    06:00-09:00 and 17:00-23:00 (Berlin). The first rise, before any history, is missed
    (the zone starts on time); the learnt rate then matches the house (a = 8/3 K/h,
    b = −1/15) and every later rise is met within the heating tolerance at its time."""
    import random

    from rpymostat.engine.sim.model import House, OutdoorModel, SimZone, ZoneParams

    engine = engine_with(fast=False, zone={"outdoor_sensor": OUT, "default_target": 16,
                                           "max_head_start_s": 21_600})
    for start, end in (("06:00", "09:00"), ("17:00", "23:00")):
        code, body = engine.request("POST", "/v1/zones/house/schedules", {
            "target": 22, "scheduler": "weekly",
            "params": {"days": "daily", "from": start, "to": end}})
        assert code == 201, body
    sky = OutdoorModel(5.0, 4.0, utc_offset_h=2.0, seed=7, step_sd=2.0)
    params = ZoneParams(r_k_per_kw=5.0, c_kwh_per_k=3.0, heater_kw=8.0)
    house = House({"z": SimZone(params, 18.0)}, sky, now=engine.clock.seconds())
    zone = house.zones["z"]
    rng = random.Random(3)
    seen = recorder(engine, "engine.decision")
    temp_at: dict[float, float] = {}
    for _ in range(3 * 1440):
        now = engine.clock.seconds()
        house.advance_to(now)
        temp_at[now] = zone.temp_c
        send(engine, ("living", round(zone.temp_c + rng.gauss(0.0, 0.05), 1)),
             ("out", round(sky.temperature(now), 1)))
        engine.advance(60, step=60)
        zone.set_output("heat", bool(engine.agent.states["heat"]))

    # 15:00Z Mon (CHANGE), then 04:00Z and 15:00Z Tue and Wed, 04:00Z Thu
    rises = [CHANGE + 3600 * h for h in (0, 13, 24, 37, 48, 61)]
    at_rise = [temp_at[min(t for t in temp_at if t >= rise)] for rise in rises]
    assert at_rise[0] < 19.0, at_rise  # no history yet: started on time, still cold
    assert all(t >= 22.0 - 0.3 for t in at_rise[1:]), at_rise
    early = [d for _, d in seen if d["early_start"] is not None]
    started = {d["early_start"]["for"] for d in early}
    assert started >= {iso_seconds(r) for r in rises[1:]} and iso_seconds(CHANGE) not in started
    for d in early:
        assert d["target"] == 16.0 and d["heat_setpoint"] == 22.0
        assert d["reason"].startswith("early start")
    firsts = [d for d in early if d["early_start"]["since"] == d["at"]]
    assert firsts and all(d["heat"] for d in firsts)

    rates = zone_state(engine)["predictive_start"]["rates"]["heat"]
    assert rates["a"] == pytest.approx(8.0 / 3.0, rel=0.10), rates
    assert rates["b"] == pytest.approx(-1.0 / 15.0, abs=0.03), rates
    assert learnt_docs(engine)["house"] == engine.zones.runtime["house"].mind.learner.to_doc()
