"""Tests for the MongoDB wire-protocol test double, driven by txmongo over a real socket.

These prove that ``MongoWireDouble`` (a test double backed by mongomock, NOT a MongoDB
server) speaks enough of the wire protocol for the txmongo client used by the project:
the OP_QUERY handshake, OP_MSG commands with document sequences, server-side cursors,
write errors and connection-level robustness.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import bson
import pytest
import pytest_twisted  # type: ignore[import-untyped]
from bson.codec_options import CodecOptions
from pymongo.errors import BulkWriteError, CursorNotFound, DuplicateKeyError, OperationFailure
from txmongo import filter as qf
from txmongo.collection import Collection
from txmongo.connection import ConnectionPool

from .mongo_double import (
    MSG_CHECKSUM_PRESENT,
    MSG_MORE_TO_COME,
    OP_MSG,
    OP_QUERY,
    OP_REPLY,
    MongoWireDouble,
    crc32c,
)


@pytest.fixture(scope="module")
def double() -> Iterator[MongoWireDouble]:
    server = MongoWireDouble()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest_twisted.async_yield_fixture
async def pool(double: MongoWireDouble) -> AsyncIterator[ConnectionPool]:
    double.reset()
    connection = ConnectionPool(double.uri())
    try:
        yield connection
    finally:
        await connection.disconnect()


@pytest.fixture
def readings(pool: ConnectionPool) -> Collection:
    return pool.get_default_database()["readings"]


def reading(sensor: str, ts: int, temp: float) -> dict:
    return {"sensor": sensor, "ts": ts, "temp": temp}


async def unique_sensor_ts_index(coll: Collection) -> None:
    await coll.create_index(qf.sort(qf.ASCENDING("sensor") + qf.ASCENDING("ts")), unique=True)


@pytest_twisted.ensureDeferred
async def test_handshake_reports_modern_primary(pool: ConnectionPool) -> None:
    """txmongo completes its OP_QUERY ismaster handshake, and hello/buildInfo over OP_MSG
    report a writable primary whose wire version (>= 7, MongoDB 4.0+) txmongo accepts."""
    hello = await pool.admin.command("hello")
    info = await pool.admin.command("buildInfo")
    assert hello["isWritablePrimary"] is True
    assert hello["maxWireVersion"] >= 7
    assert info["versionArray"][0] >= 4
    assert await pool.admin.command("ping") == {"ok": 1.0}


@pytest_twisted.ensureDeferred
async def test_insert_many_then_find_with_sort_limit_projection(readings: Collection) -> None:
    """insert_many sends a document sequence; find applies filter, sort, skip, limit and
    projection server-side and returns exactly the requested documents."""
    docs = [reading("hall", ts, 18.0 + ts) for ts in range(6)] + [reading("attic", 9, 30.0)]
    result = await readings.insert_many(docs)
    assert len(result.inserted_ids) == 7

    found = await readings.find(
        {"sensor": "hall"},
        projection={"_id": False, "ts": True, "temp": True},
        sort=qf.sort(qf.DESCENDING("ts")),
        skip=1,
        limit=3,
    )
    assert found == [{"ts": 4, "temp": 22.0}, {"ts": 3, "temp": 21.0}, {"ts": 2, "temp": 20.0}]


@pytest_twisted.ensureDeferred
async def test_duplicate_on_unique_compound_index_raises_11000(readings: Collection) -> None:
    """A unique compound index is enforced: insert_one of a duplicate raises txmongo's
    DuplicateKeyError with code 11000 and the original document survives unchanged."""
    await unique_sensor_ts_index(readings)
    await readings.insert_one(reading("hall", 1, 20.0))
    with pytest.raises(DuplicateKeyError) as excinfo:
        await readings.insert_one(reading("hall", 1, 99.0))
    assert excinfo.value.code == 11000
    assert await readings.find({}, projection={"_id": 0}) == [reading("hall", 1, 20.0)]
    index_info = await readings.index_information()
    assert index_info["sensor_1_ts_1"]["unique"] is True


@pytest_twisted.ensureDeferred
async def test_ordered_insert_many_stops_at_duplicate(readings: Collection) -> None:
    """Ordered insert_many stops at the first duplicate: BulkWriteError reports the failing
    index with code 11000 and only the documents before it are stored."""
    await unique_sensor_ts_index(readings)
    docs = [reading("hall", 1, 1.0), reading("hall", 1, 2.0), reading("hall", 2, 3.0)]
    with pytest.raises(BulkWriteError) as excinfo:
        await readings.insert_many(docs)
    details = excinfo.value.details
    assert details["nInserted"] == 1
    assert [(e["index"], e["code"]) for e in details["writeErrors"]] == [(1, 11000)]
    assert await readings.count_documents({}) == 1


@pytest_twisted.ensureDeferred
async def test_unordered_insert_many_keeps_non_duplicates(readings: Collection) -> None:
    """Unordered insert_many attempts every document: duplicates come back as 11000 write
    errors (BulkWriteError) while all non-duplicates are inserted."""
    await unique_sensor_ts_index(readings)
    await readings.insert_one(reading("hall", 2, 0.0))
    docs = [reading("hall", ts, float(ts)) for ts in (1, 2, 3, 3, 4)]
    with pytest.raises(BulkWriteError) as excinfo:
        await readings.insert_many(docs, ordered=False)
    details = excinfo.value.details
    assert details["nInserted"] == 3
    assert [(e["index"], e["code"]) for e in details["writeErrors"]] == [(1, 11000), (3, 11000)]
    by_ts = qf.sort(qf.ASCENDING("ts"))
    stored = await readings.find({}, projection={"_id": 0, "ts": 1}, sort=by_ts)
    assert [doc["ts"] for doc in stored] == [1, 2, 3, 4]


@pytest_twisted.ensureDeferred
async def test_update_one_upsert_with_set_on_insert_and_max(readings: Collection) -> None:
    """update_one(upsert=True) inserts once (applying $setOnInsert and reporting the upserted
    _id), then updates in place: $setOnInsert is skipped and $max keeps the larger value."""
    query = {"sensor": "hall"}
    first = await readings.update_one(
        query,
        {"$set": {"temp": 20.5}, "$setOnInsert": {"created": 1}, "$max": {"peak": 20.5}},
        upsert=True,
    )
    assert first.upserted_id is not None
    assert (first.matched_count, first.modified_count) == (0, 0)

    second = await readings.update_one(
        query,
        {"$set": {"temp": 19.0}, "$setOnInsert": {"created": 2}, "$max": {"peak": 19.0}},
        upsert=True,
    )
    assert second.upserted_id is None
    assert (second.matched_count, second.modified_count) == (1, 1)
    doc = await readings.find_one(query)
    assert doc["_id"] == first.upserted_id
    assert (doc["temp"], doc["created"], doc["peak"]) == (19.0, 1, 20.5)


@pytest_twisted.ensureDeferred
async def test_update_many_with_inc_and_unset(readings: Collection) -> None:
    """update_many modifies every matching document ($inc, $unset) and reports the counts;
    non-matching documents are untouched."""
    await readings.insert_many(
        [reading("hall", ts, 20.0) for ts in range(3)] + [reading("attic", 7, 25.0)]
    )
    result = await readings.update_many(
        {"sensor": "hall"}, {"$inc": {"temp": 1.5}, "$unset": {"ts": ""}}
    )
    assert (result.matched_count, result.modified_count) == (3, 3)
    hall = await readings.find({"sensor": "hall"}, projection={"_id": 0})
    assert hall == [{"sensor": "hall", "temp": 21.5}] * 3
    attic = await readings.find_one({"sensor": "attic"}, projection={"_id": 0})
    assert attic == reading("attic", 7, 25.0)


@pytest_twisted.ensureDeferred
async def test_delete_one_and_delete_many(readings: Collection) -> None:
    """delete_one removes exactly one match (limit 1); delete_many removes all matches."""
    await readings.insert_many(
        [reading("hall", ts, 20.0) for ts in range(4)] + [reading("attic", 1, 25.0)]
    )
    one = await readings.delete_one({"sensor": "hall"})
    assert one.deleted_count == 1
    assert await readings.count_documents({"sensor": "hall"}) == 3
    many = await readings.delete_many({"sensor": "hall"})
    assert many.deleted_count == 3
    assert await readings.find({}, projection={"_id": 0}) == [reading("attic", 1, 25.0)]


@pytest_twisted.ensureDeferred
async def test_count_documents(readings: Collection) -> None:
    """count_documents (an aggregate $match/$group pipeline in txmongo) counts matches,
    honours skip/limit, and returns 0 for no matches or a missing collection."""
    await readings.insert_many([reading("hall", ts, float(ts)) for ts in range(10)])
    assert await readings.count_documents({}) == 10
    assert await readings.count_documents({"temp": {"$gte": 7}}) == 3
    assert await readings.count_documents({}, skip=2, limit=5) == 5
    assert await readings.count_documents({"sensor": "none"}) == 0
    assert await readings.database["missing"].count_documents({}) == 0


@pytest_twisted.ensureDeferred
async def test_find_larger_than_batch_size_uses_get_more(readings: Collection) -> None:
    """A find returning more documents than batchSize keeps a server-side cursor: the first
    batch is batchSize long, getMore returns the rest in order, and the cursor id drops to 0
    once exhausted."""
    await readings.insert_many([reading("hall", ts, 0.0) for ts in range(250)])
    cursor = readings.find({}, projection={"_id": 0, "ts": 1}, batch_size=100)
    cursor.sort(qf.ASCENDING("ts"))
    sizes: list[int] = []
    seen: list[int] = []
    cursor_ids: list[int] = []
    while not cursor.exhausted:
        batch = await cursor.next_batch()
        sizes.append(len(batch))
        cursor_ids.append(cursor.cursor_id)
        seen.extend(doc["ts"] for doc in batch)
    assert sizes == [100, 100, 50]
    assert cursor_ids[0] != 0 and cursor_ids[-1] == 0
    assert seen == list(range(250))


@pytest_twisted.ensureDeferred
async def test_kill_cursors_closes_server_side_cursor(readings: Collection) -> None:
    """killCursors removes an open cursor; a later getMore on it fails with CursorNotFound."""
    await readings.insert_many([reading("hall", ts, 0.0) for ts in range(5)])
    cursor = readings.find({}, batch_size=2)
    assert len(await cursor.next_batch()) == 2
    cursor_id = cursor.cursor_id
    db = readings.database
    killed = await db.command({"killCursors": "readings", "cursors": [cursor_id]})
    assert killed["cursorsKilled"] == [cursor_id]
    with pytest.raises(CursorNotFound):
        await db.command({"getMore": cursor_id, "collection": "readings"})


@pytest_twisted.ensureDeferred
async def test_aggregate_match_group_sort(readings: Collection) -> None:
    """aggregate runs a $match/$group/$sort pipeline through mongomock and returns the
    grouped results in the requested order."""
    docs = [
        reading("hall", 1, 20.0),
        reading("hall", 2, 22.0),
        reading("attic", 1, 30.0),
        reading("attic", 2, 34.0),
        reading("cellar", 1, 10.0),
        reading("hall", 3, -5.0),
    ]
    await readings.insert_many(docs)
    result = await readings.aggregate(
        [
            {"$match": {"temp": {"$gt": 0}}},
            {"$group": {"_id": "$sensor", "avg": {"$avg": "$temp"}, "n": {"$sum": 1}}},
            {"$sort": {"avg": -1}},
        ]
    )
    assert result == [
        {"_id": "attic", "avg": 32.0, "n": 2},
        {"_id": "hall", "avg": 21.0, "n": 2},
        {"_id": "cellar", "avg": 10.0, "n": 1},
    ]


@pytest_twisted.ensureDeferred
async def test_find_one(readings: Collection) -> None:
    """find_one returns the first document by sort with the projection applied, or None when
    nothing matches."""
    await readings.insert_many([reading("hall", ts, float(ts)) for ts in (3, 1, 2)])
    latest = await readings.find_one(
        {"sensor": "hall"}, projection={"_id": 0, "ts": 1}, sort=qf.sort(qf.DESCENDING("ts"))
    )
    assert latest == {"ts": 3}
    assert await readings.find_one({"sensor": "nowhere"}) is None


@pytest_twisted.ensureDeferred
async def test_find_one_and_update_returns_after_document(readings: Collection) -> None:
    """findAndModify: find_one_and_update with upsert creates the document and, with
    return_document=AFTER, returns the post-update document."""
    doc = await readings.find_one_and_update(
        {"sensor": "hall"},
        {"$inc": {"count": 1}},
        upsert=True,
        return_document=True,
        projection={"_id": 0},
    )
    assert doc == {"sensor": "hall", "count": 1}
    before = await readings.find_one_and_update(
        {"sensor": "hall"}, {"$inc": {"count": 1}}, projection={"_id": 0}
    )
    assert before == {"sensor": "hall", "count": 1}


@pytest_twisted.ensureDeferred
async def test_drop_collection(readings: Collection) -> None:
    """drop removes the collection and its documents; dropping it again is tolerated by
    txmongo (the double answers 'ns not found', which txmongo allows)."""
    await readings.insert_one(reading("hall", 1, 20.0))
    db = readings.database
    assert "readings" in await db.collection_names()
    await readings.drop()
    assert "readings" not in await db.collection_names()
    assert await readings.count_documents({}) == 0
    await readings.drop()


@pytest_twisted.ensureDeferred
async def test_unknown_command_fails_without_dropping_connection(pool: ConnectionPool) -> None:
    """An unknown command is answered with ok:0 and code 59; the connection keeps working."""
    with pytest.raises(OperationFailure) as excinfo:
        await pool.admin.command("frobnicate")
    assert excinfo.value.code == 59
    assert "no such command" in str(excinfo.value)
    assert (await pool.admin.command("ping"))["ok"] == 1.0


@pytest_twisted.ensureDeferred
async def test_datetimes_round_trip_as_utc(pool: ConnectionPool) -> None:
    """Datetimes round-trip at millisecond precision; with tz_aware codec options txmongo
    gets them back as UTC-aware values (its default codec returns naive UTC)."""
    stamp = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    db = pool.get_default_database()
    await db["events"].insert_one({"at": stamp})
    aware = db["events"].with_options(codec_options=CodecOptions(tz_aware=True))
    doc = await aware.find_one({"at": {"$gte": stamp.replace(microsecond=0)}})
    assert doc["at"] == stamp.replace(microsecond=123000)
    assert doc["at"].utcoffset().total_seconds() == 0
    naive = await db["events"].find_one({})
    assert naive["at"] == datetime(2024, 5, 6, 7, 8, 9, 123000)


def recv_exact(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("closed by the double")
        data += chunk
    return data


def read_reply(sock: socket.socket) -> tuple[int, int, bytes]:
    """Read one reply; return (responseTo, opCode, payload after the header)."""
    length, _, response_to, opcode = struct.unpack("<iiii", recv_exact(sock, 16))
    return response_to, opcode, recv_exact(sock, length - 16)


def msg_body(payload: bytes) -> dict:
    """Decode the kind-0 body of an OP_MSG reply payload (flagBits, kind byte, document)."""
    assert payload[:5] == b"\x00\x00\x00\x00\x00"
    return bson.decode(payload[5:])


def send_raw(port: int, payload: bytes) -> bytes:
    """Send raw bytes to the double and return whatever it answers before closing."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(payload)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def op_msg(
    body: dict | bytes,
    *,
    request_id: int = 7,
    flags: int = 0,
    sequences: dict[str, list[dict]] | None = None,
    checksum: bool = False,
) -> bytes:
    """Build an OP_MSG by hand: a kind-0 body, optional kind-1 sequences and checksum."""
    raw_body = body if isinstance(body, bytes) else bson.encode(body)
    sections = [b"\x00" + raw_body]
    for identifier, docs in (sequences or {}).items():
        seq = identifier.encode() + b"\x00" + b"".join(bson.encode(doc) for doc in docs)
        sections.append(b"\x01" + struct.pack("<i", 4 + len(seq)) + seq)
    flags |= MSG_CHECKSUM_PRESENT if checksum else 0
    payload = struct.pack("<I", flags) + b"".join(sections)
    size = 16 + len(payload) + (4 if checksum else 0)
    message = struct.pack("<iiii", size, request_id, 0, OP_MSG) + payload
    return message + struct.pack("<I", crc32c(message)) if checksum else message


