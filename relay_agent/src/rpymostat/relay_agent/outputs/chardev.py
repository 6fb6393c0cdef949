"""Plugin ``gpiod``: the Linux GPIO character device through libgpiod (``gpiod`` ≥ 2).

Each output requests its line as an output with its initial value and polarity in the same
request, so the line never passes through the wrong level. The library sits behind
:class:`LineBackend`; :class:`MemoryLines` is the fake for unit tests, beside the real one.
"""

from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from twisted.internet.defer import Deferred

from rpymostat.shared.envconfig import parse_int_range
from rpymostat.shared.pluginargs import PluginArg

from . import OutputContext, OutputError

CONSUMER = "rpymostat"


class Line(Protocol):
    """A requested output line (logical values: the polarity is in the request)."""

    def set(self, on: bool) -> None: ...

    def release(self) -> None: ...


class LineBackend(Protocol):
    """Requests lines from a chip."""

    def request(self, chip: str, offset: int, active_low: bool, on: bool) -> Line: ...


def chip_path(chip: str) -> str:
    """``gpiochip0`` → ``/dev/gpiochip0``; a path is kept."""
    return chip if "/" in chip else f"/dev/{chip}"


class GpiodLine:
    """A line held through libgpiod."""

    def __init__(self, request: Any, offset: int) -> None:
        self._request = request
        self._offset = offset

    def set(self, on: bool) -> None:
        """Drive the logical value."""
        from gpiod.line import Value

        self._request.set_value(self._offset, Value.ACTIVE if on else Value.INACTIVE)

    def release(self) -> None:
        """Give the line back (it keeps its level on most chips)."""
        self._request.release()


class GpiodBackend:
    """libgpiod's ``request_lines``."""

    def request(self, chip: str, offset: int, active_low: bool, on: bool) -> Line:
        """One output line at ``on``."""
        import gpiod
        from gpiod.line import Direction, Value

        settings = gpiod.LineSettings(direction=Direction.OUTPUT, active_low=active_low,
                                      output_value=Value.ACTIVE if on else Value.INACTIVE)
        request = gpiod.request_lines(chip_path(chip), consumer=CONSUMER,
                                      config={offset: settings})
        return GpiodLine(request, offset)


@dataclass
class MemoryLine:
    """A fake line: the logical values it was set to."""

    active_low: bool
    values: list[bool] = field(default_factory=list)
    released: bool = False

    def set(self, on: bool) -> None:
        """Record the value."""
        if self.released:
            raise OSError("line released")
        self.values.append(on)

    def release(self) -> None:
        """Mark released."""
        self.released = True


@dataclass
class MemoryLines:
    """A fake chip set: ``lines[(chip, offset)]``; a line can be requested once."""

    lines: dict[tuple[str, int], MemoryLine] = field(default_factory=dict)
    missing_chips: set[str] = field(default_factory=set)

    def request(self, chip: str, offset: int, active_low: bool, on: bool) -> Line:
        """Like the kernel: a missing chip or a busy line is an OSError."""
        if chip in self.missing_chips:
            raise FileNotFoundError(2, "No such file or directory", chip_path(chip))
        held = self.lines.get((chip, offset))
        if held is not None and not held.released:
            raise OSError(16, "Device or resource busy")
        line = MemoryLine(active_low, [on])
        self.lines[(chip, offset)] = line
        return line


class GpiodOutput:
    """One line of a GPIO chip."""

    name: ClassVar[str] = "gpiod"
    description: ClassVar[str] = "Linux GPIO character device through libgpiod"
    arguments: ClassVar[tuple[PluginArg, ...]] = (
        PluginArg("line", None, "line offset on the chip (BCM number on a Raspberry Pi)",
                  parse_int_range(0, 65_535), required=True),
        PluginArg("chip", "gpiochip0", "chip name or /dev path"),
    )
    backend: ClassVar[LineBackend] = GpiodBackend()

    def __init__(self, context: OutputContext, output_id: str, active_low: bool, *,
                 line: int, chip: str = "gpiochip0", backend: LineBackend | None = None,
                 **_: Any) -> None:
        self._blocking = context.blocking
        self._backend = backend or self.backend
        self._chip = chip
        self._offset = line
        self._active_low = active_low
        self._line: Line | None = None
        self.where = f"{chip} line {line}"

    def _guarded(self, what: str, action: Any) -> Any:
        try:
            return action()
        except (OSError, ValueError) as e:
            raise OutputError(f"{self.where}: cannot {what}: {e}") from None

    def _open(self, on: bool) -> None:
        self._line = self._guarded("request the line", lambda: self._backend.request(
            self._chip, self._offset, self._active_low, on))

    def open(self, on: bool) -> Deferred[None]:
        """Request the line as an output at ``on``."""
        return self._blocking(lambda: self._open(on))

    def _set(self, on: bool) -> None:
        line = self._line
        if line is None:
            raise OutputError(f"{self.where}: the line is not held")
        self._guarded("set the line", lambda: line.set(on))

    def set(self, on: bool) -> Deferred[None]:
        """Set the logical value."""
        return self._blocking(lambda: self._set(on))

    def _close(self) -> None:
        line, self._line = self._line, None
        if line is not None:
            self._guarded("release the line", line.release)

    def close(self) -> Deferred[None]:
        """Release the line."""
        return self._blocking(self._close)
