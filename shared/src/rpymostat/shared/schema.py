"""A small JSON Schema checker for plugin parameters (the subset plugins use).

Plugins (schedulers, deciders) declare their parameters as JSON Schema so that
``GET /v1/plugins`` can publish them and the web UI can render forms from them. The engine
checks request bodies against those schemas with :func:`check`, whose error names the field
(``decider_params.cold_tolerance must be at least 0``). Supported keywords: ``type`` (one or a
list), ``enum``, ``minimum``, ``maximum``, ``exclusiveMinimum``, ``minLength``, ``maxLength``,
``pattern``, ``properties``, ``required``, ``additionalProperties`` (false), ``items``,
``minItems``, ``maxItems`` and ``default`` (filled in by :func:`with_defaults`). A full
validator (jsonschema) would pull a compiled dependency onto every Pi for this.
"""

import math
import re
from collections.abc import Mapping
from typing import Any

Schema = Mapping[str, Any]

_TYPES: dict[str, Any] = {
    "object": dict, "array": list, "string": str, "boolean": bool, "null": type(None),
}


class SchemaError(ValueError):
    """A value that does not follow its schema; the message names the field."""


def is_number(value: Any) -> bool:
    """A JSON number that is a finite float (not a bool, not an integer past float range)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def _is_type(value: Any, name: str) -> bool:
    if name == "number":
        return is_number(value)
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool) and is_number(value)
    return isinstance(value, _TYPES[name])


def check(value: Any, schema: Schema, where: str) -> None:
    """Raise :class:`SchemaError` naming ``where`` (and the inner field) when ``value`` breaks
    ``schema``."""
    types = schema.get("type")
    if types is not None:
        names = [types] if isinstance(types, str) else list(types)
        if not any(_is_type(value, n) for n in names):
            raise SchemaError(f"{where} must be {' or '.join(_article(n) for n in names)}")
    if "enum" in schema and value not in schema["enum"]:
        raise SchemaError(f"{where} must be one of {', '.join(map(repr, schema['enum']))}")
    if _is_type(value, "number"):
        _check_number(value, schema, where)
    elif isinstance(value, str):
        _check_string(value, schema, where)
    elif isinstance(value, list):
        _check_array(value, schema, where)
    elif isinstance(value, dict):
        _check_object(value, schema, where)


def _article(name: str) -> str:
    return {"object": "an object", "array": "an array", "integer": "an integer",
            "null": "null"}.get(name, f"a {name}")


def _check_number(value: float, schema: Schema, where: str) -> None:
    if "minimum" in schema and value < schema["minimum"]:
        raise SchemaError(f"{where} must be at least {schema['minimum']:g}")
    if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
        raise SchemaError(f"{where} must be more than {schema['exclusiveMinimum']:g}")
    if "maximum" in schema and value > schema["maximum"]:
        raise SchemaError(f"{where} must be at most {schema['maximum']:g}")


def matches(pattern: str, value: str) -> bool:
    """JSON Schema's ``pattern`` (ECMA-262, unanchored): Python's ``$`` also matches before a
    final newline, ECMA's does not, so ``"id\n"`` must not pass ``^[a-z]+$``."""
    if pattern.endswith("$") and not pattern.endswith("\\$") and value.endswith("\n"):
        return False
    return re.search(pattern, value) is not None


def _check_string(value: str, schema: Schema, where: str) -> None:
    if len(value) < schema.get("minLength", 0):
        raise SchemaError(f"{where} must not be empty" if schema["minLength"] == 1
                          else f"{where} must have at least {schema['minLength']} characters")
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        raise SchemaError(f"{where} is too long ({len(value)} > {schema['maxLength']}"
                          " characters)")
    if "pattern" in schema and not matches(schema["pattern"], value):
        raise SchemaError(f"{where} {value[:40]!r} does not match {schema['pattern']}")


def _check_array(value: list[Any], schema: Schema, where: str) -> None:
    if len(value) < schema.get("minItems", 0):
        raise SchemaError(f"{where} must have at least {schema['minItems']} item(s)")
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        raise SchemaError(f"{where} must have at most {schema['maxItems']} item(s)")
    if "items" in schema:
        for i, item in enumerate(value):
            check(item, schema["items"], f"{where}[{i}]")


def _check_object(value: dict[str, Any], schema: Schema, where: str) -> None:
    props: Mapping[str, Schema] = schema.get("properties", {})
    for key in schema.get("required", ()):
        if key not in value:
            raise SchemaError(f"{where}.{key} is missing")
    if schema.get("additionalProperties", True) is False:
        unknown = sorted(set(value) - set(props))
        if unknown:
            raise SchemaError(f"{where} has unknown field(s): {', '.join(unknown)}"
                              f" (allowed: {', '.join(props) or 'none'})")
    for key, sub in props.items():
        if key in value:
            check(value[key], sub, f"{where}.{key}")


def with_defaults(value: Mapping[str, Any], schema: Schema) -> dict[str, Any]:
    """``value`` with every missing top-level property that has a ``default`` filled in."""
    out = dict(value)
    for key, sub in schema.get("properties", {}).items():
        if key not in out and "default" in sub:
            out[key] = sub["default"]
    return out
