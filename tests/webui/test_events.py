"""The event stream: each browser gets the status tree, the engine status, then every bus
update as Server-Sent Events; a status event every few seconds is the keep-alive; a stream
that falls behind is closed (EventSource reconnects and starts from a fresh snapshot)."""

import json

from twisted.internet.task import Clock
from twisted.web.server import NOT_DONE_YET
from twisted.web.test.requesthelper import DummyRequest

from rpymostat.shared.bus.message import Message
from rpymostat.webui.events import MAX_BACKLOG, STATUS_INTERVAL, EventHub, frame


def events(request: DummyRequest) -> list[tuple[str, object]]:
    """The (event, data) pairs written so far."""
    text = b"".join(request.written).decode()
    found = []
    for block in text.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in lines:
            found.append((lines["event"], json.loads(lines["data"])))
    return found


def hub() -> tuple[EventHub, Clock, dict[str, object]]:
    clock = Clock()
    state: dict[str, object] = {"engine": "up"}
    h = EventHub(clock, lambda: {"zone": {"house": {"state": {"temperature": 20.5}}}},
                 lambda: dict(state))
    h.start()
    return h, clock, state


def test_a_stream_starts_with_the_tree_and_the_status() -> None:
    """First the retry hint, then ``snapshot`` and ``status``; headers say event-stream."""
    h, _, _ = hub()
    request = DummyRequest([b""])
    assert h.attach(request) is NOT_DONE_YET
    assert request.written[0] == b"retry: 2000\n\n"
    assert events(request) == [
        ("snapshot", {"tree": {"zone": {"house": {"state": {"temperature": 20.5}}}}}),
        ("status", {"engine": "up"})]
    assert request.responseHeaders.getRawHeaders(b"content-type")[0].startswith(
        b"text/event-stream")


def test_bus_updates_reach_every_stream_and_a_closed_one_is_forgotten() -> None:
    """An update goes to both streams; after one closes, only the other gets the next."""
    h, _, _ = hub()
    a, b = DummyRequest([b""]), DummyRequest([b""])
    h.attach(a)
    h.attach(b)
    h.publish(Message("sensor.h.t", "engine@x", 1, 1.5, {"value": 21.25}))
    assert events(a)[-1] == ("update", {"topic": "sensor.h.t", "ts": 1.5,
                                        "data": {"value": 21.25}})
    assert events(b)[-1] == events(a)[-1]
    b.processingFailed(Exception("gone"))  # the browser went away
    h.publish(Message("sensor.h.t", "engine@x", 2, 2.5, {"value": 21.5}))
    assert events(a)[-1][1]["data"] == {"value": 21.5}  # type: ignore[index]
    assert h.clients == [a]


def test_status_events_are_the_keep_alive_and_follow_the_engine() -> None:
    """Every STATUS_INTERVAL a status event says what the engine does now."""
    h, clock, state = hub()
    request = DummyRequest([b""])
    h.attach(request)
    state["engine"] = "down"
    clock.advance(STATUS_INTERVAL)
    assert events(request)[-1] == ("status", {"engine": "down"})


def test_a_stream_that_falls_behind_is_closed() -> None:
    """More than MAX_BACKLOG bytes waiting: the stream is finished and dropped."""
    h, _, _ = hub()
    request = DummyRequest([b""])
    h.attach(request)

    class Stuck:
        dataBuffer = b"x" * (MAX_BACKLOG + 1)

    class Channel:
        transport = Stuck()

    request.channel = Channel()
    h.broadcast(frame("update", {}))
    assert h.clients == [] and h.dropped == 1 and request.finished


def test_frames_are_single_line_json() -> None:
    """A value with a newline cannot break the SSE framing."""
    data = frame("update", {"text": "a\nb"})
    assert data.count(b"\n") == 3 and data.endswith(b"\n\n")
