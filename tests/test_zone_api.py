"""The engine's zone REST API: /v1/zones, /v1/zones/<z> (settings, schedules, overrides, the
adjustment, target, plan, decisions) and /v1/plugins, through the ZoneEngine harness.

The harness clock starts at 1_790_000_000 = Monday 2026-09-21 14:13:20 UTC, which is
16:13:20 in the zones' time zone Europe/Berlin (CEST, UTC+2).
"""

import itertools
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from jsonschema.validators import Draft202012Validator

from .helpers import SEED_EXAMPLE, ZoneEngine, result_of
from .test_ingest import json_values

NOW = "2026-09-21T14:13:20Z"
SENSOR = "myhostid:1058F50F01080047"
# Monday to Friday 17:00-19:00 Berlin = 15:00-17:00 UTC; at NOW the next block starts 15:00Z.
EVENING = {"days": "mon-fri", "from": "17:00", "to": "19:00"}
ALL_DAY = {"days": "daily", "from": "00:00", "to": "24:00"}
DEFAULT_PRESETS = {"home": 20.0, "away": 15.0, "eco": 17.0, "sleep": 18.0, "comfort": 21.5,
                   "custom": 20.0}
HOUSE_DEFAULTS = {"name": "House", "mode": "heat", "deadband": 2.0, "presets": DEFAULT_PRESETS,
                  "default_target": "home", "frost_c": 7.0, "max_c": 35.0,
                  "timezone": "Europe/Berlin", "decider": "hysteresis", "decider_params": {},
                  "safe_mode": "frost_only", "safe_duty": 0.2, "sensor_weights": {},
                  "outputs": []}
SETTINGS = tuple(HOUSE_DEFAULTS)


@pytest.fixture
def ze() -> ZoneEngine:
    """A fresh engine with relay and zone control on a Clock."""
    return ZoneEngine()


def ok(engine: ZoneEngine, method: str, path: str, body: Any = None, code: int = 200,
       **kwargs: Any) -> Any:
    """The answer's body, after checking its status."""
    got, answer = engine.request(method, path, body, **kwargs)
    assert got == code, (method, path, body, answer)
    return answer


def err(engine: ZoneEngine, method: str, path: str, body: Any = None, code: int = 422,
        *needles: str, **kwargs: Any) -> str:
    """The error message of a 4xx answer, after checking its status, form and wording."""
    got, answer = engine.request(method, path, body, **kwargs)
    assert got == code, (method, path, body, answer)
    assert isinstance(answer, dict) and answer["status"] == "error", answer
    message = answer["error"]
    assert isinstance(message, str) and message
    for needle in needles:
        assert needle in message, (needle, message)
    return message


def settings_of(doc: dict[str, Any]) -> dict[str, Any]:
    """A zone document's settings (without state, current target and seq)."""
    return {k: doc[k] for k in SETTINGS}


def add_schedule(engine: ZoneEngine, target: Any, params: dict[str, Any] | None = None,
                 scheduler: str = "weekly", zone: str = "house", **extra: Any) -> dict[str, Any]:
    body = {"target": target, "scheduler": scheduler, "params": params or EVENING, **extra}
    return ok(engine, "POST", f"/v1/zones/{zone}/schedules", body, 201)  # type: ignore[no-any-return]


# -- zones -------------------------------------------------------------------------------------

def test_house_exists_with_documented_defaults(ze: ZoneEngine) -> None:
    house = ok(ze, "GET", "/v1/zones/house")
    assert house["id"] == "house"
    assert settings_of(house) == HOUSE_DEFAULTS
    assert set(house["presets"]) == {"home", "away", "eco", "sleep", "comfort", "custom"}
    assert house["state"]["zone"] == "house"
    assert house["current"]["kind"] == "default"
    zones = ok(ze, "GET", "/v1/zones")["zones"]
    assert [z["id"] for z in zones] == ["house"]
    assert settings_of(zones[0]) == HOUSE_DEFAULTS


def test_house_cannot_be_deleted(ze: ZoneEngine) -> None:
    err(ze, "DELETE", "/v1/zones/house", None, 409, "house")
    assert settings_of(ok(ze, "GET", "/v1/zones/house")) == HOUSE_DEFAULTS


def test_create_zone_then_duplicate_is_409(ze: ZoneEngine) -> None:
    bed = ok(ze, "POST", "/v1/zones", {"id": "bed"}, 201)
    assert bed["id"] == "bed" and bed["name"] == "bed"
    assert bed["timezone"] == "Europe/Berlin"  # the house's
    assert {k: v for k, v in settings_of(bed).items() if k != "name"} == \
        {k: v for k, v in HOUSE_DEFAULTS.items() if k != "name"}
    assert ok(ze, "GET", "/v1/zones/bed") == bed
    assert [z["id"] for z in ok(ze, "GET", "/v1/zones")["zones"]] == ["bed", "house"]
    err(ze, "POST", "/v1/zones", {"id": "bed"}, 409, "bed")
    err(ze, "POST", "/v1/zones", {"id": "house"}, 409, "house")


def test_create_zone_with_settings(ze: ZoneEngine) -> None:
    body = {"id": "attic.2", "name": "Attic", "mode": "cool", "presets": {"sleep": 16},
            "default_target": "sleep", "timezone": "UTC", "decider": "tpi",
            "decider_params": {"cycle_s": 600}}
    made = ok(ze, "POST", "/v1/zones", body, 201)
    assert made["name"] == "Attic" and made["mode"] == "cool"
    assert made["presets"] == {**DEFAULT_PRESETS, "sleep": 16.0}
    assert made["default_target"] == "sleep" and made["timezone"] == "UTC"
    assert made["decider"] == "tpi" and made["decider_params"] == {"cycle_s": 600}
    target = ok(ze, "GET", "/v1/zones/attic.2/target")
    assert target["target"] == 16.0 and target["preset"] == "sleep"
    assert target["cool_setpoint"] == 16.0 and target["heat_setpoint"] is None


@pytest.mark.parametrize("body", [
    {"id": "bad id"}, {"id": ""}, {"id": "-lead"}, {"id": "a/b"}, {"id": "x" * 65},
    {"id": 5}, {"id": None}, {"id": ["bed"]},
])
def test_create_zone_bad_id_is_422(ze: ZoneEngine, body: dict[str, Any]) -> None:
    err(ze, "POST", "/v1/zones", body, 422, "id")
    assert [z["id"] for z in ok(ze, "GET", "/v1/zones")["zones"]] == ["house"]


@pytest.mark.parametrize(("body", "needle"), [
    ({}, "id is missing"),
    ({"name": "x"}, "id is missing"),
    ({"id": "bed", "colour": "red"}, "colour"),
    ({"id": "bed", "mode": "warm"}, "mode"),
    ({"id": "bed", "presets": {"away": 40}}, "presets.away"),
    ([], "JSON object"),
    ("bed", "JSON object"),
])
def test_create_zone_bad_body_is_422(ze: ZoneEngine, body: Any, needle: str) -> None:
    err(ze, "POST", "/v1/zones", body, 422, needle)
    err(ze, "GET", "/v1/zones/bed", None, 404)


@pytest.mark.parametrize(("change", "expected"), [
    ({"name": "Ground floor"}, {"name": "Ground floor"}),
    ({"name": "  Spaced  "}, {"name": "Spaced"}),
    ({"mode": "auto"}, {"mode": "auto"}),
    ({"mode": "off"}, {"mode": "off"}),
    ({"deadband": 1.5}, {"deadband": 1.5}),
    ({"presets": {"away": 16}}, {"presets": {**DEFAULT_PRESETS, "away": 16.0}}),
    ({"default_target": 21.5}, {"default_target": 21.5}),
    ({"default_target": "eco"}, {"default_target": "eco"}),
    ({"frost_c": 5}, {"frost_c": 5.0}),
    ({"max_c": 30}, {"max_c": 30.0}),
    ({"timezone": "America/New_York"}, {"timezone": "America/New_York"}),
    ({"decider": "tpi"}, {"decider": "tpi", "decider_params": {}}),
    ({"decider_params": {"cold_tolerance": 0.5}}, {"decider_params": {"cold_tolerance": 0.5}}),
    ({"safe_mode": "low_duty"}, {"safe_mode": "low_duty"}),
    ({"safe_duty": 0.5}, {"safe_duty": 0.5}),
    ({"sensor_weights": {SENSOR: 2}}, {"sensor_weights": {SENSOR: 2.0}}),
    ({"outputs": ["agent1:r1", "agent1:r1", "agent1:r2"]},
     {"outputs": ["agent1:r1", "agent1:r2"]}),
    ({"frost_c": 30, "presets": dict.fromkeys(DEFAULT_PRESETS, 32)},  # exactly the 5 °C gap
     {"frost_c": 30.0, "presets": dict.fromkeys(DEFAULT_PRESETS, 32.0)}),
])
def test_patch_each_field(ze: ZoneEngine, change: dict[str, Any],
                          expected: dict[str, Any]) -> None:
    patched = ok(ze, "PATCH", "/v1/zones/house", change)
    assert settings_of(patched) == {**HOUSE_DEFAULTS, **expected}
    assert settings_of(ok(ze, "GET", "/v1/zones/house")) == {**HOUSE_DEFAULTS, **expected}


