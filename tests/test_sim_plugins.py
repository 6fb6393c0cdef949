"""Finding the simulated house on the LAN (RoleFinder over the shared Browser), and the ``sim``
sensor class and relay output against the house's real API app (StubTreq, task.Clock)."""

from collections.abc import Callable
from typing import Any

import pytest
from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.task import Clock

from rpymostat.relay_agent.agent import build_outputs
from rpymostat.relay_agent.bank import Output, RelayBank
from rpymostat.relay_agent.config import load_config as relay_config
from rpymostat.relay_agent.outputs import OutputContext, OutputError
from rpymostat.relay_agent.outputs.sim import SimOutput
from rpymostat.relay_agent.spec import parse_output_spec
from rpymostat.sensor_agent.client import get_json
from rpymostat.sensor_agent.plugin import (
    SensorContext,
    SensorError,
    SensorValue,
    installed_plugins,
    plugin_kwargs,
)
from rpymostat.sensor_agent.rounds import Rounds, Taken
from rpymostat.sensor_agent.sensors.sim import SimSensor, house_values
from rpymostat.shared.discovery.browse import Browser
from rpymostat.shared.discovery.choose import choose
from rpymostat.shared.discovery.finder import NotFound, RoleFinder
from rpymostat.shared.discovery.records import Advert

from .helpers import result_of
from .test_house import HouseRig


def house_advert(name: str = "RPyMostat house on pi1", instance_id: str = "house-1",
                 address: str = "10.0.0.5") -> Advert:
    return Advert(name, "house", instance_id, 8093, (address,), "0.1.0", {"api": "/v1"})


ENGINE = Advert("RPyMostat engine on pi1", "engine", "engine-1", 8088, ("10.0.0.5",))


class FakeBrowser:
    """Stands in for :class:`Browser`: the test shows adverts; it calls ``on_change``."""

    def __init__(self, _reactor: Any, on_change: Callable[[], Any]) -> None:
        self.on_change = on_change
        self.adverts: list[Advert] = []
        self.running = False

    def start(self) -> Deferred[None]:
        self.running = True
        return succeed(None)

    def stop(self) -> Deferred[None]:
        self.running = False
        return succeed(None)

    def query(self) -> Deferred[None]:
        self.queries = getattr(self, "queries", 0) + 1
        return succeed(None)

    def of_role(self, role: str) -> list[Advert]:
        return [a for a in self.adverts if a.role == role]

    def show(self, *adverts: Advert) -> None:
        self.adverts = list(adverts)
        self.on_change()


class Browsers:
    """A browser factory that remembers what it made."""

    def __init__(self) -> None:
        self.made: list[FakeBrowser] = []

    def __call__(self, reactor: Any, on_change: Callable[[], Any]) -> FakeBrowser:
        self.made.append(FakeBrowser(reactor, on_change))
        return self.made[-1]

    @property
    def last(self) -> FakeBrowser:
        return self.made[-1]


class NoTimerHTTP:
    """StubTreq without the global-reactor timer treq starts for ``timeout=`` (these calls
    answer at once); records the time limits asked for."""

    def __init__(self, rig: HouseRig) -> None:
        self._stub = rig.treq
        self.timeouts: list[float] = []

    def get(self, url: str, timeout: float, **kw: Any) -> Any:
        self.timeouts.append(timeout)
        return self._stub.get(url, **kw)

    def put(self, url: str, timeout: float, **kw: Any) -> Any:
        self.timeouts.append(timeout)
        return self._stub.put(url, **kw)


# -- choosing and finding ------------------------------------------------------------------

def test_choose_speaks_of_the_role_it_looks_for() -> None:
    """The same choice as for engines, worded for the house, with the hint to pick one."""
    a, b = house_advert("house A", "a"), house_advert("house B", "b")
    assert choose([], None, what="house") == (
        "searching", None, "looking for a house on the LAN (mDNS)")
    state, _, message = choose([a, b], None, what="house", hint="set house=")
    assert state == "ambiguous" and message.endswith("; set house=") and "2 houses" in message
    assert choose([a, b], "b", what="house")[:2] == ("found", b)


def test_browser_lists_the_daemons_of_a_role() -> None:
    """The shared Browser keeps every advert; ``of_role`` picks one role's."""

    class Now:
        def callFromThread(self, f: Callable[..., Any], *args: Any) -> None:
            f(*args)

    browser = Browser(Now(), lambda: None)
    browser._seen("h", house_advert())
    browser._seen("e", ENGINE)
    assert browser.of_role("house") == [house_advert()] and browser.engines() == [ENGINE]


