"""The web UI's settings (environment table, validated once at start)."""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rpymostat.shared.envconfig import (
    Setting,
    data_dir_setting,
    load,
    parse_positive_float,
    token_setting,
)
from rpymostat.shared.infoapi import DaemonConfig, daemon_config, daemon_settings

from .passwords import PasswordHash, parse_password

SETTINGS: tuple[Setting, ...] = (
    *daemon_settings("WEBUI", "tcp:8080"),
    data_dir_setting("where the engine keeps the site token (read when RPYMOSTAT_TOKEN is unset)"),
    token_setting("the site token the web UI adds to the calls it passes to the engine"),
    Setting("RPYMOSTAT_UI_PASSWORD", None, "secret", parse_password,
            "the web UI's password (plain, hashed with scrypt at start, or an 'scrypt$...'"
            " hash); unset = everyone on the LAN may use the UI", secret=True),
    Setting("RPYMOSTAT_UI_TIMEOUT", "10", "seconds", parse_positive_float,
            "time limit of every call the web UI makes to the engine"),
)


@dataclass(frozen=True)
class WebUIConfig:
    """Validated settings of ``rpymostat-webui``."""

    daemon: DaemonConfig
    data_dir: Path
    token: str | None
    password: PasswordHash | None
    timeout: float

    @property
    def log_level(self) -> object:
        """For the console runner."""
        return self.daemon.log_level


def load_config(environ: Mapping[str, str]) -> WebUIConfig:
    """Validate the environment; raises ConfigError naming the first bad variable."""
    values = load(SETTINGS, environ)
    return WebUIConfig(
        daemon=daemon_config(SETTINGS, values),
        data_dir=Path(values["RPYMOSTAT_DATA_DIR"]).expanduser(),
        token=values["RPYMOSTAT_TOKEN"],
        password=values["RPYMOSTAT_UI_PASSWORD"],
        timeout=values["RPYMOSTAT_UI_TIMEOUT"],
    )