@pytest.mark.parametrize(("change", "needles"), [
    ({"mode": "warm"}, ["mode"]),
    ({"mode": True}, ["mode"]),
    ({"deadband": 0}, ["deadband"]),
    ({"deadband": 11}, ["deadband"]),
    ({"deadband": "2"}, ["deadband"]),
    ({"presets": {"away": 50}}, ["presets.away"]),
    ({"presets": {"away": 40}}, ["presets.away", "35"]),  # within 0..45 but above max_c
    ({"presets": {"away": 5}}, ["presets.away"]),  # below frost_c
    ({"presets": {"holiday": 20}}, ["presets", "holiday"]),
    ({"presets": {"away": "cold"}}, ["presets.away"]),
    ({"frost_c": 31}, ["max_c", "frost_c"]),  # less than 5 °C below max_c
    ({"max_c": 11}, ["max_c", "frost_c"]),
    ({"frost_c": 30}, ["presets."]),  # the 5 °C gap holds, but presets fall below frost_c
    ({"frost_c": -1}, ["frost_c"]),
    ({"max_c": 46}, ["max_c"]),
    ({"timezone": "Mars/Base"}, ["timezone", "Mars/Base"]),
    ({"timezone": ""}, ["timezone"]),
    ({"timezone": 1}, ["timezone"]),
    ({"timezone": "../../etc/passwd"}, ["timezone"]),
    ({"decider": "nope"}, ["decider", "nope"]),
    ({"decider_params": {"bogus": 1}}, ["decider_params", "bogus"]),
    ({"decider_params": {"cold_tolerance": 99}}, ["decider_params.cold_tolerance"]),
    ({"decider_params": {"cold_tolerance": -1}}, ["decider_params.cold_tolerance"]),
    ({"decider_params": []}, ["decider_params"]),
    ({"decider": "tpi", "decider_params": {"cold_tolerance": 1}}, ["decider_params"]),
    ({"outputs": ["bad"]}, ["outputs[0]"]),
    ({"outputs": ["agent1:r1", "agent1:"]}, ["outputs[1]"]),
    ({"outputs": "agent1:r1"}, ["outputs"]),
    ({"outputs": [f"a:r{i}" for i in range(65)]}, ["outputs"]),
    ({"sensor_weights": {SENSOR: 0}}, ["sensor_weights"]),
    ({"sensor_weights": {SENSOR: -1}}, ["sensor_weights"]),
    ({"sensor_weights": {SENSOR: 101}}, ["sensor_weights"]),
    ({"sensor_weights": {SENSOR: "1"}}, ["sensor_weights"]),
    ({"sensor_weights": {"nocolon": 1}}, ["sensor_weights", "nocolon"]),
    ({"sensor_weights": []}, ["sensor_weights"]),
    ({"default_target": 50}, ["default_target"]),
    ({"default_target": 3}, ["default_target"]),
    ({"default_target": "warm"}, ["default_target"]),
    ({"default_target": None}, ["default_target"]),
    ({"safe_mode": "x"}, ["safe_mode"]),
    ({"safe_duty": 2}, ["safe_duty"]),
    ({"name": ""}, ["name"]),
    ({"name": 5}, ["name"]),
    ({"name": "n" * 65}, ["name"]),
    ({"colour": "red"}, ["unknown field", "colour"]),
    ({"id": "other"}, ["unknown field", "id"]),
    ({}, ["nothing to change"]),
    ([], ["JSON object"]),
    ("house", ["JSON object"]),
])
def test_patch_bad_field_is_422_naming_it(ze: ZoneEngine, change: Any,
                                          needles: list[str]) -> None:
    err(ze, "PATCH", "/v1/zones/house", change, 422, *needles)
    assert settings_of(ok(ze, "GET", "/v1/zones/house")) == HOUSE_DEFAULTS


def test_patch_without_body_is_400(ze: ZoneEngine) -> None:
    err(ze, "PATCH", "/v1/zones/house", None, 400, raw=b"")
    err(ze, "PATCH", "/v1/zones/house", None, 400, raw=b"{not json")
    err(ze, "PATCH", "/v1/zones/house", None, 400, raw=b'{"deadband": NaN}')
    err(ze, "PATCH", "/v1/zones/house", None, 422, "JSON object", raw=b"null")


@pytest.mark.parametrize(("method", "path", "body"), [
    ("PATCH", "/v1/zones/house", {"timezone": "Europe"}),
    ("PATCH", "/v1/zones/house", {"timezone": "America"}),
    ("POST", "/v1/zones", {"id": "bed", "timezone": "Etc"}),
])
def test_timezone_that_is_a_tzdata_directory_is_422(ze: ZoneEngine, method: str, path: str,
                                                    body: dict[str, Any]) -> None:
    """Regression: ZoneInfo("Europe") raises IsADirectoryError (an OSError), which
    timespec.parse_zone_name did not catch: the answer was a 500."""
    err(ze, method, path, body, 422, "timezone")


BIG = 10 ** 400  # valid JSON; too large for a float


@pytest.mark.parametrize(("method", "path", "body", "needle"), [
    ("PATCH", "/v1/zones/house", {"deadband": BIG}, "deadband"),
    ("PATCH", "/v1/zones/house", {"default_target": BIG}, "default_target"),
    ("PATCH", "/v1/zones/house", {"presets": {"home": BIG}}, "presets.home"),
    ("PATCH", "/v1/zones/house", {"sensor_weights": {SENSOR: BIG}}, "sensor_weights"),
    ("PATCH", "/v1/zones/house", {"decider_params": {"cold_tolerance": BIG}},
     "decider_params.cold_tolerance"),
    ("POST", "/v1/zones", {"id": "bed", "frost_c": -BIG}, "frost_c"),
    ("POST", "/v1/zones/house/schedules",
     {"target": BIG, "scheduler": "weekly", "params": EVENING}, "target"),
    ("POST", "/v1/zones/house/overrides", {"target": BIG, "duration": "PT1H"}, "target"),
    ("POST", "/v1/zones/house/adjustments", {"target": -BIG}, "target"),
])
def test_huge_integer_is_422_not_500(ze: ZoneEngine, method: str, path: str,
                                     body: dict[str, Any], needle: str) -> None:
    """Regression: math.isfinite(10**400) raises OverflowError (shared/schema._is_type and
    zones/bodies.parse_target): a huge JSON integer in any number field was a 500."""
    err(ze, method, path, body, 422, needle)


def test_changing_decider_drops_old_params(ze: ZoneEngine) -> None:
    ok(ze, "PATCH", "/v1/zones/house", {"decider_params": {"cold_tolerance": 0.5}})
    changed = ok(ze, "PATCH", "/v1/zones/house", {"decider": "tpi"})
    assert changed["decider"] == "tpi" and changed["decider_params"] == {}
    both = ok(ze, "PATCH", "/v1/zones/house", {"decider": "hysteresis",
                                               "decider_params": {"min_on_s": 60}})
    assert both["decider_params"] == {"min_on_s": 60}
    same = ok(ze, "PATCH", "/v1/zones/house", {"decider": "hysteresis"})  # unchanged: kept
    assert same["decider_params"] == {"min_on_s": 60}


def test_delete_zone_removes_it_and_its_rules(ze: ZoneEngine) -> None:
    ok(ze, "POST", "/v1/zones", {"id": "bed"}, 201)
    sched = add_schedule(ze, 22, zone="bed")
    ok(ze, "POST", "/v1/zones/bed/overrides", {"target": "eco", "duration": "PT1H"}, 201)
    ok(ze, "POST", "/v1/zones/bed/adjustments", {"target": 21}, 201)
    assert ok(ze, "DELETE", "/v1/zones/bed") == {"status": "ok", "deleted": "bed"}
    err(ze, "GET", "/v1/zones/bed", None, 404, "bed")
    err(ze, "GET", "/v1/zones/bed/schedules", None, 404)
    err(ze, "GET", f"/v1/zones/bed/schedules/{sched['id']}", None, 404)
    err(ze, "DELETE", "/v1/zones/bed", None, 404)
    assert [z["id"] for z in ok(ze, "GET", "/v1/zones")["zones"]] == ["house"]
    ok(ze, "POST", "/v1/zones", {"id": "bed"}, 201)  # the same id again starts empty
    assert ok(ze, "GET", "/v1/zones/bed/schedules") == {"schedules": []}
    assert ok(ze, "GET", "/v1/zones/bed/overrides") == {"overrides": []}
    assert ok(ze, "GET", "/v1/zones/bed/adjustments") == {"adjustment": None}
    assert ok(ze, "GET", "/v1/zones/bed/target")["rule"]["kind"] == "default"
    for kind in ("zone_schedule", "zone_override", "zone_adjustment"):
        assert result_of(ze.store.get_docs(kind)) == {}, kind


def test_recreated_zone_does_not_inherit_old_decisions(ze: ZoneEngine) -> None:
    """Regression: DELETE /v1/zones/<z> left the zone's runtime (decisions, last decision)
    in ZoneControl.runtime, so a new zone with the same id showed the old zone's decisions."""
    ok(ze, "POST", "/v1/zones", {"id": "bed"}, 201)
    ze.advance(1)
    assert ok(ze, "GET", "/v1/zones/bed/decisions")["decisions"]
    ok(ze, "DELETE", "/v1/zones/bed")
    ze.advance(1)
    fresh = ok(ze, "POST", "/v1/zones", {"id": "bed"}, 201)
    assert fresh["state"]["decision"] is None
    assert ok(ze, "GET", "/v1/zones/bed/decisions") == {"decisions": []}


