"""A MongoDB wire-protocol TEST DOUBLE backed by mongomock.

This is NOT a MongoDB server. It is a small TCP server that speaks just enough
of the MongoDB wire protocol (OP_MSG, plus OP_QUERY/OP_REPLY for the legacy
``ismaster`` handshake) for the ``txmongo`` client to run against it over a
real socket, while the data lives in an in-memory ``mongomock`` client.

It exists so that tests can exercise txmongo-based code end to end (framing,
BSON encoding, cursors, write errors) on machines without a ``mongod``. Its
behaviour is only as faithful as mongomock's; anything it cannot do is reported
as a command error (code 238, ``NotImplemented``) rather than silently faked.

It runs on plain threads and sockets, never on the Twisted reactor, so it can
run beside a reactor in the same process (e.g. under pytest-twisted).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import socket
import socketserver
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Self

import bson
import mongomock
from bson.binary import UuidRepresentation
from bson.codec_options import CodecOptions
from bson.errors import BSONError
from bson.int64 import Int64
from mongomock.filtering import filter_applies
from pymongo.errors import CollectionInvalid, DuplicateKeyError, OperationFailure

__all__ = ["MongoWireDouble"]

log = logging.getLogger(__name__)

OP_REPLY = 1
OP_QUERY = 2004
OP_MSG = 2013

MSG_CHECKSUM_PRESENT = 1 << 0
MSG_MORE_TO_COME = 1 << 1
MSG_EXHAUST_ALLOWED = 1 << 16
_KNOWN_MSG_FLAGS = MSG_CHECKSUM_PRESENT | MSG_MORE_TO_COME | MSG_EXHAUST_ALLOWED
_REQUIRED_FLAG_MASK = 0xFFFF  # bits 0-15 must be understood by the receiver

REPLY_QUERY_FAILURE = 1 << 1

MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024
MAX_MESSAGE_SIZE = 48_000_000
MAX_WRITE_BATCH_SIZE = 100_000
DEFAULT_BATCH_SIZE = 101
LOGICAL_SESSION_TIMEOUT_MINUTES = 30

_HEADER = struct.Struct("<iiii")
_INT32 = struct.Struct("<i")
_UINT32 = struct.Struct("<I")

# Documents are decoded tz-aware (UTC) so datetimes are unambiguous; mongomock
# stores them as naive UTC internally and hands them back tz-aware because the
# mongomock client is created with tz_aware=True. UUIDs stay as bson Binary so
# they round-trip byte for byte whatever representation the client uses.
CODEC_OPTIONS: CodecOptions[dict[str, Any]] = CodecOptions(
    tz_aware=True,
    tzinfo=UTC,
    uuid_representation=UuidRepresentation.UNSPECIFIED,
)

# MongoDB release (major, minor) -> maxWireVersion it reports.
_WIRE_VERSIONS = {
    (4, 0): 7,
    (4, 2): 8,
    (4, 4): 9,
    (5, 0): 13,
    (5, 1): 14,
    (5, 2): 15,
    (5, 3): 16,
    (6, 0): 17,
    (6, 1): 18,
    (6, 2): 19,
    (6, 3): 20,
    (7, 0): 21,
    (7, 1): 22,
    (7, 2): 23,
    (7, 3): 24,
    (8, 0): 25,
}

_TRANSACTION_MSG = "Transaction numbers are only allowed on a replica set member or mongos"


class ProtocolError(Exception):
    """A malformed or unsupported message: the connection that sent it is closed."""


class CommandError(Exception):
    """A command failed; turned into an ``{ok: 0, errmsg, code, codeName}`` reply."""

    def __init__(self, code: int, errmsg: str, code_name: str) -> None:
        super().__init__(errmsg)
        self.code = code
        self.errmsg = errmsg
        self.code_name = code_name

    def to_doc(self) -> dict[str, Any]:
        return error_doc(self.code, self.errmsg, self.code_name)


def error_doc(code: int, errmsg: str, code_name: str = "") -> dict[str, Any]:
    doc: dict[str, Any] = {"ok": 0.0, "errmsg": errmsg, "code": code}
    if code_name:
        doc["codeName"] = code_name
    return doc


def not_implemented(what: str) -> CommandError:
    return CommandError(238, f"{what} is not supported by MongoWireDouble", "NotImplemented")


# --------------------------------------------------------------------------- wire format


@dataclass(frozen=True)
class Header:
    length: int
    request_id: int
    response_to: int
    opcode: int


@dataclass(frozen=True)
class Request:
    """A decoded request: the command, its database and how to answer it."""

    header: Header
    db: str | None
    command: dict[str, Any]
    more_to_come: bool = False


def decode_doc(data: bytes) -> dict[str, Any]:
    try:
        return bson.decode(data, codec_options=CODEC_OPTIONS)
    except (BSONError, ValueError, TypeError, IndexError, struct.error) as exc:
        raise ProtocolError(f"invalid BSON document: {exc}") from exc


def encode_doc(doc: dict[str, Any]) -> bytes:
    return bson.encode(doc, codec_options=CODEC_OPTIONS)


def take_doc(data: bytes, offset: int, end: int) -> tuple[dict[str, Any], int]:
    """Decode the BSON document at ``offset``; return it and the offset after it."""
    if offset + 4 > end:
        raise ProtocolError("truncated BSON document")
    (size,) = _INT32.unpack_from(data, offset)
    if size < 5 or offset + size > end:
        raise ProtocolError(f"bad BSON document size {size}")
    return decode_doc(data[offset : offset + size]), offset + size


def take_cstring(data: bytes, offset: int, end: int) -> tuple[str, int]:
    nul = data.find(b"\x00", offset, end)
    if nul < 0:
        raise ProtocolError("unterminated cstring")
    try:
        return data[offset:nul].decode("utf-8"), nul + 1
    except UnicodeDecodeError as exc:
        raise ProtocolError("cstring is not UTF-8") from exc


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli), as used by the optional OP_MSG checksum."""
    crc = 0xFFFFFFFF
    table = _crc32c_table()
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


