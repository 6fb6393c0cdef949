"""The zone decision loop (ZoneControl) end to end through the engine API on a task.Clock:
readings, the interval, stale data and safe mode, the safety limits, weighted averages, sensor
and output assignment, manual holds, schedules and adjustments, publication, storage and
restart, and never heating and cooling together."""

import random
from typing import Any

from rpymostat.engine.zones.control import KEEP_DECISIONS, READING_ROUNDS_PER_S
from rpymostat.shared.bus.message import Message
from rpymostat.shared.clock import iso_seconds

from .helpers import ZoneEngine, result_of

T0 = 1_790_000_000.0  # 800 s into a 1200 s safe-mode duty period
FAST = {"min_on_s": 30, "min_off_s": 30}
HEAT = "h1:heat"
COOL = "h1:cool"
HOLD_REASON = "switched by hand recently (manual hold)"
ALL_DAY = {"days": "daily", "from": "00:00", "to": "24:00"}


# -- helpers ---------------------------------------------------------------------------------

def relay_body(cool: bool = False) -> dict[str, Any]:
    """The registration of agent h1 with a heat output (and a cool one), both off."""
    relays = [{"id": "heat", "function": "heat", "state": "off", "safe_state": "off"}]
    if cool:
        relays.append({"id": "cool", "function": "cool", "state": "off", "safe_state": "off"})
    return {"host_id": "h1", "boot": "agent-boot-1", "version": "1.2", "port": 8081,
            "watchdog_s": 20, "relays": relays}


def register(engine: ZoneEngine, cool: bool = False) -> None:
    if cool:
        engine.agent.states["cool"] = False
    code, body = engine.request("POST", "/v1/relays/register", relay_body(cool))
    assert code == 201, body


def engine_with(*, relay: bool = True, cool: bool = False, fast: bool = True,
                zone: dict[str, Any] | None = None, **kwargs: Any) -> ZoneEngine:
    """A ZoneEngine whose house zone is set up (short decider timers unless ``fast`` is
    False, plus ``zone`` changes) *before* the relay agent registers, so that no decision
    has commanded the outputs yet."""
    engine = ZoneEngine(**kwargs)
    changes = dict(zone or {})
    if fast:
        changes["decider_params"] = FAST
    if changes:
        patch(engine, "house", changes)
    engine.clock.advance(0)
    if relay:
        register(engine, cool)
    return engine


def patch(engine: ZoneEngine, zone: str, changes: dict[str, Any]) -> dict[str, Any]:
    code, body = engine.request("PATCH", f"/v1/zones/{zone}", changes)
    assert code == 200, body
    return body  # type: ignore[no-any-return]


def send(engine: ZoneEngine, *values: tuple[str, float | None], host: str = "th",
         turn: bool = True) -> None:
    """PUT /v1/sensors/update with (sensor id, value) pairs (alias = sensor id); then let
    the reactor turn once (the zones decide) unless ``turn`` is False."""
    sensors = {sid: {"type": "DS18B20", "value": v, "alias": sid} for sid, v in values}
    code, body = engine.request("PUT", "/v1/sensors/update",
                                {"host_id": host, "sensors": sensors})
    assert code == 201, body
    if turn:
        engine.clock.advance(0)


def decisions(engine: ZoneEngine, zone: str = "house", limit: int = 500
              ) -> list[dict[str, Any]]:
    code, body = engine.request("GET", f"/v1/zones/{zone}/decisions?limit={limit}")
    assert code == 200, body
    return body["decisions"]  # type: ignore[no-any-return]


def latest(engine: ZoneEngine, zone: str = "house") -> dict[str, Any]:
    return decisions(engine, zone, 1)[0]


def relay(engine: ZoneEngine, relay_id: str = HEAT) -> dict[str, Any]:
    code, body = engine.request("GET", f"/v1/relays/{relay_id}")
    assert code == 200, body
    return body  # type: ignore[no-any-return]


def sent(engine: ZoneEngine) -> list[tuple[str, bool]]:
    """The commands the fake agent received: (output, on)."""
    return [(c.args[0], c.args[1]) for c in engine.agent.commands]


def zone_state(engine: ZoneEngine, zone: str = "house") -> dict[str, Any]:
    code, body = engine.request("GET", f"/v1/zones/{zone}")
    assert code == 200, body
    return body["state"]  # type: ignore[no-any-return]


def active_alarms(engine: ZoneEngine) -> list[str]:
    code, body = engine.request("GET", "/v1/alarms")
    assert code == 200, body
    return [a["id"] for a in body["active"]]


