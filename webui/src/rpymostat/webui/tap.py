"""twistd plugin / console script ``rpymostat-webui``.

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

SETTINGS = daemon_settings("WEBUI", "tcp:8080")


class Options(EnvOptions):
    """Settings from the environment; ``--show-config`` prints them."""

    description = "RPyMostat web UI: the web interface for phones and wall tablets."
    settings = SETTINGS

    def load(self, environ: Mapping[str, str]) -> DaemonConfig:
        """Validate the environment table."""
        return load_daemon_config(SETTINGS, dict(environ))


def makeService(options: Options) -> MultiService:
    """twistd entry point."""
    return build_info_service(InfoAPI("RPyMostat web UI", __version__), options.config.listen)


def main() -> None:
    """Console script ``rpymostat-webui``."""
    daemon.run("rpymostat-webui", Options, makeService)  # type: ignore[arg-type]
