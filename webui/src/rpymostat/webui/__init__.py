"""RPyMostat web UI: the web interface for phones and wall tablets."""

from rpymostat.shared import distribution_version

__version__ = distribution_version("rpymostat-webui")
