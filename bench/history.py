"""History benchmark (issue 20): a simulated year of one-minute readings of 10 sensors.

Measures, in one run on this machine:
- the time to ingest it through a real engine's ``POST /v1/sensors/batch`` (5,000 readings per
  request, 4 client threads, in time order as a house's agents send them), then the time the
  engine's downsampler takes to put the year into its 5-minute and hourly tiers;
- bytes on disk per raw reading: the ``readings`` table's pages (SQLite's dbstat) over the
  rows, and the whole file (tiers, events, indexes) over the rows; raw retention is set to
  forever for the run so that every raw reading stays to be measured;
- query latency p50/p99 over repeated runs, on the engine's own query functions: one sensor's
  last 24 h raw; a week and a year of 10 sensors in the buckets ``GET /v1/history`` with
  resolution=auto picks for those windows (``query.auto_bucket``: at most 2,000 per series,
  so 1 hour for a week — 2,016 five-minute buckets are over — and 1 day for a year), from
  the tiers; a week of 10 sensors in 5-minute buckets asked for explicitly
  (``resolution=5m``); and a year of the heater's on/off changes (one output, ~8 cycles a
  day, written to the event log as the engine's recorder writes them);
- the peer, in the same run: the same readings kept as Home Assistant's recorder keeps states
  (``states`` + ``state_attributes`` + ``states_meta``, one row per state, with the recorder's
  indexes; schema version 41 of homeassistant/components/recorder/db_schema.py, commit
  0002b406 of home-assistant/core), and the same three windows read as its history does:
  every state row of the entity in the window (it keeps no downsampled states).

Run from the repo root: ``.venv/bin/python bench/history.py [--scale 1.0] [--json]``;
``--scale 0.01`` is a 3.7-day run.
"""

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchlib import free_port, start_daemon, stop_daemon

from rpymostat.engine.history.query import BUCKETS, auto_bucket
from rpymostat.engine.store.sqlite_readings import select_columns
from rpymostat.engine.store.sqlite_tiers import select_tiered_buckets, watermark

