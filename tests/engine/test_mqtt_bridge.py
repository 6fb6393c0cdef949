"""The MQTT bridge against the in-memory client and a ZoneEngine on a task.Clock: discovery
payloads pass Home Assistant's schema, states follow the bus, HA's commands take the REST
API's code paths, bad payloads are ignored, reconnects and HA's birth message re-publish."""

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rpymostat.engine.mqtt.bridge import MqttBridge
from rpymostat.engine.mqtt.config import MQTT_SETTINGS, mqtt_config, parse_mqtt_url
from rpymostat.engine.mqtt.discovery import Engine, Topics, slug
from rpymostat.engine.mqtt.testing import HVAC_ACTIONS, FakeMqttClient, check_discovery
from rpymostat.shared.envconfig import load

from ..helpers import ZoneEngine

PREFIX = "hatest"


def bridge_on(engine: ZoneEngine) -> tuple[MqttBridge, FakeMqttClient]:
    """A started, connected bridge over ``engine``."""
    client = FakeMqttClient()
    bridge = MqttBridge(engine.clock, client, Topics.of(PREFIX, "rpymostat", "inst-1"),
                        engine=Engine("inst-1", "Test engine", "0.1.0"),
                        listen=lambda cb: engine.bus.subscribe("", cb), zones=engine.zones,
                        relays=engine.relays, alarms=engine.alarms)
    bridge.startService()
    client.connect()
    return bridge, client


def configs(client: FakeMqttClient) -> dict[str, dict[str, Any]]:
    """Retained discovery configs by topic."""
    return {t: json.loads(p) for t, p in client.retained.items()
            if t.startswith(PREFIX + "/") and t.endswith("/config")}


def zone_state(client: FakeMqttClient, bridge: MqttBridge, zone: str = "house"
               ) -> dict[str, Any]:
    raw = client.last(bridge.topics.zone_state(zone))
    assert raw is not None
    return json.loads(raw)  # type: ignore[no-any-return]


def send_reading(engine: ZoneEngine, value: float) -> None:
    code, body = engine.request("PUT", "/v1/sensors/update", {
        "host_id": "th", "sensors": {"s1": {"type": "temperature", "value": value,
                                            "alias": "Living room"}}})
    assert code == 201, body
    engine.clock.advance(0)


def test_discovery_payloads_pass_home_assistants_schema() -> None:
    """On connect, the zone (climate), the alarms (binary_sensor), every sensor (sensor)
    and output (binary_sensor) are announced, retained, under the prefix, all valid for HA
    2025/2026, all on one device, none with object_id or a 'none' preset."""
    engine = ZoneEngine()
    send_reading(engine, 19.0)
    code, _ = engine.request("POST", "/v1/relays/register", {
        "host_id": "h1", "boot": "b1", "version": "1", "port": 8081, "watchdog_s": 20,
        "relays": [{"id": "heat", "function": "heat", "state": "off", "safe_state": "off"}]})
    assert code == 201
    bridge, client = bridge_on(engine)
    found = configs(client)
    components = sorted(t.split("/")[1] for t in found)
    assert components == ["binary_sensor", "binary_sensor", "climate", "sensor"]
    for topic, payload in found.items():
        check_discovery(topic.split("/")[1], payload)
        assert payload["device"]["identifiers"] == ["rpymostat_inst-1"]
        assert "object_id" not in payload
    climate = next(p for t, p in found.items() if "/climate/" in t)
    assert "none" not in climate["preset_modes"]
    assert climate["modes"] == ["off", "heat", "cool", "heat_cool"]
    assert client.retained[bridge.topics.availability] == "online"
    assert set(client.subscriptions) == {bridge.topics.commands, f"{PREFIX}/status"}


def test_schema_check_refuses_what_home_assistant_would() -> None:
    """The schema check is not a rubber stamp: object_id, a 'none' preset, a wildcard in a
    command topic and a device without identifiers are each refused."""
    engine = ZoneEngine()
    _, client = bridge_on(engine)
    climate = next(p for t, p in configs(client).items() if "/climate/" in t)
    for bad in ({"object_id": "x"}, {"preset_modes": ["home", "none"]},
                {"mode_command_topic": "a/+/set"}, {"device": {"name": "x"}},
                {"precision": 0.2}, {"modes": ["warm"]}):
        with pytest.raises(AssertionError):
            check_discovery("climate", {**climate, **bad})


