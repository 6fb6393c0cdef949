"""The history recorder: turns what the engine's bus carries into the store's event log.

Everything the history keeps besides readings already passes the engine's bus (the engine
hosts it and sees every message): relay agents publish each output as ``relay.<host>.<id>``
with its reported ``state``, the zones publish every decision as ``engine.decision`` (with its
reason, temperature and target), and the alarm book publishes ``engine.alarm.<...>`` when an
alarm is raised and cleared. Listening there records them with no change to the code that
decides, and records what the outputs really did (their reported state), not what was asked.

Kept: an ``output`` event when an output's reported state differs from the last one seen
(the first message after a start is kept too: intervals stay right across restarts), every
``decision`` (what it did, why, the temperature and target it saw: ``slim_decision``), a
``target`` event when a zone's target changes, every ``alarm`` change. Times
come from the engine's clock. A store failure is logged; the engine carries on.
"""

from datetime import datetime
from typing import Any

from twisted.logger import Logger

from rpymostat.shared.bus.message import Message
from rpymostat.shared.bus.topics import split_topic, unescape_segment
from rpymostat.shared.clock import Clock, utcnow

from ..store import Store
from ..store.events import ALARM, DECISION, OUTPUT, TARGET, Event

_log = Logger(namespace="rpymostat.engine.history")
ALARM_PREFIX = "engine.alarm."
# What a kept decision holds: what it did and why, and what it saw (about 150 bytes instead of
# the ~450 of the whole record: a zone decides every minute, 525,600 times a year).
DECISION_FIELDS = ("number", "state", "reason", "mode", "temperature", "target", "heat", "cool",
                   "safe_mode", "commands")


def slim_decision(record: dict[str, Any]) -> dict[str, Any]:
    """The part of a decision record the history keeps (the rule by its id)."""
    body = {k: record[k] for k in DECISION_FIELDS if k in record}
    rule = record.get("rule")
    if isinstance(rule, dict) and "id" in rule:
        body["rule"] = rule["id"]
    return body


class HistoryRecorder:
    """Call :meth:`on_message` with every bus message."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._outputs: dict[str, bool] = {}
        self._targets: dict[str, Any] = {}
        self.failures = 0

    def on_message(self, message: Message) -> None:
        """Record what the message says, if it is history."""
        topic, data = message.topic, message.data
        if topic.startswith("relay."):
            self._output(topic, data)
        elif topic == "engine.decision":
            self._decision(data)
        elif topic.startswith(ALARM_PREFIX):
            self._alarm(topic[len(ALARM_PREFIX):], data)

    def _output(self, topic: str, data: dict[str, Any]) -> None:
        parts = split_topic(topic)
        state = data.get("state") if isinstance(data, dict) else None
        if len(parts) != 3 or state not in ("on", "off"):
            return
        output_id = f"{unescape_segment(parts[1])}:{unescape_segment(parts[2])}"
        on = state == "on"
        if self._outputs.get(output_id) is on:
            return
        self._outputs[output_id] = on
        self._append(OUTPUT, output_id, {"on": on})

    def _decision(self, data: dict[str, Any]) -> None:
        zone = data.get("zone") if isinstance(data, dict) else None
        if not isinstance(zone, str):
            return
        self._append(DECISION, zone, slim_decision(data))
        target = data.get("target")
        if zone not in self._targets or self._targets[zone] != target:
            self._targets[zone] = target
            self._append(TARGET, zone, {"target": target})

    def _alarm(self, subject: str, data: dict[str, Any]) -> None:
        active = isinstance(data, dict) and data.get("active") is True
        self._append(ALARM, subject, {**data, "active": True} if active else {"active": False})

    def _append(self, kind: str, subject: str, body: dict[str, Any]) -> None:
        now: datetime = utcnow(self._clock)
        self._store.append_event(Event(kind, subject, now, body)).addErrback(
            self._failed, kind, subject)

    def _failed(self, failure: Any, kind: str, subject: str) -> None:
        self.failures += 1
        _log.warn("history: {kind} event of {subject} not kept: {e}", kind=kind,
                  subject=subject, e=failure.getErrorMessage())
