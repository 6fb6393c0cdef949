"""How fast a zone heats (and cools): learnt from its own history (pure; time comes in).

While the heat output runs, the zone warms at a rate that falls as the house gets warmer than
outdoors: for a house that behaves like one thermal mass behind one resistance (1R1C),
exactly ``rate = gain − loss · (T_in − T_out)`` in K/h, with ``gain = P/C`` and
``loss = 1/(R·C)``. Cooling is the mirror: ``rate = gain + loss · (T_in − T_out)`` (the
cooler's pull plus the leak indoors). :class:`RateLearner` fits ``rate = a + b · diff`` per
function by weighted least squares over *runs*:

- a sample is one stretch of an uninterrupted run, ``SKIP_S`` after the switch-on (radiators
  and ducts take a while), ``WINDOW_S`` long at most and ``MIN_WINDOW_S`` at least; its rate is
  the least-squares slope of the readings (robust to a sensor's 0.1 °C steps), its ``diff`` the
  mean indoor–outdoor difference;
- old samples fade by ``FORGET`` per new one, so the model follows a changing season;
- with ``MIN_SAMPLES`` samples whose differences spread at least ``MIN_SPREAD_K`` the model is
  the regression line; with enough samples but no spread (or no outdoor temperature) it is
  their mean rate, constant; with fewer there is no model, and the zone starts on time.

:meth:`RateModel.seconds_to` integrates the model from now's temperature to a target (the
exact solution of ``dT/dt = a + b·(T − T_out)``); ``None`` means the target is out of reach.
"""

import math
from dataclasses import dataclass, field
from typing import Any

SKIP_S = 180.0
WINDOW_S = 1800.0
MIN_WINDOW_S = 480.0
MIN_POINTS = 5
FORGET = 0.98
MIN_SAMPLES = 6
MIN_SPREAD_K = 1.5
FUNCTIONS = ("heat", "cool")
MIN_RATE = 0.05  # K/h: slower than this is "not reaching it"


@dataclass(frozen=True)
class RateModel:
    """``rate = a + b · (T_in − T_out)`` in K/h towards the target (heat: warming; cool:
    cooling); ``b`` is 0 for a constant-rate model."""

    function: str
    a: float
    b: float
    samples: int

    def rate(self, temp: float, outdoor: float | None) -> float:
        """K/h towards the target at indoor ``temp``."""
        diff = 0.0 if outdoor is None or self.b == 0 else temp - outdoor
        return self.a + self.b * diff

    def seconds_to(self, temp: float, target: float, outdoor: float | None) -> float | None:
        """Seconds from ``temp`` to ``target`` at this rate (0 when already there; None when
        the rate towards it falls to nothing first)."""
        sign = 1.0 if self.function == "heat" else -1.0
        distance = sign * (target - temp)  # K still to go, in the output's direction
        if distance <= 0:
            return 0.0
        if min(self.rate(temp, outdoor), self.rate(target, outdoor)) < MIN_RATE:
            return None
        if self.b == 0 or outdoor is None:
            return 3600.0 * distance / self.a
        # progress y = sign·(T − temp): dy/dt = r0 + sign·b·y with r0 = rate at temp
        k = sign * self.b
        r0 = self.rate(temp, outdoor)
        if abs(k) < 1e-9:
            return 3600.0 * distance / r0
        hours = math.log1p(k * distance / r0) / k
        return 3600.0 * hours if math.isfinite(hours) and hours >= 0 else None

    def to_json(self) -> dict[str, Any]:
        """As the API shows it."""
        return {"a": round(self.a, 4), "b": round(self.b, 5), "samples": self.samples,
                "form": "rate = a + b·(indoor − outdoor) K/h" if self.b else "rate = a K/h"}


@dataclass
class _Sums:
    """Weighted sums of (diff, rate) pairs: the regression's state."""

    w: float = 0.0
    x: float = 0.0
    y: float = 0.0
    xx: float = 0.0
    xy: float = 0.0
    n: int = 0

    def add(self, x: float, y: float) -> None:
        for name in ("w", "x", "y", "xx", "xy"):
            setattr(self, name, getattr(self, name) * FORGET)
        self.w += 1.0
        self.x += x
        self.y += y
        self.xx += x * x
        self.xy += x * y
        self.n += 1

    def mean_rate(self) -> float:
        return self.y / self.w if self.w > 0 else 0.0

    def spread(self) -> float:
        """The standard deviation of the diffs."""
        if self.w <= 0:
            return 0.0
        return math.sqrt(max(0.0, self.xx / self.w - (self.x / self.w) ** 2))

    def line(self) -> tuple[float, float] | None:
        """(a, b) of the least-squares line, None when the diffs do not spread."""
        if self.w <= 0:
            return None
        sxx = self.xx - self.x * self.x / self.w
        if sxx <= 1e-9:
            return None
        b = (self.xy - self.x * self.y / self.w) / sxx
        return (self.y - b * self.x) / self.w, b


