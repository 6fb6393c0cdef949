"""``make run``: start the whole suite as separate processes and stop it all on Ctrl-C.

Runs each installed daemon's console script with a shared data dir, waits until each answers
``GET /v1/status``, prints the URLs and the site token's location, then waits. SIGINT or
SIGTERM stops every child (SIGTERM, then SIGKILL after 10 s). If a child dies, the suite
stops the rest and exits non-zero: a half-running thermostat is worse than a stopped one.

This is a plain supervisor (no reactor): it only spawns, polls and signals.
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import FrameType


@dataclass(frozen=True)
class Member:
    """One daemon of the suite: its console script, listen variable and default port."""

    script: str
    listen_var: str
    port: int
    label: str


BUS_PUB_PORT = 8091
BUS_SUB_PORT = 8092
MEMBERS = (
    Member("rpymostat-engine", "RPYMOSTAT_ENGINE_LISTEN", 8088, "engine API"),
    Member("rpymostat-sensor-agent", "RPYMOSTAT_SENSOR_AGENT_LISTEN", 8089, "sensor agent"),
    Member("rpymostat-relay-agent", "RPYMOSTAT_RELAY_AGENT_LISTEN", 8090, "relay agent"),
    Member("rpymostat-webui", "RPYMOSTAT_WEBUI_LISTEN", 8080, "web UI"),
)


def onewire_present(w1: Path = Path("/sys/bus/w1/devices"),
                    owfs: tuple[Path, ...] = (Path("/run/owfs"), Path("/mnt/1wire"))) -> bool:
    """Whether this machine has 1-wire thermometers (kernel w1 devices or an OWFS mount)."""
    thermometers = ("10-", "22-", "28-", "3b-", "42-")
    try:
        if any(p.name.startswith(thermometers) for p in w1.iterdir()):
            return True
    except OSError:
        pass
    for mount in owfs:
        try:
            if any(mount.iterdir()):
                return True
        except OSError:
            continue
    return False


def _script(name: str) -> str:
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        raise SystemExit(f"rpymostat-suite: {name} is not installed (run 'make run')")
    return found


def _wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - http:// we built
                return
        except urllib.error.HTTPError:
            return  # it answers (e.g. 503 while a dependency starts): it is up
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"did not answer {url} within {timeout:g} s")


class Suite:
    """The running children."""

    def __init__(self, data_dir: Path, host: str, offset: int) -> None:
        self.data_dir, self.host, self.offset = data_dir, host, offset
        self.children: list[tuple[Member, subprocess.Popen[bytes]]] = []

    def env(self) -> dict[str, str]:
        """The environment every child gets: the data dir and each member's listen port."""
        env = dict(os.environ)
        env.setdefault("RPYMOSTAT_DATA_DIR", str(self.data_dir))
        for m in MEMBERS:
            env[m.listen_var] = f"tcp:{m.port + self.offset}:interface={self.host}"
        bus_host = "*" if self.host in ("0.0.0.0", "::") else self.host  # noqa: S104
        env["RPYMOSTAT_BUS_PUB_LISTEN"] = f"tcp://{bus_host}:{BUS_PUB_PORT + self.offset}"
        env["RPYMOSTAT_BUS_SUB_LISTEN"] = f"tcp://{bus_host}:{BUS_SUB_PORT + self.offset}"
        if not env.get("RPYMOSTAT_SENSORS") and not onewire_present():
            env["RPYMOSTAT_SENSORS"] = "dummy"  # no thermometer here: plausible demo values
        # Outputs switch real equipment: never guessed. Unconfigured, the demo gets two
        # in-memory outputs.
        env.setdefault("RPYMOSTAT_RELAYS", "heat=dummy;cool=dummy")
        # The suite knows where its engine is; mDNS is for daemons on other machines.
        env.setdefault("RPYMOSTAT_ENGINE_URL",
                       f"http://{self._display_host()}:{MEMBERS[0].port + self.offset}")
        return env

    def start(self, timeout: float = 30.0) -> None:
        """Start every member in order, each ready before the next."""
        env = self.env()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for m in MEMBERS:
            proc = subprocess.Popen([_script(m.script)], env=env)  # noqa: S603
            self.children.append((m, proc))
            url = f"http://{self._display_host()}:{m.port + self.offset}/"
            try:
                _wait_ready(url + "v1/status", proc, timeout)
            except RuntimeError as e:
                raise SystemExit(f"rpymostat-suite: {m.script} {e}") from None
            print(f"  {m.label:<14} {url}", flush=True)

    def _display_host(self) -> str:
        return "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host  # noqa: S104

    def watch(self) -> int:
        """Block until a signal or a child exits; return the suite's exit code."""
        stop = {"signal": 0}

        def on_signal(signum: int, _frame: FrameType | None) -> None:
            stop["signal"] = signum

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        while not stop["signal"]:
            for m, proc in self.children:
                if proc.poll() is not None:
                    print(f"rpymostat-suite: {m.script} exited ({proc.returncode}); stopping",
                          file=sys.stderr, flush=True)
                    return 1
            time.sleep(0.2)
        return 0

    def stop(self) -> None:
        """SIGTERM every child (last started first), SIGKILL any still alive after 10 s."""
        for _m, proc in reversed(self.children):
            if proc.poll() is None:
                proc.terminate()
        for _m, proc in reversed(self.children):
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``python -m rpymostat.shared.suite`` (``make run``)."""
    parser = argparse.ArgumentParser(prog="rpymostat-suite", description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path(".run"))
    parser.add_argument("--host", default="0.0.0.0",  # noqa: S104 - a LAN service by design
                        help="interface to listen on (default: all)")
    parser.add_argument("--port-offset", type=int, default=0,
                        help="added to every default port (8088 engine, 8089 sensor agent,"
                             " 8090 relay agent, 8080 web UI, 8091/8092 bus)")
    args = parser.parse_args(argv)
    suite = Suite(args.data_dir.resolve(), args.host, args.port_offset)
    print("RPyMostat is starting:", flush=True)
    code = 1
    try:
        suite.start()
        print(f"Site token: {args.data_dir.resolve() / 'token'} (RPYMOSTAT_TOKEN overrides)."
              "\nPress Ctrl-C to stop everything.", flush=True)
        code = suite.watch()
    finally:
        suite.stop()
    raise SystemExit(code)


if __name__ == "__main__":
    main()
