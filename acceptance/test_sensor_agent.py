"""The sensor agent as a real process against a real engine: an engine that is absent at the
agent's start and killed for a while later still gets every reading exactly once, in order."""

import itertools
import os
import signal
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

from twisted.internet.task import Clock

from rpymostat.engine.store.resolution import quantize_value
from rpymostat.sensor_agent.plugin import SensorContext
from rpymostat.sensor_agent.sensors.dummy import DummySensors

from .processes import BIN, TOKEN, Daemon, assert_clean_exit, free_port, wait_for

INTERVAL = 0.25
HOST = "accept-pi"
SEED = 11


def agent_process(tmp_path: Path, engine_port: int, *extra: str) -> Daemon:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RPYMOSTAT_")}
    env.update({"RPYMOSTAT_SENSOR_AGENT_LISTEN": f"tcp:{port}:interface=127.0.0.1",
                "RPYMOSTAT_DATA_DIR": str(tmp_path / "agent-data"), "RPYMOSTAT_TOKEN": TOKEN,
                "RPYMOSTAT_HOST_ID": HOST, "RPYMOSTAT_ADVERTISE": "off",
                "RPYMOSTAT_HTTP_TIMEOUT": "2"})
    argv = [str(BIN / "rpymostat-sensor-agent"), "-a", "127.0.0.1", "-p", str(engine_port),
            "-i", str(INTERVAL), "-c", f"dummy=seed={SEED}", *extra]
    return Daemon(argv, env, port, tmp_path / "agent.log")


def stored(engine: Daemon) -> list[dict[str, Any]]:
    code, body = engine.request(
        "GET", f"/v1/sensors/{HOST}:dummy-0/readings?limit=10000&order=asc")
    return body["readings"] if code == 200 else []


def delivery(agent: Daemon) -> dict[str, Any]:
    return agent.request("GET", "/v1/status")[1]["delivery"]


def dummy_sequence(count: int) -> list[float | None]:
    """What dummy=seed=SEED reads, round after round (the plugin is deterministic)."""
    sensors = DummySensors(SensorContext(Clock(), lambda f: f(), lambda u, t: None, 1.0),
                           seed=SEED)
    values = []
    for _ in range(count):
        sensors.read().addCallback(lambda vs: values.append(vs[0].value))
    return values


def test_every_reading_arrives_once_in_order_across_engine_outages(tmp_path: Path,
                                                                   engine_factory) -> None:
    engine_port = free_port()
    agent = agent_process(tmp_path, engine_port).start()
    try:
        # 1. no engine yet: the agent runs, says so, and queues on disk
        queued = wait_for(lambda: delivery(agent)["queue"] >= 4, 15, "readings to queue")
        status = agent.request("GET", "/v1/status")[1]
        assert status["engine"]["state"] == "searching" and queued
        engine = engine_factory(engine_port).start()
        wait_for(lambda: len(stored(engine)) >= 8 and delivery(agent)["queue"] == 0, 20,
                 "the backlog to reach the engine")

        # 2. the engine dies (SIGKILL) for several rounds, then comes back
        engine.stop(signal.SIGKILL)
        wait_for(lambda: delivery(agent)["queue"] >= 8, 15, "rounds during the outage")
        assert "Connection" in (delivery(agent)["last_result"] or "")
        engine = engine_factory(engine_port).start()
        wait_for(lambda: delivery(agent)["queue"] == 0, 30, "the replay after the outage")
    finally:
        assert_clean_exit(agent)
    log = agent.log()
    rounds = int(log.split("sensor agent stopped after ")[1].split(" rounds")[0])
    assert "; 0 readings wait in the queue" in log, log

    readings = stored(engine)
    times = [datetime.fromisoformat(r["timestamp"].replace("Z", "+00:00")) for r in readings]
    assert len(readings) == rounds  # every round's reading, once
    assert times == sorted(times) and len(set(times)) == len(times)
    # in the order taken, at the stores' resolution (thousandths: 20.0625 is kept as 20.063)
    assert [r["value"] for r in readings] == [quantize_value(v) for v in dummy_sequence(rounds)]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert max(gaps) < INTERVAL * 4, gaps  # no hole where the engine was away


def test_dry_run_prints_and_sends_nothing(tmp_path: Path) -> None:
    agent = agent_process(tmp_path, free_port(), "-d")  # the command line, not started
    proc = subprocess.Popen(agent.argv, env=agent.env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        lines = [proc.stdout.readline() for _ in range(3)] if proc.stdout else []
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    assert proc.returncode == 0
    assert all('"sensor_id": "dummy-0"' in line for line in lines), lines


def test_list_sensor_classes_and_bad_class(tmp_path: Path) -> None:
    listed = subprocess.run([str(BIN / "rpymostat-sensor-agent"), "-l"], capture_output=True,
                            text=True, timeout=30, check=False)
    assert listed.returncode == 0
    assert {"w1:", "owfs:", "sim:", "dummy:"} <= {line.split()[0] for line in
                                                  listed.stdout.splitlines() if line[:1] != " "}
    bad = subprocess.run([str(BIN / "rpymostat-sensor-agent"), "-c", "sim=url=ftp://house"],
                         capture_output=True, text=True, timeout=30, check=False)
    assert bad.returncode == 2 and "must be an http" in bad.stderr
    shown = subprocess.run([str(BIN / "rpymostat-sensor-agent"), "--show-config"],
                           capture_output=True, text=True, timeout=30, check=False,
                           env={**os.environ, "RPYMOSTAT_SENSOR_INTERVAL": "15"})
    assert shown.returncode == 0
    assert any(line.split()[:1] == ["RPYMOSTAT_SENSOR_INTERVAL"] and "15" in line.split()
               for line in shown.stdout.splitlines()), shown.stdout