def test_finder_waits_until_the_house_is_found() -> None:
    """``wait`` fires when a house is advertised (an engine is not a house), at once after."""
    clock, browsers = Clock(), Browsers()
    finder = RoleFinder(clock, "house", browser=browsers)
    assert not browsers.made  # nothing runs before first use
    waiting = finder.wait(5)
    browsers.last.show(ENGINE)
    assert not waiting.called and finder.state == "searching"
    browsers.last.show(ENGINE, house_advert())
    assert result_of(waiting) == house_advert()
    assert result_of(finder.wait(5)) == house_advert() and len(browsers.made) == 1
    assert finder.status() == {"state": "found", "message": "found house"
                               " 'RPyMostat house on pi1'", "url": "http://10.0.0.5:8093"}
    assert not clock.getDelayedCalls()


def test_finder_gives_up_after_the_time_limit_saying_why() -> None:
    """Not found in time: NotFound with what was seen (two houses and no pin: ambiguous)."""
    clock, browsers = Clock(), Browsers()
    finder = RoleFinder(clock, "house", browser=browsers, hint="set house=")
    waiting = finder.wait(2)
    browsers.last.show(house_advert("house A", "a"), house_advert("house B", "b"))
    clock.advance(2)
    with pytest.raises(NotFound, match=r"2 houses on the LAN .*set house="):
        result_of(waiting)


def test_finder_pinned_by_id_ignores_other_houses_and_follows_loss() -> None:
    """With ``wanted``, only that house is taken; when it goes, ``current`` is None."""
    clock, browsers = Clock(), Browsers()
    finder = RoleFinder(clock, "house", wanted="b", browser=browsers,
                        check=lambda url, iid: succeed(None))  # nobody at its address
    finder.start()
    browsers.last.show(house_advert("house A", "a"))
    assert finder.current is None and "looking for house 'b'" in finder.message
    browsers.last.show(house_advert("house A", "a"), house_advert("house B", "b"))
    assert finder.current == house_advert("house B", "b")
    browsers.last.show(house_advert("house A", "a"))
    assert finder.current is None


def test_finder_stop_stops_browsing_and_fails_waiters() -> None:
    """Stop: the browser stops and whoever waits hears NotFound."""
    clock, browsers = Clock(), Browsers()
    finder = RoleFinder(clock, "house", browser=browsers)
    waiting = finder.wait(10)
    result_of(finder.stop())
    assert not browsers.last.running
    with pytest.raises(NotFound):
        result_of(waiting)
    assert not clock.getDelayedCalls()


def test_finder_browse_failure_is_an_error_state() -> None:
    """Browsing that cannot start (no multicast) says so to waiters and in status; the next
    use tries again."""

    class Broken(FakeBrowser):
        def start(self) -> Deferred[None]:
            return fail(OSError("no multicast"))

    made: list[type] = []

    def factory(reactor: Any, on_change: Callable[[], Any]) -> FakeBrowser:
        made.append(Broken if not made else FakeBrowser)
        return made[-1](reactor, on_change)  # type: ignore[no-any-return]

    finder = RoleFinder(Clock(), "house", browser=factory)
    waiting = finder.wait(5)
    assert finder.state == "error" and "no multicast" in finder.message
    with pytest.raises(NotFound, match="no multicast"):
        result_of(waiting)
    finder.wait(5)  # the next use tries again
    assert made == [Broken, FakeBrowser] and finder.state == "searching"


# -- the sim sensor class -------------------------------------------------------------------

def sensor_context(clock: Clock, rig: HouseRig) -> SensorContext:
    http = NoTimerHTTP(rig)
    return SensorContext(reactor=clock, blocking=lambda f: succeed(f()),
                         get_json=lambda url, limit: get_json(url, limit, http), timeout=2.0)


def test_sim_sensor_arguments_url_is_optional() -> None:
    """No argument is required; url still has to be http(s)."""
    plugin = installed_plugins()["sim"]
    assert plugin_kwargs(plugin, {}) == {"url": None, "field": "indoor_c", "id": "sim",
                                         "house": None}
    with pytest.raises(ValueError, match="http"):
        plugin_kwargs(plugin, {"url": "ftp://x"})


