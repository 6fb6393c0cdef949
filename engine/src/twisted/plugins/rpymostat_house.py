"""twistd plugin: ``twistd -n rpymostat-house`` (logic lives in rpymostat.engine.sim.tap)."""

from twisted.application.service import ServiceMaker

rpymostat_house = ServiceMaker(
    "RPyMostat simulated house",
    "rpymostat.engine.sim.tap",
    "RPyMostat simulated house: a thermal model in accelerated time for the sim plugins",
    "rpymostat-house",
)