def restart_zones(engine: ZoneEngine, *, manual_hold: float = 3600.0,
                  stale_after: float = 600.0) -> None:
    """Replace the engine's ZoneControl (and its API) by a new one over the same store, built
    the way ZoneEngine builds it."""
    engine.zones.stopService()
    engine.start_zones(stale_after=stale_after, manual_hold=manual_hold)


def recorder(engine: ZoneEngine, topic: str) -> list[tuple[float, dict[str, Any]]]:
    """(clock time, data) of every message published on ``topic`` from now on."""
    seen: list[tuple[float, dict[str, Any]]] = []

    def keep(message: Message) -> None:
        if message.topic == topic:
            seen.append((engine.clock.seconds(), dict(message.data)))
    engine.bus.subscribe(topic, keep)
    return seen


# -- a reading drives the decision -----------------------------------------------------------

def test_reading_below_target_turns_the_heat_on_at_the_next_turn() -> None:
    """A reading of 18 °C (target: preset home = 20) is decided at the next reactor turn:
    heating, with the hysteresis reason, and the heat output commanded on by zone:house."""
    engine = engine_with(fast=False)
    before = len(decisions(engine))
    assert sent(engine) == []
    send(engine, ("living", 18), turn=False)
    assert len(decisions(engine)) == before  # not within the request
    assert sent(engine) == []
    engine.clock.advance(0)
    d = latest(engine)
    assert d["state"] == "heating" and d["heat"] is True and d["cool"] is False
    assert d["reason"] == "heating: living 18.0 °C < 20.0 − 0.35"
    assert d["target"] == 20.0 and d["heat_setpoint"] == 20.0 and d["cool_setpoint"] is None
    assert d["temperature"] == 18.0 and d["safe_mode"] is False
    assert d["sensors"] == {"fresh": 1, "stale": 0}
    assert d["rule"]["kind"] == "default" and d["mode"] == "heat"
    assert d["commands"] == [{"id": HEAT, "function": "heat", "on": True}]
    assert d["at"] == iso_seconds(T0)
    assert sent(engine) == [("heat", True)]
    code, body = engine.request("GET", "/v1/relays")
    assert code == 200
    [r] = body["relays"]
    assert r["id"] == HEAT and r["commanded"] == "on" and r["commanded_by"] == "zone:house"
    assert r["reported"] == "on" and r["in_sync"] is True
    state = zone_state(engine)
    assert state["temperature"] == 18.0 and state["decision"] == d
    assert state["outputs"] == [{"id": HEAT, "function": "heat", "commanded": True,
                                 "reported": True}]


def test_readings_in_one_turn_make_one_decision() -> None:
    """Several readings before the reactor turns coalesce into one decision of the zone."""
    engine = engine_with()
    before = len(decisions(engine))
    send(engine, ("a", 18), turn=False)
    send(engine, ("b", 18.4), turn=False)
    send(engine, ("a", 18.2), turn=False)
    engine.clock.advance(0)
    got = decisions(engine)
    assert len(got) == before + 1
    assert got[0]["temperature"] == 18.3 and got[0]["sensors"] == {"fresh": 2, "stale": 0}


def test_a_flood_of_readings_is_decided_a_few_times_a_second_and_the_last_one_counts() -> None:
    """Readings arriving turn after turn cause at most READING_ROUNDS_PER_S decision rounds in
    a second; the readings after that wait for the next second and are decided together,
    with the newest value. A reading in a quiet house is decided at once."""
    engine = engine_with()
    engine.clock.advance(5)
    before = len(decisions(engine))
    for i in range(3 * READING_ROUNDS_PER_S):
        send(engine, ("a", 18 + i / 100))  # each send lets the reactor turn
    got = decisions(engine)
    assert len(got) == before + READING_ROUNDS_PER_S
    engine.clock.advance(0.999)
    assert len(decisions(engine)) == before + READING_ROUNDS_PER_S
    engine.clock.advance(0.001)
    got = decisions(engine)
    assert len(got) == before + READING_ROUNDS_PER_S + 1
    assert got[0]["temperature"] == 18 + (3 * READING_ROUNDS_PER_S - 1) / 100
    engine.clock.advance(5)
    send(engine, ("a", 19))
    assert decisions(engine)[0]["temperature"] == 19


