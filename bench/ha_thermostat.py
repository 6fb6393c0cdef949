"""The baseline: Home Assistant's ``generic_thermostat`` as its current source has it.

Source: home-assistant/core, ``homeassistant/components/generic_thermostat/climate.py`` at
commit 0087f75d95c9c282480bdd9098e3c76f668bce7f (the version with ``min_cycle_duration``,
``max_cycle_duration`` and ``cycle_cooldown`` of pull request #136298, documented for the 2025.3
release by home-assistant.io#37546, and the strict comparisons of pull request #138209; the same
rules are what issue #160490 reports against 2026.1.0). Re-implemented here from its rules, one
entity, one switch; time is passed in. ``_async_control_heating`` reads:

- ``too_cold = target > current + cold_tolerance``; ``too_hot = target < current −
  hot_tolerance`` (strict: a reading exactly at the tolerance does nothing);
- switch on (heater: too cold; ``ac_mode``: too hot) only when ``last_toggled +
  cycle_cooldown <= now`` or the call is *forced*; otherwise a re-check timer is set;
- switch off (heater: too hot; ac: too cold) only when ``last_toggled + min_cycle_duration <=
  now`` or forced; otherwise a re-check timer is set;
- the re-check timer is armed (once: only when none is pending) with a delay of
  ``now − last_toggled + duration`` — as the source writes it (this is longer than the time
  left; kept as is);
- a target change (``async_set_temperature``, a preset) forces control: no cooldown, no
  minimum run;
- control runs when the sensor's state changes (Home Assistant fires ``state_changed`` only
  when the value changes: a sensor repeating 20.1 does not trigger control), on the re-check
  timer, and every ``keep_alive`` (which also re-sends the switch's current command);
- ``max_cycle_duration``: that long after switching on, a forced control switches off;
- switching (not a keep-alive) records ``last_toggled`` and cancels the pending re-check;
  switching off also cancels the max-cycle timer. At start ``last_toggled = now −
  cycle_cooldown``.

The benchmark's configuration is a careful user's: tolerances 0.3 (the default), and both a
5 min ``min_cycle_duration`` and a 5 min ``cycle_cooldown`` (the equivalent of our 300 s
minimum on and off times); no keep-alive, no maximum run.
"""

from dataclasses import dataclass, field

INF = float("inf")


@dataclass
class HAThermostat:
    """One ``climate.generic_thermostat`` entity in heat (or, with ``ac_mode``, cool) mode."""

    ac_mode: bool = False
    cold_tolerance: float = 0.3
    hot_tolerance: float = 0.3
    min_cycle_duration: float = 300.0
    cycle_cooldown: float = 300.0
    max_cycle_duration: float = 0.0  # 0: not configured
    keep_alive: float = 0.0  # 0: not configured
    active: bool = False  # the switch's state
    current: float | None = None
    target: float | None = None
    last_toggled: float = -INF
    check_at: float | None = None  # the pending re-check timer
    cycle_at: float | None = None  # the pending max-cycle shut-off
    next_keep_alive: float | None = None
    log: list[tuple[float, str]] = field(default_factory=list)

    def start(self, now: float) -> None:
        """The entity is added: ``last_toggled = now − cycle_cooldown``."""
        self.last_toggled = now - self.cycle_cooldown
        if self.keep_alive:
            self.next_keep_alive = now + self.keep_alive

    # -- events ---------------------------------------------------------------------------

    def run_timers(self, now: float) -> None:
        """Fire every timer due at or before ``now``, in time order (each at its own time)."""
        while True:
            due = [(t, kind) for t, kind in ((self.check_at, "check"),
                                             (self.cycle_at, "cycle"),
                                             (self.next_keep_alive, "keep_alive"))
                   if t is not None and t <= now]
            if not due:
                return
            at, kind = min(due)
            if kind == "check":
                self.check_at = None
                self._control(at)
            elif kind == "cycle":
                self.cycle_at = None
                self._control(at, force=True, timer=True)
            else:
                self.next_keep_alive = at + self.keep_alive
                self._control(at, timer=True)

    def sensor(self, now: float, value: float) -> bool:
        """A sensor reading: control only when the state changes. Returns the switch."""
        self.run_timers(now)
        if value != self.current:
            self.current = value
            self._control(now)
        return self.active

    def set_target(self, now: float, target: float) -> bool:
        """``climate.set_temperature``: forced control (also when the value is the same)."""
        self.run_timers(now)
        self.target = target
        self._control(now, force=True)
        return self.active

    # -- _async_control_heating --------------------------------------------------------------

    def _control(self, now: float, *, force: bool = False, timer: bool = False) -> None:
        if self.current is None or self.target is None:
            return
        if force and timer and self.max_cycle_duration:
            self.cycle_at = None
            self._turn(now, False)
            return
        too_cold = self.target > self.current + self.cold_tolerance
        too_hot = self.target < self.current - self.hot_tolerance
        if self.active:
            if too_cold if self.ac_mode else too_hot:
                if self.last_toggled + self.min_cycle_duration <= now or force:
                    self._turn(now, False)
                elif self.check_at is None:
                    self.check_at = now + (now - self.last_toggled + self.min_cycle_duration)
        elif too_hot if self.ac_mode else too_cold:
            if self.last_toggled + self.cycle_cooldown <= now or force:
                self._turn(now, True)
            elif self.check_at is None:
                self.check_at = now + (now - self.last_toggled + self.cycle_cooldown)
        # a keep-alive call re-sends the current command: the switch's state does not change

    def _turn(self, now: float, on: bool) -> None:
        self.active = on
        self.last_toggled = now
        self.check_at = None
        self.log.append((now, "on" if on else "off"))
        if on:
            self.cycle_at = now + self.max_cycle_duration if self.max_cycle_duration else None
        else:
            self.cycle_at = None


@dataclass
class ScheduledHA:
    """A Home Assistant user's schedule automation driving one entity: whenever the
    schedule's target (looked up ``lead_s`` ahead: the schedule moved earlier by hand) differs
    from the entity's, ``climate.set_temperature``; every reading goes to the sensor."""

    entity: HAThermostat
    lead_s: float = 0.0
    started: bool = False

    def control(self, now: float, reading: float, scheduled_target: float) -> bool:
        """One tick: the automation (if the target changed), then the sensor's reading."""
        if not self.started:
            self.entity.start(now)
            self.started = True
        if scheduled_target != self.entity.target:
            self.entity.set_target(now, scheduled_target)
        return self.entity.sensor(now, reading)
