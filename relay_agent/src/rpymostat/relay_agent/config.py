"""The relay agent's settings (environment table) and its command line.

Command-line options override the environment: ``-a/--engine-address`` and
``-p/--engine-port`` give the engine's URL (no discovery), ``--listen`` the API endpoint,
``-o ID=CLASS[:key=value,...]`` the outputs (repeatable; see :mod:`.spec`), ``--dummy`` two
in-memory outputs ``heat`` and ``cool``, ``--watchdog SECONDS`` the watchdog period,
``--list-output-classes`` the plugins.
"""

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from twisted.python import usage

from rpymostat.shared.busconfig import parse_http_url
from rpymostat.shared.envconfig import (
    Setting,
    data_dir_setting,
    load,
    parse_endpoint,
    parse_positive_float,
    tls_setting,
    token_setting,
)
from rpymostat.shared.ids import parse_id
from rpymostat.shared.infoapi import DaemonConfig, daemon_config, daemon_settings
from rpymostat.shared.options import (
    ENGINE_ADDRESS_OPTIONS,
    EnvOptions,
    option_value,
    print_and_exit,
    with_engine_address,
)
from rpymostat.shared.pluginargs import describe_plugins, plugin_kwargs

from .outputs import installed_plugins
from .spec import (
    DUMMY_OUTPUTS,
    OutputSpec,
    check_safe_states,
    check_unique,
    interlock_groups,
    parse_interlocks,
    parse_output_spec,
    parse_relays_setting,
)


def parse_watchdog(value: str) -> float:
    """Watchdog period: 3 s .. 1 day (the engine heartbeats at least 3 times per period)."""
    seconds = parse_positive_float(value)
    if not 3.0 <= seconds <= 86_400:
        raise ValueError("must be between 3 and 86400 seconds")
    return seconds


def parse_agent_url(value: str) -> str | None:
    """The URL the engine should call this agent at (empty: derived by the engine)."""
    return parse_http_url(value) if value else None


SETTINGS: tuple[Setting, ...] = (
    *daemon_settings("RELAY_AGENT", "tcp:8090"),
    data_dir_setting("directory for the host id (and the engine's token file)"),
    tls_setting(),
    token_setting("site token; unset = read from <data dir>/token (the engine's, on the same"
                  " host)"),
    Setting("RPYMOSTAT_HOST_ID", None, "id", parse_id,
            "this host's id (default: Pi CPU serial, else from /etc/machine-id, else generated)"),
    Setting("RPYMOSTAT_RELAYS", "", "outputs", parse_relays_setting,
            "outputs, e.g. 'heat=gpiod:line=17;cool=gpiod:line=27,active=low'"),
    Setting("RPYMOSTAT_RELAY_INTERLOCKS", "auto", "groups", parse_interlocks,
            "outputs never on together: 'auto' (every heat with every cool), 'none', or"
            " 'a+b;c+d'"),
    Setting("RPYMOSTAT_RELAY_WATCHDOG", "180", "seconds", parse_watchdog,
            "outputs go to their safe state after this long without word from the engine"),
    Setting("RPYMOSTAT_RELAY_AGENT_URL", "", "url", parse_agent_url,
            "URL the engine calls this agent at (default: its address as the engine sees it,"
            " and the listen port)"),
    Setting("RPYMOSTAT_HTTP_TIMEOUT", "10", "seconds", parse_positive_float,
            "time limit for each call to the engine or to a sim output"),
)


@dataclass(frozen=True)
class RelayConfig:
    """Validated settings, passed into constructors."""

    daemon: DaemonConfig
    data_dir: Path
    token: str | None
    host_id: str | None
    outputs: tuple[OutputSpec, ...]
    interlocks: tuple[tuple[str, ...], ...] | None
    watchdog: float
    agent_url: str | None
    http_timeout: float

    @property
    def log_level(self) -> Any:
        """For the console runner."""
        return self.daemon.log_level

    def groups(self) -> tuple[tuple[str, ...], ...]:
        """The interlock groups to enforce."""
        return interlock_groups(self.outputs, self.interlocks)