def test_outputs_given_to_a_zone_leave_the_others(ze: ZoneEngine) -> None:
    ok(ze, "PATCH", "/v1/zones/house", {"outputs": ["agent1:r1", "agent1:r2"]})
    bed = ok(ze, "POST", "/v1/zones", {"id": "bed", "outputs": ["agent1:r1"]}, 201)
    assert bed["outputs"] == ["agent1:r1"]
    assert ok(ze, "GET", "/v1/zones/house")["outputs"] == ["agent1:r2"]
    ok(ze, "PATCH", "/v1/zones/house", {"outputs": ["agent1:r1", "agent1:r2"]})
    assert ok(ze, "GET", "/v1/zones/bed")["outputs"] == []
    assert ok(ze, "GET", "/v1/zones/house")["outputs"] == ["agent1:r1", "agent1:r2"]


def test_sensor_zone_must_exist(ze: ZoneEngine) -> None:
    ok(ze, "PUT", "/v1/sensors/update", SEED_EXAMPLE, 201)
    err(ze, "PATCH", f"/v1/sensors/{SENSOR}", {"zone": "bed"}, 422, "zone", "bed")
    assert ok(ze, "GET", f"/v1/sensors/{SENSOR}")["zone"] == "house"
    ok(ze, "POST", "/v1/zones", {"id": "bed"}, 201)
    assert ok(ze, "PATCH", f"/v1/sensors/{SENSOR}", {"zone": "bed"})["zone"] == "bed"
    bed_state = ok(ze, "GET", "/v1/zones/bed")["state"]
    assert [s["id"] for s in bed_state["sensors"]] == [SENSOR]
    assert ok(ze, "GET", "/v1/zones/house")["state"]["sensors"] == []


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/v1/zones/nope", None),
    ("PATCH", "/v1/zones/nope", {"name": "x"}),
    ("DELETE", "/v1/zones/nope", None),
    ("GET", "/v1/zones/nope/schedules", None),
    ("POST", "/v1/zones/nope/schedules", {"target": 20, "scheduler": "weekly",
                                          "params": EVENING}),
    ("GET", "/v1/zones/nope/schedules/abc", None),
    ("PUT", "/v1/zones/nope/schedules/abc", {"target": 20, "scheduler": "weekly",
                                             "params": EVENING}),
    ("DELETE", "/v1/zones/nope/schedules/abc", None),
    ("GET", "/v1/zones/nope/overrides", None),
    ("POST", "/v1/zones/nope/overrides", {"target": 20, "duration": "PT1H"}),
    ("GET", "/v1/zones/nope/overrides/abc", None),
    ("DELETE", "/v1/zones/nope/overrides/abc", None),
    ("GET", "/v1/zones/nope/adjustments", None),
    ("POST", "/v1/zones/nope/adjustments", {"target": 20}),
    ("DELETE", "/v1/zones/nope/adjustments", None),
    ("GET", "/v1/zones/nope/target", None),
    ("GET", "/v1/zones/nope/plan", None),
    ("GET", "/v1/zones/nope/decisions", None),
])
def test_unknown_zone_is_404(ze: ZoneEngine, method: str, path: str, body: Any) -> None:
    err(ze, method, path, body, 404, "nope")


# -- schedules ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("scheduler", "params", "describe"), [
    ("weekly", EVENING, "17:00-19:00"),
    ("weekly", {"days": ["sat", "sun"], "from": "22:00", "to": "06:00"}, "22:00-06:00"),
    ("cron", {"cron": "30 6 * * mon-fri", "duration": "PT2H"}, "30 6 * * mon-fri"),
    ("cron", {"cron": "@daily", "duration": "PT90M"}, "@daily"),
    ("iso8601", {"repeat": "R/2026-01-05T06:30/P1D", "duration": "PT2H"},
     "R/2026-01-05T06:30/P1D"),
    ("iso8601", {"repeat": "R10/2026-09-21T17:00/P2D"}, "R10/2026-09-21T17:00/P2D"),
])
def test_schedule_round_trips(ze: ZoneEngine, scheduler: str, params: dict[str, Any],
                              describe: str) -> None:
    made = add_schedule(ze, 21, params, scheduler, name="my schedule")
    assert made["scheduler"] == scheduler and made["params"] == params
    assert made["target"] == 21.0 and made["name"] == "my schedule"
    assert made["zone"] == "house" and made["kind"] == "schedule"
    assert made["valid_from"] is None and made["valid_until"] is None
    assert describe in made["describe"]
    assert ok(ze, "GET", f"/v1/zones/house/schedules/{made['id']}") == made
    assert ok(ze, "GET", "/v1/zones/house/schedules") == {"schedules": [made]}


def test_schedule_with_preset_and_dates(ze: ZoneEngine) -> None:
    made = add_schedule(ze, "eco", valid_from="2026-10-01", valid_until="2026-12-31")
    assert made["target"] == "eco" and made["kind"] == "dated-schedule"
    assert made["name"] == "weekly schedule"  # the default name
    assert made["valid_from"] == "2026-10-01" and made["valid_until"] == "2026-12-31"
    # Not yet valid on Tuesday 22 September, valid on Friday 2 October (17:00-19:00 Berlin)
    assert ok(ze, "GET", "/v1/zones/house/target?at=2026-09-22T18:00")["rule"]["kind"] \
        == "default"
    oct2 = ok(ze, "GET", "/v1/zones/house/target?at=2026-10-02T18:00")
    assert oct2["rule"]["id"] == made["id"] and oct2["target"] == 17.0
    # The bare date as valid_until includes that whole day (Thursday 31 December)
    assert ok(ze, "GET", "/v1/zones/house/target?at=2026-12-31T18:00")["rule"]["id"] \
        == made["id"]
    listed = ok(ze, "GET", "/v1/zones/house/schedules")["schedules"]
    assert [s["id"] for s in listed] == [made["id"]]


@pytest.mark.parametrize(("body", "needles"), [
    ({"scheduler": "cron", "params": {"cron": "0 25 * * *", "duration": "PT1H"}},
     ["params.cron: field 2 (hour)", "25"]),
    ({"scheduler": "cron", "params": {"cron": "61 6 * * *", "duration": "PT1H"}},
     ["params.cron: field 1 (minute)"]),
    ({"scheduler": "cron", "params": {"cron": "0 6 * * 1-9", "duration": "PT1H"}},
     ["params.cron: field 5 (day-of-week)"]),
    ({"scheduler": "cron", "params": {"cron": "0 6 * *", "duration": "PT1H"}},
     ["params.cron:", "5"]),
    ({"scheduler": "cron", "params": {"cron": "0 6 * * *", "duration": "P1M"}},
     ["params.duration:"]),
    ({"scheduler": "cron", "params": {"cron": "0 6 * * *", "duration": "P40D"}},
     ["params.duration:", "31 days"]),
    ({"scheduler": "cron", "params": {"cron": "0 6 * * *"}}, ["params.duration"]),
    ({"scheduler": "weekly", "params": {"days": "xyz", "from": "17:00", "to": "19:00"}},
     ["params.days:", "xyz"]),
    ({"scheduler": "weekly", "params": {"days": [], "from": "17:00", "to": "19:00"}},
     ["params.days:"]),
    ({"scheduler": "weekly", "params": {"days": "mon", "from": "25:00", "to": "19:00"}},
     ["params.from:"]),
    ({"scheduler": "weekly", "params": {"days": "mon", "from": "17:00", "to": "17:00"}},
     ["params.to:"]),
    ({"scheduler": "weekly", "params": {"days": "mon", "from": "5pm", "to": "19:00"}},
     ["params.from"]),
    ({"scheduler": "weekly", "params": {"days": "mon", "from": "17:00"}}, ["params.to"]),
    ({"scheduler": "weekly", "params": {**EVENING, "tz": "UTC"}}, ["params", "tz"]),
    ({"scheduler": "weekly", "params": "mon-fri 17-19"}, ["params"]),
    ({"scheduler": "iso8601", "params": {"repeat": "R/nope/P1D"}}, ["params.repeat:"]),
    ({"scheduler": "iso8601", "params": {"repeat": "R0/2026-01-05T06:30/P1D"}},
     ["params.repeat:"]),
    ({"scheduler": "iso8601", "params": {"repeat": "R/2026-01-05T06:30+01:00/P1D"}},
     ["params.repeat:", "offset"]),
    ({"scheduler": "iso8601", "params": {"repeat": "2026-01-05T06:30/P1D"}},
     ["params.repeat:"]),
    ({"scheduler": "iso8601", "params": {"repeat": "R/2026-01-05T06:30/P1M"}},
     ["params.repeat:"]),
    ({"scheduler": "iso8601", "params": {"repeat": "R/1990-01-05T06:30/P1D"}},
     ["params.repeat:"]),
    ({"scheduler": "iso8601", "params": {"repeat": "R/2026-01-05T06:30/P1D",
                                         "duration": "soon"}}, ["params.duration:"]),
    ({"scheduler": "nope", "params": {}}, ["scheduler"]),
    ({"scheduler": 5, "params": {}}, ["scheduler"]),
])
def test_invalid_schedule_is_422_pointing_at_the_problem(ze: ZoneEngine, body: dict[str, Any],
                                                         needles: list[str]) -> None:
    err(ze, "POST", "/v1/zones/house/schedules", {"target": 20, **body}, 422, *needles)
    assert ok(ze, "GET", "/v1/zones/house/schedules") == {"schedules": []}


