"""The simulated house's physics against the analytic solution of the 1R1C model."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rpymostat.engine.sim.model import (
    House,
    OutdoorModel,
    SimZone,
    ZoneParams,
    settle,
    solar_share,
)

PARAMS = ZoneParams(r_k_per_kw=5.0, c_kwh_per_k=3.0, heater_kw=8.0, cooler_kw=4.0)


def house(temp: float, outdoor: OutdoorModel, params: ZoneParams = PARAMS) -> House:
    return House({"house": SimZone(params, temp)}, outdoor, now=0.0)


def test_the_time_constant_is_r_times_c() -> None:
    """After one time constant (R·C = 15 h) with the heater off, the gap to the outdoors is
    1/e of what it was."""
    h = house(20.0, OutdoorModel(0.0, 0.0))
    assert PARAMS.tau_s == 15 * 3600
    h.advance_to(PARAMS.tau_s)
    assert h.zones["house"].temp_c == pytest.approx(20.0 / math.e, rel=1e-9)


def test_steady_state_is_outdoor_plus_r_times_power() -> None:
    """With the heater on long enough the zone settles at T_out + R·P (0 + 5 K/kW × 8 kW)."""
    h = house(0.0, OutdoorModel(0.0, 0.0))
    h.zones["house"].set_output("heat", True)
    h.advance_to(20 * PARAMS.tau_s)
    assert h.zones["house"].temp_c == pytest.approx(40.0, abs=1e-6)
    assert h.zones["house"].heat_kwh == pytest.approx(8.0 * 20 * 15, rel=1e-9)


@settings(deadline=None, max_examples=100)
@given(st.floats(-20, 40), st.floats(-20, 30), st.floats(-4, 8), st.floats(1, 200_000))
def test_many_small_steps_equal_one_exact_step(start: float, outdoor: float, power: float,
                                               seconds: float) -> None:
    """The exact solution composes: steps of MAX_STEP give the analytic value."""
    h = house(start, OutdoorModel(outdoor, 0.0),
              ZoneParams(heater_kw=max(power, 0.0), cooler_kw=max(-power, 0.0)))
    zone = h.zones["house"]
    zone.set_output("heat", power > 0)
    zone.set_output("cool", power < 0)
    h.advance_to(seconds)
    expected = outdoor + 5.0 * power + (start - outdoor - 5.0 * power) * math.exp(
        -seconds / PARAMS.tau_s)
    assert zone.temp_c == pytest.approx(expected, abs=1e-6)


def test_cooling_lowers_the_steady_state() -> None:
    """A 4 kW cooler in 30 °C outdoors settles at 30 − 5 × 4 = 10 °C."""
    assert settle(30.0, 30.0, -4.0, PARAMS, 1e9) == pytest.approx(10.0)


def test_outdoor_daily_curve_and_weather_are_deterministic() -> None:
    """Coldest at 05:00, warmest at 17:00 local; the same seed gives the same weather."""
    sky = OutdoorModel(5.0, 4.0, utc_offset_h=1.0)
    assert sky.temperature(4 * 3600) == pytest.approx(1.0)   # 05:00 local
    assert sky.temperature(16 * 3600) == pytest.approx(9.0)  # 17:00 local
    a = OutdoorModel(5.0, 4.0, seed=3, step_sd=2.0)
    b = OutdoorModel(5.0, 4.0, seed=3, step_sd=2.0)
    times = [i * 5000.0 for i in range(50)]
    assert [a.temperature(t) for t in times] == [b.temperature(t) for t in reversed(times)][::-1]
    assert len({round(a.weather(t), 6) for t in times}) > 5  # the weather does change
    assert OutdoorModel(5.0, 4.0, seed=4, step_sd=2.0).weather(0) != a.weather(0)


def test_solar_gain_is_a_half_sine_by_day() -> None:
    assert solar_share(3.0) == 0.0 and solar_share(21.0) == 0.0
    assert solar_share(12.0) == pytest.approx(1.0)
    assert solar_share(9.0) == pytest.approx(math.sin(math.pi / 4))


def test_switches_are_counted_and_only_heat_or_cool_exist() -> None:
    zone = SimZone(PARAMS, 20.0)
    zone.set_output("heat", True)
    zone.set_output("heat", True)
    zone.set_output("heat", False)
    assert zone.switches == 2
    with pytest.raises(ValueError, match="not 'fan'"):
        zone.set_output("fan", True)
