"""Zone deciders (hysteresis, TPI) and decide_zone: safe mode, safety limits, exclusivity."""

from dataclasses import dataclass, replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rpymostat.engine.zones.decide import (
    DUTY_PERIOD,
    LIMIT_BAND,
    SafetyMemory,
    ZoneReading,
    ZoneVerdict,
    decide_zone,
)
from rpymostat.engine.zones.deciders.base import (
    DeciderInput,
    OutputState,
    Verdict,
    exclusive,
    held,
)
from rpymostat.engine.zones.deciders.hysteresis import HysteresisDecider
from rpymostat.engine.zones.deciders.tpi import TPIDecider
from rpymostat.engine.zones.model import FROST_C, MAX_C, MODES, SAFE_MODES, Zone

NOW = 1_000_000.0
OFF = OutputState(False, None)
ON = OutputState(True, None)
LABEL = "living room"


def inp(t: float, heat_sp: float | None = 21.0, cool_sp: float | None = None, *,
        heat: OutputState = OFF, cool: OutputState = OFF, now: float = NOW,
        outdoor: float | None = None) -> DeciderInput:
    return DeciderInput(now, t, heat_sp, cool_sp, heat, cool, LABEL, outdoor)


def hyst(**params: Any) -> HysteresisDecider:
    return HysteresisDecider({"cold_tolerance": 0.3, "hot_tolerance": 0.3, "min_on_s": 300,
                              "min_off_s": 300, **params})


def tpi(**params: Any) -> TPIDecider:
    return TPIDecider({"cycle_s": 1200, "coef_int": 0.5, "coef_ext": 0.0, "min_on_s": 0,
                       "min_off_s": 0, **params})


def zone(**fields: Any) -> Zone:
    return Zone(id="z1", name="Living room", **fields)


def reading(t: float | None, **fields: Any) -> ZoneReading:
    return ZoneReading(t, LABEL, **fields)


def run(z: Zone, r: ZoneReading, target: float = 21.0, *, heat: OutputState = OFF,
        cool: OutputState = OFF, decider: Any = None, memory: SafetyMemory | None = None,
        now: float = NOW) -> ZoneVerdict:
    return decide_zone(z, r, target, heat=heat, cool=cool,
                       decider=decider if decider is not None else hyst(),
                       memory=memory if memory is not None else SafetyMemory(), now=now)


# ---------------------------------------------------------------------------------------
# base helpers


def test_held_applies_min_on_and_min_off() -> None:
    assert held(True, OutputState(True, NOW - 10), NOW, 300, 600) == (True, 0.0)
    assert held(False, OutputState(True, NOW - 100), NOW, 300, 600) == (True, 200.0)
    assert held(False, OutputState(True, NOW - 300), NOW, 300, 600) == (False, 0.0)
    assert held(True, OutputState(False, NOW - 100), NOW, 300, 600) == (False, 500.0)
    assert held(True, OutputState(False, NOW - 600), NOW, 300, 600) == (True, 0.0)
    assert held(True, OFF, NOW, 300, 600) == (True, 0.0)  # unknown: long ago
    assert OFF.held_for(NOW) == float("inf")


def test_exclusive_the_one_already_on_keeps_running() -> None:
    assert exclusive(True, True, inp(20, heat=ON)) == (True, False)
    assert exclusive(True, True, inp(20, cool=ON)) == (False, True)
    assert exclusive(True, True, inp(20)) == (False, True)  # neither on: heat waits
    assert exclusive(True, False, inp(20, cool=ON)) == (True, False)
    assert exclusive(False, False, inp(20)) == (False, False)


# ---------------------------------------------------------------------------------------
# hysteresis


def test_hysteresis_heat_switches_on_at_setpoint_minus_cold_tolerance() -> None:
    d = hyst()
    assert d.decide(inp(19.6)) == Verdict(True, False, "heating",
                                          "heating: living room 19.6 °C < 21.0 − 0.3")
    assert d.decide(inp(20.7)) == Verdict(True, False, "heating",
                                          "heating: living room 20.7 °C < 21.0 − 0.3")
    assert d.decide(inp(20.8)) == Verdict(False, False, "idle",
                                          "idle: living room 20.8 °C > 21.0 − 0.3")
    assert d.decide(inp(20.71)).heat is False