def test_state_follows_readings_and_decisions() -> None:
    """A reading goes out as the sensor's state and the zone's current temperature; the
    decision's target and action (a valid HA action) follow."""
    engine = ZoneEngine()
    bridge, client = bridge_on(engine)
    send_reading(engine, 16.0)
    state = zone_state(client, bridge)
    assert state["temperature"] == 16.0
    assert state["target"] == 20.0  # the home preset
    assert state["preset"] == "home"
    assert state["mode"] == "heat"
    assert state["action"] in HVAC_ACTIONS
    assert json.loads(client.last(bridge.topics.sensor_state("th:s1")) or "{}") == {
        "value": 16.0}


def test_target_command_takes_the_adjustment_path() -> None:
    """A target from HA becomes the zone's adjustment, exactly as POST .../adjustments."""
    engine = ZoneEngine()
    bridge, client = bridge_on(engine)
    client.deliver(bridge.topics.zone_command("house", "target"), "22.5")
    engine.clock.advance(0)
    code, body = engine.request("GET", "/v1/zones/house/adjustments")
    assert code == 200
    assert body["adjustment"]["target"] == 22.5
    assert zone_state(client, bridge)["target"] == 22.5
    assert bridge.commands_applied == 1


def test_mode_and_preset_commands() -> None:
    """heat_cool sets the engine's auto mode (PATCH's path); a preset sets an adjustment to
    the preset; 'none' clears it."""
    engine = ZoneEngine()
    bridge, client = bridge_on(engine)
    client.deliver(bridge.topics.zone_command("house", "mode"), "heat_cool")
    client.deliver(bridge.topics.zone_command("house", "preset"), "eco")
    engine.clock.advance(0)
    assert engine.request("GET", "/v1/zones/house")[1]["mode"] == "auto"
    assert engine.request("GET", "/v1/zones/house/adjustments")[1]["adjustment"][
        "target"] == "eco"
    assert zone_state(client, bridge)["preset"] == "eco"
    client.deliver(bridge.topics.zone_command("house", "preset"), "none")
    engine.clock.advance(0)
    assert engine.request("GET", "/v1/zones/house/adjustments")[1]["adjustment"] is None
    assert zone_state(client, bridge)["preset"] == "home"


@pytest.mark.parametrize(("what", "payload"), [
    ("target", "warm"), ("target", "nan"), ("target", "99"), ("target", "1e400"),
    ("mode", "dry"), ("preset", "party"), ("target", b"\xff\xfe"), ("nonsense", "1"),
    ("target", "2" * 100)])
def test_invalid_commands_are_ignored(what: str, payload: str | bytes) -> None:
    """What the REST API would refuse (a word as target, a target beyond the safety limits,
    an unknown mode or preset, bytes that are not UTF-8) changes nothing and the bridge
    stays up."""
    engine = ZoneEngine()
    bridge, client = bridge_on(engine)
    before = engine.request("GET", "/v1/zones/house")[1]
    client.deliver(bridge.topics.zone_command("house", what), payload)
    engine.clock.advance(0)
    after = engine.request("GET", "/v1/zones/house")[1]
    assert after["mode"] == before["mode"]
    assert engine.request("GET", "/v1/zones/house/adjustments")[1]["adjustment"] is None
    assert bridge.commands_refused == 1
    assert bridge.online


@settings(max_examples=60, deadline=None)
@given(what=st.sampled_from(["target", "mode", "preset"]), payload=st.binary(max_size=80))
def test_any_payload_never_crashes_the_bridge(what: str, payload: bytes) -> None:
    """Whatever bytes arrive, the bridge answers by applying or refusing, never raising."""
    engine = ZoneEngine()
    bridge, client = bridge_on(engine)
    client.deliver(bridge.topics.zone_command("house", what), payload)
    engine.clock.advance(0)
    assert bridge.commands_applied + bridge.commands_refused == 1


def test_unknown_zone_and_foreign_topics_are_ignored() -> None:
    """A command for a zone that does not exist is counted as refused."""
    engine = ZoneEngine()
    bridge, client = bridge_on(engine)
    client.deliver(bridge.topics.zone_command("attic", "target"), "20")
    assert bridge.commands_refused == 1


