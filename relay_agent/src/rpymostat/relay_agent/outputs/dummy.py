"""Plugin ``dummy``: an output in memory, for demos and tests (it remembers its levels)."""

from typing import Any, ClassVar

from twisted.internet.defer import Deferred, succeed

from rpymostat.shared.pluginargs import PluginArg

from . import OutputContext, physical


class DummyOutput:
    """Keeps the level it was driven to; ``levels`` is the history (True = high)."""

    name: ClassVar[str] = "dummy"
    description: ClassVar[str] = "an output in memory (nothing is switched)"
    arguments: ClassVar[tuple[PluginArg, ...]] = ()

    def __init__(self, context: OutputContext, output_id: str, active_low: bool,
                 **_: Any) -> None:
        self.where = f"memory ({output_id})"
        self._active_low = active_low
        self.levels: list[bool] = []
        self.claimed = False

    def open(self, on: bool) -> Deferred[None]:
        """Claim and drive to ``on``."""
        self.claimed = True
        return self.set(on)

    def set(self, on: bool) -> Deferred[None]:
        """Remember the level."""
        self.levels.append(physical(on, self._active_low))
        return succeed(None)

    def close(self) -> Deferred[None]:
        """Let go."""
        self.claimed = False
        return succeed(None)
