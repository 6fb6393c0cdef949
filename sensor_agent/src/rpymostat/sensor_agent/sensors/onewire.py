"""What the 1-wire plugins share: family codes and the plausibility rules for a reading."""

import re
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ..plugin import SensorError

T = TypeVar("T")

FAMILIES = {"10": "DS18S20", "22": "DS1822", "28": "DS18B20", "3b": "DS1825", "42": "DS28EA00"}
POWER_ON_C = 85.0
MIN_C, MAX_C = -55.0, 125.0


def family_type(family: str) -> str | None:
    """The sensor model of a family code (``28`` → ``DS18B20``), None when not a thermometer."""
    return FAMILIES.get(family.lower())


def checked_celsius(value: float) -> float:
    """``value`` unless it is the power-on reset value or outside what the chips measure."""
    if value == POWER_ON_C:
        raise SensorError("85.000 °C is the power-on reset value, not a reading"
                          " (conversion failed: check power and wiring)")
    if not MIN_C <= value <= MAX_C:
        raise SensorError(f"{value:g} °C is outside the sensor's range {MIN_C:g}..{MAX_C:g}")
    return value


def list_devices(root: Path, pattern: re.Pattern[str]) -> dict[str, str]:
    """Thermometers in ``root`` whose folder name matches ``pattern`` (group 1 the family):
    sensor id → model. Empty when ``root`` is missing."""
    found = {}
    try:
        entries = list(root.iterdir())
    except OSError:
        return {}
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        kind = family_type(match.group(1)) if match else None
        if kind is not None:
            found[entry.name] = kind
    return found


def with_retry(read: Callable[[], T]) -> T:
    """``read()``, once more if it raises SensorError (CRC errors are often one-offs)."""
    try:
        return read()
    except SensorError:
        return read()
