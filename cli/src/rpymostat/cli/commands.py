"""What each subcommand does: API calls and the rows it prints. Every command returns
(JSON value, text lines) so ``--json`` and the table come from the same data."""

import argparse
from typing import Any

from rpymostat.shared.clitools import CLIError

from .client import EngineClient, zone_path
from .durations import iso_duration

Result = tuple[Any, list[str]]


def _target_value(text: str) -> float | str:
    """A number (°C) or a preset name."""
    try:
        return float(text)
    except ValueError:
        return text


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}{unit}"
    return f"{value}{unit}"


def table(rows: list[list[str]]) -> list[str]:
    """Left-aligned columns."""
    if not rows:
        return []
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
            for r in rows]


async def zone_ids(client: EngineClient, wanted: list[str] | None = None) -> list[str]:
    """The zones named, or every zone."""
    zones = [z["id"] for z in (await client.get("/v1/zones"))["zones"]]
    if not wanted:
        return zones
    unknown = [z for z in wanted if z not in zones]
    if unknown:
        raise CLIError(f"no such zone: {', '.join(unknown)} (zones: {', '.join(zones)})")
    return wanted


async def status(client: EngineClient, args: argparse.Namespace) -> Result:
    """Every zone: temperature, target (and the rule that set it), mode, what it does."""
    out = []
    for zone in (await client.get("/v1/zones"))["zones"]:
        target = await client.get(zone_path(zone["id"], "/target"))
        decision = zone["state"].get("decision") or {}
        out.append({"zone": zone["id"], "name": zone["name"], "mode": zone["mode"],
                    "temperature": zone["state"].get("temperature"),
                    "target": target["target"], "preset": target["preset"],
                    "rule": target["rule"]["kind"], "rule_name": target["rule"]["name"],
                    "until": target["rule"]["until"], "state": decision.get("state"),
                    "reason": decision.get("reason")})
    rows = [["ZONE", "MODE", "TEMP", "TARGET", "BY", "UNTIL", "DOING"]]
    rows += [[f"{z['zone']} ({z['name']})", z["mode"], _fmt(z["temperature"], " °C"),
              _fmt(z["target"], " °C") + (f" ({z['preset']})" if z["preset"] else ""),
              z["rule"], z["until"] or "-", z["state"] or "-"] for z in out]
    return out, table(rows)


async def set_target(client: EngineClient, args: argparse.Namespace) -> Result:
    """An adjustment ("make it X now"), until the next change or ``--for``."""
    body: dict[str, Any] = {"target": _target_value(args.target), "name": "rpymostat set"}
    if args.duration:
        body["duration"] = iso_duration(args.duration)
    done = await client.call("POST", zone_path(args.zone, "/adjustments"), body)
    return done, [f"{args.zone}: target {_fmt(done['target'])} until {done['ends_at']}"]


async def nudge(client: EngineClient, args: argparse.Namespace) -> Result:
    """The current target plus ``delta`` as an adjustment."""
    now = await client.get(zone_path(args.zone, "/target"))
    new = round(float(now["target"]) + args.delta, 1)
    args.target, args.duration = str(new), args.duration
    done, _ = await set_target(client, args)
    return done, [f"{args.zone}: target {_fmt(float(now['target']))} -> {_fmt(new)} °C"
                  f" until {done['ends_at']}"]


async def hold(client: EngineClient, args: argparse.Namespace) -> Result:
    """An override: the target from now to ``--until`` or for ``--for``."""
    body: dict[str, Any] = {"target": _target_value(args.target), "name": "rpymostat hold"}
    if args.until:
        body["end"] = args.until
    else:
        body["duration"] = iso_duration(args.duration)
    done = await client.call("POST", zone_path(args.zone, "/overrides"), body)
    return done, [f"{args.zone}: holding {_fmt(done['target'])} until {done['ends_at']}"]


async def _resume_zone(client: EngineClient, zone: str) -> dict[str, Any]:
    await client.call("DELETE", zone_path(zone, "/adjustments"))
    removed = []
    for override in (await client.get(zone_path(zone, "/overrides")))["overrides"]:
        if override["active"]:
            await client.call("DELETE", zone_path(zone, f"/overrides/{override['id']}"))
            removed.append(override["id"])
    return {"zone": zone, "overrides_removed": removed}


async def resume(client: EngineClient, args: argparse.Namespace) -> Result:
    """Back to the schedule: the adjustment and the active overrides go."""
    done = [await _resume_zone(client, z) for z in await zone_ids(client, args.zones)]
    return done, [f"{d['zone']}: back to the schedule" for d in done]


async def away(client: EngineClient, args: argparse.Namespace) -> Result:
    """Every zone (or those named) to its ``away`` preset; ``--off`` resumes them."""
    zones = await zone_ids(client, args.zones)
    if args.off:
        done = [await _resume_zone(client, z) for z in zones]
        return done, [f"{d['zone']}: back to the schedule" for d in done]
    results, lines = [], []
    for zone in zones:
        body: dict[str, Any] = {"target": "away", "name": "rpymostat away"}
        if args.until or args.duration:
            body.update({"end": args.until} if args.until
                        else {"duration": iso_duration(args.duration)})
            done = await client.call("POST", zone_path(zone, "/overrides"), body)
        else:
            done = await client.call("POST", zone_path(zone, "/adjustments"), body)
        results.append(done)
        lines.append(f"{zone}: away until {done['ends_at']}")
    return results, lines


async def schedules(client: EngineClient, args: argparse.Namespace) -> Result:
    """Every zone's schedules (or those of the zones named)."""
    out: dict[str, list[dict[str, Any]]] = {}
    rows = [["ZONE", "NAME", "TARGET", "WHEN", "ID"]]
    for zone in await zone_ids(client, args.zones):
        out[zone] = (await client.get(zone_path(zone, "/schedules")))["schedules"]
        rows += [[zone, s["name"], _fmt(s["target"]), s.get("describe") or s["scheduler"],
                  s["id"]] for s in out[zone]]
    return out, table(rows)
