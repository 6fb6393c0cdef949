"""Control quality (issues 7 and 22): the engine's scheduling, decisions and predictive start
against simulated houses of several kinds, side by side with Home Assistant's generic_thermostat
as its current source has it, in KPIs in the style of BOPTEST (ibpsa/project1-boptest).

What runs
- The houses: ``rpymostat.engine.sim.houses`` — ``timber`` (light 1R1C, today's house),
  ``masonry`` (heavy 2R2C with radiators), ``underfloor`` (a screed hours slow between boiler
  and room), ``heatpump`` (air-to-water, weak in the cold, energy = electricity). The
  weather: a daily sine plus seeded weather steps every 6 h. Readings every ``TICK_S`` (60 s,
  the engine's decision interval) with sensor noise (σ 0.05 °C) rounded to 0.1 °C; the
  outdoor reading likewise. Every controller of a week sees the same weather, noise and
  schedule, each on its own copy of the house.
- Seasons: ``winter`` (3 °C mean), ``coldsnap`` (−8 °C mean), ``summer`` (cooling, 28.5 °C).
  Each: a learning week (not scored), then the scored week.
- Ours: the engine's own code, turn by turn — the zone's plan from the real schedulers and
  resolver, then ``zones.step.turn`` (learner, predictive start, the hysteresis decider at its
  shipped defaults under the engine's safety rules), exactly what the decision loop runs.
- Baselines (``ha_thermostat.py``: Home Assistant's generic_thermostat at home-assistant/core
  0087f75, tolerances 0.3, min_cycle_duration 5 min, cycle_cooldown 5 min; a schedule
  automation sets its target): ``ha`` on time, ``ha_lead_1h`` and ``ha_lead_2h`` with the
  whole schedule moved earlier by hand (what a Home Assistant user does instead of predictive
  start); ``ha_pre2025`` (``generic_thermostat.py``, the rules before early 2025, only to show
  what earlier figures were measured against).
- ``ours_proposed``: ours adopting, when the learning week ends, what the engine proposes in
  the zone's state (``zones.propose``: a longer head start where the learnt rate needs it).
- Schedule (Europe/Berlin): 21 °C 06:30–22:30, 17 °C at night, 15 °C all day on two away
  days (Tue, Wed); in summer, cooling: 24 °C by day, 27 °C at night, 29 °C when away.

KPIs per scored week (the same code for every controller)
- ``discomfort_kh``: K·h outside the comfort band on the side the mode defends: below
  ``target − BAND_K`` when heating, above ``target + BAND_K`` when cooling (BOPTEST's tdis
  with the band around the scheduled target);
- ``energy_kwh``: heat delivered by the heater (electricity for the heat pump) or heat
  removed by the cooler, kWh;
- ``switches``; ``max_cycles_per_hour`` (starts in the busiest clock hour);
  ``mean_cycles_per_hour``;
- at the scheduled changes the system has to work for (heat: a rise; cool: a fall):
  ``mae_at_changes_k``, ``transitions_on_target`` (reached within 0.3 °C at the scheduled
  time: heat T ≥ target − 0.3, cool T ≤ target + 0.3), ``transitions_within_0.3_k`` (|T −
  target| ≤ 0.3), ``morning_on_target`` (the 06:30 changes only), ``morning_hits`` and
  ``morning_changes`` (their counts);
- ``overshoot_after_rise_k``: the most the house went past a morning change's target (heat:
  above it; cool: below it) in the 4 h after it.

Goals (issue 22), per house kind and season over the reported seeds, against ``ha_lead_1h``:
discomfort ≤ 0.5×; energy ≤ 1.0×; starts per hour, mean and busiest hour, not above; on
underfloor heating an overshoot after a morning rise ≤ 0.5 K; ≥ 90 % of the morning changes
reached within 0.3 °C. Ours is never tuned on the reported seeds: tune on 1–20, report 21–60.

No sockets, no sleeps; seeded: the same command prints the same numbers.
Run from the repo root: ``.venv/bin/python bench/control_quality.py [--json] [--seeds 21-60]
[--houses timber,underfloor] [--seasons winter]``.
"""

