"""The five distributions build as wheels with the right contents and dependencies."""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPONENTS = {
    "shared": ("rpymostat_shared", None),
    "engine": ("rpymostat_engine", "twisted/plugins/rpymostat_engine.py"),
    "sensor_agent": ("rpymostat_sensor_agent", "twisted/plugins/rpymostat_sensor_agent.py"),
    "relay_agent": ("rpymostat_relay_agent", "twisted/plugins/rpymostat_relay_agent.py"),
    "webui": ("rpymostat_webui", "twisted/plugins/rpymostat_webui.py"),
}


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> Path:
    """Build every component's wheel once (no dependencies, the venv's setuptools), from a
    copy of the sources so no build/ directory is left in (or reused from) the tree."""
    out = tmp_path_factory.mktemp("wheels")
    src = tmp_path_factory.mktemp("src")
    for c in COMPONENTS:
        shutil.copytree(ROOT / c, src / c,
                        ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "--no-build-isolation", "-w", str(out),
                    *[str(src / c) for c in COMPONENTS]], check=True, timeout=300)
    return out


def _names(wheels: Path, dist: str) -> list[str]:
    [wheel] = wheels.glob(f"{dist}-*.whl")
    return zipfile.ZipFile(wheel).namelist()


@pytest.mark.parametrize("component", COMPONENTS)
def test_wheel_contents(wheels: Path, component: str) -> None:
    """Each wheel ships its package and py.typed, its twistd plugin, and no namespace
    ``rpymostat/__init__.py``; only the web UI ships web assets."""
    dist, plugin = COMPONENTS[component]
    names = _names(wheels, dist)
    assert f"rpymostat/{component}/py.typed" in names
    assert "rpymostat/__init__.py" not in names
    assert "twisted/plugins/__init__.py" not in names
    if plugin:
        assert plugin in names
    has_assets = any(n.startswith("rpymostat/webui/static/") for n in names)
    assert has_assets == (component == "webui")


def _resolve(wheels: Path, requirement: str) -> set[str]:
    """What pip would install into an empty environment for ``requirement`` (dry run)."""
    report = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "-q",
         "--report", "-", "--find-links", str(wheels), requirement],
        check=True, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PIP_CONSTRAINT": str(ROOT / "constraints.txt")})
    return {item["metadata"]["name"].lower() for item in json.loads(report.stdout)["install"]}


def test_sensor_agent_install_is_lean(wheels: Path) -> None:
    """Installing the sensor agent pulls neither txmongo/pymongo nor the web UI."""
    names = _resolve(wheels, "rpymostat-sensor-agent")
    assert {"rpymostat-sensor-agent", "rpymostat-shared", "twisted", "klein"} <= names
    assert not names & {"txmongo", "pymongo", "rpymostat-webui", "rpymostat-engine"}


def test_engine_mongodb_is_an_extra(wheels: Path) -> None:
    """The engine alone does not pull txmongo; the [mongodb] extra does."""
    assert "txmongo" not in _resolve(wheels, "rpymostat-engine")
    assert {"txmongo", "pymongo"} <= _resolve(wheels, "rpymostat-engine[mongodb]")


def test_engine_ships_the_simulated_house(wheels: Path) -> None:
    """The engine's wheel carries the house daemon: its twistd plugin, its page (package
    data) and the ``rpymostat-house`` console script."""
    [wheel] = wheels.glob("rpymostat_engine-*.whl")
    archive = zipfile.ZipFile(wheel)
    names = archive.namelist()
    assert "twisted/plugins/rpymostat_house.py" in names
    assert "rpymostat/engine/sim/static/house.html" in names
    [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    assert "rpymostat-house = rpymostat.engine.sim.tap:main" in archive.read(entry_points).decode()
