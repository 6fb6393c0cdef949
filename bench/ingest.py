"""Ingest benchmark (issue 2): readings/s into the engine, persisted, against the framework floor.

Measures, in one run on this machine:
- the bare Klein JSON PUT endpoint (bench/bare_klein.py): requests/s — the floor;
- ``PUT /v1/sensors/update``, one reading per request: readings/s and ratio to the floor;
- ``POST /v1/sensors/batch``, BATCH readings per request: readings/s;
- the engine's RSS idle (after start) and loaded (peak, VmHWM).
Every figure counts only readings found in the SQLite file afterwards (persisted).

Load comes from wrk (``apt-get install wrk``) with -t2 -c32, as in ../shared/PITFALLS.md.
Run from the repo root: ``.venv/bin/python bench/ingest.py [--seconds 10] [--json]``.
"""

import argparse
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import cpu_seconds, free_port, rss_kib, wait_http

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
  local base = BASE + (tid * 100000000 + n) * BATCH
  for i = 0, BATCH - 1 do
    local t = base + i
    local s = math.floor(t / 1000000)
    local us = t % 1000000
    parts[#parts + 1] = string.format(
      '{"sensor_id":"b%d","timestamp":"%s.%06dZ","type":"DS18B20","value":20.5}',
      tid, os.date("!%Y-%m-%dT%H:%M:%S", s), us)
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


def _start(argv: list[str], env: dict[str, str] | None, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_http(port, proc)
    return proc


def _stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait(30)


def _count(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(sql).fetchone()[0])


def bare_floor(seconds: int, workdir: Path) -> dict[str, float]:
    """requests/s (and RSS) of the bare Klein endpoint under the update-route load."""
    port = free_port()
    proc = _start([sys.executable, str(ROOT / "bench" / "bare_klein.py"), str(port)], None, port)
    try:
        idle = rss_kib(proc.pid)
        result = _wrk(port, UPDATE_LUA.replace("TOKEN", TOKEN), seconds, workdir, proc.pid)
        result.update(rss_idle_mib=idle / 1024, rss_peak_mib=rss_kib(proc.pid, "VmHWM") / 1024)
        return result
    finally:
        _stop(proc)


def engine_run(seconds: int, workdir: Path) -> dict[str, object]:
    """Both ingest routes against one engine on SQLite; counts what reached the file."""
    port = free_port()
    data = workdir / "engine"
    env = {**os.environ, "RPYMOSTAT_ENGINE_LISTEN": f"tcp:{port}:interface=127.0.0.1",
           "RPYMOSTAT_DATA_DIR": str(data), "RPYMOSTAT_TOKEN": TOKEN,
           "RPYMOSTAT_LOG_LEVEL": "warn"}
    proc = _start([str(BIN / "rpymostat-engine")], env, port)
    db = data / "rpymostat.sqlite3"
    try:
        time.sleep(1)
        idle = rss_kib(proc.pid)
        update = _wrk(port, UPDATE_LUA.replace("TOKEN", TOKEN), seconds, workdir, proc.pid)
        after_update = _count(db, "SELECT count(*) FROM readings")
        base_us = int((time.time() - 30 * 86400) * 1e6)
        batch_lua = (BATCH_LUA.replace("TOKEN", TOKEN).replace("BASE", str(base_us))
                     .replace("BATCH", str(BATCH)))
        batch = _wrk(port, batch_lua, seconds, workdir, proc.pid)
        peak = rss_kib(proc.pid, "VmHWM")
        loaded = rss_kib(proc.pid)
    finally:
        _stop(proc)
    batch_rows = _count(db, "SELECT count(*) FROM readings WHERE sensor LIKE 'bench:b%'")
    update_rows = after_update
    return {
        "update": {**update, "readings_persisted": update_rows,
                   "readings_per_s": update_rows / update["seconds"]},
        "batch": {**batch, "readings_persisted": batch_rows,
                  "readings_per_s": batch_rows / batch["seconds"], "batch_size": BATCH},
        "rss_idle_mib": idle / 1024, "rss_loaded_mib": loaded / 1024,
        "rss_peak_mib": peak / 1024,
    }


def main() -> None:
    """Run the floor and the engine; print the figures (and the ratio to the floor)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("this benchmark needs wrk: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        floor = bare_floor(args.seconds, Path(tmp))
        engine = engine_run(args.seconds, Path(tmp))
    update = engine["update"]
    batch = engine["batch"]
    result = {"floor": floor, "engine": engine,
              "ratio_update_rps_to_floor": update["rps"] / floor["rps"],  # type: ignore[index]
              "ratio_update_cpu_to_floor": (floor["cpu_us_per_request"]
                                            / update["cpu_us_per_request"]),  # type: ignore[index]
              "goal_ratio": 0.6, "goal_batch_readings_per_s": 20_000}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"bare Klein floor      {floor['rps']:9.0f} req/s   p50 {floor['p50_ms']:.2f} ms"
          f"  p99 {floor['p99_ms']:.2f} ms  RSS {floor['rss_idle_mib']:.1f} MiB")
    print(f"PUT /sensors/update   {update['rps']:9.0f} req/s   p50 {update['p50_ms']:.2f} ms"
          f"  p99 {update['p99_ms']:.2f} ms  persisted {update['readings_persisted']}"
          f" ({update['readings_per_s']:.0f} readings/s), non-2xx {update['non_2xx']}")
    print(f"  ratio to floor      {result['ratio_update_rps_to_floor']:.2f} (goal >= 0.6)")
    print(f"  server CPU/request  floor {floor['cpu_us_per_request']:.0f} µs, engine"
          f" {update['cpu_us_per_request']:.0f} µs: floor/engine"
          f" {result['ratio_update_cpu_to_floor']:.2f} (the same comparison, steadier on a"
          f" noisy machine)")
    print(f"POST /sensors/batch   {batch['rps']:9.0f} req/s × {BATCH}   persisted"
          f" {batch['readings_persisted']} = {batch['readings_per_s']:.0f} readings/s"
          f" (goal >= 20000), p99 {batch['p99_ms']:.1f} ms, non-2xx {batch['non_2xx']}")
    print(f"engine RSS            idle {engine['rss_idle_mib']:.1f} MiB, loaded"
          f" {engine['rss_loaded_mib']:.1f} MiB, peak {engine['rss_peak_mib']:.1f} MiB")


if __name__ == "__main__":
    main()
