"""twistd plugin / console script ``rpymostat-webui``.

Placeholder until its issue lands: serves ``/``, ``/v1/status`` and ``/v1/openapi.json``.
"""

from rpymostat.shared.infoapi import placeholder_daemon

from . import __version__

Options, makeService, main = placeholder_daemon(  # noqa: N816 - twistd's name
    "WEBUI", "tcp:8080", "RPyMostat web UI",
    "the web interface for phones and wall tablets",
    version=__version__, script="rpymostat-webui", role="webui",
)
