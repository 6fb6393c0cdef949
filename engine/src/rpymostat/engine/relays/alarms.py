"""Alarms: conditions a person should know about (an output that will not follow its command,
an agent that stopped answering). Raised once, cleared when the condition ends. Active ones are
on the bus as ``engine.alarm.<kind>.<host>[.<output>]`` (cleared: the node is removed) and in
``GET /v1/alarms`` with the recently cleared ones."""

from collections import deque
from dataclasses import dataclass
from typing import Any

from twisted.logger import Logger

from rpymostat.shared.bus.interface import StatusBus
from rpymostat.shared.bus.topics import escape_segment
from rpymostat.shared.clock import Clock, iso_seconds

_log = Logger(namespace="rpymostat.engine.alarms")
KEEP_CLEARED = 100


@dataclass
class Alarm:
    """One alarm."""

    id: str
    kind: str
    subject: str
    message: str
    raised_at: float
    cleared_at: float | None = None

    def to_json(self) -> dict[str, Any]:
        """As the API and the bus show it."""
        return {"id": self.id, "kind": self.kind, "subject": self.subject,
                "message": self.message, "raised_at": iso_seconds(self.raised_at),
                "cleared_at": iso_seconds(self.cleared_at), "active": self.cleared_at is None}


class AlarmBook:
    """Active alarms by id, and the last cleared ones."""

    def __init__(self, clock: Clock, bus: StatusBus) -> None:
        self._clock = clock
        self._bus = bus
        self.active: dict[str, Alarm] = {}
        self.cleared: deque[Alarm] = deque(maxlen=KEEP_CLEARED)

    @staticmethod
    def _topic(kind: str, subject: str) -> str:
        """``engine.alarm.<kind>.<host>[.<output>]``: one segment per id (each fits)."""
        parts = [kind, *subject.split(":")]
        return "engine.alarm." + ".".join(escape_segment(p) for p in parts)

    def raise_(self, kind: str, subject: str, message: str) -> Alarm:
        """Raise ``kind`` for ``subject`` (already active: its message is updated quietly)."""
        alarm_id = f"{kind}:{subject}"
        alarm = self.active.get(alarm_id)
        if alarm is not None:
            alarm.message = message
            return alarm
        alarm = Alarm(alarm_id, kind, subject, message, self._clock.seconds())
        self.active[alarm_id] = alarm
        _log.error("ALARM {id}: {message}", id=alarm_id, message=message)
        self._bus.publish(self._topic(kind, subject), alarm.to_json())
        return alarm

    def clear(self, kind: str, subject: str) -> None:
        """The condition ended."""
        alarm = self.active.pop(f"{kind}:{subject}", None)
        if alarm is None:
            return
        alarm.cleared_at = self._clock.seconds()
        self.cleared.append(alarm)
        _log.info("alarm {id} cleared", id=alarm.id)
        self._bus.publish(self._topic(kind, subject), dict.fromkeys(alarm.to_json()))

    def to_json(self) -> dict[str, Any]:
        """``GET /v1/alarms``: active (oldest first), then recently cleared (newest first)."""
        return {"active": [a.to_json() for a in sorted(self.active.values(),
                                                        key=lambda a: a.raised_at)],
                "cleared": [a.to_json() for a in reversed(self.cleared)]}
