"""Sensor plugin ``file``: a temperature (°C) written as text in a file by something else.

Usage: ``rpymostat-sensor-agent -c file=path=/run/heatpump/flow_c,id=flow``.
"""

from pathlib import Path
from typing import Any, ClassVar

from twisted.internet.defer import Deferred

from rpymostat.sensor_agent.plugin import SensorContext, SensorError, SensorValue
from rpymostat.shared.pluginargs import PluginArg


def _read_celsius(path: Path) -> float:
    """Blocking: runs on the agent's thread pool, never on the reactor."""
    try:
        text = path.read_text().strip()
    except OSError as e:
        raise SensorError(f"cannot read {path}: {e.strerror}") from None
    try:
        value = float(text)
    except ValueError:
        raise SensorError(f"{path} holds {text[:20]!r}, not a number") from None
    if not -100.0 <= value <= 200.0:
        raise SensorError(f"{value} °C is outside -100..200")
    return value


class FileSensor:
    """One sensor whose value is the number in a file."""

    name: ClassVar[str] = "file"
    description: ClassVar[str] = "a °C value written in a text file by another program"
    arguments: ClassVar[tuple[PluginArg, ...]] = (
        PluginArg("path", None, "the file to read", Path),
        PluginArg("id", "file", "the sensor id to report"),
    )

    def __init__(self, context: SensorContext, path: Path | None = None, id: str = "file",
                 **_: Any) -> None:
        if path is None:
            raise ValueError("file: give path=/the/file")
        self._context = context
        self._path = path
        self._id = id

    def read(self) -> Deferred[list[SensorValue]]:
        """The value, or ``None`` with the reason (a failed sensor never stops the round)."""
        d = self._context.blocking(lambda: _read_celsius(self._path))
        d.addCallback(lambda c: [SensorValue(self._id, c, "file")])
        d.addErrback(lambda f: [SensorValue(self._id, None, "file",
                                            error=str(f.value))])
        return d
