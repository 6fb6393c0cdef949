"""Issue 17, discovery that does not give up, with real processes and real mDNS on this host.

- A second "engine" under the *same* service name as ours (registered by another process
  without the name check, as a busy or paused responder made happen) comes and is killed
  without a goodbye: the sensor and relay agents, pinned to our engine's instance id, stay
  with it throughout, and readings keep reaching it with no gap.
- The agents are paused (SIGSTOP) for longer than every one of the engine's mDNS records'
  TTL (a 3 s TTL here): once resumed they are back with the engine within seconds.

Names are unique per run and the agents are pinned by instance id, so other engines on this
host (other tests, other suites) do not disturb them.
"""

import itertools
import os
import secrets
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from .processes import BIN, TOKEN, Daemon, free_port, wait_for

SENSOR_HOST = "disc-sensor-pi"
RELAY_HOST = "disc-relay-pi"
INTERVAL = 0.5

SAME_NAME = """
import socket, sys, time
from zeroconf import ServiceInfo, Zeroconf
name, port = sys.argv[1], int(sys.argv[2])
zc = Zeroconf()
info = ServiceInfo("_rpymostat._tcp.local.", name + "._rpymostat._tcp.local.", port=port,
                   properties={"role": "engine", "id": "intruder-" + name[-4:],
                               "version": "0", "api": "/v1", "apiver": "1"},
                   server="rpymostat-intruder.local.",
                   addresses=[socket.inet_aton("127.0.0.1")])
zc.register_service(info, cooperating_responders=True)  # no probe, no name check
print("registered", flush=True)
time.sleep(3600)
"""


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RPYMOSTAT_")}
    env.update(extra)
    return env


def start_suite(tmp_path: Path, engine_factory, **engine_extra: str
                ) -> tuple[Daemon, str, str, Daemon, Daemon]:
    """An advertised engine with a unique name, a sensor agent (dummy sensor) and a relay
    agent (dummy output), both finding it by mDNS, pinned by its instance id."""
    name = f"issue17-{secrets.token_hex(3)}"
    engine = engine_factory(RPYMOSTAT_ADVERTISE="on", RPYMOSTAT_ENGINE_NAME=name,
                            **engine_extra).start()
    instance = (tmp_path / "data" / "instance-id").read_text().strip()
    common = {"RPYMOSTAT_TOKEN": TOKEN, "RPYMOSTAT_ADVERTISE": "off",
              "RPYMOSTAT_ENGINE_NAME": instance, "RPYMOSTAT_HTTP_TIMEOUT": "2"}
    sport = free_port()
    sensors = Daemon([str(BIN / "rpymostat-sensor-agent"), "-i", str(INTERVAL), "-c",
                      "dummy=seed=3"], _env(
        **common, RPYMOSTAT_SENSOR_AGENT_LISTEN=f"tcp:{sport}:interface=127.0.0.1",
        RPYMOSTAT_DATA_DIR=str(tmp_path / "sensor-data"), RPYMOSTAT_HOST_ID=SENSOR_HOST),
        sport, tmp_path / "sensor-agent.log").start()
    rport = free_port()
    relays = Daemon([str(BIN / "rpymostat-relay-agent"), "--listen",
                     f"tcp:{rport}:interface=127.0.0.1", "--watchdog", "20",
                     "-o", "heat=dummy:min_on=0,min_off=0"], _env(
        **common, RPYMOSTAT_RELAY_AGENT_LISTEN=f"tcp:{rport}:interface=127.0.0.1",
        RPYMOSTAT_DATA_DIR=str(tmp_path / "relay-data"), RPYMOSTAT_HOST_ID=RELAY_HOST),
        rport, tmp_path / "relay-agent.log").start()
    return engine, name, instance, sensors, relays


def found(agent: Daemon, url: str) -> bool:
    try:
        status = agent.request("GET", "/v1/status", timeout=3)[1]["engine"]
    except (OSError, KeyError, TypeError):
        return False
    return status["state"] == "found" and (status["engine"] or {}).get("url") == url


