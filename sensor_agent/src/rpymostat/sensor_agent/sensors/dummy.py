"""Plugin ``dummy``: plausible room temperatures for demos and tests, the same for a seed.

Each sensor walks randomly around ``base`` (±2 °C, steps of 1/16 °C like a DS18B20).
"""

import random
from typing import Any, ClassVar

from twisted.internet.defer import Deferred, succeed

from rpymostat.shared.envconfig import parse_int_range
from rpymostat.shared.pluginargs import PluginArg

from ..plugin import SensorContext, SensorValue

STEP = 0.0625
SPAN = 2.0


class DummySensors:
    """``count`` sensors ``dummy-0``… with a seeded random walk."""

    name: ClassVar[str] = "dummy"
    description: ClassVar[str] = "plausible values for demos, the same sequence for a seed"
    arguments: ClassVar[tuple[PluginArg, ...]] = (
        PluginArg("seed", "0", "random seed", int),
        PluginArg("count", "1", "number of sensors (1..64)", parse_int_range(1, 64)),
        PluginArg("base", "20.0", "°C the values wander around", float),
    )

    def __init__(self, context: SensorContext, seed: int = 0, count: int = 1,
                 base: float = 20.0, **_: Any) -> None:
        self._random = random.Random(seed)  # noqa: S311 - demo values, not secrets
        self._base = base
        self._values = [base] * count

    def read(self) -> Deferred[list[SensorValue]]:
        """The next value of each sensor."""
        return succeed([SensorValue(f"dummy-{i}", value, "dummy")
                        for i, value in enumerate(self._step())])

    def _step(self) -> list[float]:
        for i, value in enumerate(self._values):
            moved = value + self._random.choice((-STEP, 0.0, 0.0, STEP))
            self._values[i] = min(self._base + SPAN, max(self._base - SPAN, moved))
        return list(self._values)
