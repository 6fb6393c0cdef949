"""Control quality (issue 7): the engine's scheduling, decisions and predictive start against a
simulated house, side by side with Home Assistant's generic_thermostat, in KPIs in the style
of BOPTEST (ibpsa/project1-boptest).

What runs
- The house: ``rpymostat.engine.sim.model`` (1R1C: UA 200 W/K, τ 15 h, a 12 kW boiler and a
  5 kW air conditioner, solar gain), outdoor temperature a daily sine plus seeded weather
  steps every 6 h. Readings every ``TICK_S`` (60 s, the engine's decision interval) with
  sensor noise (σ 0.05 °C) rounded to 0.1 °C; the outdoor reading likewise.
- Ours: the engine's own code, turn by turn — the zone's plan from the real schedulers and
  resolver, then ``zones.step.turn`` (learner, predictive start, the hysteresis decider with
  its defaults under the engine's safety rules), exactly what the decision loop runs.
- Baseline: ``generic_thermostat.py`` (tolerances 0.3, min_cycle_duration 5 min), the target
  being the schedule's target at each moment.
- Schedule (Europe/Berlin): 21 °C 06:30–22:30, 17 °C at night, 15 °C all day on two away
  days (Tue, Wed); in summer, cooling: 24 °C by day, 27 °C at night, 29 °C when away.
- Per season: a learning week (not scored), then the scored week; both controllers run both
  weeks on the same weather, each on its own copy of the house.

KPIs per scored week (each for ours and the baseline)
- ``discomfort_kh``: K·h outside the comfort band on the side the mode defends: below
  ``target − BAND_K`` when heating, above ``target + BAND_K`` when cooling (BOPTEST's tdis
  with the band around the scheduled target; overshoot shows up as energy instead);
- ``energy_kwh``: heat delivered by the heater (or removed by the cooler), kWh;
- ``switches``: output changes; ``max_cycles_per_hour``: most starts in one clock hour;
- ``mae_at_changes_k``: mean |T − target| at the scheduled changes the system has to work
  for (heat: a higher target; cool: a lower one); ``transitions_on_target``: the fraction of
  them where the target was reached within 0.3 °C at the scheduled time (heat: T ≥ target −
  0.3; cool: T ≤ target + 0.3 — a summer night that already cooled the house below the day's
  target has reached it); ``transitions_within_0.3_k``: the stricter |T − target| ≤ 0.3
  (overshoot counts as a miss); ``morning_*``: the 06:30 changes only.
Per week: ``discomfort_ratio``, ``energy_ratio``, ``cycles_ratio`` (ours/baseline).

No sockets, no sleeps; seeded: the same command prints the same numbers.
Run from the repo root: ``.venv/bin/python bench/control_quality.py [--json] [--seed N]``.
"""

import argparse
import bisect
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
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
from rpymostat.engine.sim.model import OutdoorModel, SimZone, ZoneParams
from rpymostat.engine.zones.decide import ZoneReading
from rpymostat.engine.zones.deciders.base import OutputState
from rpymostat.engine.zones.deciders.hysteresis import HysteresisDecider
from rpymostat.engine.zones.model import Zone
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
    Season("summer", "cool", datetime(2027, 7, 5, tzinfo=TZ), 28.5, 5.0, 2.0, 1.2,
           24.0, 27.0, 29.0),
)


def weekly(seq: int, name: str, days: str, start: str, end: str, target: float) -> Schedule:
    params = {"days": days, "from": start, "to": end}
    return Schedule(Rule("schedule", f"s{seq}", name, Target(target), seq), "weekly", params,
                    BUILTIN["weekly"].parse(params))


def season_zone(season: Season) -> tuple[Zone, ZoneRules]:
    """The zone as a user would set it up through the API, and its rules."""
    zone = Zone(id="house", name="House", mode=season.mode, timezone=TZ.key,
                default_target=Target(season.night))
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
        return zone.celsius(self.window(now, 0)[0].rule.target)

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


