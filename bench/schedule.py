"""Scheduling and decision benchmark (issue 6): how long the engine's pure code takes.

- Plan: a realistic house schedule in Europe/Berlin (weekday and weekend blocks, an evening
  cron rule, a dated holiday schedule, an ISO 8601 rule, two overrides, one of them "until the
  next change") resolved over 1, 7 and 28 days, across the March DST change; median of
  ``--repeat`` runs. A per-minute cron rule (the densest a schedule can be) over 7 days too.
- next_change when the schedules never change (the worst case: the whole horizon is searched).
- Decision: one ``decide_zone`` call with the hysteresis and the TPI decider.

No sockets, no sleeps: these are the costs the engine pays on the reactor thread per plan
request (the plan is cached per zone; this is the cost of a miss) and per decision.

Run from the repo root: ``.venv/bin/python bench/schedule.py [--repeat 50] [--json]``.
"""

import argparse
import json
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rpymostat.engine.schedule.resolve import Rule, Target
from rpymostat.engine.schedule.rules import OneOff, Schedule, ZoneRules, next_change, plan
from rpymostat.engine.schedule.schedulers import BUILTIN
from rpymostat.engine.zones.decide import SafetyMemory, ZoneReading, decide_zone
from rpymostat.engine.zones.deciders.base import OutputState
from rpymostat.engine.zones.deciders.hysteresis import HysteresisDecider
from rpymostat.engine.zones.deciders.tpi import TPIDecider
from rpymostat.engine.zones.model import Zone

TZ = ZoneInfo("Europe/Berlin")
START = datetime(2027, 3, 22, 0, 0, tzinfo=UTC)  # the DST change (28 Mar) is in the 28 days


def schedule(seq: int, kind: str, name: str, params: dict[str, Any], target: float,
             **validity: datetime) -> Schedule:
    rule = Rule("dated-schedule" if validity else "schedule", f"s{seq}", name,
                Target(target), seq)
    return Schedule(rule, kind, params, BUILTIN[kind].parse(params), validity.get("valid_from"),
                    validity.get("valid_until"))


def house_rules() -> ZoneRules:
    schedules = (
        schedule(1, "weekly", "weekdays", {"days": "mon-fri", "from": "06:30", "to": "22:30"},
                 21.0),
        schedule(2, "weekly", "weekends", {"days": "sat,sun", "from": "08:00", "to": "23:00"},
                 21.0),
        schedule(3, "weekly", "nights", {"days": "daily", "from": "22:30", "to": "06:30"},
                 17.0),
        schedule(4, "cron", "evening", {"cron": "0 18 * * mon-fri", "duration": "PT3H"}, 22.0),
        schedule(5, "iso8601", "bath", {"repeat": "R/2027-01-02T07:00/P2D",
                                        "duration": "PT1H"}, 23.0),
        schedule(6, "weekly", "holiday", {"days": "daily", "from": "00:00", "to": "24:00"},
                 15.0, valid_from=START + timedelta(days=9),
                 valid_until=START + timedelta(days=12)),
    )
    oneoffs = (
        OneOff(Rule("override", "o1", "away", Target(12.0), 7), START + timedelta(days=3),
               START + timedelta(days=5)),
        OneOff(Rule("override", "o2", "party", Target(23.0), 8),
               START + timedelta(days=15, hours=19), None),
    )
    return ZoneRules(TZ, Rule("default", "house", "default", Target(20.0)), schedules, oneoffs)


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


def run(repeat: int) -> dict[str, Any]:
    rules = house_rules()
    figures: dict[str, Any] = {}
    for days in (1, 7, 28):
        end = START + timedelta(days=days)
        figures[f"plan_{days}d_ms"] = round(median_ms(lambda e=end: plan(rules, START, e),
                                                      repeat), 3)
        figures[f"plan_{days}d_segments"] = len(plan(rules, START, end))
    dense = ZoneRules(TZ, rules.default, (schedule(
        9, "cron", "every minute", {"cron": "* * * * *", "duration": "PT1M"}, 21.0),))
    figures["plan_7d_per_minute_cron_ms"] = round(median_ms(
        lambda: plan(dense, START, START + timedelta(days=7)), max(3, repeat // 10)), 3)
    flat = ZoneRules(TZ, rules.default, (schedule(
        10, "weekly", "always", {"days": "daily", "from": "00:00", "to": "24:00"}, 21.0),))
    figures["next_change_never_ms"] = round(median_ms(lambda: next_change(flat, START),
                                                      max(3, repeat // 10)), 3)
    zone = Zone("house", "House", timezone="Europe/Berlin")
    reading = ZoneReading(19.6, "living room", 1)
    for name, decider in (("hysteresis", HysteresisDecider({})), ("tpi", TPIDecider({}))):
        memory = SafetyMemory()
        figures[f"decide_{name}_us"] = round(median_ms(lambda d=decider, m=memory: decide_zone(
            zone, reading, 21.0, heat=OutputState(False, 0.0), cool=OutputState(),
            decider=d, memory=m, now=10_000.0), repeat * 20) * 1000, 2)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = run(args.repeat)
    if args.json:
        print(json.dumps(figures))
        return
    for key, value in figures.items():
        print(f"{key:32} {value}")


if __name__ == "__main__":
    main()