@functools.cache
def _crc32c_table() -> tuple[int, ...]:
    table = []
    for index in range(256):
        crc = index
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


def parse_sequence(data: bytes, offset: int, end: int) -> tuple[str, list[dict[str, Any]], int]:
    """Parse an OP_MSG kind-1 section (document sequence) starting at its size field."""
    if offset + 4 > end:
        raise ProtocolError("truncated document sequence")
    (size,) = _INT32.unpack_from(data, offset)
    seq_end = offset + size
    if size < 5 or seq_end > end:
        raise ProtocolError(f"bad document sequence size {size}")
    identifier, pos = take_cstring(data, offset + 4, seq_end)
    docs = []
    while pos < seq_end:
        doc, pos = take_doc(data, pos, seq_end)
        docs.append(doc)
    return identifier, docs, seq_end


def check_msg_flags(flags: int, message: bytes) -> int:
    """Validate OP_MSG flag bits (and checksum); return where the sections end."""
    unknown_required = flags & _REQUIRED_FLAG_MASK & ~_KNOWN_MSG_FLAGS
    if unknown_required:
        raise ProtocolError(f"unknown required OP_MSG flag bits {unknown_required:#x}")
    if not flags & MSG_CHECKSUM_PRESENT:
        return len(message)
    if len(message) < _HEADER.size + 8:
        raise ProtocolError("OP_MSG too short for its checksum")
    (expected,) = _UINT32.unpack_from(message, len(message) - 4)
    if crc32c(message[:-4]) != expected:
        raise ProtocolError("OP_MSG checksum mismatch")
    return len(message) - 4


def parse_op_msg(header: Header, message: bytes) -> Request:
    """Parse a whole OP_MSG (header included) into a Request."""
    offset = _HEADER.size
    if len(message) < offset + 5:
        raise ProtocolError("OP_MSG too short")
    (flags,) = _UINT32.unpack_from(message, offset)
    end = check_msg_flags(flags, message)
    body, sequences = parse_sections(message, offset + 4, end)
    for identifier, docs in sequences.items():
        if identifier in body:
            raise ProtocolError(f"duplicate field {identifier!r} in body and sequence")
        body[identifier] = docs
    db = body.pop("$db", None)
    return Request(header, db, body, more_to_come=bool(flags & MSG_MORE_TO_COME))


def parse_sections(
    message: bytes, offset: int, end: int
) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    body: dict[str, Any] | None = None
    sequences: dict[str, list[dict[str, Any]]] = {}
    while offset < end:
        kind = message[offset]
        if kind == 0 and body is None:
            body, offset = take_doc(message, offset + 1, end)
        elif kind == 1:
            identifier, docs, offset = parse_sequence(message, offset + 1, end)
            if identifier in sequences:
                raise ProtocolError(f"duplicate document sequence {identifier!r}")
            sequences[identifier] = docs
        else:
            raise ProtocolError(f"unexpected OP_MSG section kind {kind}")
    if body is None:
        raise ProtocolError("OP_MSG without a body section")
    return body, sequences


def parse_op_query(header: Header, message: bytes) -> tuple[str, dict[str, Any]]:
    """Parse an OP_QUERY; return (full collection name, query document)."""
    end = len(message)
    offset = _HEADER.size + 4  # skip flags
    namespace, offset = take_cstring(message, offset, end)
    offset += 8  # numberToSkip, numberToReturn
    query, offset = take_doc(message, offset, end)
    if offset < end:
        take_doc(message, offset, end)  # returnFieldsSelector: validated, unused
    return namespace, query


def frame(request_id: int, response_to: int, opcode: int, payload: bytes) -> bytes:
    return _HEADER.pack(_HEADER.size + len(payload), request_id, response_to, opcode) + payload


def encode_op_msg(request_id: int, response_to: int, doc: dict[str, Any]) -> bytes:
    return frame(request_id, response_to, OP_MSG, _UINT32.pack(0) + b"\x00" + encode_doc(doc))


def encode_op_reply(
    request_id: int, response_to: int, doc: dict[str, Any], flags: int = 0
) -> bytes:
    payload = struct.pack("<iqii", flags, 0, 0, 1) + encode_doc(doc)
    return frame(request_id, response_to, OP_REPLY, payload)


