"""The full demo (issue 7): ``make run``'s processes — engine, simulated house, sensor agent,
relay agent, web UI — find each other by discovery and, within 60 s of wall time, readings of
the house reach the engine and the engine switches the house's heater. Ctrl-C stops them all.

The suite runs in its own process group, so the test can see that no child is left behind.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from .processes import free_offset

PORTS = {"engine": 8088, "sensor": 8089, "relay": 8090, "webui": 8080, "house": 8093}
ALL_PORTS = (*PORTS.values(), 8091, 8092)
LIMIT_S = 60.0  # the limit, from the suite's start


def get(port: int, path: str) -> Any:
    """GET JSON from a daemon on 127.0.0.1 (None when it does not answer 200)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return json.load(response)
    except (OSError, ValueError):
        return None


def group_alive(pgid: int) -> bool:
    """Whether any process of the group still exists."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


class Watch:
    """What the test has seen so far in the engine and the house."""

    def __init__(self, offset: int) -> None:
        self.port = {name: port + offset for name, port in PORTS.items()}
        self.fresh_reading: dict[str, Any] | None = None
        self.heat_on: dict[str, Any] | None = None
        self.house: dict[str, Any] | None = None

    def look(self) -> bool:
        """Poll once; True when everything the issue asks for has been seen."""
        zone = get(self.port["engine"], "/v1/zones/house") or {}
        state = zone.get("state") or {}
        if state.get("temperature") is not None and any(
                s["id"].endswith(":house") and not s["stale"] and s["age_s"] < 30
                for s in state.get("sensors", [])):
            self.fresh_reading = state
        relays = (get(self.port["engine"], "/v1/relays") or {}).get("relays", [])
        heat = [r for r in relays if r["function"] == "heat" and r["reported"] == "on"]
        if heat:
            self.heat_on = heat[0]
        self.house = get(self.port["house"], "/v1/house")
        switched = bool(self.house and self.house["zones"]["house"]["switches"] >= 1)
        return bool(self.fresh_reading and self.heat_on and switched)


def test_make_run_heats_the_simulated_house_within_a_minute(tmp_path: Path) -> None:
    """Within 60 s: the engine shows a fresh temperature of the house's zone, its heat relay
    is reported on, and the house counted the switch; SIGINT then stops every process."""
    offset = free_offset(ALL_PORTS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RPYMOSTAT_")}
    log = tmp_path / "suite.log"
    started = time.monotonic()
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "rpymostat.shared.suite", "--data-dir",
             str(tmp_path / "data"), "--host", "127.0.0.1", "--port-offset", str(offset)],
            stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    watch = Watch(offset)
    try:
        while time.monotonic() - started < LIMIT_S and proc.poll() is None:
            if watch.look() and "Press Ctrl-C" in log.read_text(errors="replace"):
                break
            time.sleep(0.5)
        text = log.read_text(errors="replace")
        assert proc.poll() is None and "Press Ctrl-C" in text, text
        assert watch.fresh_reading, ("no fresh reading of the house in the engine", text)
        assert watch.heat_on, ("the engine never saw the heat output on", text)
        assert watch.house and watch.house["zones"]["house"]["switches"] >= 1, watch.house
        assert "simulated house" in text and "faster" in text, text
        for agent in ("sensor", "relay"):  # they found the engine by mDNS, not by a URL
            engine = get(watch.port[agent], "/v1/status")["engine"]
            assert (engine["mode"], engine["state"]) == ("mdns", "found"), engine
        decisions = get(watch.port["engine"], "/v1/zones/house/decisions?limit=100")
        assert any(d["state"] == "heating" for d in decisions["decisions"]), decisions
        # the suite set the zone up for the demo through the engine's API
        schedules = get(watch.port["engine"], "/v1/zones/house/schedules")["schedules"]
        assert [(s["target"], s["params"]) for s in schedules] == [
            (21.0, {"days": "daily", "from": "06:30", "to": "22:30"})], schedules
        zone = get(watch.port["engine"], "/v1/zones/house")
        assert zone["decider_params"] == {"min_on_s": 20, "min_off_s": 20}, zone
        assert (zone["outdoor_sensor"] or "").endswith(":outdoor"), zone
        # the web UI's page links the house and says its time runs faster
        webui = f"http://127.0.0.1:{watch.port['webui']}/"
        with urllib.request.urlopen(webui, timeout=5) as response:
            page = response.read().decode()
        assert 'id="house"' in page and "faster than real time" in page, page
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(60)
        finally:
            deadline = time.monotonic() + 5
            while group_alive(proc.pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            leftover = group_alive(proc.pid)
            if leftover:
                os.killpg(proc.pid, signal.SIGKILL)
    assert code == 0, log.read_text(errors="replace")
    assert not leftover, "a process of the suite outlived Ctrl-C"
    for name, port in watch.port.items():
        assert get(port, "/v1/status") is None, f"{name} still answers after Ctrl-C"
