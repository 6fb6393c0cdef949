"""Issue 17's discovery for the web UI, with real processes and real mDNS on this host: the
web UI finds its engine by mDNS, pinned by the engine's instance id as the agents are.

- A second "engine" under the same service name (another process registering without the
  name check) comes and is killed without a goodbye: the web UI stays with its own engine and
  every call it proxies is answered by it throughout.
- The web UI is paused (SIGSTOP) longer than every one of the engine's mDNS records' TTL (3 s
  here), then resumed: it is back with its engine within seconds and proxies again.
"""

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from .processes import BIN, TOKEN, Daemon, free_port, wait_for
from .test_discovery_issue17 import SAME_NAME, found, stop_all


def suite(tmp_path: Path, engine_factory, **engine_extra: str
          ) -> tuple[Daemon, str, Daemon]:
    """An advertised engine with a unique name and a web UI finding it by mDNS, pinned by its
    instance id (no RPYMOSTAT_ENGINE_URL)."""
    name = f"webui17-{secrets.token_hex(3)}"
    engine = engine_factory(RPYMOSTAT_ADVERTISE="on", RPYMOSTAT_ENGINE_NAME=name,
                            **engine_extra).start()
    instance = (tmp_path / "data" / "instance-id").read_text().strip()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RPYMOSTAT_")}
    env.update({"RPYMOSTAT_WEBUI_LISTEN": f"tcp:{port}:interface=127.0.0.1",
                "RPYMOSTAT_TOKEN": TOKEN, "RPYMOSTAT_ENGINE_NAME": instance,
                "RPYMOSTAT_DATA_DIR": str(tmp_path / "webui-data"),
                "RPYMOSTAT_ADVERTISE": "off", "RPYMOSTAT_UI_TIMEOUT": "3"})
    ui = Daemon([str(BIN / "rpymostat-webui")], env, port, tmp_path / "webui.log").start()
    return engine, name, ui


def proxied(ui: Daemon) -> bool:
    """The web UI's proxy answers a call with the engine's zone."""
    try:
        code, body = ui.request("GET", "/api/v1/zones/house", timeout=4)
    except OSError:
        return False
    return code == 200 and body.get("id") == "house"


def test_a_same_name_engine_coming_and_going_never_unpins_the_web_ui(
        tmp_path: Path, engine_factory) -> None:
    """While another process advertises the engine's service name and is then killed without
    a goodbye, the web UI stays with its engine and every proxied call is answered."""
    engine, name, ui = suite(tmp_path, engine_factory)
    intruder = None
    try:
        wait_for(lambda: ui.request("GET", "/v1/status")[1]["engine"]["state"] == "found", 20,
                 "the web UI to find its engine")
        url = ui.request("GET", "/v1/status")[1]["engine"]["engine"]["url"]
        assert url.endswith(f":{engine.port}"), url
        assert proxied(ui)
        intruder = subprocess.Popen([sys.executable, "-c", SAME_NAME, name, str(free_port())],
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert intruder.stdout is not None
        assert intruder.stdout.readline().strip() == b"registered"
        for phase in ("with the intruder", "after it was killed"):
            watched_until = time.monotonic() + 8
            while time.monotonic() < watched_until:
                assert found(ui, url), (phase, ui.request("GET", "/v1/status")[1]["engine"])
                assert proxied(ui), phase
                time.sleep(0.25)
            if intruder.poll() is None:
                intruder.kill()  # no goodbye
                intruder.wait()
        assert "engine not available" not in ui.log(), ui.log()
    finally:
        stop_all(intruder, ui)


def test_the_web_ui_paused_longer_than_every_ttl_is_back_within_seconds(
        tmp_path: Path, engine_factory) -> None:
    """SIGSTOP the web UI for 8 s (every record's TTL is 3 s), SIGCONT: within 6 s it is with
    its engine again and proxies calls."""
    engine, _name, ui = suite(tmp_path, engine_factory, RPYMOSTAT_MDNS_TTL="3")
    try:
        wait_for(lambda: ui.request("GET", "/v1/status")[1]["engine"]["state"] == "found", 20,
                 "the web UI to find its engine")
        url = ui.request("GET", "/v1/status")[1]["engine"]["engine"]["url"]
        assert url.endswith(f":{engine.port}"), url
        assert ui.proc is not None
        os.kill(ui.proc.pid, signal.SIGSTOP)
        time.sleep(8)
        os.kill(ui.proc.pid, signal.SIGCONT)
        resumed = time.monotonic()
        wait_for(lambda: found(ui, url) and proxied(ui), 6, "the web UI with its engine again")
        assert time.monotonic() - resumed < 6
    finally:
        stop_all(ui)
