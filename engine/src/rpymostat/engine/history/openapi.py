"""The history routes' part of the engine's OpenAPI document."""

from collections.abc import Callable
from typing import Any

from .query import MAX_POINTS, MAX_SERIES, RESOLUTIONS

Helper = Callable[..., Any]
_NUMS = {"type": "array", "items": {"type": "number"}}

SCHEMAS: dict[str, Any] = {
    "HistorySeries": {"type": "object", "required": ["id", "kind", "resolution", "t"],
                      "properties": {
        "id": {"type": "string"}, "kind": {"const": "sensor"},
        "resolution": {"enum": [r for r in RESOLUTIONS if r != "auto"]},
        "t": {"type": "array", "items": {"type": "integer"},
              "description": "reading time, or bucket start, in ms since the epoch"},
        "value": {"type": "array", "items": {"type": ["number", "null"]},
                  "description": "raw only"},
        "truncated": {"type": "boolean", "description": "raw only: more than 10,000 points"
                                                        " (ask for CSV or a coarser resolution)"},
        "min": _NUMS, "mean": _NUMS, "max": _NUMS,
        "count": {"type": "array", "items": {"type": "integer"},
                  "description": "buckets only: non-null readings in the bucket"}}},
    "RuntimeStats": {"type": "object", "required": ["zone", "period", "buckets", "totals"],
                     "properties": {
        "zone": {"type": "string"}, "period": {"enum": ["day", "week", "month"]},
        "start": {"type": "string"}, "end": {"type": "string"}, "bucket": {"enum": ["1h", "1d"]},
        "outputs": {"type": "array", "items": {"type": "string"}},
        "buckets": {"type": "array", "items": {"type": "object", "properties": {
            "start": {"type": "string"},
            "on_s": {"type": "object", "additionalProperties": {"type": "number"}},
            "cycles": {"type": "object", "additionalProperties": {"type": "integer"}},
            "degree_hours_below": {"type": "number"},
            "degree_hours_above": {"type": "number"}}}},
        "totals": {"type": "object", "properties": {
            "on_s": {"type": "object"}, "cycles": {"type": "object"},
            "cycles_per_day": {"type": "object"}, "degree_hours_below": {"type": "number"},
            "degree_hours_above": {"type": "number"}}}}},
    "History": {"type": "object", "required": ["start", "end", "resolution", "series"],
                "properties": {
        "start": {"type": "string"}, "end": {"type": "string"},
        "resolution": {"enum": [r for r in RESOLUTIONS if r != "auto"]},
        "series": {"type": "array", "items": {"$ref": "#/components/schemas/HistorySeries"}}}},
}


def history_paths(ref: Helper, json: Helper, errors: Helper) -> dict[str, Any]:
    """The paths, built with the main document's helpers."""
    time = {"type": "string", "format": "date-time"}
    return {"/v1/history": {"get": {
        "summary": "readings of sensors over a window, raw or min/mean/max per bucket",
        "description": f"At most {MAX_POINTS} points per series with resolution=auto (raw"
                       " when every series has that few readings in the window, else the"
                       " finest of 5m, 1h, 1d buckets that fits; buckets are aligned on UTC)."
                       " CSV (`format=csv` or `Accept: text/csv`) is streamed; auto means raw"
                       " there. Errors are 422 naming the parameter.",
        "security": [],
        "parameters": [
            {"name": "series", "in": "query", "required": True, "schema": {"type": "string"},
             "description": f"sensor ids, comma-separated (or repeated); at most {MAX_SERIES}"},
            {"name": "start", "in": "query", "schema": time, "description": "default end − 24 h"},
            {"name": "end", "in": "query", "schema": time, "description": "default now"},
            {"name": "resolution", "in": "query",
             "schema": {"enum": list(RESOLUTIONS), "default": "auto"}},
            {"name": "format", "in": "query", "schema": {"enum": ["json", "csv"]},
             "description": "default: csv when Accept names text/csv, else json"}],
        "responses": {"200": {"description": "the series, in the order asked", "content": {
            "application/json": {"schema": ref("History")},
            "text/csv": {"schema": {"type": "string"}, "example":
                         "series,time,value\r\npi1:t1,2026-01-31T06:30:00Z,20.5\r\n"}}},
                      **errors(422, 503)}}},
        "/v1/stats/runtime": {"get": {
            "summary": "a zone's output on-time, cycles and degree-hours below/above target",
            "description": "period=day: the 24 hours up to the end of the current hour in"
                           " hourly buckets; week / month: the 7 / 30 UTC days up to the end"
                           " of today in daily buckets. Outputs are the zone's outputs now;"
                           " degree-hours integrate (target − temperature) between decisions"
                           " (a gap over 15 minutes counts 15 minutes).",
            "security": [],
            "parameters": [
                {"name": "zone", "in": "query", "required": True, "schema": {"type": "string"}},
                {"name": "period", "in": "query",
                 "schema": {"enum": ["day", "week", "month"], "default": "day"}}],
            "responses": {"200": json(ref("RuntimeStats"), "per bucket and in total"),
                          **errors(422, 503)}}}}
