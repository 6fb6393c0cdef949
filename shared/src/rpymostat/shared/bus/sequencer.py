"""Per-topic sequence numbers for one publishing source."""

import time
from collections.abc import Callable
from typing import Any

from .message import Message
from .topics import valid_topic


class Sequencer:
    """Stamps a source's updates: topic checked, seq = 1, 2, 3... per topic, time from clock."""

    def __init__(self, source: str, now: Callable[[], float] = time.time) -> None:
        self.source = source
        self._now = now
        self._seqs: dict[str, int] = {}

    def message(self, topic: str, data: dict[str, Any]) -> Message:
        """The next message of this source on ``topic``."""
        valid_topic(topic)
        seq = self._seqs[topic] = self._seqs.get(topic, 0) + 1
        return Message(topic, self.source, seq, self._now(), data)