@pytest.mark.parametrize(("body", "needles"), [
    ({"target": 50}, ["target", "max_c"]),
    ({"target": 3}, ["target", "frost_c"]),
    ({"target": "warm"}, ["target", "warm"]),
    ({"target": True}, ["target"]),
    ({"target": None}, ["target"]),
    ({"target": [20]}, ["target"]),
    ({"target": None, "omit": "target"}, ["target is missing"]),
    ({"omit": "scheduler"}, ["scheduler is missing"]),
    ({"omit": "params"}, ["params is missing"]),
    ({"valid_from": "2026-12-01", "valid_until": "2026-11-01"}, ["valid_until", "valid_from"]),
    ({"valid_from": "2026-12-01T10:00", "valid_until": "2026-12-01T10:00"}, ["valid_until"]),
    ({"valid_from": "soon"}, ["valid_from"]),
    ({"valid_until": 2027}, ["valid_until"]),
    ({"valid_until": "1999-01-01"}, ["valid_until"]),
    ({"name": ""}, ["name"]),
    ({"name": 7}, ["name"]),
    ({"priority": 1}, ["unknown field", "priority"]),
])
def test_invalid_schedule_fields_are_422(ze: ZoneEngine, body: dict[str, Any],
                                         needles: list[str]) -> None:
    full = {"target": 20, "scheduler": "weekly", "params": EVENING, **body}
    full.pop(full.pop("omit", "omit"), None)
    err(ze, "POST", "/v1/zones/house/schedules", full, 422, *needles)
    assert ok(ze, "GET", "/v1/zones/house/schedules") == {"schedules": []}


def test_schedule_body_must_be_an_object(ze: ZoneEngine) -> None:
    err(ze, "POST", "/v1/zones/house/schedules", [1, 2], 422, "JSON object")
    err(ze, "POST", "/v1/zones/house/schedules", None, 400, raw=b"[1,")


def test_put_replaces_a_schedule(ze: ZoneEngine) -> None:
    made = add_schedule(ze, 22)
    other = add_schedule(ze, "comfort", ALL_DAY)
    body = {"target": 19, "scheduler": "cron", "params": {"cron": "0 6 * * *",
                                                          "duration": "PT1H"},
            "name": "mornings"}
    put = ok(ze, "PUT", f"/v1/zones/house/schedules/{made['id']}", body)
    assert put["id"] == made["id"] and put["scheduler"] == "cron" and put["target"] == 19.0
    assert put["name"] == "mornings" and put["params"] == body["params"]
    assert put["seq"] > other["seq"]  # it counts as created now
    assert "cron '0 6 * * *'" in put["describe"]
    assert ok(ze, "GET", f"/v1/zones/house/schedules/{made['id']}") == put
    listed = ok(ze, "GET", "/v1/zones/house/schedules")["schedules"]
    assert sorted(s["id"] for s in listed) == sorted([made["id"], other["id"]])
    # A bad body changes nothing; an unknown id is 404
    err(ze, "PUT", f"/v1/zones/house/schedules/{made['id']}", {**body, "target": 99}, 422,
        "target")
    assert ok(ze, "GET", f"/v1/zones/house/schedules/{made['id']}") == put
    err(ze, "PUT", "/v1/zones/house/schedules/nosuch", body, 404, "nosuch")


def test_delete_schedule_then_get_is_404(ze: ZoneEngine) -> None:
    made = add_schedule(ze, 22, ALL_DAY)
    assert ok(ze, "GET", "/v1/zones/house/target")["rule"]["id"] == made["id"]
    assert ok(ze, "DELETE", f"/v1/zones/house/schedules/{made['id']}") == \
        {"status": "ok", "deleted": made["id"]}
    err(ze, "GET", f"/v1/zones/house/schedules/{made['id']}", None, 404, made["id"])
    err(ze, "DELETE", f"/v1/zones/house/schedules/{made['id']}", None, 404)
    assert ok(ze, "GET", "/v1/zones/house/schedules") == {"schedules": []}
    assert ok(ze, "GET", "/v1/zones/house/target")["rule"]["kind"] == "default"


def test_schedule_of_another_zone_is_404(ze: ZoneEngine) -> None:
    ok(ze, "POST", "/v1/zones", {"id": "bed"}, 201)
    made = add_schedule(ze, 22, zone="bed")
    err(ze, "GET", f"/v1/zones/house/schedules/{made['id']}", None, 404)
    err(ze, "DELETE", f"/v1/zones/house/schedules/{made['id']}", None, 404)
    ok(ze, "GET", f"/v1/zones/bed/schedules/{made['id']}")


def test_sub_minute_iso8601_period_is_refused(ze: ZoneEngine) -> None:
    """An iso8601 schedule repeating every few seconds would make every plan enumerate
    hundreds of thousands of periods (seconds of reactor time, see bench/schedule.py): it is
    refused with a 422 naming the repeat parameter."""
    for period in ("PT5S", "PT1S", "PT59S"):
        code, body = ze.request("POST", "/v1/zones/house/schedules", {
            "target": 22, "scheduler": "iso8601",
            "params": {"repeat": f"R/2026-01-01T00:00/{period}"}})
        assert code == 422 and body["error"].startswith("params.repeat:"), body
        assert "shorter than a minute" in body["error"], body
    ok(ze, "POST", "/v1/zones/house/schedules", {
        "target": 22, "scheduler": "iso8601", "params": {"repeat": "R/2026-01-01T00:00/PT1M"}},
        201)


# -- overrides ---------------------------------------------------------------------------------

def test_override_with_duration(ze: ZoneEngine) -> None:
    made = ok(ze, "POST", "/v1/zones/house/overrides", {"target": "eco", "duration": "PT2H",
                                                        "name": "away for a bit"}, 201)
    assert made["target"] == "eco" and made["name"] == "away for a bit"
    assert made["ends_at"] == "2026-09-21T16:13:20Z"
    assert made["active"] is True and made["until_next_change"] is False
    assert ok(ze, "GET", f"/v1/zones/house/overrides/{made['id']}") == made
    assert ok(ze, "GET", "/v1/zones/house/overrides") == {"overrides": [made]}
    target = ok(ze, "GET", "/v1/zones/house/target")
    assert target["target"] == 17.0 and target["rule"]["kind"] == "override"
    assert target["rule"]["until"] == "2026-09-21T16:13:20Z"


def test_override_with_end_in_the_zone_time(ze: ZoneEngine) -> None:
    made = ok(ze, "POST", "/v1/zones/house/overrides", {"target": 23, "end": "2026-09-21T20:00"},
              201)
    assert made["ends_at"] == "2026-09-21T18:00:00Z"  # 20:00 Berlin
    assert made["target"] == 23.0 and made["active"] is True


def test_future_override_with_start_and_end(ze: ZoneEngine) -> None:
    made = ok(ze, "POST", "/v1/zones/house/overrides",
              {"target": "away", "start": "2026-09-25T08:00", "end": "2026-09-27T18:00Z"}, 201)
    assert made["active"] is False and made["ends_at"] == "2026-09-27T18:00:00Z"
    assert ok(ze, "GET", "/v1/zones/house/target")["rule"]["kind"] == "default"
    later = ok(ze, "GET", "/v1/zones/house/target?at=2026-09-26T12:00")
    assert later["rule"]["id"] == made["id"] and later["target"] == 15.0
    assert later["rule"]["since"] == "2026-09-25T06:00:00Z"


def test_override_until_next_change_ends_at_the_schedule_boundary(ze: ZoneEngine) -> None:
    add_schedule(ze, 22)  # mon-fri 17:00-19:00 Berlin
    now = ok(ze, "POST", "/v1/zones/house/overrides", {"target": "eco", "until": "next-change"},
             201)
    assert now["until_next_change"] is True and now["end"] is None
    assert now["ends_at"] == "2026-09-21T15:00:00Z"  # 17:00 Berlin, the block's start
    assert now["active"] is True
    inside = ok(ze, "POST", "/v1/zones/house/overrides",
                {"target": "away", "start": "2026-09-21T17:30", "until": "next-change"}, 201)
    assert inside["ends_at"] == "2026-09-21T17:00:00Z"  # 19:00 Berlin, the block's end
    assert inside["active"] is False
    plan = ok(ze, "GET", "/v1/zones/house/plan?hours=6")["segments"]
    assert [(s["start"], s["end"], s["rule"]["kind"], s["target"]) for s in plan] == [
        (NOW, "2026-09-21T15:00:00Z", "override", 17.0),
        ("2026-09-21T15:00:00Z", "2026-09-21T15:30:00Z", "schedule", 22.0),
        ("2026-09-21T15:30:00Z", "2026-09-21T17:00:00Z", "override", 15.0),
        ("2026-09-21T17:00:00Z", "2026-09-21T20:13:20Z", "default", 20.0),
    ]


def test_override_until_next_change_without_schedules(ze: ZoneEngine) -> None:
    made = ok(ze, "POST", "/v1/zones/house/overrides", {"target": 21, "until": "next-change"},
              201)
    assert made["active"] is True and made["ends_at"] > "2030"