def test_above_target_turns_off_only_after_min_on() -> None:
    """Above target + hot tolerance the heat stays on while the minimum on time holds it,
    then goes off."""
    engine = engine_with()  # min_on_s = min_off_s = 30
    send(engine, ("living", 18))
    assert relay(engine)["commanded"] == "on"
    engine.advance(5)
    send(engine, ("living", 21))
    d = latest(engine)
    assert d["heat"] is True and d["state"] == "heating"
    assert d["reason"] == ("heat off: living 21.0 °C ≥ 20.0 + 0.35, but the minimum on time"
                           " holds it 25 s more")
    assert relay(engine)["commanded"] == "on"
    assert sent(engine) == [("heat", True)]
    engine.advance(20)  # 25 s after switching on: still held
    send(engine, ("living", 21))
    assert latest(engine)["heat"] is True
    assert "minimum on time holds it 5 s more" in latest(engine)["reason"]
    engine.advance(6)  # 31 s
    send(engine, ("living", 21))
    d = latest(engine)
    assert d["heat"] is False and d["state"] == "idle"
    assert d["reason"] == "heat off: living 21.0 °C ≥ 20.0 + 0.35"
    assert d["commands"] == [{"id": HEAT, "function": "heat", "on": False}]
    r = relay(engine)
    assert r["commanded"] == "off" and r["commanded_by"] == "zone:house"
    assert sent(engine) == [("heat", True), ("heat", False)]


def test_default_min_on_is_300_s() -> None:
    """With the default decider parameters the heat runs at least 300 s."""
    engine = engine_with(fast=False)
    send(engine, ("living", 18))
    send(engine, ("living", 22))
    assert latest(engine)["heat"] is True
    assert "minimum on time holds it 300 s more" in latest(engine)["reason"]
    engine.advance(299)
    send(engine, ("living", 22))
    assert latest(engine)["heat"] is True
    engine.advance(1)
    send(engine, ("living", 22))
    assert latest(engine)["heat"] is False
    assert relay(engine)["commanded"] == "off"


# -- the interval ----------------------------------------------------------------------------

def test_the_loop_decides_every_interval_without_readings() -> None:
    """Every 60 s every zone is decided again, from the stored sensors; an unchanged verdict
    sends no further command."""
    engine = engine_with()
    send(engine, ("living", 18))
    before = decisions(engine)
    engine.advance(300)
    new = decisions(engine)[:len(decisions(engine)) - len(before)]
    assert [d["at"] for d in reversed(new)] == [iso_seconds(T0 + 60 * k) for k in range(1, 6)]
    assert all(d["state"] == "heating" and d["temperature"] == 18.0 for d in new)
    assert sent(engine) == [("heat", True)]
    assert relay(engine)["commanded"] == "on"


def test_deleting_a_zone_in_safe_mode_clears_its_alarm() -> None:
    """A zone in safe mode with outputs has the alarm zone-safe-mode:<z>; once the zone is
    deleted (its outputs go back to house) that alarm must not stay active for ever."""
    engine = engine_with()
    send(engine, ("living", 21))
    code, _ = engine.request("POST", "/v1/zones", {"id": "bed", "outputs": [HEAT]})
    assert code == 201
    engine.clock.advance(0)
    assert latest(engine, "bed")["safe_mode"] is True
    assert "zone-safe-mode:bed" in active_alarms(engine)
    code, _ = engine.request("DELETE", "/v1/zones/bed")
    assert code == 200
    engine.advance(120)
    assert latest(engine)["commands"][0]["id"] == HEAT  # house has the output again
    assert "zone-safe-mode:bed" not in active_alarms(engine)


def test_every_zone_is_decided_each_interval() -> None:
    """A zone without sensors or outputs is decided too (safe mode, nothing to command)."""
    engine = engine_with(relay=False)
    code, _ = engine.request("POST", "/v1/zones", {"id": "bed"})
    assert code == 201
    engine.clock.advance(0)
    n_house, n_bed = len(decisions(engine)), len(decisions(engine, "bed"))
    engine.advance(120)
    assert len(decisions(engine)) == n_house + 2
    assert len(decisions(engine, "bed")) == n_bed + 2
    d = latest(engine, "bed")
    assert d["safe_mode"] is True and d["commands"] == []
    assert d["reason"] == "safe mode: no sensor in this zone; outputs off"
    assert "zone-safe-mode:bed" not in active_alarms(engine)  # nothing there to worry about


# -- stale data and safe mode ------------------------------------------------------------------

