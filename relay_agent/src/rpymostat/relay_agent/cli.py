"""The console script ``rpymostat-relay-agent``: settles TLS before anything imports Twisted
(:mod:`rpymostat.shared.tlsgate`), then runs the daemon (:mod:`.tap`)."""

import os
import sys

from rpymostat.shared.tlsgate import skip_tls_unless_needed


def main() -> None:
    """Console script entry point."""
    skip_tls_unless_needed(os.environ, sys.argv[1:])
    from .tap import main as run

    run()