@pytest.mark.parametrize(("body", "needles"), [
    ({"target": "eco", "end": "2026-09-22T08:00", "duration": "PT1H"},
     ["only one of", "end", "duration"]),
    ({"target": "eco", "duration": "PT1H", "until": "next-change"}, ["only one of"]),
    ({"target": "eco"}, ["end", "duration", "until"]),
    ({"target": "eco", "end": "2026-09-21T10:00"}, ["end", "future"]),
    ({"target": "eco", "end": NOW}, ["end", "future"]),
    ({"target": "eco", "start": "2026-09-23T10:00", "end": "2026-09-23T09:00"},
     ["end", "after the start"]),
    ({"target": "eco", "start": "2026-09-20T10:00", "duration": "PT1H"}, ["future"]),
    ({"target": "eco", "end": "tomorrow"}, ["end:"]),
    ({"target": "eco", "end": 5}, ["end:"]),
    ({"target": "eco", "duration": "P1M"}, ["duration:"]),
    ({"target": "eco", "duration": "PT0S"}, ["duration:"]),
    ({"target": "eco", "duration": "P2Y"}, ["duration:"]),
    ({"target": "eco", "until": "later"}, ["until", "next-change"]),
    ({"target": "eco", "until": None}, ["until"]),
    ({"target": "eco", "start": "now", "duration": "PT1H"}, ["start:"]),
    ({"target": 50, "duration": "PT1H"}, ["target"]),
    ({"target": "hot", "duration": "PT1H"}, ["target"]),
    ({"duration": "PT1H"}, ["target is missing"]),
    ({"target": 20, "duration": "PT1H", "zone": "bed"}, ["unknown field", "zone"]),
    ([], ["JSON object"]),
])
def test_invalid_override_is_422(ze: ZoneEngine, body: Any, needles: list[str]) -> None:
    err(ze, "POST", "/v1/zones/house/overrides", body, 422, *needles)
    assert ok(ze, "GET", "/v1/zones/house/overrides") == {"overrides": []}


def test_override_that_ended_before_it_is_created_is_422(ze: ZoneEngine) -> None:
    """Regression: an override starting in 2001 "until the next change" (with no schedule:
    ten years, so it ended in 2010) was accepted with 201 and "active": false, while the same
    override with an explicit end in the past is refused."""
    err(ze, "POST", "/v1/zones/house/overrides",
        {"target": "eco", "start": "2001-01-01", "until": "next-change"}, 422)
    assert ok(ze, "GET", "/v1/zones/house/overrides") == {"overrides": []}


def test_overrides_beat_schedules_in_target_and_plan(ze: ZoneEngine) -> None:
    sched = add_schedule(ze, 22, ALL_DAY)
    assert ok(ze, "GET", "/v1/zones/house/target")["target"] == 22.0
    over = ok(ze, "POST", "/v1/zones/house/overrides", {"target": "eco", "duration": "PT1H"},
              201)
    target = ok(ze, "GET", "/v1/zones/house/target")
    assert target["target"] == 17.0 and target["preset"] == "eco"
    assert target["rule"]["kind"] == "override" and target["rule"]["id"] == over["id"]
    assert [lo["rule"]["id"] for lo in target["losing"]] == [sched["id"]]
    because = target["losing"][0]["lost_because"]
    assert "an override beats a schedule" in because, because
    plan = ok(ze, "GET", "/v1/zones/house/plan?hours=3")["segments"]
    assert [(s["rule"]["id"], s["target"], s["end"]) for s in plan] == [
        (over["id"], 17.0, "2026-09-21T15:13:20Z"),
        (sched["id"], 22.0, "2026-09-21T17:13:20Z"),
    ]
    assert plan[0]["preset"] == "eco" and plan[1]["preset"] is None


def test_delete_override(ze: ZoneEngine) -> None:
    over = ok(ze, "POST", "/v1/zones/house/overrides", {"target": 25, "duration": "PT1H"}, 201)
    assert ok(ze, "DELETE", f"/v1/zones/house/overrides/{over['id']}") == \
        {"status": "ok", "deleted": over["id"]}
    err(ze, "GET", f"/v1/zones/house/overrides/{over['id']}", None, 404, over["id"])
    err(ze, "DELETE", f"/v1/zones/house/overrides/{over['id']}", None, 404)
    assert ok(ze, "GET", "/v1/zones/house/overrides") == {"overrides": []}
    assert ok(ze, "GET", "/v1/zones/house/target")["rule"]["kind"] == "default"


def test_newer_override_wins_over_older(ze: ZoneEngine) -> None:
    first = ok(ze, "POST", "/v1/zones/house/overrides", {"target": 25, "duration": "PT2H"}, 201)
    second = ok(ze, "POST", "/v1/zones/house/overrides", {"target": 24, "duration": "PT1H"},
                201)
    target = ok(ze, "GET", "/v1/zones/house/target")
    assert target["rule"]["id"] == second["id"] and target["target"] == 24.0
    assert target["losing"][0]["rule"]["id"] == first["id"]
    assert "created before the winner" in target["losing"][0]["lost_because"]
    listed = ok(ze, "GET", "/v1/zones/house/overrides")["overrides"]
    assert [o["id"] for o in listed] == [first["id"], second["id"]]


# -- adjustments -------------------------------------------------------------------------------

def test_adjustment_wins_until_the_next_scheduled_change(ze: ZoneEngine) -> None:
    add_schedule(ze, "comfort")  # mon-fri 17:00-19:00 Berlin
    ok(ze, "POST", "/v1/zones/house/overrides", {"target": "eco", "duration": "PT3H"}, 201)
    assert ok(ze, "GET", "/v1/zones/house/adjustments") == {"adjustment": None}
    adj = ok(ze, "POST", "/v1/zones/house/adjustments", {"target": 22}, 201)
    assert adj["target"] == 22.0 and adj["until_next_change"] is True
    assert adj["ends_at"] == "2026-09-21T15:00:00Z" and adj["active"] is True
    assert ok(ze, "GET", "/v1/zones/house/adjustments") == {"adjustment": adj}
    target = ok(ze, "GET", "/v1/zones/house/target")
    assert target["target"] == 22.0
    assert target["rule"]["kind"] == "adjustment"
    assert target["rule"]["until"] == "2026-09-21T15:00:00Z"
    assert [lo["rule"]["kind"] for lo in target["losing"]] == ["override"]
    because = target["losing"][0]["lost_because"]
    assert "an adjustment beats an override" in because, because


def test_new_adjustment_replaces_the_old(ze: ZoneEngine) -> None:
    ok(ze, "POST", "/v1/zones/house/adjustments", {"target": 22}, 201)
    new = ok(ze, "POST", "/v1/zones/house/adjustments", {"target": "sleep", "duration": "PT30M"},
             201)
    assert new["ends_at"] == "2026-09-21T14:43:20Z" and new["until_next_change"] is False
    assert ok(ze, "GET", "/v1/zones/house/adjustments")["adjustment"] == new
    target = ok(ze, "GET", "/v1/zones/house/target")
    assert target["target"] == 18.0 and target["rule"]["kind"] == "adjustment"
    assert target["losing"] == []
    assert target["rule"]["until"] == "2026-09-21T14:43:20Z"


def test_delete_adjustment_reports_whether_one_was_cleared(ze: ZoneEngine) -> None:
    ok(ze, "POST", "/v1/zones/house/adjustments", {"target": 22}, 201)
    assert ok(ze, "DELETE", "/v1/zones/house/adjustments") == {"status": "ok", "cleared": True}
    assert ok(ze, "DELETE", "/v1/zones/house/adjustments") == {"status": "ok", "cleared": False}
    assert ok(ze, "GET", "/v1/zones/house/adjustments") == {"adjustment": None}
    assert ok(ze, "GET", "/v1/zones/house/target")["rule"]["kind"] == "default"


@pytest.mark.parametrize(("body", "needles"), [
    ({"target": 22, "start": "2026-09-22"}, ["unknown field", "start"]),
    ({"target": 22, "end": "2026-09-22"}, ["unknown field", "end"]),
    ({"target": 22, "duration": "PT1H", "until": "next-change"}, ["only one of"]),
    ({"target": 22, "until": "tomorrow"}, ["until"]),
    ({"target": 99}, ["target"]),
    ({}, ["target is missing"]),
    ("22", ["JSON object"]),
])
def test_invalid_adjustment_is_422(ze: ZoneEngine, body: Any, needles: list[str]) -> None:
    err(ze, "POST", "/v1/zones/house/adjustments", body, 422, *needles)
    assert ok(ze, "GET", "/v1/zones/house/adjustments") == {"adjustment": None}


# -- target ------------------------------------------------------------------------------------

def test_target_default_explained(ze: ZoneEngine) -> None:
    target = ok(ze, "GET", "/v1/zones/house/target")
    assert target["zone"] == "house" and target["at"] == NOW
    assert target["target"] == 20.0 and target["requested"] == "home"
    assert target["preset"] == "home" and target["mode"] == "heat"
    assert target["heat_setpoint"] == 20.0 and target["cool_setpoint"] is None
    assert target["rule"] == {"kind": "default", "id": "house", "name": "zone default",
                              "since": None, "until": None}  # no change within 8 days
    assert "no schedule, override or adjustment" in target["why"]
    assert target["losing"] == [] and target["clamped"] is False


def test_target_lists_the_losers_and_why_they_lost(ze: ZoneEngine) -> None:
    all_day = add_schedule(ze, 19, ALL_DAY, name="all day")
    monday = {"days": "mon", "from": "16:00", "to": "18:00"}  # 14:00-16:00Z
    early = add_schedule(ze, 22, monday, name="monday")
    late = add_schedule(ze, 23, monday, name="monday again")
    target = ok(ze, "GET", "/v1/zones/house/target")
    assert target["target"] == 23.0
    assert target["rule"]["id"] == late["id"] and target["rule"]["since"] == "2026-09-21T14:00:00Z"
    assert target["rule"]["until"] == "2026-09-21T16:00:00Z"
    assert "'monday again'" in target["why"] and "2026-09-21T14:00:00Z" in target["why"]
    assert "2 other rules lose" in target["why"]
    losing = target["losing"]
    assert [lo["rule"]["id"] for lo in losing] == [early["id"], all_day["id"]]
    assert "created before the winner" in losing[0]["lost_because"]
    assert losing[0]["target"] == 22.0
    assert losing[0]["since"] == "2026-09-21T14:00:00Z"
    assert losing[0]["until"] == "2026-09-21T16:00:00Z"
    assert "began earlier (2026-09-20T22:00:00Z)" in losing[1]["lost_because"]
    assert losing[1]["since"] == "2026-09-20T22:00:00Z"


