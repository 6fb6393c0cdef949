"""Open-window detection (issue 22): how fast, how much it saves, how often it is wrong.

Each house kind of ``rpymostat.engine.sim.houses`` runs the control-quality winter (or cold
snap) fortnight (``control_quality.py``: the same weather, noise, schedule and engine turn)
with windows that open in the scored week: seeded, once a day at a random minute between
07:00 and 21:00 local, for 10–20 min (airing). Three runs per house and seed:

- ``detecting``: ours with ``zones.window.WindowDetector`` at its defaults, windows opening;
- ``blind``: ours without the detector, the same windows;
- ``closed``: ours with the detector, no window ever opened (every detection is false).

Reported per house (over the seeds): the share of openings detected while open (or within
10 min after), the detection delay (median and worst, minutes from the opening), energy saved
(blind − detecting, kWh per week and %), false detections per week (detections in ``closed``,
plus those in ``detecting`` outside an opening and its 10 min after). Aim: 0 false.

Run from the repo root: ``.venv/bin/python bench/window_open.py [--json] [--seeds 1-3]
[--houses masonry] [--season winter]``.
"""

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import control_quality as cq

from rpymostat.engine.zones.window import WindowDetector

GRACE_S = 600.0


def openings(season: cq.Season, seed: int) -> list[tuple[float, float]]:
    """One airing a day in the scored week: (from, to) epoch seconds."""
    rng = random.Random(f"{seed}:windows")
    first_day = season.start.timestamp() + cq.WEEK_S
    out = []
    for day in range(7):
        local_midnight = (season.start + cq.timedelta(days=7 + day)).timestamp()
        start = local_midnight + rng.randrange(7 * 60, 21 * 60) * 60.0
        out.append((start, start + rng.randrange(10, 21) * 60.0))
        assert start >= first_day
    return out


def run(kind: str, season: cq.Season, seed: int, detect: bool,
        windows: list[tuple[float, float]]) -> tuple[cq.Trace, list[float]]:
    """One fortnight; the trace and the times of the detector's 'open' events (scored week)."""
    _, rules = cq.season_zone(season)
    timeline = cq.Timeline(rules, season.start - cq.timedelta(days=1),
                           season.start + cq.timedelta(days=15))
    ctl = cq.ours(season, timeline)
    if detect:
        ctl.mind.window = WindowDetector()  # type: ignore[attr-defined]
    trace = cq.simulate(season, kind, ctl, seed, windows)
    scored = season.start.timestamp() + cq.WEEK_S
    opened = [e.at for e in (ctl.mind.window.events if detect else ())  # type: ignore[attr-defined]
              if e.state == "open" and e.at >= scored]
    return trace, opened


def house_result(kind: str, season: cq.Season, seeds: list[int]) -> dict[str, Any]:
    delays, missed, saved, base_energy, false_closed, false_open = [], 0, [], [], 0, 0
    total = 0
    for seed in seeds:
        wins = openings(season, seed)
        detecting, opened = run(kind, season, seed, True, wins)
        blind, _ = run(kind, season, seed, False, wins)
        _, false_opens = run(kind, season, seed, True, [])
        false_closed += len(false_opens)
        saved.append(blind.energy_kwh - detecting.energy_kwh)
        base_energy.append(blind.energy_kwh)
        for a, b in wins:
            total += 1
            hits = [t for t in opened if a <= t <= b + GRACE_S]
            if hits:
                delays.append((hits[0] - a) / 60.0)
            else:
                missed += 1
        false_open += sum(not any(a <= t <= b + GRACE_S for a, b in wins) for t in opened)
    weeks = len(seeds)
    return {
        "house": kind, "season": season.name, "weeks": weeks, "openings": total,
        "detected_share": round((total - missed) / total, 3),
        "delay_min_median": round(statistics.median(delays), 1) if delays else None,
        "delay_min_worst": round(max(delays), 1) if delays else None,
        "energy_saved_kwh_per_week": round(sum(saved) / weeks, 2),
        "energy_saved_pct": round(100 * sum(saved) / sum(base_energy), 2),
        "false_per_week_closed": round(false_closed / weeks, 2),
        "false_per_week_outside_openings": round(false_open / weeks, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--seeds", default="21-30", help="seeds: 21-30, 1-3, 7")
    parser.add_argument("--houses", default=",".join(cq.HOUSES))
    parser.add_argument("--season", default="winter", choices=("winter", "coldsnap"))
    args = parser.parse_args()
    began = time.perf_counter()
    season = cq.SEASON_BY_NAME[args.season]
    rows = [house_result(k, season, cq.parse_seeds(args.seeds))
            for k in args.houses.split(",")]
    result = {"seeds": args.seeds, "rows": rows, "seconds": round(time.perf_counter() - began, 2)}
    if args.json:
        print(json.dumps(result))
        return
    for r in rows:
        print(json.dumps(r))
    print(f"{result['seconds']} s")


if __name__ == "__main__":
    main()