def test_stale_reading_puts_the_zone_in_safe_mode_with_an_alarm() -> None:
    """No fresh reading for longer than stale_after: safe mode (frost_only, no fresh sensor
    anywhere → outputs off), alarm zone-safe-mode:house in the API and on the bus; a fresh
    reading ends it."""
    engine = engine_with(stale_after=120)
    send(engine, ("living", 18))
    assert relay(engine)["commanded"] == "on"
    engine.advance(120)  # the tick at T0 + 120: exactly stale_after old, still fresh
    assert latest(engine)["safe_mode"] is False and latest(engine)["heat"] is True
    engine.advance(60)  # T0 + 180
    d = latest(engine)
    assert d["safe_mode"] is True and d["state"] == "safe-mode"
    assert d["heat"] is False and d["cool"] is False and d["temperature"] is None
    assert d["sensors"] == {"fresh": 0, "stale": 1}
    assert d["reason"] == "safe mode: no fresh reading from 1 sensor(s); outputs off"
    assert d["commands"] == [{"id": HEAT, "function": "heat", "on": False}]
    r = relay(engine)
    assert r["commanded"] == "off" and r["commanded_by"] == "zone:house"
    assert sent(engine)[-1] == ("heat", False)
    assert "zone-safe-mode:house" in active_alarms(engine)
    message = engine.bus.assert_published("engine.alarm.zone-safe-mode.house", active=True)
    assert message.data["kind"] == "zone-safe-mode" and message.data["subject"] == "house"
    assert "no fresh reading" in message.data["message"]
    assert engine.bus.tree.root["engine"]["alarm"]["zone-safe-mode"]["house"]["active"] is True
    state = zone_state(engine)
    assert state["temperature"] is None and state["sensors"][0]["stale"] is True

    send(engine, ("living", 21))
    d = latest(engine)
    assert d["safe_mode"] is False and d["state"] == "idle"
    assert "zone-safe-mode:house" not in active_alarms(engine)
    code, body = engine.request("GET", "/v1/alarms")
    assert code == 200 and body["cleared"][0]["id"] == "zone-safe-mode:house"
    cleared = engine.bus.assert_published("engine.alarm.zone-safe-mode.house", kind=None)
    assert all(v is None for v in cleared.data.values())
    alarms = engine.bus.tree.root.get("engine", {}).get("alarm", {})
    assert "house" not in alarms.get("zone-safe-mode", {})


def test_stale_data_never_turns_the_heat_on() -> None:
    """A replayed reading below the frost floor, older than stale_after, does not heat; nor
    does a stale 18 °C at any later moment."""
    engine = engine_with(stale_after=120)
    old = iso_seconds(T0 - 300)
    code, body = engine.request("POST", "/v1/sensors/batch", {
        "host_id": "th", "readings": [{"sensor_id": "living", "timestamp": old, "value": 5.0,
                                       "type": "DS18B20"}]})
    assert code == 201, body
    engine.clock.advance(0)
    d = latest(engine)
    assert d["safe_mode"] is True and d["heat"] is False
    engine.advance(600)
    assert all(not d["heat"] for d in decisions(engine))
    assert ("heat", True) not in sent(engine)
    assert relay(engine)["commanded"] == "off"


def test_frost_only_safe_mode_heats_when_another_zone_is_below_the_floor() -> None:
    """frost_only with a fresh sensor elsewhere: the zone heats while the coldest fresh
    reading in the house is below its frost floor."""
    engine = engine_with(stale_after=120)
    code, _ = engine.request("POST", "/v1/zones", {"id": "bed"})
    assert code == 201
    send(engine, ("living", 18), ("cold", 12))
    code, _ = engine.request("PATCH", "/v1/sensors/th:cold", {"zone": "bed"})
    assert code == 200
    engine.advance(180)  # both stale
    assert latest(engine)["safe_mode"] is True and latest(engine)["heat"] is False
    send(engine, ("cold", 5))  # bed's sensor is fresh again, below the floor
    engine.advance(60)  # bed's reading re-decides bed; house follows at the next tick
    d = latest(engine)
    assert d["safe_mode"] is True and d["state"] == "safe-mode" and d["heat"] is True
    assert "coldest fresh reading in the house is 5.0 °C < 7.0" in d["reason"]
    assert relay(engine)["commanded"] == "on"


def test_low_duty_safe_mode_heats_safe_duty_of_each_period() -> None:
    """safe_mode low_duty: while stale the heat runs safe_duty (0.2) of every 1200 s."""
    engine = engine_with(stale_after=120, zone={"safe_mode": "low_duty"})
    send(engine, ("living", 21))  # fresh and warm: idle
    assert latest(engine)["heat"] is False
    seen = recorder(engine, "engine.decision")
    engine.advance(2700)
    stale = [(t, d) for t, d in seen if d["safe_mode"]]
    assert stale and stale[0][0] == T0 + 180
    for t, d in stale:
        assert d["heat"] is (t % 1200 < 240), (t, d)
        assert d["state"] == "safe-mode" and "heating 20% of every 20 min" in d["reason"]
    ons = [c.at for c in engine.agent.commands if c.args == ("heat", True)]
    offs = [c.at for c in engine.agent.commands if c.args == ("heat", False)]
    # ticks every 60 s from T0 (phase 800): the first in each period at phase 20, the
    # first past the duty at phase 260
    assert ons == [T0 + 420, T0 + 1620]
    assert offs == [T0 + 660, T0 + 1860]
    assert [off - on for on, off in zip(ons, offs, strict=True)] == [240.0, 240.0]
    assert relay(engine)["commanded_by"] == "zone:house"


