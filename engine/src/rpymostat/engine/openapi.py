"""The OpenAPI 3 document of the engine's API v1, served at ``GET /v1/openapi.json``.

A unit test checks that every Klein route is documented here and every documented path is
routed; ``docs/api.md`` is generated from this document (``make docs``).
"""

from typing import Any

from .history.openapi import SCHEMAS as HISTORY_SCHEMAS
from .history.openapi import history_paths
from .ingest import (
    MAX_ALIAS,
    MAX_CELSIUS,
    MAX_EXTRA,
    MAX_READINGS_PER_BATCH,
    MAX_SENSORS_PER_UPDATE,
    MAX_TYPE,
    MIN_CELSIUS,
)
from .zones.openapi import SCHEMAS as ZONE_SCHEMAS
from .zones.openapi import zone_paths

_ID = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._~-]{0,63}$"}
_CELSIUS = {"type": ["number", "null"], "minimum": MIN_CELSIUS, "maximum": MAX_CELSIUS,
            "description": "°C, or null when the sensor cannot tell"}
_TIME = {"type": "string", "format": "date-time",
         "description": "ISO 8601 with a UTC offset, e.g. 2026-01-31T06:30:00Z"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    meaning = {400: "the body is not JSON", 401: "the site token is missing or wrong",
               404: "no such resource", 409: "conflicts with the current state",
               413: "the body is too large", 422: "invalid content; the message names the field",
               503: "the store (or the bus, or the relay agent) is unavailable; retry later"}
    return {str(c): _json(_ref("Error"), meaning[c]) for c in codes}


_SENSOR_ID_PARAM = {"name": "sensor_id", "in": "path", "required": True,
                    "schema": {"type": "string"}, "description": "global id <host_id>:<sensor_id>"}

_SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["status", "error"], "properties": {
        "status": {"const": "error"}, "error": {"type": "string"}}},
    "Status": {"type": "object", "required": ["status", "dependencies", "version"], "properties": {
        "status": {"type": "boolean"},
        "dependencies": {"type": "object", "additionalProperties": {"type": "boolean"}},
        "version": {"type": "string"},
        "name": {"type": "string", "description": "instance name advertised on the LAN"},
        "instance_id": {"type": "string"},
        "boot": {"type": "string", "description": "changes at every start"},
        "advertised": {"type": ["string", "null"], "description": "mDNS name, once advertised"},
        "bus": {"type": "object", "description": "bus ports and counters", "properties": {
            "pub_port": {"type": "integer"}, "sub_port": {"type": "integer"},
            "received": {"type": "integer"}, "invalid": {"type": "integer"},
            "topics": {"type": "integer"}}}}},
    "Snapshot": {"type": "object", "required": ["tree", "seqs"], "properties": {
        "tree": {"type": "object", "description": "the status tree under the mask"},
        "seqs": {"type": "array", "description": "last sequence number applied per source and"
                 " topic", "items": {"type": "object", "required": ["source", "topic", "seq"],
                                     "properties": {"source": {"type": "string"},
                                                    "topic": {"type": "string"},
                                                    "seq": {"type": "integer"}}}}}},
    "Logs": {"type": "object", "required": ["logs"], "properties": {"logs": {
        "type": "array", "items": {"type": "object", "required": ["service", "level", "text"],
                                   "properties": {
            "service": {"type": "string"}, "source": {"type": "string"},
            "seq": {"type": "integer"}, "ts": {"type": "number"},
            "level": {"type": "string"}, "text": {"type": "string"},
            "namespace": {"type": "string"}, "time": {"type": ["string", "null"]}}}}}},
    "SensorData": {"type": "object", "required": ["type", "value"],
                   "additionalProperties": False, "properties": {
        "type": {"type": "string", "maxLength": MAX_TYPE, "description": "e.g. the model"},
        "value": _CELSIUS,
        "alias": {"type": ["string", "null"], "maxLength": MAX_ALIAS},
        "extra": {"type": ["string", "null"], "maxLength": MAX_EXTRA}}},
    "SensorUpdate": {"type": "object", "required": ["host_id", "sensors"],
                     "additionalProperties": False, "properties": {
        "host_id": _ID,
        "sensors": {"type": "object", "minProperties": 1,
                    "maxProperties": MAX_SENSORS_PER_UPDATE,
                    "propertyNames": _ID, "additionalProperties": _ref("SensorData")}}},
    "BatchReading": {"type": "object", "required": ["sensor_id", "timestamp", "type", "value"],
                     "additionalProperties": False, "properties": {
        "sensor_id": _ID, "timestamp": _TIME, "type": {"type": "string", "maxLength": MAX_TYPE},
        "value": _CELSIUS, "alias": {"type": ["string", "null"], "maxLength": MAX_ALIAS},
        "extra": {"type": ["string", "null"], "maxLength": MAX_EXTRA}}},
    "Batch": {"type": "object", "required": ["host_id", "readings"],
              "additionalProperties": False, "properties": {
        "host_id": _ID, "readings": {"type": "array", "minItems": 1,
                                     "maxItems": MAX_READINGS_PER_BATCH,
                                     "items": _ref("BatchReading")}}},
    "UpdateResult": {"type": "object", "properties": {
        "status": {"const": "ok"}, "ids": {"type": "array", "items": {"type": "string"}}}},
    "BatchResult": {"type": "object", "properties": {
        "status": {"const": "ok"}, "ids": {"type": "array", "items": {"type": "string"}},
        "stored": {"type": "integer", "description": "readings new to the store"},
        "duplicates": {"type": "integer", "description": "readings it already had"}}},
    "Sensor": {"type": "object", "properties": {
        "id": {"type": "string"}, "host_id": {"type": "string"},
        "sensor_id": {"type": "string"}, "type": {"type": "string"},
        "alias": {"type": ["string", "null"]}, "extra": {"type": ["string", "null"]},
        "name": {"type": ["string", "null"], "description": "the name the user gave it"},
        "zone": {"type": "string"}, "last_value": _CELSIUS, "last_update": _TIME,
        "age_s": {"type": "number", "description": "seconds since last_update"},
        "stale": {"type": "boolean", "description": "older than RPYMOSTAT_STALE_AFTER"}}},
    "SensorList": {"type": "object", "properties": {
        "sensors": {"type": "array", "items": _ref("Sensor")}}},
    "SensorPatch": {"type": "object", "minProperties": 1, "additionalProperties": False,
                    "properties": {
        "name": {"type": ["string", "null"], "maxLength": 64,
                 "description": "null clears the name"},
        "zone": _ID}},
    "Readings": {"type": "object", "properties": {
        "sensor": {"type": "string"}, "start": _TIME, "end": _TIME,
        "readings": {"type": "array", "items": {"type": "object", "properties": {
            "timestamp": _TIME, "value": _CELSIUS}}}}},
}

