"""Issue 17: an agent's liveness on the bus comes from the age of its last message, with a
real engine and real ZeroMQ. A publisher that announces itself as ``agent.<host>.<role>``
every second (``every_s: 1``) and then falls silent (as a frozen agent does) is marked
``"up": false`` with ``last_heard`` after three periods; its next announcement is up again.
(Real agents announce every 30 s, so they are marked down after 90 s; the engine takes the
period each agent states.)"""

import time
from typing import Any

import zmq

from rpymostat.shared.bus.message import Message

from .processes import Daemon, wait_for

TOPIC = "agent.frozen-pi.sensor-agent"


def node(engine: Daemon) -> Any:
    tree = engine.request("GET", "/v1/bus/snapshot?mask=agent")[1]["tree"]
    return tree.get("agent", {}).get("frozen-pi", {}).get("sensor-agent")


def test_a_silent_agent_is_marked_down_and_up_again(running_engine: Daemon) -> None:
    """Down within 3 periods + one check (5 s) + slack of its last message; up again at its
    next one."""
    port = running_engine.request("GET", "/v1/status")[1]["bus"]["pub_port"]
    context = zmq.Context()
    pub = context.socket(zmq.PUB)
    pub.setsockopt(zmq.LINGER, 0)
    pub.connect(f"tcp://127.0.0.1:{port}")
    time.sleep(0.5)  # PUB/SUB slow joiner
    seq = 0

    def announce() -> None:
        nonlocal seq
        seq += 1
        pub.send(Message(TOPIC, "sensor-agent@frozen-pi/test", seq, time.time(),
                         {"role": "sensor-agent", "host": "frozen-pi", "up": True,
                          "every_s": 1.0}).encode())

    try:
        for _ in range(4):
            announce()
            time.sleep(1.0)
        assert (node(running_engine) or {}).get("up") is True, node(running_engine)
        silent = time.monotonic()
        down = wait_for(lambda: node(running_engine) if node(running_engine).get("up") is False
                        else None, 15, "the agent marked down")
        took = time.monotonic() - silent
        assert 2.0 <= took <= 3 + 5 + 3, took
        assert down["last_heard"], down
        announce()
        up = wait_for(lambda: node(running_engine) if node(running_engine).get("up") is True
                      else None, 5, "the agent up again")
        assert "last_heard" not in up, up
    finally:
        pub.close()
        context.term()