def op_query(namespace: str, query: dict, request_id: int = 9) -> bytes:
    payload = struct.pack("<i", 0) + namespace.encode() + b"\x00"
    payload += struct.pack("<ii", 0, -1) + bson.encode(query)
    return struct.pack("<iiii", 16 + len(payload), request_id, 0, OP_QUERY) + payload


def test_crc32c_matches_reference_vector() -> None:
    """The OP_MSG checksum uses CRC-32C (Castagnoli): check the standard test vector."""
    assert crc32c(b"123456789") == 0xE3069283


def test_op_query_handshake_gets_op_reply(double: MongoWireDouble) -> None:
    """The legacy handshake (OP_QUERY {ismaster: 1} on admin.$cmd) is answered with an
    OP_REPLY holding one document that reports a writable primary, wire version >= 7;
    OP_QUERY on a normal collection gets a QueryFailure reply, as modern servers do."""
    with socket.create_connection(("127.0.0.1", double.port), timeout=5) as sock:
        sock.sendall(op_query("admin.$cmd", {"ismaster": 1}, request_id=31))
        response_to, opcode, payload = read_reply(sock)
        flags, cursor_id, _, returned = struct.unpack("<iqii", payload[:20])
        hello = bson.decode(payload[20:])
        sock.sendall(op_query("rpymostat_test.readings", {}, request_id=32))
        _, _, failure = read_reply(sock)
    assert (response_to, opcode, flags, cursor_id, returned) == (31, OP_REPLY, 0, 0, 1)
    assert hello["ismaster"] is True and hello["maxWireVersion"] >= 7
    assert struct.unpack("<i", failure[:4])[0] & 2  # QueryFailure flag
    assert bson.decode(failure[20:])["code"] == 352


