"""bench/ha_thermostat.py follows Home Assistant's current generic_thermostat
(``_async_control_heating`` at home-assistant/core 0087f75): strict comparisons, the minimum
cycle only before switching off, the cooldown only before switching on, forced control on a
target change, control only when the sensor's state changes, the re-check timer with the
source's delay, keep-alive and the maximum cycle."""

import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from ha_thermostat import HAThermostat, ScheduledHA

TARGET = 20.0


def entity(now: float = 0.0, **kwargs: float | bool) -> HAThermostat:
    e = HAThermostat(**kwargs)  # type: ignore[arg-type]
    e.start(now)
    e.set_target(now, TARGET)
    return e


def test_comparisons_are_strict() -> None:
    """Heater: 19.7 with target 20 and tolerance 0.3 is not too cold (20 > 19.7 + 0.3 is
    false); 19.6 is. Switched on, 20.3 is not too hot; 20.4 is."""
    e = entity(cold_tolerance=0.25, hot_tolerance=0.25)
    assert e.sensor(0.0, 19.75) is False  # exact in binary: 20 > 19.75 + 0.25 is false
    assert e.sensor(0.0, 19.7) is True
    e = entity(cold_tolerance=0.25, hot_tolerance=0.25, min_cycle_duration=0.0)
    e.sensor(0.0, 19.0)
    assert e.sensor(10.0, 20.25) is True  # 20 < 20.25 − 0.25 is false
    assert e.sensor(20.0, 20.5) is False


def test_min_cycle_duration_delays_only_switching_off() -> None:
    """On at t = 0; a hot reading at 100 s leaves it on (a re-check armed); at 300 s it
    goes off. The cooldown (0 here) lets a cold reading at 301 s switch it on again."""
    e = entity(min_cycle_duration=300.0, cycle_cooldown=0.0)
    assert e.sensor(0.0, 19.0) is True
    assert e.sensor(100.0, 21.0) is True
    assert e.check_at is not None
    assert e.sensor(299.0, 21.1) is True
    assert e.sensor(300.0, 21.2) is False
    assert e.sensor(301.0, 19.0) is True


def test_cycle_cooldown_delays_only_switching_on() -> None:
    """Cooldown 300 s, no minimum cycle: on at 0, off at 10 s at once; on again not before
    310 s."""
    e = entity(min_cycle_duration=0.0, cycle_cooldown=300.0)
    assert e.sensor(0.0, 19.0) is True
    assert e.sensor(10.0, 21.0) is False
    assert e.sensor(100.0, 19.0) is False
    assert e.sensor(309.0, 18.9) is False
    assert e.sensor(310.0, 18.8) is True


def test_start_subtracts_the_cooldown() -> None:
    """At start ``last_toggled = now − cycle_cooldown``: the first cold reading switches on."""
    e = entity(1000.0, cycle_cooldown=300.0)
    assert e.sensor(1000.0, 19.0) is True


def test_a_target_change_forces_control() -> None:
    """A target change within the cooldown or the minimum cycle acts at once."""
    e = entity(min_cycle_duration=300.0, cycle_cooldown=300.0)
    assert e.sensor(0.0, 19.0) is True
    assert e.set_target(10.0, 18.0) is False  # too hot now, minimum cycle ignored
    assert e.set_target(20.0, 21.0) is True  # too cold now, cooldown ignored


def test_control_runs_only_when_the_sensor_state_changes() -> None:
    """Within the cooldown, a repeated reading does not re-run control (no event); the
    re-check timer does."""
    e = entity(min_cycle_duration=0.0, cycle_cooldown=300.0)
    e.sensor(0.0, 19.0)
    e.sensor(10.0, 21.0)  # off at 10
    assert e.sensor(20.0, 19.0) is False  # cooldown: re-check armed
    # the source's delay: now − last_toggled + cooldown = 20 − 10 + 300 = 310 s after 20
    assert e.check_at == 330.0
    assert e.sensor(320.0, 19.0) is False  # same value: no event, and the timer is not due
    e.run_timers(330.0)
    assert e.active is True
    assert e.log[-1] == (330.0, "on")


