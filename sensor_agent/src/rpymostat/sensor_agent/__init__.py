"""RPyMostat sensor agent: reads temperature sensors and sends their readings to the engine."""

from rpymostat.shared import distribution_version

__version__ = distribution_version("rpymostat-sensor-agent")