BIN = Path(sys.executable).parent
TOKEN = "bench-token-0123456789abcdef"
SENSORS = 10
BATCH = 5000
END = datetime.fromtimestamp(time.time() // 60 * 60, UTC)
HA_ATTRS = ('{"state_class":"measurement","unit_of_measurement":"°C",'
            '"device_class":"temperature","friendly_name":"Sensor %d"}')


def _value(sensor: int, minute: int) -> float:
    return round(18.0 + sensor * 0.3 + (minute % 1440) / 480 + (minute % 7) / 16, 3)


class Readings:
    """The generated readings, made when asked for (a year is 5.3 million: not held)."""

    def __init__(self, minutes: int) -> None:
        self.minutes = minutes
        self.start = END - timedelta(minutes=minutes)

    def __len__(self) -> int:
        return self.minutes * SENSORS

    def row(self, i: int) -> tuple[int, datetime, float]:
        """Reading ``i``: minute i // SENSORS of sensor i % SENSORS."""
        m, s = divmod(i, SENSORS)
        return s, self.start + timedelta(minutes=m, milliseconds=137 * s), _value(s, m)

    def __getitem__(self, part: slice) -> list[tuple[int, datetime, float]]:
        return [self.row(i) for i in range(*part.indices(len(self)))]

    def __iter__(self) -> Iterator[tuple[int, datetime, float]]:
        return (self.row(i) for i in range(len(self)))


def _post(port: int, rows: list[tuple[int, datetime, float]]) -> None:
    import http.client
    body = json.dumps({"host_id": "bench", "readings": [
        {"sensor_id": f"s{s}", "timestamp": ts.isoformat(), "type": "DS18B20", "value": v}
        for s, ts, v in rows]})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("POST", "/v1/sensors/batch", body=body,
                 headers={"Authorization": f"Bearer {TOKEN}",
                          "Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    assert response.status == 201, response.status


def _heater(minutes: int) -> list[tuple[datetime, bool]]:
    """The heater's state changes: on for 40 minutes every 3 hours."""
    start = END - timedelta(minutes=minutes)
    return [(start + timedelta(minutes=m + d), on) for m in range(0, minutes - 40, 180)
            for d, on in ((0, True), (40, False))]


def _watermark(db: Path) -> int:
    """The engine's downsampling watermark in ``db`` (0 before the first pass)."""
    conn = sqlite3.connect(db, timeout=30)
    try:
        return watermark(conn) or 0
    finally:
        conn.close()


def ingest(workdir: Path, rows: "Readings",
           heater: list[tuple[datetime, bool]]) -> dict[str, Any]:
    """Through a real engine, which then downsamples; the file is checkpointed after it
    stops, and the heater's changes are written to its event log."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RPYMOSTAT_")}
    env.update({"RPYMOSTAT_ENGINE_LISTEN": f"tcp:{port}:interface=127.0.0.1",
                "RPYMOSTAT_DATA_DIR": str(workdir), "RPYMOSTAT_TOKEN": TOKEN,
                "RPYMOSTAT_BUS_PUB_LISTEN": "tcp://127.0.0.1:0",
                "RPYMOSTAT_BUS_SUB_LISTEN": "tcp://127.0.0.1:0", "RPYMOSTAT_ADVERTISE": "off",
                "RPYMOSTAT_LOG_LEVEL": "warn", "RPYMOSTAT_HISTORY_RAW_DAYS": "100000",
                "RPYMOSTAT_DOWNSAMPLE_INTERVAL": "1"})
    engine = start_daemon([str(BIN / "rpymostat-engine")], env, port)
    try:
        t0 = time.perf_counter()
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda i: _post(port, rows[i:i + BATCH]), range(0, len(rows), BATCH)))
        seconds = time.perf_counter() - t0
        db = workdir / "rpymostat.sqlite3"
        t1 = time.perf_counter()
        caught_up = (END - timedelta(minutes=10)).timestamp() * 1000
        while _watermark(db) < caught_up:
            time.sleep(0.5)
        downsample_seconds = time.perf_counter() - t1
    finally:
        stop_daemon(engine)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO events (kind, subject, ts, body) VALUES ('output', ?, ?, ?)",
                     [("bench:heat", int(ts.timestamp() * 1000), json.dumps({"on": on}))
                      for ts, on in heater])
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    count = conn.execute("SELECT count(*) FROM readings").fetchone()[0]
    table = conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name = 'readings'").fetchone()[0]
    conn.close()
    assert count == len(rows), (count, len(rows))
    return {"seconds": seconds, "readings_per_s": len(rows) / seconds,
            "downsample_seconds": downsample_seconds,
            "bytes_per_reading": table / count, "file_bytes_per_reading": db.stat().st_size / count,
            "file_bytes": db.stat().st_size}


def home_assistant(path: Path, rows: "Readings",
                   heater: list[tuple[datetime, bool]]) -> dict[str, Any]:
    """The same readings as the recorder keeps states (its tables and indexes)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript("""
        CREATE TABLE states_meta (metadata_id INTEGER PRIMARY KEY, entity_id VARCHAR(255));
        CREATE UNIQUE INDEX ix_states_meta_entity_id ON states_meta (entity_id);
        CREATE TABLE state_attributes (attributes_id INTEGER PRIMARY KEY, hash BIGINT,
                                       shared_attrs TEXT);
        CREATE INDEX ix_state_attributes_hash ON state_attributes (hash);
        CREATE TABLE states (
            state_id INTEGER PRIMARY KEY, entity_id CHAR(0), state VARCHAR(255),
            attributes CHAR(0), event_id SMALLINT, last_changed CHAR(0),
            last_changed_ts FLOAT, last_updated CHAR(0), last_updated_ts FLOAT,
            old_state_id INTEGER REFERENCES states(state_id),
            attributes_id INTEGER REFERENCES state_attributes(attributes_id),
            context_id CHAR(0), context_user_id CHAR(0), context_parent_id CHAR(0),
            origin_idx SMALLINT, context_id_bin BLOB, context_user_id_bin BLOB,
            context_parent_id_bin BLOB, metadata_id INTEGER REFERENCES states_meta(metadata_id),
            last_reported_ts FLOAT);
        CREATE INDEX ix_states_metadata_id_last_updated_ts ON states (metadata_id,
                                                                      last_updated_ts);
        CREATE INDEX ix_states_context_id_bin ON states (context_id_bin);
        CREATE INDEX ix_states_last_updated_ts ON states (last_updated_ts);
        CREATE INDEX ix_states_old_state_id ON states (old_state_id);
        CREATE INDEX ix_states_attributes_id ON states (attributes_id);
    """)
    conn.execute("BEGIN")
    for s in range(SENSORS):
        conn.execute("INSERT INTO states_meta VALUES (?, ?)", (s + 1, f"sensor.bench_s{s}"))
        conn.execute("INSERT INTO state_attributes VALUES (?, ?, ?)",
                     (s + 1, 1000 + s, HA_ATTRS % s))
    last: dict[int, int] = {}
    t0 = time.perf_counter()
    for state_id, (s, ts, v) in enumerate(rows, start=1):
        epoch = ts.timestamp()
        conn.execute("INSERT INTO states (state_id, state, last_changed_ts, last_updated_ts,"
                     " old_state_id, attributes_id, origin_idx, context_id_bin, metadata_id)"
                     " VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)",
                     (state_id, str(v), epoch, epoch, last.get(s), s + 1,
                      state_id.to_bytes(16, "big"), s + 1))
        last[s] = state_id
    conn.execute("INSERT INTO states_meta VALUES (?, 'switch.bench_heat')", (SENSORS + 1,))
    previous = None
    for i, (ts, on) in enumerate(heater, start=len(rows) + 1):
        conn.execute("INSERT INTO states (state_id, state, last_changed_ts, last_updated_ts,"
                     " old_state_id, origin_idx, context_id_bin, metadata_id)"
                     " VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
                     (i, "on" if on else "off", ts.timestamp(), ts.timestamp(), previous,
                      i.to_bytes(16, "big"), SENSORS + 1))
        previous = i
    conn.execute("COMMIT")
    seconds = time.perf_counter() - t0
    conn.close()
    conn = sqlite3.connect(path)
    table = conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name IN ('states',"
                         " 'ix_states_metadata_id_last_updated_ts', 'ix_states_context_id_bin',"
                         " 'ix_states_last_updated_ts', 'ix_states_old_state_id',"
                         " 'ix_states_attributes_id')").fetchone()[0]
    conn.close()
    return {"seconds_direct_inserts": seconds, "bytes_per_reading": table / len(rows),
            "file_bytes_per_reading": path.stat().st_size / len(rows),
            "file_bytes": path.stat().st_size}


def _latencies(fn: Any, repeats: int) -> dict[str, float]:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {"p50_ms": statistics.median(times),
            "p99_ms": times[min(len(times) - 1, int(len(times) * 0.99))], "runs": repeats}


def queries(ours: Path, peer: Path, minutes: int) -> dict[str, Any]:
    """The three windows on both layouts."""
    a = sqlite3.connect(ours)
    b = sqlite3.connect(peer)
    end = END
    week, year = timedelta(days=7), timedelta(days=365)
    auto_week, auto_year = auto_bucket(end - week, end), auto_bucket(end - year, end)
    windows = {"24h_1_sensor_raw": (timedelta(hours=24), 1, None, 200),
               f"week_10_sensors_auto_{auto_week}": (week, SENSORS, BUCKETS[auto_week], 100),
               "week_10_sensors_5m": (week, SENSORS, BUCKETS["5m"], 100),
               f"year_10_sensors_auto_{auto_year}": (year, SENSORS, BUCKETS[auto_year], 10),
               "year_heater_intervals": (year, 0, None, 100)}
    out = {}
    for name, (span, sensors, width, repeats) in windows.items():
        start = max(end - span, END - timedelta(minutes=minutes))

        def mine(start: datetime = start, sensors: int = sensors, width: int | None = width
                 ) -> None:
            if sensors == 0:
                a.execute("SELECT ts, body FROM events WHERE kind = 'output' AND subject = ?"
                          " AND ts >= ? AND ts < ? ORDER BY ts, id",
                          ("bench:heat", int(start.timestamp() * 1000),
                           int(end.timestamp() * 1000))).fetchall()
            for s in range(sensors):
                if width is None:
                    select_columns(a, f"bench:s{s}", start, end, 1_000_000)
                else:
                    select_tiered_buckets(a, f"bench:s{s}", int(start.timestamp() * 1000),
                                          int(end.timestamp() * 1000), width)

        def theirs(start: datetime = start, sensors: int = sensors) -> None:
            for s in range(sensors) if sensors else [SENSORS]:
                b.execute("SELECT state, last_updated_ts FROM states WHERE metadata_id = ?"
                          " AND last_updated_ts >= ? AND last_updated_ts < ?"
                          " ORDER BY last_updated_ts",
                          (s + 1, start.timestamp(), end.timestamp())).fetchall()

        ours_ms = _latencies(mine, repeats)
        peer_ms = _latencies(theirs, repeats)
        out[name] = {"rpymostat": ours_ms, "home_assistant": peer_ms,
                     "ratio_p50": peer_ms["p50_ms"] / ours_ms["p50_ms"]}
    return out


def main() -> None:
    """Parse the options, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of a year")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    minutes = int(365 * 1440 * args.scale)
    rows = Readings(minutes)
    heater = _heater(minutes)
    with tempfile.TemporaryDirectory(prefix="rpymostat-history-bench-") as tmp:
        work = Path(tmp)
        ours = ingest(work / "engine", rows, heater)
        peer = home_assistant(work / "ha.sqlite3", rows, heater)
        result = {"readings": len(rows), "scale": args.scale, "rpymostat": ours,
                  "home_assistant": peer,
                  "queries": queries(work / "engine" / "rpymostat.sqlite3",
                                     work / "ha.sqlite3", minutes)}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{len(rows)} readings ({args.scale:g} of a year, {SENSORS} sensors, one a minute)")
    print(f"  ingest through POST /v1/sensors/batch: {ours['seconds']:.1f} s"
          f" = {ours['readings_per_s']:.0f} readings/s; downsampled in"
          f" {ours['downsample_seconds']:.1f} s")
    print(f"  bytes per raw reading (table + its indexes): RPyMostat"
          f" {ours['bytes_per_reading']:.1f}, HA recorder layout {peer['bytes_per_reading']:.1f}"
          f" ({peer['bytes_per_reading'] / ours['bytes_per_reading']:.1f}x); whole file"
          f" {ours['file_bytes_per_reading']:.1f} vs {peer['file_bytes_per_reading']:.1f}")
    for name, q in result["queries"].items():
        print(f"  {name}: RPyMostat p50 {q['rpymostat']['p50_ms']:.1f} ms"
              f" p99 {q['rpymostat']['p99_ms']:.1f} ms; HA p50"
              f" {q['home_assistant']['p50_ms']:.1f} ms p99"
              f" {q['home_assistant']['p99_ms']:.1f} ms; HA/ours {q['ratio_p50']:.2f}")


if __name__ == "__main__":
    main()
