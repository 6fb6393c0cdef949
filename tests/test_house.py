"""The simulated house daemon: settings, the running house on a task.Clock, its HTTP API
(through StubTreq, no sockets) and its page."""

import json
import re
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from treq.testing import StubTreq
from twisted.internet.task import Clock
from twisted.python import usage

from rpymostat.engine import __version__
from rpymostat.engine.sim.api import HouseAPI
from rpymostat.engine.sim.config import load_config
from rpymostat.engine.sim.openapi import house_openapi
from rpymostat.engine.sim.service import HISTORY, RunningHouse, new_house
from rpymostat.engine.sim.tap import Options, build_service
from rpymostat.shared.envconfig import ConfigError
from rpymostat.shared.errors import Unprocessable
from rpymostat.shared.relaycmd import parse_state_command

from .helpers import result_of

START = 1_790_000_000.0  # 2026-09-21T14:13:20Z


class HouseRig:
    """A running house on a Clock and its API through StubTreq."""

    def __init__(self, **env: str) -> None:
        self.clock = Clock()
        self.clock.advance(START)
        self.config = load_config({"RPYMOSTAT_HOUSE_WEATHER_SD": "0", **env})
        self.house = RunningHouse(self.clock, new_house(self.config, START), self.config.speed)
        self.house.startService()
        self.treq = StubTreq(HouseAPI(self.house, __version__,
                                      lambda: {"instance_id": "abc"}).resource())

    def request(self, method: str, path: str, body: Any = None, *, raw: bytes | None = None
                ) -> tuple[int, Any]:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        response = result_of(self.treq.request(method, f"http://house{path}", data=data))
        content = result_of(self.treq.content(response))
        ctype = response.headers.getRawHeaders(b"content-type", [b""])[0]
        if ctype.startswith(b"application/json"):
            return response.code, json.loads(content)
        return response.code, content.decode()

    def get(self, path: str) -> Any:
        code, body = self.request("GET", path)
        assert code == 200, body
        return body


# -- settings ------------------------------------------------------------------------------

def test_defaults_are_a_winter_day_sixty_times_faster() -> None:
    """Unset, the house listens on 8093, runs 60× faster, has one zone ``house`` at 16 °C on
    a 5 ± 4 °C day, and advertises itself."""
    c = load_config({})
    assert (c.listen, c.speed, c.zones, c.start_c) == ("tcp:8093", 60.0, ("house",), 19.0)
    assert (c.outdoor_mean, c.outdoor_amplitude, c.seed, c.advertise) == (5.0, 4.0, 0, True)


@pytest.mark.parametrize(("name", "value"), [
    ("RPYMOSTAT_HOUSE_SPEED", "0"), ("RPYMOSTAT_HOUSE_SPEED", "fast"),
    ("RPYMOSTAT_HOUSE_SPEED", "1e9"), ("RPYMOSTAT_HOUSE_SPEED", "nan"),
    ("RPYMOSTAT_HOUSE_ZONES", ""), ("RPYMOSTAT_HOUSE_ZONES", "a,a"),
    ("RPYMOSTAT_HOUSE_ZONES", "a:b"), ("RPYMOSTAT_HOUSE_ZONES", "house,outdoor"),
    ("RPYMOSTAT_HOUSE_OUTDOOR_MEAN", "inf"), ("RPYMOSTAT_HOUSE_OUTDOOR_AMPLITUDE", "-1"),
    ("RPYMOSTAT_HOUSE_START_C", "100"), ("RPYMOSTAT_HOUSE_SEED", "x"),
    ("RPYMOSTAT_HOUSE_LISTEN", "nonsense:1"), ("RPYMOSTAT_ADVERTISE", "maybe"),
])
def test_a_bad_value_names_its_variable(name: str, value: str) -> None:
    """Every invalid setting is refused with the variable's name (the daemon exits 2)."""
    with pytest.raises(ConfigError, match=name):
        load_config({name: value})
    with pytest.raises(usage.UsageError, match=name):
        Options({name: value}).parseOptions([])


def test_zones_are_a_comma_list() -> None:
    """``living, kitchen`` is two zones, in order."""
    assert load_config({"RPYMOSTAT_HOUSE_ZONES": "living, kitchen"}).zones == ("living",
                                                                               "kitchen")


