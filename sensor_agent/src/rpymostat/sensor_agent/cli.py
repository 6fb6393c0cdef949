"""The console script ``rpymostat-sensor-agent``: settles TLS before anything imports Twisted
(:mod:`rpymostat.shared.tlsgate`), then runs the daemon (:mod:`.tap`)."""

from rpymostat.shared.tlsgate import run_console


def main() -> None:
    """Console script entry point."""
    run_console("rpymostat.sensor_agent.tap")
