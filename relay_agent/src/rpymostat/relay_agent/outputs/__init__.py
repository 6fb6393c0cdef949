"""Output plugins (entry point group ``rpymostat.relays``): the interface and the registry.

A plugin class (``name``, ``description``, ``arguments``) is built once per output with its
id, polarity, ``function`` (heat, cool, fan or aux; a keyword most plugins ignore) and
arguments. Its instance drives one line: :meth:`OutputDriver.open` claims it
and drives it to the safe state at once (before anything else happens), :meth:`set` switches
it, :meth:`close` lets it go. Blocking work (files, ioctl) runs through ``context.blocking``;
every call has a time limit set by the caller.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from twisted.internet.defer import Deferred

from rpymostat.shared.pluginargs import PluginArg, load_plugins

ENTRY_POINT_GROUP = "rpymostat.relays"


class OutputError(Exception):
    """The line could not be driven; the message says why."""


@dataclass(frozen=True)
class OutputContext:
    """What plugins may use: the clock, a thread for blocking work, HTTP and a time limit."""

    reactor: Any
    blocking: Callable[[Callable[[], Any]], Deferred[Any]]
    http: Any
    timeout: float
    token: Callable[[], str | None] = lambda: None  # the site token, for outputs that call HTTP


class OutputDriver(Protocol):
    """One output's line."""

    where: str  # for people: "gpiochip0 line 17", "/sys/class/gpio/gpio17"...

    def open(self, on: bool) -> Deferred[None]:
        """Claim the line and drive it to ``on`` (the safe state) in the same step."""

    def set(self, on: bool) -> Deferred[None]:
        """Switch the line (logical on/off; the driver applies the polarity)."""

    def close(self) -> Deferred[None]:
        """Release the line (it keeps its level)."""


class OutputPlugin(Protocol):
    """A plugin class as registered under ``rpymostat.relays``."""

    name: ClassVar[str]
    description: ClassVar[str]
    arguments: ClassVar[tuple[PluginArg, ...]]

    def __call__(self, context: OutputContext, output_id: str, active_low: bool, *,
                 function: str, **kwargs: Any) -> OutputDriver: ...


def installed_plugins() -> Mapping[str, OutputPlugin]:
    """Every plugin registered under :data:`ENTRY_POINT_GROUP`, by name."""
    return load_plugins(ENTRY_POINT_GROUP)


def physical(on: bool, active_low: bool) -> bool:
    """The electrical level that means ``on`` for this polarity."""
    return on != active_low
