"""``POST /v1/relays/register``: what an agent says about itself, validated (422 naming the
field), and where the engine will call it."""

import ipaddress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from rpymostat.shared.errors import Unprocessable
from rpymostat.shared.ids import ID_RULE, is_valid_id

FUNCTIONS = ("heat", "cool", "fan", "aux")
MAX_RELAYS = 64
DETAIL_FIELDS = ("protection", "timers", "fault", "since", "reason", "class", "where",
                 "active_low")
TOP_FIELDS = frozenset({"host_id", "boot", "version", "port", "url", "watchdog_s", "relays"})


@dataclass(frozen=True)
class RelayInfo:
    """One output as its agent reported it."""

    id: str
    function: str
    state: bool
    safe_on: bool
    detail: dict[str, Any]  # protection, timers, fault...: shown as the agent said


@dataclass(frozen=True)
class Registration:
    """A validated registration."""

    host_id: str
    boot: str
    version: str
    url: str
    watchdog: float
    relays: tuple[RelayInfo, ...]


def _string(body: dict[str, Any], name: str, limit: int, default: str | None = None) -> str:
    value = body.get(name, default)
    if not isinstance(value, str) or not 0 < len(value) <= limit:
        raise Unprocessable(f"{name} must be a string of 1 to {limit} characters")
    return value


def _number(value: Any, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
            low <= value <= high):  # NaN fails the comparison; a huge int compares fine
        raise Unprocessable(f"{name} must be a number from {low:g} to {high:g}")
    return float(value)


MAX_DETAIL_NUMBER = 1e9


def clean_detail(value: Any, depth: int = 0) -> Any:
    """An agent's informational detail, kept only as plain JSON with finite, bounded numbers
    (anything else becomes None), so showing it can never fail."""
    if value is None or isinstance(value, bool | str):
        return value if not isinstance(value, str) else value[:300]
    if isinstance(value, int | float):
        return value if abs(value) <= MAX_DETAIL_NUMBER else None  # NaN fails too
    if depth >= 3:
        return None
    if isinstance(value, dict):
        return {str(k)[:64]: clean_detail(v, depth + 1) for k, v in list(value.items())[:20]}
    if isinstance(value, list):
        return [clean_detail(v, depth + 1) for v in value[:20]]
    return None


def _state(value: Any, name: str) -> bool:
    if value not in ("on", "off"):
        raise Unprocessable(f"{name} must be \"on\" or \"off\"")
    return value == "on"


def agent_url(url: Any, port: Any, peer: str) -> str:
    """The agent's own URL, else ``http://<address it connected from>:<port>``."""
    if url is not None:
        if not isinstance(url, str) or len(url) > 300 or urlsplit(url).scheme not in (
                "http", "https") or not urlsplit(url).hostname:
            raise Unprocessable("url must be an http:// or https:// URL with a host (or null)")
        return url.rstrip("/")
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65_536:
        raise Unprocessable("port must be the agent's API port (1-65535) when url is null")
    host = peer
    try:
        if ipaddress.ip_address(peer).version == 6:
            host = f"[{peer}]"
    except ValueError:
        pass
    return f"http://{host}:{port}"


def _relay(item: Any, n: int) -> RelayInfo:
    where = f"relays[{n}]"
    if not isinstance(item, dict):
        raise Unprocessable(f"{where} must be an object")
    oid = item.get("id")
    if not isinstance(oid, str) or not is_valid_id(oid):
        raise Unprocessable(f"{where}.id must be an output id ({ID_RULE})")
    function = item.get("function")
    if function not in FUNCTIONS:
        raise Unprocessable(f"{where}.function must be one of {', '.join(FUNCTIONS)}")
    detail = {k: clean_detail(item[k]) for k in DETAIL_FIELDS if k in item}
    return RelayInfo(oid, function, _state(item.get("state"), f"{where}.state"),
                     _state(item.get("safe_state", "off"), f"{where}.safe_state"), detail)


def parse_registration(body: Any, peer: str) -> Registration:
    """The body of ``POST /v1/relays/register`` from ``peer`` (422 naming what is wrong)."""
    if not isinstance(body, dict):
        raise Unprocessable("the request body must be a JSON object")
    unknown = sorted(set(body) - TOP_FIELDS)
    if unknown:
        raise Unprocessable(f"unknown field(s): {', '.join(unknown)}; allowed:"
                            f" {', '.join(sorted(TOP_FIELDS))}")
    host_id = body.get("host_id")
    if not isinstance(host_id, str) or not is_valid_id(host_id):
        raise Unprocessable(f"host_id must be an id ({ID_RULE})")
    relays = body.get("relays")
    if not isinstance(relays, list) or not 0 < len(relays) <= MAX_RELAYS:
        raise Unprocessable(f"relays must be a list of 1 to {MAX_RELAYS} outputs")
    parsed = tuple(_relay(item, n) for n, item in enumerate(relays))
    ids = [r.id for r in parsed]
    if len(set(ids)) != len(ids):
        raise Unprocessable("relays: two outputs have the same id")
    return Registration(
        host_id=host_id, boot=_string(body, "boot", 64), version=_string(body, "version", 64,
                                                                          "unknown"),
        url=agent_url(body.get("url"), body.get("port"), peer),
        watchdog=_number(body.get("watchdog_s"), "watchdog_s", 3.0, 86_400.0),
        relays=parsed)


def registration_doc(reg: Registration, registered_at: str) -> dict[str, Any]:
    """What the store keeps of a registration."""
    return {"host_id": reg.host_id, "boot": reg.boot, "version": reg.version, "url": reg.url,
            "watchdog_s": reg.watchdog, "registered_at": registered_at,
            "relays": [{"id": r.id, "function": r.function, "state": "on" if r.state else "off",
                        "safe_state": "on" if r.safe_on else "off", **r.detail}
                       for r in reg.relays]}


def registration_from_doc(doc: dict[str, Any]) -> Registration:
    """A stored registration back (trusted: the engine wrote it)."""
    return Registration(doc["host_id"], doc["boot"], doc["version"], doc["url"],
                        float(doc["watchdog_s"]), tuple(_relay(r, n) for n, r in enumerate(
                            doc["relays"])))
