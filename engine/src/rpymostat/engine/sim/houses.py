"""Kinds of houses for the control-quality benchmark: thermal RC networks (pure; time is
passed in, nothing sleeps).

Each house is up to three thermal capacities — the room air (with furniture and light
internal parts), the building's heavy mass, and the heat emitter (radiators' water and steel,
or an underfloor screed) — joined by resistances and to the outdoors::

    C · dx/dt = −K · x + g,     g = G_out · T_out + P

``K`` is the conductance matrix, ``G_out`` the conductances to the outdoors and ``P`` the heat
into each node (the heat source into the emitter, or into the air when there is none;
cooling and the sun into the air). With the inputs held over a step the solution is exact:
``x(t) = x_ss + e^{A t} (x0 − x_ss)`` with ``A = −C⁻¹K`` and ``x_ss = K⁻¹ g`` — the matrix
exponential is computed once per step length (scaling and squaring), so a step costs two
3×3 products, no integration error.

The kinds (parameters and where they come from; ``Af`` the heated floor area):

- ``timber``: today's light 1R1C house (``sim.model.ZoneParams`` defaults: UA 200 W/K,
  C 3 kWh/K, τ 15 h, 12 kW heat straight into the air, 5 kW air conditioner).
- ``masonry``: an old solid-wall house, 150 m², radiators, 2R2C (Bacher & Madsen 2011,
  "Identifying suitable models for the heat dynamics of buildings", Energy and Buildings 43,
  the TiTe model) with the capacities and couplings of EN ISO 13790:2008 §12.2/Table 12:
  heavy class C_m = 260 kJ/(m²K)·Af = 10.8 kWh/K; air and furniture 10 kJ/(m²K)·Af (EN ISO
  52016-1) = 0.42 kWh/K; air–mass coupling h_ms = 9.1 W/(m²K) on A_m = 3.5·Af in series with
  h_is = 3.45 W/(m²K) on A_t = 4.5·Af → 1.57 kW/K; transmission 300 W/K in all (uninsulated
  walls 176 W/K through the mass; windows 60 W/K and ventilation 0.5 ach of 375 m³ = 64 W/K on
  the air). A 15 kW boiler into radiators rated 15 kW at ΔT 50 K (EN 442, linearised:
  0.3 kW/K) holding 0.12 kWh/K (about 100 l of water and their steel): τ ≈ 24 min.
- ``underfloor``: a 2000s house, UA 150 W/K, room C 3 kWh/K, heated by an 8 kW boiler through
  a 65 mm cement screed over 100 m² (2000 kg/m³, 1000 J/(kg K): 3.6 kWh/K) that gives heat
  to the room at 10.8 W/(m²K) (EN 1264-2's floor heat-exchange coefficient, linearised):
  1.08 kW/K, a floor time constant of 3.3 h; at full power the floor settles 7.4 K above the
  room (under EN 1264's 29 °C limit for a 21 °C room).
- ``heatpump``: a well-insulated house (UA 120 W/K, C 4 kWh/K) with low-temperature
  radiators (0.4 kW/K, 0.15 kWh/K) and an air-to-water heat pump: 6 kW at A7/W35, losing
  1.5 %/K below that (a typical datasheet's capacity curve: 4.3 kW at −12 °C); its COP is
  Staffell et al. 2012 ("A review of domestic heat pumps", Energy Environ. Sci. 5, 9291),
  the air-source fit ``COP = 6.81 − 0.121·ΔT + 0.000630·ΔT²`` with ΔT = 35 °C − T_out (3.9
  at 7 °C, 2.5 at −12 °C). Its energy is the electricity: heat / COP.

Every kind cools with an air conditioner on the air (its energy counted as the heat
removed, as in ``sim.model``).
"""

import math
from dataclasses import dataclass, field

from .model import MAX_STEP, solar_share