def test_reconnect_and_birth_message_republish_discovery() -> None:
    """After a lost connection nothing is sent; on reconnect, and when HA says online on
    <prefix>/status, every config is published again."""
    engine = ZoneEngine()
    bridge, client = bridge_on(engine)
    climate_topic = bridge.topics.config("climate", "zone_house")
    assert client.last(climate_topic) is not None
    client.drop()
    assert not bridge.online
    client.published.clear()
    send_reading(engine, 18.0)
    assert client.published == []
    client.connect()
    assert client.last(climate_topic) is not None
    assert zone_state(client, bridge)["temperature"] == 18.0
    client.published.clear()
    client.deliver(f"{PREFIX}/status", "online")
    assert client.last(climate_topic) is not None
    client.published.clear()
    client.deliver(f"{PREFIX}/status", "offline")
    assert client.published == []


def test_alarms_and_outputs_follow_the_bus() -> None:
    """An alarm raised shows as the problem sensor ON with the list; cleared, OFF. A relay
    update on the bus sets the output's binary sensor."""
    engine = ZoneEngine()
    bridge, client = bridge_on(engine)
    engine.alarms.raise_("relay-mismatch", "h1:heat", "the heater does not follow")
    state = json.loads(client.last(bridge.topics.alarms_state) or "{}")
    assert state["active"] == 1
    assert state["alarms"][0]["kind"] == "relay-mismatch"
    engine.alarms.clear("relay-mismatch", "h1:heat")
    assert json.loads(client.last(bridge.topics.alarms_state) or "{}")["active"] == 0
    engine.bus.publish("relay.h1.heat", {"id": "heat", "state": "on"})
    assert client.last(bridge.topics.output_state("h1:heat")) == "ON"


def test_stop_says_offline() -> None:
    """Stopping the service publishes offline on the availability topic (retained)."""
    engine = ZoneEngine()
    bridge, client = bridge_on(engine)
    bridge.stopService()
    assert client.retained[bridge.topics.availability] == "offline"
    assert client.stopped


def test_url_parsing() -> None:
    """mqtt:// and mqtts:// URLs with credentials parse; anything else is refused; the
    bridge is off unless the URL is set."""
    assert parse_mqtt_url("mqtt://u:p%40ss@broker:1884") == {
        "host": "broker", "port": 1884, "tls": False, "username": "u", "password": "p@ss"}
    assert parse_mqtt_url("mqtts://broker")["port"] == 8883
    for bad in ("http://x", "mqtt://", "mqtt://h:99999", "mqtt://h:0", "mqtt://h/path"):
        with pytest.raises(ValueError):
            parse_mqtt_url(bad)
    assert mqtt_config(load(MQTT_SETTINGS, {})) is None
    cfg = mqtt_config(load(MQTT_SETTINGS, {"RPYMOSTAT_MQTT_URL": "mqtt://u:pw@h",
                                           "RPYMOSTAT_MQTT_DISCOVERY_PREFIX": "ha2"}))
    assert cfg is not None and cfg.discovery_prefix == "ha2" and "pw" not in cfg.redacted()


@given(st.text(min_size=1, max_size=40))
def test_slugs_are_topic_safe(ident: str) -> None:
    """Every id becomes one topic level of [A-Za-z0-9_-]."""
    s = slug(ident)
    assert s and all(c.isascii() and (c.isalnum() or c in "_-") for c in s)


def test_zone_changes_and_deletions_reach_home_assistant() -> None:
    """A new zone is announced; a zone's new presets are announced again; a deleted zone and a
    forgotten sensor are removed from HA (empty retained config)."""
    engine = ZoneEngine()
    bridge, client = bridge_on(engine)
    code, _ = engine.request("POST", "/v1/zones", {"id": "attic", "name": "Attic"})
    assert code == 201
    engine.clock.advance(0)
    attic = bridge.topics.config("climate", "zone_attic")
    assert json.loads(client.retained[attic])["name"] == "Attic"
    code, _ = engine.request("PATCH", "/v1/zones/attic", {"name": "Loft"})
    assert code == 200
    assert json.loads(client.retained[attic])["name"] == "Loft"
    code, _ = engine.request("DELETE", "/v1/zones/attic")
    assert code == 200
    assert attic not in client.retained and client.last(attic) == ""
    send_reading(engine, 20.0)
    sensor = next(t for t in client.retained if "/sensor/" in t)
    code, _ = engine.request("DELETE", "/v1/sensors/th:s1")
    assert code == 200
    assert sensor not in client.retained


@given(st.text(max_size=80))
def test_url_parser_only_accepts_or_explains(text: str) -> None:
    """Any text is either a broker (host set, port 1..65535) or a ValueError, nothing else."""
    try:
        parsed = parse_mqtt_url(text)
    except ValueError:
        return
    assert parsed["host"] and 1 <= parsed["port"] <= 65535
