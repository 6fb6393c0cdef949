"""Command-line options shared by every daemon: settings come from the environment table;
``--show-config`` prints it; a bad value is a UsageError naming the variable."""

import dataclasses
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from twisted.logger import LogLevel
from twisted.python import usage

from .envconfig import ConfigError, Setting, describe, render_table


class EnvOptions(usage.Options):
    """Subclasses set ``settings``/``description`` and implement :meth:`load`."""

    settings: tuple[Setting, ...] = ()
    description = ""
    optFlags: ClassVar[list[list[str | None]]] = [
        ["show-config", None, "print every setting with its effective value and exit"],
    ]

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.environ = os.environ if environ is None else environ
        self.longdesc = f"{self.description}\nEnvironment variables:\n{describe(self.settings)}"
        self.config: Any = None

    def load(self, environ: Mapping[str, str]) -> Any:
        """Build the daemon's config object from the environment (may raise ConfigError)."""
        raise NotImplementedError

    def postOptions(self) -> None:
        """Handle --show-config, then validate the environment."""
        if self["show-config"]:
            print(render_table(self.settings, self.environ))
            raise SystemExit(0)
        try:
            self.config = self.load(self.environ)
        except ConfigError as e:
            raise usage.UsageError(str(e)) from None

    @property
    def log_level(self) -> LogLevel:
        """The configured log level (for the console runner)."""
        return self.config.log_level  # type: ignore[no-any-return]


DEFAULT_ENGINE_PORT = 8088
ENGINE_ADDRESS_OPTIONS: list[list[Any]] = [
    ["engine-address", "a", None, "engine host name or IP (default: find it by mDNS)"],
    ["engine-port", "p", None, f"engine port (default {DEFAULT_ENGINE_PORT})", int],
]


def with_engine_address(daemon: Any, address: str | None, port: int | None) -> Any:
    """An agent's DaemonConfig with ``-a/--engine-address`` and ``-p/--engine-port`` applied
    (a fixed engine URL instead of discovery); UsageError for a port without an address."""
    if not address:
        if port:
            raise usage.UsageError("--engine-port needs --engine-address")
        return daemon
    host = f"[{address}]" if ":" in address and not address.startswith("[") else address
    url = f"http://{host}:{port or DEFAULT_ENGINE_PORT}"
    return dataclasses.replace(daemon, locator=dataclasses.replace(daemon.locator,
                                                                   engine_url=url))


def option_value(option: str, raw: str, parse: Callable[[str], Any]) -> Any:
    """``parse(raw)``, or a UsageError naming ``--option`` and what is wrong."""
    try:
        return parse(raw)
    except ValueError as e:
        raise usage.UsageError(f"--{option}: {e}") from None


def print_and_exit(text: str) -> None:
    """For informational flags (``-l``): print ``text`` and exit 0."""
    print(text)
    sys.stdout.flush()
    raise SystemExit(0)