def readings(engine: Daemon) -> list[float]:
    code, body = engine.request(
        "GET", f"/v1/sensors/{SENSOR_HOST}:dummy-0/readings?limit=10000")
    if code != 200:
        return []
    return [datetime.fromisoformat(r["timestamp"].replace("Z", "+00:00")).timestamp()
            for r in body["readings"]]  # (the oldest 10,000: far more than a test makes)


def relay_reachable(engine: Daemon) -> bool:
    code, body = engine.request("GET", f"/v1/relays/{RELAY_HOST}:heat")
    return code == 200 and bool(body.get("reachable"))


def stop_all(*daemons: Any) -> None:
    for d in daemons:
        if isinstance(d, Daemon):
            if d.proc is not None and d.alive():
                d.stop()
        elif d is not None and d.poll() is None:
            d.kill()
            d.wait()


def wait_paired(engine: Daemon, sensors: Daemon, relays: Daemon) -> str:
    """Wait until both agents found the engine and the relay agent registered; its URL."""
    wait_for(lambda: sensors.request("GET", "/v1/status")[1]["engine"]["state"] ==
             "found", 20, "the sensor agent to find the engine")
    engine_url: str = sensors.request("GET", "/v1/status")[1]["engine"]["engine"]["url"]
    wait_for(lambda: found(relays, engine_url), 20, "the relay agent to find it")
    wait_for(lambda: relay_reachable(engine), 20, "the relay agent's registration")
    return engine_url


def test_a_same_name_engine_coming_and_going_never_unpins_the_agents(
        tmp_path: Path, engine_factory) -> None:
    """Readings keep reaching our engine with no gap and neither agent loses it while another
    process advertises the same service name and is then killed without a goodbye."""
    engine, name, _instance, sensors, relays = start_suite(tmp_path, engine_factory)
    intruder = None
    try:
        engine_url = wait_paired(engine, sensors, relays)
        wait_for(lambda: len(readings(engine)) >= 4, 20, "readings")
        intruder = subprocess.Popen([sys.executable, "-c", SAME_NAME, name, str(free_port())],
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert intruder.stdout is not None
        assert intruder.stdout.readline().strip() == b"registered"
        watched_until = time.monotonic() + 8
        while time.monotonic() < watched_until:
            assert found(sensors, engine_url) and found(relays, engine_url), (
                sensors.request("GET", "/v1/status")[1]["engine"],
                relays.request("GET", "/v1/status")[1]["engine"])
            time.sleep(0.25)
        intruder.kill()  # no goodbye
        intruder.wait()
        watched_until = time.monotonic() + 8
        while time.monotonic() < watched_until:
            assert found(sensors, engine_url) and found(relays, engine_url)
            time.sleep(0.25)
        assert relay_reachable(engine)
        times = readings(engine)
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert len(times) >= 30 and max(gaps) < 3 * INTERVAL + 1.0, (len(times), max(gaps))
        for agent in (sensors, relays):
            assert "engine not available" not in agent.log(), agent.log()
    finally:
        stop_all(intruder, sensors, relays)


def test_agents_paused_longer_than_every_ttl_come_back_within_seconds(
        tmp_path: Path, engine_factory) -> None:
    """SIGSTOP both agents for 8 s (every record's TTL is 3 s), SIGCONT: within 6 s both see
    the engine again, readings arrive and the relay agent is reachable."""
    engine, _name, _instance, sensors, relays = start_suite(
        tmp_path, engine_factory, RPYMOSTAT_MDNS_TTL="3")
    try:
        engine_url = wait_paired(engine, sensors, relays)
        for agent in (sensors, relays):
            assert agent.proc is not None
            os.kill(agent.proc.pid, signal.SIGSTOP)
        time.sleep(8)
        before = len(readings(engine))
        for agent in (sensors, relays):
            assert agent.proc is not None
            os.kill(agent.proc.pid, signal.SIGCONT)
        resumed = time.monotonic()
        wait_for(lambda: found(sensors, engine_url) and found(relays, engine_url), 6,
                 "both agents with the engine again")
        wait_for(lambda: len(readings(engine)) > before + 4, 6, "new readings")
        wait_for(lambda: relay_reachable(engine), 20, "the relay agent reachable")
        assert time.monotonic() - resumed < 20
    finally:
        stop_all(sensors, relays)