def test_target_at_a_future_time_picks_the_schedule_then(ze: ZoneEngine) -> None:
    made = add_schedule(ze, "eco")
    assert ok(ze, "GET", "/v1/zones/house/target")["rule"]["kind"] == "default"
    tuesday = ok(ze, "GET", "/v1/zones/house/target?at=2026-09-22T18:00")
    assert tuesday["at"] == "2026-09-22T16:00:00Z"
    assert tuesday["rule"]["id"] == made["id"] and tuesday["target"] == 17.0
    assert tuesday["rule"]["since"] == "2026-09-22T15:00:00Z"
    assert tuesday["rule"]["until"] == "2026-09-22T17:00:00Z"
    utc = ok(ze, "GET", "/v1/zones/house/target?at=2026-09-22T16:30:00Z")
    assert utc["rule"]["id"] == made["id"]
    saturday = ok(ze, "GET", "/v1/zones/house/target?at=2026-09-26T18:00")
    assert saturday["rule"]["kind"] == "default"
    assert saturday["rule"]["until"] == "2026-09-28T15:00:00Z"


@pytest.mark.parametrize("at", ["bogus", "1999-01-01T00:00", "2201-01-01", "", "2026-13-01",
                                "12:00"])
def test_target_bad_at_is_422(ze: ZoneEngine, at: str) -> None:
    err(ze, "GET", f"/v1/zones/house/target?at={at}", None, 422, "at")


def test_target_setpoints_follow_the_mode(ze: ZoneEngine) -> None:
    ok(ze, "PATCH", "/v1/zones/house", {"mode": "auto", "deadband": 3})
    auto = ok(ze, "GET", "/v1/zones/house/target")
    assert (auto["heat_setpoint"], auto["cool_setpoint"]) == (18.5, 21.5)
    ok(ze, "PATCH", "/v1/zones/house", {"mode": "off"})
    off = ok(ze, "GET", "/v1/zones/house/target")
    assert (off["heat_setpoint"], off["cool_setpoint"]) == (None, None)


def test_target_is_clamped_to_new_limits(ze: ZoneEngine) -> None:
    add_schedule(ze, 30, ALL_DAY)
    ok(ze, "PATCH", "/v1/zones/house", {"max_c": 25})
    target = ok(ze, "GET", "/v1/zones/house/target")
    assert target["target"] == 25.0 and target["requested"] == 30.0
    assert target["clamped"] is True


# -- plan --------------------------------------------------------------------------------------

def test_plan_segments_are_contiguous(ze: ZoneEngine) -> None:
    add_schedule(ze, 22)
    add_schedule(ze, "sleep", {"cron": "0 23 * * *", "duration": "PT7H"}, "cron")
    ok(ze, "POST", "/v1/zones/house/overrides", {"target": 24, "duration": "PT30M"}, 201)
    plan = ok(ze, "GET", "/v1/zones/house/plan?hours=48")
    assert plan["zone"] == "house" and plan["timezone"] == "Europe/Berlin"
    assert plan["start"] == NOW and plan["end"] == "2026-09-23T14:13:20Z"
    segments = plan["segments"]
    assert len(segments) >= 8
    assert segments[0]["start"] == plan["start"] and segments[-1]["end"] == plan["end"]
    for before, after in itertools.pairwise(segments):
        assert before["end"] == after["start"]
        assert before["start"] < before["end"]
        assert (before["rule"], before["target"]) != (after["rule"], after["target"])
    assert {s["rule"]["kind"] for s in segments} == {"override", "schedule", "default"}
    default = ok(ze, "GET", "/v1/zones/house/plan")
    assert default["end"] == "2026-09-22T14:13:20Z"  # 24 hours by default
    assert default["segments"] == ok(ze, "GET", "/v1/zones/house/plan?hours=24")["segments"]


@pytest.mark.parametrize("hours", ["0", "10000", "x", "337", "-1", "", "1.5", "99999999"])
def test_plan_bad_hours_is_422(ze: ZoneEngine, hours: str) -> None:
    err(ze, "GET", f"/v1/zones/house/plan?hours={hours}", None, 422, "hours")


def test_plan_longest_window(ze: ZoneEngine) -> None:
    plan = ok(ze, "GET", "/v1/zones/house/plan?hours=336")
    assert plan["end"] == "2026-10-05T14:13:20Z"
    assert [(s["start"], s["end"]) for s in plan["segments"]] == [(plan["start"], plan["end"])]


def test_plan_changes_right_after_a_schedule_is_added(ze: ZoneEngine) -> None:
    before = ok(ze, "GET", "/v1/zones/house/plan?hours=3")["segments"]
    assert [s["rule"]["kind"] for s in before] == ["default"]
    made = add_schedule(ze, 22)
    after = ok(ze, "GET", "/v1/zones/house/plan?hours=3")["segments"]
    assert [(s["rule"]["id"], s["start"], s["end"]) for s in after] == [
        ("house", NOW, "2026-09-21T15:00:00Z"),
        (made["id"], "2026-09-21T15:00:00Z", "2026-09-21T17:00:00Z"),
        ("house", "2026-09-21T17:00:00Z", "2026-09-21T17:13:20Z"),
    ]
    ok(ze, "PATCH", "/v1/zones/house", {"presets": {"home": 19}})
    assert ok(ze, "GET", "/v1/zones/house/plan?hours=3")["segments"][0]["target"] == 19.0
    ok(ze, "DELETE", f"/v1/zones/house/schedules/{made['id']}")
    again = ok(ze, "GET", "/v1/zones/house/plan?hours=3")["segments"]
    assert [s["rule"]["kind"] for s in again] == ["default"]


def test_plan_moves_with_the_clock(ze: ZoneEngine) -> None:
    made = add_schedule(ze, 22)
    ok(ze, "GET", "/v1/zones/house/plan?hours=1")
    ze.advance(3600, step=600)  # 15:13:20Z: inside the block
    plan = ok(ze, "GET", "/v1/zones/house/plan?hours=1")
    assert plan["start"] == "2026-09-21T15:13:20Z"
    assert [s["rule"]["id"] for s in plan["segments"]] == [made["id"]]
    assert plan["segments"][0]["since"] == "2026-09-21T15:00:00Z"


# -- decisions ---------------------------------------------------------------------------------

def test_decisions_newest_first_after_readings(ze: ZoneEngine) -> None:
    first = ok(ze, "GET", "/v1/zones/house/decisions")["decisions"]
    ok(ze, "PUT", "/v1/sensors/update", SEED_EXAMPLE, 201)  # 24.3125 °C
    ze.advance(1)
    cold = {**SEED_EXAMPLE, "sensors": {"1058F50F01080047": {"type": "DS18S20", "value": 17.0}}}
    ok(ze, "PUT", "/v1/sensors/update", cold, 201)
    ze.advance(1)
    decisions = ok(ze, "GET", "/v1/zones/house/decisions")["decisions"]
    assert len(decisions) == len(first) + 2
    seqs = [d["seq"] for d in decisions]
    assert seqs == sorted(seqs, reverse=True)
    ats = [d["at"] for d in decisions]
    assert ats == sorted(ats, reverse=True)
    newest, previous = decisions[0], decisions[1]
    assert newest["zone"] == "house" and newest["at"] == "2026-09-21T14:13:22Z"
    assert newest["temperature"] == 17.0 and newest["target"] == 20.0
    assert newest["heat"] is True and newest["state"] == "heating"
    assert newest["reason"].startswith("heating:") and "17.0" in newest["reason"]
    assert newest["rule"] == {"kind": "default", "id": "house", "name": "zone default"}
    assert previous["temperature"] == 24.312 and previous["heat"] is False
    assert "24.31" in previous["reason"]
    assert ok(ze, "GET", "/v1/zones/house/decisions?limit=1")["decisions"] == [newest]
    assert ok(ze, "GET", "/v1/zones/house")["state"]["decision"] == newest


def test_decisions_follow_the_target(ze: ZoneEngine) -> None:
    ok(ze, "PUT", "/v1/sensors/update", SEED_EXAMPLE, 201)  # 24.3125 °C
    ze.advance(1)
    ok(ze, "POST", "/v1/zones/house/adjustments", {"target": 26}, 201)
    ze.advance(1)
    newest = ok(ze, "GET", "/v1/zones/house/decisions?limit=1")["decisions"][0]
    assert newest["target"] == 26.0 and newest["heat"] is True
    assert newest["rule"]["kind"] == "adjustment"


@pytest.mark.parametrize("limit", ["0", "501", "x", "-1", "", "1.5", "1e2"])
def test_decisions_bad_limit_is_422(ze: ZoneEngine, limit: str) -> None:
    err(ze, "GET", f"/v1/zones/house/decisions?limit={limit}", None, 422, "limit")


def test_decisions_limit_bounds(ze: ZoneEngine) -> None:
    assert len(ok(ze, "GET", "/v1/zones/house/decisions?limit=500")["decisions"]) >= 1
    assert len(ok(ze, "GET", "/v1/zones/house/decisions?limit=1")["decisions"]) == 1


# -- plugins -----------------------------------------------------------------------------------