# -- safety limits -----------------------------------------------------------------------------

def test_frost_floor_heats_in_mode_off() -> None:
    """Mode off, 5 °C: heat on (frost-protection) until 0.5 above the floor."""
    engine = engine_with(zone={"mode": "off"})
    send(engine, ("living", 12))
    assert latest(engine)["state"] == "off" and latest(engine)["heat"] is False
    send(engine, ("living", 5))
    d = latest(engine)
    assert d["state"] == "frost-protection" and d["heat"] is True
    assert d["reason"] == "frost protection: living 5.0 °C < floor 7.0 (heating to 7.5)"
    assert d["heat_setpoint"] is None
    r = relay(engine)
    assert r["commanded"] == "on" and r["commanded_by"] == "zone:house"
    send(engine, ("living", 7.2))
    assert latest(engine)["state"] == "frost-protection" and latest(engine)["heat"] is True
    send(engine, ("living", 7.6))  # the frost run ends; the minimum on time still holds
    d = latest(engine)
    assert d["heat"] is True and "minimum on time holds" in d["reason"], d
    engine.advance(300)
    send(engine, ("living", 7.6))
    assert latest(engine)["state"] == "off" and latest(engine)["heat"] is False
    assert relay(engine)["commanded"] == "off"


# -- sensors -------------------------------------------------------------------------------------

def test_weighted_average_of_two_sensors() -> None:
    """The zone's temperature is the weighted mean of its fresh readings."""
    engine = engine_with(relay=False, zone={"sensor_weights": {"th:a": 3, "th:b": 1}})
    send(engine, ("a", 18), ("b", 22))
    state = zone_state(engine)
    assert state["temperature"] == 19.0
    assert {s["id"]: s["weight"] for s in state["sensors"]} == {"th:a": 3.0, "th:b": 1.0}
    d = latest(engine)
    assert d["temperature"] == 19.0 and d["sensors"] == {"fresh": 2, "stale": 0}
    assert d["reason"] == "heating: House (2 sensors) 19.0 °C < 20.0 − 0.35"
    patch(engine, "house", {"sensor_weights": {}})
    engine.clock.advance(0)
    assert zone_state(engine)["temperature"] == 20.0
    assert latest(engine)["temperature"] == 20.0


def test_stale_sensor_drops_out_of_the_average() -> None:
    """Of two sensors, the stale one is ignored; the zone is not in safe mode."""
    engine = engine_with(relay=False, stale_after=120)
    send(engine, ("a", 18), ("b", 22))
    assert zone_state(engine)["temperature"] == 20.0
    engine.advance(100)
    send(engine, ("a", 18.5))
    engine.advance(80)  # the tick at T0 + 180: b is 180 s old
    d = latest(engine)
    assert d["temperature"] == 18.5 and d["sensors"] == {"fresh": 1, "stale": 1}
    assert d["safe_mode"] is False


def test_sensor_moved_to_another_zone_counts_only_there() -> None:
    """PATCH /v1/sensors/<id> {"zone": "bed"}: the sensor leaves the house's average and is
    bed's; an unknown zone is 422."""
    engine = engine_with(relay=False)
    send(engine, ("a", 18), ("b", 22))
    assert zone_state(engine)["temperature"] == 20.0
    code, body = engine.request("POST", "/v1/zones", {"id": "bed"})
    assert code == 201, body
    code, body = engine.request("PATCH", "/v1/sensors/th:b", {"zone": "bed"})
    assert code == 200, body
    assert body["zone"] == "bed"
    engine.clock.advance(0)
    assert zone_state(engine)["temperature"] == 18.0
    assert zone_state(engine, "bed")["temperature"] == 22.0
    assert latest(engine)["temperature"] == 18.0
    assert latest(engine, "bed")["temperature"] == 22.0
    assert [s["id"] for s in zone_state(engine)["sensors"]] == ["th:a"]
    assert [s["id"] for s in zone_state(engine, "bed")["sensors"]] == ["th:b"]
    send(engine, ("b", 23))  # a new reading goes to bed
    assert latest(engine, "bed")["temperature"] == 23.0
    assert zone_state(engine)["temperature"] == 18.0
    engine.advance(60)  # the loop reloads the sensors from the store: same split
    assert latest(engine)["temperature"] == 18.0
    assert latest(engine, "bed")["temperature"] == 23.0

    code, body = engine.request("PATCH", "/v1/sensors/th:a", {"zone": "nowhere"})
    assert code == 422 and "nowhere" in body["error"]
    engine.clock.advance(0)
    assert [s["id"] for s in zone_state(engine)["sensors"]] == ["th:a"]
    code, body = engine.request("GET", "/v1/sensors/th:a")
    assert code == 200 and body["zone"] == "house"