import argparse
import bisect
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generic_thermostat import GenericThermostat
from ha_thermostat import HAThermostat, ScheduledHA

from rpymostat.engine.schedule.resolve import Rule, Segment, Target
from rpymostat.engine.schedule.rules import Schedule, ZoneRules, plan
from rpymostat.engine.schedule.schedulers import BUILTIN
from rpymostat.engine.sim.houses import KINDS, ThermalHouse
from rpymostat.engine.sim.model import OutdoorModel
from rpymostat.engine.zones.decide import ZoneReading
from rpymostat.engine.zones.deciders.base import OutputState, installed_deciders
from rpymostat.engine.zones.model import Zone
from rpymostat.engine.zones.propose import propose
from rpymostat.engine.zones.step import ZoneMind, horizon_s, turn
from rpymostat.shared.schema import with_defaults

TZ = ZoneInfo("Europe/Berlin")
TICK_S = 60.0
WEEK_S = 7 * 86400.0
BAND_K = 0.5
ON_TARGET_K = 0.3
NOISE_K = 0.05


@dataclass(frozen=True)
class Season:
    """One season's weather, schedule and mode."""

    name: str
    mode: str
    start: datetime  # Monday 00:00 local of the learning week
    outdoor_mean: float
    outdoor_amplitude: float
    utc_offset_h: float
    solar_kw: float
    day: float
    night: float
    away: float


SEASONS = (
    Season("winter", "heat", datetime(2027, 1, 4, tzinfo=TZ), 3.0, 4.0, 1.0, 0.6,
           21.0, 17.0, 15.0),
    Season("coldsnap", "heat", datetime(2027, 1, 18, tzinfo=TZ), -8.0, 4.0, 1.0, 0.4,
           21.0, 17.0, 15.0),
    Season("summer", "cool", datetime(2027, 7, 5, tzinfo=TZ), 28.5, 5.0, 2.0, 1.2,
           24.0, 27.0, 29.0),
)
SEASON_BY_NAME = {s.name: s for s in SEASONS}
HOUSES = tuple(KINDS)
OVERSHOOT_WINDOW_S = 4 * 3600.0
REPORT_SEEDS = "21-60"
DECIDER: dict[str, Any] = {"name": "hysteresis", "params": {}}  # --decider (tuning only)
ZONE_OVERRIDES: dict[str, Any] = {}  # --zone (tuning only)


def weekly(seq: int, name: str, days: str, start: str, end: str, target: float) -> Schedule:
    params = {"days": days, "from": start, "to": end}
    return Schedule(Rule("schedule", f"s{seq}", name, Target(target), seq), "weekly", params,
                    BUILTIN["weekly"].parse(params))


def season_zone(season: Season) -> tuple[Zone, ZoneRules]:
    """The zone as a user would set it up through the API, and its rules."""
    zone = Zone(id="house", name="House", mode=season.mode, timezone=TZ.key,
                default_target=Target(season.night), **ZONE_OVERRIDES)
    rules = ZoneRules(TZ, Rule("default", "house", "night", zone.default_target, 0), (
        weekly(1, "day", "mon,thu-sun", "06:30", "22:30", season.day),
        weekly(2, "away", "tue-wed", "00:00", "24:00", season.away),
    ), ())
    return zone, rules


class Timeline:
    """The season's plan, computed once, cut per turn like the engine's plan cache."""

    def __init__(self, rules: ZoneRules, start: datetime, end: datetime) -> None:
        self.segments = plan(rules, start, end)
        self.starts = [s.start.timestamp() for s in self.segments]

    def window(self, now: float, ahead: float) -> list[Segment]:
        """The segments over ``[now, now + ahead]`` (the first one clipped to start at now)."""
        i = bisect.bisect_right(self.starts, now) - 1
        out = []
        for seg in self.segments[i:]:
            if seg.start.timestamp() > now + ahead + 1:
                break
            out.append(seg)
        first = out[0]
        out[0] = Segment(datetime.fromtimestamp(now, UTC), first.end, first.rule, first.since)
        return out

    def target(self, zone: Zone, now: float) -> float:
        """The schedule's target at ``now``."""
        i = bisect.bisect_right(self.starts, now) - 1
        return zone.celsius(self.segments[i].rule.target)

    def changes(self, zone: Zone, start: float, end: float) -> list[tuple[float, float, float]]:
        """(at, old target, new target) of each change in ``(start, end)``."""
        out = []
        for prev, seg in zip(self.segments, self.segments[1:], strict=False):
            at = seg.start.timestamp()
            old, new = zone.celsius(prev.rule.target), zone.celsius(seg.rule.target)
            if start < at < end and old != new:
                out.append((at, old, new))
        return out