def test_hysteresis_heat_stays_on_until_setpoint_plus_hot_tolerance() -> None:
    d = hyst()
    assert d.decide(inp(21.2, heat=ON)) == Verdict(True, False, "heating",
                                                   "heating: living room 21.2 °C < 21.0 + 0.3")
    assert d.decide(inp(21.29, heat=ON)).heat is True
    assert d.decide(inp(21.3, heat=ON)) == Verdict(False, False, "idle",
                                                   "heat off: living room 21.3 °C ≥ 21.0 + 0.3")
    # off and between the thresholds: stays off
    assert d.decide(inp(21.0)).heat is False


def test_hysteresis_separate_tolerances_and_two_decimal_reasons() -> None:
    d = hyst(cold_tolerance=0.25, hot_tolerance=1.0)
    assert d.decide(inp(20.75)).reason == "heating: living room 20.75 °C < 21.0 − 0.25"
    assert d.decide(inp(20.76)).heat is False
    assert d.decide(inp(21.99, heat=ON)).heat is True
    assert d.decide(inp(22.0, heat=ON)).heat is False


def test_hysteresis_cooling_is_mirrored() -> None:
    d = hyst()
    assert d.decide(inp(24.3, None, 24.0)) == Verdict(False, True, "cooling",
                                                      "cooling: living room 24.3 °C > 24.0 + 0.3")
    assert d.decide(inp(24.2, None, 24.0)) == Verdict(False, False, "idle",
                                                      "idle: living room 24.2 °C < 24.0 + 0.3")
    assert d.decide(inp(23.8, None, 24.0, cool=ON)) == Verdict(
        False, True, "cooling", "cooling: living room 23.8 °C > 24.0 − 0.3")
    assert d.decide(inp(23.7, None, 24.0, cool=ON)) == Verdict(
        False, False, "idle", "cool off: living room 23.7 °C ≤ 24.0 − 0.3")


def test_hysteresis_minimum_on_time_holds() -> None:
    d = hyst(min_on_s=300)
    v = d.decide(inp(22.0, heat=OutputState(True, NOW - 100)))
    assert v == Verdict(True, False, "heating", "heat off: living room 22.0 °C ≥ 21.0 + 0.3,"
                        " but the minimum on time holds it 200 s more")
    assert d.decide(inp(22.0, heat=OutputState(True, NOW - 300))).heat is False


def test_hysteresis_minimum_off_time_holds() -> None:
    d = hyst(min_off_s=600)
    v = d.decide(inp(19.0, heat=OutputState(False, NOW - 100)))
    assert v == Verdict(False, False, "idle", "heating: living room 19.0 °C < 21.0 − 0.3,"
                        " but the minimum off time holds it 500 s more")
    assert d.decide(inp(19.0, heat=OutputState(False, NOW - 600))).heat is True


def test_hysteresis_minimum_times_hold_cooling_too() -> None:
    d = hyst(min_on_s=120, min_off_s=240)
    v = d.decide(inp(23.0, None, 24.0, cool=OutputState(True, NOW - 20)))
    assert v.cool is True
    assert v.reason.endswith("but the minimum on time holds it 100 s more")
    v = d.decide(inp(25.0, None, 24.0, cool=OutputState(False, NOW - 40)))
    assert v.cool is False
    assert v.reason.endswith("but the minimum off time holds it 200 s more")


def test_hysteresis_max_run_forces_a_rest_of_min_off() -> None:
    d = hyst(max_run_s=3600, min_off_s=300)
    assert d.decide(inp(19.0, heat=OutputState(True, NOW - 3599))).heat is True
    v = d.decide(inp(19.0, heat=OutputState(True, NOW - 3600)))
    assert v == Verdict(False, False, "idle", "resting: heating ran 60 min, the maximum run time")
    # the rest lasts the minimum off time
    assert d.decide(inp(19.0, heat=OutputState(False, NOW), now=NOW + 299)).heat is False
    assert d.decide(inp(19.0, heat=OutputState(False, NOW), now=NOW + 300)).heat is True


def test_hysteresis_max_run_zero_means_no_limit() -> None:
    d = hyst(max_run_s=0)
    assert d.decide(inp(19.0, heat=OutputState(True, NOW - 86_400 * 30))).heat is True


