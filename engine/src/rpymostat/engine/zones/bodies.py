"""Validation of the zone routes' request bodies (pure): each problem is a 422 naming the field.

Targets are °C numbers or preset names in a field named ``target``, within the zone's safety
limits. Schedules name a scheduler plugin and its ``params`` (checked against the plugin's
JSON Schema, then by the plugin). Overrides and adjustments end at ``end`` (a moment), after
``duration`` (ISO 8601) or ``"until": "next-change"``.
"""

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rpymostat.shared.errors import Unprocessable
from rpymostat.shared.ids import ID_PATTERN, ID_RULE
from rpymostat.shared.schema import SchemaError, check, is_number

from ..schedule.resolve import Target
from ..schedule.schedulers import SchedulerPlugin
from ..schedule.timespec import parse_duration, parse_moment, parse_zone_name
from .deciders.base import DeciderPlugin
from .model import LIMIT_RANGE, MODES, PRESETS, SAFE_MODES, Zone

MAX_NAME = 64
NEXT_CHANGE = "next-change"
_RELAY_ID = r"^[A-Za-z0-9][A-Za-z0-9._~-]{0,63}:[A-Za-z0-9][A-Za-z0-9._~-]{0,63}$"
_NAME = {"type": "string", "minLength": 1, "maxLength": MAX_NAME}
_CELSIUS = {"type": "number", "minimum": LIMIT_RANGE[0], "maximum": LIMIT_RANGE[1]}
ZONE_FIELDS: dict[str, dict[str, Any]] = {
    "name": _NAME,
    "mode": {"type": "string", "enum": list(MODES)},
    "deadband": {"type": "number", "minimum": 0.5, "maximum": 10},
    "presets": {"type": "object", "additionalProperties": False,
                "properties": dict.fromkeys(PRESETS, _CELSIUS)},
    "default_target": {"type": ["number", "string"]},
    "frost_c": _CELSIUS,
    "max_c": _CELSIUS,
    "timezone": {"type": "string", "minLength": 1, "maxLength": 64},
    "decider": {"type": "string", "minLength": 1, "maxLength": 64},
    "decider_params": {"type": "object"},
    "safe_mode": {"type": "string", "enum": list(SAFE_MODES)},
    "safe_duty": {"type": "number", "minimum": 0, "maximum": 1},
    "sensor_weights": {"type": "object"},
    "outputs": {"type": "array", "maxItems": 64,
                "items": {"type": "string", "pattern": _RELAY_ID}},
    "outdoor_sensor": {"type": ["string", "null"], "pattern": _RELAY_ID},
    "predictive_start": {"type": "boolean"},
    "max_head_start_s": {"type": "number", "minimum": 0, "maximum": 21_600},
}


def obj(body: Any, where: str = "the request body") -> dict[str, Any]:
    """``body`` as a JSON object (422 otherwise)."""
    if not isinstance(body, dict):
        raise Unprocessable(f"{where} must be a JSON object")
    return body


def only(body: Mapping[str, Any], allowed: set[str] | Mapping[str, Any]) -> None:
    """422 naming the fields ``body`` has beyond ``allowed``."""
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise Unprocessable(f"unknown field(s): {', '.join(unknown)}; allowed:"
                            f" {', '.join(sorted(allowed))}")


def checked(value: Any, schema: Mapping[str, Any], where: str) -> Any:
    """``value`` after the schema check (422 naming ``where``)."""
    try:
        check(value, schema, where)
    except SchemaError as e:
        raise Unprocessable(str(e)) from None
    return value


def parse_target(value: Any, zone: Zone, where: str = "target") -> Target:
    """A °C number within the zone's limits, or a preset name."""
    if isinstance(value, str):
        if value not in PRESETS:
            raise Unprocessable(f"{where} {value[:40]!r} is not a preset; use a number (°C) or"
                                f" one of {', '.join(PRESETS)}")
        return Target(preset=value)
    if not is_number(value):
        raise Unprocessable(f"{where} must be a number (°C) or a preset name")
    if value < zone.frost_c:
        raise Unprocessable(f"{where} {value:g} °C is below the zone's frost floor"
                            f" {zone.frost_c:g} °C (frost_c)")
    if value > zone.max_c:
        raise Unprocessable(f"{where} {value:g} °C is above the zone's upper limit"
                            f" {zone.max_c:g} °C (max_c)")
    return Target(value=float(value))