@dataclass
class Trace:
    """What happened during a scored week, tick by tick."""

    times: list[float] = field(default_factory=list)
    temps: list[float] = field(default_factory=list)
    targets: list[float] = field(default_factory=list)
    starts: list[float] = field(default_factory=list)
    switches: int = 0
    energy_kwh: float = 0.0


Controller = Callable[[float, float, float, float], tuple[bool, bool]]


@dataclass(frozen=True)
class Weather:
    """A season's two weeks for one seed, tick by tick, shared by every controller: the
    outdoor temperature at each tick (what the sensor reads) and at its middle (what the
    house feels), the hour of day at the middle, and the sensors' noise (indoor, outdoor)."""

    at_tick: list[float]
    mid: list[float]
    hour: list[float]
    noise_in: list[float]
    noise_out: list[float]


_WEATHER: dict[tuple[str, int], Weather] = {}


def weather(season: Season, seed: int) -> Weather:
    """The season's weather for ``seed`` (computed once per process)."""
    key = (season.name, seed)
    if key not in _WEATHER:
        _WEATHER.clear()
        outdoor = OutdoorModel(season.outdoor_mean, season.outdoor_amplitude,
                               utc_offset_h=season.utc_offset_h, seed=seed, step_hours=6.0,
                               step_sd=2.0)
        start = season.start.timestamp()
        ticks = [start + i * TICK_S for i in range(int(2 * WEEK_S / TICK_S))]
        rng = random.Random(f"{seed}:sensor")
        noise = [rng.gauss(0.0, NOISE_K) for _ in range(2 * len(ticks))]
        _WEATHER[key] = Weather([outdoor.temperature(t) for t in ticks],
                                [outdoor.temperature(t + TICK_S / 2) for t in ticks],
                                [outdoor.hour_of_day(t + TICK_S / 2) for t in ticks],
                                noise[0::2], noise[1::2])
    return _WEATHER[key]


def simulate(season: Season, kind: str, control: Controller, seed: int,
             windows: Sequence[tuple[float, float]] = ()) -> Trace:
    """Run the learning week and the scored week on a house of ``kind``; trace the scored
    one. ``windows``: (from, to) epoch seconds when a window stands open."""
    sky = weather(season, seed)
    start = season.start.timestamp()
    house = ThermalHouse(KINDS[kind], season.night, solar_kw=season.solar_kw)
    trace = Trace()
    heater = cooler = False
    scored_from = start + WEEK_S
    for i in range(len(sky.mid)):
        now = start + i * TICK_S
        scored = now >= scored_from
        before = house.heat_kwh + house.cool_kwh
        heat_on, cool_on = control(now, round(house.temp_c + sky.noise_in[i], 1),
                                   round(sky.at_tick[i] + sky.noise_out[i], 1), house.temp_c)
        if scored:
            trace.times.append(now)
            trace.temps.append(house.temp_c)
            if (heat_on and not heater) or (cool_on and not cooler):
                trace.starts.append(now)
            trace.switches += (heat_on != heater) + (cool_on != cooler)
        heater, cooler = heat_on, cool_on
        house.set_output("heat", heater)
        house.set_output("cool", cooler)
        if windows:
            house.set_window(any(a <= now < b for a, b in windows))
        house.advance(TICK_S, sky.mid[i], sky.hour[i])
        if scored:
            trace.energy_kwh += house.heat_kwh + house.cool_kwh - before
    return trace


