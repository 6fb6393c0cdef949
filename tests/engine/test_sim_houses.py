"""The kinds of simulated houses (engine/sim/houses.py) against their analytic or published
behaviour: the light house equals the 1R1C closed form; the masonry house's two time
constants and its air's step response equal the 2R2C closed form; underfloor heating answers
hours late; the heat pump's COP is Staffell et al.'s curve and its energy is electricity."""

import itertools
import math

import pytest

from rpymostat.engine.sim.houses import (
    KINDS,
    ThermalHouse,
    expm,
    heat_pump_cop,
    heat_pump_kw,
)
from rpymostat.engine.sim.model import ZoneParams, settle


def run(house: ThermalHouse, hours: float, outdoor: float = 0.0) -> list[float]:
    """Advance minute by minute; the air temperature at the end of each minute."""
    out = []
    for _ in range(int(hours * 60)):
        house.advance(60.0, outdoor, 0.0)
        out.append(house.temp_c)
    return out


def test_timber_is_todays_1r1c_house() -> None:
    """Heating from 15 °C at 0 °C outdoors: every minute equals the exact 1R1C solution of
    sim.model with its defaults (τ 15 h)."""
    house = ThermalHouse(KINDS["timber"], 15.0)
    house.set_output("heat", True)
    temps = run(house, 20)
    for minute in (1, 60, 600, 1200):
        assert temps[minute - 1] == pytest.approx(settle(15.0, 0.0, 12.0, ZoneParams(),
                                                         60.0 * minute), abs=1e-9)
    assert house.time_constants_h() == pytest.approx([15.0])


def two_node(house: ThermalHouse) -> tuple[float, float, float, float]:
    """The masonry house without its emitter: (C_a, C_m) in kJ/K and the 2×2 A matrix's
    entries, from the kind's parameters (not the class's matrices)."""
    k = house.kind
    ca, cm = k.c_air * 3600, k.c_mass * 3600
    h_ao, h_am, h_mo = 1 / k.r_air_out, 1 / k.r_air_mass, 1 / k.r_mass_out
    return ((-(h_ao + h_am)) / ca, h_am / ca, h_am / cm, (-(h_am + h_mo)) / cm)


def test_masonry_has_the_2r2c_time_constants() -> None:
    """The slow time constant is over a day (heavy mass stores heat), the fast one under an
    hour; without the radiators' node they are exactly the closed-form 2×2 eigenvalues."""
    house = ThermalHouse(KINDS["masonry"], 20.0)
    slow, *fast = house.time_constants_h()
    assert slow > 24.0 and max(fast) < 1.0
    a11, a12, a21, a22 = two_node(house)
    tr, det = a11 + a22, a11 * a22 - a12 * a21
    lams = sorted([tr / 2 - math.sqrt(tr * tr / 4 - det), tr / 2 + math.sqrt(tr * tr / 4 - det)])
    taus = sorted((-1 / lam / 3600 for lam in lams), reverse=True)
    # the radiators (τ ≈ 0.4 h) barely change the building's slow mode
    assert slow == pytest.approx(taus[0], rel=0.01)


def test_masonry_air_follows_the_2r2c_closed_form() -> None:
    """Heat straight into the air of the two-node house (its emitter removed): the air's step
    response from 10 °C at 0 °C outdoors is x_ss + c1·e^{λ1 t} + c2·e^{λ2 t}."""
    kind = KINDS["masonry"]
    from dataclasses import replace
    bare = replace(kind, c_emitter=0.0, r_emitter_air=0.0)
    house = ThermalHouse(bare, 10.0)
    house.set_output("heat", True)
    a11, a12, a21, a22 = two_node(house)
    p_air = bare.heater_kw / (bare.c_air * 3600)
    # steady state: A x + b = 0, b = (p_air + 0, 0) with T_out = 0
    det = a11 * a22 - a12 * a21
    xa, xm = -(a22 * p_air) / det, (a21 * p_air) / det
    tr = a11 + a22
    disc = math.sqrt(tr * tr / 4 - det)
    l1, l2 = tr / 2 - disc, tr / 2 + disc
    # eigenvectors (a12, λ − a11); initial deviation d = (10 − xa, 10 − xm)
    v1, v2 = (a12, l1 - a11), (a12, l2 - a11)
    da, dm = 10 - xa, 10 - xm
    c2 = (dm * v1[0] - da * v1[1]) / (v2[1] * v1[0] - v2[0] * v1[1])
    c1 = (da - c2 * v2[0]) / v1[0]
    temps = run(house, 48)
    for hour in (0.5, 2, 12, 48):
        t = hour * 3600
        want = xa + c1 * v1[0] * math.exp(l1 * t) + c2 * v2[0] * math.exp(l2 * t)
        assert temps[int(hour * 60) - 1] == pytest.approx(want, abs=1e-6)


