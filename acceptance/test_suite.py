"""``make run``'s supervisor: every daemon comes up, answers, and all stop on Ctrl-C."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from .processes import free_offset

HTTP_PORTS = (8088, 8089, 8090, 8080, 8093)  # 8093: the simulated house (no 1-wire here)
DEFAULT_PORTS = (*HTTP_PORTS, 8091, 8092)  # + the bus


def _free_offset() -> int:
    """An offset whose ports are bindable and below the ephemeral range."""
    return free_offset(DEFAULT_PORTS)


def _is_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def test_suite_starts_everything_and_stops_on_ctrl_c(tmp_path) -> None:
    """The suite prints a URL per daemon, each answers /v1/status, and SIGINT stops them all."""
    offset = _free_offset()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RPYMOSTAT_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "rpymostat.shared.suite", "--data-dir", str(tmp_path),
         "--host", "127.0.0.1", "--port-offset", str(offset)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if "Press Ctrl-C" in line or not line:
                break
        output = "".join(lines)
        assert "Press Ctrl-C" in output, output
        for port in HTTP_PORTS:
            assert f"http://127.0.0.1:{port + offset}/" in output, output
            with urllib.request.urlopen(f"http://127.0.0.1:{port + offset}/v1/status",
                                        timeout=5) as response:
                assert response.status == 200, output
        assert (tmp_path / "token").exists()
        agent = f"http://127.0.0.1:{8089 + offset}/v1/status"
        while time.monotonic() < deadline:
            with urllib.request.urlopen(agent, timeout=5) as response:
                status = json.load(response)
            if status["bus"]["connected"]:
                break
            time.sleep(0.1)
        assert status["engine"]["state"] == "found", status
        assert status["bus"]["connected"], status
        sensors: list = []
        while time.monotonic() < deadline and not sensors:  # the simulated house (no 1-wire)
            with urllib.request.urlopen(f"http://127.0.0.1:{8088 + offset}/v1/sensors",
                                        timeout=5) as response:
                sensors = json.load(response)["sensors"]
            time.sleep(0.1)
        assert sensors and sensors[0]["type"] == "sim", sensors
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 0
    for port in DEFAULT_PORTS:
        assert _is_free(port + offset), f"port {port + offset} still served after Ctrl-C"
