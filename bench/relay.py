"""Relay command latency and relay agent memory (issue 5).

Runs, in one go on this machine:
- a bare Twisted+Klein process (bench/bare_klein.py): the RSS floor;
- an engine and a relay agent whose output ``heat`` is a sysfs GPIO line in a fake tree (so
  "output changed" is a real write to its ``value`` file), protections off (min on/off 0);
- ``--commands`` commands alternating on/off through the engine's ``PUT /v1/relays/<id>``:
  the engine calls the agent, which switches the line and answers; the engine answers once
  the line has changed. Each latency is that whole round trip (an upper bound of "engine
  decision → output changed"); the same number of commands sent straight to the agent is the
  floor the engine's hop adds to;
- the agent's idle RSS (two dummy outputs, engine URL given) after ``--settle`` seconds.

Prints p50/p99 (aim p99 ≤ 20 ms) and the RSS ratio against bare Klein; ``--json`` for one JSON
object. Run: ``.venv/bin/python bench/relay.py``.
"""

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchlib import bare_rss, free_port, rss_kib, start_daemon, stop_daemon

BIN = Path(sys.executable).parent
TOKEN = "bench-token-0123456789abcdef"
HOST = "bench-pi"


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RPYMOSTAT_")}
    env.update({"RPYMOSTAT_TOKEN": TOKEN, "RPYMOSTAT_LOG_LEVEL": "warn",
                "RPYMOSTAT_DATA_DIR": str(tmp), "RPYMOSTAT_ADVERTISE": "off",
                "RPYMOSTAT_HOST_ID": HOST, **extra})
    return env


def _get(port: int, path: str) -> Any:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        return json.loads(conn.getresponse().read())
    finally:
        conn.close()


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))]


def commands(port: int, path: str, count: int, line: Path) -> list[float]:
    """``count`` PUTs alternating on/off on one keep-alive connection; ms each. Checks that
    the line follows every one."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    times = []
    try:
        for n in range(count):
            on = n % 2 == 0
            body = json.dumps({"state": "on" if on else "off"})
            t0 = time.perf_counter()
            conn.request("PUT", path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read()
            times.append((time.perf_counter() - t0) * 1000)
            if response.status != 200:
                raise SystemExit(f"command {n}: HTTP {response.status} {content[:200]!r}")
            if (line / "value").read_text() != ("1" if on else "0"):
                raise SystemExit(f"command {n}: the line did not follow")
    finally:
        conn.close()
    return times


def idle_agent_rss(tmp: Path, engine_port: int, settle: float) -> float:
    """MiB of a relay agent with two dummy outputs, registered, after ``settle`` seconds."""
    port = free_port()
    env = _env(tmp / "idle", RPYMOSTAT_RELAY_AGENT_LISTEN=f"tcp:{port}:interface=127.0.0.1",
               RPYMOSTAT_ENGINE_URL=f"http://127.0.0.1:{engine_port}",
               RPYMOSTAT_HOST_ID="idle-pi")
    proc = start_daemon([str(BIN / "rpymostat-relay-agent"), "--dummy"], env, port)
    try:
        time.sleep(settle)
        if not _get(port, "/v1/status")["registration"]["registered"]:
            raise SystemExit("the idle agent did not register")
        return rss_kib(proc.pid) / 1024
    finally:
        stop_daemon(proc)


def main() -> None:
    """Run and print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commands", type=int, default=1000)
    parser.add_argument("--settle", type=float, default=10.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        line = tmp / "gpio" / "gpio17"
        line.mkdir(parents=True)
        (line / "direction").write_text("in")
        (line / "value").write_text("0")
        floor = bare_rss(args.settle)
        engine_port, agent_port = free_port(), free_port()
        engine = start_daemon([str(BIN / "rpymostat-engine")], _env(
            tmp / "engine", RPYMOSTAT_ENGINE_LISTEN=f"tcp:{engine_port}:interface=127.0.0.1",
            RPYMOSTAT_BUS_PUB_LISTEN=f"tcp://127.0.0.1:{free_port()}",
            RPYMOSTAT_BUS_SUB_LISTEN=f"tcp://127.0.0.1:{free_port()}"), engine_port)
        agent = None
        try:
            agent = start_daemon([str(BIN / "rpymostat-relay-agent"), "-a", "127.0.0.1", "-p",
                            str(engine_port), "-o",
                            f"heat=sysfs:gpio=17,root={tmp / 'gpio'},min_on=0,min_off=0"],
                           _env(tmp / "agent", RPYMOSTAT_RELAY_AGENT_LISTEN=(
                               f"tcp:{agent_port}:interface=127.0.0.1")), agent_port)
            for _ in range(100):
                if _get(engine_port, "/v1/relays")["relays"]:
                    break
                time.sleep(0.1)
            commands(engine_port, f"/v1/relays/{HOST}:heat", 50, line)  # warm-up
            via_engine = commands(engine_port, f"/v1/relays/{HOST}:heat", args.commands, line)
            direct = commands(agent_port, "/v1/relays/heat", args.commands, line)
            rss = idle_agent_rss(tmp, engine_port, args.settle)
        finally:
            if agent is not None:
                stop_daemon(agent)
            stop_daemon(engine)
    out = {"commands": args.commands,
           "engine_p50_ms": percentile(via_engine, 50), "engine_p99_ms": percentile(via_engine, 99),
           "engine_max_ms": max(via_engine), "engine_mean_ms": statistics.fmean(via_engine),
           "direct_p50_ms": percentile(direct, 50), "direct_p99_ms": percentile(direct, 99),
           "bare_klein_rss_mib": floor, "agent_idle_rss_mib": rss, "ratio_rss": rss / floor}
    if args.json:
        print(json.dumps(out))
        return
    print(f"{args.commands} commands, engine → agent → line changed → answer:"
          f" p50 {out['engine_p50_ms']:.2f} ms, p99 {out['engine_p99_ms']:.2f} ms"
          f" (aim ≤ 20), max {out['engine_max_ms']:.2f} ms")
    print(f"same straight to the agent (floor):       p50 {out['direct_p50_ms']:.2f} ms,"
          f" p99 {out['direct_p99_ms']:.2f} ms")
    print(f"bare Twisted+Klein RSS {floor:.1f} MiB; relay agent idle RSS {rss:.1f} MiB"
          f" ({rss / floor:.2f}x bare)")


if __name__ == "__main__":
    main()
