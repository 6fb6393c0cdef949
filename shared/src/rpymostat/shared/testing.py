"""In-memory fakes of external systems, shipped beside the real ones, for unit tests."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from twisted.internet.defer import Deferred, succeed

from .bus.hub import SYNC_PREFIX, log_record, select_logs
from .bus.message import Message
from .bus.sequencer import Sequencer
from .bus.topics import SEGMENT, matches, validate_mask
from .bus.tree import Snapshot, StatusTree


@dataclass
class MemoryBus:
    """The status bus in one process: publish, subscribe by mask, snapshot; no sockets.

    Like the real bus (``BusHub``, whose :class:`StatusBus` interface it has), the tree is kept
    by the bus itself (the engine), and a subscriber gets every message under its mask.
    """

    source: str = "engine"
    tree: StatusTree = field(default_factory=StatusTree)
    published: list[Message] = field(default_factory=list)
    _subscribers: list[tuple[str, Callable[[Message], Any]]] = field(default_factory=list)
    _sequencers: dict[str, Sequencer] = field(default_factory=dict)

    def publish(self, topic: str, data: dict[str, Any], source: str | None = None) -> Message:
        """Stamp and deliver an update from ``source`` (default: the bus's own source)."""
        source = source or self.source
        seq = self._sequencers.setdefault(source, Sequencer(source, lambda: 0.0))
        message = seq.message(topic, data)
        self.deliver(message)
        return message

    def deliver(self, message: Message) -> None:
        """Deliver an already-stamped message (as the proxy forwards it)."""
        self.published.append(message)
        if message.topic.startswith("bus."):
            return
        self.tree.apply(message)
        for mask, callback in list(self._subscribers):
            if matches(mask, message.topic):
                callback(message)

    def subscribe(self, mask: str, callback: Callable[[Message], Any]) -> Callable[[], None]:
        """Call ``callback`` for each message under ``mask``; returns an unsubscribe function."""
        entry = (validate_mask(mask), callback)
        self._subscribers.append(entry)
        return lambda: self._subscribers.remove(entry)

    def snapshot(self, mask: str = "") -> Snapshot:
        """The current tree under ``mask``."""
        return self.tree.snapshot(mask)

    def synced_snapshot(self, mask: str, marker: str, timeout: float) -> Deferred[Snapshot]:
        """In one process the marker comes round at once."""
        if not SEGMENT.fullmatch(marker):
            raise ValueError("marker must be one topic segment (letters, digits, _ ~ -)")
        self.publish(SYNC_PREFIX + marker, {})
        return succeed(self.snapshot(mask))

    def recent_logs(self, service: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """``log.*`` messages published so far, as ``BusHub.recent_logs`` gives them."""
        return select_logs((log_record(m) for m in self.published
                            if m.topic.startswith("log.")), service, limit)

    def assert_published(self, topic: str, **data: Any) -> Message:
        """The last message on ``topic`` whose data contains ``data``; AssertionError if none."""
        for message in reversed(self.published):
            if message.topic == topic and all(message.data.get(k) == v for k, v in data.items()):
                return message
        seen = [m.topic for m in self.published]
        raise AssertionError(f"nothing published on {topic!r} with {data}; topics seen: {seen}")