def test_hysteresis_mode_off_and_defaults() -> None:
    assert hyst().decide(inp(10.0, None, None)) == Verdict(False, False, "off", "mode off")
    d = HysteresisDecider({})
    assert (d.cold, d.hot, d.min_on, d.min_off, d.max_run) == (0.35, 0.35, 300, 300, 0)


def test_hysteresis_auto_uses_target_plus_minus_half_deadband() -> None:
    z = zone(mode="auto", deadband=2.0)
    v = run(z, reading(19.7))
    assert (v.heat_setpoint, v.cool_setpoint, v.safe_mode) == (20.0, 22.0, False)
    assert v.verdict == Verdict(True, False, "heating",
                                "heating: living room 19.7 °C < 20.0 − 0.3")
    assert run(z, reading(19.8)).verdict.state == "idle"
    assert run(z, reading(22.3)).verdict == Verdict(False, True, "cooling",
                                                    "cooling: living room 22.3 °C > 22.0 + 0.3")
    assert not run(z, reading(22.2)).verdict.cool
    v = run(z, reading(21.0))
    assert v.verdict.state == "idle"
    assert v.verdict.reason == ("idle: living room 21.0 °C > 20.0 − 0.3;"
                                " idle: living room 21.0 °C < 22.0 + 0.3")


def test_hysteresis_auto_zero_deadband_never_both() -> None:
    d = hyst(min_on_s=300, min_off_s=0)
    # heat held on by its minimum on time while cooling would start: heat keeps running
    v = d.decide(inp(21.5, 21.0, 21.0, heat=OutputState(True, NOW - 10)))
    assert (v.heat, v.cool) == (True, False)
    # heat free to stop: it stops and cooling starts
    v = d.decide(inp(21.5, 21.0, 21.0, heat=OutputState(True, NOW - 300)))
    assert (v.heat, v.cool) == (False, True)


# ---------------------------------------------------------------------------------------
# TPI


def test_tpi_share_is_proportional_to_the_error() -> None:
    d = tpi()
    v = d.decide(inp(20.0, now=NOW))
    assert v == Verdict(True, False, "heating",
                        "heating: living room 20.0 °C, setpoint 21.0: 50% of a 20 min cycle")
    on = OutputState(True, NOW)
    assert d.decide(inp(18.0, heat=on, now=NOW + 599)).heat is True  # share fixed for the cycle
    v = d.decide(inp(18.0, heat=on, now=NOW + 600))
    assert v == Verdict(False, False, "idle",
                        "idle: living room 18.0 °C: 50% of a 20 min cycle")
    d = tpi()
    d.decide(inp(20.5, now=NOW))
    assert d.decide(inp(20.5, heat=on, now=NOW + 299)).heat is True
    assert d.decide(inp(20.5, heat=on, now=NOW + 300)).heat is False


def on_until(d: TPIDecider, t: float, share: float, **kw: Any) -> None:
    """``d`` (a cycle just begun at NOW) keeps heat on until NOW + share, then stops."""
    on = OutputState(True, NOW)
    assert d.decide(inp(t, heat=on, now=NOW + share - 1, **kw)).heat is True
    assert d.decide(inp(t, heat=on, now=NOW + share, **kw)).heat is False


def test_tpi_outdoor_term_and_clamp() -> None:
    d = tpi(coef_int=0.5, coef_ext=0.03125)
    v = d.decide(inp(20.5, outdoor=13.0))  # 0.25 + 8 × 0.03125 = 0.5
    assert v.reason.endswith("50% of a 20 min cycle")
    on_until(d, 20.5, 600, outdoor=13.0)
    d = tpi()
    assert d.decide(inp(10.0)).reason.endswith("100% of a 20 min cycle")
    on = OutputState(True, NOW)
    assert d.decide(inp(10.0, heat=on, now=NOW + 1199)).heat is True
    d = tpi()
    v = d.decide(inp(22.0))
    assert v == Verdict(False, False, "idle", "idle: living room 22.0 °C: 0% of a 20 min cycle")


def test_tpi_share_below_min_on_is_skipped() -> None:
    d = tpi(min_on_s=151)
    v = d.decide(inp(20.75))  # 0.125 × 1200 = 150 s < 151 s
    assert v == Verdict(False, False, "idle", "idle: living room 20.75 °C: 0% of a 20 min cycle")
    d = tpi(min_on_s=150)
    assert d.decide(inp(20.75)).reason.endswith("12% of a 20 min cycle")  # 150 s: kept
    on_until(d, 20.75, 150)


