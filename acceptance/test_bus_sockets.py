"""The status bus on real ZeroMQ sockets, in one process: proxy, publishers, late joiners,
gaps, bounded queues, engine restarts."""

import json
import random
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import pytest
import pytest_twisted
import zmq
from twisted.internet import reactor, task

from rpymostat.shared.bus.follower import Follower
from rpymostat.shared.bus.message import Message, decode
from rpymostat.shared.bus.proxy import ProxyEndpoints
from rpymostat.shared.bus.publisher import BusPublisher
from rpymostat.shared.bus.service import BusHubService
from rpymostat.shared.bus.sockets import make_factory
from rpymostat.shared.bus.subscriber import BusFollower
from rpymostat.shared.bus.tree import StatusTree

from .processes import free_port

ANY_PORT = ProxyEndpoints("tcp://127.0.0.1:0", "tcp://127.0.0.1:0")


async def until(condition: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    """Let the reactor run until ``condition()`` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await task.deferLater(reactor, 0.01, lambda: None)


class Bus:
    """A hub service plus the sockets a test makes; everything closed in ``close``."""

    def __init__(self, endpoints: ProxyEndpoints = ANY_PORT, heartbeat: float = 2.0,
                 hwm: int = 10_000) -> None:
        self.service = BusHubService(reactor, endpoints, "engine@test/1", heartbeat=heartbeat,
                                     hwm=hwm)
        self.service.startService()
        self.hub = self.service.hub
        assert self.hub.bound is not None
        self.bound = self.hub.bound
        self.factory = make_factory(reactor)
        self.closers: list[Callable[[], Any]] = []

    def publisher(self, source: str, hwm: int = 10_000) -> BusPublisher:
        pub = BusPublisher(self.factory, source, hwm=hwm)
        pub.connect(self.bound.pub)
        self.closers.append(pub.disconnect)
        return pub

    def follower(self, mask: str = "", **kw: Any) -> BusFollower:
        follower = BusFollower(self.factory, reactor,
                               lambda m, k: self.hub.synced_snapshot(m, k, 2.0), mask=mask, **kw)
        follower.connect(self.bound.sub)
        self.closers.append(follower.disconnect)
        return follower

    async def close(self) -> None:
        for close in reversed(self.closers):
            close()
        self.factory.shutdown()
        await self.service.stopService()


@pytest.fixture
def bus() -> Any:
    """A running hub on ephemeral ports."""
    return Bus()


@pytest_twisted.ensureDeferred
async def test_update_reaches_the_engine_tree_and_a_follower(bus: Bus) -> None:
    """A publisher's partial updates merge in the engine's tree and in a follower's copy."""
    try:
        pub = bus.publisher("pi1")
        pub.publish("sensor.pi1.t1", {"value": 20.0, "type": "DS18B20"})
        pub.publish("sensor.pi1.t1", {"value": 20.5})
        await until(lambda: bus.hub.tree.get("sensor.pi1.t1") == {"value": 20.5,
                                                                  "type": "DS18B20"})
        follower = bus.follower("sensor.")
        await until(lambda: follower.synced, what="sync")
        pub.publish("sensor.pi1.t1", {"type": None})
        await until(lambda: follower.follower.tree.get("sensor.pi1.t1") == {"value": 20.5})
        assert bus.hub.tree.root == follower.follower.tree.root
        assert pub.status()["connected"] and pub.dropped == 0
    finally:
        await bus.close()


@pytest.mark.parametrize("mask", ["", "sensor.", "zone.house"])
@pytest_twisted.ensureDeferred
async def test_late_joiner_under_load_gets_everything_once(mask: str) -> None:
    """A follower joining while three sources publish partial updates ends with exactly
    the engine's (masked) tree; per (source, topic) it applied seqs snapshot+1, +2, ... with no
    gap and nothing twice."""
    bus = Bus()
    try:
        pubs = [bus.publisher(f"src{i}") for i in range(3)]
        topics = [f"sensor.pi{i}.t{j}" for i in range(4) for j in range(5)] + [
            "zone.house.state", "zone.house.plan", "zone.attic.state", "engine.decision"]
        rng = random.Random(7)
        sent = 0

        def burst() -> None:
            nonlocal sent
            for _ in range(60):
                topic = rng.choice(topics)
                data: dict[str, Any] = {"n": sent, rng.choice("abc"): {"x": sent}}
                if rng.random() < 0.1:
                    data[rng.choice("abc")] = None
                rng.choice(pubs).publish(topic, data)
                sent += 1

        loop = task.LoopingCall(burst)
        loop.start(0.002)
        await task.deferLater(reactor, 0.15, lambda: None)
        applied: dict[tuple[str, str], list[int]] = defaultdict(list)
        starts: list[dict[tuple[str, str], int]] = []
        follower = bus.follower(  # room for everything sent while it syncs: no overflow
            mask, on_update=lambda m: applied[(m.source, m.topic)].append(m.seq),
            on_sync=lambda s: starts.append(dict(s.seqs)), hwm=500_000)
        await until(lambda: follower.synced, what="sync under load")
        synced_at = sent
        await until(lambda: sent >= synced_at + 3000, timeout=30)
        loop.stop()
        last = sum(p.sent for p in pubs)
        await until(lambda: bus.hub.received >= last, what="engine caught up")
        await until(lambda: follower.synced and follower.follower.tree.seqs ==
                    bus.hub.tree.snapshot(mask).seqs, what="follower caught up")
        assert follower.follower.tree.root == bus.hub.tree.snapshot(mask).tree
        assert follower.follower.gaps == 0 and len(starts) == 1
        for key, seqs in applied.items():
            first = starts[0].get(key, 0) + 1
            assert seqs == list(range(first, first + len(seqs))), key
        assert applied, "the follower applied nothing from the stream"
    finally:
        await bus.close()


def _raw_pub(bus: Bus) -> zmq.Socket:
    sock = bus.factory.context.socket(zmq.PUB)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(bus.bound.pub)
    bus.closers.append(lambda: sock.close(0))
    return sock


def _frame(topic: str, source: str, seq: int, data: dict[str, Any]) -> bytes:
    return Message(topic, source, seq, time.time(), data).encode()


@pytest_twisted.ensureDeferred
async def test_a_lost_message_is_a_gap_and_the_follower_resyncs(bus: Bus) -> None:
    """Seq 1, 2, 4 on one topic: the follower sees a gap at 4, fetches a new snapshot and
    ends equal to the engine's tree; invalid frames are counted and skipped."""
    try:
        follower = bus.follower("sensor.")
        await until(lambda: follower.synced, what="sync")
        raw = _raw_pub(bus)
        await task.deferLater(reactor, 0.3, lambda: None)  # raw PUB: slow-joiner settle
        for seq in (1, 2, 4):
            raw.send(_frame("sensor.x.y", "raw", seq, {"v": seq}))
        raw.send(b"not a bus frame")
        raw.send(b"sensor.x.z\0{}")
        await until(lambda: follower.follower.gaps == 1 and follower.synced
                    and follower.follower.tree.get("sensor.x.y") == {"v": 4}, what="resync")
        assert follower.syncs == 2
        assert bus.hub.invalid == 2 and follower.invalid == 1  # it sees only "sensor."
        assert follower.follower.tree.root == bus.hub.tree.snapshot("sensor.").tree
    finally:
        await bus.close()


@pytest_twisted.ensureDeferred
async def test_a_dead_subscriber_cannot_make_the_proxy_grow(bus: Bus) -> None:
    """A subscriber that never reads gets at most its HWMs' worth; what it missed shows up
    as a gap when it finally reads, and a live follower meanwhile misses nothing."""
    try:
        dead = bus.factory.context.socket(zmq.SUB)
        dead.setsockopt(zmq.LINGER, 0)
        dead.setsockopt(zmq.RCVHWM, 100)
        dead.setsockopt(zmq.RCVBUF, 4096)
        dead.setsockopt(zmq.SUBSCRIBE, b"sensor.")
        dead.connect(bus.bound.sub)
        bus.closers.append(lambda: dead.close(0))
        live = bus.follower("sensor.")
        await until(lambda: live.synced, what="sync")
        pub = bus.publisher("pi1")
        total = 60_000
        for i in range(total):
            pub.publish(f"sensor.pi1.t{i % 3}", {"n": i, "pad": "x" * 100})
            if i % 2000 == 0:
                await task.deferLater(reactor, 0, lambda: None)
        await until(lambda: live.follower.tree.get("sensor.pi1.t2") == {
            "n": total - 1, "pad": "x" * 100}, timeout=30, what="live follower")
        assert live.follower.gaps == 0
        got = []
        while True:
            try:
                got.append(decode(dead.recv(zmq.NOBLOCK)))
            except zmq.Again:
                await task.deferLater(reactor, 0.05, lambda: None)
                try:
                    got.append(decode(dead.recv(zmq.NOBLOCK)))
                except zmq.Again:
                    break
        assert 0 < len(got) < total // 2, len(got)
        pub.publish("sensor.pi1.t0", {"n": "after"})
        await until(lambda: dead.poll(0) != 0, what="the dead subscriber's next message")
        got.append(decode(dead.recv()))
        late = Follower("sensor.")
        late.load(StatusTree().snapshot())
        # Drops may come in the middle (the queues free up as ZeroMQ's I/O thread moves data)
        # and at the end (noticed at the next message): either way the loss is a gap.
        assert any(late.feed(m) for m in got), "the dead subscriber's loss was not a gap"
    finally:
        await bus.close()


@pytest_twisted.ensureDeferred
async def test_publisher_holds_updates_until_the_proxy_is_up_and_bounds_them() -> None:
    """Updates published before the engine's bus exists are delivered once it is up; beyond
    the publisher's HWM the oldest are dropped and counted."""
    ports = ProxyEndpoints(f"tcp://127.0.0.1:{free_port()}", f"tcp://127.0.0.1:{free_port()}")
    factory = make_factory(reactor)
    pub = BusPublisher(factory, "early", hwm=10)
    pub.connect(ports.pub)
    for i in range(25):
        pub.publish(f"sensor.early.t{i}", {"i": i})
    assert not pub.ready and pub.dropped == 15
    bus = Bus(ports)
    try:
        await until(lambda: bus.hub.tree.get("sensor.early.t24") == {"i": 24}, what="flush")
        assert bus.hub.tree.get("sensor.early.t14") is None
        assert bus.hub.tree.get("sensor.early.t15") == {"i": 15}
        assert pub.ready and pub.status()["queued"] == 0
    finally:
        pub.disconnect()
        factory.shutdown()
        await bus.close()


@pytest_twisted.ensureDeferred
async def test_follower_and_publisher_follow_an_engine_restart() -> None:
    """When the engine restarts on the same endpoints, its new boot id makes followers
    resync, and publishers reconnect and carry on."""
    ports = ProxyEndpoints(f"tcp://127.0.0.1:{free_port()}", f"tcp://127.0.0.1:{free_port()}")
    first = Bus(ports, heartbeat=0.1)
    factory = make_factory(reactor)
    pub = BusPublisher(factory, "agent")
    pub.connect(ports.pub)
    follower = BusFollower(factory, reactor, lambda m, k: current.hub.synced_snapshot(m, k, 2),
                           heartbeat_timeout=1.0)
    current = first
    follower.connect(ports.sub)
    second: Bus | None = None
    try:
        pub.publish("agent.x.y", {"up": 1})
        await until(lambda: follower.synced and follower.follower.tree.get("agent.x.y"))
        await first.close()
        second = current = Bus(ports, heartbeat=0.1)
        await until(lambda: follower.syncs >= 2 and follower.synced
                    and follower.boot == second.service.boot, what="resync on new boot")
        await until(lambda: pub.ready, what="publisher reconnected")
        pub.publish("agent.x.y", {"up": 2})
        await until(lambda: follower.follower.tree.get("agent.x.y") == {"up": 2})
    finally:
        follower.disconnect()
        pub.disconnect()
        factory.shutdown()
        if second is not None:
            await second.close()


@pytest_twisted.ensureDeferred
async def test_binding_a_port_in_use_fails_at_start() -> None:
    """The bus binds in startService, so a taken port fails the daemon's start."""
    bus = Bus()
    try:
        with pytest.raises(zmq.ZMQError):
            BusHubService(reactor, ProxyEndpoints(bus.bound.pub, "tcp://127.0.0.1:0"),
                          "x").startService()
    finally:
        await bus.close()


def test_frames_are_json_bodies() -> None:
    """The wire frame is the topic, NUL, and a JSON object with source, seq, ts and data."""
    frame = _frame("a.b", "s", 1, {"k": 1})
    topic, body = frame.split(b"\0", 1)
    assert topic == b"a.b" and json.loads(body)["data"] == {"k": 1}
