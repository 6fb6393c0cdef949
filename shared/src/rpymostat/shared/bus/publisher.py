"""A daemon's publishing side of the bus: stamp, send, and hold while the proxy is away.

The XPUB socket learns from the proxy's subscription whether the path is open. Until it is
(start-up, the engine restarting or moving), updates wait in a bounded queue; when the queue is
full the oldest is dropped and counted, and subscribers see the loss as a gap.
"""

import secrets
import socket
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from txzmq import ZmqFactory

from .message import Message
from .sequencer import Sequencer
from .sockets import DEFAULT_HWM, GatedPublisher


def source_id(service: str, host: str | None = None) -> str:
    """A publisher's source name: service, host and a per-run suffix, so that a restarted
    daemon (whose sequence numbers start again at 1) is a new source, not a replay."""
    return f"{service}@{host or socket.gethostname()}/{secrets.token_hex(3)}"


class BusPublisher:
    """Publishes ``topic`` + partial ``data`` updates for one source."""

    def __init__(self, factory: ZmqFactory, source: str, *, hwm: int = DEFAULT_HWM,
                 now: Callable[[], float] = time.time) -> None:
        self._factory = factory
        self._hwm = hwm
        self.sequencer = Sequencer(source, now)
        self._queue: deque[bytes] = deque()
        self._conn: GatedPublisher | None = None
        self.endpoint: str | None = None
        self.ready = False
        self.sent = 0
        self.dropped = 0

    @property
    def source(self) -> str:
        """This publisher's source name."""
        return self.sequencer.source

    def connect(self, endpoint: str) -> None:
        """(Re)connect to the proxy's publisher endpoint; a no-op when unchanged."""
        if endpoint == self.endpoint and self._conn is not None:
            return
        self.disconnect()
        self.endpoint = endpoint
        self._conn = GatedPublisher(self._factory, endpoint, self._subscription, self._hwm)

    def disconnect(self) -> None:
        """Close the socket; updates queue until the next :meth:`connect`."""
        if self._conn is not None:
            self._conn.shutdown()
        self._conn = None
        self.ready = False

    def publish(self, topic: str, data: dict[str, Any]) -> Message:
        """Stamp an update and send it (or queue it while the proxy is unreachable)."""
        message = self.sequencer.message(topic, data)
        frame = message.encode()
        if self.ready and self._conn is not None:
            self._conn.send_frame(frame)
            self.sent += 1
        else:
            if len(self._queue) >= self._hwm:
                self._queue.popleft()
                self.dropped += 1
            self._queue.append(frame)
        return message

    def _subscription(self, subscribed: bool, prefix: bytes) -> None:
        if prefix:
            return  # a subscriber's filter, forwarded; only the proxy's "everything" counts
        self.ready = subscribed
        while self.ready and self._queue and self._conn is not None:
            self._conn.send_frame(self._queue.popleft())
            self.sent += 1

    def status(self) -> dict[str, Any]:
        """For ``/v1/status``."""
        return {"source": self.source, "endpoint": self.endpoint, "connected": self.ready,
                "sent": self.sent, "queued": len(self._queue), "dropped": self.dropped}
