"""Real daemon processes for acceptance tests: start on a free port, wait, talk HTTP, stop."""

import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
TOKEN = "acceptance-token-0123456789"


def assert_clean_exit(daemon: "Daemon") -> None:
    """Stop with SIGTERM and check for a clean shutdown.

    Console scripts exit 0; twistd re-raises the signal after shutting down cleanly (exit
    -SIGTERM) and logs "Server Shut Down.".
    """
    code = daemon.stop()
    if Path(daemon.argv[0]).name == "twistd":
        assert code == -signal.SIGTERM and "Server Shut Down." in daemon.log(), daemon.log()
    else:
        assert code == 0, daemon.log()


def free_offset(ports: tuple[int, ...]) -> int:
    """An offset at which every one of ``ports`` is bindable on 127.0.0.1, below the ephemeral
    range (where outgoing connections of other tests hold ports)."""
    for _ in range(100):
        offset = random.randrange(2_000, 20_000)
        if all(_bindable(p + offset) for p in ports):
            return offset
    raise RuntimeError("no free block of ports")


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    """A TCP port that was free a moment ago on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Daemon:
    """One daemon process (console script or twistd plugin) with its log file."""

    def __init__(self, argv: list[str], env: dict[str, str], port: int, log: Path) -> None:
        self.argv, self.env, self.port, self.log_path = argv, env, port, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20.0) -> "Daemon":
        """Start and wait until GET /v1/status answers (any status code)."""
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(self.argv, env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.argv[0]} exited {self.proc.returncode}:\n{self.log()}")
            try:
                self.request("GET", "/v1/status", timeout=1.0)
                return self
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(f"{self.argv} did not answer within {timeout}s:\n{self.log()}")

    def log(self) -> str:
        """Everything the process wrote so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def request(self, method: str, path: str, body: Any = None, *, raw: bytes | None = None,
                token: str | None = TOKEN, headers: dict[str, str] | None = None,
                timeout: float = 10.0) -> tuple[int, Any]:
        """One HTTP request; returns (status, decoded JSON or text)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        hdrs = dict(headers or {})
        if token is not None:
            hdrs["Authorization"] = f"Bearer {token}"
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        try:
            conn.request(method, path, body=data, headers=hdrs)
            response = conn.getresponse()
            content = response.read()
        finally:
            conn.close()
        if (response.getheader("content-type") or "").startswith("application/json"):
            return response.status, json.loads(content)
        return response.status, content.decode(errors="replace")

    def alive(self) -> bool:
        """Whether the process is still running."""
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        """Send ``sig`` and wait; SIGKILL if it does not exit in time. Returns the exit code."""
        assert self.proc is not None
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        return self.proc.returncode


def engine_env(data_dir: Path, port: int, **extra: str) -> dict[str, str]:
    """The environment of an engine on ``port`` with ``data_dir``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RPYMOSTAT_")}
    env.update({"RPYMOSTAT_ENGINE_LISTEN": f"tcp:{port}:interface=127.0.0.1",
                "RPYMOSTAT_DATA_DIR": str(data_dir), "RPYMOSTAT_TOKEN": TOKEN,
                "RPYMOSTAT_BUS_PUB_LISTEN": "tcp://127.0.0.1:0",
                "RPYMOSTAT_BUS_SUB_LISTEN": "tcp://127.0.0.1:0",
                "RPYMOSTAT_ADVERTISE": "off"})
    env.update(extra)
    return env


def engine(data_dir: Path, log: Path, port: int | None = None, **extra: str) -> Daemon:
    """An engine console-script process (not started)."""
    port = port or free_port()
    return Daemon([str(BIN / "rpymostat-engine")], engine_env(data_dir, port, **extra), port, log)


def wait_for(predicate: Any, timeout: float, what: str) -> Any:
    """Poll ``predicate()`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def relay_agent_process(tmp_path: Path, engine_port: int, host: str, *options: str) -> Daemon:
    """A relay agent (console script) on a free port, given the engine's address, with host id
    ``host`` and ``options`` (outputs, watchdog)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RPYMOSTAT_")}
    env.update({"RPYMOSTAT_DATA_DIR": str(tmp_path / "agent-data"), "RPYMOSTAT_TOKEN": TOKEN,
                "RPYMOSTAT_HOST_ID": host, "RPYMOSTAT_ADVERTISE": "off",
                "RPYMOSTAT_HTTP_TIMEOUT": "2"})
    argv = [str(BIN / "rpymostat-relay-agent"), "-a", "127.0.0.1", "-p", str(engine_port),
            "--listen", f"tcp:{port}:interface=127.0.0.1", *options]
    return Daemon(argv, env, port, tmp_path / "agent.log")
