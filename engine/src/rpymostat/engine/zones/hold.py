"""What a decision truly does when people or safety limits step in (pure but for the alarm book).

- A manual hold: an output switched by hand (``PUT /v1/relays/<id>``) keeps its state for the
  hold, whatever the zone wants. The decision then says so first ("heater held on by hand until
  14:05: ..."), its ``state`` is ``manual-hold``, its ``heat`` / ``cool`` are what the outputs
  really do, and ``decided`` keeps what the zone alone would have done.
- The safety limits raise alarms while they act: ``zone-over-temperature`` above the zone's
  upper limit, ``zone-frost`` below its frost floor (also the safe mode's frost heating); each
  clears when its limit stops acting (its band crossed back).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rpymostat.shared.clock import iso_seconds

from ..relays.alarms import AlarmBook
from ..relays.control import RelayEntry
from .decide import ZoneVerdict
from .model import Zone

OVER_TEMPERATURE = "zone-over-temperature"
FROST = "zone-frost"
LIMIT_ALARMS = (OVER_TEMPERATURE, FROST)
NOUNS = {"heat": "heater", "cool": "cooler"}


def limit_alarms(alarms: AlarmBook, zone_id: str, zv: ZoneVerdict) -> None:
    """Raise or clear the zone's safety-limit alarms after a decision."""
    v = zv.verdict
    frost = v.state == "frost-protection" or (zv.safe_mode and v.safety and v.heat)
    over = v.state == "over-temperature"
    for kind, acting in ((FROST, frost), (OVER_TEMPERATURE, over)):
        if acting:
            alarms.raise_(kind, zone_id, f"zone {zone_id}: {v.reason}")
        else:
            alarms.clear(kind, zone_id)


@dataclass(frozen=True)
class Held:
    """An output the zone left alone because it was switched by hand."""

    id: str
    function: str
    on: bool  # what it is held at
    wanted: bool  # what the zone wanted
    until: float


def held_outputs(zone: Zone, entries: Sequence[RelayEntry], commands: Sequence[dict[str, Any]],
                 hold: float) -> list[Held]:
    """The outputs this decision skipped for a manual hold, with when each hold ends."""
    by_id = {e.id: e for e in entries}
    held = []
    for item in commands:
        entry = by_id.get(item["id"])
        if "skipped" not in item or entry is None or entry.commanded_at is None:
            continue
        held.append(Held(entry.id, item["function"], bool(entry.commanded), bool(item["on"]),
                         entry.commanded_at + hold))
    return held


def _clock_time(zone: Zone, at: float) -> str:
    return datetime.fromtimestamp(at, ZoneInfo(zone.timezone)).strftime("%H:%M")


def hold_phrase(zone: Zone, h: Held) -> str:
    """"heater pi:heat held on by hand until 14:05 (the zone would switch it off; ...)"."""
    noun = NOUNS.get(h.function, h.function)
    word, wanted = ("on" if h.on else "off"), ("on" if h.wanted else "off")
    wants = f"wants it {word} too" if h.wanted == h.on else f"would switch it {wanted}"
    return (f"{noun} {h.id} held {word} by hand until {_clock_time(zone, h.until)} (the zone"
            f" {wants}; POST /v1/relays/{h.id}/resume gives it back)")


def held_record(zone: Zone, record: dict[str, Any], held: Sequence[Held]) -> None:
    """Rewrite a decision ``record`` so that it says what the outputs really do."""
    if not held:
        return
    record["decided"] = {k: record[k] for k in ("state", "heat", "cool", "reason")}
    for item in record["commands"]:
        for h in held:
            if item["id"] == h.id:
                item["held_until"] = iso_seconds(h.until)
    actual = {item["id"]: item["on"] for item in record["commands"]}
    actual.update({h.id: h.on for h in held})
    for function in ("heat", "cool"):
        ids = [item["id"] for item in record["commands"] if item["function"] == function]
        if ids:
            record[function] = any(actual[i] for i in ids)
    record["state"] = "manual-hold"
    record["reason"] = (f"{'; '.join(hold_phrase(zone, h) for h in held)}: the zone alone:"
                        f" {record['reason']}")
