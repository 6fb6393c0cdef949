"""The history recorder (issue 20): outputs' reported states, decisions, targets and alarms
from the bus into the event log, and GET /v1/history's output intervals and target steps."""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from rpymostat.engine.history.api import on_intervals
from rpymostat.engine.history.recorder import HistoryRecorder, slim_decision
from rpymostat.engine.store.events import ALARM, DECISION, OUTPUT, TARGET, Event

from ..helpers import EngineHarness, result_of

NOW = datetime(2026, 10, 25, 12, 0, tzinfo=UTC)


def _engine() -> tuple[EngineHarness, HistoryRecorder]:
    engine = EngineHarness(start=(NOW - timedelta(hours=2)).timestamp())
    recorder = HistoryRecorder(engine.store, engine.clock)
    engine.bus.subscribe("", recorder.on_message)
    return engine, recorder


def _events(engine: EngineHarness, kind: str, subject: str) -> list[Event]:
    return result_of(engine.store.events(kind, subject, NOW - timedelta(days=1), NOW, 1000))


def test_output_changes_decisions_targets_and_alarms_are_recorded() -> None:
    """A reported state is kept when it changes; every decision; a target when it changes;
    alarms raised and cleared."""
    engine, _ = _engine()
    for minutes, state in [(0, "on"), (1, "on"), (20, "off"), (50, "on")]:
        engine.clock.advance(60 * minutes - (engine.clock.seconds() - (
            NOW - timedelta(hours=2)).timestamp()))
        engine.bus.publish("relay.pi2.heat", {"id": "heat", "state": state}, source="relay")
        engine.bus.publish("engine.decision", {"zone": "house", "target": 21.0 if minutes < 20
                                               else 19.0, "reason": f"r{minutes}"})
    engine.bus.publish("engine.alarm.relay-mismatch.pi2.heat", {"active": True, "id": "x"})
    engine.bus.publish("engine.alarm.relay-mismatch.pi2.heat", {"active": None, "id": None})
    assert [e.body["on"] for e in _events(engine, OUTPUT, "pi2:heat")] == [True, False, True]
    assert [e.body["reason"] for e in _events(engine, DECISION, "house")] == [
        "r0", "r1", "r20", "r50"]
    assert _events(engine, DECISION, "house")[0].body == {"target": 21.0, "reason": "r0"}
    assert [e.body["target"] for e in _events(engine, TARGET, "house")] == [21.0, 19.0]
    assert [e.body["active"] for e in _events(engine, ALARM, "relay-mismatch.pi2.heat")] == [
        True, False]


def test_a_kept_decision_is_what_it_did_why_and_what_it_saw() -> None:
    """The decision record is kept without what is elsewhere (sensor counts, setpoints,
    predictive start), its rule by id."""
    record = {"seq": 7, "zone": "house", "at": "x", "state": "heating", "reason": "19.2 < 20",
              "mode": "heat", "temperature": 19.2, "target": 20.0, "heat_setpoint": 20.0,
              "cool_setpoint": None, "heat": True, "cool": False, "safe_mode": False,
              "rule": {"kind": "weekly", "id": "r1", "name": "mornings"},
              "sensors": {"fresh": 2, "stale": 0}, "commands": [{"output": "pi2:heat"}],
              "early_start": None, "number": 12}
    assert slim_decision(record) == {
        "number": 12, "state": "heating", "reason": "19.2 < 20", "mode": "heat",
        "temperature": 19.2, "target": 20.0, "heat": True, "cool": False, "safe_mode": False,
        "commands": [{"output": "pi2:heat"}], "rule": "r1"}


def test_history_gives_output_intervals_and_target_steps() -> None:
    """GET /v1/history with an output and a zone: on-intervals cut to the window, the
    target as steps from the window's start."""
    engine, _ = _engine()
    t0 = engine.clock.seconds()
    for at, state, target in [(0, "on", 20.0), (600, "off", 20.0), (1800, "on", 18.5)]:
        engine.clock.advance(t0 + at - engine.clock.seconds())
        engine.bus.publish("relay.pi2.heat", {"state": state}, source="relay")
        engine.bus.publish("engine.decision", {"zone": "house", "target": target})
    engine.clock.advance(t0 + 3600 - engine.clock.seconds())
    start = datetime.fromtimestamp(t0 + 300, UTC)
    code, body = engine.request("GET", "/v1/history?" + urlencode(
        {"series": "pi2:heat,house", "start": start.isoformat()}))
    assert code == 200, body
    heat, house = body["series"]
    ms = int((t0 + 300) * 1000)
    assert heat == {"id": "pi2:heat", "kind": "output", "intervals": [
        {"start": ms, "end": ms + 300_000, "open": False},
        {"start": ms + 1_500_000, "end": ms + 3_300_000, "open": True}]}
    assert house == {"id": "house", "kind": "zone", "t": [ms, ms + 1_500_000],
                     "target": [20.0, 18.5]}
    code, text = engine.request("GET", "/v1/history?" + urlencode(
        {"series": "pi2:heat", "start": start.isoformat(), "format": "csv"}))
    assert text.split("\r\n")[1] == (
        "pi2:heat,output,2026-10-25T10:05:00Z,1,,,,,2026-10-25T10:10:00Z")


def test_intervals_from_repeated_and_unordered_states() -> None:
    """Repeated 'on' keeps the first start; an 'off' with nothing on adds nothing."""
    t = NOW
    events = [Event(OUTPUT, "o", t + timedelta(minutes=m), {"on": on})
              for m, on in [(0, False), (1, True), (2, True), (3, False), (4, False)]]
    assert on_intervals(events, t, t + timedelta(minutes=10)) == [
        {"start": int((t + timedelta(minutes=1)).timestamp() * 1000),
         "end": int((t + timedelta(minutes=3)).timestamp() * 1000), "open": False}]