_STATE = {"enum": ["on", "off"]}
_WHEN = {"type": ["string", "null"], "format": "date-time"}
_RELAY_SCHEMAS: dict[str, Any] = {
    "Protection": {"type": "object", "properties": {
        "min_on_s": {"type": "number"}, "min_off_s": {"type": "number"},
        "max_starts_per_hour": {"type": "integer", "description": "0: no limit"}}},
    "Timers": {"type": "object", "properties": {
        "switch_allowed_in_s": {"type": ["number", "null"], "description":
                                "seconds until the opposite switch is allowed (0: now; null:"
                                " not by waiting, e.g. an interlocked output is on)"},
        "blocked_by": {"type": ["string", "null"]},
        "starts_last_hour": {"type": "integer"}}},
    "AgentRelay": {"type": "object", "required": ["id", "function", "state"], "properties": {
        "id": _ID, "function": {"enum": ["heat", "cool", "fan", "aux"]}, "state": _STATE,
        "safe_state": _STATE, "protection": _ref("Protection"), "timers": _ref("Timers"),
        "fault": {"type": ["string", "null"]}}},
    "Registration": {"type": "object", "required": ["host_id", "boot", "watchdog_s", "relays"],
                     "additionalProperties": False, "properties": {
        "host_id": _ID, "boot": {"type": "string", "maxLength": 64,
                                 "description": "changes at every agent start"},
        "version": {"type": "string", "maxLength": 64},
        "port": {"type": ["integer", "null"], "minimum": 1, "maximum": 65535,
                 "description": "the agent's API port (its address is the one it connects"
                                " from)"},
        "url": {"type": ["string", "null"], "description": "the agent's API URL, when the"
                " engine must not derive it"},
        "watchdog_s": {"type": "number", "minimum": 3, "maximum": 86400},
        "relays": {"type": "array", "minItems": 1, "maxItems": 64,
                   "items": _ref("AgentRelay")}}},
    "Registered": {"type": "object", "properties": {
        "status": {"const": "ok"}, "host_id": {"type": "string"}, "url": {"type": "string"},
        "boot": {"type": "string", "description": "the engine's boot id"},
        "heartbeat_s": {"type": "number"}}},
    "Relay": {"type": "object", "properties": {
        "id": {"type": "string", "description": "<host_id>:<output>"},
        "host_id": {"type": "string"}, "output": {"type": "string"},
        "function": {"type": "string"},
        "commanded": {"enum": ["on", "off", None], "description": "what the engine wants"},
        "commanded_at": _WHEN,
        "commanded_by": {"type": ["string", "null"], "description":
                         "manual, zone:<zone>, resumed (a hold ended by hand) or engine"},
        "reported": _STATE, "in_sync": {"type": ["boolean", "null"]},
        "safe_state": _STATE, "reachable": {"type": ["boolean", "null"]},
        "last_contact": _WHEN, "agent_url": {"type": "string"},
        "watchdog_s": {"type": "number"}, "protection": _ref("Protection"),
        "timers": _ref("Timers"), "fault": {"type": ["string", "null"]},
        "pending": {"type": "object", "properties": {
            "attempts": {"type": "integer"},
            "next_try_in_s": {"type": ["number", "null"]},
            "last_error": {"type": ["string", "null"]}}}}},
    "RelayList": {"type": "object", "properties": {"relays": {"type": "array",
                                                              "items": _ref("Relay")}}},
    "StateCommand": {"type": "object", "required": ["state"], "additionalProperties": False,
                     "properties": {"state": _STATE, "source": {"type": "string",
                                                                "maxLength": 64}}},
    "Refused": {"type": "object", "required": ["status", "error", "retry_after_s"],
                "properties": {"status": {"const": "error"}, "error": {"type": "string"},
                               "retry_after_s": {"type": ["number", "null"], "description":
                                                 "when the protection would allow it (null:"
                                                 " not by waiting)"}}},
    "Alarm": {"type": "object", "properties": {
        "id": {"type": "string"}, "kind": {"enum": [
            "relay-mismatch", "agent-unreachable", "zone-safe-mode", "zone-over-temperature",
            "zone-frost"]},
        "subject": {"type": "string"}, "message": {"type": "string"},
        "raised_at": _WHEN, "cleared_at": _WHEN, "active": {"type": "boolean"}}},
    "Alarms": {"type": "object", "properties": {
        "active": {"type": "array", "items": _ref("Alarm")},
        "cleared": {"type": "array", "items": _ref("Alarm"),
                    "description": "recently cleared, newest first"}}},
}
_SCHEMAS.update(_RELAY_SCHEMAS)
_MUTATING: list[dict[str, list[str]]] = [{"siteToken": []}]
_RELAY_ID_PARAM = {"name": "relay_id", "in": "path", "required": True,
                   "schema": {"type": "string"}, "description": "<host_id>:<output>"}