Matrix = list[list[float]]
FLOW_C = 35.0  # the heat pump's flow temperature (W35)
# A window wide open: an assumption, not a measurement — 0.3 kW/K is about 880 m³/h of outdoor
# air (0.34 Wh/(m³K)), a casement wide open with some cross-draught.
WINDOW_KW_PER_K = 0.3


@dataclass(frozen=True)
class HouseKind:
    """One kind of house: capacities kWh/K (0: no such node), resistances K/kW."""

    name: str
    c_air: float
    r_air_out: float
    c_mass: float = 0.0
    r_air_mass: float = 0.0
    r_mass_out: float = 0.0
    c_emitter: float = 0.0
    r_emitter_air: float = 0.0
    heater_kw: float = 12.0
    cooler_kw: float = 5.0
    heat_pump: bool = False
    hp_derate_per_k: float = 0.015

    def nodes(self) -> list[str]:
        """The nodes, air first."""
        return ["air"] + (["mass"] if self.c_mass else []) + (["emitter"] if self.c_emitter
                                                               else [])

    def ua_kw_per_k(self) -> float:
        """The steady-state loss to the outdoors, kW/K."""
        ua = 1.0 / self.r_air_out
        if self.c_mass:
            ua += 1.0 / (self.r_air_mass + self.r_mass_out)
        return ua


def _masonry() -> HouseKind:
    air_out = 1.0 / (0.060 + 0.064)  # windows + ventilation, kW/K → K/kW
    return HouseKind("masonry", c_air=0.42, r_air_out=air_out, c_mass=10.8,
                     r_air_mass=1.0 / 1.57, r_mass_out=1.0 / 0.176, c_emitter=0.12,
                     r_emitter_air=1.0 / 0.3, heater_kw=15.0)


KINDS: dict[str, HouseKind] = {
    "timber": HouseKind("timber", c_air=3.0, r_air_out=5.0, heater_kw=12.0),
    "masonry": _masonry(),
    "underfloor": HouseKind("underfloor", c_air=3.0, r_air_out=1.0 / 0.150, c_emitter=3.6,
                            r_emitter_air=1.0 / 1.08, heater_kw=8.0),
    "heatpump": HouseKind("heatpump", c_air=4.0, r_air_out=1.0 / 0.120, c_emitter=0.15,
                          r_emitter_air=1.0 / 0.4, heater_kw=6.0, cooler_kw=4.0,
                          heat_pump=True),
}


def heat_pump_cop(outdoor_c: float, flow_c: float = FLOW_C) -> float:
    """Staffell et al. 2012, air-source: COP from the temperature lift ΔT = flow − outdoor."""
    lift = max(15.0, flow_c - outdoor_c)  # the fit holds for lifts of about 15-60 K
    return 6.81 - 0.121 * lift + 0.000630 * lift * lift


def heat_pump_kw(kind: HouseKind, outdoor_c: float) -> float:
    """The heat pump's heat output at ``outdoor_c`` (nominal at A7, derated below)."""
    share = 1.0 + kind.hp_derate_per_k * (outdoor_c - 7.0)
    return kind.heater_kw * min(1.2, max(0.3, share))


# -- small dense linear algebra (3×3 at most) ---------------------------------------------

def _matmul(a: Matrix, b: Matrix) -> Matrix:
    n, m, p = len(a), len(b), len(b[0])
    return [[sum(a[i][k] * b[k][j] for k in range(m)) for j in range(p)] for i in range(n)]