def test_op_msg_document_sequence_checksum_and_more_to_come(double: MongoWireDouble) -> None:
    """Hand-built OP_MSGs: a checksummed insert whose documents travel in a kind-1
    sequence, then a moreToCome (fire-and-forget) insert that gets no reply at all, then a
    find whose reply answers the find's own request id and sees all three documents."""
    double.reset()
    insert = {"insert": "raw", "$db": "rawdb"}
    docs = [{"_id": 1}, {"_id": 2}]
    with socket.create_connection(("127.0.0.1", double.port), timeout=5) as sock:
        sock.sendall(op_msg(insert, request_id=41, sequences={"documents": docs}, checksum=True))
        response_to, opcode, payload = read_reply(sock)
        assert (response_to, opcode, msg_body(payload)) == (41, OP_MSG, {"n": 2, "ok": 1.0})
        unacked = {**insert, "documents": [{"_id": 3}]}
        sock.sendall(op_msg(unacked, request_id=42, flags=MSG_MORE_TO_COME))
        sock.sendall(op_msg({"find": "raw", "$db": "rawdb", "sort": {"_id": 1}}, request_id=43))
        response_to, _, payload = read_reply(sock)
    assert response_to == 43
    assert msg_body(payload)["cursor"]["firstBatch"] == [{"_id": 1}, {"_id": 2}, {"_id": 3}]