@dataclass
class _Run:
    """The readings of the current run's window: (t, temp, diff or None)."""

    since: float
    points: list[tuple[float, float, float | None]] = field(default_factory=list)


def slope_per_hour(points: list[tuple[float, float, float | None]]) -> float:
    """The least-squares slope of temperature over time, K/h."""
    n = len(points)
    mt = sum(p[0] for p in points) / n
    mv = sum(p[1] for p in points) / n
    stt = sum((p[0] - mt) ** 2 for p in points)
    return 3600.0 * sum((p[0] - mt) * (p[1] - mv) for p in points) / stt if stt else 0.0


class RateLearner:
    """One zone's heating and cooling rates, learnt from its readings while outputs run."""

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale  # a clock this many times faster (the demo's house): shorter periods
        self.lines = {f: _Sums() for f in FUNCTIONS}  # samples with an outdoor temperature
        self.flat = {f: _Sums() for f in FUNCTIONS}  # every sample (the constant fallback)
        self._runs: dict[str, _Run | None] = dict.fromkeys(FUNCTIONS)

    def observe(self, now: float, temp: float | None, outdoor: float | None, *,
                heating: bool, cooling: bool) -> bool:
        """One reading, with the outputs as they were since the previous one (a run that
        stops, or a reading missing, ends the window). True when a sample was taken."""
        took = False
        for function, running in (("heat", heating), ("cool", cooling)):
            run = self._runs[function]
            if not running or temp is None:
                took |= self._close(function, run)
                self._runs[function] = None
                continue
            if run is None:
                self._runs[function] = run = _Run(now)
            if now - run.since < SKIP_S / self.scale:
                continue
            run.points.append((now, temp, None if outdoor is None else temp - outdoor))
            if run.points[-1][0] - run.points[0][0] >= WINDOW_S / self.scale:
                took |= self._close(function, run)
                run.points = [run.points[-1]]
        return took

    def _close(self, function: str, run: _Run | None) -> bool:
        if run is None or len(run.points) < MIN_POINTS \
                or run.points[-1][0] - run.points[0][0] < MIN_WINDOW_S / self.scale:
            return False
        rate = slope_per_hour(run.points)
        if function == "cool":
            rate = -rate
        diffs = [p[2] for p in run.points if p[2] is not None]
        self.flat[function].add(0.0, rate)
        if len(diffs) == len(run.points):
            self.lines[function].add(sum(diffs) / len(diffs), rate)
        return True

    def model(self, function: str) -> RateModel | None:
        """The model for ``function`` (None until enough has been seen)."""
        lines, flat = self.lines[function], self.flat[function]
        if lines.n >= MIN_SAMPLES and lines.spread() >= MIN_SPREAD_K:
            fit = lines.line()
            if fit is not None and _plausible(function, *fit):
                return RateModel(function, fit[0], fit[1], lines.n)
        if flat.n >= MIN_SAMPLES and flat.mean_rate() >= MIN_RATE:
            return RateModel(function, flat.mean_rate(), 0.0, flat.n)
        return None

    def samples(self, function: str) -> int:
        """How many samples ``function`` has (with or without an outdoor temperature)."""
        return self.flat[function].n

    def to_doc(self) -> dict[str, Any]:
        """The stored form (the regression sums; open runs are not kept)."""
        return {kind: {f: vars(s).copy() for f, s in sums.items()}
                for kind, sums in (("lines", self.lines), ("flat", self.flat))}

    @classmethod
    def from_doc(cls, doc: dict[str, Any], scale: float = 1.0) -> "RateLearner":
        """Inverse of :meth:`to_doc` (a damaged document gives a fresh learner)."""
        learner = cls(scale)
        try:
            for kind in ("lines", "flat"):
                target = getattr(learner, kind)
                for f in FUNCTIONS:
                    saved = doc[kind][f]
                    sums = _Sums(float(saved["w"]), float(saved["x"]), float(saved["y"]),
                                 float(saved["xx"]), float(saved["xy"]), int(saved["n"]))
                    if not _sane(sums):
                        return cls(scale)
                    target[f] = sums
        except (KeyError, TypeError, ValueError, OverflowError):
            return cls(scale)
        return learner


def _sane(sums: _Sums) -> bool:
    """Finite sums, a count of at least zero, and weight wherever there are samples."""
    values = (sums.w, sums.x, sums.y, sums.xx, sums.xy)
    return all(math.isfinite(v) for v in values) and sums.n >= 0 and sums.xx >= 0 \
        and (sums.w > 0 if sums.n > 0 else sums.w >= 0)


def _plausible(function: str, a: float, b: float) -> bool:
    """A heating rate falls as the house gets warmer than outdoors (b ≤ 0); a cooling rate
    rises (b ≥ 0). A line the other way round is noise, not physics."""
    return (b <= 0 if function == "heat" else b >= 0) and a > 0
