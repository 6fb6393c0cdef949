"""Open-window detection (pure; time comes in): the zone stops heating while a window is open.

A window opened in winter makes the room's temperature fall far faster than a house cools by
itself: the detector watches the fall of the smoothed reading (the mean of the last
``smooth`` readings) over ``span_s`` and calls the window open when it fell at least
``drop_k`` (the defaults, 0.6 K in 15 min = 2.4 K/h, are above what the simulated houses lose
with the heat off even in a cold snap). A fall is measured within one state of the heat (since its
last switch), and not counted for ``quiet_off_s`` after the heat stops or ``quiet_on_s`` after
it starts: a room heated by radiators falls fast while its air settles towards its walls (the
masonry house's air fell 0.6 K in 15 min in most cycles: 150 false detections a week without
this rule); while the heat runs, such a fall is a window. A contact sensor, where a plugin
provides one, decides at once (:meth:`WindowDetector.contact`).

While open the zone's heat stays off for at most ``hold_s``; it resumes early when the reading
recovers ``recover_k`` above the lowest reading since the opening (the window was closed and the
walls give their heat back) or when the contact reports closed. Cooling is not stopped
(the outdoors may be warmer), and the engine's frost floor still overrides it.
"""

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DEFAULTS: dict[str, float] = {"drop_k": 0.6, "span_s": 900.0, "hold_s": 1800.0,
                              "recover_k": 0.3, "smooth": 3, "quiet_off_s": 2700.0,
                              "quiet_on_s": 300.0}


@dataclass(frozen=True)
class WindowEvent:
    """A change of the window's state: ``open`` or ``closed``, when, and why."""

    state: str
    at: float
    reason: str


class WindowDetector:
    """One zone's open-window detector."""

    def __init__(self, params: Mapping[str, float] | None = None) -> None:
        p = {**DEFAULTS, **(params or {})}
        self.drop_k, self.span_s = float(p["drop_k"]), float(p["span_s"])
        self.hold_s, self.recover_k = float(p["hold_s"]), float(p["recover_k"])
        self._recent: deque[float] = deque(maxlen=int(p["smooth"]))
        self._history: deque[tuple[float, float]] = deque()
        self.open_since: float | None = None
        self.reason = ""
        self._lowest = 0.0
        self.quiet_off_s, self.quiet_on_s = float(p["quiet_off_s"]), float(p["quiet_on_s"])
        self._contact: bool | None = None
        self._heat: bool | None = None
        self._switched_at = float("-inf")
        self.events: list[WindowEvent] = []

    @property
    def is_open(self) -> bool:
        return self.open_since is not None

    def contact(self, now: float, is_open: bool) -> WindowEvent | None:
        """A contact sensor's report: it decides at once."""
        self._contact = is_open
        if is_open and not self.is_open:
            return self._open(now, "the window contact reports open")
        if not is_open and self.is_open:
            return self._close(now, "the window contact reports closed")
        return None

    def observe(self, now: float, temp: float | None, *, heating: bool = False
                ) -> WindowEvent | None:
        """One reading, with the heat output as it was since the previous one; returns the
        event when the window's state changes."""
        if heating != self._heat:
            self._heat, self._switched_at = heating, now
            self._history.clear()  # a fall is measured within one state of the heat
        if temp is None:
            self._recent.clear()
            self._history.clear()
            return None
        self._recent.append(temp)
        smooth = sum(self._recent) / len(self._recent)
        self._history.append((now, smooth))
        while self._history and self._history[0][0] < now - self.span_s:
            self._history.popleft()
        if self.is_open:
            return self._while_open(now, smooth)
        highest = max(v for _, v in self._history)
        settling = now - self._switched_at < (self.quiet_on_s if self._heat
                                              else self.quiet_off_s)
        if not settling and len(self._recent) == self._recent.maxlen \
                and highest - smooth >= self.drop_k:
            self._lowest = smooth
            self._history.clear()
            return self._open(now, f"the temperature fell {highest - smooth:.1f} K within"
                                   f" {self.span_s / 60:.0f} min")
        return None

    def _while_open(self, now: float, smooth: float) -> WindowEvent | None:
        assert self.open_since is not None
        self._lowest = min(self._lowest, smooth)
        if self._contact:
            return None
        if smooth - self._lowest >= self.recover_k:
            return self._close(now, f"the temperature recovered {smooth - self._lowest:.1f}"
                                    " K: the window was closed")
        if now - self.open_since >= self.hold_s:
            return self._close(now, f"resuming after {self.hold_s / 60:.0f} min")
        return None

    def _open(self, now: float, why: str) -> WindowEvent:
        self.open_since, self.reason = now, why
        event = WindowEvent("open", now, why)
        self.events.append(event)
        return event

    def _close(self, now: float, why: str) -> WindowEvent:
        self.open_since, self.reason = None, ""
        event = WindowEvent("closed", now, why)
        self.events.append(event)
        return event

    def to_json(self, iso: Any) -> dict[str, Any]:
        """As the zone's state shows it."""
        return {"open": self.is_open, "since": None if self.open_since is None
                else iso(self.open_since), "why": self.reason or None}
