"""twistd plugin: ``twistd -n rpymostat-relay-agent`` (logic in rpymostat.relay_agent.tap)."""

from twisted.application.service import ServiceMaker

rpymostat_relay_agent = ServiceMaker(
    "RPyMostat relay agent",
    "rpymostat.relay_agent.tap",
    "RPyMostat relay agent: switches heating/cooling outputs on the engine's command, fail-safe",
    "rpymostat-relay-agent",
)