def test_discovered_house_gives_every_zone_and_the_outdoors() -> None:
    """Without url: the house found by mDNS, each zone a sensor plus ``outdoor``."""
    rig, browsers = HouseRig(RPYMOSTAT_HOUSE_ZONES="living,kitchen"), Browsers()
    sensor = SimSensor(sensor_context(rig.clock, rig), browser=browsers)
    reading = sensor.read()
    browsers.last.show(house_advert())
    house = rig.get("/v1/house")
    assert result_of(reading) == [
        SensorValue("living", house["zones"]["living"]["indoor_c"], "sim"),
        SensorValue("kitchen", house["zones"]["kitchen"]["indoor_c"], "sim"),
        SensorValue("outdoor", house["outdoor_c"], "sim")]
    result_of(sensor.close())
    assert not browsers.last.running


def test_until_the_house_is_found_a_read_fails_with_the_reason() -> None:
    """Not found within half the time limit: SensorError saying what the finder saw."""
    rig, browsers = HouseRig(), Browsers()
    sensor = SimSensor(sensor_context(rig.clock, rig), browser=browsers)
    reading = sensor.read()
    rig.clock.advance(1.0)
    with pytest.raises(SensorError, match=r"simulated house is not found: looking for a house"):
        result_of(reading)


def test_the_agent_reports_known_zones_as_none_when_the_house_is_lost() -> None:
    """Through the agent's rounds: once read, the house's sensors report None with the reason
    when the house goes away (a sensor never silently disappears)."""
    rig, browsers = HouseRig(), Browsers()
    sensor = SimSensor(sensor_context(rig.clock, rig), browser=browsers)
    batches: list[list[Taken]] = []
    rounds = Rounds(rig.clock, {"sim": sensor}, interval=5, timeout=4, sink=batches.append)
    rounds.startService()
    browsers.last.show(house_advert())
    rig.clock.advance(5)
    assert [t.sensor.value is not None for t in batches[-1]] == [True, True]
    browsers.last.show()
    rig.clock.advance(5)
    rig.clock.advance(1)
    lost = batches[-1]
    assert [(t.sensor.sensor_id, t.sensor.value) for t in lost] == [("house", None),
                                                                   ("outdoor", None)]
    assert "simulated house is not found" in (lost[0].sensor.error or "")
    rounds.stopService()


def test_a_house_that_fails_to_answer_is_a_sensor_error_naming_it() -> None:
    """Found but not answering: the error names the URL and the failure."""
    clock, browsers = Clock(), Browsers()
    context = SensorContext(reactor=clock, blocking=lambda f: succeed(f()),
                            get_json=lambda url, limit: fail(ConnectionRefusedError()),
                            timeout=2.0)
    sensor = SimSensor(context, browser=browsers)
    reading = sensor.read()
    browsers.last.show(house_advert())
    with pytest.raises(SensorError, match=r"http://10.0.0.5:8093/v1/house: .*ConnectionRefused"):
        result_of(reading)


def test_house_values_take_what_is_a_number() -> None:
    """A zone without a number reports None with the reason; no zones at all is an error."""
    values = house_values({"outdoor_c": 3, "zones": {"a": {"indoor_c": 20},
                                                     "b": {"indoor_c": "x"}, "c:d": {}}})
    assert [(v.sensor_id, v.value) for v in values] == [("a", 20.0), ("b", None),
                                                        ("outdoor", 3.0)]
    assert "not a number" in (values[1].error or "")
    with pytest.raises(SensorError, match="no zones"):
        house_values({"outdoor_c": 3})


def test_with_url_the_sensor_reads_one_field_of_the_house() -> None:
    """With url (no discovery): one sensor, the field's number."""
    rig = HouseRig()
    sensor = SimSensor(sensor_context(rig.clock, rig), url="http://h:8093/v1/zones/house",
                       id="living")
    assert sensor.finder is None
    assert result_of(sensor.read()) == [SensorValue("living", 19.0, "sim")]


# -- the sim relay output -------------------------------------------------------------------

def output_context(rig: HouseRig, timeout: float = 2.0) -> OutputContext:
    return OutputContext(rig.clock, lambda f: succeed(f()), NoTimerHTTP(rig), timeout)


