"""twistd plugin / console script ``rpymostat-relay-agent``.

Placeholder until its issue lands: serves ``/``, ``/v1/status`` and ``/v1/openapi.json``.
"""

from collections.abc import Mapping

from twisted.application.service import MultiService

from rpymostat.shared import daemon
from rpymostat.shared.infoapi import (
    DaemonConfig,
    InfoAPI,
    build_info_service,
    daemon_settings,
    load_daemon_config,
)
from rpymostat.shared.options import EnvOptions

from . import __version__

SETTINGS = daemon_settings("RELAY_AGENT", "tcp:8090")


class Options(EnvOptions):
    """Settings from the environment; ``--show-config`` prints them."""

    description = (
        "RPyMostat relay agent: switches heating/cooling outputs on the engine's command,"
        " fail-safe."
    )
    settings = SETTINGS

    def load(self, environ: Mapping[str, str]) -> DaemonConfig:
        """Validate the environment table."""
        return load_daemon_config(SETTINGS, dict(environ))


def makeService(options: Options) -> MultiService:
    """twistd entry point."""
    return build_info_service(InfoAPI("RPyMostat relay agent", __version__), options.config.listen)


def main() -> None:
    """Console script ``rpymostat-relay-agent``."""
    daemon.run("rpymostat-relay-agent", Options, makeService)  # type: ignore[arg-type]
