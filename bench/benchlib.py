"""What the benchmarks share: free ports, starting and stopping a daemon, the bare Klein RSS
floor, reading a process's RSS/CPU."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    """A TCP port that was free a moment ago on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(port: int, proc: subprocess.Popen, path: str = "/v1/status") -> None:
    """Until ``http://127.0.0.1:<port><path>`` answers (exit if the process dies)."""
    for _ in range(400):
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1)
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("server did not come up")


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    """A memory figure of ``/proc/<pid>/status`` in KiB (VmRSS, VmHWM...)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_daemon(argv: list[str], env: dict[str, str], port: int) -> subprocess.Popen:
    """Start a daemon quietly and wait until it answers on ``port``."""
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    wait_http(port, proc)
    return proc


def stop_daemon(proc: subprocess.Popen) -> None:
    """SIGTERM and wait."""
    proc.terminate()
    proc.wait(30)


def bare_rss(settle: float, no_tls: bool = False) -> float:
    """MiB of a bare Twisted+Klein process (bench/bare_klein.py) after ``settle`` seconds;
    ``no_tls``: with Twisted's TLS stack left unloaded, as the agents run."""
    port = free_port()
    proc = start_daemon([sys.executable, str(Path(__file__).parent / "bare_klein.py"),
                         str(port), *(["--no-tls"] if no_tls else [])], dict(os.environ), port)
    try:
        time.sleep(settle)
        return rss_kib(proc.pid) / 1024
    finally:
        stop_daemon(proc)
