"""DS18B20 / DS18S20 / DS1822 (and kin) through the kernel's w1 sysfs tree.

Each sensor is ``<root>/<family>-<serial>``. Newer kernels give ``temperature`` (millidegrees,
an error when the CRC fails); older ones only ``w1_slave``, whose first line ends in ``YES``
when the CRC matched and whose second ends in ``t=<millidegrees>``. A failed read is retried
once; then the sensor reports ``None`` with the reason, never a wrong number.
"""

import re
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from twisted.internet.defer import Deferred

from rpymostat.shared.pluginargs import PluginArg

from ..plugin import SensorContext, SensorError, SensorValue
from .onewire import checked_celsius, list_devices, with_retry

DEFAULT_ROOT = "/sys/bus/w1/devices"
_DEVICE = re.compile(r"([0-9a-fA-F]{2})-[0-9a-fA-F]{12}")
_T_EQUALS = re.compile(r"t=(-?\d+)\s*$")


def parse_w1_slave(text: str) -> float:
    """°C from a ``w1_slave`` file; SensorError on a CRC failure or a malformed file."""
    lines = [line.strip() for line in text.strip().splitlines()]
    if len(lines) < 2:
        raise SensorError("w1_slave is incomplete")
    if lines[0].endswith("NO"):
        raise SensorError("CRC check failed")
    if not lines[0].endswith("YES"):
        raise SensorError("w1_slave has no CRC verdict")
    match = _T_EQUALS.search(lines[1])
    if match is None:
        raise SensorError("w1_slave has no t= value")
    return int(match.group(1)) / 1000.0


def parse_millidegrees(text: str) -> float:
    """°C from a ``temperature`` file (an integer of millidegrees)."""
    try:
        return int(text.strip()) / 1000.0
    except ValueError:
        raise SensorError(f"temperature file holds {text.strip()[:20]!r}, not a number"
                          ) from None


def read_device(device: Path) -> float:
    """One plausible °C from ``device`` (a sensor's sysfs folder), or SensorError."""
    temperature = device / "temperature"
    try:
        if temperature.exists():
            value = parse_millidegrees(temperature.read_text(errors="replace"))
        else:
            value = parse_w1_slave((device / "w1_slave").read_text(errors="replace"))
    except FileNotFoundError:
        raise SensorError("sensor vanished from the 1-wire bus") from None
    except OSError as e:
        raise SensorError(f"read failed: {e.strerror or e}") from None
    return checked_celsius(value)


class W1Scanner:
    """The blocking part: remembers sensors it has seen, so one that vanishes says so."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.seen: dict[str, str] = {}

    def scan(self) -> list[SensorValue]:
        """Read every sensor present now and report each vanished one."""
        self.seen.update(list_devices(self.root, _DEVICE))
        values = []
        for sensor_id, kind in sorted(self.seen.items()):
            try:
                device = self.root / sensor_id
                values.append(SensorValue(sensor_id, with_retry(partial(read_device, device)),
                                          kind))
            except SensorError as e:
                values.append(SensorValue(sensor_id, None, kind, error=str(e)))
        return values


class W1Sensors:
    """Plugin ``w1``: every DS18x20-family sensor the kernel's w1 driver exposes."""

    name: ClassVar[str] = "w1"
    description: ClassVar[str] = ("DS18B20/DS18S20/DS1822 sensors through the kernel's w1 sysfs"
                                  " tree (dtoverlay=w1-gpio)")
    arguments: ClassVar[tuple[PluginArg, ...]] = (
        PluginArg("root", DEFAULT_ROOT, "folder of the w1 devices"),
    )

    def __init__(self, context: SensorContext, root: str = DEFAULT_ROOT, **_: Any) -> None:
        self._context = context
        self._scanner = W1Scanner(Path(root))

    def read(self) -> Deferred[list[SensorValue]]:
        """Scan and read in a thread."""
        return self._context.blocking(self._scanner.scan)
