"""The zone part of the engine's OpenAPI document: schemas and paths of ``/v1/zones``,
``/v1/zones/{zone}/...`` and ``/v1/plugins``."""

from collections.abc import Callable
from typing import Any

from .bodies import NEXT_CHANGE, ZONE_FIELDS
from .model import PRESETS

Helper = Callable[..., dict[str, Any]]

_TARGET = {"type": ["number", "string"],
           "description": f"°C, or a preset name: {', '.join(PRESETS)}"}
_MOMENT = {"type": "string", "description": "ISO 8601; without an offset it is wall time in"
                                            " the zone's time zone", "examples": [
                                                "2026-12-21T08:00", "2026-12-21"]}
_RULE_FIELDS: dict[str, Any] = {
    "kind": {"enum": ["default", "schedule", "dated-schedule", "override", "adjustment"]},
    "id": {"type": "string"}, "name": {"type": "string"}}
_RULE = {"type": "object", "properties": _RULE_FIELDS}
_ENDERS = {
    "end": {**_MOMENT, "description": "when it ends"},
    "duration": {"type": "string", "description": "ISO 8601 duration, e.g. PT2H"},
    "until": {"const": NEXT_CHANGE, "description": "end at the next scheduled change"}}

SCHEMAS: dict[str, Any] = {
    "ZonePatch": {"type": "object", "additionalProperties": False, "minProperties": 1,
                  "properties": ZONE_FIELDS},
    "ZoneCreate": {"type": "object", "additionalProperties": False, "required": ["id"],
                   "properties": {"id": {"type": "string",
                                         "pattern": "^[A-Za-z0-9][A-Za-z0-9._~-]{0,63}$"},
                                  **ZONE_FIELDS}},
    "Zone": {"type": "object", "description": "settings, `state` (live) and `current` (the"
                                              " rule in force)", "properties": {
        "id": {"type": "string"}, **ZONE_FIELDS,
        "state": {"type": "object", "properties": {
            "temperature": {"type": ["number", "null"]},
            "sensors": {"type": "array"}, "outputs": {"type": "array"},
            "outdoor": {"type": ["number", "null"],
                        "description": "the zone's outdoor sensor's fresh value"},
            "time_to_target": {"type": "object", "description": "how long until the zone"
                               " reaches its setpoint at the learnt rate (Nest's"
                               " time-to-temperature)", "properties": {
                                   "seconds": {"type": ["integer", "null"],
                                               "description": "0: there; null: unknown"
                                                              " or out of reach"},
                                   "function": {"enum": ["heat", "cool"]},
                                   "setpoint": {"type": "number"},
                                   "why": {"type": "string"}}},
            "predictive_start": {"type": "object", "properties": {
                "enabled": {"type": "boolean"}, "max_head_start_s": {"type": "number"},
                "early_start": {"type": ["object", "null"],
                                "description": "the early start in force: for which change"
                                               " (for, target), since when, need_s"},
                "rates": {"type": "object", "description": "per function the learnt model"
                          " rate = a + b·(indoor − outdoor) K/h, or samples so far"}}},
            "decision": {"anyOf": [{"$ref": "#/components/schemas/Decision"},
                                   {"type": "null"}]}}},
        "current": _RULE}},
    "ZoneList": {"type": "object", "properties": {"zones": {
        "type": "array", "items": {"$ref": "#/components/schemas/Zone"}}}},
    "ScheduleIn": {"type": "object", "additionalProperties": False,
                   "required": ["target", "scheduler", "params"], "properties": {
                       "name": {"type": "string", "maxLength": 64}, "target": _TARGET,
                       "scheduler": {"type": "string", "examples": ["weekly", "cron",
                                                                    "iso8601"]},
                       "params": {"type": "object",
                                  "description": "the scheduler's parameters (GET /v1/plugins"
                                                 " has each one's schema)"},
                       "valid_from": _MOMENT,
                       "valid_until": {**_MOMENT, "description": "a bare date includes that"
                                                                 " day"}}},
    "Schedule": {"type": "object", "properties": {
        "id": {"type": "string"}, "name": {"type": "string"}, "target": _TARGET,
        "scheduler": {"type": "string"}, "params": {"type": "object"},
        "kind": {"enum": ["schedule", "dated-schedule"]}, "describe": {"type": "string"},
        "seq": {"type": "integer"}}},
    "ScheduleList": {"type": "object", "properties": {"schedules": {
        "type": "array", "items": {"$ref": "#/components/schemas/Schedule"}}}},
    "OverrideIn": {"type": "object", "additionalProperties": False, "required": ["target"],
                   "description": "exactly one of end, duration, until", "properties": {
                       "name": {"type": "string", "maxLength": 64}, "target": _TARGET,
                       "start": {**_MOMENT, "description": "default: now"}, **_ENDERS}},
    "AdjustmentIn": {"type": "object", "additionalProperties": False, "required": ["target"],
                     "description": "starts now; ends after duration, else at the next"
                                    " scheduled change", "properties": {
                         "name": {"type": "string", "maxLength": 64}, "target": _TARGET,
                         "duration": _ENDERS["duration"], "until": _ENDERS["until"]}},
    "OneOff": {"type": "object", "properties": {
        "id": {"type": "string"}, "name": {"type": "string"}, "target": _TARGET,
        "start": {"type": "string"}, "end": {"type": ["string", "null"]},
        "until_next_change": {"type": "boolean"}, "ends_at": {"type": "string"},
        "active": {"type": "boolean"}}},
    "OverrideList": {"type": "object", "properties": {"overrides": {
        "type": "array", "items": {"$ref": "#/components/schemas/OneOff"}}}},
    "Target": {"type": "object", "properties": {
        "target": {"type": "number", "description": "°C, within the safety limits"},
        "requested": _TARGET, "preset": {"type": ["string", "null"]},
        "heat_setpoint": {"type": ["number", "null"]},
        "cool_setpoint": {"type": ["number", "null"]},
        "rule": {**_RULE, "properties": {**_RULE_FIELDS,
                                         "since": {"type": ["string", "null"]},
                                         "until": {"type": ["string", "null"],
                                                   "description": "null: not within 8 days"}}},
        "why": {"type": "string"},
        "losing": {"type": "array", "description": "other applicable rules and why they"
                                                   " lose"},
        "clamped": {"type": "boolean"}}},
    "Plan": {"type": "object", "properties": {
        "start": {"type": "string"}, "end": {"type": "string"}, "timezone": {"type": "string"},
        "segments": {"type": "array", "items": {"type": "object", "properties": {
            "start": {"type": "string"}, "end": {"type": "string"},
            "target": {"type": "number"}, "preset": {"type": ["string", "null"]},
            "rule": _RULE, "since": {"type": ["string", "null"]}}}}}},
    "Decision": {"type": "object", "properties": {
        "seq": {"type": "integer"}, "at": {"type": "string"}, "state": {"type": "string"},
        "reason": {"type": "string"}, "temperature": {"type": ["number", "null"]},
        "target": {"type": "number"}, "heat": {"type": "boolean"}, "cool": {"type": "boolean"},
        "safe_mode": {"type": "boolean"}, "rule": _RULE, "commands": {"type": "array"},
        "early_start": {"type": ["object", "null"],
                        "description": "set while predictive start runs ahead of a change"},
        "decided": {"type": "object", "description": "only during a manual hold (state"
                    " manual-hold; heat/cool are then what the outputs really do): the zone's"
                    " own state, heat, cool and reason"}}},
    "DecisionList": {"type": "object", "properties": {"decisions": {
        "type": "array", "items": {"$ref": "#/components/schemas/Decision"}}}},
    "Plugins": {"type": "object", "properties": {
        "schedulers": {"type": "array"}, "deciders": {"type": "array"}}},
}


