"""Bus benchmark (issue 3): throughput and latency through the engine's proxy against raw
txzmq PUB→SUB in the same run, and discovery time.

- Throughput: one publisher process blasts N messages; one subscriber process counts what
  arrives and when. Raw: txzmq ZmqPubConnection (pre-encoded frames) → ZmqSubConnection (the
  issue's peer). Rawfast: the same publisher → our FrameSubscriber (a tighter read loop than
  txzmq's; the stricter floor).
  Bus: BusPublisher (stamping and encoding each update) → the real ``rpymostat-engine``
  proxy (which also keeps its status tree) → BusFollower (decoding, merging its own tree).
  Same HWM (10,000) everywhere; a message dropped at an HWM is counted as lost.
- Latency: 100 messages/s for ``--latency-seconds``; each carries its send time
  (CLOCK_MONOTONIC, shared by processes on one machine); p50/p99 at the subscriber.
- Discovery: an agent browsing first, then the engine started: time from the engine's API
  answering (and from spawning it) until the agent's /v1/status shows the engine's URL.

Run from the repo root: ``.venv/bin/python bench/bus.py [--messages 200000] [--json]``.
"""

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
HWM = 10_000
PAYLOAD = {"value": 21.5, "timestamp": "2026-11-21T06:30:00Z", "type": "DS18B20"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- roles (each runs in its own process) --------------------------------------------------

def role_raw_pub(endpoint: str, count: int, rate: float) -> None:
    from twisted.internet import reactor, task
    from txzmq import ZmqEndpoint, ZmqEndpointType, ZmqFactory, ZmqPubConnection

    from rpymostat.shared.bus.message import Message

    factory = ZmqFactory()
    ZmqPubConnection.highWaterMark = HWM
    pub = ZmqPubConnection(factory, ZmqEndpoint(ZmqEndpointType.bind, endpoint))
    frame = Message("sensor.bench.t1", "raw", 1, 0.0, PAYLOAD).encode()
    topic, body = frame.split(b"\0", 1)
    _publish_loop(reactor, task, count, rate,
                  lambda stamp: pub.publish(body.replace(b'"ts":0.0', b'"ts":%r' % stamp)
                                            if stamp else body, topic))


def role_bus_pub(endpoint: str, count: int, rate: float) -> None:
    from twisted.internet import reactor, task

    from rpymostat.shared.bus.publisher import BusPublisher
    from rpymostat.shared.bus.sockets import make_factory

    pub = BusPublisher(make_factory(reactor), "bench", hwm=HWM, now=time.monotonic)
    pub.connect(endpoint)
    _publish_loop(reactor, task, count, rate, lambda stamp: pub.publish("sensor.bench.t1",
                                                                        PAYLOAD))


def _publish_loop(reactor: Any, task: Any, count: int, rate: float, send: Any) -> None:
    """Wait 1 s (subscribers join), then send ``count`` messages: bursts of 500 per reactor
    turn when ``rate`` is 0, else one every 1/rate s stamped with the monotonic clock."""
    sent = 0

    def burst() -> None:
        nonlocal sent
        n = min(500, count - sent)
        for _ in range(n):
            send(None)
        sent += n
        if sent >= count:
            loop.stop()

    def paced() -> None:
        nonlocal sent
        send(time.monotonic())
        sent += 1
        if sent >= count:
            loop.stop()

    loop = task.LoopingCall(paced if rate else burst)
    loop.clock = reactor
    reactor.callLater(1.5, lambda: loop.start(1 / rate if rate else 0).addCallback(
        lambda _: reactor.callLater(2, reactor.stop)))
    reactor.run()


def role_sub(endpoint: str, kind: str, count: int, engine_url: str, out: str) -> None:
    from twisted.internet import reactor

    arrivals: list[float] = []
    latencies: list[float] = []

    def got(ts: float) -> None:
        now = time.monotonic()
        arrivals.append(now)
        if ts:
            latencies.append(now - ts)

    if kind == "rawfast":
        from rpymostat.shared.bus.sockets import FrameSubscriber, make_factory

        def frame(data: bytes) -> None:
            body = data.split(b"\0", 1)[1]
            got(json.loads(body)["ts"] if b'"ts":0.0' not in body else 0.0)

        FrameSubscriber(make_factory(reactor), endpoint, frame, HWM).subscribe(b"sensor.")
    elif kind == "raw":
        from txzmq import ZmqEndpoint, ZmqEndpointType, ZmqFactory, ZmqSubConnection

        class Sub(ZmqSubConnection):  # type: ignore[misc]
            highWaterMark = HWM

            def gotMessage(self, message: bytes, tag: bytes) -> None:
                # The floor: count only (parse the send time only when measuring latency).
                got(json.loads(message)["ts"] if b'"ts":0.0' not in message else 0.0)

        sub = Sub(ZmqFactory(), ZmqEndpoint(ZmqEndpointType.connect, endpoint))
        sub.subscribe(b"sensor.")
    else:
        from rpymostat.shared.bus.service import snapshot_fetcher
        from rpymostat.shared.bus.sockets import make_factory
        from rpymostat.shared.bus.subscriber import BusFollower

        follower = BusFollower(make_factory(reactor), reactor,
                               snapshot_fetcher(lambda: engine_url), mask="sensor.",
                               on_update=lambda m: got(m.ts), hwm=HWM)
        follower.connect(endpoint)

    def finish() -> None:
        if arrivals and time.monotonic() - arrivals[-1] < 1.0 and len(arrivals) < count:
            reactor.callLater(0.5, finish)
            return
        Path(out).write_text(json.dumps({"arrivals": [arrivals[0], arrivals[-1]] if arrivals
                                         else [], "received": len(arrivals),
                                         "latencies": latencies}))
        reactor.stop()

    def check() -> None:
        if arrivals:
            finish()
        else:
            reactor.callLater(0.5, check)

    reactor.callLater(3, check)
    reactor.run()


# -- orchestration -------------------------------------------------------------------------

def _spawn(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, __file__, *args])


