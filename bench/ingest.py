"""Ingest benchmark (issue 2): readings/s into the engine, persisted, against the framework floor.

Measures, in one run on this machine:
- the bare Klein JSON PUT endpoint (bench/bare_klein.py): requests/s — the floor;
- ``PUT /v1/sensors/update``, one reading per request: readings/s and ratio to the floor, in
  ``--rounds`` pairs of runs that alternate which goes first; the median ratio is reported
  (on a shared machine one run's floor moves by half from one minute to the next);
- ``POST /v1/sensors/batch``, BATCH readings per request: readings/s;
- the engine's RSS idle (after start) and loaded (peak, VmHWM).
Every figure counts only readings found in the SQLite file afterwards (persisted).

Load comes from wrk (``apt-get install wrk``) with -t2 -c32, as in ../shared/PITFALLS.md.
Run from the repo root: ``.venv/bin/python bench/ingest.py [--seconds 10] [--rounds 3]
[--json]``.
"""

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchlib import cpu_seconds, free_port, rss_kib, start_daemon, stop_daemon

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TOKEN = "bench-token-0123456789abcdef"
BATCH = 500

UPDATE_LUA = """
local n = 0
request = function()
  n = n + 1
  local body = '{"host_id":"bench","sensors":{"s' .. (n % 64) .. '":{"type":"DS18B20","value":'
               .. (15 + (n % 100) / 10) .. '}}}'
  return wrk.format("PUT", "/v1/sensors/update", {["Authorization"]="Bearer TOKEN",
                    ["Content-Type"]="application/json"}, body)
end
"""

BATCH_LUA = """
local n = 0
local tid = 0
local counter = 0
setup = function(thread) counter = counter + 1; thread:set("tid", counter) end
init = function(args) tid = tonumber(wrk.thread:get("tid")) or 0 end
request = function()
  n = n + 1
  local parts = {}
  local base = BASE + (tid * 1000000 + n) * BATCH
  for i = 0, BATCH - 1 do
    local t = base + i
    local s = math.floor(t / 1000)
    local ms = t % 1000
    parts[#parts + 1] = string.format(
      '{"sensor_id":"b%d","timestamp":"%s.%03dZ","type":"DS18B20","value":20.5}',
      tid, os.date("!%Y-%m-%dT%H:%M:%S", s), ms)
  end
  local body = '{"host_id":"bench","readings":[' .. table.concat(parts, ",") .. ']}'
  return wrk.format("POST", "/v1/sensors/batch", {["Authorization"]="Bearer TOKEN",
                    ["Content-Type"]="application/json"}, body)
end
"""


def _wrk(port: int, script: str, seconds: int, workdir: Path, pid: int) -> dict[str, float]:
    """wrk's figures, and the server's CPU time per request (all its threads) meanwhile."""
    path = workdir / "load.lua"
    path.write_text(script + """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %d\\n", summary.requests, summary.duration,
    summary.errors.status, latency:percentile(50), latency:percentile(99)))
end
""")
    cpu0 = cpu_seconds(pid)
    out = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", "-s", str(path),
                          f"http://127.0.0.1:{port}/"], capture_output=True, text=True,
                         check=True, timeout=seconds + 60).stdout
    cpu = cpu_seconds(pid) - cpu0
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    requests, duration_us, bad_status, p50, p99 = (int(v) for v in line.split()[1:])
    return {"requests": requests, "seconds": duration_us / 1e6, "non_2xx": bad_status,
            "rps": requests / (duration_us / 1e6), "p50_ms": p50 / 1000, "p99_ms": p99 / 1000,
            "cpu_s": cpu, "cpu_us_per_request": cpu * 1e6 / max(requests, 1)}


def _count(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(sql).fetchone()[0])


