"""twistd plugin: ``twistd -n rpymostat-engine`` (logic lives in rpymostat.engine.tap)."""

from twisted.application.service import ServiceMaker

rpymostat_engine = ServiceMaker(
    "RPyMostat engine",
    "rpymostat.engine.tap",
    "RPyMostat engine: REST API v1, readings store, scheduling and decisions",
    "rpymostat-engine",
)
