"""A subscriber's copy of the status tree: snapshot, then the stream, nothing lost or doubled.

Use: subscribe to the stream first and ``feed`` every message (they are buffered while
syncing); fetch a snapshot and ``load`` it. Buffered messages the snapshot already contains
(seq <= its seq for that source and topic) are dropped, the rest applied in order. After that a
message whose seq is not the next one for its (source, topic) is a gap: the follower goes back
to syncing and ``feed``/``load`` return True, meaning "fetch a new snapshot".
A lost message is noticed when the next message on the same source and topic arrives.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .message import Message
from .topics import matches, validate_mask
from .tree import Snapshot, StatusTree


@dataclass
class Follower:
    """Tracks the subtree under ``mask``; ``on_apply`` sees each update applied after a sync.

    At most ``max_buffer`` messages wait while syncing; one more is an overflow (counted in
    ``overflows``, not ``gaps``): the snapshot being fetched may be too old to bridge them, so
    the caller fetches a new one.
    """

    mask: str = ""
    tree: StatusTree = field(default_factory=StatusTree)
    syncing: bool = True
    gaps: int = 0
    duplicates: int = 0
    overflows: int = 0
    on_apply: Callable[[Message], Any] | None = None
    max_buffer: int = 100_000
    owned: bool = False  # messages are this follower's own (decoded for it): no copying
    _buffer: list[Message] = field(default_factory=list)

    def __post_init__(self) -> None:
        validate_mask(self.mask)

    def feed(self, message: Message) -> bool:
        """Take one message from the stream; True when a (re)sync snapshot is needed."""
        if not matches(self.mask, message.topic):
            return False
        if self.syncing:
            return self._hold(message)
        return self._apply(message)

    def _hold(self, message: Message) -> bool:
        if len(self._buffer) >= self.max_buffer:
            self.overflows += 1
            self._buffer = [message]
            return True
        self._buffer.append(message)
        return False

    def load(self, snapshot: Snapshot) -> bool:
        """Start from ``snapshot`` and replay the buffer; True if a gap needs another one."""
        self.tree = StatusTree(snapshot.tree, dict(snapshot.seqs))
        self.syncing = False
        buffered, self._buffer = self._buffer, []
        return any(self._apply(m) for m in buffered)

    def _apply(self, message: Message) -> bool:
        if self.syncing:
            return self._hold(message)
        last = self.tree.seqs.get((message.source, message.topic), 0)
        if message.seq <= last:
            self.duplicates += 1
            return False
        if message.seq != last + 1:
            self.gaps += 1
            self.syncing = True
            self._buffer = [message]
            return True
        self.tree.apply(message, self.owned)
        if self.on_apply is not None:
            self.on_apply(message)
        return False
