"""One Server-Sent Events stream per browser, fed from the engine's status bus.

Each stream starts with ``snapshot`` (the status tree as this process holds it) and a
``status`` event (engine found? bus in sync?), then carries every bus ``update``; a ``status``
event every ``STATUS_INTERVAL`` seconds doubles as a keep-alive, so the page knows its data is
stale when events stop. A browser that cannot keep up (more than ``MAX_BACKLOG`` bytes waiting
in its connection) is disconnected; EventSource reconnects by itself and starts over from a
fresh snapshot, so nothing grows without bound on either side.
"""

from collections.abc import Callable
from typing import Any

from twisted.internet import task
from twisted.internet.interfaces import IReactorTime
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request

from rpymostat.shared.bus.message import Message
from rpymostat.shared.jsonbody import encode_json

STATUS_INTERVAL = 5.0
MAX_BACKLOG = 1 << 20
MAX_CLIENTS = 64
RETRY_MS = 2000


def frame(event: str, data: Any) -> bytes:
    """One SSE frame: ``event: <name>`` and a single ``data:`` line of compact JSON."""
    return b"event: " + event.encode() + b"\ndata: " + encode_json(data) + b"\n\n"


def update_data(message: Message) -> dict[str, Any]:
    """What the browser gets of a bus message."""
    return {"topic": message.topic, "ts": message.ts, "data": message.data}


class EventHub:
    """The streams open now; ``publish`` fans a message out to all of them."""

    def __init__(self, clock: IReactorTime, tree: Callable[[], dict[str, Any]],
                 status: Callable[[], dict[str, Any]]) -> None:
        self._clock = clock
        self._tree = tree
        self._status = status
        self.clients: list[Request] = []
        self.sent = 0
        self.dropped = 0
        self._beat = task.LoopingCall(self.send_status)
        self._beat.clock = clock

    def start(self) -> None:
        """Start the keep-alive status events."""
        self._beat.start(STATUS_INTERVAL, now=False)

    def stop(self) -> None:
        """Stop them and close every stream."""
        if self._beat.running:
            self._beat.stop()
        for request in list(self.clients):
            self._close(request)

    def resource(self) -> Resource:
        """The ``GET`` stream resource."""
        return _Stream(self)

    def attach(self, request: Request) -> Any:
        """Start a stream on ``request`` (NOT_DONE_YET until the browser goes)."""
        if len(self.clients) >= MAX_CLIENTS:
            self._close(self.clients[0])
        request.setHeader(b"content-type", b"text/event-stream; charset=utf-8")
        request.setHeader(b"cache-control", b"no-store")
        request.setHeader(b"x-accel-buffering", b"no")
        request.write(b"retry: %d\n\n" % RETRY_MS)
        request.write(frame("snapshot", {"tree": self._tree()}))
        request.write(frame("status", self._status()))
        self.clients.append(request)
        request.notifyFinish().addBoth(lambda _: self._forget(request))
        return NOT_DONE_YET

    def publish(self, message: Message) -> None:
        """Send a bus update to every stream."""
        if self.clients:
            self.broadcast(frame("update", update_data(message)))

    def resynced(self) -> None:
        """The bus copy was (re)loaded: every stream gets the whole tree again."""
        if self.clients:
            self.broadcast(frame("snapshot", {"tree": self._tree()}))

    def send_status(self) -> None:
        """The engine/bus status (and keep-alive) to every stream."""
        if self.clients:
            self.broadcast(frame("status", self._status()))

    def broadcast(self, data: bytes) -> None:
        """Write ``data`` to every stream; drop streams that fall too far behind."""
        for request in list(self.clients):
            if _backlog(request) > MAX_BACKLOG:
                self.dropped += 1
                self._close(request)
                continue
            request.write(data)
            self.sent += 1

    def _close(self, request: Request) -> None:
        self._forget(request)
        if not request.finished and not getattr(request, "_disconnected", False):
            request.finish()

    def _forget(self, request: Request) -> None:
        if request in self.clients:
            self.clients.remove(request)

    def status(self) -> dict[str, Any]:
        """For ``/v1/status``."""
        return {"clients": len(self.clients), "sent": self.sent, "dropped": self.dropped}


def _backlog(request: Request) -> int:
    """Bytes waiting in the connection's send buffer (0 when unknown)."""
    transport = getattr(getattr(request, "channel", None), "transport", None)
    buffered = getattr(transport, "dataBuffer", b"")
    extra = getattr(transport, "_tempDataLen", 0)
    try:
        return len(buffered) + int(extra)
    except TypeError:
        return 0


class _Stream(Resource):
    isLeaf = True

    def __init__(self, hub: EventHub) -> None:
        super().__init__()
        self._hub = hub

    def render_GET(self, request: Request) -> Any:
        return self._hub.attach(request)
