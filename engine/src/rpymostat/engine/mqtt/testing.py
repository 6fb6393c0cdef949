"""An in-memory :class:`~rpymostat.engine.mqtt.client.MqttClient` for unit tests: records what
is published and subscribed, and lets a test connect, drop and deliver messages by hand."""

import re
from dataclasses import dataclass, field
from typing import Any

from twisted.internet.defer import Deferred, succeed

from .client import MqttHandlers


@dataclass
class Published:
    """One message the bridge sent."""

    topic: str
    payload: str
    retain: bool


@dataclass
class FakeMqttClient:
    """Broker and connection in one: nothing leaves the process."""

    published: list[Published] = field(default_factory=list)
    subscriptions: list[str] = field(default_factory=list)
    retained: dict[str, str] = field(default_factory=dict)
    handlers: MqttHandlers | None = None
    online: bool = False
    stopped: bool = False

    def start(self, handlers: MqttHandlers) -> None:
        """Remember the handlers; :meth:`connect` plays the broker's CONNACK."""
        self.handlers = handlers

    def connect(self) -> None:
        """The broker accepted us."""
        assert self.handlers is not None
        self.online = True
        self.subscriptions.clear()
        self.handlers.connected()

    def drop(self, why: str = "connection lost") -> None:
        """The connection broke."""
        assert self.handlers is not None
        self.online = False
        self.handlers.disconnected(why)

    def publish(self, topic: str, payload: str, retain: bool = False) -> None:
        """Record (dropped when offline, as the real client's QoS 1 queue would be lost)."""
        if not self.online:
            return
        self.published.append(Published(topic, payload, retain))
        if retain:
            if payload:
                self.retained[topic] = payload
            else:
                self.retained.pop(topic, None)

    def subscribe(self, topic: str) -> None:
        """Record."""
        self.subscriptions.append(topic)

    def deliver(self, topic: str, payload: bytes | str) -> None:
        """A message from the broker (only if subscribed, as a broker would)."""
        assert self.handlers is not None
        if any(_mqtt_matches(sub, topic) for sub in self.subscriptions):
            self.handlers.message(topic, payload.encode() if isinstance(payload, str)
                                  else payload)

    def stop(self) -> Deferred[None]:
        """Disconnect."""
        self.online = False
        self.stopped = True
        return succeed(None)

    def last(self, topic: str) -> str | None:
        """The latest payload sent to ``topic``."""
        for p in reversed(self.published):
            if p.topic == topic:
                return p.payload
        return None


def _mqtt_matches(pattern: str, topic: str) -> bool:
    """MQTT filter matching with ``+`` and ``#``."""
    pat, top = pattern.split("/"), topic.split("/")
    for i, part in enumerate(pat):
        if part == "#":
            return True
        if i >= len(top) or (part != "+" and part != top[i]):
            return False
    return len(pat) == len(top)


# -- Home Assistant's discovery schema, as far as these payloads use it ---------------------
# Written from home-assistant/core homeassistant/components/mqtt/climate.py (commit 0051a2cd:
# _PLATFORM_SCHEMA_BASE, valid_preset_mode_configuration, precision in PRECISION_TENTHS/
# HALVES/WHOLE, modes of HVACMode) and mqtt/schemas.py (commit 0f5c1b54:
# MQTT_ENTITY_DEVICE_INFO_SCHEMA needs an identifier or a connection, MQTT_ORIGIN_INFO_SCHEMA
# needs a name, availability entries need a topic), plus the 2026 change: ``object_id`` is
# ignored (it became ``default_entity_id``, mqtt/const.py CONF_DEFAULT_ENTITY_ID), so a payload
# that relies on it is refused here. Unknown keys are refused too (HA drops them silently,
# which hides typos).

HVAC_MODES = {"off", "heat", "cool", "heat_cool", "auto", "dry", "fan_only"}
HVAC_ACTIONS = {"off", "heating", "cooling", "drying", "idle", "fan", "preheating",
                "defrosting"}
_COMMON = {"name", "unique_id", "availability", "availability_mode", "device", "origin", "qos",
           "default_entity_id", "json_attributes_topic", "json_attributes_template",
           "entity_category", "icon", "enabled_by_default", "encoding"}
_CLIMATE = _COMMON | {
    "modes", "mode_state_topic", "mode_state_template", "mode_command_topic",
    "current_temperature_topic", "current_temperature_template", "temperature_state_topic",
    "temperature_state_template", "temperature_command_topic", "action_topic",
    "action_template", "preset_modes", "preset_mode_state_topic", "preset_mode_value_template",
    "preset_mode_command_topic", "min_temp", "max_temp", "temp_step", "precision",
    "temperature_unit", "optimistic", "retain"}
_SENSOR = _COMMON | {"state_topic", "value_template", "device_class", "unit_of_measurement",
                     "state_class", "suggested_display_precision", "expire_after"}
