"""RPyMostat relay agent: switches heating/cooling outputs on the engine's command, fail-safe."""

from rpymostat.shared import distribution_version

__version__ = distribution_version("rpymostat-relay-agent")
