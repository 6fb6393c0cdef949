"""Status-bus core: topic masks, message frames, tree merging, late joiners and gaps."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rpymostat.shared.bus.follower import Follower
from rpymostat.shared.bus.message import Message, MessageError, decode
from rpymostat.shared.bus.sequencer import Sequencer
from rpymostat.shared.bus.topics import (
    TopicError,
    escape_segment,
    matches,
    split_topic,
    unescape_segment,
    validate_mask,
)
from rpymostat.shared.bus.tree import StatusTree
from rpymostat.shared.testing import MemoryBus


@pytest.mark.parametrize(("mask", "topic", "expected"), [
    ("", "sensor.pi1.t1", True),
    ("sensor.", "sensor.pi1.t1", True),
    ("sensor.", "sensors.x", False),
    ("zone.house", "zone.house", True),
    ("zone.house", "zone.house.state", True),
    ("zone.house", "zone.household", False),
    ("zone.house.", "zone.house", False),
    ("log.engine", "log", False),
])
def test_masks_match_whole_segments(mask: str, topic: str, expected: bool) -> None:
    """A mask selects its topic and everything below it, never a longer sibling name."""
    assert matches(mask, topic) is expected


@pytest.mark.parametrize("bad", ["", "a..b", ".a", "a.", "a b", "a/b", "x" * 193,
                                 ".".join(["x" * 150] * 5), "é"])
def test_invalid_topics_are_refused(bad: str) -> None:
    """Topics are dotted segments (at most 192) of safe characters, at most 600 long."""
    with pytest.raises(TopicError):
        split_topic(bad)


@given(st.text(alphabet="abcXYZ019._~-", min_size=1, max_size=64))
def test_ids_escape_to_one_segment(name: str) -> None:
    """Any sensor/host id becomes exactly one topic segment, and escaping round-trips."""
    segment = escape_segment(name)
    assert split_topic(f"sensor.{segment}") == ["sensor", segment]
    assert unescape_segment(segment) == name


def test_mask_validation_allows_trailing_dot() -> None:
    """A mask may end with '.'; other invalid masks are refused."""
    assert validate_mask("sensor.") == "sensor."
    with pytest.raises(TopicError):
        validate_mask("sensor..")


def test_frame_round_trip() -> None:
    """A message survives encode/decode and the frame is topic\\0json."""
    message = Message("zone.house.state", "engine", 3, 1.5, {"heating": True, "t": 20.5})
    frame = message.encode()
    assert frame.startswith(b"zone.house.state\0{")
    assert decode(frame) == message


@pytest.mark.parametrize(("frame", "fragment"), [
    (b"no separator", "no topic separator"),
    (b"a..b\0{}", "invalid segment"),
    (b"a\0[]", "JSON object"),
    (b'a\0{"source":"","seq":1,"ts":0,"data":{}}', "source"),
    (b'a\0{"source":"s","seq":0,"ts":0,"data":{}}', "seq"),
    (b'a\0{"source":"s","seq":true,"ts":0,"data":{}}', "seq"),
    (b'a\0{"source":"s","seq":1,"ts":"now","data":{}}', "ts"),
    (b'a\0{"source":"s","seq":1,"ts":0,"data":[]}', "data"),
    (b"a\0\xff", "UTF-8"),
])
def test_bad_frames_are_refused(frame: bytes, fragment: str) -> None:
    """A malformed frame raises MessageError naming the problem."""
    with pytest.raises(MessageError, match=fragment):
        decode(frame)


@given(st.binary(max_size=200))
def test_decode_never_raises_anything_else(frame: bytes) -> None:
    """Any bytes decode to a Message or raise MessageError."""
    try:
        message = decode(frame)
    except MessageError:
        return
    assert isinstance(message, Message) and message.seq >= 1


def test_updates_merge_partially_and_none_deletes() -> None:
    """Partial updates merge; nested objects merge; None deletes and empty levels vanish."""
    seq = Sequencer("engine", lambda: 0.0)
    tree = StatusTree()
    tree.apply(seq.message("zone.house", {"mode": "heat", "target": {"c": 21.0, "why": "x"}}))
    tree.apply(seq.message("zone.house", {"target": {"c": 20.5}}))
    assert tree.get("zone.house") == {"mode": "heat", "target": {"c": 20.5, "why": "x"}}
    tree.apply(seq.message("zone.house.state", {"heating": True}))
    assert tree.get("zone.house.state") == {"heating": True}
    tree.apply(seq.message("zone.house.state", {"heating": None}))
    assert tree.get("zone.house.state") is None
    assert tree.seqs == {("engine", "zone.house"): 2, ("engine", "zone.house.state"): 2}


def test_masked_snapshot_holds_only_its_subtree() -> None:
    """A snapshot under a mask has only that subtree and only its topics' seqs."""
    bus = MemoryBus()
    bus.publish("sensor.pi1.t1", {"value": 20.0}, source="pi1")
    bus.publish("zone.house.state", {"heating": False}, source="engine")
    snap = bus.snapshot("sensor.")
    assert snap.tree == {"sensor": {"pi1": {"t1": {"value": 20.0}}}}
    assert snap.seqs == {("pi1", "sensor.pi1.t1"): 1}
    assert bus.snapshot("nothing.here").tree == {}


