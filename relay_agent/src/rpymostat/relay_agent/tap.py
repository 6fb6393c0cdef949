"""twistd plugin / console script ``rpymostat-relay-agent``.

Placeholder until its issue lands: serves ``/``, ``/v1/status`` and ``/v1/openapi.json``.
"""

from rpymostat.shared.infoapi import placeholder_daemon

from . import __version__

Options, makeService, main = placeholder_daemon(  # noqa: N816 - twistd's name
    "RELAY_AGENT", "tcp:8090", "RPyMostat relay agent",
    "switches heating/cooling outputs on the engine's command, fail-safe",
    version=__version__, script="rpymostat-relay-agent", role="relay-agent",
)
