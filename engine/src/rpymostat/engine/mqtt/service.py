"""Builds the bridge with the real client (the engine's tap calls this when
``RPYMOSTAT_MQTT_URL`` is set)."""

from twisted.internet.interfaces import IReactorTime

from rpymostat.shared.bus.hub import BusHub

from ..relays.alarms import AlarmBook
from ..relays.control import RelayControl
from ..zones.control import ZoneControl
from .bridge import MqttBridge
from .client import PahoClient
from .config import MqttConfig
from .discovery import Engine, Topics


def make_bridge(reactor: IReactorTime, config: MqttConfig, *, instance_id: str, name: str,
                version: str, hub: BusHub, zones: ZoneControl, relays: RelayControl,
                alarms: AlarmBook) -> MqttBridge:
    """The bridge on paho-mqtt, its last will ``offline`` on the availability topic."""
    topics = Topics.of(config.discovery_prefix, config.base, instance_id)
    client = PahoClient(reactor, config, will_topic=topics.availability,
                        will_payload="offline")
    return MqttBridge(reactor, client, topics, engine=Engine(instance_id, name, version),
                      listen=hub.listen, zones=zones, relays=relays, alarms=alarms)
