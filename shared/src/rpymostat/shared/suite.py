"""``make run``: start the whole suite as separate processes and stop it all on Ctrl-C.

Runs each installed daemon's console script with a shared data dir, waits until each answers
``GET /v1/status``, prints the URLs and the site token's location, then waits. SIGINT or
SIGTERM stops every child, last started first (SIGTERM, then SIGKILL after 10 s). If a child
exits, the suite says so and keeps the others running (each daemon is built to cope with a
lost peer, and one can watch it do so); it starts the child again after a back-off (1 s,
doubling up to 30 s while it keeps failing) unless ``--no-restart`` is given.

The daemons find each other by discovery (mDNS), as on a LAN; the agents are pinned to the
suite's own engine by its instance id (``RPYMOSTAT_ENGINE_NAME``), so another engine on the
LAN cannot confuse them. With ``RPYMOSTAT_ADVERTISE=off`` they get URLs instead.

With no thermometer here and neither ``RPYMOSTAT_SENSORS`` nor ``RPYMOSTAT_RELAYS`` set, the
suite is the demo (:mod:`.demo`): it also runs the simulated house (``rpymostat-house``), the
sensor agent reads it and the relay agent switches its heater and cooler, and the engine's
zone ``house`` gets a default weekly schedule.

This is a plain supervisor (no reactor): it only spawns, polls, signals and makes a few HTTP
calls.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from . import demo


@dataclass(frozen=True)
class Member:
    """One daemon of the suite: its console script, listen variable and default port."""

    script: str
    listen_var: str
    port: int
    label: str


BUS_PUB_PORT = 8091
BUS_SUB_PORT = 8092
ENGINE = Member("rpymostat-engine", "RPYMOSTAT_ENGINE_LISTEN", 8088, "engine API")
HOUSE = Member("rpymostat-house", "RPYMOSTAT_HOUSE_LISTEN", 8093, "simulated house")
SENSOR_AGENT = Member("rpymostat-sensor-agent", "RPYMOSTAT_SENSOR_AGENT_LISTEN", 8089,
                      "sensor agent")
RELAY_AGENT = Member("rpymostat-relay-agent", "RPYMOSTAT_RELAY_AGENT_LISTEN", 8090,
                     "relay agent")
WEBUI = Member("rpymostat-webui", "RPYMOSTAT_WEBUI_LISTEN", 8080, "web UI")
MEMBERS = (ENGINE, SENSOR_AGENT, RELAY_AGENT, WEBUI)
DEMO_MEMBERS = (ENGINE, HOUSE, SENSOR_AGENT, RELAY_AGENT, WEBUI)


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


def wants_demo(environ: dict[str, str], onewire: bool) -> bool:
    """The simulated house runs when nothing real is here or configured."""
    return not onewire and not environ.get("RPYMOSTAT_SENSORS") \
        and not environ.get("RPYMOSTAT_RELAYS")


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


def _get_json(url: str, timeout: float = 5.0) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - ours
        body = json.load(response)
    return body if isinstance(body, dict) else {}


def _say(line: str) -> None:
    print(f"rpymostat-suite: {line}", file=sys.stderr, flush=True)


class Restarts:
    """When each exited child is started again: after 1 s, then twice as long after each
    exit that follows a run shorter than ``STABLE_S`` (up to ``MAX_DELAY_S``)."""

    FIRST_DELAY_S = 1.0
    MAX_DELAY_S = 30.0
    STABLE_S = 60.0

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._since: dict[str, float] = {}  # when it (re)started
        self._delay: dict[str, float] = {}  # the next back-off
        self._at: dict[str, float] = {}  # when an exited one is due
        self._stopped: set[str] = set()

    def running(self, m: Member) -> None:
        """It runs: note since when (the first look)."""
        self._since.setdefault(m.script, self._now())

    def exited(self, m: Member, _code: int | None) -> float | None:
        """It exited: the back-off (> 0) when it is news, 0 when already reported (see
        :meth:`due`), None when given up."""
        if m.script in self._stopped:
            return None
        if m.script in self._at:
            return 0.0
        now = self._now()
        ran = now - self._since.get(m.script, now)
        delay = self.FIRST_DELAY_S if ran >= self.STABLE_S else \
            self._delay.get(m.script, self.FIRST_DELAY_S)
        self._delay[m.script] = min(delay * 2, self.MAX_DELAY_S)
        self._at[m.script] = now + delay
        return delay

    def due(self, m: Member) -> bool:
        """Whether its back-off has passed."""
        return self._now() >= self._at.get(m.script, float("inf"))

    def started(self, m: Member) -> None:
        """It was started again."""
        self._at.pop(m.script, None)
        self._since[m.script] = self._now()

    def given_up(self, m: Member) -> None:
        """It stays stopped (no restarts)."""
        self._stopped.add(m.script)


class Suite:
    """The running children."""

    def __init__(self, data_dir: Path, host: str, offset: int,
                 environ: dict[str, str] | None = None, *, simulated: bool | None = None
                 ) -> None:
        self.data_dir, self.host, self.offset = data_dir, host, offset
        self.environ = dict(os.environ if environ is None else environ)
        self.demo = wants_demo(self.environ, onewire_present()) if simulated is None \
            else simulated
        self.members = DEMO_MEMBERS if self.demo else MEMBERS
        self.discovery = self.environ.get("RPYMOSTAT_ADVERTISE", "on").strip().lower() != "off"
        self.engine_id: str | None = None
        self.house: demo.HouseInfo | None = None
        self.children: list[tuple[Member, subprocess.Popen[bytes]]] = []

    def url(self, member: Member) -> str:
        """``http://host:port`` of a member."""
        return f"http://{self._display_host()}:{member.port + self.offset}"

    def env(self) -> dict[str, str]:
        """The environment of the next child: the data dir, each member's listen port, how to
        find the engine (and, in the demo, the house) as far as known by now."""
        env = dict(self.environ)
        env.setdefault("RPYMOSTAT_DATA_DIR", str(self.data_dir))
        for m in DEMO_MEMBERS:
            env[m.listen_var] = f"tcp:{m.port + self.offset}:interface={self.host}"
        bus_host = "*" if self.host in ("0.0.0.0", "::") else self.host  # noqa: S104
        env["RPYMOSTAT_BUS_PUB_LISTEN"] = f"tcp://{bus_host}:{BUS_PUB_PORT + self.offset}"
        env["RPYMOSTAT_BUS_SUB_LISTEN"] = f"tcp://{bus_host}:{BUS_SUB_PORT + self.offset}"
        links = [("web UI", WEBUI)] + ([("simulated house", HOUSE)] if self.demo else [])
        env.setdefault("RPYMOSTAT_LINKS", ",".join(f"{label}={self.url(m)}/"
                                                   for label, m in links))
        if not self.discovery:
            env.setdefault("RPYMOSTAT_ENGINE_URL", self.url(ENGINE))
        elif self.engine_id is not None:
            # The agents look for this suite's engine by its instance id. (The engine reads
            # RPYMOSTAT_ENGINE_NAME as its own advertised name: it started before this is set.)
            env["RPYMOSTAT_ENGINE_NAME"] = self.engine_id
        if self.demo:
            env.update({k: env.get(k, v) for k, v in demo.demo_env(env).items()})
            if self.house is not None:
                env.update(demo.agent_env(self.house, self.discovery))
            return env
        if not env.get("RPYMOSTAT_SENSORS") and not onewire_present():
            env["RPYMOSTAT_SENSORS"] = "dummy"  # no thermometer here: plausible demo values
        # Outputs switch real equipment: never guessed. Unconfigured, the suite gets two
        # in-memory outputs.
        env.setdefault("RPYMOSTAT_RELAYS", "heat=dummy;cool=dummy")
        return env

    def start(self, timeout: float = 30.0) -> None:
        """Start every member in order, each ready before the next."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for m in self.members:
            env = self.env()
            proc = subprocess.Popen([_script(m.script)], env=env)  # noqa: S603
            self.children.append((m, proc))
            try:
                _wait_ready(self.url(m) + "/v1/status", proc, timeout)
                self._learn(m, Path(env["RPYMOSTAT_DATA_DIR"]))
            except (RuntimeError, OSError, ValueError) as e:
                raise SystemExit(f"rpymostat-suite: {m.script} {e}") from None
            print(self._line(m), flush=True)

    def _learn(self, member: Member, data_dir: Path) -> None:
        """What the next members need: the engine's instance id, the house's."""
        if member is ENGINE:
            self.engine_id = (data_dir / "instance-id").read_text().strip() or None
        elif member is HOUSE:
            self.house = demo.house_info(self.url(HOUSE), _get_json(
                self.url(HOUSE) + "/v1/status"))

    def _line(self, member: Member) -> str:
        line = f"  {member.label:<16} {self.url(member)}/"
        if member is HOUSE and self.house is not None:
            line += f"  (time runs {self.house.speed:g}× faster)"
        return line

    def prepare_demo(self, say: demo.Say = print) -> None:
        """Explain the demo and set up the engine's zone for it."""
        assert self.house is not None
        say(demo.explain(self.house, self.url(HOUSE) + "/"))
        env = self.env()
        try:
            token = env.get("RPYMOSTAT_TOKEN") or \
                (Path(env["RPYMOSTAT_DATA_DIR"]) / "token").read_text().strip()
        except OSError as e:
            say(f"  warning: no site token ({e}); the zone was not set up for the demo")
            return
        call = demo.EngineCalls(self.url(ENGINE), token)
        if demo.seed_schedule(call, say, speed=self.house.speed):
            demo.set_outdoor_sensor(call, say)

    def _display_host(self) -> str:
        return "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host  # noqa: S104

    def watch(self, restart: bool = True, now: Callable[[], float] = time.monotonic,
              poll_s: float = 0.2) -> int:
        """Block until SIGINT or SIGTERM; return the suite's exit code (0).

        A child that exits is reported and the others keep running (so one can watch the
        engine react to a lost agent); it is started again after a back-off
        (:class:`Restarts`) unless ``restart`` is False."""
        stop = {"signal": 0}

        def on_signal(signum: int, _frame: FrameType | None) -> None:
            stop["signal"] = signum

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        restarts = Restarts(now)
        while not stop["signal"]:
            self.supervise(restarts, restart)
            time.sleep(poll_s)
        return 0

    def supervise(self, restarts: "Restarts", restart: bool) -> None:
        """One look at the children: report the ones that exited, restart those due."""
        for i, (m, proc) in enumerate(self.children):
            if proc.poll() is None:
                restarts.running(m)
                continue
            due = restarts.exited(m, proc.returncode)
            if due is None:
                continue
            if not restart:
                _say(f"{m.script} ({m.label}) exited with code {proc.returncode}; the others"
                     " keep running (--no-restart: it stays stopped)")
                restarts.given_up(m)
            elif due > 0:
                _say(f"{m.script} ({m.label}) exited with code {proc.returncode}; the others"
                     f" keep running; restarting it in {due:g} s")
            elif restarts.due(m):
                self.children[i] = (m, subprocess.Popen([_script(m.script)],  # noqa: S603
                                                        env=self.env()))
                restarts.started(m)
                _say(f"{m.script} ({m.label}) restarted")

    def stop(self) -> None:
        """Stop every child, last started first (the relay agent leaves its outputs safe
        while the house and the engine still run): SIGTERM, SIGKILL if alive after 10 s."""
        for _m, proc in reversed(self.children):
            if proc.poll() is None:
                proc.terminate()
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
                             " 8090 relay agent, 8080 web UI, 8091/8092 bus, 8093 simulated"
                             " house)")
    parser.add_argument("--no-restart", action="store_true",
                        help="a daemon that exits stays stopped (default: restarted with"
                             " back-off; the others keep running either way)")
    args = parser.parse_args(argv)
    suite = Suite(args.data_dir.resolve(), args.host, args.port_offset)
    print("RPyMostat is starting:", flush=True)
    code = 1
    try:
        suite.start()
        if suite.demo:
            suite.prepare_demo()
        print(f"Site token: {args.data_dir.resolve() / 'token'} (RPYMOSTAT_TOKEN overrides)."
              "\nPress Ctrl-C to stop everything.", flush=True)
        code = suite.watch(restart=not args.no_restart)
    except KeyboardInterrupt:  # Ctrl-C while starting: stop what runs, like later
        code = 0
    finally:
        suite.stop()
    raise SystemExit(code)


if __name__ == "__main__":
    main()
