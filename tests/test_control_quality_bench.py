"""bench/control_quality.py keeps its promise: ``--json`` prints one object with, per house
kind and season, ours and each baseline's mean KPIs, ours' ratios and a per-goal verdict
against the baseline moved 1 h early; seeded runs repeat; every controller of a week sees the
same weather."""

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "control_quality.py"
KPIS = {"discomfort_kh", "energy_kwh", "mean_cycles_per_hour", "max_cycles_per_hour",
        "mae_at_changes_k", "transitions_on_target", "morning_on_target",
        "worst_overshoot_after_rise_k"}
GOALS = {"discomfort_le_0.5x", "energy_le_1.0x", "mean_starts_per_hour_le",
         "busiest_hour_starts_le", "overshoot_after_rise_le_0.5k", "morning_on_target_ge_0.9"}


def run(*args: str) -> dict:
    out = subprocess.run([sys.executable, str(BENCH), "--json", *args], check=True,
                         capture_output=True, text=True, timeout=300).stdout
    lines = out.strip().splitlines()
    assert len(lines) == 1, out
    return json.loads(lines[0])


def test_json_reports_each_house_and_season_with_ratios_and_goals() -> None:
    """Two kinds × two seasons, one seed: a summary each, with every controller, the ratios
    of ours to each baseline and the goals (the overshoot goal only on underfloor)."""
    result = run("--seeds", "3", "--houses", "timber,underfloor", "--seasons", "winter,summer",
                 "--weeks")
    assert [(s["house"], s["season"]) for s in result["summaries"]] == [
        ("timber", "winter"), ("timber", "summer"), ("underfloor", "winter"),
        ("underfloor", "summer")]
    assert result["reference"] == "ha_lead_1h"
    for s in result["summaries"]:
        assert set(s["controllers"]) == {"ours", "ours_proposed", "ha", "ha_lead_1h",
                                         "ha_lead_2h", "ha_pre2025"}
        for kpis in s["controllers"].values():
            assert set(kpis) >= KPIS
        ref = s["controllers"]["ha_lead_1h"]
        mine = s["controllers"]["ours"]
        assert s["ratios"]["ha_lead_1h"]["energy_kwh"] == round(
            mine["energy_kwh"] / ref["energy_kwh"], 3)
        assert set(s["goals"]) == GOALS
        assert s["goals"]["energy_le_1.0x"]["met"] == (mine["energy_kwh"] <= ref["energy_kwh"])
        assert (s["goals"]["overshoot_after_rise_le_0.5k"]["met"] is None) == (
            s["house"] != "underfloor")
    for week in result["weeks"]:
        # the schedule has 5 working mornings and one rise after the away days
        assert week["ours"]["morning_changes"] == week["ha"]["morning_changes"] == 5
        assert week["ours"]["changes"] == 6
        assert week["learnt_rate"] is not None
        assert week["proposal"]["decider"] == "hysteresis"
        assert week["proposal"]["max_head_start_s"] >= 7200


def test_the_same_seed_gives_the_same_numbers() -> None:
    """Seeded: two runs print the same figures."""
    a = run("--seeds", "5", "--houses", "heatpump", "--seasons", "coldsnap")
    b = run("--seeds", "5", "--houses", "heatpump", "--seasons", "coldsnap")
    a.pop("seconds")
    b.pop("seconds")
    assert a == b


def test_tolerance_is_ours_alone() -> None:
    """``--tolerance`` sets our decider's band; the baselines do not move."""
    args = ("--seeds", "3", "--houses", "timber", "--seasons", "winter",
            "--controllers", "ours,ha")
    wide, default = run(*args, "--tolerance", "0.6"), run(*args)
    assert wide["tolerance"] == 0.6 and default["tolerance"] is None
    w, d = wide["summaries"][0]["controllers"], default["summaries"][0]["controllers"]
    assert w["ha"] == d["ha"]
    assert w["ours"]["mean_cycles_per_hour"] < d["ours"]["mean_cycles_per_hour"]