def reading(rng: random.Random, value: float) -> float:
    """A sensor's reading of ``value``: noise, then 0.1 °C steps."""
    return round(value + rng.gauss(0.0, NOISE_K), 1)


def simulate(season: Season, control: Controller, seed: int) -> Trace:
    """Run the learning week and the scored week; trace the scored one."""
    outdoor = OutdoorModel(season.outdoor_mean, season.outdoor_amplitude,
                           utc_offset_h=season.utc_offset_h, seed=seed, step_hours=6.0,
                           step_sd=2.0)
    start = season.start.timestamp()
    house = SimZone(ZoneParams(solar_kw=season.solar_kw), season.night)
    rng = random.Random(f"{seed}:sensor")
    trace = Trace()
    heater = cooler = False
    now = start
    while now < start + 2 * WEEK_S:
        scored = now >= start + WEEK_S
        before = house.heat_kwh + house.cool_kwh
        t_out = outdoor.temperature(now)
        heat_on, cool_on = control(now, reading(rng, house.temp_c), reading(rng, t_out),
                                   house.temp_c)
        if scored:
            trace.times.append(now)
            trace.temps.append(house.temp_c)
            if (heat_on and not heater) or (cool_on and not cooler):
                trace.starts.append(now)
            trace.switches += (heat_on != heater) + (cool_on != cooler)
        heater, cooler = heat_on, cool_on
        house.set_output("heat", heater)
        house.set_output("cool", cooler)
        house.advance(TICK_S, outdoor.temperature(now + TICK_S / 2),
                      outdoor.hour_of_day(now + TICK_S / 2))
        if scored:
            trace.energy_kwh += house.heat_kwh + house.cool_kwh - before
        now += TICK_S
    return trace


def ours(season: Season, timeline: Timeline, tolerance: float | None = None) -> Controller:
    """The engine's turn, with its memory, as the decision loop runs it (the hysteresis
    decider's defaults, or both tolerances set to ``tolerance``)."""
    zone, _ = season_zone(season)
    params = {} if tolerance is None else {"cold_tolerance": tolerance,
                                           "hot_tolerance": tolerance}
    mind = ZoneMind(HysteresisDecider(with_defaults(params, HysteresisDecider.schema)))
    outputs = {"heat": OutputState(), "cool": OutputState()}

    def control(now: float, temp: float, t_out: float, _true: float) -> tuple[bool, bool]:
        segs = timeline.window(now, horizon_s(zone))
        z_reading = ZoneReading(temp, "house", 1, 0, temp, t_out)
        done = turn(zone, mind, now=now, plan=segs, reading=z_reading, heat=outputs["heat"],
                    cool=outputs["cool"])
        for name, on in (("heat", done.zv.verdict.heat), ("cool", done.zv.verdict.cool)):
            if on != outputs[name].on:
                outputs[name] = OutputState(on, now)
        return outputs["heat"].on, outputs["cool"].on

    control.mind = mind  # type: ignore[attr-defined]
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
    }


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


def season_result(season: Season, seed: int, tolerance: float | None = None
                  ) -> dict[str, Any]:
    _, rules = season_zone(season)
    timeline = Timeline(rules, season.start - timedelta(days=1),
                        season.start + timedelta(days=15))
    ours_ctl = ours(season, timeline, tolerance)
    ours_k = kpis(season, timeline, simulate(season, ours_ctl, seed))
    base_k = kpis(season, timeline, simulate(season, baseline(season, timeline), seed))
    learner = ours_ctl.mind.learner  # type: ignore[attr-defined]
    model = learner.model(season.mode)
    return {
        "week": season.name, "mode": season.mode, "ours": ours_k, "baseline": base_k,
        "discomfort_ratio": ratio(ours_k["discomfort_kh"], base_k["discomfort_kh"]),
        "energy_ratio": ratio(ours_k["energy_kwh"], base_k["energy_kwh"]),
        "cycles_ratio": ratio(ours_k["max_cycles_per_hour"], base_k["max_cycles_per_hour"]),
        "transitions_on_target": ours_k["transitions_on_target"],
        "learnt_rate": model.to_json() if model else None,
    }


