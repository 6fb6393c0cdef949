"""Output plugin ``logfile``: "switches" by appending ``on``/``off`` lines to a file (for a
home-made relay board watched by another program, or to see what a zone would do).

Usage: ``rpymostat-relay-agent -o heat=logfile:path=/run/boiler/requests``.
"""

from pathlib import Path
from typing import Any, ClassVar

from twisted.internet.defer import Deferred, succeed

from rpymostat.relay_agent.outputs import OutputContext, OutputError, physical
from rpymostat.shared.pluginargs import PluginArg


class LogFileOutput:
    """Each level is one line; the last line is the current one."""

    name: ClassVar[str] = "logfile"
    description: ClassVar[str] = "append on/off lines to a file"
    arguments: ClassVar[tuple[PluginArg, ...]] = (
        PluginArg("path", None, "the file to append to", Path),
    )

    def __init__(self, context: OutputContext, output_id: str, active_low: bool, *,
                 function: str = "heat", path: Path | None = None, **_: Any) -> None:
        if path is None:
            raise ValueError("logfile: give path=/the/file")
        self.where = str(path)
        self._context = context
        self._path = path
        self._active_low = active_low

    def _write(self, high: bool) -> None:
        try:
            with self._path.open("a") as f:
                f.write("on\n" if high else "off\n")
        except OSError as e:
            raise OutputError(f"cannot write {self._path}: {e.strerror}") from None

    def open(self, on: bool) -> Deferred[None]:
        """Claim the "line": drive it to the safe state at once."""
        return self.set(on)

    def set(self, on: bool) -> Deferred[None]:
        """Append the level (polarity applied) on the agent's I/O thread."""
        high = physical(on, self._active_low)
        return self._context.blocking(lambda: self._write(high))

    def close(self) -> Deferred[None]:
        """Nothing held open."""
        return succeed(None)
