"""The event log of the history (issue 20): output state changes, decisions, target changes
and alarms, each an :class:`Event` of a ``kind`` about a ``subject`` (an output id, a zone
id, an alarm's topic) at a time, with a small JSON body. Never thinned: every store keeps
every event (SQLite: ``events``, MongoDB: ``events``, memory: a list).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

OUTPUT = "output"  # body {"on": bool}
DECISION = "decision"  # body: the decision record (reason, temperature, target, commands...)
TARGET = "target"  # body {"target": float | None}
ALARM = "alarm"  # body: the alarm as GET /v1/alarms shows it, {"active": False} when cleared
KINDS = (OUTPUT, DECISION, TARGET, ALARM)


@dataclass(frozen=True, slots=True)
class Event:
    """One entry of the event log (times at millisecond resolution, as readings)."""

    kind: str
    subject: str
    timestamp: datetime
    body: dict[str, Any]


def select_window(events: list[Event], start: datetime, end: datetime, limit: int,
                  with_previous: bool) -> list[Event]:
    """Events in [start, end) oldest first, at most ``limit``; with ``with_previous`` the
    last one before ``start`` first (the state the window starts in). ``events`` sorted."""
    before = [e for e in events if e.timestamp < start]
    inside = [e for e in events if start <= e.timestamp < end][:limit]
    return ([before[-1]] if with_previous and before else []) + inside