def test_tpi_off_time_below_min_off_is_filled() -> None:
    d = tpi(min_off_s=151)
    v = d.decide(inp(19.25))  # 0.875 × 1200 = 1050 s; 150 s off < 151 s
    assert v.reason.endswith("100% of a 20 min cycle")
    assert d.decide(inp(19.25, heat=OutputState(True, NOW), now=NOW + 1199)).heat is True
    d = tpi(min_off_s=150)
    assert d.decide(inp(19.25)).reason.endswith("88% of a 20 min cycle")  # 150 s off: kept
    on_until(d, 19.25, 1050)


def test_tpi_new_cycle_after_cycle_s() -> None:
    d = tpi()
    d.decide(inp(20.0, now=NOW))
    off = OutputState(False, NOW + 600)
    assert d.decide(inp(19.0, heat=off, now=NOW + 1199)).heat is False
    v = d.decide(inp(20.5, heat=off, now=NOW + 1200))  # new cycle, new share (25%)
    assert v.heat is True
    assert v.reason.endswith("25% of a 20 min cycle")
    assert d.decide(inp(30.0, heat=OutputState(True, NOW + 1200), now=NOW + 1499)).heat
    assert not d.decide(inp(30.0, heat=OutputState(True, NOW + 1200), now=NOW + 1500)).heat
    # time going backwards starts a new cycle too
    assert d.decide(inp(19.0, now=NOW)).reason.endswith("100% of a 20 min cycle")


def test_tpi_minimum_times_hold_across_cycles() -> None:
    d = tpi(min_off_s=300)
    v = d.decide(inp(20.0, heat=OutputState(False, NOW - 100)))
    assert v == Verdict(False, False, "idle", "idle: living room 20.0 °C: 50% of a 20 min cycle"
                        " (a minimum on/off time holds the output 200 s more)")
    assert d.decide(inp(20.0, heat=OutputState(False, NOW - 100), now=NOW + 200)).heat
    d = tpi(min_on_s=300)
    d.decide(inp(21.0))  # 0 %
    v = d.decide(inp(21.0, heat=OutputState(True, NOW - 10)))
    assert v.heat is True
    assert v.reason.endswith("(a minimum on/off time holds the output 290 s more)")


def test_tpi_cooling_and_mode_off() -> None:
    d = tpi()
    v = d.decide(inp(25.0, None, 24.0))
    assert v == Verdict(False, True, "cooling",
                        "cooling: living room 25.0 °C, setpoint 24.0: 50% of a 20 min cycle")
    assert tpi().decide(inp(25.0, None, None)) == Verdict(False, False, "off", "mode off")
    d = TPIDecider({})
    assert (d.cycle, d.coef_int, d.coef_ext, d.min_on, d.min_off) == (900, 0.6, 0.01, 120, 120)


# ---------------------------------------------------------------------------------------
# decide_zone: safe mode


def test_safe_mode_off_turns_everything_off() -> None:
    for mode in MODES:
        v = run(zone(mode=mode, safe_mode="off"), reading(None, stale=2, house_coldest=3.0),
                heat=ON)
        assert v.safe_mode is True
        assert v.verdict == Verdict(False, False, "safe-mode",
                                    "safe mode: no fresh reading from 2 sensor(s); outputs off")
    v = run(zone(safe_mode="off"), reading(None))
    assert v.verdict.reason == "safe mode: no sensor in this zone; outputs off"


def test_safe_mode_low_duty_heats_a_share_of_every_period() -> None:
    z = zone(mode="heat", safe_mode="low_duty", safe_duty=0.25)
    base = 1200.0 * 1000
    for offset, on in ((0, True), (299, True), (300, False), (1199, False), (1200, True)):
        v = run(z, reading(None, stale=1), now=base + offset).verdict
        assert (v.heat, v.cool, v.state) == (on, False, "safe-mode"), offset
    assert run(z, reading(None, stale=1), now=base).verdict.reason == (
        "safe mode: no fresh reading from 1 sensor(s); heating 25% of every 20 min (on now)")
    assert run(z, reading(None, stale=1), now=base + 600).verdict.reason.endswith("(off now)")
    assert run(replace(z, mode="auto"), reading(None), now=base).verdict.heat is True
    for mode in ("cool", "off"):
        v = run(replace(z, mode=mode), reading(None), now=base).verdict
        assert (v.heat, v.cool) == (False, False)