def zone_paths(ref: Helper, json: Helper, errors: Helper, mutating: list[Any]
               ) -> dict[str, Any]:
    """The paths, built with the main document's helpers."""
    zone = {"name": "zone_id", "in": "path", "required": True, "schema": {"type": "string"}}
    rule_id = {"name": "rule_id", "in": "path", "required": True, "schema": {"type": "string"}}

    def body(name: str) -> dict[str, Any]:
        return {"required": True, "content": {"application/json": {"schema": ref(name)}}}

    def write(summary: str, schema: str | None, code: str, out: str | None, *errs: int
              ) -> dict[str, Any]:
        answer = json(ref(out) if out else {"type": "object"}, summary)
        op: dict[str, Any] = {"summary": summary, "security": mutating,
                              "responses": {code: answer,
                                            **errors(401, *errs, 503)}}
        if schema:
            op["requestBody"] = body(schema)
        return op

    def read(summary: str, out: str, *errs: int, **extra: Any) -> dict[str, Any]:
        return {"summary": summary, "security": [], **extra,
                "responses": {"200": json(ref(out), summary), **errors(*errs)}}

    return {
        "/v1/zones": {
            "get": read("every zone with its settings and live state", "ZoneList"),
            "post": write("create a zone", "ZoneCreate", "201", "Zone", 400, 409, 413, 422)},
        "/v1/zones/{zone_id}": {
            "parameters": [zone],
            "get": read("one zone", "Zone", 404),
            "patch": write("change a zone's settings (outputs listed leave other zones)",
                           "ZonePatch", "200", "Zone", 400, 404, 413, 422),
            "delete": write("forget a zone (not house); its sensors and outputs return to"
                            " house", None, "200", None, 404, 409)},
        "/v1/zones/{zone_id}/schedules": {
            "parameters": [zone],
            "get": read("the zone's schedules", "ScheduleList", 404),
            "post": write("add a schedule", "ScheduleIn", "201", "Schedule", 400, 404, 413,
                          422)},
        "/v1/zones/{zone_id}/schedules/{rule_id}": {
            "parameters": [zone, rule_id],
            "get": read("one schedule", "Schedule", 404),
            "put": write("replace a schedule", "ScheduleIn", "200", "Schedule", 400, 404, 413,
                         422),
            "delete": write("remove a schedule", None, "200", None, 404)},
        "/v1/zones/{zone_id}/overrides": {
            "parameters": [zone],
            "get": read("the zone's overrides", "OverrideList", 404),
            "post": write("add a one-time override", "OverrideIn", "201", "OneOff", 400, 404,
                          413, 422)},
        "/v1/zones/{zone_id}/overrides/{rule_id}": {
            "parameters": [zone, rule_id],
            "get": read("one override", "OneOff", 404),
            "delete": write("cancel an override", None, "200", None, 404)},
        "/v1/zones/{zone_id}/adjustments": {
            "parameters": [zone],
            "get": read("the zone's adjustment (or null)", "OneOff", 404),
            "post": write("make it X now (replaces the previous adjustment)", "AdjustmentIn",
                          "201", "OneOff", 400, 404, 413, 422),
            "delete": write("cancel the adjustment", None, "200", None, 404)},
        "/v1/zones/{zone_id}/target": {
            "parameters": [zone],
            "get": read("the target now (or at `at`), the winning rule and why", "Target",
                        404, 422, parameters=[{"name": "at", "in": "query",
                                               "schema": _MOMENT}])},
        "/v1/zones/{zone_id}/plan": {
            "parameters": [zone],
            "get": read("the resolved target timeline for the next hours", "Plan", 404, 422,
                        parameters=[{"name": "hours", "in": "query", "schema": {
                            "type": "integer", "minimum": 1, "maximum": 336,
                            "default": 24}}])},
        "/v1/zones/{zone_id}/decisions": {
            "parameters": [zone],
            "get": read("the zone's latest decisions, newest first", "DecisionList", 404, 422,
                        parameters=[{"name": "limit", "in": "query", "schema": {
                            "type": "integer", "minimum": 1, "maximum": 500,
                            "default": 100}}])},
        "/v1/plugins": {
            "get": read("installed scheduler and decider plugins with their parameter"
                        " schemas", "Plugins")},
    }