TOPICS = ["sensor.pi1.t1", "sensor.pi2.t1", "zone.house", "zone.house.state", "log.engine"]
updates = st.lists(st.tuples(
    st.sampled_from(["engine", "pi1", "pi2"]), st.sampled_from(TOPICS),
    st.dictionaries(st.sampled_from(["a", "b", "c"]),
                    st.none() | st.integers(0, 9) | st.dictionaries(
                        st.sampled_from(["x", "y"]), st.none() | st.integers(0, 9), max_size=2),
                    min_size=1, max_size=3)), max_size=40)


def _publish_all(items) -> list[Message]:  # type: ignore[no-untyped-def]
    bus = MemoryBus()
    return [bus.publish(topic, data, source=source) for source, topic, data in items]


@given(items=updates, cut=st.data(), mask=st.sampled_from(["", "sensor.", "zone.house"]))
def test_late_joiner_gets_exactly_the_tree(items, cut, mask: str) -> None:
    """Subscribe at j, snapshot at k >= j, load at l >= k: the follower ends with exactly the
    tree of every update, none lost or applied twice, and no false gap."""
    messages = _publish_all(items)
    n = len(messages)
    j = cut.draw(st.integers(0, n))
    k = cut.draw(st.integers(j, n))
    load_at = cut.draw(st.integers(k, n))
    reference = StatusTree()
    for m in messages[:k]:
        reference.apply(m)
    snapshot = reference.snapshot(mask)
    follower = Follower(mask)
    for m in messages[j:load_at]:
        assert follower.feed(m) is False
    assert follower.load(snapshot) is False
    for m in messages[load_at:]:
        assert follower.feed(m) is False
    full = StatusTree()
    for m in messages:
        full.apply(m)
    assert follower.tree.root == full.snapshot(mask).tree
    assert follower.gaps == 0


@given(items=updates.filter(lambda xs: len(xs) > 2), pick=st.data())
def test_lost_message_is_a_gap_and_resync_repairs_it(items, pick) -> None:
    """Dropping a message is detected at the next message of its source and topic; a fresh
    snapshot then brings the follower back to the exact tree."""
    messages = _publish_all(items)
    lost = pick.draw(st.integers(0, len(messages) - 1))
    key = (messages[lost].source, messages[lost].topic)
    later = [i for i in range(lost + 1, len(messages))
             if (messages[i].source, messages[i].topic) == key]
    follower = Follower()
    follower.load(StatusTree().snapshot())
    resync_needed = [follower.feed(m) for i, m in enumerate(messages) if i != lost]
    assert any(resync_needed) is bool(later)
    assert follower.gaps == (1 if later else 0)
    if later:
        full = StatusTree()
        for m in messages:
            full.apply(m)
        assert follower.load(full.snapshot()) is False
        assert follower.tree.root == full.root


def test_duplicates_are_ignored() -> None:
    """A message delivered twice is applied once."""
    bus = MemoryBus()
    follower = Follower()
    follower.load(bus.snapshot())
    message = bus.publish("sensor.pi1.t1", {"n": {"x": 1}}, source="pi1")
    follower.feed(message)
    follower.feed(message)
    assert follower.duplicates == 1
    assert follower.tree.get("sensor.pi1.t1") == {"n": {"x": 1}}


def test_memory_bus_subscribe_and_assert_published() -> None:
    """Subscribers get messages under their mask until they unsubscribe; assert_published
    finds a message by topic and data, and says what was seen when it fails."""
    bus = MemoryBus()
    seen: list[str] = []
    unsubscribe = bus.subscribe("sensor.", lambda m: seen.append(m.topic))
    bus.publish("sensor.pi1.t1", {"value": 20.0}, source="pi1")
    bus.publish("zone.house.state", {"heating": True}, source="engine")
    unsubscribe()
    bus.publish("sensor.pi1.t2", {"value": 19.0}, source="pi1")
    assert seen == ["sensor.pi1.t1"]
    assert bus.assert_published("zone.house.state", heating=True).source == "engine"
    with pytest.raises(AssertionError, match="topics seen"):
        bus.assert_published("zone.house.state", heating=False)


def test_buffer_overflow_while_syncing_asks_for_a_new_snapshot() -> None:
    """Past max_buffer waiting messages the follower asks to resync and counts an overflow,
    not a gap (nothing was lost on the wire)."""
    follower = Follower("sensor.", max_buffer=2)
    seq = Sequencer("pi1")
    needs = [follower.feed(seq.message("sensor.pi1.t1", {"n": i})) for i in range(3)]
    assert needs == [False, False, True]
    assert follower.overflows == 1 and follower.gaps == 0 and follower.syncing


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), [1.0, float("-inf")],
                                 {"deep": float("nan")}])
def test_non_finite_numbers_are_refused_when_encoding(bad: object) -> None:
    """NaN and infinities are not JSON: encoding refuses them (orjson would write null)."""
    with pytest.raises(ValueError, match="JSON"):
        Message("a.b", "s", 1, 0.0, {"v": bad}).encode()


def test_none_values_still_encode() -> None:
    """A null (a deletion) is fine when every number is finite."""
    frame = Message("a.b", "s", 1, 0.0, {"v": None, "w": 1.5}).encode()
    assert decode(frame).data == {"v": None, "w": 1.5}
