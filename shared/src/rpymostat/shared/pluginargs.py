"""Arguments that agent plugins (sensor classes, output classes) declare, and their parsing.

A plugin class lists its :class:`PluginArg` in ``arguments``; :func:`plugin_kwargs` turns the
raw ``arg=value`` strings a user gave into keyword arguments (defaults filled in, each value
parsed) or a ValueError naming the plugin and the argument; :func:`describe_plugins` is the
``--list-...-classes`` text.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, ClassVar, Protocol


@dataclass(frozen=True)
class PluginArg:
    """One argument a plugin accepts, with its default and parser."""

    name: str
    default: str | None
    help: str
    parse: Callable[[str], Any] = str
    required: bool = False


class DescribedPlugin(Protocol):
    """What every plugin class declares."""

    name: ClassVar[str]
    description: ClassVar[str]
    arguments: ClassVar[tuple[PluginArg, ...]]


def load_plugins(group: str, names: Iterable[str] | None = None) -> dict[str, Any]:
    """The plugins registered under the entry point ``group``, by name: every one, or only
    those in ``names`` (the others' modules are then not imported: an agent on a Pi Zero pays
    only for the classes it runs)."""
    wanted = None if names is None else set(names)
    return {ep.name: ep.load() for ep in entry_points(group=group)
            if wanted is None or ep.name in wanted}


def plugin_names(group: str) -> list[str]:
    """The names registered under ``group``, sorted, without importing any plugin."""
    return sorted({ep.name for ep in entry_points(group=group)})


def plugin_kwargs(plugin: DescribedPlugin, args: Mapping[str, str], kind: str = "class"
                  ) -> dict[str, Any]:
    """Parse ``args`` with the plugin's declared arguments (defaults filled in).

    Raises ValueError naming the plugin (``kind`` says what it is, e.g. "sensor class") and
    the argument when one is unknown, missing or bad.
    """
    known = {a.name: a for a in plugin.arguments}
    unknown = sorted(set(args) - set(known))
    if unknown:
        raise ValueError(f"{kind} {plugin.name!r} has no argument(s) {', '.join(unknown)}"
                         f" (it takes: {', '.join(known) or 'none'})")
    kwargs: dict[str, Any] = {}
    for arg in plugin.arguments:
        raw = args.get(arg.name, arg.default)
        if raw is None and arg.required:
            raise ValueError(f"{kind} {plugin.name!r} needs {arg.name}=... ({arg.help})")
        if raw is None:
            kwargs[arg.name] = None
            continue
        try:
            kwargs[arg.name] = arg.parse(raw)
        except ValueError as e:
            raise ValueError(f"{kind} {plugin.name!r} argument {arg.name}={raw!r}: {e}"
                             ) from None
    return kwargs


def describe_plugins(plugins: Mapping[str, DescribedPlugin]) -> str:
    """Each plugin, what it does, its arguments and defaults."""
    lines = []
    for name in sorted(plugins):
        plugin = plugins[name]
        lines.append(f"{name}: {plugin.description}")
        for arg in plugin.arguments:
            default = ("(required)" if arg.required else "(optional)" if arg.default is None
                       else f"(default {arg.default!r})")
            lines.append(f"    {arg.name} {default}: {arg.help}")
        if not plugin.arguments:
            lines.append("    (no arguments)")
    return "\n".join(lines)