class Servers:
    """The bare Klein endpoint and the engine (on SQLite), both up for the whole run: the
    idle one costs nothing while the other is loaded, and rounds can alternate between them."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.floor_port = free_port()
        self.floor = start_daemon([sys.executable, str(ROOT / "bench" / "bare_klein.py"),
                                   str(self.floor_port)], dict(os.environ), self.floor_port)
        self.engine_port = free_port()
        data = workdir / "engine"
        listen = f"tcp:{self.engine_port}:interface=127.0.0.1"
        env = {**os.environ, "RPYMOSTAT_ENGINE_LISTEN": listen, "RPYMOSTAT_DATA_DIR": str(data),
               "RPYMOSTAT_TOKEN": TOKEN, "RPYMOSTAT_LOG_LEVEL": "warn"}
        self.engine = start_daemon([str(BIN / "rpymostat-engine")], env, self.engine_port)
        self.db = data / "rpymostat.sqlite3"

    def stop(self) -> None:
        for proc in (self.floor, self.engine):
            stop_daemon(proc)

    def load_floor(self, seconds: int) -> dict[str, float]:
        return _wrk(self.floor_port, UPDATE_LUA.replace("TOKEN", TOKEN), seconds, self.workdir,
                    self.floor.pid)

    def load_update(self, seconds: int) -> dict[str, float]:
        return _wrk(self.engine_port, UPDATE_LUA.replace("TOKEN", TOKEN), seconds,
                    self.workdir, self.engine.pid)

    def load_batch(self, seconds: int) -> dict[str, float]:
        # one reading per millisecond (the stores' resolution) from 30 days ago
        base_ms = int((time.time() - 30 * 86400) * 1e3)
        script = (BATCH_LUA.replace("TOKEN", TOKEN).replace("BASE", str(base_ms))
                  .replace("BATCH", str(BATCH)))
        return _wrk(self.engine_port, script, seconds, self.workdir, self.engine.pid)


def run(seconds: int, rounds: int, workdir: Path) -> dict[str, Any]:
    """Rounds of (floor, update) load in alternating order (ABBA: drift on a shared machine
    falls on both alike), then the batch route; persisted counts from the SQLite file."""
    servers = Servers(workdir)
    try:
        time.sleep(1)
        idle = {"floor": rss_kib(servers.floor.pid), "engine": rss_kib(servers.engine.pid)}
        pairs = []
        for i in range(rounds):
            if i % 2 == 0:
                floor, update = servers.load_floor(seconds), servers.load_update(seconds)
            else:
                update, floor = servers.load_update(seconds), servers.load_floor(seconds)
            pairs.append({"floor": floor, "update": update,
                          "ratio_rps": update["rps"] / floor["rps"],
                          "ratio_cpu": floor["cpu_us_per_request"] / update["cpu_us_per_request"]})
        update_rows = _count(servers.db, "SELECT count(*) FROM readings")
        batch = servers.load_batch(seconds)
        peak = rss_kib(servers.engine.pid, "VmHWM")
        loaded = rss_kib(servers.engine.pid)
        floor_peak = rss_kib(servers.floor.pid, "VmHWM")
    finally:
        servers.stop()
    batch_rows = _count(servers.db, "SELECT count(*) FROM readings JOIN series ON num = sensor"
                                    " WHERE key LIKE 'bench:b%'")
    update_requests = sum(p["update"]["requests"] for p in pairs)
    update_seconds = sum(p["update"]["seconds"] for p in pairs)
    return {
        "rounds": pairs,
        "median_ratio_rps": statistics.median([p["ratio_rps"] for p in pairs]),
        "median_ratio_cpu": statistics.median([p["ratio_cpu"] for p in pairs]),
        "update": {"requests": update_requests, "readings_persisted": update_rows,
                   "readings_per_s": update_rows / update_seconds,
                   "non_2xx": sum(p["update"]["non_2xx"] for p in pairs)},
        "batch": {**batch, "readings_persisted": batch_rows,
                  "readings_per_s": batch_rows / batch["seconds"], "batch_size": BATCH},
        "floor_rss_idle_mib": idle["floor"] / 1024, "floor_rss_peak_mib": floor_peak / 1024,
        "rss_idle_mib": idle["engine"] / 1024, "rss_loaded_mib": loaded / 1024,
        "rss_peak_mib": peak / 1024, "goal_ratio": 0.6, "goal_batch_readings_per_s": 20_000,
    }


def _print(result: dict[str, Any]) -> None:
    for i, pair in enumerate(result["rounds"], start=1):
        floor, update = pair["floor"], pair["update"]
        print(f"round {i}: floor {floor['rps']:6.0f} req/s ({floor['cpu_us_per_request']:.0f} µs"
              f" CPU/req), update {update['rps']:6.0f} req/s ({update['cpu_us_per_request']:.0f}"
              f" µs CPU/req, p50 {update['p50_ms']:.1f} ms, p99 {update['p99_ms']:.1f} ms):"
              f" ratio {pair['ratio_rps']:.2f}, CPU ratio {pair['ratio_cpu']:.2f}")
    update, batch = result["update"], result["batch"]
    print(f"PUT /sensors/update   median ratio to the bare Klein floor"
          f" {result['median_ratio_rps']:.2f} (goal >= 0.6); by server CPU per request"
          f" {result['median_ratio_cpu']:.2f}")
    print(f"  {update['requests']} requests, {update['readings_persisted']} readings persisted"
          f" ({update['readings_per_s']:.0f} readings/s), non-2xx {update['non_2xx']}")
    print(f"POST /sensors/batch   {batch['rps']:9.0f} req/s × {BATCH}   persisted"
          f" {batch['readings_persisted']} = {batch['readings_per_s']:.0f} readings/s"
          f" (goal >= 20000), p99 {batch['p99_ms']:.1f} ms, non-2xx {batch['non_2xx']}")
    print(f"engine RSS            idle {result['rss_idle_mib']:.1f} MiB, loaded"
          f" {result['rss_loaded_mib']:.1f} MiB, peak {result['rss_peak_mib']:.1f} MiB"
          f" (bare Klein: idle {result['floor_rss_idle_mib']:.1f}, peak"
          f" {result['floor_rss_peak_mib']:.1f})")


def main() -> None:
    """Run the floor and the engine; print the figures (and the ratio to the floor)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="per load run (default 10)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="floor/update pairs, median reported (default 3)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("this benchmark needs wrk: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        result = run(args.seconds, args.rounds, Path(tmp))
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print(result)


if __name__ == "__main__":
    main()
