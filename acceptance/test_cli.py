"""The ``rpymostat`` command line against a real engine process: status (table and JSON),
set / nudge / hold / resume / away, schedules, tailing the bus, the token from the
environment or a file, finding the engine by mDNS (pinned by its instance name), and
one-line errors."""

import json
import os
import secrets
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

from .processes import BIN, TOKEN, Daemon


def cli(*argv: str, token: str | None = TOKEN, timeout: float = 30,
        **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("RPYMOSTAT_")}
    if token is not None:
        environ["RPYMOSTAT_TOKEN"] = token
    environ.update(env)
    return subprocess.run([str(BIN / "rpymostat"), *argv], capture_output=True, text=True,
                          timeout=timeout, check=False, env=environ)


def ok(*argv: str, **kwargs: Any) -> Any:
    done = cli(*argv, **kwargs)
    assert done.returncode == 0, (argv, done.stdout, done.stderr)
    return done.stdout


def test_status_set_nudge_hold_resume_away_schedules(running_engine: Daemon,
                                                      tmp_path: Path) -> None:
    """Each command changes the engine as its API shows, and --json gives the same data."""
    url = f"http://127.0.0.1:{running_engine.port}"
    body = {"host_id": "pi", "sensors": {"t1": {"type": "temperature", "value": 19.0}}}
    assert running_engine.request("PUT", "/v1/sensors/update", body)[0] == 201
    table = ok("--engine", url, "status")
    assert table.splitlines()[0].split()[:4] == ["ZONE", "MODE", "TEMP", "TARGET"]
    assert "house (House)" in table
    zones = json.loads(ok("--json", "--url", url, "status"))
    assert [(z["zone"], z["target"], z["preset"]) for z in zones] == [("house", 20.0, "home")]

    ok("--engine", url, "set", "house", "21.5")
    assert running_engine.request("GET", "/v1/zones/house/target")[1]["target"] == 21.5
    out = ok("--engine", url, "nudge", "house", "-1")
    assert "21.5 -> 20.5" in out
    assert running_engine.request("GET", "/v1/zones/house/target")[1]["target"] == 20.5
    ok("--engine", url, "set", "house", "eco", "--for", "90m")
    adj = running_engine.request("GET", "/v1/zones/house/adjustments")[1]["adjustment"]
    span = datetime.fromisoformat(adj["ends_at"]) - datetime.fromisoformat(adj["start"])
    assert adj["target"] == "eco" and span.total_seconds() == 90 * 60, adj

    held = json.loads(ok("--json", "--engine", url, "hold", "house", "18", "--for", "2h"))
    assert held["target"] == 18.0 and held["active"]
    ok("--engine", url, "resume", "house")
    assert running_engine.request("GET", "/v1/zones/house/adjustments")[1]["adjustment"] is None
    overrides = running_engine.request("GET", "/v1/zones/house/overrides")[1]["overrides"]
    assert not [o for o in overrides if o["active"]]
    assert running_engine.request("GET", "/v1/zones/house/target")[1]["preset"] == "home"

    ok("--engine", url, "away", "--for", "3d")
    target = running_engine.request("GET", "/v1/zones/house/target")[1]
    assert (target["preset"], target["rule"]["kind"]) == ("away", "override")
    ok("--engine", url, "away", "--off")
    assert running_engine.request("GET", "/v1/zones/house/target")[1]["preset"] == "home"

    assert running_engine.request("POST", "/v1/zones/house/schedules", {
        "name": "mornings", "target": 21.0, "scheduler": "weekly",
        "params": {"days": "weekdays", "from": "06:00", "to": "08:00"}})[0] == 201
    listed = ok("--engine", url, "schedules")
    assert "mornings" in listed and "house" in listed
    as_json = json.loads(ok("--json", "--engine", url, "schedules", "house"))
    assert [s["name"] for s in as_json["house"]] == ["mornings"]

    # the token from a file; without any token a change is refused, naming the fix
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    ok("--engine", url, "--token-file", str(token_file), "set", "house", "19", token=None)
    refused = cli("--engine", url, "set", "house", "19", token=None)
    assert refused.returncode == 1 and "RPYMOSTAT_TOKEN" in refused.stderr
    bad = cli("--engine", url, "set", "house", "99")
    assert bad.returncode == 1 and "422" in bad.stderr and "Traceback" not in bad.stderr
    assert cli("--engine", url, "set", "attic", "20").returncode == 1
    assert cli("--engine", url, "hold", "house", "20").returncode == 2  # --until or --for
    assert cli("--engine", url, "set", "house", "20", "--for", "soon").returncode == 2


def test_tail_and_mdns(engine_factory: Any) -> None:
    """Found by mDNS by its instance name (no URL), the engine's bus is tailed: a reading
    sent meanwhile arrives as a JSON line."""
    name = f"cli-test-{secrets.token_hex(3)}"
    engine = engine_factory(RPYMOSTAT_ADVERTISE="on", RPYMOSTAT_ENGINE_NAME=name).start()
    zones = json.loads(ok("--json", "--name", name, "--wait", "8", "status"))
    assert zones[0]["zone"] == "house"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("RPYMOSTAT_")}
    tail = subprocess.Popen([str(BIN / "rpymostat"), "--name", name, "--wait", "8", "tail",
                             "sensor.", "--count", "1"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=environ)
    try:
        assert tail.stderr is not None
        line = tail.stderr.readline()  # "following ..." once synced
        assert "following" in line, line
        body = {"host_id": "pi", "sensors": {"t9": {"type": "temperature", "value": 22.25}}}
        assert engine.request("PUT", "/v1/sensors/update", body)[0] == 201
        out, _ = tail.communicate(timeout=20)
    finally:
        if tail.poll() is None:
            tail.kill()
            tail.wait()
    update = json.loads(out.splitlines()[0])
    assert update["topic"] == "sensor.pi.t9" and update["data"]["value"] == 22.25
