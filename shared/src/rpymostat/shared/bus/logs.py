"""Distributed logging (ROC): a daemon's log records at or above a level go out on the bus as
``log.<service>``; the engine keeps the latest and serves them at ``GET /v1/logs``."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from twisted.application.service import Service
from twisted.logger import ILogObserver, LogLevel, formatEvent, globalLogPublisher
from twisted.python import threadable
from zope.interface import implementer

MAX_TEXT = 2000


@implementer(ILogObserver)
class BusLogObserver:
    """Publishes log events at or above ``level`` with ``publish(topic, data)``.

    Events from other threads are handed to the reactor thread; a record logged while
    publishing (the bus itself failing) is not published again.
    """

    def __init__(self, publish: Callable[[str, dict[str, Any]], Any], service: str,
                 level: LogLevel, call_from_thread: Callable[..., Any]) -> None:
        self._publish = publish
        self._topic = f"log.{service}"
        self._level = level
        self._call_from_thread = call_from_thread
        self._busy = False

    def __call__(self, event: dict[str, Any]) -> None:
        """ILogObserver: filter, format, publish."""
        level = event.get("log_level")
        if level is None or level < self._level or self._busy:
            return
        record = log_data(event, level)
        if threadable.isInIOThread():
            self._send(record)
        else:
            self._call_from_thread(self._send, record)

    def _send(self, record: dict[str, Any]) -> None:
        self._busy = True
        try:
            self._publish(self._topic, record)
        except Exception:  # noqa: S110 - logging it here would recurse
            pass
        finally:
            self._busy = False


def log_data(event: dict[str, Any], level: LogLevel) -> dict[str, Any]:
    """The bus body of a log event: level, text (with the failure, if any), namespace, time."""
    text = formatEvent(event)
    failure = event.get("log_failure")
    if failure is not None:
        text = f"{text}: {failure.getErrorMessage()}" if text else failure.getErrorMessage()
    when = event.get("log_time")
    return {"level": level.name, "text": text[:MAX_TEXT],
            "namespace": event.get("log_namespace", ""),
            "time": datetime.fromtimestamp(when, UTC).isoformat() if when else None}


class BusLogService(Service):
    """Adds the observer to the global log publisher while the daemon runs."""

    def __init__(self, observer: BusLogObserver) -> None:
        self.observer = observer

    def startService(self) -> None:
        """Start forwarding."""
        super().startService()
        globalLogPublisher.addObserver(self.observer)

    def stopService(self) -> None:  # type: ignore[override]
        """Stop forwarding."""
        super().stopService()
        globalLogPublisher.removeObserver(self.observer)