def test_show_config_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    """``--show-config`` prints every variable with its effective value and exits 0."""
    with pytest.raises(SystemExit) as exit_:
        Options({"RPYMOSTAT_HOUSE_SPEED": "120"}).parseOptions(["--show-config"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert re.search(r"RPYMOSTAT_HOUSE_SPEED\s+factor\s+60\s+120", out), out


# -- time --------------------------------------------------------------------------------

def test_simulated_time_runs_speed_times_faster_on_the_clock() -> None:
    """One clock second is ``speed`` simulated seconds, and the model follows on the timer."""
    rig = HouseRig(RPYMOSTAT_HOUSE_SPEED="60")
    assert rig.house.house.now == START
    rig.clock.advance(10)
    assert rig.house.sim_time() == START + 600
    assert rig.house.house.now == START + 600  # the tick advanced it
    rig.clock.advance(0.5)
    assert rig.get("/v1/house")["time"] == "2026-09-21T14:23:50Z"  # each answer advances too


def test_the_heater_warms_the_zone_and_counts_energy_and_switches() -> None:
    """The heater on for a simulated hour warms the zone by what the model says and uses
    12 kWh (the default 12 kW boiler); off again, the zone cools towards the outdoors."""
    rig = HouseRig(RPYMOSTAT_HOUSE_START_C="16")
    cold = rig.get("/v1/zones/house")["indoor_c"]
    assert rig.request("PUT", "/v1/zones/house/heat", {"state": "on"}) == (200, {"state": "on"})
    rig.clock.advance(60)  # one simulated hour
    warm = rig.get("/v1/house")["zones"]["house"]
    assert warm["heater"] and not warm["cooler"]
    assert warm["indoor_c"] > cold + 1.5
    assert warm["heat_kwh"] == pytest.approx(12.0, abs=0.01)
    rig.request("PUT", "/v1/zones/house/heat", {"state": "off"})
    rig.clock.advance(60)
    after = rig.get("/v1/house")["zones"]["house"]
    assert after["indoor_c"] < warm["indoor_c"] and after["switches"] == 2


def test_the_house_obeys_heater_and_cooler_together() -> None:
    """Keeping heat and cool apart is the engine's job: the model just shows what it is told
    (both on, both using energy)."""
    rig = HouseRig()
    rig.request("PUT", "/v1/zones/house/heat", {"state": "on"})
    rig.request("PUT", "/v1/zones/house/cool", {"state": "on"})
    rig.clock.advance(60)
    zone = rig.get("/v1/house")["zones"]["house"]
    assert zone["heater"] and zone["cooler"] and zone["cool_kwh"] > 0 and zone["heat_kwh"] > 0


def test_repeating_a_state_is_not_a_switch() -> None:
    """PUT on twice counts one switch (like a relay that is already on)."""
    rig = HouseRig()
    for _ in range(2):
        rig.request("PUT", "/v1/zones/house/heat", {"state": "on"})
    assert rig.get("/v1/house")["zones"]["house"]["switches"] == 1


# -- the API -------------------------------------------------------------------------------

def test_house_zone_and_outdoor_shapes() -> None:
    """``/v1/house``, ``/v1/zones/<z>`` and ``/v1/outdoor`` answer what the sim plugins and
    the page read, and follow the documented schemas."""
    rig = HouseRig(RPYMOSTAT_HOUSE_ZONES="living,kitchen")
    house = rig.get("/v1/house")
    assert set(house) >= {"time", "speed", "outdoor_c", "zones"} and house["speed"] == 60
    assert list(house["zones"]) == ["living", "kitchen"]
    assert set(house["zones"]["living"]) == {"indoor_c", "heater", "cooler", "heat_kwh",
                                             "cool_kwh", "switches"}
    zone = rig.get("/v1/zones/kitchen")
    assert set(zone) >= {"indoor_c", "outdoor_c", "heater", "cooler", "time"}
    outdoor = rig.get("/v1/outdoor")
    assert outdoor["outdoor_c"] == house["outdoor_c"] == zone["outdoor_c"]
    doc = house_openapi(__version__)
    for name, body in (("House", house), ("Zone", zone), ("Outdoor", outdoor)):
        jsonschema.validate(body, {"$ref": f"#/components/schemas/{name}",
                                   "components": doc["components"]})


def test_unknown_zone_or_output_is_404() -> None:
    """An unknown zone (GET or PUT) or an output other than heat/cool is a 404 naming it, even
    with a bad body."""
    rig = HouseRig()
    code, body = rig.request("GET", "/v1/zones/attic")
    assert code == 404 and "attic" in body["error"] and "house" in body["error"]
    assert rig.request("PUT", "/v1/zones/attic/heat", {"state": "on"})[0] == 404
    code, body = rig.request("PUT", "/v1/zones/house/fan", raw=b"not json")
    assert code == 404 and "fan" in body["error"]


@pytest.mark.parametrize(("raw", "code", "words"), [
    (b"", 400, "empty"), (b"{", 400, "not valid JSON"), (b"[]", 422, "JSON object"),
    (b'{"state": "ON"}', 422, "state must be"), (b'{"state": true}', 422, "state must be"),
    (b'{"state": "on", "level": 3}', 422, "unknown field(s): level"),
    (b"x" * 5000, 413, "larger than"),
])
def test_bad_put_bodies_are_4xx_naming_the_problem(raw: bytes, code: int, words: str) -> None:
    """A body that is not ``{"state": "on"|"off"}`` is refused with a JSON error; the zone is
    not switched."""
    rig = HouseRig()
    got, body = rig.request("PUT", "/v1/zones/house/heat", raw=raw)
    assert (got, body["status"]) == (code, "error") and words in body["error"], body
    assert rig.get("/v1/house")["zones"]["house"]["switches"] == 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
    | st.sampled_from(["on", "off"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["state", "source", "x"]) | st.text(max_size=5), inner, max_size=3),
    max_leaves=8)


@given(json_values)
def test_the_put_body_parser_accepts_exactly_the_relay_body(body: Any) -> None:
    """Property: any JSON value is either ``{"state": "on"|"off"[, "source"]}`` (parsed to a
    bool) or refused with a 422 — never another exception."""
    valid = isinstance(body, dict) and set(body) <= {"state", "source"} \
        and body.get("state") in ("on", "off") \
        and (isinstance(body.get("source", "x"), str) and 0 < len(body.get("source", "x")) <= 64)
    try:
        on = parse_state_command(body)
    except Unprocessable:
        assert not valid
        return
    assert valid and on == (body["state"] == "on")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=64) | json_values.map(lambda v: json.dumps(v).encode()),
       st.sampled_from(["heat", "cool"]))
