"""Plugin ``sysfs``: legacy GPIO through ``/sys/class/gpio`` (kernels before the character
device, or where libgpiod is missing).

``open`` exports the line if needed and writes ``high``/``low`` to ``direction``, which makes
it an output at that level in one step (no glitch through the wrong level). The polarity is
applied here, not through the kernel's ``active_low`` file, so the file always shows the
electrical level.
"""

import time
from pathlib import Path
from typing import Any, ClassVar

from twisted.internet.defer import Deferred

from rpymostat.shared.envconfig import parse_int_range
from rpymostat.shared.pluginargs import PluginArg

from . import OutputContext, OutputError, physical

EXPORT_WAIT = 2.0  # udev may take a moment to create gpioN and set its permissions


class SysfsOutput:
    """One exported GPIO line under ``root``."""

    name: ClassVar[str] = "sysfs"
    description: ClassVar[str] = "legacy sysfs GPIO (/sys/class/gpio)"
    arguments: ClassVar[tuple[PluginArg, ...]] = (
        PluginArg("gpio", None, "GPIO number (as the kernel numbers it)",
                  parse_int_range(0, 100_000), required=True),
        PluginArg("root", "/sys/class/gpio", "the sysfs GPIO directory", Path),
    )

    def __init__(self, context: OutputContext, output_id: str, active_low: bool, *,
                 gpio: int, root: Path = Path("/sys/class/gpio"), **_: Any) -> None:
        self._blocking = context.blocking
        self._active_low = active_low
        self._root = root
        self._gpio = gpio
        self.line = root / f"gpio{gpio}"
        self.where = str(self.line)

    def _write(self, name: str, text: str) -> None:
        try:
            (self.line / name).write_text(text)
        except OSError as e:
            raise OutputError(f"{self.line / name}: {e.strerror or e}") from None

    def _export(self) -> None:
        if self.line.is_dir():
            return
        try:
            (self._root / "export").write_text(str(self._gpio))
        except OSError as e:
            raise OutputError(f"cannot export GPIO {self._gpio} in {self._root}:"
                              f" {e.strerror or e}") from None
        deadline = time.monotonic() + EXPORT_WAIT
        while not (self.line / "direction").exists():
            if time.monotonic() > deadline:
                raise OutputError(f"{self.line} did not appear after export")
            time.sleep(0.02)

    def _open(self, on: bool) -> None:
        self._export()
        self._write("direction", "high" if physical(on, self._active_low) else "low")

    def open(self, on: bool) -> Deferred[None]:
        """Export, then make it an output at the level of ``on``."""
        return self._blocking(lambda: self._open(on))

    def set(self, on: bool) -> Deferred[None]:
        """Write the level."""
        level = "1" if physical(on, self._active_low) else "0"
        return self._blocking(lambda: self._write("value", level))

    def close(self) -> Deferred[None]:
        """Leave it exported at its level (unexporting could let the line float)."""
        return self._blocking(lambda: None)