def test_underfloor_answers_hours_late() -> None:
    """From steady 18 °C, the floor switched on at 0 °C outdoors: after 1 h the room has
    gained almost nothing, it takes hours to gain 1 K, and heat keeps rising into the room
    for hours after the floor is switched off (the screed's store)."""
    house = ThermalHouse(KINDS["underfloor"], 18.0)
    # settle the nodes at 18 °C indoors: hold 0 °C outdoors with the floor at its share
    house.x = [18.0, 18.0 + 18.0 * 0.150 / 1.08]
    temps = run(house, 0.1)
    assert temps[-1] < 18.0  # no gain yet (the floor was only keeping the room)
    house.set_output("heat", True)
    temps = run(house, 6)
    assert temps[59] - 18.0 < 0.3
    gained_1k = next(i for i, t in enumerate(temps) if t >= 19.0) / 60
    assert 2.0 < gained_1k < 6.0
    house.set_output("heat", False)
    after = run(house, 3)
    assert max(after) > temps[-1] + 0.1  # overshoot after switching off
    slow, fast = house.time_constants_h()
    assert fast == pytest.approx(1.45, abs=0.1) and slow > 24


@pytest.mark.parametrize(("outdoor", "cop"), [(7.0, 3.916), (2.0, 3.503), (-7.0, 2.840),
                                              (-15.0, 2.335)])
def test_heat_pump_cop_is_staffells_curve(outdoor: float, cop: float) -> None:
    """COP = 6.81 − 0.121·ΔT + 0.000630·ΔT² with ΔT = 35 − T_out (Staffell et al. 2012)."""
    assert heat_pump_cop(outdoor) == pytest.approx(cop, abs=1e-3)


def test_heat_pump_cop_and_capacity_fall_with_the_cold() -> None:
    """Colder outdoors: less heat and a lower COP, monotonically from 20 °C to −20 °C."""
    temps = [20.0 - i for i in range(41)]
    cops = [heat_pump_cop(t) for t in temps]
    kws = [heat_pump_kw(KINDS["heatpump"], t) for t in temps]
    assert all(a > b for a, b in itertools.pairwise(cops))
    assert all(a >= b for a, b in itertools.pairwise(kws))
    assert heat_pump_kw(KINDS["heatpump"], 7.0) == 6.0


def test_heat_pump_energy_is_electricity() -> None:
    """An hour on at −7 °C outdoors: heat delivered = capacity, energy = heat / COP."""
    house = ThermalHouse(KINDS["heatpump"], 20.0)
    house.set_output("heat", True)
    run(house, 1, outdoor=-7.0)
    assert house.heat_delivered_kwh == pytest.approx(heat_pump_kw(KINDS["heatpump"], -7.0))
    assert house.heat_kwh == pytest.approx(house.heat_delivered_kwh / heat_pump_cop(-7.0))


def test_expm_of_a_diagonal_matrix() -> None:
    """The matrix exponential of diag(−1, −2) is diag(e⁻¹, e⁻²)."""
    m = expm([[-1.0, 0.0], [0.0, -2.0]])
    assert m[0][0] == pytest.approx(math.exp(-1)) and m[1][1] == pytest.approx(math.exp(-2))
    assert m[0][1] == pytest.approx(0.0)


def test_steady_state_is_ua_times_the_difference() -> None:
    """Every kind, heater on for weeks at 0 °C outdoors: the air settles at P / UA."""
    for kind in KINDS.values():
        if kind.heat_pump:
            continue
        house = ThermalHouse(kind, 20.0)
        house.set_output("heat", True)
        run(house, 24 * 30)
        assert house.temp_c == pytest.approx(kind.heater_kw / kind.ua_kw_per_k(), rel=1e-3)


def test_an_open_window_adds_its_conductance_and_closing_restores_it() -> None:
    """Heater on for weeks at 0 °C: with a window open the air settles at P / (UA + 0.3 kW/K);
    closed again, at P / UA; the nodes keep their temperatures across the switch."""
    kind = KINDS["timber"]
    house = ThermalHouse(kind, 20.0)
    house.set_output("heat", True)
    house.set_window(True)
    run(house, 24 * 30)
    assert house.temp_c == pytest.approx(kind.heater_kw / (kind.ua_kw_per_k() + 0.3), rel=1e-3)
    before = house.temp_c
    house.set_window(False)
    assert house.temp_c == before
    run(house, 24 * 30)
    assert house.temp_c == pytest.approx(kind.heater_kw / kind.ua_kw_per_k(), rel=1e-3)
