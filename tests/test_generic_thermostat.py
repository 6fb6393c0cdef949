"""The pre-2025 baseline (bench/generic_thermostat.py, kept for comparison) follows Home Assistant's
generic_thermostat rules: on at target − cold_tolerance (inclusive: ``target >= current +
cold_tolerance``), off at target + hot_tolerance (``current >= target + hot_tolerance``),
min_cycle_duration holding the switch in both directions, ac_mode the mirror image."""

import itertools
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from generic_thermostat import GenericThermostat

TARGET = 20.0


def fresh(**kwargs: float | bool) -> GenericThermostat:
    return GenericThermostat(**kwargs)  # type: ignore[arg-type]


def test_defaults_are_the_issues() -> None:
    g = GenericThermostat()
    assert (g.ac_mode, g.cold_tolerance, g.hot_tolerance, g.min_cycle_duration) == \
        (False, 0.3, 0.3, 300.0)
    assert g.active is False


# -- heater ------------------------------------------------------------------------------------

def test_heater_switches_on_at_target_minus_cold_tolerance_inclusive() -> None:
    assert fresh().control(0.0, 19.71, TARGET) is False
    assert fresh().control(0.0, 19.7, TARGET) is True  # 20 >= 19.7 + 0.3
    assert fresh().control(0.0, 15.0, TARGET) is True
    # exact in binary, whatever the rounding of 0.3
    assert fresh(cold_tolerance=0.25).control(0.0, 19.75, TARGET) is True
    assert fresh(cold_tolerance=0.25).control(0.0, 19.875, TARGET) is False


def test_heater_switches_off_at_target_plus_hot_tolerance_inclusive() -> None:
    on = fresh(active=True)
    assert on.control(0.0, 20.29, TARGET) is True
    assert on.control(0.0, 20.3, TARGET) is False
    assert on.changed_at == 0.0
    assert fresh(active=True, hot_tolerance=0.25).control(0.0, 20.25, TARGET) is False


def test_between_the_tolerances_the_switch_keeps_its_state() -> None:
    for current in (19.75, 19.9, 20.0, 20.1, 20.25):
        assert fresh().control(0.0, current, TARGET) is False
        assert fresh(active=True).control(0.0, current, TARGET) is True


def test_min_cycle_duration_holds_the_heater_in_both_directions() -> None:
    """Switched on at t = 1000: hot readings do not switch it off before t = 1300; off at
    1300: cold readings do not switch it on before 1600."""
    g = fresh()
    assert g.control(1000.0, 19.0, TARGET) is True and g.changed_at == 1000.0
    assert g.control(1100.0, 25.0, TARGET) is True
    assert g.control(1299.9, 25.0, TARGET) is True
    assert g.changed_at == 1000.0
    assert g.control(1300.0, 25.0, TARGET) is False and g.changed_at == 1300.0
    assert g.control(1400.0, 10.0, TARGET) is False
    assert g.control(1599.0, 10.0, TARGET) is False
    assert g.control(1600.0, 10.0, TARGET) is True and g.changed_at == 1600.0


def test_target_changes_act_at_once_when_not_held() -> None:
    g = fresh()
    assert g.control(0.0, 20.0, TARGET) is False
    assert g.control(10.0, 20.0, 21.0) is True  # a schedule step to 21: too cold now


# -- ac_mode -----------------------------------------------------------------------------------

def test_ac_mode_is_the_mirror_image() -> None:
    """Cooling: on at target + hot_tolerance (inclusive), off at target − cold_tolerance,
    the same hold."""
    assert fresh(ac_mode=True).control(0.0, 20.29, TARGET) is False
    assert fresh(ac_mode=True).control(0.0, 20.3, TARGET) is True
    assert fresh(ac_mode=True).control(0.0, 15.0, TARGET) is False
    assert fresh(ac_mode=True, active=True).control(0.0, 19.71, TARGET) is True
    assert fresh(ac_mode=True, active=True).control(0.0, 19.7, TARGET) is False
    g = fresh(ac_mode=True)
    assert g.control(0.0, 24.0, TARGET) is True
    assert g.control(299.0, 15.0, TARGET) is True
    assert g.control(300.0, 15.0, TARGET) is False
    assert g.control(599.0, 30.0, TARGET) is False
    assert g.control(600.0, 30.0, TARGET) is True


# -- properties --------------------------------------------------------------------------------

steps = st.lists(st.tuples(st.floats(0.0, 400.0), st.floats(15.0, 25.0),
                           st.sampled_from([18.0, 20.0, 21.0, 22.5])), min_size=1, max_size=60)


@settings(max_examples=200, deadline=None)
@given(st.booleans(), st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 900.0), steps)
def test_follows_the_rules_on_any_sequence(ac_mode: bool, cold: float, hot: float,
                                           min_cycle: float,
                                           seq: list[tuple[float, float, float]]) -> None:
    """Any sequence of readings: the switch never changes within min_cycle_duration of its
    last change; when not held it is on after a too-cold (heater) / too-hot (ac) reading,
    off after the opposite, and unchanged in between."""
    g = fresh(ac_mode=ac_mode, cold_tolerance=cold, hot_tolerance=hot,
              min_cycle_duration=min_cycle)
    now = 0.0
    last_change = float("-inf")
    for dt, current, target in seq:
        now += dt
        before = g.active
        after = g.control(now, current, target)
        assert after == g.active
        held = now - last_change < min_cycle
        too_cold = target >= current + cold
        too_hot = current >= target + hot
        want_on, want_off = (too_hot, too_cold) if ac_mode else (too_cold, too_hot)
        if held:
            assert after == before
        elif before:
            assert after is (not want_off)
        else:
            assert after is want_on
        if after != before:
            last_change = now
            assert g.changed_at == now


@pytest.mark.parametrize("ac_mode", [False, True])
def test_no_more_than_one_switch_per_min_cycle(ac_mode: bool) -> None:
    """A reading every second swinging far past both tolerances: a switch every 300 s."""
    g = fresh(ac_mode=ac_mode)
    changes = []
    state = g.active
    for t in range(3600):
        current = 10.0 if (t // 7) % 2 else 30.0
        if g.control(float(t), current, TARGET) != state:
            state = g.active
            changes.append(t)
    assert all(b - a >= 300 for a, b in itertools.pairwise(changes))
    assert len(changes) >= 10