def recv_exact(sock: socket.socket, size: int) -> bytes:
    chunks = []
    remaining = size
    while remaining:
        chunk = sock.recv(min(remaining, 1 << 20))
        if not chunk:
            raise ProtocolError("connection closed mid-message")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_message(sock: socket.socket) -> tuple[Header, bytes] | None:
    """Read one message; None on a clean EOF between messages."""
    first = sock.recv(4)
    if not first:
        return None
    prefix = first + recv_exact(sock, 4 - len(first)) if len(first) < 4 else first
    (length,) = _INT32.unpack(prefix)
    if length < _HEADER.size or length > MAX_MESSAGE_SIZE:
        raise ProtocolError(f"bad message length {length}")
    message = prefix + recv_exact(sock, length - 4)
    return Header(*_HEADER.unpack_from(message)), message


# --------------------------------------------------------------------------- cursors


@dataclass
class _Cursor:
    namespace: str
    docs: list[dict[str, Any]]
    position: int = 0

    def take(self, batch_size: int | None) -> list[dict[str, Any]]:
        stop = len(self.docs) if batch_size is None else self.position + batch_size
        batch = self.docs[self.position : stop]
        self.position += len(batch)
        return batch

    @property
    def exhausted(self) -> bool:
        return self.position >= len(self.docs)


def batch_size_of(value: Any, default: int | None) -> int | None:
    if value is None:
        return default
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
        raise CommandError(2, f"BatchSize value must be non-negative, got {value!r}", "BadValue")
    return int(value)


class CursorStore:
    """Server-side cursors over fully materialised result lists."""

    def __init__(self) -> None:
        self._cursors: dict[int, _Cursor] = {}
        self._ids = itertools.count(1_000_001)

    def clear(self) -> None:
        self._cursors.clear()

    def open(
        self, namespace: str, docs: list[dict[str, Any]], batch_size: Any, single: bool = False
    ) -> dict[str, Any]:
        cursor = _Cursor(namespace, docs)
        first = cursor.take(batch_size_of(batch_size, DEFAULT_BATCH_SIZE))
        cursor_id = 0
        if not (single or cursor.exhausted):
            cursor_id = next(self._ids)
            self._cursors[cursor_id] = cursor
        return {"cursor": {"id": Int64(cursor_id), "ns": namespace, "firstBatch": first}}

    def get_more(self, cursor_id: Any, namespace: str, batch_size: Any) -> dict[str, Any]:
        cursor = self._cursors.get(cursor_id) if isinstance(cursor_id, int) else None
        if cursor is None:
            raise CommandError(43, f"cursor id {cursor_id} not found", "CursorNotFound")
        if cursor.namespace != namespace:
            msg = f"Requested getMore on namespace '{namespace}', but cursor belongs to a "
            raise CommandError(13, msg + f"different namespace {cursor.namespace}", "Unauthorized")
        batch = cursor.take(batch_size_of(batch_size, None))
        if cursor.exhausted:
            del self._cursors[cursor_id]
            cursor_id = 0
        return {"cursor": {"id": Int64(cursor_id), "ns": namespace, "nextBatch": batch}}

    def kill(self, cursor_ids: list[Any]) -> dict[str, Any]:
        killed = [cid for cid in cursor_ids if self._cursors.pop(cid, None) is not None]
        missing = [cid for cid in cursor_ids if cid not in killed]
        return {
            "cursorsKilled": killed,
            "cursorsNotFound": missing,
            "cursorsAlive": [],
            "cursorsUnknown": [],
        }


# --------------------------------------------------------------------------- helpers


def sort_spec(sort: Any) -> list[tuple[str, Any]] | None:
    if not sort:
        return None
    if not isinstance(sort, dict):
        raise CommandError(14, "Expected field sort to be of type object", "TypeMismatch")
    return list(sort.items())


def is_operator_update(update: Any) -> bool:
    return isinstance(update, dict) and bool(update) and next(iter(update)).startswith("$")


def exception_message(exc: BaseException) -> str:
    return str(exc.args[0]) if exc.args else type(exc).__name__


def write_error(index: int, exc: Exception, namespace: str) -> dict[str, Any]:
    """Turn an exception raised by one write into a ``writeErrors`` entry."""
    if isinstance(exc, DuplicateKeyError):
        msg = f"E11000 duplicate key error collection: {namespace}"
        return {"index": index, "code": 11000, "errmsg": msg}
    if isinstance(exc, CommandError):
        return {"index": index, "code": exc.code, "errmsg": exc.errmsg}
    if isinstance(exc, OperationFailure):
        return {"index": index, "code": exc.code or 2, "errmsg": exception_message(exc)}
    if isinstance(exc, NotImplementedError):
        return {"index": index, "code": 238, "errmsg": f"mongomock: {exception_message(exc)}"}
    return {"index": index, "code": 2, "errmsg": exception_message(exc)}


_WRITE_EXCEPTIONS = (OperationFailure, CommandError, NotImplementedError, ValueError, TypeError)


