"""``make run``'s supervisor: every daemon comes up, answers, and all stop on Ctrl-C."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from .processes import free_port

DEFAULT_PORTS = (8088, 8089, 8090, 8080)


def _free_offset() -> int:
    for _ in range(50):
        offset = free_port() - 8088
        if offset > 0 and all(_is_free(p + offset) for p in DEFAULT_PORTS):
            return offset
    raise RuntimeError("no free block of ports")


def _is_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0 and port < 65536


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
        for port in DEFAULT_PORTS:
            assert f"http://127.0.0.1:{port + offset}/" in output, output
            with urllib.request.urlopen(f"http://127.0.0.1:{port + offset}/v1/status",
                                        timeout=5) as response:
                assert response.status == 200
        assert (tmp_path / "token").exists()
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 0
    for port in DEFAULT_PORTS:
        assert _is_free(port + offset), f"port {port + offset} still served after Ctrl-C"
