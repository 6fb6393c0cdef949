"""The simulated house as a real process: it advertises itself with role ``house``, the sim
sensor class finds it by mDNS (pinned by its instance id) and reads its zones and the
outdoors, and a bad setting stops it at once, naming the variable."""

import json
import os
import signal
import subprocess
import threading
from pathlib import Path

from .processes import BIN, Daemon, assert_clean_exit, free_port


def house(tmp_path: Path, **extra: str) -> Daemon:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RPYMOSTAT_")}
    env.update({"RPYMOSTAT_HOUSE_LISTEN": f"tcp:{port}:interface=127.0.0.1",
                "RPYMOSTAT_HOUSE_ZONES": "living,kitchen", **extra})
    return Daemon([str(BIN / "rpymostat-house")], env, port, tmp_path / "house.log")


def test_the_house_is_found_and_read_by_the_sim_sensor_class(tmp_path: Path) -> None:
    """``rpymostat-discover`` lists the house; a dry-running sensor agent with ``-c sim``
    (no URL) finds it by its id and prints each zone and the outdoors."""
    daemon = house(tmp_path).start()
    try:
        status = daemon.request("GET", "/v1/status")[1]
        listed = subprocess.run([str(BIN / "rpymostat-discover"), "--json", "--wait", "1.5"],
                                capture_output=True, text=True, timeout=30, check=True)
        mine = [a for a in json.loads(listed.stdout) if a["id"] == status["instance_id"]]
        assert mine and mine[0]["role"] == "house" and mine[0]["port"] == daemon.port, mine
        agent = subprocess.Popen(
            [str(BIN / "rpymostat-sensor-agent"), "-d", "-i", "1",
             "-c", f"sim=house={status['instance_id']}"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            env={**os.environ, "RPYMOSTAT_DATA_DIR": str(tmp_path / "agent")})
        guard = threading.Timer(30, agent.kill)  # a stuck agent ends the wait below
        guard.start()
        try:
            assert agent.stdout is not None
            lines: list[dict] = []
            while len(lines) < 3:  # the JSON lines of the first round (log lines between)
                line = agent.stdout.readline()
                assert line, "the sensor agent stopped"
                if line.startswith("{"):
                    lines.append(json.loads(line))
        finally:
            guard.cancel()
            agent.send_signal(signal.SIGTERM)
            agent.wait(15)
        assert [(r["sensor_id"], r["type"]) for r in lines] == [
            ("living", "sim"), ("kitchen", "sim"), ("outdoor", "sim")], lines
        assert all(isinstance(r["value"], float) and r["error"] is None for r in lines), lines
    finally:
        assert_clean_exit(daemon)


def test_a_bad_setting_exits_2_naming_the_variable(tmp_path: Path) -> None:
    """RPYMOSTAT_HOUSE_SPEED=0 is refused before anything starts."""
    env = {**os.environ, "RPYMOSTAT_HOUSE_SPEED": "0"}
    done = subprocess.run([str(BIN / "rpymostat-house")], env=env, capture_output=True,
                          text=True, timeout=30, check=False)
    assert done.returncode == 2 and "RPYMOSTAT_HOUSE_SPEED" in done.stderr, done.stderr