def load_config(environ: Mapping[str, str]) -> RelayConfig:
    """Validate the environment; raises ConfigError naming the first bad variable."""
    values = load(SETTINGS, environ)
    return RelayConfig(
        daemon=daemon_config(SETTINGS, values),
        data_dir=Path(values["RPYMOSTAT_DATA_DIR"]).expanduser(),
        token=values["RPYMOSTAT_TOKEN"],
        host_id=values["RPYMOSTAT_HOST_ID"],
        outputs=values["RPYMOSTAT_RELAYS"],
        interlocks=values["RPYMOSTAT_RELAY_INTERLOCKS"],
        watchdog=values["RPYMOSTAT_RELAY_WATCHDOG"],
        agent_url=values["RPYMOSTAT_RELAY_AGENT_URL"],
        http_timeout=values["RPYMOSTAT_HTTP_TIMEOUT"],
    )


class Options(EnvOptions):
    """``rpymostat-relay-agent`` options over the environment."""

    description = "RPyMostat relay agent: switches heating/cooling outputs, fail-safe."
    settings = SETTINGS
    optFlags: ClassVar[list[list[str | None]]] = [
        *EnvOptions.optFlags,
        ["dummy", None, "two in-memory outputs, heat and cool (for trying things out)"],
        ["list-output-classes", "l", "list the output classes and their arguments, then exit"],
    ]
    optParameters: ClassVar[list[list[Any]]] = [
        *ENGINE_ADDRESS_OPTIONS,
        ["listen", None, None, "endpoint the API listens on (default tcp:8090)"],
        ["watchdog", None, None, "seconds without word from the engine before the outputs go"
                                 " to their safe state (default 180)"],
    ]

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        super().__init__(environ)
        self.specs: list[OutputSpec] = []

    def opt_output(self, value: str) -> None:
        """Add output ID=CLASS[:key=value,...] (repeatable)."""
        try:
            self.specs.append(parse_output_spec(value))
        except ValueError as e:
            raise usage.UsageError(f"-o {e}") from None

    opt_o = opt_output

    def postOptions(self) -> None:
        """List classes, or load the environment and apply the command line over it."""
        if self["list-output-classes"]:
            print_and_exit(describe_plugins(installed_plugins()))
        super().postOptions()
        self.config = self._overridden(self.config)
        check_outputs(self.config)

    def load(self, environ: Mapping[str, str]) -> RelayConfig:
        """Validate the environment table."""
        return load_config(environ)

    def _overridden(self, config: RelayConfig) -> RelayConfig:
        changes: dict[str, Any] = {}
        daemon = with_engine_address(config.daemon, self["engine-address"], self["engine-port"])
        if self["listen"] is not None:
            daemon = dataclasses.replace(daemon, listen=option_value(
                "listen", self["listen"], parse_endpoint))
        changes["daemon"] = daemon
        if self["watchdog"] is not None:
            changes["watchdog"] = option_value("watchdog", self["watchdog"], parse_watchdog)
        specs = list(self.specs or config.outputs)
        if self["dummy"]:
            specs.extend(s for s in DUMMY_OUTPUTS if s.id not in {x.id for x in specs})
        try:
            changes["outputs"] = check_unique(specs)
        except ValueError as e:
            raise usage.UsageError(str(e)) from None
        return dataclasses.replace(config, **changes)


def check_outputs(config: RelayConfig) -> None:
    """At least one output; every class installed with valid arguments; interlocks sane."""
    if not config.outputs:
        raise usage.UsageError("no outputs: give -o ID=CLASS[:key=value,...], set"
                               " RPYMOSTAT_RELAYS, or use --dummy")
    plugins = installed_plugins()
    for spec in config.outputs:
        if spec.cls not in plugins:
            raise usage.UsageError(f"output {spec.id}: unknown output class {spec.cls!r}"
                                   f" (installed: {', '.join(sorted(plugins))})")
        try:
            plugin_kwargs(plugins[spec.cls], spec.args, "output class")
        except ValueError as e:
            raise usage.UsageError(f"output {spec.id}: {e}") from None
    try:
        check_safe_states(config.outputs, config.groups())
    except ValueError as e:
        raise usage.UsageError(str(e)) from None
