"""bench/control_quality.py keeps its promise: ``--json`` prints one object with, per scored
week, the KPIs of ours and of the baseline and the keys the issue names; seeded runs repeat."""

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "control_quality.py"
KPIS = {"discomfort_kh", "energy_kwh", "switches", "max_cycles_per_hour",
        "mean_cycles_per_hour", "mae_at_changes_k", "transitions_on_target",
        "morning_on_target"}


def run(*args: str) -> dict:
    out = subprocess.run([sys.executable, str(BENCH), "--json", *args], check=True,
                         capture_output=True, text=True, timeout=120).stdout
    lines = out.strip().splitlines()
    assert len(lines) == 1, out
    return json.loads(lines[0])


def test_json_has_a_winter_and_a_summer_week_with_the_issue_keys() -> None:
    result = run("--seed", "3")
    weeks = {w["week"]: w for w in result["weeks"]}
    assert set(weeks) == {"winter", "summer"}
    for week in weeks.values():
        assert set(week["ours"]) >= KPIS and set(week["baseline"]) >= KPIS
        assert 0.0 <= week["transitions_on_target"] <= 1.0
        assert week["energy_ratio"] == round(
            week["ours"]["energy_kwh"] / week["baseline"]["energy_kwh"], 3)
        if week["baseline"]["discomfort_kh"]:
            assert week["discomfort_ratio"] == round(
                week["ours"]["discomfort_kh"] / week["baseline"]["discomfort_kh"], 3)
        # the schedule has 5 working mornings and one rise after the away days
        assert week["ours"]["morning_changes"] == week["baseline"]["morning_changes"] == 5
        assert week["ours"]["changes"] == 6
        assert week["learnt_rate"] is not None


def test_the_same_seed_gives_the_same_numbers() -> None:
    a, b = run("--seed", "5"), run("--seed", "5")
    a.pop("seconds")
    b.pop("seconds")
    assert a == b


def test_tolerance_is_ours_and_the_sweep_counts_each_seed() -> None:
    """``--tolerance`` sets our decider's band (the baseline keeps its 0.3), and ``--seeds N``
    adds a per-season summary over seeds 1..N."""
    wide = run("--seed", "3", "--tolerance", "0.6", "--seeds", "2")
    default = run("--seed", "3")
    assert wide["tolerance"] == 0.6 and default["tolerance"] is None
    for w_week, d_week in zip(wide["weeks"], default["weeks"], strict=True):
        assert w_week["baseline"] == d_week["baseline"]
        assert w_week["ours"]["switches"] < d_week["ours"]["switches"]
    assert [row["week"] for row in wide["sweep"]] == ["winter", "summer"]
    for row in wide["sweep"]:
        assert row["weeks"] == 2
        assert 0 <= row["all_goals_met"] <= 2
        assert set(row["goal_met"]) == set(wide["weeks"][0]["goals"])
        assert row["mean_starts_ratio"] > 0 and row["max_energy_ratio"] > 0
