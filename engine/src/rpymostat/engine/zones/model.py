"""Zones: what a zone is, its defaults, and its stored form.

A zone groups sensors (each with a weight), outputs, a mode (off, heat, cool, auto), presets
with targets, a default target, safety limits and the decider that runs it. The zone ``house``
always exists and takes every sensor and output not assigned elsewhere.

Safety limits (like Nest's safety temperatures): below ``frost_c`` the zone heats and above
``max_c`` it cools (when it has such outputs) whatever its mode, even ``off``; no target may
lie outside them.
"""

from dataclasses import dataclass, field
from typing import Any

from ..model import DEFAULT_ZONE
from ..schedule.resolve import Target

MODES = ("off", "heat", "cool", "auto")
SAFE_MODES = ("off", "low_duty", "frost_only")
PRESETS = ("home", "away", "eco", "sleep", "comfort", "custom")
DEFAULT_PRESETS = {"home": 20.0, "away": 15.0, "eco": 17.0, "sleep": 18.0, "comfort": 21.5,
                   "custom": 20.0}
FROST_C = 7.0
MAX_C = 35.0
LIMIT_RANGE = (0.0, 45.0)  # where the safety limits themselves may be set
DEFAULT_DECIDER = "hysteresis"
MAX_HEAD_START_S = 7200.0  # predictive start's default cap (Nest and ecobee use 2-3 h)


@dataclass(frozen=True)
class Zone:
    """One zone's settings (not its live state)."""

    id: str
    name: str
    mode: str = "heat"
    deadband: float = 2.0
    presets: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_PRESETS))
    default_target: Target = field(default_factory=lambda: Target(preset="home"))
    frost_c: float = FROST_C
    max_c: float = MAX_C
    timezone: str = "UTC"
    decider: str = DEFAULT_DECIDER
    decider_params: dict[str, Any] = field(default_factory=dict)
    safe_mode: str = "frost_only"
    safe_duty: float = 0.2
    sensor_weights: dict[str, float] = field(default_factory=dict)
    outputs: tuple[str, ...] = ()
    outdoor_sensor: str | None = None  # its reading is the outdoors, not part of the average
    predictive_start: bool = True
    max_head_start_s: float = MAX_HEAD_START_S
    seq: int = 0

    def celsius(self, target: Target) -> float:
        """A target in °C (a preset looked up), held within the safety limits."""
        value = self.presets[target.preset] if target.preset is not None else target.value
        assert value is not None
        return min(max(float(value), self.frost_c), self.max_c)

    def setpoints(self, target_c: float) -> tuple[float | None, float | None]:
        """(heat, cool) setpoints for the mode: auto splits the deadband around the target."""
        if self.mode == "heat":
            return target_c, None
        if self.mode == "cool":
            return None, target_c
        if self.mode == "auto":
            return target_c - self.deadband / 2, target_c + self.deadband / 2
        return None, None

    def weight(self, sensor_id: str) -> float:
        """A sensor's weight in the zone's average (1 unless set)."""
        return self.sensor_weights.get(sensor_id, 1.0)

    def to_doc(self) -> dict[str, Any]:
        """The stored (and API) form."""
        return {"id": self.id, "name": self.name, "mode": self.mode, "deadband": self.deadband,
                "presets": dict(self.presets),
                "default_target": self.default_target.to_json(), "frost_c": self.frost_c,
                "max_c": self.max_c, "timezone": self.timezone, "decider": self.decider,
                "decider_params": dict(self.decider_params), "safe_mode": self.safe_mode,
                "safe_duty": self.safe_duty, "sensor_weights": dict(self.sensor_weights),
                "outputs": list(self.outputs), "outdoor_sensor": self.outdoor_sensor,
                "predictive_start": self.predictive_start,
                "max_head_start_s": self.max_head_start_s, "seq": self.seq}


def target_from_json(value: float | str) -> Target:
    """A stored/API target: a number or a preset name (already validated)."""
    return Target(preset=value) if isinstance(value, str) else Target(value=float(value))


def zone_from_doc(doc: dict[str, Any]) -> Zone:
    """Inverse of :meth:`Zone.to_doc` (documents are written by this code only)."""
    return Zone(id=doc["id"], name=doc["name"], mode=doc["mode"], deadband=doc["deadband"],
                presets={**DEFAULT_PRESETS, **doc["presets"]},
                default_target=target_from_json(doc["default_target"]),
                frost_c=doc["frost_c"], max_c=doc["max_c"], timezone=doc["timezone"],
                decider=doc["decider"], decider_params=dict(doc["decider_params"]),
                safe_mode=doc["safe_mode"], safe_duty=doc["safe_duty"],
                sensor_weights=dict(doc["sensor_weights"]), outputs=tuple(doc["outputs"]),
                outdoor_sensor=doc.get("outdoor_sensor"),
                predictive_start=doc.get("predictive_start", True),
                max_head_start_s=doc.get("max_head_start_s", MAX_HEAD_START_S),
                seq=doc.get("seq", 0))


def default_zone(timezone: str) -> Zone:
    """The zone ``house`` as a new installation has it."""
    return Zone(id=DEFAULT_ZONE, name="House", timezone=timezone)
