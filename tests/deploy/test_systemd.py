"""deploy/systemd: one unit per daemon, each accepted by ``systemd-analyze verify`` without a
single warning (it exits 0 on unknown keys and bad values, so any output fails the test),
with a DynamicUser, a StateDirectory that is the daemon's data dir, a restart policy and the
hardening options; the relay agent restarts always (fail safe) and may reach the GPIO chip."""

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
BIN = Path(sys.executable).parent
HARDENING = {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes",
             "PrivateTmp": "yes", "CapabilityBoundingSet": "", "RestrictSUIDSGID": "yes",
             "SystemCallFilter": "@system-service", "LockPersonality": "yes"}


def verify(unit: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """``systemd-analyze verify`` on a copy whose ExecStart points at this venv's script
    (verify checks that the program exists)."""
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    copy = tmp_path / unit.name
    copy.write_text(unit.read_text().replace("/opt/rpymostat/bin/", f"{BIN}/"))
    return subprocess.run([tool, "verify", str(copy)], capture_output=True, text=True,
                          timeout=60, check=False)


def service(unit: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(unit.read_text())
    return parser["Service"]


def test_one_unit_per_daemon() -> None:
    """engine, house, sensor agent, relay agent and web UI each have a unit."""
    assert [u.name for u in UNITS] == [
        "rpymostat-engine.service", "rpymostat-house.service",
        "rpymostat-relay-agent.service", "rpymostat-sensor-agent.service",
        "rpymostat-webui.service"]


@pytest.mark.parametrize("unit", UNITS, ids=[u.stem for u in UNITS])
def test_unit_verifies_without_warnings(unit: Path, tmp_path: Path) -> None:
    """No error and no warning from systemd-analyze verify."""
    done = verify(unit, tmp_path)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def test_verify_catches_a_misspelt_option(tmp_path: Path) -> None:
    """The check can fail: a misspelt key is reported."""
    bad = tmp_path / "src" / "rpymostat-engine.service"
    bad.parent.mkdir()
    bad.write_text(UNITS[0].read_text().replace("ProtectSystem=", "ProtectSystm="))
    assert "ProtectSystm" in verify(bad, tmp_path).stderr


@pytest.mark.parametrize("unit", UNITS, ids=[u.stem for u in UNITS])
def test_unit_runs_unprivileged_with_its_state_directory(unit: Path) -> None:
    """DynamicUser, the StateDirectory is RPYMOSTAT_DATA_DIR, a restart policy, hardening."""
    s = service(unit)
    name = unit.stem
    assert s["DynamicUser"] == "yes"
    assert s["StateDirectory"] == name
    assert s["Environment"] == f"RPYMOSTAT_DATA_DIR=%S/{name}"
    assert s["Restart"] in ("on-failure", "always")
    assert s["ExecStart"] == f"/opt/rpymostat/bin/{name}"
    for key, value in HARDENING.items():
        assert s[key] == value, (name, key)
    if name == "rpymostat-relay-agent":
        assert s["Restart"] == "always" and "gpiochip" in s["DeviceAllow"]
    else:
        assert s["PrivateDevices"] == "yes"