def test_safe_mode_frost_only_uses_the_house_coldest_reading_with_a_band() -> None:
    z = zone(mode="cool", safe_mode="frost_only")
    mem = SafetyMemory()
    assert not run(z, reading(None, house_coldest=None), memory=mem).verdict.heat
    assert not run(z, reading(None, house_coldest=7.2), memory=mem).verdict.heat
    v = run(z, reading(None, stale=1, house_coldest=6.9), memory=mem).verdict
    assert v == Verdict(True, False, "safe-mode", "safe mode: no fresh reading from 1 sensor(s);"
                        " frost protection: the coldest fresh reading in the house is 6.9 °C < 7.0")
    assert run(z, reading(None, house_coldest=7.4), memory=mem).verdict.heat  # within the band
    v = run(z, reading(None, house_coldest=7.5), memory=mem).verdict
    assert v == Verdict(False, False, "safe-mode", "safe mode: no sensor in this zone; outputs"
                        " off (coldest fresh reading in the house 7.5 °C)")
    assert not run(z, reading(None, house_coldest=7.2), memory=mem).verdict.heat


# ---------------------------------------------------------------------------------------
# decide_zone: safety limits


def test_frost_floor_heats_even_in_mode_off_and_holds_through_the_band() -> None:
    z = zone(mode="off")
    mem = SafetyMemory()
    assert run(z, reading(7.0), memory=mem).verdict.state == "off"
    v = run(z, reading(6.5), memory=mem).verdict
    assert v == Verdict(True, False, "frost-protection",
                        "frost protection: living room 6.5 °C < floor 7.0 (heating to 7.5)")
    assert mem.frost is True
    assert run(z, reading(7.4), memory=mem).verdict.heat
    v = run(z, reading(7.5), memory=mem).verdict
    assert v == Verdict(False, False, "off", "mode off")
    assert mem.frost is False
    assert not run(z, reading(7.4), memory=mem).verdict.heat


def test_frost_floor_overrides_the_deciders_timers() -> None:
    z = zone(mode="cool")
    d = hyst(min_off_s=3600, min_on_s=3600)
    v = run(z, reading(5.0), 25.0, heat=OutputState(False, NOW - 1),
            cool=OutputState(True, NOW - 1), decider=d).verdict
    assert (v.heat, v.cool, v.state) == (True, False, "frost-protection")


def test_upper_limit_cools_and_blocks_heating_with_a_band() -> None:
    z = zone(mode="heat")
    mem = SafetyMemory()
    d = hyst(min_on_s=3600)
    on = OutputState(True, NOW - 1)
    v = run(z, reading(35.5), 30.0, heat=on, decider=d, memory=mem).verdict
    assert v == Verdict(False, True, "over-temperature", "upper limit: living room 35.5 °C >"
                        " 35.0 (no heating; cooling where possible)")
    assert mem.upper is True
    assert run(z, reading(34.6), 30.0, heat=on, decider=d, memory=mem).verdict.cool
    v = run(z, reading(34.5), 30.0, decider=d, memory=mem)
    assert (v.verdict.heat, v.verdict.cool, v.verdict.state) == (False, False, "idle")
    assert mem.upper is False
    assert run(z, reading(34.9), 30.0, decider=d, memory=mem).verdict.state == "idle"
    assert run(z, reading(35.0), 30.0, decider=d, memory=mem).verdict.state == "idle"


def test_custom_limits_and_stale_reading_resets_the_upper_limit() -> None:
    z = zone(mode="off", frost_c=10.0, max_c=28.0, safe_mode="off")
    mem = SafetyMemory()
    assert run(z, reading(9.9), memory=mem).verdict.state == "frost-protection"
    assert run(z, reading(29.0), memory=mem).verdict.state == "over-temperature"
    run(z, reading(None), memory=mem)
    assert mem == SafetyMemory(False, False)
    assert run(z, reading(27.8), memory=mem).verdict.state == "off"


