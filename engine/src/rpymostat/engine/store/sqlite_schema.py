"""Versioned schema migrations for the SQLite store (``PRAGMA user_version`` = applied)."""

import sqlite3

MIGRATIONS: tuple[str, ...] = (
    # 1: sensors and their readings; readings keyed (sensor, ts) for idempotent ingest.
    """
    CREATE TABLE sensors (
        id TEXT PRIMARY KEY,
        host_id TEXT NOT NULL,
        sensor_id TEXT NOT NULL,
        type TEXT NOT NULL,
        alias TEXT,
        extra TEXT,
        name TEXT,
        zone TEXT NOT NULL,
        last_value REAL,
        last_ts INTEGER NOT NULL,
        first_seen INTEGER NOT NULL
    );
    CREATE TABLE readings (
        sensor TEXT NOT NULL,
        ts INTEGER NOT NULL,
        value REAL,
        PRIMARY KEY (sensor, ts)
    ) WITHOUT ROWID;
    """,
    # 2: small JSON documents of the engine's own state (relay registry, commanded states).
    """
    CREATE TABLE docs (
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (kind, key)
    ) WITHOUT ROWID;
    """,
    # 3: the compact readings layout (issue 20; see ``sqlite_readings``): a dictionary of
    # series numbers and readings keyed (sensor number, milliseconds) with the value in
    # thousandths. The old table is renamed, and its rows are moved over in chunks by
    # ``sqlite_readings.move_legacy_chunk`` while the engine runs, then it is dropped.
    """
    CREATE TABLE series (
        num INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE
    );
    ALTER TABLE readings RENAME TO readings_v1;
    CREATE TABLE readings (
        sensor INTEGER NOT NULL,
        ts INTEGER NOT NULL,
        value,
        PRIMARY KEY (sensor, ts)
    ) WITHOUT ROWID;
    """,
    # 4: downsampled tiers (issue 20; see ``sqlite_tiers``): 5-minute and hourly buckets of
    # min/sum/max/count (values in thousandths), the buckets late readings made stale, and
    # the downsampler's watermark (written in the same transaction as the buckets).
    """
    CREATE TABLE agg_5m (
        sensor INTEGER NOT NULL, ts INTEGER NOT NULL,
        min, sum, max, count INTEGER NOT NULL,
        PRIMARY KEY (sensor, ts)
    ) WITHOUT ROWID;
    CREATE TABLE agg_1h (
        sensor INTEGER NOT NULL, ts INTEGER NOT NULL,
        min, sum, max, count INTEGER NOT NULL,
        PRIMARY KEY (sensor, ts)
    ) WITHOUT ROWID;
    CREATE TABLE agg_dirty (
        sensor INTEGER NOT NULL, ts INTEGER NOT NULL,
        PRIMARY KEY (sensor, ts)
    ) WITHOUT ROWID;
    CREATE TABLE downsample (
        tier TEXT PRIMARY KEY,
        upto INTEGER NOT NULL
    ) WITHOUT ROWID;
    """,
    # 5: the history's event log (output changes, decisions, targets, alarms; never thinned).
    """
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        ts INTEGER NOT NULL,
        body TEXT NOT NULL
    );
    CREATE INDEX events_by_subject ON events (kind, subject, ts);
    """,
)


def schema_version(conn: sqlite3.Connection) -> int:
    """The number of migrations applied to this database."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, target: int = len(MIGRATIONS)) -> int:
    """Apply pending migrations (up to ``target``: tests build older databases), each in its
    own transaction; return the new version.

    A database newer than this code (a downgrade) is refused rather than misread.
    """
    current = schema_version(conn)
    if current > len(MIGRATIONS):
        raise RuntimeError(
            f"the database schema is version {current}, newer than this engine knows"
            f" ({len(MIGRATIONS)}); upgrade the engine"
        )
    for version, script in enumerate(MIGRATIONS[current:target], start=current + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in filter(str.strip, script.split(";")):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except Exception:
            conn.execute("ROLLBACK")
            raise
    return schema_version(conn)
