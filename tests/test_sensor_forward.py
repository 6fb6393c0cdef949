"""Delivery: the forwarder with the real EngineClient against the real EngineAPI (StubTreq,
MemoryStore) on a task.Clock; outages, back-off, rejections, the bounded queue."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from twisted.internet.defer import fail

from rpymostat.sensor_agent.client import EngineClient, Outcome, classify
from rpymostat.sensor_agent.diskqueue import MemoryQueue
from rpymostat.sensor_agent.forward import Forwarder

from .helpers import TOKEN, EngineHarness, result_of

ENGINE = "http://engine:8088"
HOST = "pi-zero-1"


class Switch:
    """The engine's network: ``up`` or refusing connections; counts POSTs."""

    def __init__(self, treq: Any) -> None:
        self.treq = treq
        self.up = True
        self.posts = 0
        self.accepted: list[float | None] = []  # values of accepted batches, in arrival order

    def post(self, *args: Any, **kwargs: Any) -> Any:
        self.posts += 1
        if not self.up:
            return fail(ConnectionRefusedError("engine down"))
        kwargs.pop("timeout", None)
        values = [r["value"] for r in json.loads(kwargs["data"])["readings"]]

        def record(response: Any) -> Any:
            if response.code == 201:
                self.accepted.extend(values)
            return response

        return self.treq.post(*args, **kwargs).addCallback(record)


class Rig:
    """Engine harness + switchable network + forwarder over a MemoryQueue."""

    def __init__(self, max_items: int = 10_000, token: str = TOKEN) -> None:
        self.engine = EngineHarness()
        self.net = Switch(self.engine.treq)
        self.queue = MemoryQueue(max_items)
        self.known: str | None = ENGINE
        self.forwarder = Forwarder(
            self.engine.clock, self.queue, EngineClient(HOST, lambda: token, 5.0, self.net),
            lambda: self.known, first_retry=1.0, max_retry=30.0, jitter=lambda: 1.0)
        self.t = 0

    def round(self, *values: float | None, sensor: str = "s1") -> list[dict[str, Any]]:
        """A round of readings one second apart (timestamps from the engine's clock)."""
        items = []
        for value in values:
            self.t += 1
            ts = datetime.fromtimestamp(self.engine.clock.seconds(), UTC) - timedelta(
                hours=1) + timedelta(seconds=self.t)
            items.append({"sensor_id": sensor, "timestamp": ts.isoformat(),
                          "value": value, "type": "test"})
        result_of(self.forwarder.submit(items))
        return items

    def stored(self, sensor: str = "s1") -> list[float | None]:
        code, body = self.engine.request(
            "GET", f"/v1/sensors/{HOST}:{sensor}/readings?order=asc")
        if code == 404:
            return []  # the engine has never heard of the sensor
        assert code == 200, body
        return [r["value"] for r in body["readings"]]


def test_readings_go_straight_to_the_engine() -> None:
    rig = Rig()
    rig.round(20.0, 20.5)
    assert rig.stored() == [20.0, 20.5]
    assert rig.queue.length == 0 and rig.forwarder.sent == 2


def test_an_outage_queues_and_replays_in_order_exactly_once() -> None:
    rig = Rig()
    rig.round(1.0)
    rig.net.up = False
    rig.round(2.0)
    rig.round(3.0)
    assert rig.queue.length == 2
    delays = []
    for value in (4.0, 5.0, 6.0, 7.0):
        delays.append(rig.forwarder.status()["retry_in"])
        rig.engine.clock.advance(rig.forwarder.retry_delay() + 0.01)
        rig.round(value)  # while the backlog exists new readings join it
    assert delays == [1.0, 2.0, 4.0, 8.0]
    rig.net.up = True
    rig.engine.clock.advance(60)
    assert rig.queue.length == 0
    assert rig.stored() == rig.net.accepted == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]


def test_an_engine_found_again_is_tried_at_once() -> None:
    rig = Rig()
    rig.known = None
    rig.round(1.0, 2.0)
    assert rig.queue.length == 2 and rig.net.posts == 0
    rig.known = ENGINE
    rig.forwarder.engine_changed(object())
    assert rig.queue.length == 0 and rig.stored() == [1.0, 2.0]


def test_back_off_is_capped_and_jittered() -> None:
    rig = Rig()
    jitter = iter([0.0, 1.0])
    rig.forwarder._jitter = lambda: next(jitter)
    rig.forwarder.failures = 40
    assert rig.forwarder.retry_delay() == 15.0
    assert rig.forwarder.retry_delay() == 30.0


def test_a_rejected_reading_is_dropped_alone_with_the_engine_reason() -> None:
    rig = Rig()
    rig.net.up = False
    rig.round(1.0, 2.0)
    rig.round(3.0, 999.0, 4.0)  # 999 °C: the engine's 422
    rig.round(5.0)
    rig.net.up = True
    rig.forwarder.kick()
    assert rig.stored() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert rig.forwarder.rejected == 1
    assert "outside the plausible range" in (rig.forwarder.last_rejection or "")
    assert rig.queue.length == 0


def test_a_wrong_token_keeps_the_readings() -> None:
    rig = Rig(token="not-the-site-token-000")
    rig.round(1.0)
    assert rig.queue.length == 1
    assert rig.forwarder.status()["last_result"].startswith("HTTP 401")


def test_a_full_queue_drops_the_oldest_and_counts_them() -> None:
    rig = Rig(max_items=3)
    rig.net.up = False
    rig.round(1.0, 2.0)
    rig.round(3.0, 4.0, 5.0)
    assert rig.queue.length == 3 and rig.queue.dropped == 2
    rig.net.up = True
    rig.forwarder.kick()
    assert rig.stored() == [3.0, 4.0, 5.0]
    assert rig.forwarder.status()["queue_dropped"] == 2


def test_classify() -> None:
    assert classify(201, b"{}").kind == "ok"
    assert classify(422, b'{"error": "readings[0].value bad"}') == Outcome(
        "rejected", 422, "HTTP 422: readings[0].value bad")
    assert classify(503, b"<html>").kind == "retry"
    assert classify(401, b"not json").message == "HTTP 401: not json"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.lists(st.sampled_from([1.0, 2.0, 500.0]),
                                                  min_size=1, max_size=4),
                          st.floats(0, 40)), min_size=1, max_size=12))
def test_whatever_the_engine_does_every_good_reading_arrives_once_in_order(
        steps: list[tuple[bool, list[float], float]]) -> None:
    rig = Rig()
    sent: list[dict[str, Any]] = []
    for up, values, wait in steps:
        rig.net.up = up
        sent += rig.round(*values)
        rig.engine.clock.advance(wait)
    rig.net.up = True
    rig.engine.clock.advance(120)
    rig.forwarder.kick()
    good = [i["value"] for i in sent if i["value"] != 500.0]
    assert rig.stored() == good
    assert rig.net.accepted == good  # arrival order, nothing twice
    assert rig.queue.length == 0