def test_plugins_list_schedulers_and_deciders_with_valid_schemas(ze: ZoneEngine) -> None:
    plugins = ok(ze, "GET", "/v1/plugins", token=None)
    assert [p["name"] for p in plugins["schedulers"]] == ["cron", "iso8601", "weekly"]
    assert [p["name"] for p in plugins["deciders"]] == ["hysteresis", "tpi"]
    for plugin in plugins["schedulers"] + plugins["deciders"]:
        assert isinstance(plugin["description"], str) and plugin["description"]
        schema = plugin["schema"]
        Draft202012Validator.check_schema(schema)
        assert schema["type"] == "object"
        for name, prop in schema.get("properties", {}).items():
            assert isinstance(name, str) and "type" in prop
            if "default" in prop:  # the defaults follow the schema
                Draft202012Validator(prop).validate(prop["default"])
            for example in prop.get("examples", []):
                Draft202012Validator(prop).validate(example)


def test_plugin_schemas_agree_with_the_api_on_examples(ze: ZoneEngine) -> None:
    plugins = ok(ze, "GET", "/v1/plugins")
    for plugin in plugins["schedulers"]:
        props = plugin["schema"]["properties"]
        params = {k: (p["examples"][0]) for k, p in props.items() if "examples" in p}
        Draft202012Validator(plugin["schema"]).validate(params)
        made = add_schedule(ze, 20, params, plugin["name"])
        ok(ze, "DELETE", f"/v1/zones/house/schedules/{made['id']}")
    for plugin in plugins["deciders"]:
        defaults = {k: p["default"] for k, p in plugin["schema"]["properties"].items()}
        ok(ze, "PATCH", "/v1/zones/house", {"decider": plugin["name"],
                                            "decider_params": defaults})


# -- auth --------------------------------------------------------------------------------------

MUTATIONS = [
    ("POST", "/v1/zones", {"id": "bed"}),
    ("PATCH", "/v1/zones/house", {"name": "x"}),
    ("DELETE", "/v1/zones/bed", None),
    ("POST", "/v1/zones/house/schedules", {"target": 20, "scheduler": "weekly",
                                           "params": EVENING}),
    ("PUT", "/v1/zones/house/schedules/SCHED", {"target": 20, "scheduler": "weekly",
                                                "params": ALL_DAY}),
    ("DELETE", "/v1/zones/house/schedules/SCHED", None),
    ("POST", "/v1/zones/house/overrides", {"target": 20, "duration": "PT1H"}),
    ("DELETE", "/v1/zones/house/overrides/OVER", None),
    ("POST", "/v1/zones/house/adjustments", {"target": 20}),
    ("DELETE", "/v1/zones/house/adjustments", None),
    ("PATCH", f"/v1/sensors/{SENSOR}", {"zone": "bed"}),
]


@pytest.mark.parametrize(("method", "path", "body"), MUTATIONS)
@pytest.mark.parametrize("token", [None, "wrong-token-0123456789abcdef"])
def test_mutations_need_the_token(ze: ZoneEngine, method: str, path: str, body: Any,
                                  token: str | None) -> None:
    ok(ze, "PUT", "/v1/sensors/update", SEED_EXAMPLE, 201)
    ok(ze, "POST", "/v1/zones", {"id": "bed"}, 201)
    sched = add_schedule(ze, 22)
    over = ok(ze, "POST", "/v1/zones/house/overrides", {"target": 21, "duration": "PT2H"}, 201)
    ok(ze, "POST", "/v1/zones/house/adjustments", {"target": 23}, 201)
    path = path.replace("SCHED", sched["id"]).replace("OVER", over["id"])
    snapshot = [ok(ze, "GET", p) for p in (
        "/v1/zones", "/v1/zones/house/schedules", "/v1/zones/house/overrides",
        "/v1/zones/house/adjustments", f"/v1/sensors/{SENSOR}")]
    err(ze, method, path, body, 401, "token", token=token)
    assert snapshot == [ok(ze, "GET", p) for p in (
        "/v1/zones", "/v1/zones/house/schedules", "/v1/zones/house/overrides",
        "/v1/zones/house/adjustments", f"/v1/sensors/{SENSOR}")]


def test_reads_work_without_the_token(ze: ZoneEngine) -> None:
    sched = add_schedule(ze, 22)
    over = ok(ze, "POST", "/v1/zones/house/overrides", {"target": 21, "duration": "PT2H"}, 201)
    for path in ("/v1/zones", "/v1/zones/house", "/v1/zones/house/schedules",
                 f"/v1/zones/house/schedules/{sched['id']}", "/v1/zones/house/overrides",
                 f"/v1/zones/house/overrides/{over['id']}", "/v1/zones/house/adjustments",
                 "/v1/zones/house/target", "/v1/zones/house/target?at=2026-09-22T18:00",
                 "/v1/zones/house/plan?hours=2", "/v1/zones/house/decisions?limit=5",
                 "/v1/plugins"):
        code, answer = ze.request("GET", path, token=None)
        assert code == 200, (path, answer)


# -- fuzz --------------------------------------------------------------------------------------

