"""The body of a relay command, ``{"state": "on"|"off"}``, as the engine and the relay agent
both accept it (422 naming what is wrong)."""

from typing import Any

from .errors import Unprocessable

FIELDS = frozenset({"state", "source"})


def parse_state_command(body: Any) -> bool:
    """``{"state": "on"|"off", "source"?: str}`` → True for on."""
    if not isinstance(body, dict):
        raise Unprocessable("the request body must be a JSON object like {\"state\": \"on\"}")
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        raise Unprocessable(f"unknown field(s): {', '.join(unknown)}; allowed: state, source")
    state = body.get("state")
    if state not in ("on", "off"):
        raise Unprocessable("state must be \"on\" or \"off\"")
    source = body.get("source", "command")
    if not isinstance(source, str) or not 0 < len(source) <= 64:
        raise Unprocessable("source must be a string of 1 to 64 characters")
    return state == "on"
