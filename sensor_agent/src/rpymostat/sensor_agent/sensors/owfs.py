"""1-wire thermometers through an OWFS FUSE mount (``owfs``, e.g. a DS9490R USB adapter).

Sensors are ``<mount>/<FF>.<SERIAL>/temperature``; the mount converts to the unit named in
``<mount>/settings/units/temperature_scale`` (C, F, K or R), which we convert back to °C.
"""

import re
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from twisted.internet.defer import Deferred

from rpymostat.shared.pluginargs import PluginArg

from ..plugin import SensorContext, SensorError, SensorValue
from .onewire import checked_celsius, list_devices, with_retry

MOUNTS = ("/run/owfs", "/mnt/1wire")
_DEVICE = re.compile(r"([0-9A-Fa-f]{2})\.[0-9A-Fa-f]{12}")
TO_CELSIUS: dict[str, Callable[[float], float]] = {
    "C": lambda v: v,
    "F": lambda v: (v - 32.0) * 5.0 / 9.0,
    "K": lambda v: v - 273.15,
    "R": lambda v: (v - 491.67) * 5.0 / 9.0,
}


def find_mount(candidates: Sequence[Path]) -> Path | None:
    """The first candidate that looks like an OWFS mount (has ``settings`` or a device)."""
    for path in candidates:
        try:
            names = [p.name for p in path.iterdir()]
        except OSError:
            continue
        if "settings" in names or any(_DEVICE.fullmatch(n) for n in names):
            return path
    return None


def read_scale(mount: Path) -> str:
    """The mount's temperature unit letter (C when the setting is missing)."""
    try:
        scale = (mount / "settings" / "units" / "temperature_scale").read_text().strip()
    except FileNotFoundError:
        return "C"
    except OSError as e:
        raise SensorError(f"cannot read the mount's temperature scale: {e.strerror}") from None
    letter = scale[:1].upper()
    if letter not in TO_CELSIUS:
        raise SensorError(f"unknown temperature scale {scale[:10]!r} on the OWFS mount")
    return letter


def read_device(device: Path, scale: str) -> float:
    """One plausible °C from an OWFS device folder, or SensorError."""
    try:
        text = (device / "temperature").read_text(errors="replace").strip()
    except FileNotFoundError:
        raise SensorError("sensor vanished from the OWFS mount") from None
    except OSError as e:
        raise SensorError(f"read failed: {e.strerror or e}") from None
    try:
        value = float(text)
    except ValueError:
        raise SensorError(f"temperature holds {text[:20]!r}, not a number") from None
    return checked_celsius(round(TO_CELSIUS[scale](value), 4))


class OWFSScanner:
    """The blocking part: finds the mount, reads every thermometer, remembers the vanished."""

    def __init__(self, candidates: Sequence[Path]) -> None:
        self.candidates = candidates
        self.seen: dict[str, str] = {}

    def scan(self) -> list[SensorValue]:
        """Read every sensor on the mount (none while there is no mount)."""
        mount = find_mount(self.candidates)
        if mount is None:
            return [SensorValue(s, None, kind, error="the OWFS mount is gone")
                    for s, kind in sorted(self.seen.items())]
        self.seen.update(list_devices(mount, _DEVICE))
        try:
            scale = read_scale(mount)
        except SensorError as e:
            return [SensorValue(s, None, kind, error=str(e))
                    for s, kind in sorted(self.seen.items())]
        values = []
        for sensor_id, kind in sorted(self.seen.items()):
            try:
                device = mount / sensor_id
                value = with_retry(partial(read_device, device, scale))
                values.append(SensorValue(sensor_id, value, kind))
            except SensorError as e:
                values.append(SensorValue(sensor_id, None, kind, error=str(e)))
        return values


class OWFSSensors:
    """Plugin ``owfs``: thermometers on an OWFS mount."""

    name: ClassVar[str] = "owfs"
    description: ClassVar[str] = "1-wire thermometers through an OWFS mount (any unit, as °C)"
    arguments: ClassVar[tuple[PluginArg, ...]] = (
        PluginArg("mount", None, f"the OWFS mount (default: the first of {', '.join(MOUNTS)})"),
    )

    def __init__(self, context: SensorContext, mount: str | None = None, **_: Any) -> None:
        self._context = context
        self._scanner = OWFSScanner([Path(mount)] if mount else [Path(m) for m in MOUNTS])

    def read(self) -> Deferred[list[SensorValue]]:
        """Scan and read in a thread."""
        return self._context.blocking(self._scanner.scan)
