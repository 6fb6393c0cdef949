"""Issue 17 with real processes: an engine, a relay agent with a dummy heat output and a
sensor agent reading a simulated thermometer (see test_zones.py).

- 40.5 °C in a zone whose upper limit is 35 °C raises ``zone-over-temperature`` in
  ``GET /v1/alarms`` and on the bus (the status tree); it clears at 21 °C. 5 °C raises
  ``zone-frost``, which clears when warm again.
- A manual hold: the heat output switched off by hand while the zone wants heat; the decision
  says "heater ... held off by hand until HH:MM" (state ``manual-hold``, heat false) and
  ``POST /v1/relays/<id>/resume`` gives the output back: the zone switches it on at once.
"""

from pathlib import Path
from typing import Any

from .processes import Daemon, free_port, wait_for
from .test_zones import RELAY_HOST, Thermometer, heat, latest, relay_agent, sensor_agent

HEAT = f"{RELAY_HOST}:heat"


def active(engine: Daemon) -> list[str]:
    return [a["id"] for a in engine.request("GET", "/v1/alarms")[1]["active"]]


def alarm_node(engine: Daemon, kind: str) -> Any:
    tree = engine.request("GET", "/v1/bus/snapshot?mask=engine.alarm")[1]["tree"]
    return tree.get("engine", {}).get("alarm", {}).get(kind, {}).get("house")


def test_limit_alarms_and_the_manual_hold_reason(tmp_path: Path, engine_factory) -> None:
    """The alarms reach the API and the bus and clear; the held decision tells the truth and
    resume ends the hold."""
    thermometer = Thermometer(tmp_path / "sim")
    thermometer.set(21.0)
    engine_port = free_port()
    engine = engine_factory(engine_port, RPYMOSTAT_DECISION_INTERVAL="1",
                            RPYMOSTAT_STALE_AFTER="10", RPYMOSTAT_MANUAL_HOLD="600").start()
    relays = relay_agent(tmp_path, engine_port).start()
    sensors = sensor_agent(tmp_path, engine_port, thermometer.url).start()
    try:
        wait_for(lambda: heat(engine).get("reachable"), 10, "the relay agent's registration")
        code, body = engine.request("PATCH", "/v1/zones/house", {
            "default_target": 20.0, "decider_params": {"min_on_s": 1, "min_off_s": 1}})
        assert code == 200, body
        wait_for(lambda: latest(engine).get("temperature") == 21.0, 10, "the first reading")
        assert active(engine) == []

        thermometer.set(40.5)
        wait_for(lambda: "zone-over-temperature:house" in active(engine), 10, "the alarm")
        node = wait_for(lambda: alarm_node(engine, "zone-over-temperature"), 5, "bus alarm")
        assert node["active"] is True and "40.5 °C > 35" in node["message"], node
        thermometer.set(21.0)
        wait_for(lambda: active(engine) == [], 10, "the alarm cleared")
        assert alarm_node(engine, "zone-over-temperature") is None
        cleared = engine.request("GET", "/v1/alarms")[1]["cleared"]
        assert cleared[0]["id"] == "zone-over-temperature:house" and cleared[0]["cleared_at"]

        thermometer.set(5.0)
        wait_for(lambda: "zone-frost:house" in active(engine), 10, "the frost alarm")
        wait_for(lambda: heat(engine).get("reported") == "on", 10, "frost heating")
        thermometer.set(19.0)  # below the 20 °C target: the zone wants heat
        wait_for(lambda: active(engine) == [], 10, "the frost alarm cleared")

        code, body = engine.request("PUT", f"/v1/relays/{HEAT}", {"state": "off"})
        assert code == 200 and body["commanded_by"] == "manual", body
        def holding() -> dict[str, Any] | None:  # (past the decider's 1 s minimum off time)
            d = latest(engine)
            return d if d.get("state") == "manual-hold" and d["decided"]["heat"] else None

        held = wait_for(holding, 10, "a decision during the hold that wants heat")
        assert held["reason"].startswith(f"heater {HEAT} held off by hand until"), held
        assert "the zone would switch it on" in held["reason"], held["reason"]
        assert held["heat"] is False and held["decided"]["heat"] is True, held
        assert heat(engine)["reported"] == "off"

        code, body = engine.request("POST", f"/v1/relays/{HEAT}/resume")
        assert code == 200 and body["resumed"] is True, body
        wait_for(lambda: heat(engine).get("reported") == "on", 5, "the zone's heat again")
        assert heat(engine)["commanded_by"] == "zone:house"
        assert latest(engine)["state"] == "heating"
    finally:
        for daemon in (sensors, relays):
            if daemon.proc is not None and daemon.alive():
                daemon.stop()
        thermometer.stop()