def _relay_paths() -> dict[str, Any]:
    return {
        "/v1/relays/register": {"post": {
            "summary": "a relay agent registers (again at every start and engine restart)",
            "description": "The engine calls the agent at `url`, else at the address the"
                           " request came from and `port`. It heartbeats the agent four times"
                           " per watchdog period and re-sends commands the agent has not"
                           " carried out.",
            "security": _MUTATING,
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": _ref("Registration")}}},
            "responses": {"201": _json(_ref("Registered"), "registered"),
                          **_errors(400, 401, 413, 422, 503)}}},
        "/v1/relays": {"get": {
            "summary": "every output of every agent: commanded vs reported, contact, timers",
            "security": [], "responses": {"200": _json(_ref("RelayList"), "relays")}}},
        "/v1/relays/{relay_id}": {
            "parameters": [_RELAY_ID_PARAM],
            "get": {"summary": "one output", "security": [],
                    "responses": {"200": _json(_ref("Relay"), "the relay"), **_errors(404)}},
            "put": {"summary": "manual control, through the agent and its protections",
                    "description": "Answers once the agent has switched the output; only then"
                                   " does the state become the commanded one.",
                    "security": _MUTATING,
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": _ref("StateCommand")}}},
                    "responses": {"200": _json(_ref("Relay"), "switched"),
                                  "409": _json(_ref("Refused"), "a protection refuses"),
                                  **_errors(400, 401, 404, 413, 422, 503)}}},
        "/v1/relays/{relay_id}/resume": {
            "parameters": [_RELAY_ID_PARAM],
            "post": {"summary": "end a manual hold: give the output back to its zone",
                     "description": "An output switched by hand (PUT) is left alone by its"
                                    " zone for the manual hold (RPYMOSTAT_MANUAL_HOLD). This"
                                    " ends the hold now; the zone decides at once and commands"
                                    " the output as its schedule says. No body. `resumed` is"
                                    " false when no hold was in force.",
                     "security": _MUTATING,
                     "responses": {"200": _json(_ref("Relay"), "the relay, its zone's again"),
                                   **_errors(401, 404, 503)}}},
        "/v1/alarms": {"get": {
            "summary": "active alarms and the recently cleared ones", "security": [],
            "description": "Also on the bus: `engine.alarm.<id>` while active.",
            "responses": {"200": _json(_ref("Alarms"), "alarms")}}},
    }


