"""RPyMostat engine: stores readings, schedules, decides and serves the REST API v1."""

from rpymostat.shared import distribution_version

__version__ = distribution_version("rpymostat-engine")
