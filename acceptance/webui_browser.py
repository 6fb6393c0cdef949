"""Helpers for the web UI's browser tests: Debian's Chromium driven by Playwright (no
``playwright install``), an engine + web UI pair of real processes, screenshots to
``artifacts/webui``."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from .processes import BIN, TOKEN, Daemon, engine, free_port

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts" / "webui"
AXE = Path(__file__).resolve().parent / "webui_assets" / "axe-core" / "axe.min.js"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
SIZES = {"phone": (360, 740), "tablet": (800, 1280), "landscape": (1280, 800)}
ANDROID_TABLET = ("Mozilla/5.0 (Linux; Android 14; SM-X200) AppleWebKit/537.36 (KHTML, like "
                  "Gecko) Chrome/126.0 Safari/537.36")


def require_browser() -> Any:
    """The Playwright module, or a skip naming what is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent (make test installs Debian's chromium)")
    try:
        from playwright import sync_api
    except ImportError:
        pytest.fail("playwright is not installed: make test installs it (requirements-dev.txt)")
    return sync_api


@contextmanager
def browser() -> Iterator[Any]:
    """A headless Chromium."""
    sync_api = require_browser()
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            yield b
        finally:
            b.close()


def tablet(b: Any, size: str = "tablet", **extra: Any) -> Any:
    """A touch context the size of ``size``, emulating an Android tablet/phone."""
    width, height = SIZES[size]
    return b.new_context(viewport={"width": width, "height": height}, has_touch=True,
                         is_mobile=size != "landscape", user_agent=ANDROID_TABLET, **extra)


def webui_env(engine_url: str, port: int, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a web UI pinned to ``engine_url`` (no mDNS: other engines on this
    host must not disturb the test)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RPYMOSTAT_")}
    env.update({"RPYMOSTAT_WEBUI_LISTEN": f"tcp:{port}:interface=127.0.0.1",
                "RPYMOSTAT_ENGINE_URL": engine_url, "RPYMOSTAT_TOKEN": TOKEN,
                "RPYMOSTAT_DATA_DIR": str(data_dir), "RPYMOSTAT_ADVERTISE": "off",
                "RPYMOSTAT_UI_TIMEOUT": "3"})
    env.update(extra)
    return env


class Site:
    """An engine and a web UI in front of it (real processes), stopped by :meth:`close`."""

    def __init__(self, tmp: Path, engine_extra: dict[str, str] | None = None,
                 **ui_extra: str) -> None:
        self.tmp = tmp
        self.engine: Daemon = engine(tmp / "data", tmp / "engine.log", **(engine_extra or {}))
        self.engine.start()
        port = free_port()
        self.ui = Daemon([str(BIN / "rpymostat-webui")],
                         webui_env(f"http://127.0.0.1:{self.engine.port}", port, tmp / "data",
                                   **ui_extra), port, tmp / "webui.log")
        self.ui.start()
        self.url = f"http://127.0.0.1:{port}"

    def restart_engine(self) -> None:
        """Start the engine again on the same port and data."""
        self.engine = Daemon(self.engine.argv, self.engine.env, self.engine.port,
                             self.tmp / "engine2.log")
        self.engine.start()

    def reading(self, value: float, sensor: str = "living") -> None:
        """A sensor agent's call: one reading for the house zone."""
        code, body = self.engine.request("PUT", "/v1/sensors/update", {
            "host_id": "wall-test", "sensors": {sensor: {"type": "dummy", "value": value}}})
        assert code == 201, body

    def close(self) -> None:
        """Stop both processes."""
        for d in (self.ui, self.engine):
            if d.proc is not None and d.alive():
                d.stop()


def shot(page: Any, name: str) -> Path:
    """A screenshot into the artifacts folder."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