def _inverse(a: Matrix) -> Matrix:
    """Gauss–Jordan inverse (the conductance matrix is symmetric positive definite)."""
    n = len(a)
    m = [row[:] + [1.0 if i == j else 0.0 for j in range(n)] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        div = m[col][col]
        m[col] = [v / div for v in m[col]]
        for r in range(n):
            if r != col and m[r][col]:
                f = m[r][col]
                m[r] = [v - f * w for v, w in zip(m[r], m[col], strict=True)]
    return [row[n:] for row in m]


def expm(a: Matrix) -> Matrix:
    """e^A by scaling and squaring a Taylor series (A small and well scaled here)."""
    n = len(a)
    norm = max(sum(abs(v) for v in row) for row in a)
    squarings = max(0, math.ceil(math.log2(norm)) + 1) if norm > 0.5 else 0
    scaled = [[v / 2 ** squarings for v in row] for row in a]
    result = [[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)]
    term = [row[:] for row in result]
    for k in range(1, 20):
        term = [[v / k for v in row] for row in _matmul(term, scaled)]
        result = [[r + t for r, t in zip(rr, tr, strict=True)] for rr, tr in zip(result, term,
                                                                                  strict=True)]
    for _ in range(squarings):
        result = _matmul(result, result)
    return result


@dataclass
class ThermalHouse:
    """One house of a kind: its node temperatures, outputs and energy used so far
    (``heat_kwh`` is electricity for a heat pump). Same interface as ``sim.model.SimZone``."""

    kind: HouseKind
    temp_c: float
    solar_kw: float = 0.0
    heater: bool = False
    cooler: bool = False
    heat_kwh: float = 0.0
    heat_delivered_kwh: float = 0.0
    cool_kwh: float = 0.0
    switches: int = 0
    window_open: bool = False
    window_kw_per_k: float = WINDOW_KW_PER_K
    x: list[float] = field(default_factory=list)
    _phi: dict[tuple[bool, float], Matrix] = field(default_factory=dict, repr=False)
    _built: dict[bool, tuple[Matrix, Matrix, list[float]]] = field(default_factory=dict,
                                                                   repr=False)

    def __post_init__(self) -> None:
        self.x = [self.temp_c] * len(self.kind.nodes())
        self._build()

    def set_window(self, is_open: bool) -> None:
        """Open or close a window: ``window_kw_per_k`` more from the air to the outdoors."""
        if is_open != self.window_open:
            self.window_open = is_open
            self._build()

    def _build(self) -> None:
        if self.window_open in self._built:
            self.cond_inv, self.a, self.g_out = self._built[self.window_open]
            return
        names = self.kind.nodes()
        n = len(names)
        k = self.kind
        cap = {"air": k.c_air, "mass": k.c_mass, "emitter": k.c_emitter}
        cond: Matrix = [[0.0] * n for _ in range(n)]
        self.g_out = [0.0] * n
        idx = {name: i for i, name in enumerate(names)}

        def join(a: str, b: str, r: float) -> None:
            i, j = idx[a], idx[b]
            cond[i][i] += 1 / r
            cond[j][j] += 1 / r
            cond[i][j] -= 1 / r
            cond[j][i] -= 1 / r

        air_out = 1 / k.r_air_out + (self.window_kw_per_k if self.window_open else 0.0)
        cond[0][0] += air_out
        self.g_out[0] = air_out
        if "mass" in idx:
            join("air", "mass", k.r_air_mass)
            cond[idx["mass"]][idx["mass"]] += 1 / k.r_mass_out
            self.g_out[idx["mass"]] = 1 / k.r_mass_out
        if "emitter" in idx:
            join("emitter", "air", k.r_emitter_air)
        self.heat_node = idx.get("emitter", 0)
        self.caps = [cap[name] * 3600.0 for name in names]  # kJ/K (kW·s per K)
        self.cond = cond
        self.cond_inv = _inverse(cond)
        self.a = [[-cond[i][j] / self.caps[i] for j in range(n)] for i in range(n)]
        self._built[self.window_open] = (self.cond_inv, self.a, self.g_out)

    def names(self) -> list[str]:
        return self.kind.nodes()

    def node(self, name: str) -> float:
        """A node's temperature."""
        return self.x[self.names().index(name)]

    def phi(self, dt: float) -> Matrix:
        """e^{A·dt}, cached per step length (and window state)."""
        key = (self.window_open, dt)
        if key not in self._phi:
            self._phi[key] = expm([[v * dt for v in row] for row in self.a])
        return self._phi[key]

    def heat_kw(self, outdoor: float) -> float:
        """Heat the heat source gives now (kW thermal)."""
        if not self.heater:
            return 0.0
        return heat_pump_kw(self.kind, outdoor) if self.kind.heat_pump else self.kind.heater_kw

    def set_output(self, function: str, on: bool) -> None:
        """Switch the heater or the cooler (counting switches)."""
        if function not in ("heat", "cool"):
            raise ValueError(f"a simulated house has a heater and a cooler, not {function!r}")
        attr = "heater" if function == "heat" else "cooler"
        if getattr(self, attr) != on:
            setattr(self, attr, on)
            self.switches += 1

    def advance(self, dt: float, outdoor: float, hour_of_day: float) -> None:
        """Let ``dt`` seconds pass with the current inputs (exact; in MAX_STEP pieces)."""
        while dt > 0:
            step = min(MAX_STEP, dt)
            self._step(step, outdoor, hour_of_day)
            dt -= step

    def _step(self, dt: float, outdoor: float, hour_of_day: float) -> None:
        n = len(self.x)
        heat = self.heat_kw(outdoor)
        power = [0.0] * n
        power[self.heat_node] += heat
        power[0] += self.solar_kw * solar_share(hour_of_day)
        power[0] -= self.kind.cooler_kw if self.cooler else 0.0
        g = [self.g_out[i] * outdoor + power[i] for i in range(n)]
        ss = [sum(self.cond_inv[i][j] * g[j] for j in range(n)) for i in range(n)]
        phi = self.phi(dt)
        dev = [self.x[i] - ss[i] for i in range(n)]
        self.x = [ss[i] + sum(phi[i][j] * dev[j] for j in range(n)) for i in range(n)]
        self.temp_c = self.x[0]
        hours = dt / 3600.0
        self.heat_delivered_kwh += heat * hours
        if self.kind.heat_pump:
            self.heat_kwh += heat * hours / heat_pump_cop(outdoor) if heat else 0.0
        else:
            self.heat_kwh += heat * hours
        self.cool_kwh += self.kind.cooler_kw * hours if self.cooler else 0.0

    def time_constants_h(self) -> list[float]:
        """The house's time constants (−1/eigenvalues of A), hours, longest first; exact for
        up to three nodes (A is similar to a symmetric matrix: real eigenvalues)."""
        return sorted((-1.0 / lam / 3600.0 for lam in _eigenvalues(self.a)), reverse=True)


def _eigenvalues(a: Matrix) -> list[float]:
    """Real eigenvalues of a 1×1, 2×2 or 3×3 matrix with real spectrum."""
    n = len(a)
    if n == 1:
        return [a[0][0]]
    if n == 2:
        tr, det = a[0][0] + a[1][1], a[0][0] * a[1][1] - a[0][1] * a[1][0]
        disc = math.sqrt(max(0.0, tr * tr / 4 - det))
        return [tr / 2 - disc, tr / 2 + disc]
    # the characteristic cubic λ³ + b λ² + c λ + d, solved by the trigonometric method
    tr = sum(a[i][i] for i in range(3))
    minors = sum(a[i][i] * a[j][j] - a[i][j] * a[j][i] for i in range(3) for j in range(i + 1, 3))
    det = (a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1])
           - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
           + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]))
    b, c, d = -tr, minors, -det
    p = c - b * b / 3
    q = 2 * b ** 3 / 27 - b * c / 3 + d
    r = math.sqrt(max(0.0, -p / 3))
    if r == 0:
        return [-b / 3] * 3
    arg = max(-1.0, min(1.0, 3 * q / (2 * p * r)))
    theta = math.acos(arg) / 3
    return [2 * r * math.cos(theta - 2 * math.pi * k / 3) - b / 3 for k in range(3)]
