"""``make run``: when the suite runs the simulated house, how each daemon is wired (by
discovery, pinned to the suite's own engine and house), and the engine's zone set up for the
demo (against a fake engine: no sockets)."""

from pathlib import Path
from typing import Any

import pytest

from rpymostat.engine.schedule.schedulers import installed_schedulers
from rpymostat.engine.zones.bodies import parse_schedule, parse_zone_changes
from rpymostat.engine.zones.deciders.base import installed_deciders
from rpymostat.engine.zones.deciders.hysteresis import TOLERANCE
from rpymostat.engine.zones.model import default_zone
from rpymostat.relay_agent.config import check_outputs
from rpymostat.relay_agent.config import load_config as relay_config
from rpymostat.sensor_agent.config import check_classes
from rpymostat.sensor_agent.config import load_config as sensor_config
from rpymostat.shared import demo
from rpymostat.shared.suite import DEMO_MEMBERS, HOUSE, MEMBERS, Suite, wants_demo

HOUSE_STATUS = {"status": True, "speed": 60, "zones": ["house"], "instance_id": "h0use1d"}


def suite(tmp_path: Path, simulated: bool = True, **environ: str) -> Suite:
    return Suite(tmp_path, "127.0.0.1", 1000, environ, simulated=simulated)


def started(s: Suite) -> Suite:
    """As after the engine and the house have started."""
    s.engine_id = "engine-instance-id"
    s.house = demo.house_info(s.url(HOUSE), HOUSE_STATUS)
    return s


def test_the_demo_runs_only_when_nothing_real_is_here_or_configured() -> None:
    """No 1-wire thermometer and neither sensors nor relays configured: the simulated house."""
    assert wants_demo({}, onewire=False)
    assert not wants_demo({}, onewire=True)
    assert not wants_demo({"RPYMOSTAT_SENSORS": "w1"}, onewire=False)
    assert not wants_demo({"RPYMOSTAT_RELAYS": "heat=gpiod:line=17"}, onewire=False)


def test_the_demo_starts_the_house_after_the_engine(tmp_path: Path) -> None:
    """Members: engine, house, agents, web UI; without the demo there is no house."""
    assert suite(tmp_path).members == DEMO_MEMBERS and DEMO_MEMBERS[1] is HOUSE
    assert HOUSE not in suite(tmp_path, simulated=False).members == MEMBERS
    assert suite(tmp_path).env()["RPYMOSTAT_HOUSE_LISTEN"] == "tcp:9093:interface=127.0.0.1"


def test_agents_find_the_suites_own_engine_and_house_by_discovery(tmp_path: Path) -> None:
    """No engine URL: the agents look for the engine by its instance id (another engine on
    the LAN cannot confuse them) and for the house by its instance id."""
    s = suite(tmp_path)
    first = s.env()  # the engine's: no name forced on it (it would advertise under it)
    assert "RPYMOSTAT_ENGINE_URL" not in first and "RPYMOSTAT_ENGINE_NAME" not in first
    env = started(s).env()
    assert "RPYMOSTAT_ENGINE_URL" not in env
    assert env["RPYMOSTAT_ENGINE_NAME"] == "engine-instance-id"
    assert env["RPYMOSTAT_SENSORS"] == "sim=house=h0use1d"
    assert env["RPYMOSTAT_RELAYS"] == ("heat=sim:zone=house,house=h0use1d,min_on=20,"
                                       "min_off=20;cool=sim:zone=house,house=h0use1d")


def test_the_demo_wiring_is_valid_agent_configuration(tmp_path: Path) -> None:
    """The agents accept what the suite gives them: sim classes with valid arguments, a heat
    and a cool output on the house's zone (interlocked), the heater's 20 s protection."""
    for discovery in ("on", "off"):
        env = started(suite(tmp_path, RPYMOSTAT_ADVERTISE=discovery)).env()
        check_classes(sensor_config(env).classes())
        relays = relay_config(env)
        check_outputs(relays)
        heat, cool = relays.outputs
        assert (heat.function, heat.cls, cool.function) == ("heat", "sim", "cool")
        assert (heat.protection.min_on, heat.protection.min_off) == (20.0, 20.0)
        assert relays.groups() == (("heat", "cool"),)
        assert sensor_config(env).interval == 5.0


def test_without_advertising_the_agents_get_urls(tmp_path: Path) -> None:
    """RPYMOSTAT_ADVERTISE=off: no discovery, so the engine's and the house's URLs."""
    env = started(suite(tmp_path, RPYMOSTAT_ADVERTISE="off")).env()
    assert env["RPYMOSTAT_ENGINE_URL"] == "http://127.0.0.1:9088"
    assert "RPYMOSTAT_ENGINE_NAME" not in env
    assert env["RPYMOSTAT_SENSORS"] == ("sim=url=http://127.0.0.1:9093/v1/zones/house"
                                        " sim=id=house")
    assert env["RPYMOSTAT_RELAYS"].startswith(
        "heat=sim:url=http://127.0.0.1:9093/v1/zones/house/heat,")


def test_demo_timers_are_short_unless_set(tmp_path: Path) -> None:
    """The engine decides and the sensor agent reads every 5 s; a user's value wins."""
    env = suite(tmp_path, RPYMOSTAT_SENSOR_INTERVAL="2").env()
    assert env["RPYMOSTAT_DECISION_INTERVAL"] == "5" and env["RPYMOSTAT_SENSOR_INTERVAL"] == "2"


