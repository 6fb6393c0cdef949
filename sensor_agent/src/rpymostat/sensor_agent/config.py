"""The sensor agent's settings (environment table) and its RPyMostat-sensor compatible CLI.

Command-line options override the environment: ``-a/--engine-address`` and
``-p/--engine-port`` set the engine's URL (no discovery), ``-i/--interval`` the round period,
``-c Class=arg=value`` the sensor classes, ``--dummy`` adds dummy sensors, ``-d/--dry-run``
reads and prints without sending, ``-l/--list-sensor-classes`` lists the plugins.
"""

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from twisted.python import usage

from rpymostat.shared.envconfig import (
    Setting,
    data_dir_setting,
    load,
    parse_int_range,
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
from rpymostat.shared.pluginargs import describe_plugins

from .plugin import (
    ClassSpec,
    installed_names,
    installed_plugins,
    merge_specs,
    parse_class_spec,
    parse_sensors_setting,
    plugin_kwargs,
)

AUTO_CLASSES = ("w1", "owfs")


def parse_interval(value: str) -> float:
    """Seconds between rounds: 0.1 s .. 1 day."""
    seconds = parse_positive_float(value)
    if not 0.1 <= seconds <= 86_400:
        raise ValueError("must be between 0.1 and 86400 seconds")
    return seconds


SETTINGS: tuple[Setting, ...] = (
    *daemon_settings("SENSOR_AGENT", "tcp:8089"),
    data_dir_setting("directory for the reading queue and the host id (and the engine's token"
                     " file)"),
    tls_setting(),
    token_setting("site token; unset = read from <data dir>/token (the engine's, on the same"
                  " host)"),
    Setting("RPYMOSTAT_HOST_ID", None, "id", parse_id,
            "this host's id (default: Pi CPU serial, else from /etc/machine-id, else generated)"),
    Setting("RPYMOSTAT_SENSORS", "", "classes", parse_sensors_setting,
            "sensor classes, e.g. 'w1;dummy=count=2' (empty: w1 and owfs, where present)"),
    Setting("RPYMOSTAT_SENSOR_INTERVAL", "60", "seconds", parse_interval,
            "seconds between reading rounds"),
    Setting("RPYMOSTAT_SENSOR_QUEUE_MAX", "200000", "count", parse_int_range(10, 100_000_000),
            "readings kept on disk while the engine is away (oldest dropped beyond this)"),
    Setting("RPYMOSTAT_HTTP_TIMEOUT", "10", "seconds", parse_positive_float,
            "time limit for each call to the engine or a sensor's HTTP source"),
)


@dataclass(frozen=True)
class AgentConfig:
    """Validated settings, passed into constructors."""

    daemon: DaemonConfig
    data_dir: Path
    token: str | None
    host_id: str | None
    sensors: tuple[ClassSpec, ...]
    interval: float
    queue_max: int
    http_timeout: float
    dry_run: bool = False

    @property
    def log_level(self) -> Any:
        """For the console runner."""
        return self.daemon.log_level

    @property
    def read_timeout(self) -> float:
        """A round's time limit: within the interval, never more than the HTTP time-out."""
        return max(0.05, min(self.interval * 0.8, self.http_timeout))

    def classes(self) -> tuple[ClassSpec, ...]:
        """The classes to run: as configured, else the auto-detected hardware classes."""
        return self.sensors or tuple(ClassSpec(name) for name in AUTO_CLASSES)


def load_config(environ: Mapping[str, str]) -> AgentConfig:
    """Validate the environment; raises ConfigError naming the first bad variable."""
    values = load(SETTINGS, environ)
    return AgentConfig(
        daemon=daemon_config(SETTINGS, values),
        data_dir=Path(values["RPYMOSTAT_DATA_DIR"]).expanduser(),
        token=values["RPYMOSTAT_TOKEN"],
        host_id=values["RPYMOSTAT_HOST_ID"],
        sensors=values["RPYMOSTAT_SENSORS"],
        interval=values["RPYMOSTAT_SENSOR_INTERVAL"],
        queue_max=values["RPYMOSTAT_SENSOR_QUEUE_MAX"],
        http_timeout=values["RPYMOSTAT_HTTP_TIMEOUT"],
    )


class Options(EnvOptions):
    """``rpymostat-sensor-agent`` options: RPyMostat-sensor's flags over the environment."""

    description = "RPyMostat sensor agent: reads temperature sensors and sends them to the engine."
    settings = SETTINGS
    optFlags: ClassVar[list[list[str | None]]] = [
        *EnvOptions.optFlags,
        ["dry-run", "d", "read and print the readings; send nothing"],
        ["dummy", None, "add dummy sensors (plausible values, for trying things out)"],
        ["list-sensor-classes", "l", "list the sensor classes and their arguments, then exit"],
    ]
    optParameters: ClassVar[list[list[Any]]] = [
        *ENGINE_ADDRESS_OPTIONS,
        ["interval", "i", None, "seconds between reading rounds (default 60)"],
    ]

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        super().__init__(environ)
        self.specs: list[ClassSpec] = []

    def opt_class(self, value: str) -> None:
        """Enable sensor class CLASS (repeatable); -c Class=arg=value sets an argument."""
        try:
            self.specs.append(parse_class_spec(value))
        except ValueError as e:
            raise usage.UsageError(f"-c {e}") from None

    opt_c = opt_class

    def postOptions(self) -> None:
        """List classes, or load the environment and apply the command line over it."""
        if self["list-sensor-classes"]:
            print_and_exit(describe_plugins(installed_plugins()))
        super().postOptions()
        self.config = self._overridden(self.config)
        check_classes(self.config.classes())

    def load(self, environ: Mapping[str, str]) -> AgentConfig:
        """Validate the environment table."""
        return load_config(environ)

    def _overridden(self, config: AgentConfig) -> AgentConfig:
        changes: dict[str, Any] = {"dry_run": bool(self["dry-run"])}
        if self["interval"] is not None:
            changes["interval"] = option_value("interval", self["interval"], parse_interval)
        specs = list(self.specs or config.sensors)
        if self["dummy"]:
            specs.append(ClassSpec("dummy"))
        changes["sensors"] = merge_specs(specs)
        changes["daemon"] = with_engine_address(config.daemon, self["engine-address"],
                                                self["engine-port"])
        return dataclasses.replace(config, **changes)


def check_classes(specs: tuple[ClassSpec, ...]) -> None:
    """Every class installed, every argument known and valid (UsageError otherwise)."""
    plugins = installed_plugins(spec.name for spec in specs)
    for spec in specs:
        if spec.name not in plugins:
            raise usage.UsageError(f"unknown sensor class {spec.name!r}"
                                   f" (installed: {', '.join(installed_names())})")
        try:
            plugin_kwargs(plugins[spec.name], spec.args)
        except ValueError as e:
            raise usage.UsageError(str(e)) from None
