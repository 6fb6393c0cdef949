"""twistd plugin / console script ``rpymostat-relay-agent``."""

from typing import Any

from twisted.application.service import MultiService

from rpymostat.shared import daemon

from .agent import build_service
from .config import Options

__all__ = ["Options", "main", "makeService"]


def makeService(options: Options) -> MultiService:
    """twistd entry point."""
    from twisted.internet import reactor

    return build_service(options.config, reactor)


def main(argv: Any = None) -> None:
    """Console script entry point."""
    daemon.run("rpymostat-relay-agent", Options, makeService, argv)  # type: ignore[arg-type]