def parse_name(body: Mapping[str, Any], default: str) -> str:
    """The optional ``name``."""
    if "name" not in body:
        return default
    return str(checked(body["name"], _NAME, "name")).strip() or default


# -- zones -----------------------------------------------------------------------------------

def parse_zone_create(body: Any, base: Zone, deciders: Mapping[str, DeciderPlugin]) -> Zone:
    """``POST /v1/zones``: ``id`` plus any zone field; ``base`` gives the defaults."""
    data = obj(body)
    only(data, {"id", *ZONE_FIELDS})
    if "id" not in data:
        raise Unprocessable("id is missing")
    zone_id = data["id"]
    if not isinstance(zone_id, str) or not ID_PATTERN.fullmatch(zone_id):
        raise Unprocessable(f"id must be a zone id ({ID_RULE})")
    rest = {k: v for k, v in data.items() if k != "id"}
    return parse_zone_changes(rest, replace(base, id=zone_id, name=zone_id), deciders,
                              allow_empty=True)


def parse_zone_changes(body: Any, zone: Zone, deciders: Mapping[str, DeciderPlugin], *,
                       allow_empty: bool = False) -> Zone:
    """``PATCH /v1/zones/<z>``: the zone with the changes; cross-checks the result."""
    data = obj(body)
    only(data, ZONE_FIELDS)
    if not data and not allow_empty:
        raise Unprocessable(f"nothing to change; fields: {', '.join(ZONE_FIELDS)}")
    for key, value in data.items():
        checked(value, ZONE_FIELDS[key], key)
    new = replace(zone, **_normalised(data, zone))
    _check_limits(new)
    target = parse_target(data["default_target"], new, "default_target") \
        if "default_target" in data else zone.default_target
    if target.value is not None:
        parse_target(target.value, new, "default_target")
    new = replace(new, default_target=target)
    if "decider" in data and "decider_params" not in data and new.decider != zone.decider:
        new = replace(new, decider_params={})  # the old decider's params do not apply
    check_decider(new, deciders)
    return new


def _normalised(data: Mapping[str, Any], zone: Zone) -> dict[str, Any]:
    """The schema-checked fields as the Zone holds them (default_target aside)."""
    changes: dict[str, Any] = {k: v for k, v in data.items() if k != "default_target"}
    if "name" in data:
        changes["name"] = parse_name(data, zone.name)
    if "presets" in data:
        changes["presets"] = {**zone.presets, **{k: float(v) for k, v in data["presets"].items()}}
    if "timezone" in data:
        try:
            changes["timezone"] = parse_zone_name(data["timezone"]).key
        except ValueError as e:
            raise Unprocessable(f"timezone: {e}") from None
    if "outputs" in data:
        changes["outputs"] = tuple(dict.fromkeys(data["outputs"]))
    if "sensor_weights" in data:
        changes["sensor_weights"] = _weights(data["sensor_weights"])
    for key in ("deadband", "frost_c", "max_c", "safe_duty", "max_head_start_s"):
        if key in changes:
            changes[key] = float(changes[key])
    return changes


def _check_limits(zone: Zone) -> None:
    if zone.max_c - zone.frost_c < 5:
        raise Unprocessable(f"max_c ({zone.max_c:g}) must be at least 5 °C above frost_c"
                            f" ({zone.frost_c:g})")
    for preset, value in zone.presets.items():
        if not zone.frost_c <= value <= zone.max_c:
            raise Unprocessable(f"presets.{preset} {value:g} °C is outside the safety limits"
                                f" {zone.frost_c:g}..{zone.max_c:g} °C")


def _weights(raw: dict[str, Any]) -> dict[str, float]:
    if len(raw) > 256:
        raise Unprocessable("sensor_weights has more than 256 entries")
    weights = {}
    for key, value in raw.items():
        host, sep, sensor = key.partition(":")
        if not sep or not ID_PATTERN.fullmatch(host) or not ID_PATTERN.fullmatch(sensor):
            raise Unprocessable(f"sensor_weights: {key[:70]!r} is not a sensor id"
                                " (<host_id>:<sensor_id>)")
        checked(value, {"type": "number", "exclusiveMinimum": 0, "maximum": 100},
                f"sensor_weights[{key!r}]")
        weights[key] = float(value)
    return weights


