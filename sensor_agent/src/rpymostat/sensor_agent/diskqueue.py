"""The bounded, disk-backed queue of readings the engine has not accepted yet.

One SQLite file in the data dir (WAL, synchronous=FULL: a reading that entered the queue is on
disk before ``append`` fires). Items are JSON objects kept in arrival order; when the queue
holds more than ``max_items`` the oldest are dropped and counted (the count survives restarts).
Every SQLite call runs on the queue's own thread, never on the reactor.

The file, its thread and the ``sqlite3`` module itself (~1 MiB) are opened only once there is
something to queue (or a file left by an earlier run to replay): an agent whose engine always
answers, the usual case on a Pi Zero, never pays for them.
"""

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IReactorFromThreads

if TYPE_CHECKING:
    import sqlite3

    from rpymostat.shared.sqlthread import ConnectionThread

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS queue (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " item TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
)


def _connect(path: Path) -> "sqlite3.Connection":
    import sqlite3  # lazy: see the module's doc

    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    for statement in _SCHEMA:
        conn.execute(statement)
    return conn


def _counts(conn: "sqlite3.Connection") -> tuple[int, int]:
    length = conn.execute("SELECT COUNT(*) FROM queue").fetchone()[0]
    row = conn.execute("SELECT value FROM counters WHERE name = 'dropped'").fetchone()
    return int(length), int(row[0]) if row else 0


class DiskQueue:
    """FIFO of JSON items on disk; ``length`` and ``dropped`` are kept in memory too."""

    def __init__(self, reactor: IReactorFromThreads, path: Path, max_items: int) -> None:
        self.path = path
        self.max_items = max_items
        self.length = 0
        self.dropped = 0
        self._reactor = reactor
        self._opened: ConnectionThread | None = None

    def _thread(self) -> "ConnectionThread":
        """The file's thread, started (and the file created) on first call."""
        if self._opened is None:
            from rpymostat.shared.sqlthread import ConnectionThread

            path = self.path
            self._opened = ConnectionThread(self._reactor, lambda: _connect(path),
                                            "sensor-queue", group_commit=True)
            self._opened.start()
        return self._opened

    async def open(self) -> None:
        """Read the counts left by the last run, if it left a file (else nothing to open)."""
        if self.path.exists():
            self.length, self.dropped = await self._thread().submit(_counts)

    def close(self) -> Deferred[None]:
        """Finish queued work and close the file (if it was ever opened)."""
        return succeed(None) if self._opened is None else self._opened.stop()

    async def append(self, items: list[dict[str, Any]]) -> int:
        """Add ``items`` at the end; drop the oldest beyond ``max_items``. Returns how many were
        dropped by this call."""
        rows = [(json.dumps(item, separators=(",", ":")),) for item in items]
        limit = self.max_items

        def job(conn: "sqlite3.Connection") -> tuple[int, int, int]:
            conn.executemany("INSERT INTO queue (item) VALUES (?)", rows)
            length, dropped = _counts(conn)
            over = max(0, length - limit)
            if over:
                conn.execute("DELETE FROM queue WHERE seq IN"
                             " (SELECT seq FROM queue ORDER BY seq LIMIT ?)", (over,))
                conn.execute("INSERT INTO counters (name, value) VALUES ('dropped', ?)"
                             " ON CONFLICT(name) DO UPDATE SET value = value + ?", (over, over))
            return length - over, dropped + over, over

        self.length, self.dropped, over = await self._thread().submit(job)
        return over

    async def peek(self, limit: int) -> list[tuple[int, dict[str, Any]]]:
        """The oldest ``limit`` items with their sequence numbers."""

        def job(conn: "sqlite3.Connection") -> list[tuple[int, str]]:
            return conn.execute("SELECT seq, item FROM queue ORDER BY seq LIMIT ?",
                                (limit,)).fetchall()

        return [(seq, json.loads(item)) for seq, item in await self._thread().submit(job)]

    async def remove_through(self, seq: int) -> None:
        """Forget every item up to and including ``seq`` (the engine has them)."""

        def job(conn: "sqlite3.Connection") -> int:
            conn.execute("DELETE FROM queue WHERE seq <= ?", (seq,))
            return _counts(conn)[0]

        self.length = await self._thread().submit(job)


class MemoryQueue:
    """The fake of :class:`DiskQueue` for unit tests: same interface, a list in memory."""

    def __init__(self, max_items: int) -> None:
        self.max_items = max_items
        self.items: list[tuple[int, dict[str, Any]]] = []
        self.dropped = 0
        self._seq = 0

    @property
    def length(self) -> int:
        """Items waiting."""
        return len(self.items)

    async def open(self) -> None:
        """Nothing to open."""

    async def append(self, items: list[dict[str, Any]]) -> int:
        """As :meth:`DiskQueue.append`."""
        for item in items:
            self._seq += 1
            self.items.append((self._seq, json.loads(json.dumps(item))))
        over = max(0, len(self.items) - self.max_items)
        del self.items[:over]
        self.dropped += over
        return over

    async def peek(self, limit: int) -> list[tuple[int, dict[str, Any]]]:
        """As :meth:`DiskQueue.peek`."""
        return list(self.items[:limit])

    async def remove_through(self, seq: int) -> None:
        """As :meth:`DiskQueue.remove_through`."""
        self.items = [(s, item) for s, item in self.items if s > seq]
