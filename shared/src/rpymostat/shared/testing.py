"""In-memory fakes of external systems, shipped beside the real ones, for unit tests."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .bus.message import Message
from .bus.sequencer import Sequencer
from .bus.topics import matches, validate_mask
from .bus.tree import Snapshot, StatusTree


@dataclass
class MemoryBus:
    """The status bus in one process: publish, subscribe by mask, snapshot; no sockets.

    Like the real bus, the tree is kept by the bus itself (the engine), and a subscriber gets
    every message whose topic is under its mask.
    """

    tree: StatusTree = field(default_factory=StatusTree)
    published: list[Message] = field(default_factory=list)
    _subscribers: list[tuple[str, Callable[[Message], Any]]] = field(default_factory=list)
    _sequencers: dict[str, Sequencer] = field(default_factory=dict)

    def publish(self, source: str, topic: str, data: dict[str, Any]) -> Message:
        """Stamp and deliver an update from ``source``."""
        seq = self._sequencers.setdefault(source, Sequencer(source, lambda: 0.0))
        message = seq.message(topic, data)
        self.deliver(message)
        return message

    def deliver(self, message: Message) -> None:
        """Deliver an already-stamped message (as the proxy forwards it)."""
        self.published.append(message)
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

    def assert_published(self, topic: str, **data: Any) -> Message:
        """The last message on ``topic`` whose data contains ``data``; AssertionError if none."""
        for message in reversed(self.published):
            if message.topic == topic and all(message.data.get(k) == v for k, v in data.items()):
                return message
        seen = [m.topic for m in self.published]
        raise AssertionError(f"nothing published on {topic!r} with {data}; topics seen: {seen}")