FUZZ = settings(max_examples=200, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
ALLOWED = {200, 201, 404, 409, 422}
_SHARED: list[ZoneEngine] = []


def shared_engine() -> ZoneEngine:
    """One engine for every fuzz example of the module (each example cleans up after
    itself: created zones, schedules, overrides and the adjustment are removed)."""
    if not _SHARED:
        _SHARED.append(ZoneEngine())
    return _SHARED[0]


def anything(plausible: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return plausible | json_values


# Plausible values (often valid) for each field; anything() mixes in arbitrary JSON.
numbers = st.integers(-50, 60) | st.floats(-50, 60, allow_nan=False) | st.sampled_from(
    [0, 0.5, 7, 35, 45, 100, -1e308, 1e308, 2 ** 63])
p_targets = numbers | st.sampled_from(["home", "away", "eco", "sleep", "comfort", "custom",
                                       "warm", ""])
p_moments = st.sampled_from([
    "2026-09-21T18:00", "2026-09-21T14:13:20Z", "2026-09-22", "2026-09-25T08:00",
    "2001-01-01", "2199-12-31", "2026-09-21T16:00+02:00", "2026-03-29T02:30",
    "2026-10-25T02:30", "now", "", "9999-01-01"])
p_durations = st.sampled_from(["PT1H", "PT90M", "P1D", "P1W", "PT0S", "P1M", "P2Y", "P366D",
                               "P367D", "PT", "P", "-PT1H", "pt1h"])
p_cron = st.sampled_from(["0 6 * * *", "30 6 * * mon-fri", "@daily", "@weekly", "0 25 * * *",
                          "*/15 6-8 * * *", "0 0 31 2 *", "0 6 * * 7", "0 6 * * sat-sun",
                          "0 6", "* * * * * *", "0 6 1-40 * *"])
p_days = st.sampled_from(["mon-fri", "daily", "weekends", "fri-mon", "xyz", "", ["sat", "sun"],
                          [], ["mon", 1]])
p_from = st.sampled_from(["06:30", "17:00", "00:00", "24:00", "25:00", "6:30"])
p_to = st.sampled_from(["22:30", "19:00", "24:00", "06:30", "00:00", "99:99"])
p_repeat = st.sampled_from([
    "R/2026-01-05T06:30/P1D", "R5/2026-09-21T18:00/PT2H", "R/2026-01-05T06:30/P1W",
    "R0/2026-01-05T06:30/P1D", "R/2026-01-05T06:30+01:00/P1D", "R/nope/P1D",
    "R/1990-01-01T00:00/P1D", "R/2200-12-31T23:00/P1D", "R//", "R/2026-01-05/P1M"])
p_names = st.text(max_size=70)
targets, moments, durations = anything(p_targets), anything(p_moments), anything(p_durations)

weekly_params = st.fixed_dictionaries({}, optional={
    "days": anything(p_days), "from": anything(p_from), "to": anything(p_to),
    "extra": json_values})
cron_params = st.fixed_dictionaries({}, optional={
    "cron": anything(p_cron), "duration": durations})
iso_params = st.fixed_dictionaries({}, optional={
    "repeat": anything(p_repeat), "duration": durations})
schedule_any = st.fixed_dictionaries({}, optional={
    "target": targets,
    "scheduler": anything(st.sampled_from(["weekly", "cron", "iso8601", "nope"])),
    "params": weekly_params | cron_params | iso_params | json_values,
    "valid_from": moments | st.none(), "valid_until": moments | st.none(),
    "name": anything(p_names),
})
_dated = {"valid_from": p_moments | st.none(), "valid_until": p_moments | st.none(),
          "name": p_names}
schedule_plausible = st.one_of(
    st.fixed_dictionaries({"target": p_targets, "scheduler": st.just("weekly"),
                           "params": st.fixed_dictionaries(
                               {"days": p_days, "from": p_from, "to": p_to})},
                          optional=_dated),
    st.fixed_dictionaries({"target": p_targets, "scheduler": st.just("cron"),
                           "params": st.fixed_dictionaries(
                               {"cron": p_cron, "duration": p_durations})},
                          optional=_dated),
    st.fixed_dictionaries({"target": p_targets, "scheduler": st.just("iso8601"),
                           "params": st.fixed_dictionaries(
                               {"repeat": p_repeat}, optional={"duration": p_durations})},
                          optional=_dated),
)
oneoff_any = st.fixed_dictionaries({}, optional={
    "target": targets, "start": moments, "end": moments, "duration": durations,
    "until": anything(st.sampled_from(["next-change", "later"])), "name": anything(p_names),
})
oneoff_plausible = st.fixed_dictionaries({"target": p_targets}, optional={
    "start": p_moments, "end": p_moments, "duration": p_durations,
    "until": st.sampled_from(["next-change", "later"]), "name": p_names})
zone_plausible = {
    "name": p_names,
    "mode": st.sampled_from(["off", "heat", "cool", "auto", "warm"]),
    "deadband": numbers,
    "presets": st.dictionaries(
        st.sampled_from(["home", "away", "eco", "sleep", "comfort", "custom", "x"]),
        anything(numbers), max_size=4),
    "default_target": p_targets,
    "frost_c": numbers,
    "max_c": numbers,
    "timezone": st.sampled_from([
        "Europe/Berlin", "UTC", "America/New_York", "Etc/GMT+5", "Mars/Base", "",
        "zone.tab", "../etc/passwd", "/etc/localtime", "Europe/", "posixrules"]),
    "decider": st.sampled_from(["hysteresis", "tpi", "nope"]),
    "decider_params": st.dictionaries(
        st.sampled_from(["cold_tolerance", "hot_tolerance", "min_on_s", "min_off_s",
                         "max_run_s", "cycle_s", "coef_int", "coef_ext", "bogus"]),
        anything(numbers), max_size=3),
    "safe_mode": st.sampled_from(["off", "low_duty", "frost_only", "x"]),
    "safe_duty": numbers,
    "sensor_weights": st.dictionaries(
        st.sampled_from([SENSOR, "a:b", "nocolon", ":", "a:b:c"]) | st.text(max_size=20),
        anything(numbers), max_size=3),
    "outputs": st.lists(
        st.sampled_from(["agent1:r1", "agent1:r2", "bad", "a:"]) | st.text(max_size=20),
        max_size=4),
}
zone_any = {k: anything(v) for k, v in zone_plausible.items()}
# Values each valid on its own (so that whole bodies often succeed).
v_targets = st.integers(7, 35) | st.floats(7, 35) | st.sampled_from(
    ["home", "away", "eco", "sleep", "comfort", "custom"])
v_enders = st.sampled_from([{"duration": "PT1H"}, {"duration": "P1D"}, {"until": "next-change"},
                            {"end": "2026-09-21T18:00"}, {"end": "2026-09-25T08:00Z"}, {}])
v_schedules = st.fixed_dictionaries({
    "target": v_targets,
    "params": st.sampled_from([
        ("weekly", {"days": "mon-fri", "from": "06:30", "to": "22:30"}),
        ("weekly", {"days": ["sat", "sun"], "from": "22:00", "to": "06:00"}),
        ("weekly", {"days": "daily", "from": "00:00", "to": "24:00"}),
        ("cron", {"cron": "*/15 6-8 * * *", "duration": "PT10M"}),
        ("cron", {"cron": "@daily", "duration": "PT6H"}),
        ("iso8601", {"repeat": "R5/2026-09-21T18:00/PT2H", "duration": "PT1H"}),
        ("iso8601", {"repeat": "R/2026-01-05T06:30/P1D"})]),
}, optional={"valid_from": st.sampled_from(["2026-09-01", "2026-09-22T12:00"]),
             "valid_until": st.sampled_from(["2026-12-31", "2027-01-01T00:00Z"]),
             "name": p_names}).map(
    lambda b: {**b, "scheduler": b["params"][0], "params": b["params"][1]})
v_oneoffs = st.tuples(st.fixed_dictionaries({"target": v_targets}, optional={
    "start": st.sampled_from(["2026-09-21T14:00Z", "2026-09-21T17:30", "2026-09-23"]),
    "name": p_names}), v_enders).map(lambda t: {**t[0], **t[1]})
v_zone = {
    "name": p_names, "mode": st.sampled_from(["off", "heat", "cool", "auto"]),
    "deadband": st.floats(0.5, 10), "default_target": v_targets,
    "presets": st.dictionaries(st.sampled_from(list(DEFAULT_PRESETS)), st.integers(7, 35),
                               max_size=3),
    "frost_c": st.integers(0, 7), "max_c": st.integers(35, 45),
    "timezone": st.sampled_from(["UTC", "America/New_York", "Asia/Kolkata"]),
    "decider": st.sampled_from(["hysteresis", "tpi"]),
    "safe_mode": st.sampled_from(["off", "low_duty", "frost_only"]),
    "safe_duty": st.floats(0, 1),
    "sensor_weights": st.dictionaries(st.sampled_from([SENSOR, "a:b"]), st.floats(0.1, 100),
                                      max_size=2),
    "outputs": st.lists(st.sampled_from(["agent1:r1", "agent1:r2"]), max_size=3),
}

p_ids = st.sampled_from(["fz1", "house", "bad id", "", "x" * 65])
zone_bodies = (st.fixed_dictionaries({}, optional=v_zone)
               | st.fixed_dictionaries({}, optional=zone_plausible)
               | st.fixed_dictionaries({}, optional=zone_any) | json_values)
create_bodies = (st.fixed_dictionaries({"id": st.just("fz1")}, optional=v_zone)
                 | st.fixed_dictionaries({"id": p_ids}, optional=zone_plausible)
                 | st.fixed_dictionaries({}, optional={"id": anything(p_ids), **zone_any})
                 | json_values)
schedule_bodies = v_schedules | schedule_plausible | schedule_any | json_values
oneoff_bodies = v_oneoffs | oneoff_plausible | oneoff_any | json_values


def send(engine: ZoneEngine, method: str, path: str, body: Any) -> tuple[int, Any]:
    """Send ``body``; check the answer's form; return it. Non-finite floats are not JSON:
    the engine must refuse them with a 400."""
    raw = json.dumps(body).encode()
    try:
        json.dumps(body, allow_nan=False)
    except ValueError:
        allowed = {400}
    else:
        allowed = ALLOWED
    code, answer = engine.request(method, path, raw=raw)
    event(f"{method} {path.rsplit('/', 1)[-1]}: {code}")
    assert code in allowed, (method, path, body, code, answer)
    if code >= 400:
        assert isinstance(answer, dict) and answer.get("status") == "error", answer
        assert isinstance(answer["error"], str) and answer["error"], answer
    return code, answer


def still_healthy(engine: ZoneEngine) -> None:
    code, house = engine.request("GET", "/v1/zones/house", token=None)
    assert code == 200, house
    for path in ("/v1/zones/house/target", "/v1/zones/house/plan?hours=48"):
        code, answer = engine.request("GET", path, token=None)
        assert code == 200, (path, answer)


def restore_house(engine: ZoneEngine) -> None:
    body = {**HOUSE_DEFAULTS, "presets": DEFAULT_PRESETS}
    code, answer = engine.request("PATCH", "/v1/zones/house", body)
    assert code == 200, answer


@FUZZ
@given(body=create_bodies)
def test_fuzz_create_zone(body: Any) -> None:
    engine = shared_engine()
    code, answer = send(engine, "POST", "/v1/zones", body)
    if code == 201:
        assert answer["id"] == body["id"]
        ok(engine, "GET", f"/v1/zones/{answer['id']}")
        ok(engine, "DELETE", f"/v1/zones/{answer['id']}")
    still_healthy(engine)
    restore_house(engine)  # outputs taken from the house go back


@FUZZ
@given(body=zone_bodies)
def test_fuzz_patch_house(body: Any) -> None:
    engine = shared_engine()
    code, answer = send(engine, "PATCH", "/v1/zones/house", body)
    if code == 200:
        assert settings_of(ok(engine, "GET", "/v1/zones/house")) == settings_of(answer)
    still_healthy(engine)
    restore_house(engine)


@FUZZ
@given(body=schedule_bodies)
def test_fuzz_add_schedule(body: Any) -> None:
    engine = shared_engine()
    code, answer = send(engine, "POST", "/v1/zones/house/schedules", body)
    if code == 201:
        assert ok(engine, "GET", f"/v1/zones/house/schedules/{answer['id']}") == answer
        still_healthy(engine)
        ok(engine, "DELETE", f"/v1/zones/house/schedules/{answer['id']}")
    still_healthy(engine)


@FUZZ
@given(body=oneoff_bodies, adjustment=st.booleans())
def test_fuzz_overrides_and_adjustments(body: Any, adjustment: bool) -> None:
    engine = shared_engine()
    path = "/v1/zones/house/adjustments" if adjustment else "/v1/zones/house/overrides"
    code, answer = send(engine, "POST", path, body)
    if code == 201:
        still_healthy(engine)
        ok(engine, "GET", "/v1/zones/house/overrides")
        if adjustment:
            assert ok(engine, "GET", path)["adjustment"] == answer
            ok(engine, "DELETE", path)
        else:
            assert ok(engine, "GET", f"{path}/{answer['id']}") == answer
            ok(engine, "DELETE", f"{path}/{answer['id']}")
    still_healthy(engine)


@FUZZ
@given(query=st.dictionaries(st.sampled_from(["at", "hours", "limit"]),
                             st.text(max_size=30) | moments.filter(lambda m: isinstance(m, str))
                             | st.integers(-5, 100000).map(str), max_size=2),
       route=st.sampled_from(["target", "plan", "decisions"]))
def test_fuzz_query_strings(query: dict[str, str], route: str) -> None:
    from urllib.parse import urlencode

    engine = shared_engine()
    code, answer = engine.request("GET", f"/v1/zones/house/{route}?{urlencode(query)}",
                                  token=None)
    assert code in (200, 422), (query, answer)
    if code == 422:
        assert answer["status"] == "error" and answer["error"]