def ours(season: Season, timeline: Timeline, tolerance: float | None = None,
         adopt: bool = False) -> Controller:
    """The engine's turn, with its memory, as the decision loop runs it (the hysteresis
    decider's defaults, or both tolerances set to ``tolerance``). With ``adopt``, the zone
    takes the engine's proposal (``zones.propose``) when the learning week ends — what a user
    accepts with one click."""
    zone, _ = season_zone(season)
    adopt_at = season.start.timestamp() + WEEK_S if adopt else float("inf")
    params = {} if tolerance is None else {"cold_tolerance": tolerance,
                                           "hot_tolerance": tolerance}
    plugin = installed_deciders()[DECIDER["name"]]
    if DECIDER["name"] != "hysteresis":
        params = dict(DECIDER["params"])
    else:
        params = {**DECIDER["params"], **params}
    mind = ZoneMind(plugin(with_defaults(params, plugin.schema)))
    outputs = {"heat": OutputState(), "cool": OutputState()}

    def control(now: float, temp: float, t_out: float, _true: float) -> tuple[bool, bool]:
        nonlocal zone, adopt_at
        if now >= adopt_at:
            adopt_at = float("inf")
            proposal = propose(zone, temp=temp, outdoor=t_out, learner=mind.learner,
                               lag=mind.lag)
            zone = replace(zone, max_head_start_s=proposal["max_head_start_s"])
            control.proposal = proposal  # type: ignore[attr-defined]
        segs = timeline.window(now, horizon_s(zone))
        z_reading = ZoneReading(temp, "house", 1, 0, temp, t_out)
        done = turn(zone, mind, now=now, plan=segs, reading=z_reading, heat=outputs["heat"],
                    cool=outputs["cool"])
        for name, on in (("heat", done.zv.verdict.heat), ("cool", done.zv.verdict.cool)):
            if on != outputs[name].on:
                outputs[name] = OutputState(on, now)
        return outputs["heat"].on, outputs["cool"].on

    control.mind = mind  # type: ignore[attr-defined]
    control.proposal = None  # type: ignore[attr-defined]
    return control


def baseline(season: Season, timeline: Timeline, lead_s: float = 0.0) -> Controller:
    """Home Assistant's generic_thermostat as its current source has it
    (``ha_thermostat.py``), its target set by a schedule automation whenever the schedule's
    target ``lead_s`` ahead changes (0: on time; 1 h, 2 h: the schedule moved earlier by hand,
    what a Home Assistant user does instead of predictive start)."""
    zone, _ = season_zone(season)
    ha = ScheduledHA(HAThermostat(ac_mode=season.mode == "cool"), lead_s)

    def control(now: float, temp: float, _t_out: float, _true: float) -> tuple[bool, bool]:
        on = ha.control(now, temp, timeline.target(zone, now + lead_s))
        return (on, False) if season.mode == "heat" else (False, on)

    return control


def baseline_pre2025(season: Season, timeline: Timeline) -> Controller:
    """Home Assistant's generic_thermostat as it was before 2025 (``generic_thermostat.py``:
    inclusive comparisons, min_cycle_duration in both directions), on time."""
    zone, _ = season_zone(season)
    thermostat = GenericThermostat(ac_mode=season.mode == "cool")

    def control(now: float, temp: float, _t_out: float, _true: float) -> tuple[bool, bool]:
        on = thermostat.control(now, temp, timeline.target(zone, now))
        return (on, False) if season.mode == "heat" else (False, on)

    return control