def test_frost_protection_release_in_mode_off_keeps_the_minimum_on_time() -> None:
    # Only the safety limits override the decider's timers: once the floor releases, the
    # heat it started must not stop before the minimum on time (no 30 s boiler cycles).
    z = zone(mode="off")
    d = hyst(min_on_s=300)
    mem = SafetyMemory()
    assert run(z, reading(6.5), decider=d, memory=mem, now=NOW).verdict.heat
    v = run(z, reading(7.6), decider=d, memory=mem, heat=OutputState(True, NOW),
            now=NOW + 30).verdict
    assert v.heat is True, v


def test_upper_limit_release_in_mode_heat_keeps_the_minimum_on_time() -> None:
    z = zone(mode="heat")
    d = hyst(min_on_s=300)
    mem = SafetyMemory()
    assert run(z, reading(35.5), decider=d, memory=mem, now=NOW).verdict.cool
    v = run(z, reading(34.4), decider=d, memory=mem, cool=OutputState(True, NOW),
            now=NOW + 30).verdict
    assert v.cool is True, v


def test_tpi_state_word_matches_the_outputs_after_the_upper_limit_releases() -> None:
    # Mode heat: the upper limit starts cooling; once it releases, TPI's minimum on time
    # keeps "cooling" on, decide_zone masks cool (no cool setpoint), and the verdict must
    # not claim "cooling" (nor a "setpoint 0.0") with every output off.
    z = zone(mode="heat")
    d = tpi(min_on_s=120)
    mem = SafetyMemory()
    assert run(z, reading(35.5), decider=d, memory=mem, now=NOW).verdict.cool
    v = run(z, reading(34.4), decider=d, memory=mem, cool=OutputState(True, NOW),
            now=NOW + 30).verdict
    assert not v.heat
    assert v.state == ("cooling" if v.cool else "idle"), v
    assert "setpoint 0.0" not in v.reason


def test_mode_change_keeps_the_minimum_on_time() -> None:
    d = hyst(min_on_s=300)
    heating = OutputState(True, NOW)
    v = run(zone(mode="off"), reading(20.0), decider=d, heat=heating, now=NOW + 30).verdict
    assert v == Verdict(True, False, "heating", "mode off; the heat stays on: the minimum on"
                        " time holds it 270 s more")
    v = run(zone(mode="off"), reading(20.0), decider=d, heat=heating, now=NOW + 300).verdict
    assert v == Verdict(False, False, "off", "mode off")
    v = run(zone(mode="cool"), reading(26.0), 24.0, decider=d, heat=heating,
            now=NOW + 30).verdict  # cooling waits for the heat's minimum on time
    assert (v.heat, v.cool, v.state) == (True, False, "heating")
    v = run(zone(mode="cool"), reading(26.0), 24.0, decider=d, heat=heating,
            now=NOW + 300).verdict
    assert (v.heat, v.cool, v.state) == (False, True, "cooling")


def test_hysteresis_max_run_shorter_than_min_on_still_keeps_min_on() -> None:
    d = hyst(min_on_s=600, max_run_s=120)
    v = d.decide(inp(19.0, heat=OutputState(True, NOW - 120)))
    assert v.heat is True, v


def test_decide_zone_masks_a_function_the_mode_does_not_have() -> None:
    d = tpi()
    z = zone(mode="heat")
    assert run(z, reading(20.0), decider=d).verdict.heat
    v = run(replace(z, mode="cool"), reading(20.0), decider=d, heat=OutputState(True, NOW),
            now=NOW + 10).verdict
    assert (v.heat, v.cool) == (False, False)


# ---------------------------------------------------------------------------------------
# properties, by simulation


@dataclass(frozen=True)
class Step:
    dt: int
    temperature: float | None
    target: float
    mode: str
    house_coldest: float | None
    outdoor: float | None


