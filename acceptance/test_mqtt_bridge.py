"""The Home Assistant bridge against the real Mosquitto broker: a paho client plays Home
Assistant, checks every discovery payload against HA's schema, sends commands and sees the
engine obey (through its REST API), sends HA's birth message and sees discovery again; a
broker restart mid-run: the bridge comes back and publishes everything again; a killed engine
is marked offline by its last will."""

import json
import shutil
import signal
import subprocess
import uuid
from pathlib import Path

import pytest

from rpymostat.engine.mqtt.testing import HVAC_ACTIONS, check_discovery

from .mqtt_broker import HomeAssistant, OwnBroker, make_tls_files, system_broker
from .processes import Daemon, engine, wait_for


def names() -> tuple[str, str]:
    """A discovery prefix and topic base of this run only (parallel runs never collide)."""
    tag = uuid.uuid4().hex[:10]
    return f"hatest_{tag}", f"rpytest_{tag}"


def start_engine(tmp_path: Path, port: int, prefix: str, base: str) -> Daemon:
    return engine(tmp_path / "data", tmp_path / "engine.log",
                  RPYMOSTAT_MQTT_URL=f"mqtt://127.0.0.1:{port}",
                  RPYMOSTAT_MQTT_DISCOVERY_PREFIX=prefix, RPYMOSTAT_MQTT_BASE=base,
                  RPYMOSTAT_DECISION_INTERVAL="1").start()


def root_of(daemon: Daemon, base: str) -> str:
    code, status = daemon.request("GET", "/v1/status")
    assert code == 200
    return f"{base}/{status['instance_id']}"


def reading(daemon: Daemon, value: float) -> None:
    code, body = daemon.request("PUT", "/v1/sensors/update", {
        "host_id": "living-pi", "sensors": {"t1": {"type": "temperature", "value": value,
                                                   "alias": "Living room"}}})
    assert code == 201, body


def zone_state(ha: HomeAssistant, root: str) -> dict[str, object]:
    raw = ha.get(f"{root}/zone/house/state")
    return json.loads(raw) if raw else {}


def test_home_assistant_sees_and_commands_the_engine(tmp_path: Path) -> None:
    """On the shared broker (127.0.0.1:1883): discovery for the zone, the sensor and the
    alarms arrives retained and passes HA's schema; the zone's state follows a reading; a
    target, a mode and a preset from HA change the zone as the REST API shows; a bad payload
    is ignored; HA's 'online' brings discovery again; a clean stop says offline."""
    port = system_broker()
    prefix, base = names()
    daemon = start_engine(tmp_path, port, prefix, base)
    root = root_of(daemon, base)
    ha = HomeAssistant(port, prefix, root)
    try:
        climate_topic = wait_for(lambda: next((t for t in ha.configs() if "/climate/" in t),
                                              None), 15, "the climate discovery config")
        reading(daemon, 17.5)
        wait_for(lambda: zone_state(ha, root).get("temperature") == 17.5, 15,
                 "the zone's temperature on MQTT")
        wait_for(lambda: len(ha.configs()) >= 3, 10, "sensor and alarm configs")
        for topic, payload in ha.configs().items():
            check_discovery(topic.split("/")[1], json.loads(payload))
        climate = json.loads(ha.configs()[climate_topic])
        assert ha.get(f"{root}/availability") == "online"
        assert zone_state(ha, root)["action"] in HVAC_ACTIONS

        ha.send(climate["temperature_command_topic"], "22.5")
        wait_for(lambda: (daemon.request("GET", "/v1/zones/house/adjustments")[1]
                          ["adjustment"] or {}).get("target") == 22.5, 10,
                 "the adjustment from HA")
        wait_for(lambda: zone_state(ha, root).get("target") == 22.5, 10, "target on MQTT")

        ha.send(climate["mode_command_topic"], "heat_cool")
        wait_for(lambda: daemon.request("GET", "/v1/zones/house")[1]["mode"] == "auto", 10,
                 "mode auto from HA's heat_cool")
        ha.send(climate["preset_mode_command_topic"], "away")
        wait_for(lambda: zone_state(ha, root).get("preset") == "away", 10, "preset away")

        ha.send(climate["temperature_command_topic"], "hot please")
        ha.send(climate["mode_command_topic"], "dry")
        ha.send(climate["temperature_command_topic"], "80")
        wait_for(lambda: "ignored" in daemon.log(), 10, "the bad commands logged")
        assert daemon.request("GET", "/v1/zones/house")[1]["mode"] == "auto"
        assert daemon.request("GET", "/v1/zones/house/adjustments")[1]["adjustment"][
            "target"] == "away"

        before = ha.count(climate_topic)
        ha.send(f"{prefix}/status", "online")
        wait_for(lambda: ha.count(climate_topic) > before, 10, "discovery after HA's birth")
        assert daemon.stop() == 0
        wait_for(lambda: ha.get(f"{root}/availability") == "offline", 10, "offline on stop")
    finally:
        if daemon.alive():
            daemon.stop()
        ha.clean_up()