def test_discovered_output_switches_the_zones_heater_and_cooler() -> None:
    """Without url: PUT to the found house's zone, heat or cool by the output's function."""
    rig, browsers = HouseRig(RPYMOSTAT_HOUSE_ZONES="house,attic"), Browsers()
    heat = SimOutput(output_context(rig), "heat", False, zone="attic", function="heat",
                     browser=browsers)
    cool = SimOutput(output_context(rig), "ac", False, zone="attic", function="cool",
                     browser=browsers)
    assert heat.where == "simulated house (mDNS), zone attic, heat"
    switching = heat.set(True)
    browsers.made[0].show(house_advert())
    result_of(switching)
    opening = cool.open(False)
    browsers.made[1].show(house_advert())
    result_of(opening)
    zones = rig.get("/v1/house")["zones"]
    assert (zones["attic"]["heater"], zones["attic"]["cooler"]) == (True, False)
    assert not zones["house"]["heater"]
    assert heat.where == "http://10.0.0.5:8093/v1/zones/attic/heat"
    result_of(heat.close())
    assert not browsers.made[0].running


def test_output_errors_name_the_cause() -> None:
    """Not found in time, an unknown zone (404), a function the house lacks: OutputError."""
    rig, browsers = HouseRig(), Browsers()
    lost = SimOutput(output_context(rig), "heat", False, function="heat", browser=browsers)
    switching = lost.set(True)
    rig.clock.advance(1.0)
    with pytest.raises(OutputError, match="simulated house is not found"):
        result_of(switching)
    nowhere = SimOutput(output_context(rig), "heat", False, zone="cellar", function="heat",
                        browser=browsers)
    switching = nowhere.set(True)
    browsers.last.show(house_advert())
    with pytest.raises(OutputError, match="zones/cellar/heat answered HTTP 404"):
        result_of(switching)
    fan = SimOutput(output_context(rig), "fan", False, function="fan", browser=browsers)
    with pytest.raises(OutputError, match="fan output needs url="):
        result_of(fan.set(True))


def test_with_url_the_output_puts_there() -> None:
    """With url (no discovery): PUT to it with the whole time limit."""
    rig = HouseRig()
    context = output_context(rig, timeout=3.0)
    out = SimOutput(context, "heat", False, url="http://h:8093/v1/zones/house/cool")
    assert out.finder is None and out.where == "http://h:8093/v1/zones/house/cool"
    result_of(out.set(True))
    assert rig.get("/v1/house")["zones"]["house"]["cooler"] is True
    assert context.http.timeouts == [3.0]


def test_the_agent_tells_each_output_its_function() -> None:
    """``heat=sim;ac=sim:function=cool``: built by the agent, each output switches its own
    side of the house's zone."""
    rig = HouseRig()
    config = relay_config({"RPYMOSTAT_RELAYS": "heat=sim:zone=house;ac=sim:function=cool"})
    outputs = build_outputs(config, output_context(rig))
    assert outputs["heat"].driver.where.endswith("zone house, heat")
    assert outputs["ac"].driver.where.endswith("zone house, cool")


def test_the_bank_faults_an_output_until_the_house_is_found() -> None:
    """The agent's failure handling applies: at start (house not found) the output is faulted
    with the reason; a later command, once the house is found, switches it."""
    rig, browsers = HouseRig(), Browsers()
    spec = parse_output_spec("heat=sim:min_on=0,min_off=0")
    driver = SimOutput(output_context(rig), "heat", False, function="heat", browser=browsers)
    outputs = {"heat": Output(spec, driver)}
    bank = RelayBank(rig.clock, outputs, (), lambda oid, relay: None, driver_timeout=2.0)
    starting = Deferred.fromCoroutine(bank.start())
    rig.clock.advance(1.0)
    result_of(starting)
    assert "simulated house is not found" in (bank.describe("heat")["fault"] or "")
    browsers.last.show(house_advert())
    verdict = result_of(Deferred.fromCoroutine(bank.command("heat", True)))
    assert verdict.allowed and bank.describe("heat")["fault"] is None
    assert rig.get("/v1/house")["zones"]["house"]["heater"] is True


def test_the_sensor_agent_closes_its_classes_on_stop() -> None:
    """On stop the agent calls ``close()`` of each class that has one (the sim class stops
    browsing); classes without it are left alone."""
    from rpymostat.sensor_agent.agent import ReaderCloser

    rig, browsers = HouseRig(), Browsers()
    sensor = SimSensor(sensor_context(rig.clock, rig), browser=browsers)
    reading = sensor.read()
    closer = ReaderCloser({"sim": sensor, "plain": object()})  # type: ignore[dict-item]
    closer.startService()
    assert browsers.last.running
    result_of(closer.stopService())
    assert not browsers.last.running
    with pytest.raises(SensorError, match="stopped looking for the house"):
        result_of(reading)