temps = st.integers(0, 450).map(lambda x: x / 10)
steps = st.builds(
    Step,
    dt=st.integers(1, 600),
    temperature=st.one_of(st.none(), temps, temps, temps),
    target=st.integers(100, 300).map(lambda x: x / 10),
    mode=st.sampled_from(MODES),
    house_coldest=st.one_of(st.none(), st.integers(40, 120).map(lambda x: x / 10)),
    outdoor=st.one_of(st.none(), st.integers(-200, 300).map(lambda x: x / 10)),
)
seconds = st.integers(0, 1800).map(float)
hysteresis_params = st.fixed_dictionaries({
    "cold_tolerance": st.integers(0, 50).map(lambda x: x / 10),
    "hot_tolerance": st.integers(0, 50).map(lambda x: x / 10),
    "min_on_s": seconds, "min_off_s": seconds,
    "max_run_s": st.one_of(st.just(0.0), st.integers(0, 7200).map(float)),
})
tpi_params = st.fixed_dictionaries({
    "cycle_s": st.integers(60, 7200).map(float),
    "coef_int": st.integers(0, 100).map(lambda x: x / 10),
    "coef_ext": st.integers(0, 100).map(lambda x: x / 100),
    "min_on_s": seconds, "min_off_s": seconds,
})
deciders = st.one_of(st.tuples(st.just(HysteresisDecider), hysteresis_params),
                     st.tuples(st.just(TPIDecider), tpi_params))
zones = st.builds(zone, deadband=st.integers(0, 40).map(lambda x: x / 10),
                  safe_mode=st.sampled_from(SAFE_MODES),
                  safe_duty=st.integers(0, 100).map(lambda x: x / 100))
EXEMPT = frozenset({"frost-protection", "over-temperature", "safe-mode"})


@dataclass(frozen=True)
class Record:
    now: float
    step: Step
    heat_before: OutputState
    cool_before: OutputState
    verdict: ZoneVerdict


def simulate(z: Zone, decider_spec: tuple[type, dict[str, Any]], start: int,
             sequence: list[Step]) -> list[Record]:
    """Drive decide_zone step by step, feeding each verdict back as the outputs' state."""
    cls, params = decider_spec
    decider = cls(params)
    memory = SafetyMemory()
    heat, cool = OFF, OFF
    now = float(start)
    records = []
    for s in sequence:
        now += s.dt
        r = ZoneReading(s.temperature, LABEL, fresh=0 if s.temperature is None else 1,
                        stale=1 if s.temperature is None else 0,
                        house_coldest=s.house_coldest, outdoor=s.outdoor)
        v = decide_zone(replace(z, mode=s.mode), r, s.target, heat=heat, cool=cool,
                        decider=decider, memory=memory, now=now)
        records.append(Record(now, s, heat, cool, v))
        if v.verdict.heat != heat.on:
            heat = OutputState(v.verdict.heat, now)
        if v.verdict.cool != cool.on:
            cool = OutputState(v.verdict.cool, now)
    return records


simulation = given(z=zones, decider_spec=deciders, start=st.integers(0, 10**7),
                   sequence=st.lists(steps, min_size=1, max_size=40))


@settings(deadline=None, max_examples=150)
@simulation
def test_never_heat_and_cool_together(z: Zone, decider_spec: tuple[type, dict[str, Any]],
                                      start: int, sequence: list[Step]) -> None:
    for rec in simulate(z, decider_spec, start, sequence):
        assert not (rec.verdict.verdict.heat and rec.verdict.verdict.cool), rec


@settings(deadline=None, max_examples=150)
@simulation
def test_minimum_on_off_times_are_never_violated(
        z: Zone, decider_spec: tuple[type, dict[str, Any]], start: int,
        sequence: list[Step]) -> None:
    # Exemptions: a verdict whose state is "frost-protection" or "over-temperature" (the
    # safety limits override the decider's timers) or "safe-mode" (no fresh reading: the
    # decider is not asked). Nothing else may switch an output before its minimum time.
    params = decider_spec[1]
    for rec in simulate(z, decider_spec, start, sequence):
        v = rec.verdict.verdict
        if v.state in EXEMPT:
            continue
        for now_on, before in ((v.heat, rec.heat_before), (v.cool, rec.cool_before)):
            if now_on != before.on:
                minimum = params["min_on_s"] if before.on else params["min_off_s"]
                assert before.held_for(rec.now) >= minimum, (rec, params)


