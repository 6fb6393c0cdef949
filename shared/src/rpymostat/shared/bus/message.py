"""A bus message: topic, source, sequence number, UTC timestamp and data.

``seq`` counts a source's messages on one topic (1, 2, 3...), so a subscriber that sees only
some topics can still tell a lost message from one it was never meant to see.

On the wire: one frame ``topic\\0json`` (txzmq's framing), the JSON holding the rest.
"""

import json
import math
from dataclasses import dataclass
from typing import Any

from .topics import split_topic


class MessageError(ValueError):
    """A frame that is not a valid bus message."""


@dataclass(frozen=True, slots=True)
class Message:
    """One status update: ``data`` is a partial object merged into the tree at ``topic``."""

    topic: str
    source: str
    seq: int
    ts: float
    data: dict[str, Any]

    def encode(self) -> bytes:
        """``topic\\0{"source":..,"seq":..,"ts":..,"data":..}``."""
        body = json.dumps({"source": self.source, "seq": self.seq, "ts": self.ts,
                           "data": self.data}, separators=(",", ":"), allow_nan=False)
        return self.topic.encode() + b"\0" + body.encode()


def decode(frame: bytes) -> Message:
    """Parse a frame; raises MessageError naming what is wrong."""
    topic_raw, sep, body = frame.partition(b"\0")
    if not sep:
        raise MessageError("no topic separator")
    try:
        topic = topic_raw.decode()
        split_topic(topic)
        obj = json.loads(body)
    except (UnicodeDecodeError, ValueError) as e:
        raise MessageError(str(e)) from None
    if not isinstance(obj, dict):
        raise MessageError("body must be a JSON object")
    source, seq, ts, data = obj.get("source"), obj.get("seq"), obj.get("ts"), obj.get("data")
    if not isinstance(source, str) or not source:
        raise MessageError("source must be a non-empty string")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise MessageError("seq must be an integer >= 1")
    if isinstance(ts, bool) or not isinstance(ts, int | float) or not math.isfinite(ts):
        raise MessageError("ts must be a number")
    if not isinstance(data, dict):
        raise MessageError("data must be a JSON object")
    return Message(topic, source, seq, float(ts), data)
