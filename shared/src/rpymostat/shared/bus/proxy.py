"""The engine's bus proxy: XSUB (publishers connect) → XPUB (subscribers connect).

Forwarding is libzmq's own ``zmq_proxy_steerable`` on a thread of its own (it releases the
GIL), so messages pass at C speed. Every forwarded message is also copied to a capture PUSH
socket that the reactor reads: that is how the engine keeps the status tree. The capture
socket blocks when full (PUSH does not drop), so the tree never misses a message the
subscribers saw; the back-pressure ends at the publishers' own HWM, where ZeroMQ drops, and a
dropped message shows up as a gap in sequence numbers.

The sockets are created and bound on the calling (reactor) thread, so a port in use fails at
start-up, then handed to the proxy thread (ZeroMQ allows moving a socket across threads with a
memory barrier, which starting a thread is).
"""

import threading
from dataclasses import dataclass

import zmq

INPROC_IN = "inproc://rpymostat-bus-in"
INPROC_CAPTURE = "inproc://rpymostat-bus-capture"
INPROC_CONTROL = "inproc://rpymostat-bus-control"


@dataclass(frozen=True)
class ProxyEndpoints:
    """Where publishers (``pub``) and subscribers (``sub``) connect; ZeroMQ endpoints."""

    pub: str
    sub: str


class ProxyThread:
    """Owns the proxy's sockets and the thread that runs ``zmq_proxy_steerable``."""

    def __init__(self, context: zmq.Context, endpoints: ProxyEndpoints, hwm: int) -> None:
        self._context = context
        self._sockets: list[zmq.Socket] = []
        self.xsub = self._socket(zmq.XSUB, hwm)
        self.xpub = self._socket(zmq.XPUB, hwm)
        self.capture = self._socket(zmq.PUSH, hwm)
        self.control = self._socket(zmq.PAIR, 1)
        self._thread: threading.Thread | None = None
        try:
            self.xsub.bind(endpoints.pub)
            self.bound_pub = self.xsub.getsockopt_string(zmq.LAST_ENDPOINT)
            self.xsub.bind(INPROC_IN)
            self.xpub.bind(endpoints.sub)
            self.bound_sub = self.xpub.getsockopt_string(zmq.LAST_ENDPOINT)
            self.capture.bind(INPROC_CAPTURE)
            self.control.bind(INPROC_CONTROL)
        except zmq.ZMQError:
            self.close()
            raise
        # The engine's tree needs every topic, whoever subscribes: subscribe to everything.
        self.xsub.send(b"\x01")

    def _socket(self, kind: int, hwm: int) -> zmq.Socket:
        sock = self._context.socket(kind)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.SNDHWM, hwm)
        sock.setsockopt(zmq.RCVHWM, hwm)
        self._sockets.append(sock)
        return sock

    def start(self) -> None:
        """Start forwarding on a daemon thread."""
        self._thread = threading.Thread(target=self._run, name="rpymostat-bus-proxy",
                                        daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            zmq.proxy_steerable(self.xsub, self.xpub, self.capture, self.control)
        except zmq.ZMQError:
            pass  # context terminated under us: shutting down
        finally:
            self.close()

    def join(self, timeout: float) -> bool:
        """Wait (blocking: call it off the reactor thread) for the thread to end after a
        TERMINATE was sent to the control endpoint; True when it has."""
        if self._thread is None:
            self.close()
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def close(self) -> None:
        """Close every socket (idempotent)."""
        for sock in self._sockets:
            sock.close(0)
        self._sockets = []