@settings(deadline=None, max_examples=150)
@simulation
def test_stale_readings_never_drive_an_output(
        z: Zone, decider_spec: tuple[type, dict[str, Any]], start: int,
        sequence: list[Step]) -> None:
    for rec in simulate(z, decider_spec, start, sequence):
        if rec.step.temperature is not None:
            continue
        v = rec.verdict.verdict
        assert rec.verdict.safe_mode and v.state == "safe-mode"
        assert not v.cool, rec
        if z.safe_mode == "off":
            assert not v.heat, rec
        elif z.safe_mode == "frost_only":
            cold = rec.step.house_coldest
            if cold is None or cold >= z.frost_c + LIMIT_BAND:
                assert not v.heat, rec
            if cold is not None and cold < z.frost_c:
                assert v.heat, rec
        else:
            duty = rec.now % DUTY_PERIOD < z.safe_duty * DUTY_PERIOD
            assert v.heat == (duty and rec.step.mode in ("heat", "auto")), rec


@settings(deadline=None, max_examples=150)
@simulation
def test_the_frost_floor_always_wins(z: Zone, decider_spec: tuple[type, dict[str, Any]],
                                     start: int, sequence: list[Step]) -> None:
    for rec in simulate(z, decider_spec, start, sequence):
        t = rec.step.temperature
        if t is not None and t < z.frost_c:
            v = rec.verdict.verdict
            assert (v.heat, v.cool, v.state) == (True, False, "frost-protection"), rec


@settings(deadline=None, max_examples=150)
@simulation
def test_mode_off_within_the_limits_runs_nothing(
        z: Zone, decider_spec: tuple[type, dict[str, Any]], start: int,
        sequence: list[Step]) -> None:
    # Nothing switches on. An output already on (the mode just changed to off, or a frost
    # or upper-limit run just ended) may only stay on while its minimum on time holds it.
    min_on = decider_spec[1]["min_on_s"]
    for rec in simulate(z, decider_spec, start, sequence):
        t = rec.step.temperature
        if rec.step.mode == "off" and t is not None \
                and z.frost_c + LIMIT_BAND <= t <= z.max_c - LIMIT_BAND:
            v = rec.verdict.verdict
            for on, before in ((v.heat, rec.heat_before), (v.cool, rec.cool_before)):
                if on:
                    assert before.on and before.held_for(rec.now) < min_on, rec
            if not (v.heat or v.cool):
                assert (v.state, v.reason) == ("off", "mode off"), rec


@settings(deadline=None, max_examples=150)
@simulation
def test_the_state_word_matches_the_outputs(
        z: Zone, decider_spec: tuple[type, dict[str, Any]], start: int,
        sequence: list[Step]) -> None:
    for rec in simulate(z, decider_spec, start, sequence):
        v = rec.verdict.verdict
        if v.state in ("heating", "frost-protection"):
            assert (v.heat, v.cool) == (True, False), rec
        elif v.state in ("cooling", "over-temperature"):
            assert (v.heat, v.cool) == (False, True), rec
        elif v.state in ("idle", "off"):
            assert (v.heat, v.cool) == (False, False), rec
        else:
            assert v.state == "safe-mode" and rec.verdict.safe_mode, rec


def test_zone_defaults_match_the_spec() -> None:
    z = zone()
    assert (z.frost_c, z.max_c, FROST_C, MAX_C) == (7.0, 35.0, 7.0, 35.0)
    assert z.setpoints(21.0) == (21.0, None)
    assert replace(z, mode="cool").setpoints(21.0) == (None, 21.0)
    assert replace(z, mode="auto", deadband=3.0).setpoints(21.0) == (19.5, 22.5)
    assert replace(z, mode="off").setpoints(21.0) == (None, None)


def test_tpi_starts_a_new_cycle_when_the_mode_changes() -> None:
    """Heat → cool in the middle of a cycle: cooling is decided at once, not a cycle later."""
    d = tpi(cycle_s=1200)
    assert not run(zone(mode="heat"), reading(30.0), decider=d, now=NOW).verdict.heat
    v = run(zone(mode="cool"), reading(30.0), decider=d, now=NOW + 700).verdict
    assert (v.heat, v.cool, v.state) == (False, True, "cooling"), v


def test_tpi_full_duty_runs_even_when_min_on_exceeds_the_cycle() -> None:
    """A share of the whole cycle is filled before the minimum-on skip applies."""
    d = tpi(cycle_s=600, min_on_s=900)
    v = run(zone(mode="heat"), reading(10.0), decider=d, now=NOW).verdict
    assert v.heat and "100% of a 10 min cycle" in v.reason, v