def test_the_recheck_timer_fires_at_its_own_time() -> None:
    """A sensor reading after the re-check's time first fires the timer (at its time, with
    the temperature then known), then handles the reading."""
    e = entity(min_cycle_duration=300.0, cycle_cooldown=0.0)
    e.sensor(0.0, 19.0)
    e.sensor(100.0, 21.0)  # re-check at 100 + (100 + 300) = 500
    assert e.check_at == 500.0
    e.sensor(600.0, 21.0)  # same value: only the timer acts
    assert e.log[-1] == (500.0, "off")


def test_keep_alive_runs_control_without_toggling() -> None:
    """keep_alive 180 s: control runs every 180 s on the last known temperature; a switch
    already in the right state is re-commanded, not toggled."""
    e = entity(min_cycle_duration=0.0, cycle_cooldown=300.0, keep_alive=180.0)
    e.sensor(0.0, 19.0)
    e.sensor(10.0, 21.0)
    e.sensor(20.0, 19.0)  # cooldown: re-check at 330
    e.check_at = None  # without the re-check, the keep-alive at 360 switches it on
    e.run_timers(359.0)
    assert e.active is False
    e.run_timers(360.0)
    assert e.active is True and e.log[-1] == (360.0, "on")


def test_max_cycle_duration_forces_off() -> None:
    """max_cycle_duration 600 s: switched on at 0, off at 600 even while still too cold."""
    e = entity(max_cycle_duration=600.0, cycle_cooldown=0.0, min_cycle_duration=0.0)
    e.sensor(0.0, 18.0)
    e.run_timers(600.0)
    assert e.active is False and e.log[-1] == (600.0, "off")


def test_ac_mode_is_the_mirror_image() -> None:
    """Cooling: on when strictly too hot, off when strictly too cold."""
    e = entity(ac_mode=True, min_cycle_duration=0.0, cycle_cooldown=0.0)
    assert e.sensor(0.0, 20.25) is False
    assert e.sensor(1.0, 20.5) is True
    assert e.sensor(2.0, 19.75) is True
    assert e.sensor(3.0, 19.5) is False


def test_the_automation_moves_the_schedule_by_its_lead() -> None:
    """ScheduledHA sets the target only when the schedule's target differs (forced control)."""
    ha = ScheduledHA(HAThermostat(), lead_s=3600.0)
    assert ha.control(0.0, 19.9, 20.0) is False
    assert ha.control(60.0, 19.9, 21.0) is True  # forced: 21 > 19.9 + 0.3


steps = st.lists(st.tuples(st.floats(1.0, 400.0), st.floats(15.0, 25.0).map(
    lambda v: round(v, 1)), st.sampled_from([18.0, 20.0, 21.0])), min_size=1, max_size=60)


@settings(max_examples=200, deadline=None)
@given(st.booleans(), st.floats(0.0, 900.0), st.floats(0.0, 900.0), steps)
def test_unforced_switching_respects_both_timers(ac_mode: bool, min_cycle: float,
                                                 cooldown: float,
                                                 seq: list[tuple[float, float, float]]) -> None:
    """Any readings with a fixed target: every switch-off comes at least min_cycle_duration
    after the switch-on before it, every switch-on at least cycle_cooldown after the
    switch-off before it, and the switch only moves the way the comparisons ask."""
    e = HAThermostat(ac_mode=ac_mode, min_cycle_duration=min_cycle, cycle_cooldown=cooldown)
    e.start(0.0)
    e.set_target(0.0, TARGET)
    now = 0.0
    for dt, current, _ in seq:
        now += dt
        e.sensor(now, current)
    for (t0, _), (t1, what) in zip(e.log, e.log[1:], strict=False):
        wait = min_cycle if what == "off" else cooldown
        assert t1 - t0 >= wait - 1e-9
