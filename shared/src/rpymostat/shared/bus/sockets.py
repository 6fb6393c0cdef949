"""txzmq connections for the bus, each with a bounded high-water mark (txzmq's default is 0,
which means unbounded).

``FrameSubscriber`` (SUB), ``FramePuller`` (PULL) hand each single-frame message to a callback.
``GatedPublisher`` (XPUB, connecting to the proxy's XSUB) sends frames, and reports the
subscriptions it receives: the proxy subscribes to everything, so the first subscription says
the path to the proxy is open, and an unsubscription that it closed (the proxy went away).
"""

from collections.abc import Callable
from typing import Any

import zmq
from txzmq import ZmqConnection, ZmqEndpoint, ZmqEndpointType, ZmqFactory

DEFAULT_HWM = 10_000


class _Bounded(ZmqConnection):  # type: ignore[misc]
    """A txzmq connection whose HWM is set per instance before the socket is made."""

    def __init__(self, factory: ZmqFactory, endpoint: ZmqEndpoint, hwm: int) -> None:
        self.highWaterMark = hwm
        super().__init__(factory, endpoint)


class _FastReader(_Bounded):
    """Reads single-frame messages in a tight loop: txzmq's own ``doRead`` asks the socket
    for EVENTS and RCVMORE and wraps a logging context around every message, which costs
    more than the message. At most ``BATCH`` per reactor turn, then it yields and resumes."""

    BATCH = 2000
    read_scheduled: Any

    def __init__(self, factory: ZmqFactory, endpoint: str, on_frame: Callable[[bytes], Any],
                 hwm: int = DEFAULT_HWM) -> None:
        self.on_frame = on_frame
        super().__init__(factory, ZmqEndpoint(ZmqEndpointType.connect, endpoint), hwm)

    def doRead(self) -> None:
        """IReadDescriptor: drain the socket (ZeroMQ's FD is edge-triggered)."""
        if self.read_scheduled is not None:
            if not self.read_scheduled.called:
                self.read_scheduled.cancel()
            self.read_scheduled = None
        recv, on_frame = self.socket.recv, self.on_frame
        for _ in range(self.BATCH):
            if self.factory is None:
                return
            try:
                frame = recv(zmq.NOBLOCK)
            except zmq.Again:
                return
            on_frame(frame)
        self.read_scheduled = self.factory.reactor.callLater(0, self.doRead)


class FrameSubscriber(_FastReader):
    """SUB socket: ``on_frame(frame)`` for every message under the subscribed prefixes."""

    socketType = zmq.SUB

    def subscribe(self, prefix: bytes) -> None:
        """Receive messages whose topic starts with ``prefix``."""
        self.socket.setsockopt(zmq.SUBSCRIBE, prefix)

    def unsubscribe(self, prefix: bytes) -> None:
        """Undo one :meth:`subscribe`."""
        self.socket.setsockopt(zmq.UNSUBSCRIBE, prefix)


class FramePuller(_FastReader):
    """PULL socket (connects): ``on_frame`` for each message; the proxy's capture stream."""

    socketType = zmq.PULL


class GatedPublisher(_Bounded):
    """XPUB socket connected to the proxy; ``on_subscription(subscribed, prefix)``."""

    socketType = zmq.XPUB

    def __init__(self, factory: ZmqFactory, endpoint: str,
                 on_subscription: Callable[[bool, bytes], Any],
                 hwm: int = DEFAULT_HWM) -> None:
        self.on_subscription = on_subscription
        super().__init__(factory, ZmqEndpoint(ZmqEndpointType.connect, endpoint), hwm)

    def _connectOrBind(self, endpoints: list[ZmqEndpoint]) -> None:
        # Every (un)subscription, not only the first per prefix: a proxy that restarts
        # resubscribes, and that must reopen the gate.
        self.socket.setsockopt(zmq.XPUB_VERBOSE, 1)
        self.socket.setsockopt(zmq.XPUB_VERBOSER, 1)
        super()._connectOrBind(endpoints)

    def messageReceived(self, message: list[bytes]) -> None:
        """txzmq callback: a subscription frame (``\\x01prefix`` / ``\\x00prefix``)."""
        frame = message[0]
        if frame[:1] in (b"\x00", b"\x01"):
            self.on_subscription(frame[:1] == b"\x01", frame[1:])

    def send_frame(self, frame: bytes) -> None:
        """Send one frame (XPUB drops it when the peer's queue is at the HWM)."""
        self.send(frame)


def make_factory(reactor: Any) -> ZmqFactory:
    """A txzmq factory (one ZeroMQ context) bound to ``reactor``; sockets close at once."""
    factory = ZmqFactory()
    factory.reactor = reactor
    factory.lingerPeriod = 0
    return factory
