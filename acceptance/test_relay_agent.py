"""The relay agent as a real process against a real engine: the engine switches an output and
a (fake sysfs) GPIO line follows; a protection refuses with 409; the engine is SIGKILLed and
the line is in its safe state within watchdog + 2 s; the engine comes back and the agent
registers again."""

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from .processes import BIN, Daemon, assert_clean_exit, free_port, relay_agent_process, wait_for

WATCHDOG = 3.0
HOST = "boiler-pi"


def gpio_tree(root: Path, gpio: int) -> Path:
    """A /sys/class/gpio look-alike with line ``gpio`` exported (an input, low)."""
    line = root / f"gpio{gpio}"
    line.mkdir(parents=True)
    (root / "export").write_text("")
    (line / "direction").write_text("in")
    (line / "value").write_text("0")
    return line


def agent_process(tmp_path: Path, engine_port: int, gpio_root: Path) -> Daemon:
    return relay_agent_process(tmp_path, engine_port, HOST, "--watchdog", str(WATCHDOG),
                               "-o", f"heat=sysfs:gpio=17,root={gpio_root}", "-o", "cool=dummy")


def relays(engine: Daemon) -> dict[str, Any]:
    code, body = engine.request("GET", "/v1/relays")
    return {r["output"]: r for r in body["relays"]} if code == 200 else {}


def bus_node(engine: Daemon, topic: str) -> dict[str, Any]:
    """The status tree's node at ``topic`` (empty when absent)."""
    node = engine.request("GET", f"/v1/bus/snapshot?mask={topic}")[1]["tree"]
    for part in topic.split("."):
        node = node.get(part, {}) if isinstance(node, dict) else {}
    return node


def level(line: Path) -> str:
    return (line / "value").read_text().strip()


def test_engine_control_watchdog_and_reregistration(tmp_path: Path, engine_factory) -> None:
    line = gpio_tree(tmp_path / "gpio", 17)
    engine_port = free_port()
    engine = engine_factory(engine_port).start()
    agent = agent_process(tmp_path, engine_port, tmp_path / "gpio").start()
    try:
        # on start the line was made an output at its safe level, then the agent registered
        assert (line / "direction").read_text() == "low"
        wait_for(lambda: relays(engine).get("heat", {}).get("reachable"), 10, "registration")
        assert relays(engine)["heat"]["agent_url"] == f"http://127.0.0.1:{agent.port}"

        # a command that breaks the compressor's minimum off time is refused with 409
        code, body = engine.request("PUT", f"/v1/relays/{HOST}:cool", {"state": "on"})
        assert code == 409 and "minimum off time" in body["error"], body
        assert 280 < body["retry_after_s"] <= 300
        code, body = agent.request("PUT", "/v1/relays/cool", {"state": "on"})
        assert code == 409 and 280 < body["retry_after_s"] <= 300
        assert relays(engine)["cool"]["commanded"] is None  # a refused command is not kept

        # the engine switches heat on and the line follows
        code, body = engine.request("PUT", f"/v1/relays/{HOST}:heat", {"state": "on"})
        assert code == 200 and (body["commanded"], body["reported"]) == ("on", "on"), body
        assert level(line) == "1"
        assert agent.request("GET", "/v1/relays/heat")[1]["state"] == "on"
        # ... and the change is on the bus as relay.<host>.<output>
        wait_for(lambda: bus_node(engine, f"relay.{HOST}.heat").get("state") == "on", 10,
                 "relay.<host>.heat on the bus")

        # heartbeats keep the watchdog quiet well past its period
        time.sleep(WATCHDOG * 1.5)
        status = agent.request("GET", "/v1/status")[1]
        assert status["watchdog"]["tripped"] is False and level(line) == "1", status

        # the engine dies: the line is in its safe state within watchdog + 2 s
        killed = time.monotonic()
        engine.stop(signal.SIGKILL)
        wait_for(lambda: level(line) == "0", WATCHDOG + 2.0, "the safe state")
        assert time.monotonic() - killed <= WATCHDOG + 2.0
        status = agent.request("GET", "/v1/status")[1]
        assert status["watchdog"]["tripped"] is True
        assert agent.request("GET", "/v1/relays/heat")[1]["reason"] == "watchdog: safe state"

        # the engine comes back: it calls the agent, which registers again with the new boot
        engine = engine_factory(engine_port).start()
        boot = engine.request("GET", "/v1/status")[1]["boot"]
        wait_for(lambda: agent.request("GET", "/v1/status")[1]["registration"][
            "engine_boot"] == boot, 10, "re-registration with the new engine")
        status = agent.request("GET", "/v1/status")[1]
        assert status["registration"]["registrations"] >= 2
        assert status["watchdog"]["tripped"] is False
        # the engine still commands heat on; the agent's min off (from the forced stop) holds
        # it back, and the engine waits for that rather than looping or raising an alarm
        heat = wait_for(lambda: (relays(engine).get("heat") or {}).get("pending", {}).get(
            "next_try_in_s") and relays(engine)["heat"], 10, "the engine to wait out min off")
        assert (heat["commanded"], heat["reported"]) == ("on", "off")
        assert "minimum off time" in heat["pending"]["last_error"]
        assert heat["pending"]["attempts"] == 0
        active = engine.request("GET", "/v1/alarms")[1]["active"]
        # (the zone house has outputs but no sensor here: its safe-mode alarm is expected)
        assert [a["id"] for a in active if a["kind"] != "zone-safe-mode"] == [], active
    finally:
        assert_clean_exit(agent)
    assert level(line) == "0"  # a clean stop leaves the output in its safe state


def test_cli_needs_outputs_and_lists_classes(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RPYMOSTAT_")}
    script = str(BIN / "rpymostat-relay-agent")
    none = subprocess.run([script], capture_output=True, text=True, timeout=30, check=False,
                          env=env)
    assert none.returncode == 2 and "no outputs" in none.stderr
    listed = subprocess.run([script, "-l"], capture_output=True, text=True, timeout=30,
                            check=False, env=env)
    assert listed.returncode == 0
    assert {"gpiod:", "sysfs:", "sim:", "dummy:"} <= {
        line.split()[0] for line in listed.stdout.splitlines() if line[:1] != " "}
    bad = subprocess.run([script, "-o", "heat=gpiod"], capture_output=True, text=True,
                         timeout=30, check=False, env=env)
    assert bad.returncode == 2 and "needs line=" in bad.stderr
    shown = subprocess.run([script, "--show-config"], capture_output=True, text=True,
                           timeout=30, check=False,
                           env={**env, "RPYMOSTAT_RELAY_WATCHDOG": "90"})
    assert shown.returncode == 0 and any(
        line.split()[:1] == ["RPYMOSTAT_RELAY_WATCHDOG"] and "90" in line.split()
        for line in shown.stdout.splitlines()), shown.stdout