def test_a_put_of_any_body_is_200_or_a_json_4xx(raw: bytes, function: str) -> None:
    """Property: whatever the body, the route answers 200 with the state it set or a 4xx JSON
    error — never a 500 — and the heater/cooler is on exactly when it said so."""
    rig = HouseRig()
    code, body = rig.request("PUT", f"/v1/zones/house/{function}", raw=raw)
    assert code == 200 or 400 <= code < 500, (code, body)
    zone = rig.get("/v1/house")["zones"]["house"]
    output = zone["heater"] if function == "heat" else zone["cooler"]
    if code == 200:
        assert output == (body["state"] == "on")
    else:
        assert body["status"] == "error" and not output


def test_status_openapi_and_history() -> None:
    """``/v1/status`` names the service, speed, zones and instance id; the OpenAPI document
    lists every route; the history keeps one sample a tick, at most HISTORY."""
    rig = HouseRig()
    status = rig.get("/v1/status")
    assert status["status"] is True and status["instance_id"] == "abc"
    assert (status["speed"], status["zones"]) == (60, ["house"])
    routes = set()
    for rule in HouseAPI.app.url_map.iter_rules():
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule).replace("{zone_id}", "{zone}")
        routes |= {(m.lower(), path) for m in rule.methods or () if m not in ("HEAD",
                                                                                "OPTIONS")}
    documented = {(m, p) for p, item in rig.get("/v1/openapi.json")["paths"].items()
                  for m in item}
    assert routes == documented
    for _ in range(HISTORY + 10):
        rig.clock.advance(1)
    samples = rig.get("/v1/house/history")["samples"]
    assert len(samples) == HISTORY
    assert set(samples[-1]) == {"time", "outdoor_c", "zones"}


def test_the_page_says_how_fast_time_runs_and_needs_no_other_site() -> None:
    """``GET /`` is a self-contained HTML page naming the real speed; it polls /v1/house and
    loads nothing from elsewhere (no CDN)."""
    code, page = HouseRig(RPYMOSTAT_HOUSE_SPEED="120").request("GET", "/")
    assert code == 200 and page.startswith("<!doctype html>")
    assert "Simulated house — time runs 120× faster" in page
    assert "/v1/house" in page and "<svg" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)


def test_build_service_has_house_listener_and_advert_only_when_on() -> None:
    """The service tree: the running house and the listener, plus the advert unless
    RPYMOSTAT_ADVERTISE=off."""
    clock = Clock()
    clock.advance(START)
    on = build_service(load_config({}), clock)
    off = build_service(load_config({"RPYMOSTAT_ADVERTISE": "off"}), clock)
    names = [type(s).__name__ for s in on]
    assert names[:1] == ["RunningHouse"] and "AdvertiseService" in names
    assert "AdvertiseService" not in [type(s).__name__ for s in off]
