"""The plugin author's guide's worked example (docs/examples/rpymostat-example-plugins) works:
its entry points name its classes; the ``file`` sensor and the ``logfile`` output run through
the agents' argument parsing; the ``dates`` scheduler and the ``bangbang`` decider run inside
the real engine (REST API, zone book, decision loop) on a task.Clock and switch the heat."""

import sys
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from twisted.internet.defer import Deferred, succeed
from twisted.internet.task import Clock

from rpymostat.relay_agent.outputs import OutputContext
from rpymostat.sensor_agent.plugin import SensorContext, plugin_kwargs

from ..helpers import ZoneEngine, result_of

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "rpymostat-example-plugins"
sys.path.insert(0, str(EXAMPLE / "src"))

from rpymostat_example.decider import BangBangDecider  # noqa: E402
from rpymostat_example.output import LogFileOutput  # noqa: E402
from rpymostat_example.scheduler import DatesScheduler  # noqa: E402
from rpymostat_example.sensor import FileSensor  # noqa: E402

T0 = datetime(2026, 12, 24, 9, 0, tzinfo=UTC).timestamp()


def now_blocking(f: Any) -> Deferred[Any]:
    """The agents run blocking work on a thread; here it runs at once."""
    try:
        return succeed(f())
    except Exception as e:
        from twisted.internet.defer import fail

        return fail(e)


def test_entry_points_name_the_classes() -> None:
    """Each entry point of the example's pyproject resolves to the class of that name."""
    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text())["project"]
    groups = project["entry-points"]
    found = {}
    for group, entries in groups.items():
        for name, target in entries.items():
            module, _, attr = target.partition(":")
            plugin = getattr(__import__(module, fromlist=[attr]), attr)
            assert plugin.name == name, (group, name)
            found[group] = plugin
    assert found == {"rpymostat.sensors": FileSensor, "rpymostat.relays": LogFileOutput,
                     "rpymostat.schedulers": DatesScheduler,
                     "rpymostat.deciders": BangBangDecider}


def test_file_sensor(tmp_path: Path) -> None:
    """``-c file=path=...,id=flow`` reads the number; a bad file is an error value."""
    path = tmp_path / "flow_c"
    path.write_text("42.5\n")
    kwargs = plugin_kwargs(FileSensor, {"path": str(path), "id": "flow"})  # type: ignore[arg-type]
    sensor = FileSensor(SensorContext(Clock(), now_blocking, lambda u, t: succeed({}), 1.0),
                        **kwargs)
    [value] = result_of(sensor.read())
    assert (value.sensor_id, value.value, value.error) == ("flow", 42.5, None)
    path.write_text("warm")
    [value] = result_of(sensor.read())
    assert value.value is None and "not a number" in (value.error or "")


def test_logfile_output(tmp_path: Path) -> None:
    """open drives the safe state at once; set appends each level (polarity applied)."""
    path = tmp_path / "requests"
    out = LogFileOutput(OutputContext(Clock(), now_blocking, None, 1.0), "heat", False,
                        function="heat", path=path)
    result_of(out.open(False))
    result_of(out.set(True))
    result_of(out.set(False))
    assert path.read_text().splitlines() == ["off", "on", "off"]
    low = LogFileOutput(OutputContext(Clock(), now_blocking, None, 1.0), "heat", True,
                        function="heat", path=tmp_path / "low")
    result_of(low.set(True))
    assert (tmp_path / "low").read_text() == "off\n"


class PluginEngine(ZoneEngine):
    """The ZoneEngine of the unit tests with the example's scheduler and decider installed."""

    def start_zones(self, *, stale_after: float = 600.0, interval: float = 60.0,
                    manual_hold: float = 3600.0) -> None:
        from treq.testing import StubTreq

        from rpymostat.engine.api import EngineAPI
        from rpymostat.engine.schedule.schedulers import installed_schedulers
        from rpymostat.engine.zones.book import ZoneBook
        from rpymostat.engine.zones.control import ZoneControl
        from rpymostat.engine.zones.deciders.base import installed_deciders
        from rpymostat.shared.auth import AuthMode, BearerAuth

        from ..helpers import TOKEN

        schedulers = {**installed_schedulers(), "dates": DatesScheduler}
        deciders = {**installed_deciders(), "bangbang": BangBangDecider}
        self.zones = ZoneControl(self.clock, self.store,
                                 ZoneBook(self.store, schedulers, "UTC"),  # type: ignore[arg-type]
                                 bus=self.bus, alarms=self.alarms,
                                 deciders=deciders,  # type: ignore[arg-type]
                                 relays=self.relays, stale_after=stale_after,
                                 interval=interval, manual_hold=manual_hold)
        self.zones.startService()
        assert self.zones.loaded is not None
        result_of(self.zones.loaded)
        self.api = EngineAPI(self.store, BearerAuth(TOKEN, AuthMode.ON), self.clock,
                             stale_after, bus=self.bus, relays=self.relays, zones=self.zones)
        self.treq = StubTreq(self.api.resource())


def test_scheduler_and_decider_inside_the_engine() -> None:
    """With ``decider: bangbang`` and a ``dates`` schedule of 22 °C today, a reading of 21.9
    switches the heat on (bangbang has no tolerance), with bangbang's reason; the plan says
    the schedule's target; bad scheduler params are a 422 naming them."""
    engine = PluginEngine(start=T0, timezone="UTC")
    code, body = engine.request("PATCH", "/v1/zones/house", {
        "decider": "bangbang", "decider_params": {"min_on_s": 0, "min_off_s": 0}})
    assert code == 200, body
    code, body = engine.request("POST", "/v1/zones/house/schedules", {
        "name": "christmas", "target": 22.0, "scheduler": "dates",
        "params": {"dates": ["2026-12-24"], "from": "07:00", "to": "23:00"}})
    assert code == 201, body
    assert body["describe"] == "2026-12-24 07:00-23:00"
    code, body = engine.request("POST", "/v1/zones/house/schedules", {
        "name": "bad", "target": 22.0, "scheduler": "dates",
        "params": {"dates": ["24.12.2026"], "from": "07:00", "to": "23:00"}})
    assert code == 422 and "dates" in body["error"], body
    code, _ = engine.request("POST", "/v1/relays/register", {
        "host_id": "h1", "boot": "agent-boot-1", "version": "1", "port": 8081,
        "watchdog_s": 20,
        "relays": [{"id": "heat", "function": "heat", "state": "off", "safe_state": "off"}]})
    assert code == 201
    assert engine.request("GET", "/v1/zones/house/target")[1]["target"] == 22.0
    code, _ = engine.request("PUT", "/v1/sensors/update", {
        "host_id": "th", "sensors": {"t": {"type": "temperature", "value": 21.9}}})
    assert code == 201
    engine.clock.advance(0)
    last = engine.request("GET", "/v1/zones/house/decisions?limit=1")[1]["decisions"][0]
    assert last["state"] == "heating" and "21.9 °C < 22.0 °C" in last["reason"], last
    assert engine.agent.states.get("heat") is True


@pytest.mark.parametrize("params", [
    {"dates": [], "from": "07:00", "to": "23:00"},
    {"dates": ["2026-12-24"], "from": "23:00", "to": "07:00"},
    {"dates": ["2026-12-24"], "from": "7", "to": "23:00"}])
def test_scheduler_refuses_bad_params(params: dict[str, Any]) -> None:
    """An empty list, an end before the start, a malformed time: ValueError."""
    with pytest.raises(ValueError):
        DatesScheduler.parse(params)