def check_decider(zone: Zone, deciders: Mapping[str, DeciderPlugin]) -> None:
    """The zone's decider is installed and its parameters follow the plugin's schema."""
    plugin = deciders.get(zone.decider)
    if plugin is None:
        raise Unprocessable(f"decider {zone.decider!r} is not installed; installed:"
                            f" {', '.join(sorted(deciders))}")
    checked(zone.decider_params, plugin.schema, "decider_params")


# -- schedules -------------------------------------------------------------------------------

def parse_schedule(body: Any, zone: Zone, schedulers: Mapping[str, SchedulerPlugin]
                   ) -> dict[str, Any]:
    """``POST /v1/zones/<z>/schedules``: the schedule document (without id and seq)."""
    data = obj(body)
    only(data, {"name", "target", "scheduler", "params", "valid_from", "valid_until"})
    for key in ("target", "scheduler", "params"):
        if key not in data:
            raise Unprocessable(f"{key} is missing")
    target = parse_target(data["target"], zone)
    name = data["scheduler"]
    plugin = schedulers.get(name) if isinstance(name, str) else None
    if plugin is None:
        raise Unprocessable(f"scheduler must be one of {', '.join(sorted(schedulers))}")
    params = checked(data["params"], plugin.schema, "params")
    try:
        plugin.parse(params)
    except ValueError as e:
        raise Unprocessable(f"params.{e}") from None
    tz = ZoneInfo(zone.timezone)
    valid_from = _validity(data, "valid_from", tz)
    valid_until = _validity(data, "valid_until", tz)
    if valid_from and valid_until and valid_from >= valid_until:
        raise Unprocessable("valid_until must be after valid_from")
    return {"name": parse_name(data, f"{name} schedule"), "target": target.to_json(),
            "scheduler": name, "params": params, "valid_from": data.get("valid_from"),
            "valid_until": data.get("valid_until")}


def _validity(data: Mapping[str, Any], key: str, tz: ZoneInfo) -> datetime | None:
    if data.get(key) is None:
        return None
    try:
        return validity_moment(data[key], key, tz)
    except ValueError as e:
        raise Unprocessable(f"{key}: {e}") from None


def validity_moment(text: str, key: str, tz: ZoneInfo) -> datetime:
    """A validity bound; a bare date as ``valid_until`` includes that whole day."""
    moment = parse_moment(text, tz)
    if key == "valid_until" and isinstance(text, str) and len(text.strip()) == 10:
        moment = parse_moment((datetime.fromisoformat(text.strip()) + timedelta(days=1))
                              .date().isoformat(), tz)
    return moment


# -- overrides and adjustments ---------------------------------------------------------------

def parse_oneoff(body: Any, zone: Zone, now: datetime, *, adjustment: bool) -> dict[str, Any]:
    """An override (``start`` optional, default now) or an adjustment (starts now); both end
    by ``end``, ``duration`` or ``until: next-change`` (an adjustment's default)."""
    data = obj(body)
    allowed = {"name", "target", "duration", "until"} | (set() if adjustment
                                                         else {"start", "end"})
    only(data, allowed)
    if "target" not in data:
        raise Unprocessable("target is missing")
    target = parse_target(data["target"], zone)
    tz = ZoneInfo(zone.timezone)
    start = now
    if "start" in data:
        try:
            start = parse_moment(data["start"], tz)
        except ValueError as e:
            raise Unprocessable(f"start: {e}") from None
    enders = [k for k in ("end", "duration", "until") if k in data]
    if len(enders) > 1:
        raise Unprocessable(f"give only one of end, duration, until (got {', '.join(enders)})")
    if not enders and not adjustment:
        raise Unprocessable("give end (a time), duration (ISO 8601) or until: next-change")
    end = _oneoff_end(data, enders[0] if enders else "until", start, tz)
    if end is not None and end <= max(start, now):
        raise Unprocessable("the end must be after the start and in the future")
    kind = "adjustment" if adjustment else "override"
    return {"name": parse_name(data, kind), "target": target.to_json(),
            "start": start.isoformat(), "end": None if end is None else end.isoformat()}


def _oneoff_end(data: Mapping[str, Any], how: str, start: datetime, tz: ZoneInfo
                ) -> datetime | None:
    try:
        if how == "end":
            return parse_moment(data["end"], tz)
        if how == "duration":
            return start + parse_duration(data["duration"])
    except ValueError as e:
        raise Unprocessable(f"{how}: {e}") from None
    if data.get("until", NEXT_CHANGE) != NEXT_CHANGE:
        raise Unprocessable(f"until must be {NEXT_CHANGE!r} (or give end or duration)")
    return None
