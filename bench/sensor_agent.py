"""Sensor agent cost on a Pi Zero: idle RSS and CPU per reading round (issue 4).

Runs, in one go on this machine:
- a bare Twisted+Klein process (bench/bare_klein.py): the RSS floor;
- an engine, and against it the sensor agent with one dummy sensor, twice: as ``make run``
  starts it (engine URL given, no mDNS) and as on a LAN Pi (mDNS advertise + browse);
- for each agent: RSS after 10 s idle at the default 60 s interval, then CPU per round over
  ``--rounds`` rounds at 0.1 s (each round reads, POSTs to the engine and publishes status).

Prints the figures and the ratio agent RSS / bare Klein RSS (aim ≤ 1.1); ``--json`` for one
JSON object. Run: ``.venv/bin/python bench/sensor_agent.py``.
"""

import argparse
import json
import os
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from benchlib import bare_rss, cpu_seconds, free_port, rss_kib, start_daemon, stop_daemon

BIN = Path(sys.executable).parent
TOKEN = "bench-token-0123456789abcdef"


def _status(port: int) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/status", timeout=5) as r:
        return json.loads(r.read())


def _base_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RPYMOSTAT_")}
    env.update({"RPYMOSTAT_TOKEN": TOKEN, "RPYMOSTAT_LOG_LEVEL": "warn",
                "RPYMOSTAT_DATA_DIR": str(tmp)})
    return env


def agent_run(tmp: Path, engine_port: int, mdns: bool, rounds: int, settle: float
              ) -> dict[str, float]:
    """Idle RSS at a 60 s interval, then CPU per round at 0.1 s."""
    result: dict[str, float] = {}
    for interval in ("60", "0.1"):
        port = free_port()
        env = _base_env(tmp / f"agent-{mdns}-{interval}")
        env.update({"RPYMOSTAT_SENSOR_AGENT_LISTEN": f"tcp:{port}:interface=127.0.0.1",
                    "RPYMOSTAT_SENSORS": "dummy", "RPYMOSTAT_SENSOR_INTERVAL": interval,
                    "RPYMOSTAT_ADVERTISE": "on" if mdns else "off"})
        if not mdns:
            env["RPYMOSTAT_ENGINE_URL"] = f"http://127.0.0.1:{engine_port}"
        proc = start_daemon([str(BIN / "rpymostat-sensor-agent")], env, port)
        try:
            if interval == "60":
                time.sleep(settle)
                result["rss_idle_mib"] = rss_kib(proc.pid) / 1024
                result["engine_found"] = _status(port)["engine"]["state"] == "found"
                # GET /metrics imports prometheus_client on first use: what does it cost?
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics",
                                            timeout=5) as r:
                    r.read()
                time.sleep(1.0)
                result["rss_scraped_mib"] = rss_kib(proc.pid) / 1024
                continue
            time.sleep(1.0)
            first, cpu0 = _status(port)["readings"]["rounds"], cpu_seconds(proc.pid)
            while _status(port)["readings"]["rounds"] < first + rounds:
                time.sleep(0.2)
            last, cpu1 = _status(port)["readings"]["rounds"], cpu_seconds(proc.pid)
            result["cpu_ms_per_round"] = (cpu1 - cpu0) * 1000 / (last - first)
            result["rss_busy_mib"] = rss_kib(proc.pid) / 1024
            result["sent"] = _status(port)["delivery"]["sent"]
        finally:
            stop_daemon(proc)
    return result


def main() -> None:
    """Run and print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--settle", type=float, default=10.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        floor = bare_rss(args.settle)
        floor_no_tls = bare_rss(args.settle, no_tls=True)
        engine_port = free_port()
        env = _base_env(tmp / "engine")
        env.update({"RPYMOSTAT_ENGINE_LISTEN": f"tcp:{engine_port}",
                    "RPYMOSTAT_BUS_PUB_LISTEN": f"tcp://*:{free_port()}",
                    "RPYMOSTAT_BUS_SUB_LISTEN": f"tcp://*:{free_port()}"})
        engine = start_daemon([str(BIN / "rpymostat-engine")], env, engine_port)
        try:
            plain = agent_run(tmp, engine_port, False, args.rounds, args.settle)
            lan = agent_run(tmp, engine_port, True, args.rounds, args.settle)
        finally:
            stop_daemon(engine)
    out = {"bare_klein_rss_mib": floor, "bare_klein_no_tls_rss_mib": floor_no_tls,
           "agent_url": plain, "agent_mdns": lan,
           "ratio_rss_url": plain["rss_idle_mib"] / floor,
           "ratio_rss_mdns": lan["rss_idle_mib"] / floor,
           "ratio_rss_url_no_tls_floor": plain["rss_idle_mib"] / floor_no_tls,
           "ratio_rss_mdns_no_tls_floor": lan["rss_idle_mib"] / floor_no_tls}
    if args.json:
        print(json.dumps(out))
        return
    print(f"bare Twisted+Klein RSS       {floor:.1f} MiB (the issue's floor);"
          f" without TLS loaded {floor_no_tls:.1f} MiB")
    for label, run in (("agent (engine URL)", plain), ("agent (mDNS)", lan)):
        print(f"{label:<28} idle RSS {run['rss_idle_mib']:.1f} MiB"
              f" ({run['rss_idle_mib'] / floor:.2f}x bare,"
              f" {run['rss_idle_mib'] / floor_no_tls:.2f}x bare without TLS),"
              f" after a /metrics scrape {run['rss_scraped_mib']:.1f} MiB,"
              f" busy RSS {run['rss_busy_mib']:.1f}"
              f" MiB, CPU {run['cpu_ms_per_round']:.2f} ms/round, engine found:"
              f" {bool(run['engine_found'])}")


if __name__ == "__main__":
    main()