def run_writes(
    namespace: str, ops: list[Any], ordered: bool, apply: Callable[[Any], int]
) -> tuple[int, list[dict[str, Any]]]:
    """Apply each op; return (sum of apply() results, writeErrors). Ordered stops at an error."""
    total = 0
    errors: list[dict[str, Any]] = []
    for index, op in enumerate(ops):
        try:
            total += apply(op)
        except _WRITE_EXCEPTIONS as exc:
            errors.append(write_error(index, exc, namespace))
            if ordered:
                break
    return total, errors


def write_reply(n: int, errors: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    reply: dict[str, Any] = {"n": n, **extra}
    if errors:
        reply["writeErrors"] = errors
    return reply


def reject_collation(spec: dict[str, Any]) -> None:
    if spec.get("collation"):
        raise not_implemented("collation")


def wire_version_for(version: str) -> int:
    major, minor = (int(part) for part in version.split(".")[:2])
    known = [wire for (ma, mi), wire in _WIRE_VERSIONS.items() if (ma, mi) <= (major, minor)]
    return max(known, default=0)


def version_array(version: str) -> list[int]:
    parts = [int(part) for part in version.split(".")[:3]]
    parts.extend([0] * (3 - len(parts)))
    return [*parts, 0]


# --------------------------------------------------------------------------- commands

Handler = Callable[[str, dict[str, Any]], dict[str, Any]]


class CommandExecutor:
    """Runs commands against a mongomock client. Every call is serialised by a lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._client: Any = mongomock.MongoClient(tz_aware=True)
        self._cursors = CursorStore()
        self._version = str(self._client.server_info()["version"])
        self._handlers = self._build_handlers()

    @property
    def server_version(self) -> str:
        return self._version

    def reset(self) -> None:
        with self._lock:
            self._client = mongomock.MongoClient(tz_aware=True)
            self._cursors.clear()

    def execute(self, db: str | None, command: dict[str, Any]) -> dict[str, Any]:
        """Run one command; never raises, errors become ``ok: 0`` replies."""
        name = next(iter(command), "")
        handler = self._handlers.get(name)
        if handler is None:
            return error_doc(59, f"no such command: {name}", "CommandNotFound")
        if db is None:
            return error_doc(40571, "OP_MSG requests require a $db argument", "Location40571")
        with self._lock:
            try:
                self._reject_transactions(command)
                reply = handler(db, command)
            except Exception as exc:  # every failure must become an ok:0 reply
                return self._failure(name, exc)
        reply["ok"] = 1.0
        return reply

    @staticmethod
    def _reject_transactions(command: dict[str, Any]) -> None:
        if command.get("startTransaction") or command.get("autocommit") is False:
            raise CommandError(20, _TRANSACTION_MSG, "IllegalOperation")

    @staticmethod
    def _failure(name: str, exc: Exception) -> dict[str, Any]:
        if isinstance(exc, CommandError):
            return exc.to_doc()
        if isinstance(exc, DuplicateKeyError):
            return error_doc(11000, exception_message(exc), "DuplicateKey")
        if isinstance(exc, OperationFailure):
            return error_doc(exc.code or 2, exception_message(exc))
        if isinstance(exc, NotImplementedError):
            return error_doc(238, f"mongomock: {exception_message(exc)}", "NotImplemented")
        log.exception("MongoWireDouble: command %r failed", name)
        return error_doc(1, f"{type(exc).__name__}: {exc}", "InternalError")

    def _build_handlers(self) -> dict[str, Handler]:
        handlers: dict[str, Handler] = {
            "hello": self._hello,
            "isMaster": self._is_master,
            "ismaster": self._is_master,
            "ping": self._empty,
            "buildInfo": self._build_info,
            "buildinfo": self._build_info,
            "getLastError": self._get_last_error,
            "endSessions": self._empty,
            "killSessions": self._empty,
            "refreshSessions": self._empty,
            "commitTransaction": self._transaction,
            "abortTransaction": self._transaction,
            "insert": self._insert,
            "update": self._update,
            "delete": self._delete,
            "find": self._find,
            "getMore": self._get_more,
            "killCursors": self._kill_cursors,
            "count": self._count,
            "aggregate": self._aggregate,
            "distinct": self._distinct,
            "findAndModify": self._find_and_modify,
            "findandmodify": self._find_and_modify,
            "createIndexes": self._create_indexes,
            "listIndexes": self._list_indexes,
            "dropIndexes": self._drop_indexes,
            "deleteIndexes": self._drop_indexes,
            "create": self._create,
            "drop": self._drop,
            "dropDatabase": self._drop_database,
            "listCollections": self._list_collections,
            "listDatabases": self._list_databases,
            "renameCollection": self._rename_collection,
        }
        return handlers

    # -- helpers

    def _collection(self, db: str, command: dict[str, Any]) -> Any:
        name = next(iter(command.values()))
        if not isinstance(name, str) or not name or name.startswith("$") or "\x00" in name:
            raise CommandError(73, f"Invalid namespace specified '{db}.{name}'", "InvalidNamespace")
        return self._client[db][name]

    def _exists(self, db: str, name: str) -> bool:
        return name in self._client[db].list_collection_names()

    def _index_count(self, collection: Any) -> int:
        return len(list(collection.list_indexes()))

    @staticmethod
    def _require_admin(db: str, name: str) -> None:
        if db != "admin":
            raise CommandError(
                13, f"{name} may only be run against the admin database.", "Unauthorized"
            )

    # -- handshake and server info

    def _hello_doc(self) -> dict[str, Any]:
        return {
            "topologyVersion": {"processId": bson.ObjectId(b"wiredouble01"), "counter": Int64(0)},
            "maxBsonObjectSize": MAX_BSON_OBJECT_SIZE,
            "maxMessageSizeBytes": MAX_MESSAGE_SIZE,
            "maxWriteBatchSize": MAX_WRITE_BATCH_SIZE,
            "localTime": datetime.now(UTC),
            "logicalSessionTimeoutMinutes": LOGICAL_SESSION_TIMEOUT_MINUTES,
            "minWireVersion": 0,
            "maxWireVersion": wire_version_for(self._version),
            "readOnly": False,
        }

    def _hello(self, db: str, command: dict[str, Any]) -> dict[str, Any]:
        return {"isWritablePrimary": True, "helloOk": True, **self._hello_doc()}

    def _is_master(self, db: str, command: dict[str, Any]) -> dict[str, Any]:
        reply = {"ismaster": True, **self._hello_doc()}
        if command.get("helloOk"):
            reply["helloOk"] = True
        return reply

    def _build_info(self, db: str, command: dict[str, Any]) -> dict[str, Any]:
        return {
            "version": self._version,
            "versionArray": version_array(self._version),
            "gitVersion": "MongoWireDouble (mongomock test double)",
            "storageEngines": ["mongomock"],
            "javascriptEngine": "none",
            "bits": 64,
            "debug": False,
            "maxBsonObjectSize": MAX_BSON_OBJECT_SIZE,
            "modules": [],
        }

    def _empty(self, db: str, command: dict[str, Any]) -> dict[str, Any]:
        return {}

    def _get_last_error(self, db: str, command: dict[str, Any]) -> dict[str, Any]:
        return {"err": None, "n": 0}

    def _transaction(self, db: str, command: dict[str, Any]) -> dict[str, Any]:
        raise CommandError(20, _TRANSACTION_MSG, "IllegalOperation")

    # -- writes

    def _insert(self, db: str, command: dict[str, Any]) -> dict[str, Any]:
        collection = self._collection(db, command)

        def insert(doc: Any) -> int:
            if not isinstance(doc, dict):
                raise CommandError(14, "insert documents must be objects", "TypeMismatch")
            collection.insert_one(doc)
            return 1

        n, errors = run_writes(
            collection.full_name, command.get("documents", []), command.get("ordered", True), insert
        )
        return write_reply(n, errors)

    def _update(self, db: str, command: dict[str, Any]) -> dict[str, Any]:
        collection = self._collection(db, command)
        specs = command.get("updates", [])
        totals = {"nModified": 0}
        upserted: list[dict[str, Any]] = []

        def update(indexed: tuple[int, Any]) -> int:
            index, spec = indexed
            raw = apply_update(collection, spec)
            totals["nModified"] += raw.get("nModified", 0)
            if raw.get("upserted") is not None:
                upserted.append({"index": index, "_id": raw["upserted"]})
            return int(raw.get("n", 0))

        n, errors = run_writes(
            collection.full_name, list(enumerate(specs)), command.get("ordered", True), update
        )
        extra = {"upserted": upserted} if upserted else {}
        return write_reply(n, errors, nModified=totals["nModified"], **extra)

    def _delete(self, db: str, command: dict[str, Any]) -> dict[str, Any]:
        collection = self._collection(db, command)

        def delete(spec: Any) -> int:
            reject_collation(spec)
            limit = spec.get("limit", 0)
            if limit not in (0, 1):
                msg = f"The limit field in delete objects must be 0 or 1. Got {limit}"
                raise CommandError(9, msg, "FailedToParse")
            remove = collection.delete_one if limit == 1 else collection.delete_many
            return remove(spec.get("q") or {}).deleted_count

        n, errors = run_writes(
            collection.full_name, command.get("deletes", []), command.get("ordered", True), delete
        )
        return write_reply(n, errors)

    # -- reads

    def _find(self, db: str, command: dict[str, Any]) -> dict[str, Any]:
        collection = self._collection(db, command)
        reject_collation(command)
        if command.get("tailable") or command.get("awaitData"):
            raise not_implemented("tailable cursors")
        docs = list(
            collection.find(
                command.get("filter") or {},
                projection=command.get("projection") or None,
                skip=int(command.get("skip", 0)),
                limit=abs(int(command.get("limit", 0))),
                sort=sort_spec(command.get("sort")),
            )
        )
        return self._cursors.open(
            collection.full_name,
            docs,
            command.get("batchSize"),
            single=bool(command.get("singleBatch")),
        )

    def _get_more(self, db: str, command: dict[str, Any]) -> dict[str, Any]:
        namespace = f"{db}.{command.get('collection')}"
        return self._cursors.get_more(command["getMore"], namespace, command.get("batchSize"))

    def _kill_cursors(self, db: str, command: dict[str, Any]) -> dict[str, Any]:
        return self._cursors.kill(list(command.get("cursors") or []))

    def _count(self, db: str, command: dict[str, Any]) -> dict[str, Any]:
        collection = self._collection(db, command)
        reject_collation(command)
        options: dict[str, int] = {}
        if command.get("skip"):
            options["skip"] = int(command["skip"])
        if command.get("limit"):
            options["limit"] = abs(int(command["limit"]))
        return {"n": collection.count_documents(command.get("query") or {}, **options)}

    def _aggregate(self, db: str, command: dict[str, Any]) -> dict[str, Any]:
        if command["aggregate"] == 1:
            raise not_implemented("database-level aggregate")
        collection = self._collection(db, command)
        reject_collation(command)
        if command.get("explain"):
            raise not_implemented("aggregate explain")
        if not isinstance(command.get("cursor"), dict):
            raise CommandError(
                9,
                "The 'cursor' option is required, except for aggregate with the explain argument",
                "FailedToParse",
            )
        pipeline = command.get("pipeline")
        if not isinstance(pipeline, list):
            raise CommandError(
                14, "'pipeline' option must be specified as an array", "TypeMismatch"
            )
        docs = list(collection.aggregate(pipeline))
        return self._cursors.open(collection.full_name, docs, command["cursor"].get("batchSize"))

    def _distinct(self, db: str, command: dict[str, Any]) -> dict[str, Any]:
        collection = self._collection(db, command)
        reject_collation(command)
        key = command.get("key")
        if not isinstance(key, str):
            raise CommandError(14, "distinct 'key' must be a string", "TypeMismatch")
        return {"values": collection.distinct(key, command.get("query") or None)}

    # -- findAndModify

    def _find_and_modify(self, db: str, command: dict[str, Any]) -> dict[str, Any]:
        collection = self._collection(db, command)
        reject_collation(command)
        remove = bool(command.get("remove"))
        if remove == ("update" in command):
            raise CommandError(
                9, "Either an update or remove=true must be specified", "FailedToParse"
            )
        if remove and command.get("new"):
            raise CommandError(
                9,
                "Cannot specify both new=true and remove=true; 'remove' "
                "always returns the deleted document",
                "FailedToParse",
            )
        query = command.get("query") or {}
        target = collection.find_one(
            query, projection={"_id": 1}, sort=sort_spec(command.get("sort"))
        )
        fields = command.get("fields") or None
        before = collection.find_one({"_id": target["_id"]}, fields) if target else None
        if remove:
            if target:
                collection.delete_one({"_id": target["_id"]})
            return {"lastErrorObject": {"n": 1 if target else 0}, "value": before}
        return modify_one(collection, command, query, target, before)

    # -- indexes

    def _create_indexes(self, db: str, command: dict[str, Any]) -> dict[str, Any]:
        collection = self._collection(db, command)
        specs = command.get("indexes")
        if not isinstance(specs, list) or not specs:
            raise CommandError(2, "Must specify at least one index to create", "BadValue")
        created = not self._exists(db, collection.name)
        if created:
            self._client[db].create_collection(collection.name)
        before = self._index_count(collection)
        for spec in specs:
            create_index(collection, spec)
        after = self._index_count(collection)
        reply: dict[str, Any] = {
            "createdCollectionAutomatically": created,
            "numIndexesBefore": before,
            "numIndexesAfter": after,
        }
        if before == after:
            reply["note"] = "all indexes already exist"
        return reply

    def _list_indexes(self, db: str, command: dict[str, Any]) -> dict[str, Any]:
        collection = self._collection(db, command)
        if not self._exists(db, collection.name):
            raise CommandError(
                26, f"ns does not exist: {collection.full_name}", "NamespaceNotFound"
            )
        docs = list(collection.list_indexes())
        batch = (command.get("cursor") or {}).get("batchSize")
        return self._cursors.open(collection.full_name, docs, batch)

    def _drop_indexes(self, db: str, command: dict[str, Any]) -> dict[str, Any]:
        collection = self._collection(db, command)
        if not self._exists(db, collection.name):
            raise CommandError(26, "ns not found", "NamespaceNotFound")
        before = self._index_count(collection)
        index = command.get("index")
        if index == "*":
            collection.drop_indexes()
        else:
            for name in index if isinstance(index, list) else [index]:
                drop_index(collection, name)
        return {"nIndexesWas": before}

    # -- collections and databases

    def _create(self, db: str, command: dict[str, Any]) -> dict[str, Any]:
        collection = self._collection(db, command)
        for option in ("capped", "validator", "viewOn", "timeseries", "clusteredIndex"):
            if command.get(option):
                raise not_implemented(f"create option '{option}'")
        try:
            self._client[db].create_collection(collection.name)
        except CollectionInvalid as exc:
            raise CommandError(
                48, f"Collection {collection.full_name} already exists.", "NamespaceExists"
            ) from exc
        return {}

    def _drop(self, db: str, command: dict[str, Any]) -> dict[str, Any]:
        collection = self._collection(db, command)
        if not self._exists(db, collection.name):
            raise CommandError(26, "ns not found", "NamespaceNotFound")
        before = self._index_count(collection)
        self._client[db].drop_collection(collection.name)
        return {"ns": collection.full_name, "nIndexesWas": before}

    def _drop_database(self, db: str, command: dict[str, Any]) -> dict[str, Any]:
        self._client.drop_database(db)
        return {"dropped": db}

    def _list_collections(self, db: str, command: dict[str, Any]) -> dict[str, Any]:
        search = command.get("filter") or {}
        infos = [collection_info(name) for name in sorted(self._client[db].list_collection_names())]
        docs = [info for info in infos if filter_applies(search, info)]
        if command.get("nameOnly"):
            docs = [{"name": doc["name"], "type": doc["type"]} for doc in docs]
        batch = (command.get("cursor") or {}).get("batchSize")
        return self._cursors.open(f"{db}.$cmd.listCollections", docs, batch)

    def _list_databases(self, db: str, command: dict[str, Any]) -> dict[str, Any]:
        self._require_admin(db, "listDatabases")
        search = command.get("filter") or {}
        infos = [
            {"name": name, "sizeOnDisk": 0, "empty": False}
            for name in sorted(self._client.list_database_names())
        ]
        docs = [info for info in infos if filter_applies(search, info)]
        if command.get("nameOnly"):
            return {"databases": [{"name": doc["name"]} for doc in docs]}
        return {"databases": docs, "totalSize": 0, "totalSizeMb": 0}

    def _rename_collection(self, db: str, command: dict[str, Any]) -> dict[str, Any]:
        self._require_admin(db, "renameCollection")
        source_db, _, source = str(command["renameCollection"]).partition(".")
        target_db, _, target = str(command.get("to", "")).partition(".")
        if not source or not target:
            raise CommandError(73, "Invalid namespace specified", "InvalidNamespace")
        if source_db != target_db:
            raise not_implemented("renaming a collection across databases")
        if not self._exists(source_db, source):
            raise CommandError(
                26, f"Source collection {source_db}.{source} does not exist", "NamespaceNotFound"
            )
        if self._exists(target_db, target) and not command.get("dropTarget"):
            raise CommandError(48, "target namespace exists", "NamespaceExists")
        database = self._client[source_db]
        database.rename_collection(source, target, dropTarget=bool(command.get("dropTarget")))
        return {}


def apply_update(collection: Any, spec: Any) -> dict[str, Any]:
    """Apply one ``updates`` entry; return mongomock's raw result (n, nModified, upserted)."""
    if not isinstance(spec, dict) or "u" not in spec:
        raise CommandError(9, "update entries must be objects with a 'u' field", "FailedToParse")
    reject_collation(spec)
    if spec.get("arrayFilters"):
        raise not_implemented("arrayFilters")
    query, update = spec.get("q") or {}, spec["u"]
    upsert, multi = bool(spec.get("upsert")), bool(spec.get("multi"))
    if isinstance(update, list) or is_operator_update(update):
        method = collection.update_many if multi else collection.update_one
        return method(query, update, upsert=upsert).raw_result
    if multi:
        raise CommandError(
            9, "multi update is not supported for replacement-style update", "FailedToParse"
        )
    return collection.replace_one(query, update, upsert=upsert).raw_result


def modify_one(
    collection: Any,
    command: dict[str, Any],
    query: dict[str, Any],
    target: dict[str, Any] | None,
    before: dict[str, Any] | None,
) -> dict[str, Any]:
    """The update half of findAndModify; ``target`` is the matched doc's ``_id`` holder."""
    upsert = bool(command.get("upsert"))
    if target is None and not upsert:
        return {"lastErrorObject": {"n": 0, "updatedExisting": False}, "value": None}
    selector = {"_id": target["_id"]} if target else query
    raw = apply_update(collection, {"q": selector, "u": command["update"], "upsert": upsert})
    doc_id = target["_id"] if target else raw["upserted"]
    last: dict[str, Any] = {"n": 1, "updatedExisting": target is not None}
    if target is None:
        last["upserted"] = doc_id
    value = before
    if command.get("new"):
        value = collection.find_one({"_id": doc_id}, command.get("fields") or None)
    return {"lastErrorObject": last, "value": value}


_INDEX_OPTIONS = ("unique", "sparse", "expireAfterSeconds", "partialFilterExpression")


def create_index(collection: Any, spec: Any) -> None:
    if not isinstance(spec, dict):
        raise CommandError(14, "index specification must be an object", "TypeMismatch")
    key, name = spec.get("key"), spec.get("name")
    if not isinstance(key, dict) or not key:
        raise CommandError(67, "Index keys must be a non-empty object", "CannotCreateIndex")
    if not isinstance(name, str) or not name:
        raise CommandError(
            9, "The 'name' field is a required property of an index specification", "FailedToParse"
        )
    options = {option: spec[option] for option in _INDEX_OPTIONS if option in spec}
    try:
        collection.create_index(list(key.items()), name=name, **options)
    except DuplicateKeyError:
        raise
    except OperationFailure as exc:
        raise CommandError(85, exception_message(exc), "IndexOptionsConflict") from exc


def drop_index(collection: Any, name: Any) -> None:
    if name == "_id_":
        raise CommandError(72, "cannot drop _id index", "InvalidOptions")
    if isinstance(name, dict):
        name = list(name.items())
    elif not isinstance(name, str):
        raise CommandError(14, "index must be a name, key pattern or list of names", "TypeMismatch")
    try:
        collection.drop_index(name)
    except OperationFailure as exc:
        raise CommandError(27, exception_message(exc), "IndexNotFound") from exc


def collection_info(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "type": "collection",
        "options": {},
        "info": {"readOnly": False},
        "idIndex": {"v": 2, "key": {"_id": 1}, "name": "_id_"},
    }


# --------------------------------------------------------------------------- server


class MessageResponder:
    """Turns one decoded wire message into the bytes to send back (or None)."""

    def __init__(self, executor: CommandExecutor) -> None:
        self._executor = executor
        self._request_ids = itertools.count(1)

    def respond(self, header: Header, message: bytes) -> bytes | None:
        if header.opcode == OP_MSG:
            return self._respond_msg(parse_op_msg(header, message))
        if header.opcode == OP_QUERY:
            return self._respond_query(header, message)
        raise ProtocolError(f"unsupported opcode {header.opcode}")

    def _next_id(self) -> int:
        return next(self._request_ids) & 0x7FFFFFFF

    def _respond_msg(self, request: Request) -> bytes | None:
        reply = self._executor.execute(request.db, request.command)
        if request.more_to_come:
            return None
        return encode_op_msg(self._next_id(), request.header.request_id, reply)

    def _respond_query(self, header: Header, message: bytes) -> bytes:
        namespace, query = parse_op_query(header, message)
        db, _, collection = namespace.partition(".")
        if collection != "$cmd":
            failure = {
                "$err": f"Unsupported OP_QUERY on {namespace}; use OP_MSG",
                "code": 352,
                "ok": 0.0,
            }
            return encode_op_reply(self._next_id(), header.request_id, failure, REPLY_QUERY_FAILURE)
        command = query.get("$query", query)
        reply = self._executor.execute(db, dict(command))
        return encode_op_reply(self._next_id(), header.request_id, reply)


class _RequestHandler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self._serve(sock)
        except ProtocolError as exc:
            log.warning("MongoWireDouble: closing connection from %s: %s", self.client_address, exc)
        except OSError:
            pass  # peer went away or stop() closed the socket

    def _serve(self, sock: socket.socket) -> None:
        while True:
            message = read_message(sock)
            if message is None:
                return
            reply = self.server.responder.respond(*message)
            if reply is not None:
                sock.sendall(reply)


class _Server(socketserver.TCPServer):
    """TCP server running one daemon thread per connection and tracking them for stop()."""

    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], responder: MessageResponder) -> None:
        self.responder = responder
        self._connections: dict[threading.Thread, socket.socket] = {}
        self._connections_lock = threading.Lock()
        super().__init__(address, _RequestHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._process_in_thread,
            args=(request, client_address),
            name=f"mongo-double-{self.server_address[1]}-conn-{client_address[1]}",
            daemon=True,
        )
        with self._connections_lock:
            self._connections[thread] = request
        thread.start()

    def _process_in_thread(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:  # a broken connection must not kill the server
            log.exception("MongoWireDouble: connection handler crashed")
        finally:
            self.shutdown_request(request)
            with self._connections_lock:
                self._connections.pop(threading.current_thread(), None)

    def close_connections(self, timeout: float) -> None:
        with self._connections_lock:
            connections = list(self._connections.items())
        for _, sock in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread, _ in connections:
            thread.join(timeout)


class MongoWireDouble:
    """A MongoDB wire-protocol test double (NOT a MongoDB server) backed by mongomock.

    Serves OP_MSG and legacy OP_QUERY commands on a real TCP socket from
    background daemon threads; all data lives in memory in mongomock.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host = host
        self._requested_port = port
        self._executor = CommandExecutor()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Bind the listening socket and serve in a background daemon thread."""
        if self._server is not None:
            raise RuntimeError("MongoWireDouble is already started")
        server = _Server((self._host, self._requested_port), MessageResponder(self._executor))
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"mongo-double-{server.server_address[1]}-listener",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Close the listener and every client connection, then join all threads."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.shutdown()
        server.server_close()
        thread.join(5)
        server.close_connections(timeout=5)
        self._server = self._thread = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("MongoWireDouble is not started")
        return int(self._server.server_address[1])

    @property
    def server_version(self) -> str:
        """The MongoDB version mongomock emulates (reported by hello/buildInfo)."""
        return self._executor.server_version

    def uri(self, db: str = "rpymostat_test") -> str:
        return f"mongodb://{self._host}:{self.port}/{db}"

    def reset(self) -> None:
        """Drop all data and server-side cursors (fresh mongomock client)."""
        self._executor.reset()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
