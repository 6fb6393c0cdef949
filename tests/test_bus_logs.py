"""Log forwarding: records at or above a level go on the bus as ``log.<service>``."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from twisted.logger import Logger, LogLevel, globalLogPublisher

from rpymostat.shared.bus import logs
from rpymostat.shared.bus.logs import MAX_TEXT, BusLogObserver, BusLogService, log_data


class Recorder:
    """A publish function that records (topic, data) and can misbehave on demand."""

    def __init__(self) -> None:
        self.published: list[tuple[str, dict[str, Any]]] = []
        self.handed: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []

    def publish(self, topic: str, data: dict[str, Any]) -> None:
        self.published.append((topic, data))

    def call_from_thread(self, f: Callable[..., Any], *args: Any) -> None:
        self.handed.append((f, args))


@pytest.fixture(autouse=True)
def _reactor_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unless a test says otherwise, events come from the reactor thread."""
    monkeypatch.setattr(logs.threadable, "isInIOThread", lambda: True)


def _observer(rec: Recorder, level: LogLevel = LogLevel.warn,
              service: str = "sensor-agent") -> BusLogObserver:
    return BusLogObserver(rec.publish, service, level, rec.call_from_thread)


def test_warning_is_published_with_level_text_namespace_time() -> None:
    """A warning goes to log.<service> with its level, formatted text, namespace and time."""
    rec = Recorder()
    Logger(namespace="x", observer=_observer(rec)).warn("boom {n}", n=3)
    [(topic, data)] = rec.published
    assert topic == "log.sensor-agent"
    assert set(data) == {"level", "text", "namespace", "time"}
    assert (data["level"], data["text"], data["namespace"]) == ("warn", "boom 3", "x")
    stamp = datetime.fromisoformat(data["time"])
    assert stamp.utcoffset() is not None and stamp.utcoffset().total_seconds() == 0


@pytest.mark.parametrize(("threshold", "emitted", "published"), [
    (LogLevel.warn, "debug", False),
    (LogLevel.warn, "info", False),
    (LogLevel.warn, "warn", True),
    (LogLevel.warn, "error", True),
    (LogLevel.warn, "critical", True),
    (LogLevel.error, "warn", False),
    (LogLevel.error, "error", True),
    (LogLevel.debug, "debug", True),
])
def test_only_events_at_or_above_the_level_are_published(threshold: LogLevel, emitted: str,
                                                          published: bool) -> None:
    """The level is a threshold: below it nothing is published, at or above it one message."""
    rec = Recorder()
    getattr(Logger(namespace="x", observer=_observer(rec, threshold)), emitted)("m")
    assert [d["level"] for _t, d in rec.published] == ([emitted] if published else [])


def test_event_without_level_is_ignored() -> None:
    """A raw event that carries no log level is not published."""
    rec = Recorder()
    _observer(rec)({"log_format": "x", "log_namespace": "n"})
    assert rec.published == []


def test_failure_message_is_appended() -> None:
    """log.failure inside an except block publishes the text followed by the error message."""
    rec = Recorder()
    log = Logger(namespace="x", observer=_observer(rec))
    try:
        raise RuntimeError("disk on fire")
    except RuntimeError:
        log.failure("saving {what} failed", what="readings")
    [(_topic, data)] = rec.published
    assert data["level"] == "critical"
    assert data["text"] == "saving readings failed: disk on fire"


def test_failure_without_text_is_just_the_error() -> None:
    """A failure event with an empty format publishes the error message alone."""
    rec = Recorder()
    log = Logger(namespace="x", observer=_observer(rec))
    try:
        raise ValueError("bad value")
    except ValueError:
        log.failure("", level=LogLevel.error)
    assert rec.published[0][1]["text"] == "bad value"


def test_long_text_is_cut() -> None:
    """Text is cut to MAX_TEXT characters."""
    rec = Recorder()
    Logger(namespace="x", observer=_observer(rec)).error("{t}", t="y" * (MAX_TEXT * 3))
    assert rec.published[0][1]["text"] == "y" * MAX_TEXT


def test_event_without_time_has_null_time() -> None:
    """log_data gives time None when the event has no timestamp."""
    data = log_data({"log_format": "hi", "log_level": LogLevel.warn}, LogLevel.warn)
    assert data == {"level": "warn", "text": "hi", "namespace": "", "time": None}


def test_event_from_another_thread_is_handed_to_the_reactor(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Off the reactor thread the record is passed to call_from_thread, not published."""
    monkeypatch.setattr(logs.threadable, "isInIOThread", lambda: False)
    rec = Recorder()
    Logger(namespace="x", observer=_observer(rec)).warn("from a thread")
    assert rec.published == []
    [(send, args)] = rec.handed
    send(*args)  # what the reactor thread then does
    assert [(t, d["text"]) for t, d in rec.published] == [("log.sensor-agent", "from a thread")]


def test_publish_failure_does_not_propagate() -> None:
    """If publishing raises, logging carries on; the next record is published again."""
    rec = Recorder()
    calls: list[str] = []

    def broken(topic: str, data: dict[str, Any]) -> None:
        calls.append(data["text"])
        if len(calls) == 1:
            raise OSError("bus down")
        rec.publish(topic, data)

    log = Logger(namespace="x", observer=BusLogObserver(broken, "engine", LogLevel.warn,
                                                        rec.call_from_thread))
    log.warn("first")
    log.warn("second")
    assert calls == ["first", "second"]
    assert [d["text"] for _t, d in rec.published] == ["second"]


def test_a_record_logged_while_publishing_is_not_published_again() -> None:
    """A warning logged by the publish function itself (through the observer) is dropped."""
    rec = Recorder()
    holder: list[Logger] = []

    def noisy(topic: str, data: dict[str, Any]) -> None:
        rec.publish(topic, data)
        holder[0].warn("the bus is slow")

    observer = BusLogObserver(noisy, "engine", LogLevel.warn, rec.call_from_thread)
    holder.append(Logger(namespace="x", observer=observer))
    holder[0].warn("real problem")
    assert [d["text"] for _t, d in rec.published] == ["real problem"]
    holder[0].warn("another")  # the guard is released afterwards
    assert [d["text"] for _t, d in rec.published] == ["real problem", "another"]


def test_service_adds_and_removes_the_global_observer() -> None:
    """While running, global log events reach the bus; after stopService they do not."""
    rec = Recorder()
    service = BusLogService(_observer(rec, service="engine"))
    log = Logger(namespace="rpymostat.test", observer=globalLogPublisher)
    log.warn("before start")
    service.startService()
    try:
        log.warn("while running")
    finally:
        service.stopService()
    log.warn("after stop")
    assert [(t, d["text"]) for t, d in rec.published] == [("log.engine", "while running")]
    assert not service.running
