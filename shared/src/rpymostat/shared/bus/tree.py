"""The status tree (ROC's ``emit('system.foo', {...})``): partial updates merge into a tree.

Each topic segment is a level. An update's ``data`` is deep-merged at its topic: keys with
object values merge recursively, ``None`` deletes a key, anything else replaces. The tree
remembers the last sequence number applied per (source, topic), so a snapshot says exactly
which updates it contains.
"""

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .message import Message
from .topics import matches, split_topic, valid_topic


def merge(target: dict[str, Any], update: dict[str, Any], owned: bool = False) -> bool:
    """Deep-merge ``update`` into ``target`` in place (None deletes); True if it deleted.

    ``owned``: the caller hands ``update`` over (freshly decoded), so its values are stored
    without copying.
    """
    deleted = False
    for key, value in update.items():
        if value is None:
            target.pop(key, None)
            deleted = True
        elif type(value) is dict and type(target.get(key)) is dict:
            deleted = merge(target[key], value, owned) or deleted
        elif owned or type(value) in _IMMUTABLE:
            target[key] = value
        else:
            target[key] = copy.deepcopy(value)
    return deleted


_IMMUTABLE = frozenset({str, int, float, bool})


def _prune(node: dict[str, Any], path: Sequence[str]) -> None:
    """Drop empty objects left along ``path`` after deletions."""
    if not path:
        return
    child = node.get(path[0])
    if isinstance(child, dict):
        _prune(child, path[1:])
        if not child:
            del node[path[0]]


@dataclass
class Snapshot:
    """A consistent copy of (part of) the tree and the last seq of each (source, topic) in it."""

    tree: dict[str, Any]
    seqs: dict[tuple[str, str], int]


@dataclass
class StatusTree:
    """The merged state of every update applied so far."""

    root: dict[str, Any] = field(default_factory=dict)
    seqs: dict[tuple[str, str], int] = field(default_factory=dict)

    def apply(self, message: Message, owned: bool = False) -> None:
        """Merge one update at its topic and record its source's sequence number.

        ``owned``: nobody else holds ``message.data`` (see :func:`merge`).
        """
        node = self.root
        path = valid_topic(message.topic)
        for segment in path:
            child = node.get(segment)
            if not isinstance(child, dict):
                child = node[segment] = {}
            node = child
        if merge(node, message.data, owned) or not node:
            _prune(self.root, path)
        key = (message.source, message.topic)
        self.seqs[key] = max(message.seq, self.seqs.get(key, 0))

    def get(self, topic: str) -> Any:
        """The subtree at ``topic`` (None when absent)."""
        return _at(self.root, split_topic(topic))

    def snapshot(self, mask: str = "") -> Snapshot:
        """A deep copy of the subtree under ``mask`` and the seqs of the topics under it."""
        return Snapshot(_masked(self.root, mask),
                        {k: v for k, v in self.seqs.items() if matches(mask, k[1])})


def _at(root: dict[str, Any], path: list[str]) -> Any:
    """The value at ``path``, or None."""
    node: Any = root
    for segment in path:
        if not isinstance(node, dict) or segment not in node:
            return None
        node = node[segment]
    return node


def _masked(root: dict[str, Any], mask: str) -> dict[str, Any]:
    """The subtree at the mask's path, placed at that path (masks match whole segments)."""
    if not mask:
        return copy.deepcopy(root)
    path = mask.rstrip(".").split(".")
    node = _at(root, path)
    if node is None:
        return {}
    out: dict[str, Any] = {}
    target = out
    for segment in path[:-1]:
        target = target.setdefault(segment, {})
    target[path[-1]] = copy.deepcopy(node)
    return out


def snapshot_to_json(snapshot: Snapshot) -> dict[str, Any]:
    """``{"tree": {...}, "seqs": [{"source", "topic", "seq"}, ...]}`` for the REST API."""
    return {"tree": snapshot.tree,
            "seqs": [{"source": s, "topic": t, "seq": n}
                     for (s, t), n in sorted(snapshot.seqs.items())]}


def snapshot_from_json(body: Any) -> Snapshot:
    """Inverse of :func:`snapshot_to_json`; ValueError when the shape is wrong."""
    if not isinstance(body, dict) or not isinstance(body.get("tree"), dict) \
            or not isinstance(body.get("seqs"), list):
        raise ValueError("a snapshot is an object with 'tree' (object) and 'seqs' (list)")
    seqs: dict[tuple[str, str], int] = {}
    for entry in body["seqs"]:
        if not isinstance(entry, dict):
            raise ValueError("each seqs entry must be an object")
        source, topic, seq = entry.get("source"), entry.get("topic"), entry.get("seq")
        if not isinstance(source, str) or not isinstance(topic, str) \
                or isinstance(seq, bool) or not isinstance(seq, int):
            raise ValueError("each seqs entry needs source, topic (strings) and seq (integer)")
        seqs[(source, topic)] = seq
    return Snapshot(body["tree"], seqs)
