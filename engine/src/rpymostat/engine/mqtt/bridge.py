"""The bridge service: engine state out to Home Assistant, HA's commands in.

It follows the engine's status bus (``zone.<z>.state``, ``sensor.<host>.<id>``,
``relay.<host>.<id>``, ``engine.alarm.*``) and publishes what changed; on every (re)connect
and whenever HA says ``online`` on ``<prefix>/status`` it publishes the discovery configs and
every current state again. It translates, never decides: commands go through
:func:`~rpymostat.engine.mqtt.commands.apply_command`, the REST API's parsers and book calls.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from twisted.application.service import Service
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from rpymostat.shared.bus.message import Message
from rpymostat.shared.bus.topics import unescape_segment

from ..relays.alarms import AlarmBook
from ..relays.control import RelayControl
from ..zones.control import ZoneControl
from .client import MqttClient
from .commands import CommandError, apply_command
from .discovery import (
    Engine,
    Topics,
    alarms_config,
    climate_config,
    dumps,
    output_config,
    sensor_config,
    slug,
    zone_state,
)

_log = Logger(namespace="rpymostat.engine.mqtt")
Listen = Callable[[Callable[[Message], Any]], Any]


class MqttBridge(Service):
    """Publishes zones as HA climate entities (and sensors, outputs, alarms); applies HA's
    commands. Reconnecting is the client's job; this service re-publishes on every connect."""

    name = "mqtt"

    def __init__(self, reactor: IReactorTime, client: MqttClient, topics: Topics, *,
                 engine: Engine, listen: Listen, zones: ZoneControl,
                 relays: RelayControl | None, alarms: AlarmBook) -> None:
        self._clock = reactor
        self.client = client
        self.topics = topics
        self.engine = engine
        self._listen = listen
        self.zones = zones
        self.relays = relays
        self.alarms = alarms
        self.online = False
        self.connects = 0
        self.commands_applied = 0
        self.commands_refused = 0
        self._announced: set[str] = set()  # config topics published on this connection
        self._sensor_kinds: dict[str, str | None] = {}

    # -- service -----------------------------------------------------------------------------

    def startService(self) -> None:
        """Follow the bus and start connecting."""
        super().startService()
        self._listen(self._on_bus)
        self.zones.book.listeners.append(self._zone_changed)
        self.client.start(self)

    def stopService(self) -> Deferred[None]:  # type: ignore[override]
        """Say ``offline`` (the will covers a crash), then disconnect."""
        super().stopService()
        if self.online:
            self.client.publish(self.topics.availability, "offline", retain=True)
        self.online = False
        return self.client.stop()

    # -- connection events (reactor thread) --------------------------------------------------

    def connected(self) -> None:
        """Subscribe, say ``online``, publish discovery and every state."""
        self.online = True
        self.connects += 1
        self._announced.clear()  # a restarted broker may have lost the retained configs
        _log.info("MQTT: connected; publishing discovery under {prefix}",
                  prefix=self.topics.prefix)
        self.client.subscribe(self.topics.commands)
        self.client.subscribe(self.topics.ha_status)
        self.client.publish(self.topics.availability, "online", retain=True)
        self.publish_all()

    def disconnected(self, why: str) -> None:
        """Lost the broker; the client reconnects."""
        self.online = False
        _log.warn("MQTT: disconnected ({why})", why=why)

    def message(self, topic: str, payload: bytes) -> None:
        """HA's birth message or a command. Nothing here may raise into the client."""
        try:
            if topic == self.topics.ha_status:
                if payload.strip() == b"online":
                    _log.info("MQTT: Home Assistant is online; publishing discovery again")
                    self._announced.clear()
                    self.publish_all()
                return
            self._command(topic, payload)
        except Exception:
            _log.failure("MQTT: message on {topic} not handled", topic=topic)

    # -- commands ----------------------------------------------------------------------------

    def _command(self, topic: str, payload: bytes) -> None:
        parts = topic[len(self.topics.root) + 1:].split("/")
        if len(parts) != 4 or parts[0] != "zone" or parts[3] != "set":
            _log.warn("MQTT: ignored a message on {topic}", topic=topic)
            return
        zone_id = next((z for z in self.zones.book.zones if slug(z) == parts[1]), None)
        if zone_id is None:
            self.commands_refused += 1
            _log.warn("MQTT: command for an unknown zone on {topic}", topic=topic)
            return
        now = datetime.fromtimestamp(self._clock.seconds(), UTC)
        d = Deferred.fromCoroutine(apply_command(self.zones.book, self.zones.deciders, zone_id,
                                                 parts[2], payload, now=now))
        d.addCallbacks(self._applied, self._refused, callbackArgs=(zone_id,),
                       errbackArgs=(zone_id, parts[2], payload))

    def _applied(self, done: str, zone_id: str) -> None:
        self.commands_applied += 1
        _log.info("MQTT: zone {zone}: {done} (from Home Assistant)", zone=zone_id, done=done)
        self._publish_zone(zone_id)

    def _refused(self, failure: Failure, zone_id: str, what: str, payload: bytes) -> None:
        self.commands_refused += 1
        if failure.check(CommandError):
            _log.warn("MQTT: zone {zone}: {what} command {payload!r} ignored: {why}",
                      zone=zone_id, what=what, payload=payload[:40],
                      why=str(failure.value))
        else:
            _log.failure("MQTT: zone {zone}: {what} command failed", failure, zone=zone_id,
                         what=what)
        self._publish_zone(zone_id)  # HA shows the state as it really is

    # -- publishing --------------------------------------------------------------------------

    def _config(self, component: str, object_id: str, payload: dict[str, Any]) -> None:
        topic = self.topics.config(component, object_id)
        self._announced.add(topic)
        self.client.publish(topic, dumps(payload), retain=True)

    def publish_all(self) -> None:
        """Every discovery config, then every state."""
        if not self.online:
            return
        self._config("binary_sensor", "alarms", alarms_config(self.topics, self.engine))
        for zone_id in sorted(self.zones.book.zones):
            self._publish_zone(zone_id)
        for sensor in sorted(self.zones.sensors.values(), key=lambda s: s.id):
            self._publish_sensor(sensor.id, sensor.value, self._sensor_kinds.get(sensor.id))
        for entry in self.relays.entries() if self.relays is not None else []:
            self._publish_output(entry.id, entry.info.state)
        self._publish_alarms()

    def _preset(self, zone_id: str) -> str | None:
        at = datetime.fromtimestamp(self._clock.seconds(), UTC)
        try:
            plan = self.zones.book.plan(zone_id, at, at + timedelta(seconds=1))
        except Exception:
            return None
        return plan[0].rule.target.preset if plan else None

    def _publish_zone(self, zone_id: str, state: dict[str, Any] | None = None) -> None:
        if not self.online:
            return
        zone = self.zones.book.zones.get(zone_id)
        if zone is None:
            return
        topic = self.topics.config("climate", f"zone_{slug(zone_id)}")
        if topic not in self._announced:
            self._config("climate", f"zone_{slug(zone_id)}",
                         climate_config(self.topics, self.engine, zone))
        state = state if state is not None else self.zones.state_json(zone_id)
        self.client.publish(self.topics.zone_state(zone_id),
                            dumps(zone_state(state, self._preset(zone_id))), retain=True)

    def _zone_changed(self, zone_id: str) -> None:
        """A zone's settings changed (its config is sent again: name, presets, limits) or it
        was deleted (its entity is removed from HA with an empty retained config)."""
        if not self.online:
            return
        topic = self.topics.config("climate", f"zone_{slug(zone_id)}")
        if zone_id in self.zones.book.zones:
            self._announced.discard(topic)
            self._publish_zone(zone_id)
        else:
            self._forget(topic, self.topics.zone_state(zone_id))

    def _forget(self, config_topic: str, state_topic: str) -> None:
        self._announced.discard(config_topic)
        self.client.publish(config_topic, "", retain=True)
        self.client.publish(state_topic, "", retain=True)

    def _publish_sensor(self, sensor_id: str, value: float | None, kind: str | None) -> None:
        if not self.online:
            return
        object_id = f"sensor_{slug(sensor_id)}"
        if self.topics.config("sensor", object_id) not in self._announced:
            known = self.zones.sensors.get(sensor_id)
            name = known.label if known is not None else sensor_id
            self._config("sensor", object_id,
                         sensor_config(self.topics, self.engine, sensor_id, name, kind))
        self.client.publish(self.topics.sensor_state(sensor_id), dumps({"value": value}),
                            retain=True)

    def _publish_output(self, output_id: str, on: bool) -> None:
        if not self.online:
            return
        object_id = f"output_{slug(output_id)}"
        if self.topics.config("binary_sensor", object_id) not in self._announced:
            self._config("binary_sensor", object_id,
                         output_config(self.topics, self.engine, output_id, output_id))
        self.client.publish(self.topics.output_state(output_id), "ON" if on else "OFF",
                            retain=True)

    def _publish_alarms(self) -> None:
        if not self.online:
            return
        active = self.alarms.to_json()["active"]
        self.client.publish(self.topics.alarms_state,
                            dumps({"active": len(active), "alarms": active}), retain=True)

    # -- the bus -----------------------------------------------------------------------------

    def _on_bus(self, message: Message) -> None:
        """A change on the engine's bus; never raises into the bus."""
        if not self.online:
            return
        try:
            self._follow(message.topic, message.data)
        except Exception:
            _log.failure("MQTT: bus update {topic} not published", topic=message.topic)

    def _follow(self, topic: str, data: dict[str, Any]) -> None:
        parts = topic.split(".")
        if parts[0] == "zone" and len(parts) == 3 and parts[2] == "state":
            zone_id = unescape_segment(parts[1])
            if data.get("zone") is not None:
                self._publish_zone(zone_id, data)
        elif parts[0] == "sensor" and len(parts) == 3:
            if data.get("id") is not None:
                self._sensor_kinds[data["id"]] = data.get("type")
                self._publish_sensor(data["id"], data.get("value"), data.get("type"))
            else:  # forgotten through DELETE /v1/sensors/<id>
                sensor_id = f"{unescape_segment(parts[1])}:{unescape_segment(parts[2])}"
                self._forget(self.topics.config("sensor", f"sensor_{slug(sensor_id)}"),
                             self.topics.sensor_state(sensor_id))
        elif parts[0] == "relay" and len(parts) == 3:
            if data.get("state") in ("on", "off"):
                output_id = f"{unescape_segment(parts[1])}:{unescape_segment(parts[2])}"
                self._publish_output(output_id, data["state"] == "on")
        elif topic.startswith("engine.alarm."):
            self._publish_alarms()
