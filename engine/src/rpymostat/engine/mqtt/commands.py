"""Home Assistant's commands applied through the REST API's own parsers and book calls:
a target is ``POST /v1/zones/<z>/adjustments {"target": <°C>}``, a preset the same with the
preset's name (``none``: ``DELETE .../adjustments``), a mode ``PATCH /v1/zones/<z>
{"mode": ...}``. Whatever the API would refuse raises :class:`CommandError`."""

import math
from collections.abc import Mapping
from datetime import UTC, datetime

from rpymostat.shared.errors import APIError

from ..zones.bodies import parse_oneoff, parse_zone_changes
from ..zones.book import ZoneBook
from ..zones.deciders.base import DeciderPlugin
from .discovery import ENGINE_MODES, PRESET_NONE

MAX_PAYLOAD = 64


class CommandError(ValueError):
    """A command that is not applied (the message says why)."""


def _text(payload: bytes) -> str:
    if len(payload) > MAX_PAYLOAD:
        raise CommandError(f"payload longer than {MAX_PAYLOAD} bytes")
    try:
        return payload.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise CommandError("payload is not UTF-8") from None


def parse_celsius(payload: bytes) -> float:
    """A temperature as HA sends it (``21.5``)."""
    text = _text(payload)
    try:
        value = float(text)
    except ValueError:
        raise CommandError(f"target {text[:20]!r} is not a number") from None
    if not math.isfinite(value):
        raise CommandError("target must be a finite number")
    return value


async def apply_command(book: ZoneBook, deciders: Mapping[str, DeciderPlugin], zone_id: str,
                        what: str, payload: bytes, *, now: datetime) -> str:
    """Apply one command; returns what was done; raises CommandError (or the API's own
    4xx errors, as CommandError) when the API would refuse it."""
    try:
        zone = book.zone(zone_id)
        if what == "target":
            doc = parse_oneoff({"target": parse_celsius(payload)}, zone, now.astimezone(UTC),
                               adjustment=True)
            await book.set_adjustment(zone_id, doc)
            return f"target {doc['target']}"
        if what == "preset":
            preset = _text(payload)
            if preset == PRESET_NONE:
                await book.clear_adjustment(zone_id)
                return "back to the schedule"
            doc = parse_oneoff({"target": preset}, zone, now.astimezone(UTC), adjustment=True)
            await book.set_adjustment(zone_id, doc)
            return f"preset {preset}"
        if what == "mode":
            ha_mode = _text(payload)
            if ha_mode not in ENGINE_MODES:
                raise CommandError(f"mode {ha_mode[:20]!r} is not one of "
                                   f"{', '.join(sorted(ENGINE_MODES))}")
            await book.put_zone(parse_zone_changes({"mode": ENGINE_MODES[ha_mode]}, zone,
                                                   deciders))
            return f"mode {ENGINE_MODES[ha_mode]}"
    except APIError as e:
        raise CommandError(str(e)) from None
    raise CommandError(f"unknown command {what!r}")