def test_sensors_of_a_deleted_zone_fall_back_to_house() -> None:
    """Deleting a zone puts its sensors back into house's average."""
    engine = engine_with(relay=False)
    engine.request("POST", "/v1/zones", {"id": "bed"})
    send(engine, ("a", 18), ("b", 22))
    engine.request("PATCH", "/v1/sensors/th:b", {"zone": "bed"})
    engine.clock.advance(0)
    assert latest(engine)["temperature"] == 18.0
    code, _ = engine.request("DELETE", "/v1/zones/bed")
    assert code == 200
    engine.clock.advance(0)
    assert latest(engine)["temperature"] == 20.0


# -- outputs -------------------------------------------------------------------------------------

def test_outputs_of_zone_bed_follow_only_beds_decisions() -> None:
    """An output listed by bed is commanded by bed's decisions only (house leaves it)."""
    engine = engine_with(relay=False)
    code, body = engine.request("POST", "/v1/zones", {"id": "bed", "decider_params": FAST})
    assert code == 201, body
    patch(engine, "bed", {"outputs": [HEAT]})
    engine.clock.advance(0)
    register(engine)
    send(engine, ("a", 18), ("b", 18))  # both in house: house wants heat
    d = latest(engine)
    assert d["heat"] is True and d["commands"] == []
    assert relay(engine)["commanded"] is None and sent(engine) == []
    assert zone_state(engine)["outputs"] == []
    assert [o["id"] for o in zone_state(engine, "bed")["outputs"]] == [HEAT]

    code, _ = engine.request("PATCH", "/v1/sensors/th:b", {"zone": "bed"})
    assert code == 200
    engine.clock.advance(0)
    d = latest(engine, "bed")
    assert d["heat"] is True and d["commands"] == [{"id": HEAT, "function": "heat", "on": True}]
    r = relay(engine)
    assert r["commanded"] == "on" and r["commanded_by"] == "zone:bed"
    engine.advance(31)
    send(engine, ("b", 22))  # bed warm: off, although house (a = 18) still wants heat
    assert latest(engine, "bed")["heat"] is False
    assert latest(engine)["heat"] is True and latest(engine)["commands"] == []
    r = relay(engine)
    assert r["commanded"] == "off" and r["commanded_by"] == "zone:bed"
    engine.advance(120)
    assert relay(engine)["commanded"] == "off"
    assert sent(engine) == [("heat", True), ("heat", False)]


def test_an_output_listed_by_a_new_zone_leaves_the_old_one() -> None:
    """Assigning an output to bed removes it from any other zone's list."""
    engine = engine_with(relay=False)
    engine.request("POST", "/v1/zones", {"id": "bed", "outputs": [HEAT]})
    code, body = engine.request("POST", "/v1/zones", {"id": "attic", "outputs": [HEAT]})
    assert code == 201, body
    code, bed = engine.request("GET", "/v1/zones/bed")
    assert bed["outputs"] == []
    assert engine.zones.book.zone_of_output(HEAT) == "attic"


# -- manual hold ---------------------------------------------------------------------------------

def test_manual_switch_is_held_then_the_zone_takes_over() -> None:
    """PUT /v1/relays/<id> off while the zone wants heat: the zone skips that output until
    manual_hold (60 s here) has passed."""
    engine = engine_with(relay=False)
    restart_zones(engine, manual_hold=60)
    register(engine)
    send(engine, ("living", 18))
    assert relay(engine)["commanded"] == "on"
    engine.advance(5)
    code, body = engine.request("PUT", f"/v1/relays/{HEAT}", {"state": "off"})
    assert code == 200, body
    assert body["commanded"] == "off" and body["commanded_by"] == "manual"
    engine.advance(35)  # past the decider's minimum off time, within the hold
    send(engine, ("living", 18))
    d = latest(engine)
    # the decision says what the heater really does (held off), and what the zone wanted
    assert d["heat"] is False and d["state"] == "manual-hold"
    assert d["reason"].startswith(f"heater {HEAT} held off by hand until"), d["reason"]
    assert d["decided"]["heat"] is True and d["decided"]["state"] == "heating"
    assert d["commands"] == [{"id": HEAT, "function": "heat", "on": True,
                              "skipped": HOLD_REASON, "held_until": "2026-09-21T14:14:25Z"}]
    r = relay(engine)
    assert r["commanded"] == "off" and r["commanded_by"] == "manual"
    assert sent(engine) == [("heat", True), ("heat", False)]
    engine.advance(19)  # T0 + 59: the hold (until T0 + 65) still applies
    send(engine, ("living", 18))
    assert latest(engine)["commands"][0].get("skipped") == HOLD_REASON
    engine.advance(7)  # T0 + 66
    send(engine, ("living", 18))
    d = latest(engine)
    assert d["commands"] == [{"id": HEAT, "function": "heat", "on": True}]
    r = relay(engine)
    assert r["commanded"] == "on" and r["commanded_by"] == "zone:house"
    assert sent(engine)[-1] == ("heat", True)