def _engine(tmp: Path, port: int, pub: int, sub: int, **extra: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RPYMOSTAT_")}
    env.update({"RPYMOSTAT_ENGINE_LISTEN": f"tcp:{port}:interface=127.0.0.1",
                "RPYMOSTAT_DATA_DIR": str(tmp), "RPYMOSTAT_LOG_LEVEL": "warn",
                "RPYMOSTAT_BUS_PUB_LISTEN": f"tcp://127.0.0.1:{pub}",
                "RPYMOSTAT_BUS_SUB_LISTEN": f"tcp://127.0.0.1:{sub}",
                "RPYMOSTAT_ADVERTISE": "off", **extra})
    return subprocess.Popen([str(BIN / "rpymostat-engine")], env=env,
                            stdout=subprocess.DEVNULL)


def _get(url: str) -> Any:
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            return json.load(r)
    except (OSError, ValueError):
        return None


def _wait(url: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while _get(url) is None:
        if time.monotonic() > deadline:
            raise SystemExit(f"{url} did not answer")
        time.sleep(0.05)


def run_pair(kind: str, count: int, rate: float, tmp: Path) -> dict[str, Any]:
    """One publisher → (engine) → one subscriber; the subscriber's figures."""
    out = tmp / f"{kind}-{rate}.json"
    engine = None
    if kind.startswith("raw"):
        port = free_port()
        pub_ep = f"tcp://127.0.0.1:{port}"
        sub_ep, url = pub_ep, ""
    else:
        api, pub, sub = free_port(), free_port(), free_port()
        engine = _engine(tmp / f"data-{rate}", api, pub, sub)
        url = f"http://127.0.0.1:{api}"
        _wait(url + "/v1/status")
        pub_ep, sub_ep = f"tcp://127.0.0.1:{pub}", f"tcp://127.0.0.1:{sub}"
    pub_role = "raw-pub" if kind.startswith("raw") else "bus-pub"
    publisher = _spawn("--role", pub_role, pub_ep, str(count), str(rate))
    subscriber = _spawn("--role", "sub", sub_ep, kind, str(count), url, str(out))
    try:
        subscriber.wait(600)
        publisher.wait(60)
    finally:
        for p in (publisher, subscriber, engine):
            if p is not None and p.poll() is None:
                p.send_signal(signal.SIGTERM)
                p.wait(15)
    result = json.loads(out.read_text())
    first, last = result["arrivals"] or (0, 0)
    lat = sorted(result["latencies"])
    return {"received": result["received"], "sent": count,
            "msgs_per_s": result["received"] / (last - first) if last > first else 0.0,
            "p50_ms": 1000 * statistics.median(lat) if lat else None,
            "p99_ms": 1000 * lat[int(0.99 * (len(lat) - 1))] if lat else None}


def discovery_time(tmp: Path) -> dict[str, float]:
    """Agent browsing first; engine started; seconds until the agent has the engine's URL."""
    agent_port, api = free_port(), free_port()
    name = f"bench-{os.getpid()}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RPYMOSTAT_")}
    env.update({"RPYMOSTAT_SENSOR_AGENT_LISTEN": f"tcp:{agent_port}:interface=127.0.0.1",
                "RPYMOSTAT_ENGINE_NAME": name, "RPYMOSTAT_ADVERTISE": "off",
                "RPYMOSTAT_LOG_LEVEL": "warn"})
    agent = subprocess.Popen([str(BIN / "rpymostat-sensor-agent")], env=env,
                             stdout=subprocess.DEVNULL)
    engine = None
    try:
        _wait(f"http://127.0.0.1:{agent_port}/v1/status")
        spawned = time.monotonic()
        engine = _engine(tmp / "data-discovery", api, free_port(), free_port(),
                         RPYMOSTAT_ADVERTISE="on", RPYMOSTAT_ENGINE_NAME=name,
                         RPYMOSTAT_ENGINE_LISTEN=f"tcp:{api}")
        ready = None
        while time.monotonic() - spawned < 30:
            if ready is None and _get(f"http://127.0.0.1:{api}/v1/status"):
                ready = time.monotonic()
            status = _get(f"http://127.0.0.1:{agent_port}/v1/status") or {}
            found = ((status.get("engine") or {}).get("engine") or {}).get("url")
            if found and found.endswith(f":{api}"):
                now = time.monotonic()
                return {"from_spawn_s": now - spawned,
                        "from_ready_s": now - (ready if ready is not None else now)}
            time.sleep(0.01)
        raise SystemExit("the agent did not find the engine in 30 s")
    finally:
        for p in (agent, engine):
            if p is not None and p.poll() is None:
                p.send_signal(signal.SIGTERM)
                p.wait(15)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--messages", type=int, default=200_000)
    p.add_argument("--latency-seconds", type=float, default=10.0)
    p.add_argument("--rounds", type=int, default=3, help="throughput rounds (best is kept)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--role", nargs="+")
    args = p.parse_args()
    if args.role:
        role, *rest = args.role
        if role == "sub":
            role_sub(rest[0], rest[1], int(rest[2]), rest[3], rest[4])
        else:
            fn = role_raw_pub if role == "raw-pub" else role_bus_pub
            fn(rest[0], int(rest[1]), float(rest[2]))
        return
    with tempfile.TemporaryDirectory(prefix="rpymostat-bench-") as d:
        tmp = Path(d)
        results: dict[str, Any] = {}
        for kind in ("raw", "rawfast", "bus"):
            rounds = [run_pair(kind, args.messages, 0, tmp) for _ in range(args.rounds)]
            results[f"{kind}_throughput"] = max(rounds, key=lambda r: r["msgs_per_s"])
            results[f"{kind}_throughput"]["rounds"] = [round(r["msgs_per_s"]) for r in rounds]
        n = int(100 * args.latency_seconds)
        for kind in ("raw", "rawfast", "bus"):
            results[f"{kind}_latency"] = run_pair(kind, n, 100.0, tmp)
        results["discovery"] = discovery_time(tmp)
    raw, bus = results["raw_throughput"], results["bus_throughput"]
    results["throughput_ratio"] = bus["msgs_per_s"] / raw["msgs_per_s"]
    results["throughput_ratio_fast_floor"] = (bus["msgs_per_s"]
                                              / results["rawfast_throughput"]["msgs_per_s"])
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for kind in ("raw", "rawfast", "bus"):
        t, lat = results[f"{kind}_throughput"], results[f"{kind}_latency"]
        print(f"{kind:>7}: {t['msgs_per_s']:>9,.0f} msg/s (rounds {t['rounds']}, received "
              f"{t['received']:,}/{t['sent']:,})  latency @100/s p50 {lat['p50_ms']:.3f} ms "
              f"p99 {lat['p99_ms']:.3f} ms ({lat['received']}/{lat['sent']})")
    print(f"bus/raw throughput ratio: {results['throughput_ratio']:.2f} (aim >= 0.6); "
          f"bus/rawfast: {results['throughput_ratio_fast_floor']:.2f}")
    disc = results["discovery"]
    print(f"discovery: agent has the engine's URL {disc['from_ready_s']:.3f} s after the engine"
          f" answers, {disc['from_spawn_s']:.3f} s after spawning it (aim <= 1 s)")


if __name__ == "__main__":
    main()
