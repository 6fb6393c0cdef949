"""Home Assistant MQTT discovery payloads and the bridge's topic layout (pure functions).

Entities are configured by retained JSON under ``<prefix>/<component>/<object id>/config``
(HA's MQTT discovery). The payloads keep to what both the 2025 and the 2026 releases accept:
no ``object_id`` (ignored since 2026.x; ``default_entity_id`` suggests the entity id), no
``none`` in ``preset_modes`` (HA adds it itself and refuses a list holding it), ``precision``
one of 0.1 / 0.5 / 1, HVAC modes and actions from HA's own lists. Every entity belongs to one
device per engine and shares its availability topic (the last will says ``offline``).
"""

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from ..zones.model import Zone

# Engine zone mode -> HA HVAC mode. The engine's ``auto`` heats below and cools above the
# target (split by the deadband): HA's ``heat_cool``; HA's ``auto`` means "the device follows
# its own schedule", which every engine mode does.
HA_MODES = {"off": "off", "heat": "heat", "cool": "cool", "auto": "heat_cool"}
ENGINE_MODES = {v: k for k, v in HA_MODES.items()}
PRESET_NONE = "none"
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def slug(ident: str) -> str:
    """An id as one topic level and discovery object id (``[A-Za-z0-9_-]``); ids that had to
    change get a short hash so two ids never share a slug."""
    clean = _UNSAFE.sub("_", ident)
    if clean == ident:
        return ident
    return f"{clean}_{hashlib.blake2s(ident.encode(), digest_size=3).hexdigest()[:6]}"


@dataclass(frozen=True)
class Topics:
    """Where one engine's entities live on the broker."""

    prefix: str  # HA's discovery prefix
    root: str  # <base>/<instance id>
    node: str  # rpymostat_<instance id>: unique ids and object ids start with it

    @classmethod
    def of(cls, prefix: str, base: str, instance_id: str) -> "Topics":
        """Topics of the engine ``instance_id``."""
        iid = slug(instance_id)
        return cls(prefix, f"{base}/{iid}", f"rpymostat_{iid}")

    @property
    def availability(self) -> str:
        """``online`` / ``offline`` (retained; the last will)."""
        return f"{self.root}/availability"

    @property
    def ha_status(self) -> str:
        """HA's birth message topic: ``online`` there means "send discovery again"."""
        return f"{self.prefix}/status"

    def config(self, component: str, object_id: str) -> str:
        """A discovery config topic."""
        return f"{self.prefix}/{component}/{self.node}_{object_id}/config"

    def zone_state(self, zone: str) -> str:
        """The zone's JSON state."""
        return f"{self.root}/zone/{slug(zone)}/state"

    def zone_command(self, zone: str, what: str) -> str:
        """``target``, ``mode`` or ``preset`` commands of a zone."""
        return f"{self.root}/zone/{slug(zone)}/{what}/set"

    @property
    def commands(self) -> str:
        """The filter that subscribes to every zone command."""
        return f"{self.root}/zone/+/+/set"

    def sensor_state(self, sensor: str) -> str:
        """A sensor's JSON state."""
        return f"{self.root}/sensor/{slug(sensor)}/state"

    def output_state(self, output: str) -> str:
        """``ON`` / ``OFF`` of an output."""
        return f"{self.root}/output/{slug(output)}/state"

    @property
    def alarms_state(self) -> str:
        """The active alarms (JSON)."""
        return f"{self.root}/alarms/state"


@dataclass(frozen=True)
class Engine:
    """The device every entity belongs to."""

    instance_id: str
    name: str
    version: str


def _common(topics: Topics, engine: Engine, object_id: str, name: str | None
            ) -> dict[str, Any]:
    return {"name": name, "unique_id": f"{topics.node}_{object_id}",
            "availability": [{"topic": topics.availability}],
            "device": {"identifiers": [topics.node], "name": engine.name,
                       "manufacturer": "RPyMostat", "model": "RPyMostat engine",
                       "sw_version": engine.version},
            "origin": {"name": "RPyMostat", "sw_version": engine.version,
                       "support_url": "https://github.com/jantman/RPyMostat"},
            "qos": 1}