@pytest_twisted.ensureDeferred
async def test_malformed_messages_close_only_that_connection(
    double: MongoWireDouble, pool: ConnectionPool
) -> None:
    """A bad length, corrupt BSON, a bad checksum or an unknown opcode closes only the
    offending connection (nothing is sent back) while an established txmongo connection
    keeps being served."""
    assert (await pool.admin.command("ping"))["ok"] == 1.0
    bad_checksum = op_msg({"ping": 1, "$db": "admin"}, checksum=True)[:-1] + b"\x00"
    assert send_raw(double.port, struct.pack("<iiii", 10, 1, 0, OP_MSG)) == b""
    assert send_raw(double.port, op_msg(b"\x0c\x00\x00\x00garbage!")) == b""
    assert send_raw(double.port, bad_checksum) == b""
    assert send_raw(double.port, struct.pack("<iiii", 16, 1, 0, 9999)) == b""
    assert (await pool.admin.command("ping"))["ok"] == 1.0


def test_stop_closes_client_connections_and_listener() -> None:
    """stop() closes open client connections and the listening socket, and joins the
    threads it started."""
    server = MongoWireDouble()
    server.start()
    port = server.port
    prefix = f"mongo-double-{port}-"
    before = {t.name for t in threading.enumerate() if t.name.startswith(prefix)}
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(op_msg({"ping": 1, "$db": "admin"}))
    read_reply(sock)
    server.stop()
    try:
        assert sock.recv(1) == b""
    finally:
        sock.close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    after = {t.name for t in threading.enumerate() if t.name.startswith(prefix)}
    assert before == {prefix + "listener"}
    assert after == set()