def goals(week: dict[str, Any]) -> dict[str, bool]:
    """The issue's goals for one scored week."""
    ours_k, base_k = week["ours"], week["baseline"]
    return {
        "morning_on_target_ge_0.9": (ours_k["morning_on_target"] or 0) >= 0.9,
        "discomfort_le_0.5x": week["discomfort_ratio"] is not None
        and week["discomfort_ratio"] <= 0.5,
        "energy_le_1.1x": week["energy_ratio"] is not None and week["energy_ratio"] <= 1.1,
        "cycles_per_hour_le_baseline":
            ours_k["max_cycles_per_hour"] <= base_k["max_cycles_per_hour"],
    }


def sweep(seeds: int, tolerance: float | None) -> list[dict[str, Any]]:
    """Seeds 1..``seeds``: per season, how many scored weeks meet each goal and all of them,
    the mean ratio of starts (ours/baseline) and the worst energy ratio."""
    rows = []
    for season in SEASONS:
        weeks = [season_result(season, seed, tolerance) for seed in range(1, seeds + 1)]
        met = [goals(w) for w in weeks]
        starts = [w["ours"]["mean_cycles_per_hour"] / w["baseline"]["mean_cycles_per_hour"]
                  for w in weeks]
        rows.append({
            "week": season.name, "weeks": len(weeks),
            "all_goals_met": sum(all(m.values()) for m in met),
            "goal_met": {k: sum(m[k] for m in met) for k in met[0]},
            "mean_starts_ratio": round(sum(starts) / len(starts), 3),
            "max_energy_ratio": max(w["energy_ratio"] for w in weeks)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--seed", type=int, default=7, help="weather and sensor noise seed")
    parser.add_argument("--tolerance", type=float, default=None,
                        help="ours: both hysteresis tolerances, °C (default: the decider's)")
    parser.add_argument("--seeds", type=int, default=0, metavar="N",
                        help="also sweep seeds 1..N and summarise the goals per season")
    args = parser.parse_args()
    began = time.perf_counter()
    weeks = [season_result(s, args.seed, args.tolerance) for s in SEASONS]
    for week in weeks:
        week["goals"] = goals(week)
    result: dict[str, Any] = {"seed": args.seed, "tolerance": args.tolerance, "tick_s": TICK_S,
                              "band_k": BAND_K, "weeks": weeks}
    if args.seeds:
        result["sweep"] = sweep(args.seeds, args.tolerance)
    result["seconds"] = round(time.perf_counter() - began, 2)
    if args.json:
        print(json.dumps(result))
        return
    for week in weeks:
        print(f"{week['week']} week ({week['mode']}), seed {args.seed}:")
        print(f"  {'KPI':<24}{'ours':>12}{'baseline':>12}{'ratio':>8}")
        for key in week["ours"]:
            a, b = week["ours"][key], week["baseline"][key]
            r = ratio(a, b) if isinstance(a, int | float) and isinstance(b, int | float) else None
            print(f"  {key:<24}{_fmt(a):>12}{_fmt(b):>12}{_fmt(r):>8}")
        print(f"  learnt rate: {week['learnt_rate']}")
        print(f"  goals: {week['goals']}")
    for row in result.get("sweep", ()):
        print(f"seeds 1..{args.seeds}, {row['week']}: all goals met in {row['all_goals_met']} of"
              f" {row['weeks']} weeks; per goal {row['goal_met']}; starts ours/baseline"
              f" {row['mean_starts_ratio']} (mean); energy ratio max {row['max_energy_ratio']}")
    print(f"{result['seconds']} s")


def _fmt(value: Any) -> str:
    return "-" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


if __name__ == "__main__":
    main()
