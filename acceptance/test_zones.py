"""Zones end to end with real processes: an engine, a sensor agent reading a simulated
thermometer (a JSON file served over HTTP) and a relay agent with a dummy heat output.

A schedule set through the API makes the zone's target 21 °C. A reading below it switches the
heat output on within one decision period; a reading above it switches it off, but not before
the decider's minimum on time. The sensor agent is stopped: after the stale limit the zone is
in safe mode (outputs off) with the alarm ``zone-safe-mode``.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .processes import BIN, TOKEN, Daemon, free_port, wait_for

DECISION_INTERVAL = 1.0
SENSOR_INTERVAL = 1.0
STALE_AFTER = 6.0
MIN_ON = 6.0
RELAY_HOST = "boiler-pi"
SENSOR_HOST = "living-pi"


class Thermometer:
    """A JSON file ``{"indoor_c": ...}`` served by ``python -m http.server``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        root.mkdir(parents=True, exist_ok=True)
        self.set(18.0)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(self.port), "--bind", "127.0.0.1",
             "--directory", str(root)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/house.json"

    def set(self, value: float) -> None:
        tmp = self.root / "house.json.tmp"
        tmp.write_text(json.dumps({"indoor_c": value}))
        tmp.replace(self.root / "house.json")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def agent_env(tmp_path: Path, name: str, host: str, listen_var: str, port: int
              ) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RPYMOSTAT_")}
    env.update({listen_var: f"tcp:{port}:interface=127.0.0.1",
                "RPYMOSTAT_DATA_DIR": str(tmp_path / f"{name}-data"), "RPYMOSTAT_TOKEN": TOKEN,
                "RPYMOSTAT_HOST_ID": host, "RPYMOSTAT_ADVERTISE": "off",
                "RPYMOSTAT_HTTP_TIMEOUT": "2"})
    return env


def sensor_agent(tmp_path: Path, engine_port: int, url: str) -> Daemon:
    port = free_port()
    env = agent_env(tmp_path, "sensor", SENSOR_HOST, "RPYMOSTAT_SENSOR_AGENT_LISTEN", port)
    argv = [str(BIN / "rpymostat-sensor-agent"), "-a", "127.0.0.1", "-p", str(engine_port),
            "-i", str(SENSOR_INTERVAL), "-c", f"sim=url={url}", "-c", "sim=id=living"]
    return Daemon(argv, env, port, tmp_path / "sensor-agent.log")


def relay_agent(tmp_path: Path, engine_port: int) -> Daemon:
    port = free_port()
    env = agent_env(tmp_path, "relay", RELAY_HOST, "RPYMOSTAT_RELAY_AGENT_LISTEN", port)
    argv = [str(BIN / "rpymostat-relay-agent"), "-a", "127.0.0.1", "-p", str(engine_port),
            "--listen", f"tcp:{port}:interface=127.0.0.1", "--watchdog", "20",
            "-o", "heat=dummy:min_on=0,min_off=0"]
    return Daemon(argv, env, port, tmp_path / "relay-agent.log")


def heat(engine: Daemon) -> dict[str, Any]:
    code, body = engine.request("GET", f"/v1/relays/{RELAY_HOST}:heat")
    return body if code == 200 else {}


def latest(engine: Daemon) -> dict[str, Any]:
    decisions = engine.request("GET", "/v1/zones/house/decisions?limit=1")[1]["decisions"]
    return decisions[0] if decisions else {}


def decisions(engine: Daemon) -> list[dict[str, Any]]:
    return engine.request("GET", "/v1/zones/house/decisions?limit=50")[1]["decisions"]


def test_schedule_readings_switch_the_heat_and_stale_sensors_mean_safe_mode(
        tmp_path: Path, engine_factory) -> None:
    thermometer = Thermometer(tmp_path / "sim")
    engine_port = free_port()
    engine = engine_factory(engine_port, RPYMOSTAT_DECISION_INTERVAL=str(DECISION_INTERVAL),
                            RPYMOSTAT_STALE_AFTER=str(STALE_AFTER)).start()
    relays = relay_agent(tmp_path, engine_port).start()
    sensors = sensor_agent(tmp_path, engine_port, thermometer.url)
    try:
        wait_for(lambda: heat(engine).get("reachable"), 10, "the relay agent's registration")
        code, body = engine.request("PATCH", "/v1/zones/house", {"decider_params": {
            "min_on_s": MIN_ON, "min_off_s": 1, "cold_tolerance": 0.3, "hot_tolerance": 0.3}})
        assert code == 200, body
        code, body = engine.request("POST", "/v1/zones/house/schedules", {
            "name": "all day", "target": 21.0, "scheduler": "weekly",
            "params": {"days": "daily", "from": "00:00", "to": "24:00"}})
        assert code == 201, body
        target = engine.request("GET", "/v1/zones/house/target")[1]
        assert (target["target"], target["rule"]["kind"]) == (21.0, "schedule"), target

        # 18 °C < 21 − 0.3: on within one decision period of the reading's arrival
        sensors.start()
        wait_for(lambda: latest(engine).get("temperature") == 18.0, 10, "the first reading")
        arrived = time.monotonic()
        wait_for(lambda: heat(engine).get("reported") == "on", 5, "heat on")
        assert time.monotonic() - arrived <= DECISION_INTERVAL + 1.0
        assert relays.request("GET", "/v1/relays/heat")[1]["state"] == "on"
        switched_on = time.monotonic()
        # the decision that switched it on (later ticks say "keep heating": < 21.0 + 0.3)
        heating = [d for d in decisions(engine) if d["state"] == "heating"]
        assert heating, decisions(engine)
        first = min(heating, key=lambda d: d["seq"])
        assert "18.0 °C < 21.0 − 0.3" in first["reason"], first

        # 23 °C ≥ 21 + 0.3: off, once the minimum on time has passed
        thermometer.set(23.0)
        wait_for(lambda: heat(engine).get("reported") == "off", MIN_ON + 10, "heat off")
        assert time.monotonic() - switched_on >= MIN_ON - 0.5
        reasons = [d["reason"] for d in decisions(engine)]
        assert any("minimum on time holds" in r for r in reasons), reasons

        # the sensor agent stops: after the stale limit, safe mode and an alarm
        thermometer.set(18.0)
        wait_for(lambda: heat(engine).get("reported") == "on", 10, "heat on again")
        sensors.stop()
        stopped = time.monotonic()
        wait_for(lambda: latest(engine).get("safe_mode"), STALE_AFTER + 5, "safe mode")
        assert time.monotonic() - stopped >= STALE_AFTER - SENSOR_INTERVAL - 0.5
        alarms = engine.request("GET", "/v1/alarms")[1]["active"]
        assert "zone-safe-mode:house" in [a["id"] for a in alarms], alarms
        wait_for(lambda: heat(engine).get("reported") == "off", 5, "heat off in safe mode")
        assert latest(engine)["state"] == "safe-mode"
    finally:
        for daemon in (sensors, relays):
            if daemon.proc is not None and daemon.alive():
                daemon.stop()
        thermometer.stop()