def climate_config(topics: Topics, engine: Engine, zone: Zone) -> dict[str, Any]:
    """A zone as a ``climate`` entity."""
    state = topics.zone_state(zone.id)
    object_id = f"zone_{slug(zone.id)}"
    return {**_common(topics, engine, object_id, zone.name),
            "default_entity_id": f"climate.rpymostat_{slug(zone.id)}".lower(),
            "modes": [HA_MODES[m] for m in ("off", "heat", "cool", "auto")],
            "mode_state_topic": state, "mode_state_template": "{{ value_json.mode }}",
            "mode_command_topic": topics.zone_command(zone.id, "mode"),
            "current_temperature_topic": state,
            "current_temperature_template": "{{ value_json.temperature }}",
            "temperature_state_topic": state,
            "temperature_state_template": "{{ value_json.target }}",
            "temperature_command_topic": topics.zone_command(zone.id, "target"),
            "action_topic": state, "action_template": "{{ value_json.action }}",
            "preset_modes": [p for p in zone.presets if p != PRESET_NONE],
            "preset_mode_state_topic": state,
            "preset_mode_value_template": "{{ value_json.preset }}",
            "preset_mode_command_topic": topics.zone_command(zone.id, "preset"),
            "json_attributes_topic": state,
            "json_attributes_template": "{{ value_json.attributes | tojson }}",
            "min_temp": zone.frost_c, "max_temp": zone.max_c, "temp_step": 0.5,
            "precision": 0.1, "temperature_unit": "C"}


def sensor_config(topics: Topics, engine: Engine, sensor_id: str, name: str,
                  kind: str | None) -> dict[str, Any]:
    """A sensor as a ``sensor`` entity (a temperature one when it reports °C)."""
    config = {**_common(topics, engine, f"sensor_{slug(sensor_id)}", name),
              "state_topic": topics.sensor_state(sensor_id),
              "value_template": "{{ value_json.value }}", "state_class": "measurement"}
    if kind in (None, "temperature"):
        config.update(device_class="temperature", unit_of_measurement="°C",
                      suggested_display_precision=1)
    return config


def output_config(topics: Topics, engine: Engine, output_id: str, name: str
                  ) -> dict[str, Any]:
    """An output (relay) as a ``binary_sensor``: on while it is switched on."""
    return {**_common(topics, engine, f"output_{slug(output_id)}", name),
            "state_topic": topics.output_state(output_id), "payload_on": "ON",
            "payload_off": "OFF", "device_class": "running"}


def alarms_config(topics: Topics, engine: Engine) -> dict[str, Any]:
    """The engine's alarms as one ``problem`` binary sensor; the list in its attributes."""
    return {**_common(topics, engine, "alarms", "Alarms"),
            "state_topic": topics.alarms_state,
            "value_template": "{{ 'ON' if value_json.active else 'OFF' }}",
            "json_attributes_topic": topics.alarms_state, "device_class": "problem",
            "entity_category": "diagnostic"}


def zone_state(state: dict[str, Any], preset: str | None) -> dict[str, Any]:
    """A zone's state message from its live state (``ZoneControl.state_json``)."""
    decision = state.get("decision") or {}
    mode = state.get("mode") or "off"
    if decision.get("heat"):
        action = "heating"
    elif decision.get("cool"):
        action = "cooling"
    elif mode == "off":
        action = "off"
    else:
        action = "idle"
    return {"mode": HA_MODES.get(mode, "off"), "temperature": state.get("temperature"),
            "target": decision.get("target"), "action": action,
            "preset": preset or PRESET_NONE,
            "attributes": {"reason": decision.get("reason"),
                           "safe_mode": decision.get("safe_mode"),
                           "outdoor": state.get("outdoor")}}


def dumps(payload: dict[str, Any]) -> str:
    """Compact JSON."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
