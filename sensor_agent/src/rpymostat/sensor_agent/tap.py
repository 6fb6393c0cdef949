"""twistd plugin / console script ``rpymostat-sensor-agent``.

Placeholder until its issue lands: serves ``/``, ``/v1/status`` and ``/v1/openapi.json``.
"""

from rpymostat.shared.infoapi import placeholder_daemon

from . import __version__

Options, makeService, main = placeholder_daemon(  # noqa: N816 - twistd's name
    "SENSOR_AGENT", "tcp:8089", "RPyMostat sensor agent",
    "reads temperature sensors and sends their readings to the engine",
    version=__version__, script="rpymostat-sensor-agent", role="sensor-agent",
)
