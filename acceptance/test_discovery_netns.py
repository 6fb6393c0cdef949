"""Issue 3 across two hosts: an agent finds the engine with no URL, publishes on its bus,
a subscriber beside the engine sees it, and the agent follows the engine to a new port."""

import os
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .netns import TwoHosts, two_hosts_or_skip, wait_for
from .processes import BIN, TOKEN


@pytest.fixture
def hosts() -> Iterator[TwoHosts]:
    """Two namespaces joined by a veth pair; afterwards nothing of them is left."""
    made = two_hosts_or_skip()
    yield made
    made.close()
    assert made.leftovers() == [], "network namespaces left behind"
    for host in (made.a, made.b):
        assert all(p.poll() is not None for p in host.procs), "processes left behind"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RPYMOSTAT_")}
    env.update(extra)
    return env


def test_agent_finds_publishes_and_follows_the_engine(hosts: TwoHosts, tmp_path: Path) -> None:
    """Host a runs the engine (advertised), host b a sensor agent with no engine URL."""
    a, b = hosts.a, hosts.b
    name = f"netns-engine-{secrets.token_hex(2)}"

    def start_engine(port: int, log: str) -> object:
        return a.spawn([str(BIN / "rpymostat-engine")], _env(
            RPYMOSTAT_ENGINE_LISTEN=f"tcp:{port}", RPYMOSTAT_DATA_DIR=str(tmp_path / "data"),
            RPYMOSTAT_TOKEN=TOKEN, RPYMOSTAT_ENGINE_NAME=name,
            RPYMOSTAT_BUS_PUB_LISTEN=f"tcp://*:{port + 1}",
            RPYMOSTAT_BUS_SUB_LISTEN=f"tcp://*:{port + 2}"), tmp_path / log)

    engine = start_engine(18088, "engine1.log")
    wait_for(lambda: a.get_json("http://127.0.0.1:18088/v1/status"), 20, "the engine")
    tail_log = tmp_path / "tail.log"
    tail = a.spawn([str(BIN / "rpymostat-bus"), "tail", "agent.", "--count", "1",
                    "--engine", "http://127.0.0.1:18088"], _env(), tail_log)
    wait_for(lambda: "following" in tail_log.read_text(), 20, "the subscriber to sync")

    agent = b.spawn([str(BIN / "rpymostat-sensor-agent")], _env(
        RPYMOSTAT_SENSOR_AGENT_LISTEN="tcp:8089", RPYMOSTAT_LOG_BUS_LEVEL="info"),
        tmp_path / "agent.log")

    def agent_engine() -> dict | None:
        status = b.get_json("http://127.0.0.1:8089/v1/status")
        return status if status and status["bus"]["connected"] else None

    status = wait_for(agent_engine, 20, "the agent to find the engine")
    assert status["engine"]["mode"] == "mdns"
    assert status["engine"]["engine"]["url"] == f"http://{a.address}:18088"
    assert status["engine"]["engine"]["name"] == name

    assert tail.wait(20) == 0, tail_log.read_text()
    assert re.search(r'"topic":"agent\.[^".]+\.sensor-agent"', tail_log.read_text())
    logs = wait_for(lambda: (a.get_json(
        "http://127.0.0.1:18088/v1/logs?service=sensor-agent") or {}).get("logs"), 10,
        "the agent's log records on the engine")
    assert any("engine at" in r["text"] for r in logs), logs

    assert a.stop(engine) == 0
    wait_for(lambda: (b.get_json("http://127.0.0.1:8089/v1/status") or {}).get(
        "engine", {}).get("state") == "lost", 10, "the agent to notice the goodbye")
    started = time.monotonic()
    engine = start_engine(19088, "engine2.log")

    def moved() -> bool:
        status = b.get_json("http://127.0.0.1:8089/v1/status") or {}
        found = (status.get("engine") or {}).get("engine") or {}
        return found.get("url") == f"http://{a.address}:19088" and status["bus"]["connected"]

    wait_for(moved, 10, "the agent to follow the engine to its new port")
    followed = time.monotonic() - started
    snapshot = wait_for(lambda: (a.get_json(
        "http://127.0.0.1:19088/v1/bus/snapshot?mask=agent.") or {}).get("tree"), 10,
        "the agent's announcement on the new engine's bus")
    assert [list(node) for node in snapshot["agent"].values()] == [["sensor-agent"]]
    assert followed < 10
    assert b.stop(agent) == 0 and a.stop(engine) == 0
