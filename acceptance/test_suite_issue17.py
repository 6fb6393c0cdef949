"""Issue 17 against ``make run``'s suite as a real process (shared/suite.py, the demo with the
simulated house):

- the demo's stale limit follows the house's 60× clock: a sensor agent paused with SIGSTOP
  makes the zone's reading stale (safe mode) within the scaled 15 s, not after ten minutes;
  SIGCONT brings fresh readings back;
- the engine's root page links the web UI and the simulated house;
- the supervisor: the sensor agent killed, the suite says so, keeps the others running and
  restarts it; readings reach the engine again.
"""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from .processes import free_offset, wait_for
from .test_demo import ALL_PORTS, PORTS, get, group_alive


def child_pid(parent: int, script: str) -> int | None:
    """The pid of ``parent``'s child running console script ``script`` (from /proc)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent and any(arg.endswith(script.encode()) for arg in cmdline):
            return int(entry.name)
    return None


class RunningSuite:
    """``python -m rpymostat.shared.suite`` in its own session, stopped with SIGINT."""

    def __init__(self, tmp_path: Path, *args: str) -> None:
        self.offset = free_offset(ALL_PORTS)
        self.port = {name: port + self.offset for name, port in PORTS.items()}
        env = {k: v for k, v in os.environ.items() if not k.startswith("RPYMOSTAT_")}
        self.log = tmp_path / "suite.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "rpymostat.shared.suite", "--data-dir",
                 str(tmp_path / "data"), "--host", "127.0.0.1", "--port-offset",
                 str(self.offset), *args],
                stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def ready(self, timeout: float = 90.0) -> None:
        wait_for(lambda: "Press Ctrl-C" in self.text() or self.proc.poll() is not None,
                 timeout, "the suite to start")
        assert self.proc.poll() is None, self.text()

    def engine(self, path: str) -> Any:
        return get(self.port["engine"], path)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(60)
        finally:
            deadline = time.monotonic() + 5
            while group_alive(self.proc.pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if group_alive(self.proc.pid):
                os.killpg(self.proc.pid, signal.SIGKILL)


def house_sensor(suite: RunningSuite) -> dict[str, Any] | None:
    zone = suite.engine("/v1/zones/house") or {}
    sensors = [s for s in (zone.get("state") or {}).get("sensors", [])
               if s["id"].endswith(":house")]
    return sensors[0] if sensors else None


def fresh(suite: RunningSuite) -> bool:
    s = house_sensor(suite)
    return bool(s and not s["stale"] and s["age_s"] < 10)


def test_scaled_stale_limit_and_the_supervisor_keep_the_demo_honest(tmp_path: Path) -> None:
    """Paused sensor agent: stale (safe mode) after 15 s at most + one decision; resumed:
    fresh again. Killed sensor agent: reported, the others still answer, restarted, fresh
    readings again."""
    suite = RunningSuite(tmp_path)
    try:
        suite.ready()
        wait_for(lambda: fresh(suite), 60, "fresh readings of the house")
        engine_status = suite.engine("/v1/status")
        assert engine_status is not None
        with urllib.request.urlopen(f"http://127.0.0.1:{suite.port['engine']}/",
                                    timeout=5) as response:
            root = response.read().decode()
        for label, name in (("web UI", "webui"), ("simulated house", "house")):
            assert f'<a href="http://127.0.0.1:{suite.port[name]}/">{label}</a>' in root, root

        agent = child_pid(suite.proc.pid, "rpymostat-sensor-agent")
        assert agent is not None, suite.text()
        os.kill(agent, signal.SIGSTOP)
        paused = time.monotonic()
        try:
            wait_for(lambda: (house_sensor(suite) or {}).get("stale"), 40, "a stale reading")
            stale_after = time.monotonic() - paused
            wait_for(lambda: (suite.engine("/v1/zones/house") or {}).get("state", {}).get(
                "decision", {}).get("safe_mode"), 15, "safe mode")
        finally:
            os.kill(agent, signal.SIGCONT)
        assert stale_after < 15 + 5 + 5, stale_after  # limit + a sensor round + slack
        wait_for(lambda: fresh(suite), 30, "fresh readings after SIGCONT")

        os.kill(agent, signal.SIGKILL)
        wait_for(lambda: "rpymostat-sensor-agent (sensor agent) restarted" in suite.text(), 20,
                 "the restart")
        text = suite.text()
        assert "rpymostat-sensor-agent (sensor agent) exited with code -9; the others keep" \
               " running; restarting it in 1 s" in text, text
        assert suite.proc.poll() is None
        for name in ("engine", "relay", "webui", "house"):
            assert get(suite.port[name], "/v1/status") is not None or name == "webui", name
        new = wait_for(lambda: child_pid(suite.proc.pid, "rpymostat-sensor-agent"), 10,
                       "the new sensor agent")
        assert new != agent
        wait_for(lambda: house_sensor(suite) and house_sensor(suite)["age_s"] < 5
                 and fresh(suite), 60, "readings from the restarted agent")
    finally:
        code = suite.stop()
    assert code == 0, suite.text()
