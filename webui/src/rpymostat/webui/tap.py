"""twistd plugin / console script ``rpymostat-webui``.

Placeholder until its issue lands: serves its page (``static/index.html``: what is coming and
a link to ``make run``'s simulated house) at ``/``, ``/v1/status`` and ``/v1/openapi.json``.
"""

from importlib.resources import files

from rpymostat.shared.infoapi import placeholder_daemon

from . import __version__


def index_page() -> bytes:
    """The page shipped in the package (read once, at start)."""
    return (files(__package__) / "static" / "index.html").read_bytes()


Options, makeService, main = placeholder_daemon(  # noqa: N816 - twistd's name
    "WEBUI", "tcp:8080", "RPyMostat web UI",
    "the web interface for phones and wall tablets",
    version=__version__, script="rpymostat-webui", role="webui", page=index_page,
)
