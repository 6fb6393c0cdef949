"""The PRE-2025 baseline: Home Assistant's ``generic_thermostat`` before pull requests #136298
and #138209 (early 2025), for one output. Kept only to show what earlier benchmark figures
were measured against; the benchmark's baseline is ``ha_thermostat.py`` (the current source).

From the integration's documentation (home-assistant.io/integrations/generic_thermostat) and
its ``_async_control_heating``:

- heater mode: *too cold* when ``target ≥ current + cold_tolerance`` → switch on;
  *too hot* when ``current ≥ target + hot_tolerance`` → switch off;
- ``ac_mode``: the same output cools: on when too hot, off when too cold;
- ``min_cycle_duration``: the switch is left alone until it has been in its current state at
  least that long (checked before anything else, in both directions);
- control runs on every sensor update and every target change; the target is whatever the
  schedule says now (no early start).

Defaults as in the issue: tolerances 0.3 °C, min_cycle_duration 5 min.
"""

from dataclasses import dataclass


@dataclass
class GenericThermostat:
    """One ``climate.generic_thermostat`` entity."""

    ac_mode: bool = False
    cold_tolerance: float = 0.3
    hot_tolerance: float = 0.3
    min_cycle_duration: float = 300.0
    active: bool = False  # the switch's state
    changed_at: float = float("-inf")  # when the switch last changed

    def control(self, now: float, current: float, target: float) -> bool:
        """One control pass (a sensor update); returns the switch's state after it."""
        if now - self.changed_at < self.min_cycle_duration:
            return self.active
        too_cold = target >= current + self.cold_tolerance
        too_hot = current >= target + self.hot_tolerance
        if self.active:
            if (too_cold if self.ac_mode else too_hot):
                self._switch(now, False)
        elif (too_hot if self.ac_mode else too_cold):
            self._switch(now, True)
        return self.active

    def _switch(self, now: float, on: bool) -> None:
        self.active = on
        self.changed_at = now
