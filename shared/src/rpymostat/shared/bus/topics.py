"""Dotted hierarchical topics (``sensor.<host>.<sensor>``) and prefix masks (ROC's
``statusUpdateIterator(mask)``).

A mask matches whole segments: ``zone.house`` matches ``zone.house`` and ``zone.house.state``
but not ``zone.household``; a mask ending in ``.`` (``sensor.``) matches everything below it;
the empty mask matches every topic.
"""

import functools
import re

SEGMENT = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9_~:-]{0,191}")
MAX_TOPIC = 600


class TopicError(ValueError):
    """A topic or mask that is not dotted segments of safe characters."""


def split_topic(topic: str) -> list[str]:
    """The segments of a valid topic (raises TopicError)."""
    return list(_segments(topic))


def valid_topic(topic: str) -> tuple[str, ...]:
    """The segments of a valid topic as a tuple (raises TopicError); memoised."""
    return _segments(topic)


@functools.lru_cache(maxsize=4096)
def _segments(topic: str) -> tuple[str, ...]:
    # Memoised: a house has few topics and every message re-checks its own.
    if not topic or len(topic) > MAX_TOPIC:
        raise TopicError(f"topic must be 1-{MAX_TOPIC} characters")
    parts = tuple(topic.split("."))
    for part in parts:
        if not SEGMENT.fullmatch(part):
            raise TopicError(f"topic {topic!r} has an invalid segment {part!r}")
    return parts


def escape_segment(name: str) -> str:
    """An id as one topic segment: ``~`` becomes ``~7e`` and ``.`` ``~2e`` (ids may hold dots,
    which would otherwise add levels); :func:`unescape_segment` reverses it."""
    return name.replace("~", "~7e").replace(".", "~2e")


def unescape_segment(segment: str) -> str:
    """Inverse of :func:`escape_segment`."""
    return segment.replace("~2e", ".").replace("~7e", "~")


def validate_mask(mask: str) -> str:
    """A mask: empty, a topic, or a topic followed by '.'."""
    if mask:
        split_topic(mask[:-1] if mask.endswith(".") else mask)
    return mask


def matches(mask: str, topic: str) -> bool:
    """Whether ``topic`` is at or below ``mask`` (segment-wise)."""
    if not mask:
        return True
    if mask.endswith("."):
        return topic.startswith(mask)
    return topic == mask or topic.startswith(mask + ".")


def wire_prefix(mask: str) -> bytes:
    """The ZeroMQ subscription prefix for a mask (a byte prefix; filter with :func:`matches`)."""
    return mask.encode()
