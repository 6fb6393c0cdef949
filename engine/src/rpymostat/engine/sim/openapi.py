"""The OpenAPI 3 document of the simulated house's API, served at ``GET /v1/openapi.json``."""

from typing import Any

_TIME = {"type": "string", "format": "date-time", "description": "simulated time, UTC"}
_LOCAL = {"type": "string", "format": "date-time",
          "description": "simulated time with the house's UTC offset (its time of day)"}
_ZONE_PARAM = {"name": "zone", "in": "path", "required": True, "schema": {"type": "string"}}
_SWITCH_BODY = {"type": "object", "required": ["state"], "additionalProperties": False,
                "properties": {"state": {"enum": ["on", "off"]},
                               "source": {"type": "string", "minLength": 1, "maxLength": 64}}}
_SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["status", "error"], "properties": {
        "status": {"const": "error"}, "error": {"type": "string"}}},
    "House": {"type": "object", "required": ["time", "speed", "outdoor_c", "zones"],
              "properties": {
                  "time": _TIME, "local_time": _LOCAL,
                  "speed": {"type": "number", "description": "simulated s per real s"},
                  "outdoor_c": {"type": "number"},
                  "zones": {"type": "object", "additionalProperties": {
                      "type": "object", "properties": {
                          "indoor_c": {"type": "number"}, "heater": {"type": "boolean"},
                          "cooler": {"type": "boolean"}, "heat_kwh": {"type": "number"},
                          "cool_kwh": {"type": "number"},
                          "switches": {"type": "integer"}}}}}},
    "Zone": {"type": "object", "properties": {
        "indoor_c": {"type": "number"}, "outdoor_c": {"type": "number"},
        "heater": {"type": "boolean"}, "cooler": {"type": "boolean"}, "time": _TIME,
        "local_time": _LOCAL}},
    "Outdoor": {"type": "object", "properties": {"outdoor_c": {"type": "number"},
                                                 "time": _TIME, "local_time": _LOCAL}},
}


def _json(name: str, description: str = "OK") -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}}


def _errors(*codes: int) -> dict[str, Any]:
    meaning = {400: "the body is not JSON", 401: "RPYMOSTAT_TOKEN is set and the call lacks it",
               404: "no such zone or output",
               422: "the body is not {\"state\": \"on\"|\"off\"}"}
    return {str(c): _json("Error", meaning[c]) for c in codes}


def house_openapi(version: str) -> dict[str, Any]:
    """The document; with RPYMOSTAT_TOKEN set, switching needs the site token."""
    switch = {"summary": "switch the zone's heater (heat) or cooler (cool)",
              "parameters": [_ZONE_PARAM, {"name": "function", "in": "path", "required": True,
                                           "schema": {"enum": ["heat", "cool"]}}],
              "requestBody": {"required": True,
                              "content": {"application/json": {"schema": _SWITCH_BODY}}},
              "responses": {"200": {"description": "switched",
                                    "content": {"application/json": {"schema": _SWITCH_BODY}}},
                            **_errors(400, 401, 404, 422)},
              "security": [{"bearer": []}]}
    return {
        "openapi": "3.1.0",
        "info": {"title": "RPyMostat simulated house API", "version": version},
        "paths": {
            "/": {"get": {"summary": "the house's page (HTML)",
                          "responses": {"200": {"description": "HTML"}}}},
            "/v1/status": {"get": {"summary": "status",
                                   "responses": {"200": {"description": "OK"}}}},
            "/v1/openapi.json": {"get": {"summary": "this document",
                                         "responses": {"200": {"description": "OK"}}}},
            "/v1/house": {"get": {"summary": "time, outdoors and every zone",
                                  "responses": {"200": _json("House")}}},
            "/v1/house/history": {"get": {"summary": "samples of the last real minutes",
                                          "responses": {"200": {"description": "OK"}}}},
            "/v1/outdoor": {"get": {"summary": "the outdoor temperature",
                                    "responses": {"200": _json("Outdoor")}}},
            "/v1/zones/{zone}": {"get": {"summary": "one zone", "parameters": [_ZONE_PARAM],
                                         "responses": {"200": _json("Zone"), **_errors(404)}}},
            "/v1/zones/{zone}/{function}": {"put": switch},
        },
        "components": {"schemas": _SCHEMAS},
    }