def test_frost_protection_overrides_the_manual_hold() -> None:
    """Switched off by hand, but the zone falls below the frost floor: commanded on."""
    engine = engine_with(relay=False)
    restart_zones(engine, manual_hold=3600)
    register(engine)
    send(engine, ("living", 21))
    code, body = engine.request("PUT", f"/v1/relays/{HEAT}", {"state": "off"})
    assert code == 200, body
    send(engine, ("living", 19))
    assert latest(engine)["commands"][0].get("skipped") == HOLD_REASON
    send(engine, ("living", 5))
    d = latest(engine)
    assert d["state"] == "frost-protection"
    assert d["commands"] == [{"id": HEAT, "function": "heat", "on": True}]
    r = relay(engine)
    assert r["commanded"] == "on" and r["commanded_by"] == "zone:house"
    assert sent(engine)[-1] == ("heat", True)


def test_safe_mode_frost_heating_overrides_the_manual_hold() -> None:
    """In frost_only safe mode the frost floor is a safety limit acting too ("except when a
    safety limit acts"): a manual off must not keep a zone without fresh sensors from
    heating while the house is below its frost floor."""
    engine = engine_with(relay=False, stale_after=120)
    restart_zones(engine, manual_hold=3600, stale_after=120)
    register(engine)
    engine.request("POST", "/v1/zones", {"id": "bed"})
    send(engine, ("living", 21), ("cold", 12))
    engine.request("PATCH", "/v1/sensors/th:cold", {"zone": "bed"})
    code, body = engine.request("PUT", f"/v1/relays/{HEAT}", {"state": "off"})
    assert code == 200, body
    engine.advance(180)  # house's sensor is stale
    send(engine, ("cold", 5))  # bed: 5 °C
    engine.advance(60)  # house decides at the next tick
    d = latest(engine)
    assert d["safe_mode"] is True and d["heat"] is True
    assert d["commands"] == [{"id": HEAT, "function": "heat", "on": True}], d["commands"]
    assert relay(engine)["commanded"] == "on"


# -- schedules and adjustments -----------------------------------------------------------------

def test_schedule_and_adjustment_drive_the_target() -> None:
    """A weekly schedule at 23 °C covering now sets the target; an adjustment beats it; the
    loop expires the adjustment after its end and the schedule's target returns."""
    engine = engine_with()
    send(engine, ("living", 21))
    assert latest(engine)["target"] == 20.0
    engine.advance(31)  # past the minimum off time of that idle decision
    code, body = engine.request("POST", "/v1/zones/house/schedules", {
        "name": "all day", "target": 23, "scheduler": "weekly", "params": ALL_DAY})
    assert code == 201, body
    engine.clock.advance(0)  # a change is decided at once
    d = latest(engine)
    assert d["target"] == 23.0 and d["heat_setpoint"] == 23.0
    assert d["rule"]["kind"] == "schedule" and d["rule"]["name"] == "all day"
    assert d["heat"] is True and d["reason"] == "heating: living 21.0 °C < 23.0 − 0.35"

    engine.advance(10)
    code, body = engine.request("POST", "/v1/zones/house/adjustments",
                                {"target": 21.5, "duration": "PT1H"})
    assert code == 201, body
    engine.clock.advance(0)
    d = latest(engine)
    assert d["target"] == 21.5 and d["rule"]["kind"] == "adjustment"
    engine.advance(3585, step=5)  # T0 + 3595: 5 s before the end
    assert latest(engine)["target"] == 21.5
    assert engine.request("GET", "/v1/zones/house/adjustments")[1]["adjustment"] is not None
    engine.advance(65, step=5)  # the tick at T0 + 3600 is before the end; T0 + 3660 after it
    d = latest(engine)
    assert d["target"] == 23.0 and d["rule"]["kind"] == "schedule"
    code, body = engine.request("GET", "/v1/zones/house/adjustments")
    assert code == 200 and body["adjustment"] is None
    assert "house" not in engine.zones.book.adjustments


def test_preset_default_target_follows_a_preset_change() -> None:
    """PATCH of the home preset changes the target of the next decision at once."""
    engine = engine_with(relay=False)
    send(engine, ("living", 21))
    patch(engine, "house", {"presets": {"home": 22}})
    engine.clock.advance(0)
    d = latest(engine)
    assert d["target"] == 22.0 and d["heat"] is True