def test_broker_restart_and_last_will(tmp_path: Path) -> None:
    """With a broker of its own (so the shared one is never restarted): the broker stops
    and starts again with nothing retained; the bridge reconnects with back-off and publishes
    discovery and state again. Then the engine is killed: its last will marks it offline."""
    broker = OwnBroker(tmp_path).start()
    prefix, base = names()
    daemon = start_engine(tmp_path, broker.port, prefix, base)
    root = root_of(daemon, base)
    ha = HomeAssistant(broker.port, prefix, root)
    try:
        wait_for(lambda: any("/climate/" in t for t in ha.configs()), 15, "discovery")
        ha.client.disconnect()
        ha.client.loop_stop()
        broker.stop()
        broker.start()  # same port, empty: no retained messages survive
        ha = HomeAssistant(broker.port, prefix, root)
        wait_for(lambda: any("/climate/" in t for t in ha.configs()), 30,
                 "discovery published again after the broker restart")
        assert ha.get(f"{root}/availability") == "online"
        reading(daemon, 19.25)
        wait_for(lambda: zone_state(ha, root).get("temperature") == 19.25, 15,
                 "state after the restart")
        daemon.stop(signal.SIGKILL)
        wait_for(lambda: ha.get(f"{root}/availability") == "offline", 15,
                 "the last will after SIGKILL")
        assert "MQTT: disconnected" in daemon.log()
    finally:
        if daemon.alive():
            daemon.stop()
        ha.client.disconnect()
        ha.client.loop_stop()
        broker.stop()


def test_mqtts_with_a_ca_and_a_login(tmp_path: Path) -> None:
    """mqtts:// with RPYMOSTAT_MQTT_CA and user:password: the bridge talks TLS to a broker
    whose certificate that CA signed and logs in; with a wrong password the broker refuses,
    the engine says so in its log and keeps serving its API."""
    passwd = shutil.which("mosquitto_passwd")
    if passwd is None:
        pytest.skip("mosquitto_passwd is not installed (apt-get install mosquitto)")
    tls = make_tls_files(tmp_path)
    users = tmp_path / "passwd"
    subprocess.run([passwd, "-b", "-c", str(users), "rpy", "s3cret"], check=True, timeout=10)
    users.chmod(0o600)
    broker = OwnBroker(tmp_path, tls=tls, users=users).start()
    prefix, base = names()
    daemon = engine(tmp_path / "data", tmp_path / "engine.log",
                    RPYMOSTAT_MQTT_URL=f"mqtts://rpy:s3cret@localhost:{broker.port}",
                    RPYMOSTAT_MQTT_CA=str(tls[0]), RPYMOSTAT_MQTT_DISCOVERY_PREFIX=prefix,
                    RPYMOSTAT_MQTT_BASE=base).start()
    wrong = engine(tmp_path / "data2", tmp_path / "engine2.log",
                   RPYMOSTAT_MQTT_URL=f"mqtts://rpy:wrong@localhost:{broker.port}",
                   RPYMOSTAT_MQTT_CA=str(tls[0]), RPYMOSTAT_MQTT_DISCOVERY_PREFIX=prefix,
                   RPYMOSTAT_MQTT_BASE=base).start()
    ha = HomeAssistant(broker.port, prefix, root_of(daemon, base), ca=tls[0],
                       login=("rpy", "s3cret"))
    try:
        wait_for(lambda: any("/climate/" in t for t in ha.configs()), 15,
                 "discovery over TLS with a login")
        wait_for(lambda: "refused the connection: Not authorized" in wrong.log(), 15,
                 "the refused login logged")
        wait_for(lambda: "retrying in" in wrong.log(), 10, "a retry after back-off")
        assert "s3cret" not in daemon.log() and ":wrong@" not in wrong.log()
        assert wrong.request("GET", "/v1/status")[0] == 200
        wrong_node = "rpymostat_" + root_of(wrong, base).split("/")[1]
        mine = "rpymostat_" + root_of(daemon, base).split("/")[1]
        assert any(mine in t for t in ha.configs())
        assert not any(wrong_node in t for t in ha.configs())  # it never got in
    finally:
        daemon.stop()
        wrong.stop()
        ha.client.disconnect()
        ha.client.loop_stop()
        broker.stop()