def test_the_demo_house_starts_below_the_night_setpoint(tmp_path: Path) -> None:
    """The heat must come on within a minute at any hour: the house starts below the night's
    target less the default tolerance; a user's start temperature wins."""
    env = suite(tmp_path).env()
    start = float(env["RPYMOSTAT_HOUSE_START_C"])
    assert start <= demo.NIGHT_C - TOLERANCE
    assert suite(tmp_path, RPYMOSTAT_HOUSE_START_C="20").env()["RPYMOSTAT_HOUSE_START_C"] == "20"
    assert "starts cold, at 16 °C" in demo.explain(
        demo.house_info("http://h:8093", HOUSE_STATUS), "http://h:8093/")


def test_without_the_demo_outputs_stay_dummies(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Real sensors configured: no house, relays are in-memory dummies, never guessed."""
    monkeypatch.setattr("rpymostat.shared.suite.onewire_present", lambda: False)
    env = suite(tmp_path, simulated=False, RPYMOSTAT_SENSORS="w1").env()
    assert env["RPYMOSTAT_RELAYS"] == "heat=dummy;cool=dummy"
    assert "RPYMOSTAT_DECISION_INTERVAL" not in env


def test_the_house_line_says_how_fast_time_runs(tmp_path: Path) -> None:
    """The printed URL of the house says that its time runs faster."""
    assert started(suite(tmp_path))._line(HOUSE) == (
        "  simulated house  http://127.0.0.1:9093/  (time runs 60× faster)")


# -- seeding the engine's zone --------------------------------------------------------------

class FakeEngine:
    """Answers the demo's calls like the engine's zone and sensor routes."""

    def __init__(self, schedules: list[Any] | None = None, outdoor_code: int = 200,
                 sensors: list[dict[str, Any]] | None = None) -> None:
        self.schedules = schedules or []
        self.outdoor_code = outdoor_code
        self.sensors = sensors if sensors is not None else [
            {"id": "pi:house", "sensor_id": "house", "type": "sim"},
            {"id": "pi:outdoor", "sensor_id": "outdoor", "type": "sim"}]
        self.calls: list[tuple[str, str, Any]] = []

    def __call__(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        self.calls.append((method, path, body))
        if (method, path) == ("GET", "/v1/zones/house/schedules"):
            return 200, {"schedules": self.schedules}
        if (method, path) == ("GET", "/v1/sensors"):
            return 200, {"sensors": self.sensors}
        if method == "PATCH" and "outdoor_sensor" in body:
            return self.outdoor_code, {"status": "error", "error": "unknown field(s)"}
        return (201 if method == "POST" else 200), {}


def test_a_first_run_gets_the_default_weekly_schedule() -> None:
    """No schedules yet: 21 °C daily 06:30–22:30, 17 °C at night, 20 s minimum on/off — bodies
    the engine's own validation accepts."""
    engine, said = FakeEngine(), list[str]()
    assert demo.seed_schedule(engine, said.append)
    writes = [(m, p, b) for m, p, b in engine.calls if m != "GET"]
    assert [(m, p) for m, p, _ in writes] == [("POST", "/v1/zones/house/schedules"),
                                              ("PATCH", "/v1/zones/house")]
    zone = default_zone("Europe/Berlin")
    assert parse_schedule(writes[0][2], zone, installed_schedulers())["target"] == 21.0
    patched = parse_zone_changes(writes[1][2], zone, installed_deciders())
    assert patched.default_target.value == 17.0
    assert patched.decider_params == {"min_on_s": 20, "min_off_s": 20}
    assert patched.max_head_start_s == 120.0  # 2 h of the house's 60x clock (issue 17)
    assert "06:30–22:30" in said[-1]


def test_a_zone_with_schedules_is_left_alone() -> None:
    """A later run keeps what the user (or the first run) set."""
    engine = FakeEngine(schedules=[{"id": "s1"}])
    demo.seed_schedule(engine, lambda _: None)
    assert [m for m, _, _ in engine.calls] == ["GET"]


def test_the_outdoor_sensor_is_set_or_a_warning_is_printed() -> None:
    """The sim outdoor sensor becomes the zone's outdoor sensor; an engine that refuses the
    field (422) or no outdoor reading gives a warning, not a failure."""
    engine, said = FakeEngine(), list[str]()
    demo.set_outdoor_sensor(engine, said.append)
    assert engine.calls[-1] == ("PATCH", "/v1/zones/house", {"outdoor_sensor": "pi:outdoor"})
    assert "outdoor sensor pi:outdoor" in said[-1]
    refused = FakeEngine(outdoor_code=422)
    demo.set_outdoor_sensor(refused, said.append)
    assert said[-1].startswith("  warning:") and "HTTP 422" in said[-1]
    demo.set_outdoor_sensor(FakeEngine(sensors=[]), said.append, timeout=0)
    assert "no outdoor reading" in said[-1]


def test_a_silent_engine_is_a_warning() -> None:
    """The zone never answers: a warning, and the caller goes on."""
    said: list[str] = []
    assert not demo.seed_schedule(lambda *a: (0, None), said.append,
                                  timeout=0)
    assert "did not answer" in said[-1]


def test_the_explanation_names_the_speed_and_the_demo_values() -> None:
    """The printed text says time runs faster and why the timers are short."""
    text = demo.explain(demo.house_info("http://h:8093", {**HOUSE_STATUS, "speed": 120}),
                        "http://h:8093/")
    assert "120× faster" in text and "every 5 s" in text and "20 s" in text
