"""A bus message: topic, source, sequence number, UTC timestamp and data.

``seq`` counts a source's messages on one topic (1, 2, 3...), so a subscriber that sees only
some topics can still tell a lost message from one it was never meant to see.

On the wire: one frame ``topic\\0json`` (txzmq's framing), the JSON holding the rest.
"""

import math
from dataclasses import dataclass
from typing import Any

from . import jsoncodec
from .topics import valid_topic


class MessageError(ValueError):
    """A frame that is not a valid bus message."""


@dataclass(slots=True)
class Message:
    """One status update: ``data`` is a partial object merged into the tree at ``topic``.

    Treat it as immutable. (Not a frozen dataclass: constructing one costs four times as
    much, and every subscriber builds one per message.)"""

    topic: str
    source: str
    seq: int
    ts: float
    data: dict[str, Any]

    def encode(self) -> bytes:
        """``topic\\0{"source":..,"seq":..,"ts":..,"data":..}``."""
        body = jsoncodec.dumps({"source": self.source, "seq": self.seq, "ts": self.ts,
                                "data": self.data})
        return self.topic.encode() + b"\0" + body


def decode(frame: bytes) -> Message:
    """Parse a frame; raises MessageError naming what is wrong."""
    topic_raw, sep, body = frame.partition(b"\0")
    if not sep:
        raise MessageError("no topic separator")
    try:
        topic = topic_raw.decode()
        valid_topic(topic)
        obj = jsoncodec.loads(body)
    except (UnicodeDecodeError, ValueError) as e:
        raise MessageError(str(e)) from None
    if type(obj) is not dict:
        raise MessageError("body must be a JSON object")
    source, seq, ts, data = obj.get("source"), obj.get("seq"), obj.get("ts"), obj.get("data")
    # type(...) is: JSON gives exact types, and bool (a subclass of int) must not pass.
    if type(source) is not str or not source:
        raise MessageError("source must be a non-empty string")
    if type(seq) is not int or seq < 1:
        raise MessageError("seq must be an integer >= 1")
    if type(ts) is int:
        ts = float(ts)
    elif type(ts) is not float or not math.isfinite(ts):
        raise MessageError("ts must be a number")
    if type(data) is not dict:
        raise MessageError("data must be a JSON object")
    return Message(topic, source, seq, ts, data)
