"""The bus and discovery command-line tools against a real engine process."""

import json
import secrets
import subprocess

import pytest

from .processes import BIN, TOKEN, Daemon, engine_env, free_port


def _run(*argv: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / argv[0]), *argv[1:]], capture_output=True, text=True,
                          timeout=timeout, check=False)


def test_snapshot_prints_the_tree(running_engine: Daemon) -> None:
    """`rpymostat-bus snapshot MASK --engine URL` prints the masked tree as JSON."""
    body = {"host_id": "pi.1", "sensors": {"t1": {"type": "DS18B20", "value": 20.5}}}
    assert running_engine.request("PUT", "/v1/sensors/update", body)[0] == 201
    url = f"http://127.0.0.1:{running_engine.port}"
    done = _run("rpymostat-bus", "snapshot", "sensor.", "--engine", url)
    assert done.returncode == 0, done.stderr
    tree = json.loads(done.stdout)
    assert tree["sensor"]["pi~2e1"]["t1"]["value"] == 20.5


def test_bad_mask_and_missing_engine_are_one_line_errors(tmp_path) -> None:
    """A bad mask is a usage error (exit 2); an engine that is not there exits 1 saying so."""
    done = _run("rpymostat-bus", "tail", "a..b")
    assert done.returncode == 2 and "mask" in done.stderr
    port = free_port()
    done = _run("rpymostat-bus", "snapshot", "--engine", f"http://127.0.0.1:{port}",
                "--wait", "1")
    assert done.returncode == 1
    assert done.stderr.startswith("rpymostat-bus: error: no engine found"), done.stderr


def test_discover_lists_an_advertised_engine(engine_factory) -> None:
    """`rpymostat-discover --json` lists the engine with its role, port and bus ports, and
    the token fingerprint but never the token."""
    name = f"discover-test-{secrets.token_hex(3)}"
    engine = engine_factory(RPYMOSTAT_ADVERTISE="on", RPYMOSTAT_ENGINE_NAME=name).start()
    found = []
    for _ in range(5):
        done = _run("rpymostat-discover", "--json", "--wait", "1.5")
        assert done.returncode == 0, done.stderr
        found = [d for d in json.loads(done.stdout) if d["name"] == name]
        if found:
            break
    assert len(found) == 1, done.stdout
    advert = found[0]
    status = engine.request("GET", "/v1/status")[1]
    assert advert["role"] == "engine" and advert["port"] == engine.port
    assert advert["id"] == status["instance_id"]
    assert advert["bus_pub"] == str(status["bus"]["pub_port"])
    assert advert["bus_sub"] == str(status["bus"]["sub_port"])
    assert advert["token_fp"] and TOKEN not in done.stdout
    table = _run("rpymostat-discover", "--wait", "1.5").stdout
    assert name in table or "ROLE" in table


@pytest.mark.parametrize("which", ["PUB", "SUB"])
def test_engine_exits_when_a_bus_port_is_taken(running_engine: Daemon, tmp_path,
                                                which: str) -> None:
    """A bus endpoint in use stops the engine at start-up with exit 1 and says why."""
    port = running_engine.request("GET", "/v1/status")[1]["bus"][f"{which.lower()}_port"]
    env = engine_env(tmp_path / "other", free_port(),
                     **{f"RPYMOSTAT_BUS_{which}_LISTEN": f"tcp://127.0.0.1:{port}"})
    result = subprocess.run([BIN / "rpymostat-engine"], capture_output=True, text=True,
                            env=env, timeout=30, check=False)
    assert result.returncode == 1, result.stdout
    assert "could not start" in result.stderr and "Address already in use" in result.stderr
