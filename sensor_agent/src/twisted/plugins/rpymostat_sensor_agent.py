"""twistd plugin: ``twistd -n rpymostat-sensor-agent`` (logic in rpymostat.sensor_agent.tap)."""

from twisted.application.service import ServiceMaker

rpymostat_sensor_agent = ServiceMaker(
    "RPyMostat sensor agent",
    "rpymostat.sensor_agent.tap",
    "RPyMostat sensor agent: reads temperature sensors and sends their readings to the engine",
    "rpymostat-sensor-agent",
)
