"""The same history queries give the same answers on SQLite (with its downsampled tiers) and
on MongoDB (buckets from raw readings): real engine processes, one on SQLite and one on the
MongoWireDouble (a wire-protocol test double backed by mongomock, NOT a MongoDB server), and
one on a real MongoDB where RPYMOSTAT_TEST_MONGODB_URI is set (issue 20)."""

import os
import random
import sqlite3
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from rpymostat.engine.store.sqlite_tiers import watermark

from .processes import Daemon, wait_for

REAL_MONGODB = os.environ.get("RPYMOSTAT_TEST_MONGODB_URI")



def _batches(now: datetime) -> list[list[dict[str, Any]]]:
    """Ten days of three sensors every 20 minutes, with nulls, shuffled batches, a replayed
    batch, and a late batch (an agent that was offline) sent last. (The double, backed by
    mongomock, checks a unique index by scanning: larger volumes take it minutes.)"""
    rng = random.Random(20)
    start = now - timedelta(days=10)
    readings = [{"sensor_id": f"s{s}", "type": "t",
                 "timestamp": (start + timedelta(minutes=20 * m, milliseconds=rng.randrange(
                     1000))).isoformat(),
                 "value": None if rng.random() < 0.02 else round(rng.uniform(15, 25), 4)}
                for m in range(720) for s in range(3)]
    batches = [readings[i:i + 250] for i in range(0, len(readings), 250)]
    late = batches.pop(2)
    rng.shuffle(batches)
    return [*batches, batches[0], late]


def _watermark(db: Path) -> int:
    """The engine's downsampling watermark in ``db`` (0 before the first pass)."""
    conn = sqlite3.connect(db, timeout=10)
    try:
        return watermark(conn) or 0
    finally:
        conn.close()


def _queries(now: datetime) -> list[str]:
    series = "p:s0,p:s1,p:s2"
    out = []
    for days, resolutions in [(1, ["auto", "raw", "5m", "1h", "1d"]),
                              (10, ["auto", "5m", "1h", "1d"])]:
        for resolution in resolutions:
            out.append(urlencode({"series": series, "resolution": resolution,
                                  "start": (now - timedelta(days=days)).isoformat(),
                                  "end": now.isoformat()}))
    out.append(urlencode({"series": "p:s1", "format": "csv",
                          "start": (now - timedelta(days=2, hours=3)).isoformat(),
                          "end": now.isoformat()}))
    return out


def test_sqlite_and_mongodb_answer_history_queries_alike(engine_factory, double, tmp_path
                                                          ) -> None:
    """Every query (raw, each bucket width, auto, CSV) gives the same answer on SQLite, after
    its downsampler has put most of the data into tiers (and a late batch made some stale),
    and on MongoDB."""
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    stores = {"sqlite": {}, "mongo-wire-double": {"RPYMOSTAT_STORE": double.uri("parity")}}
    if REAL_MONGODB:
        url = f"{REAL_MONGODB.rstrip('/')}_{uuid.uuid4().hex[:8]}"
        stores["mongodb"] = {"RPYMOSTAT_STORE": url}
    engines: dict[str, Daemon] = {
        name: engine_factory(RPYMOSTAT_DOWNSAMPLE_INTERVAL="0.3", RPYMOSTAT_STORE_TIMEOUT="60",
                             **env).start()
        for name, env in stores.items()}
    db = tmp_path / "data" / "rpymostat.sqlite3"
    batches = _batches(now)
    for i, batch in enumerate(batches):
        if i == len(batches) - 1:  # the late batch comes after the tiers were built
            wait_for(lambda: _watermark(db) >= (now.timestamp() - 600) * 1000, 60,
                     "the downsampler to catch up")
        for engine in engines.values():
            code, body = engine.request("POST", "/v1/sensors/batch",
                                        {"host_id": "p", "readings": batch}, timeout=60)
            assert code == 201, (i, len(batches), body)
    time.sleep(1.5)  # a few passes: the late batch's buckets are recomputed
    stale = sqlite3.connect(db).execute("SELECT count(*) FROM agg_dirty").fetchone()[0]
    assert stale == 0
    for query in _queries(now):
        answers = {name: engine.request("GET", f"/v1/history?{query}", timeout=60)
                   for name, engine in engines.items()}
        first = answers["sqlite"]
        assert first[0] == 200, first
        for name, answer in answers.items():
            assert answer == first, (query, name)