def _paths() -> dict[str, Any]:
    return {
        "/": {"get": {"summary": "HTML page: name, version, links", "security": [],
                      "responses": {"200": {"description": "HTML",
                                            "content": {"text/html": {}}}}}},
        "/v1/openapi.json": {"get": {"summary": "this document", "security": [],
                                     "responses": {"200": {"description": "OpenAPI 3"}}}},
        "/v1/status": {"get": {
            "summary": "operational status and dependencies", "security": [],
            "responses": {"200": _json(_ref("Status"), "operational"),
                          "503": _json(_ref("Status"), "not operational (store down)")}}},
        "/v1/sensors/update": {"put": {
            "summary": "current readings of a host's sensors (the RPyMostat payload)",
            "description": "Every reading is stamped with the engine's time of receipt. 201 is"
                           " sent only after every reading is committed to disk; the request"
                           " is stored whole or not at all.",
            "security": _MUTATING,
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": _ref("SensorUpdate")}}},
            "responses": {"201": _json(_ref("UpdateResult"), "stored"),
                          **_errors(400, 401, 413, 422, 503)}}},
        "/v1/sensors/batch": {"post": {
            "summary": "many readings with their own timestamps (an agent replaying its buffer)",
            "description": "Idempotent on (host_id, sensor_id, timestamp): a replayed reading"
                           " is counted in `duplicates` and not stored twice.",
            "security": _MUTATING,
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": _ref("Batch")}}},
            "responses": {"201": _json(_ref("BatchResult"), "stored"),
                          **_errors(400, 401, 413, 422, 503)}}},
        "/v1/bus/snapshot": {"get": {
            "summary": "the live status tree (or the part under a mask)", "security": [],
            "description": "A late joiner subscribes to the bus (its mask and"
                           " `bus.sync.<marker>`) first, then asks with `marker`: the answer is"
                           " the tree exactly as it was when that marker passed the bus, so"
                           " the stream after the marker continues it with nothing lost or"
                           " applied twice (drop messages whose seq the snapshot already has).",
            "parameters": [
                {"name": "mask", "in": "query", "schema": {"type": "string", "default": ""},
                 "description": "topic prefix, whole segments: `zone.house`, `sensor.`"},
                {"name": "marker", "in": "query", "schema": {
                    "type": "string", "pattern": "^[A-Za-z0-9_~-][A-Za-z0-9_~:-]{0,191}$"}}],
            "responses": {"200": _json(_ref("Snapshot"), "the tree and its sequence numbers"),
                          **_errors(422, 503)}}},
        "/v1/logs": {"get": {
            "summary": "the latest warnings and errors of every daemon (from the bus)",
            "security": [],
            "parameters": [
                {"name": "service", "in": "query", "schema": {"type": "string"},
                 "description": "only this service (a mask: `sensor-agent`)"},
                {"name": "limit", "in": "query", "schema": {
                    "type": "integer", "minimum": 1, "maximum": 10000, "default": 100}}],
            "responses": {"200": _json(_ref("Logs"), "oldest first"), **_errors(422)}}},
        "/v1/sensors": {"get": {
            "summary": "every known sensor", "security": [],
            "responses": {"200": _json(_ref("SensorList"), "sensors"), **_errors(503)}}},
        "/v1/sensors/{sensor_id}": {
            "parameters": [_SENSOR_ID_PARAM],
            "get": {"summary": "one sensor", "security": [],
                    "responses": {"200": _json(_ref("Sensor"), "the sensor"),
                                  **_errors(404, 503)}},
            "patch": {"summary": "rename a sensor or assign its zone", "security": _MUTATING,
                      "requestBody": {"required": True, "content": {"application/json": {
                          "schema": _ref("SensorPatch")}}},
                      "responses": {"200": _json(_ref("Sensor"), "the updated sensor"),
                                    **_errors(400, 401, 404, 413, 422, 503)}},
            "delete": {"summary": "forget a sensor and its history", "security": _MUTATING,
                       "responses": {"200": {"description": "forgotten"},
                                     **_errors(401, 404, 503)}}},
        "/v1/sensors/{sensor_id}/readings": {
            "parameters": [_SENSOR_ID_PARAM],
            "get": {"summary": "a sensor's history in [start, end)", "security": [],
                    "parameters": [
                        {"name": "start", "in": "query", "schema": _TIME,
                         "description": "default: end − 24 h"},
                        {"name": "end", "in": "query", "schema": _TIME,
                         "description": "default: now"},
                        {"name": "limit", "in": "query",
                         "schema": {"type": "integer", "minimum": 1, "maximum": 10000,
                                    "default": 1000}},
                        {"name": "order", "in": "query",
                         "schema": {"enum": ["desc", "asc"], "default": "desc"},
                         "description": "desc: the newest `limit` readings of the window,"
                                        " newest first; asc: the oldest, oldest first"}],
                    "responses": {"200": _json(_ref("Readings"),
                                               "in the order asked (default newest first);"
                                               " timestamps in milliseconds, values in"
                                               " thousandths"),
                                  **_errors(404, 422, 503)}}},
    }


def openapi_document(version: str) -> dict[str, Any]:
    """The whole document for this engine version."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "RPyMostat engine API", "version": version,
                 "description": "Every error is `{\"status\": \"error\", \"error\": \"...\"}`"
                                " with a 4xx code (503 when the store is down). Mutating calls"
                                " need `Authorization: Bearer <site token>` unless"
                                " RPYMOSTAT_AUTH=off; with RPYMOSTAT_AUTH=strict reads need it"
                                " too, except /, /v1/status and /v1/openapi.json."},
        "servers": [{"url": "/"}],
        "security": _MUTATING,
        "paths": {**_paths(), **_relay_paths(),
                  **zone_paths(_ref, _json, _errors, _MUTATING),
                  **history_paths(_ref, _json, _errors)},
        "components": {
            "schemas": {**_SCHEMAS, **ZONE_SCHEMAS, **HISTORY_SCHEMAS},
            "securitySchemes": {"siteToken": {"type": "http", "scheme": "bearer"}},
        },
    }