# -- publication, storage, restart ---------------------------------------------------------------

def test_decisions_are_published_and_stored() -> None:
    """Each decision goes out as engine.decision and zone.house.state, and is stored."""
    engine = engine_with()
    send(engine, ("living", 18))
    d = latest(engine)
    message = engine.bus.assert_published("engine.decision", seq=d["seq"])
    assert message.data == d
    state = engine.bus.assert_published("zone.house.state", zone="house")
    assert state.data["decision"] == d and state.data["temperature"] == 18.0
    assert state.data["outputs"][0]["commanded"] is True
    docs = result_of(engine.store.get_docs("zone_decision"))
    assert docs[f"house:{d['number'] % KEEP_DECISIONS}"] == d
    assert sorted(doc["seq"] for doc in docs.values()) == \
        sorted(x["seq"] for x in decisions(engine))


def test_a_new_zone_control_loads_the_stored_decisions() -> None:
    """After a restart over the same store GET decisions shows the earlier decisions, and new
    ones continue the sequence."""
    engine = engine_with()
    send(engine, ("living", 18))
    engine.advance(120)
    before = decisions(engine)
    assert len(before) >= 3
    restart_zones(engine)
    after = decisions(engine)
    assert after[len(after) - len(before):] == before
    new = after[:len(after) - len(before)]
    assert new and all(x["seq"] > before[0]["seq"] for x in new)
    assert [x["seq"] for x in after] == sorted((x["seq"] for x in after), reverse=True)
    assert zone_state(engine)["decision"] == after[0]


def test_restart_keeps_each_zones_decisions_when_zones_interleave() -> None:
    """Two zones deciding in turn: after a restart each zone still lists the decisions it
    listed before (fewer than KEEP_DECISIONS each), not only some of them."""
    engine = engine_with(relay=False)
    engine.request("POST", "/v1/zones", {"id": "bed"})
    engine.advance(60 * 300, step=60)
    before = {z: decisions(engine, z) for z in ("house", "bed")}
    assert 250 < len(before["house"]) < KEEP_DECISIONS
    restart_zones(engine)
    for zone, old in before.items():
        after = decisions(engine, zone)
        assert len(after) > len(old), f"zone {zone}: {len(old)} decisions before the" \
            f" restart, {len(after)} (with the restart's own) after"
        assert after[len(after) - len(old):] == old


# -- never heat and cool together ----------------------------------------------------------------

def test_auto_mode_never_heats_and_cools_together() -> None:
    """Mode auto with heat and cool outputs, a random sweep of readings: no decision has both,
    and the two outputs are never both commanded or reported on."""
    engine = engine_with(cool=True, zone={"mode": "auto"})
    seen = recorder(engine, "engine.decision")
    rng = random.Random(20240601)
    for step in range(250):
        engine.advance(rng.choice((1, 3, 10, 20, 40)))
        value = rng.choice((14.0, 18.5, 19.0, 19.8, 20.0, 20.5, 21.0, 21.4, 23.0, 27.0)) \
            if step % 7 else rng.uniform(10, 30)
        send(engine, ("living", round(value, 2)))
        heat, cool = relay(engine, HEAT), relay(engine, COOL)
        assert not (heat["commanded"] == "on" and cool["commanded"] == "on"), step
        assert not (engine.agent.states["heat"] and engine.agent.states["cool"]), step
    assert len(seen) > 250
    assert not [d for _, d in seen if d["heat"] and d["cool"]]
    assert any(d["heat"] for _, d in seen) and any(d["cool"] for _, d in seen)
    assert {d["state"] for _, d in seen} >= {"heating", "cooling", "idle"}
    for _, d in seen:
        assert d["heat_setpoint"] == 19.0 and d["cool_setpoint"] == 21.0


def test_an_uninstalled_decider_falls_back_to_hysteresis() -> None:
    """A zone whose decider plugin disappeared (uninstalled) is still controlled."""
    engine = ZoneEngine()
    code, body = engine.request("PATCH", "/v1/zones/house", {"decider": "tpi"})
    assert code == 200, body
    del engine.zones.deciders["tpi"]
    engine.zones.runtime.clear()
    engine.request("PUT", "/v1/sensors/update",
                   {"host_id": "h", "sensors": {"s": {"type": "t", "value": 15.0}}})
    engine.advance(1)
    decision = engine.request("GET", "/v1/zones/house/decisions?limit=1")[1]["decisions"][0]
    assert decision["state"] == "heating" and decision["reason"].startswith("heating: s 15.0")
