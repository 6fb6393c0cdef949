"""The sensor plugin interface, its registry (entry point group ``rpymostat.sensors``) and the
``-c Class=arg=value`` specs that select and configure plugins.

A plugin is a class with ``name``, ``description`` and ``arguments`` (what it accepts, with
defaults and parsers) whose instances ``read()`` every sensor they own. Reading files or sockets
never blocks the reactor: file plugins run their blocking part through ``context.blocking``.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, TypeVar

from twisted.internet.defer import Deferred

from rpymostat.shared import pluginargs
from rpymostat.shared.pluginargs import PluginArg, load_plugins, plugin_names

ENTRY_POINT_GROUP = "rpymostat.sensors"
T = TypeVar("T")


class SensorError(Exception):
    """A sensor could not give a trustworthy value; the message says why."""


@dataclass(frozen=True, slots=True)
class SensorValue:
    """What one sensor said in one read: °C, or ``None`` with the ``error`` that explains it."""

    sensor_id: str
    value: float | None
    type: str
    alias: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class SensorContext:
    """What plugins may use: the clock, a thread for blocking work, HTTP and a time limit."""

    reactor: Any
    blocking: Callable[[Callable[[], Any]], Deferred[Any]]
    get_json: Callable[[str, float], Deferred[Any]]
    timeout: float


class SensorReader(Protocol):
    """An instance of a plugin: reads every sensor it owns. One that holds something open
    (a browser, a connection) may also have ``close() -> Deferred``, called when the agent
    stops."""

    def read(self) -> Deferred[list[SensorValue]]:
        """The current value of each sensor (a failed sensor as ``value=None`` + error)."""


class SensorPlugin(Protocol):
    """A plugin class as registered under ``rpymostat.sensors``."""

    name: ClassVar[str]
    description: ClassVar[str]
    arguments: ClassVar[tuple[PluginArg, ...]]

    def __call__(self, context: SensorContext, **kwargs: Any) -> SensorReader: ...


@dataclass(frozen=True)
class ClassSpec:
    """A plugin chosen on the command line or in ``RPYMOSTAT_SENSORS``, with its raw args."""

    name: str
    args: Mapping[str, str] = field(default_factory=dict)


def parse_class_spec(text: str) -> ClassSpec:
    """``w1``, ``w1=root=/sys/bus/w1/devices``, ``dummy=seed=3`` (``Class=arg=value``)."""
    name, sep, rest = text.strip().partition("=")
    if not name:
        raise ValueError(f"{text!r}: expected Class or Class=arg=value")
    if not sep:
        return ClassSpec(name)
    arg, sep, value = rest.partition("=")
    if not arg or not sep:
        raise ValueError(f"{text!r}: expected Class=arg=value")
    return ClassSpec(name, {arg: value})


def merge_specs(specs: Iterable[ClassSpec]) -> tuple[ClassSpec, ...]:
    """Repeated ``-c w1=a=1 -c w1=b=2`` configure one w1 instance; order of first mention."""
    merged: dict[str, dict[str, str]] = {}
    for spec in specs:
        merged.setdefault(spec.name, {}).update(spec.args)
    return tuple(ClassSpec(name, args) for name, args in merged.items())


def parse_sensors_setting(value: str) -> tuple[ClassSpec, ...]:
    """``RPYMOSTAT_SENSORS``: specs separated by ``;`` or whitespace (empty: auto)."""
    parts = [p for chunk in value.split(";") for p in chunk.split()]
    return merge_specs(parse_class_spec(p) for p in parts)


def installed_plugins(names: Iterable[str] | None = None) -> dict[str, SensorPlugin]:
    """The plugins registered under :data:`ENTRY_POINT_GROUP`, by name (only ``names``, when
    given: the other classes' modules are not imported)."""
    return load_plugins(ENTRY_POINT_GROUP, names)


def installed_names() -> list[str]:
    """The names of the installed plugins, without importing them."""
    return plugin_names(ENTRY_POINT_GROUP)


def plugin_kwargs(plugin: SensorPlugin, args: Mapping[str, str]) -> dict[str, Any]:
    """Parse ``args`` with the plugin's declared arguments (ValueError naming what is bad)."""
    return pluginargs.plugin_kwargs(plugin, args, "sensor class")