def kpis(season: Season, timeline: Timeline, trace: Trace) -> dict[str, Any]:
    """The scored week's KPIs."""
    zone, _ = season_zone(season)
    heat = season.mode == "heat"
    discomfort = 0.0
    for now, temp in zip(trace.times, trace.temps, strict=True):
        target = timeline.target(zone, now)
        miss = (target - BAND_K - temp) if heat else (temp - target - BAND_K)
        discomfort += max(0.0, miss) * TICK_S / 3600.0
    per_hour: dict[int, int] = {}
    for at in trace.starts:
        per_hour[int(at // 3600)] = per_hour.get(int(at // 3600), 0) + 1
    changes = [(at, new) for at, old, new in timeline.changes(
        zone, trace.times[0], trace.times[-1]) if (new > old) == heat]
    sign = 1.0 if heat else -1.0
    errors = [abs(temp_at(trace, at) - new) for at, new in changes]
    short = [sign * (new - temp_at(trace, at)) for at, new in changes]  # > 0: not there yet
    morning = [s for (at, _), s in zip(changes, short, strict=True)
               if datetime.fromtimestamp(at, TZ).hour == 6]
    overshoot = max((overshoot_after(trace, at, new, sign) for at, new in changes
                     if datetime.fromtimestamp(at, TZ).hour == 6), default=None)
    return {
        "discomfort_kh": round(discomfort, 3),
        "energy_kwh": round(trace.energy_kwh, 2),
        "switches": trace.switches,
        "max_cycles_per_hour": max(per_hour.values(), default=0),
        "mean_cycles_per_hour": round(len(trace.starts) / (len(trace.times) * TICK_S / 3600),
                                      3),
        "changes": len(errors),
        "mae_at_changes_k": round(sum(errors) / len(errors), 3) if errors else None,
        "transitions_on_target": on_target(short),
        "transitions_within_0.3_k": on_target(errors),
        "morning_changes": len(morning),
        "morning_on_target": on_target(morning),
        "morning_hits": sum(e <= ON_TARGET_K for e in morning),
        "overshoot_after_rise_k": None if overshoot is None else round(overshoot, 3),
    }


def overshoot_after(trace: Trace, at: float, target: float, sign: float) -> float:
    """How far the house went past ``target`` (heat: above; cool: below) in the
    OVERSHOOT_WINDOW_S after ``at`` (0 when it never did)."""
    i = bisect.bisect_left(trace.times, at)
    j = bisect.bisect_right(trace.times, at + OVERSHOOT_WINDOW_S)
    return max([0.0, *(sign * (t - target) for t in trace.temps[i:j])])


def on_target(shortfalls: Sequence[float]) -> float | None:
    """The fraction of changes whose target was reached within ON_TARGET_K (a shortfall,
    or an absolute error, of at most that)."""
    if not shortfalls:
        return None
    return round(sum(e <= ON_TARGET_K for e in shortfalls) / len(shortfalls), 3)


def temp_at(trace: Trace, at: float) -> float:
    """The house's (true) temperature at ``at``: the last tick not after it."""
    return trace.temps[max(0, bisect.bisect_right(trace.times, at) - 1)]


def ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


CONTROLLERS = ("ours", "ours_proposed", "ha", "ha_lead_1h", "ha_lead_2h", "ha_pre2025")
REFERENCE = "ha_lead_1h"


def controller(name: str, season: Season, timeline: Timeline, tolerance: float | None
               ) -> Controller:
    """A controller by name, fresh for one run."""
    if name in ("ours", "ours_proposed"):
        return ours(season, timeline, tolerance, adopt=name == "ours_proposed")
    if name == "ha_pre2025":
        return baseline_pre2025(season, timeline)
    lead_h = {"ha": 0.0, "ha_lead_1h": 1.0, "ha_lead_2h": 2.0}[name]
    return baseline(season, timeline, lead_h * 3600.0)


def week_result(kind: str, season: Season, seed: int, tolerance: float | None = None,
                controllers: Sequence[str] = CONTROLLERS) -> dict[str, Any]:
    """One scored week of every controller on a house of ``kind``."""
    _, rules = season_zone(season)
    timeline = Timeline(rules, season.start - timedelta(days=1),
                        season.start + timedelta(days=15))
    out: dict[str, Any] = {"house": kind, "season": season.name, "mode": season.mode,
                           "seed": seed}
    for name in controllers:
        ctl = controller(name, season, timeline, tolerance)
        out[name] = kpis(season, timeline, simulate(season, kind, ctl, seed))
        if name == "ours":
            mind = ctl.mind  # type: ignore[attr-defined]
            model = mind.learner.model(season.mode)
            out["learnt_rate"] = model.to_json() if model else None
            out["learnt_lag"] = mind.lag.to_json()[
                "cool" if season.mode == "cool" else "heat"]
        if name == "ours_proposed":
            out["proposal"] = ctl.proposal  # type: ignore[attr-defined]
    return out


MEANS = ("discomfort_kh", "energy_kwh", "mean_cycles_per_hour", "max_cycles_per_hour",
         "mae_at_changes_k", "transitions_on_target", "overshoot_after_rise_k")


def mean(values: Sequence[float | None]) -> float | None:
    got = [v for v in values if v is not None]
    return round(sum(got) / len(got), 3) if got else None


def summarise(kind: str, season: Season, weeks: Sequence[dict[str, Any]],
              controllers: Sequence[str]) -> dict[str, Any]:
    """Over the seeds: each controller's mean KPIs, ours' ratios to each baseline, and the
    issue's goals with a verdict (on the means) and the number of weeks meeting each."""
    summary: dict[str, Any] = {"house": kind, "season": season.name, "mode": season.mode,
                               "weeks": len(weeks), "controllers": {}}
    for name in controllers:
        rows = [w[name] for w in weeks]
        means = {k: mean([r[k] for r in rows]) for k in MEANS}
        hits = sum(r["morning_hits"] for r in rows)
        mornings = sum(r["morning_changes"] for r in rows)
        means["morning_on_target"] = round(hits / mornings, 3) if mornings else None
        means["worst_overshoot_after_rise_k"] = max(
            (r["overshoot_after_rise_k"] for r in rows
             if r["overshoot_after_rise_k"] is not None), default=None)
        summary["controllers"][name] = means
    if "ours" in controllers:
        mine = summary["controllers"]["ours"]
        summary["ratios"] = {
            name: {k: ratio(mine[k], summary["controllers"][name][k])
                   for k in ("discomfort_kh", "energy_kwh", "mean_cycles_per_hour",
                             "max_cycles_per_hour")
                   if mine[k] is not None and summary["controllers"][name][k] is not None}
            for name in controllers if name != "ours"}
        if REFERENCE in controllers:
            summary["goals"] = goals(kind, mine, summary["controllers"][REFERENCE], weeks)
    return summary


def goals(kind: str, mine: dict[str, Any], ref: dict[str, Any],
          weeks: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The issue's goals against ``REFERENCE``: ``met`` on the means over the seeds, and
    ``weeks_met`` (of the weeks) for each."""
    def week_checks(w: dict[str, Any]) -> dict[str, bool | None]:
        o, r = w["ours"], w[REFERENCE]
        shoot = o["overshoot_after_rise_k"]
        return {
            "discomfort_le_0.5x": o["discomfort_kh"] <= 0.5 * r["discomfort_kh"],
            "energy_le_1.0x": o["energy_kwh"] <= r["energy_kwh"],
            "mean_starts_per_hour_le": o["mean_cycles_per_hour"] <= r["mean_cycles_per_hour"],
            "busiest_hour_starts_le": o["max_cycles_per_hour"] <= r["max_cycles_per_hour"],
            "overshoot_after_rise_le_0.5k": (shoot is None or shoot <= 0.5)
            if kind == "underfloor" else None,
            "morning_on_target_ge_0.9": o["morning_changes"] == 0
            or o["morning_hits"] / o["morning_changes"] >= 0.9,
        }
    per_week = [week_checks(w) for w in weeks]
    on_means = {
        "discomfort_le_0.5x": mine["discomfort_kh"] <= 0.5 * ref["discomfort_kh"],
        "energy_le_1.0x": mine["energy_kwh"] <= ref["energy_kwh"],
        "mean_starts_per_hour_le": mine["mean_cycles_per_hour"] <= ref["mean_cycles_per_hour"],
        "busiest_hour_starts_le": mine["max_cycles_per_hour"] <= ref["max_cycles_per_hour"],
        "overshoot_after_rise_le_0.5k": (mine["worst_overshoot_after_rise_k"] or 0.0) <= 0.5
        if kind == "underfloor" else None,
        "morning_on_target_ge_0.9": (mine["morning_on_target"] or 0.0) >= 0.9
        if mine["morning_on_target"] is not None else True,
    }
    return {k: {"met": v, "weeks_met": None if v is None else sum(bool(c[k]) for c in per_week)}
            for k, v in on_means.items()}


def parse_seeds(text: str) -> list[int]:
    """``21-60`` or ``1,2,5`` or ``7``."""
    seeds: list[int] = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        seeds.extend(range(int(first), int(last or first) + 1))
    return seeds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--seeds", default=REPORT_SEEDS,
                        help="weather and noise seeds: 21-60 (the report), 1-20 (tuning), 7")
    parser.add_argument("--houses", default=",".join(HOUSES),
                        help=f"house kinds, comma-separated ({', '.join(HOUSES)})")
    parser.add_argument("--seasons", default=",".join(SEASON_BY_NAME),
                        help=f"seasons, comma-separated ({', '.join(SEASON_BY_NAME)})")
    parser.add_argument("--controllers", default=",".join(CONTROLLERS),
                        help=f"controllers, comma-separated ({', '.join(CONTROLLERS)})")
    parser.add_argument("--tolerance", type=float, default=None,
                        help="ours: both hysteresis tolerances, °C (default: the decider's)")
    parser.add_argument("--weeks", action="store_true", help="also list every scored week")
    parser.add_argument("--decider", default="hysteresis",
                        help="ours: another decider (tuning only; the report uses the default)")
    parser.add_argument("--decider-params", default="{}", help="ours: its parameters, JSON")
    parser.add_argument("--zone", default="{}",
                        help="zone settings, JSON, e.g. {\"max_head_start_s\": 14400} (tuning)")
    args = parser.parse_args()
    DECIDER.update(name=args.decider, params=json.loads(args.decider_params))
    ZONE_OVERRIDES.update(json.loads(args.zone))
    began = time.perf_counter()
    seeds = parse_seeds(args.seeds)
    kinds = args.houses.split(",")
    seasons = [SEASON_BY_NAME[n] for n in args.seasons.split(",")]
    names = args.controllers.split(",")
    unknown = [k for k in kinds if k not in KINDS] + [n for n in names if n not in CONTROLLERS]
    if unknown:
        parser.error(f"unknown house kind or controller: {', '.join(unknown)}")
    summaries, all_weeks = [], []
    for kind in kinds:
        for season in seasons:
            weeks = [week_result(kind, season, seed, args.tolerance, names) for seed in seeds]
            summaries.append(summarise(kind, season, weeks, names))
            all_weeks.extend(weeks)
    result: dict[str, Any] = {"seeds": args.seeds, "tolerance": args.tolerance,
                              "tick_s": TICK_S, "band_k": BAND_K, "reference": REFERENCE,
                              "summaries": summaries}
    if args.weeks:
        result["weeks"] = all_weeks
    result["seconds"] = round(time.perf_counter() - began, 2)
    if args.json:
        print(json.dumps(result))
        return
    for s in summaries:
        print(f"{s['house']} / {s['season']} ({s['mode']}), {s['weeks']} week(s), seeds"
              f" {args.seeds}:")
        print(f"  {'controller':<12}{'disc K·h':>9}{'kWh':>9}{'st/h':>7}{'busiest':>8}"
              f"{'morning':>8}{'overshoot':>10}")
        for name, m in s["controllers"].items():
            print(f"  {name:<12}{_fmt(m['discomfort_kh']):>9}{_fmt(m['energy_kwh']):>9}"
                  f"{_fmt(m['mean_cycles_per_hour']):>7}{_fmt(m['max_cycles_per_hour']):>8}"
                  f"{_fmt(m['morning_on_target']):>8}"
                  f"{_fmt(m['worst_overshoot_after_rise_k']):>10}")
        for key, g in s.get("goals", {}).items():
            if g["met"] is not None:
                print(f"  goal {key}: {'met' if g['met'] else 'MISSED'}"
                      f" ({g['weeks_met']} of {s['weeks']} weeks)")
    print(f"{result['seconds']} s")


def _fmt(value: Any) -> str:
    return "-" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


if __name__ == "__main__":
    main()