_BINARY = _COMMON | {"state_topic", "value_template", "device_class", "payload_on",
                     "payload_off", "expire_after"}
ALLOWED = {"climate": _CLIMATE, "sensor": _SENSOR, "binary_sensor": _BINARY}
SENSOR_STATE_CLASSES = {"measurement", "total", "total_increasing", "measurement_angle"}
TEMPERATURE_UNITS = {"°C", "°F", "K"}
BINARY_CLASSES = {"problem", "running", "heat", "cold", "power", "connectivity"}


def _topic(value: Any, key: str, publish: bool) -> None:
    if not isinstance(value, str) or not value or "\0" in value or len(value.encode()) > 65535:
        raise AssertionError(f"{key}: not a valid MQTT topic: {value!r}")
    if publish and ("+" in value or "#" in value):
        raise AssertionError(f"{key}: a publish topic must not hold wildcards: {value!r}")


def check_discovery(component: str, payload: dict[str, Any]) -> None:
    """Raise AssertionError naming what Home Assistant (2025 or 2026) would refuse or
    ignore in a discovery ``payload`` of ``component``."""
    if component not in ALLOWED:
        raise AssertionError(f"component {component!r} not checked here")
    unknown = set(payload) - ALLOWED[component]
    if "object_id" in unknown:
        raise AssertionError("object_id is ignored by Home Assistant 2026.x;"
                             " use default_entity_id")
    if unknown:
        raise AssertionError(f"keys {sorted(unknown)} are not in HA's {component} schema")
    if not isinstance(payload.get("unique_id"), str) or not payload["unique_id"]:
        raise AssertionError("unique_id is needed to be one device's entity")
    if payload.get("name") is not None and not isinstance(payload["name"], str):
        raise AssertionError("name must be a string or null")
    _check_device(payload)
    if payload.get("qos", 0) not in (0, 1, 2):
        raise AssertionError("qos must be 0, 1 or 2")
    entity = payload.get("default_entity_id")
    if entity is not None and (not isinstance(entity, str)
                               or not re.fullmatch(rf"{component}\.[a-z0-9_]+", entity)):
        raise AssertionError(f"default_entity_id must be {component}.<lowercase slug>")
    for key, value in payload.items():
        if key.endswith("_topic"):
            _topic(value, key, publish=key.endswith("command_topic"))
        elif key.endswith("_template") and not isinstance(value, str):
            raise AssertionError(f"{key} must be a template string")
    {"climate": _check_climate, "sensor": _check_sensor,
     "binary_sensor": _check_binary}[component](payload)


def _check_device(payload: dict[str, Any]) -> None:
    device = payload.get("device")
    if not isinstance(device, dict) or not (device.get("identifiers")
                                            or device.get("connections")):
        raise AssertionError("device must have at least one identifier or connection")
    if not all(isinstance(i, str) for i in device.get("identifiers", [])):
        raise AssertionError("device identifiers must be strings")
    origin = payload.get("origin")
    if origin is not None and not isinstance(origin.get("name"), str):
        raise AssertionError("origin needs a name")
    for entry in payload.get("availability", []):
        _topic(entry.get("topic"), "availability.topic", publish=False)


def _check_climate(p: dict[str, Any]) -> None:
    if not set(p.get("modes", [])) <= HVAC_MODES:
        raise AssertionError(f"modes must come from {sorted(HVAC_MODES)}")
    presets = p.get("preset_modes", [])
    if "none" in presets:
        raise AssertionError("preset_modes must not include preset mode 'none'")
    if bool(presets) != ("preset_mode_command_topic" in p):
        raise AssertionError("preset_modes and preset_mode_command_topic go together")
    if p.get("precision", 0.1) not in (0.1, 0.5, 1.0):
        raise AssertionError("precision must be 0.1, 0.5 or 1.0")
    low, high = float(p.get("min_temp", 7)), float(p.get("max_temp", 35))
    if low >= high:
        raise AssertionError("min_temp must be below max_temp")
    if float(p.get("temp_step", 1.0)) <= 0:
        raise AssertionError("temp_step must be positive")
    if p.get("temperature_unit", "C") not in ("C", "F"):
        raise AssertionError("temperature_unit must be C or F")


def _check_sensor(p: dict[str, Any]) -> None:
    if p.get("state_class") is not None and p["state_class"] not in SENSOR_STATE_CLASSES:
        raise AssertionError(f"state_class must come from {sorted(SENSOR_STATE_CLASSES)}")
    if p.get("device_class") == "temperature" and \
            p.get("unit_of_measurement") not in TEMPERATURE_UNITS:
        raise AssertionError("a temperature sensor needs °C, °F or K")


def _check_binary(p: dict[str, Any]) -> None:
    if p.get("device_class") is not None and p["device_class"] not in BINARY_CLASSES:
        raise AssertionError(f"device_class {p['device_class']!r} not expected here")
