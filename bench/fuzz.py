"""schemathesis against every daemon's OpenAPI document, inside an isolated network namespace.

Starts the engine, the simulated house, a relay agent (dummy outputs) and a sensor agent (dummy
sensors) as real processes and runs ``st run`` on each one's ``/v1/openapi.json`` with all
checks (no 5xx, responses matching the document, documented statuses real...) and the site
token. Everything runs under ``unshare -n`` with only the loopback up, so relay registration
(the engine calls whatever address the request names) cannot reach the machine's other
services; the script re-executes itself there (it needs root or user namespaces).

    python bench/fuzz.py --budget 200            # examples per operation; figures per daemon
    python bench/fuzz.py --budget 10 --max-time 25 --json out.json   # what make test runs

Exit status: 0 when no daemon failed a check, 1 when one did, 77 when no network namespace
can be made here (the reason on stderr).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import free_port, wait_http

BIN = Path(sys.executable).parent
TOKEN = "fuzz-token-0123456789abcdef"
ISOLATED = "RPYMOSTAT_FUZZ_ISOLATED"
NO_NETNS = 77
# what every daemon promises and make test holds it to: no 5xx, every status documented,
# every response's content type, schema and headers as documented
PROMISES = ("not_a_server_error,status_code_conformance,content_type_conformance,"
            "response_schema_conformance,response_headers_conformance")


def isolate(argv: list[str]) -> int:
    """Re-run this script in a new network namespace with only the loopback up."""
    unshare = shutil.which("unshare")
    ip = shutil.which("ip")
    if unshare is None or ip is None:
        print("fuzz: needs unshare and ip (util-linux, iproute2)", file=sys.stderr)
        return NO_NETNS
    probe = subprocess.run([unshare, "-n", "true"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        print(f"fuzz: cannot make a network namespace: {probe.stderr.strip()}", file=sys.stderr)
        return NO_NETNS
    script = f'{ip} link set lo up && exec "$@"'
    return subprocess.call([unshare, "-n", "sh", "-c", script, "sh", sys.executable,
                            __file__, *argv], env={**os.environ, ISOLATED: "1"})


def base_env(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RPYMOSTAT_")}
    env.update({"RPYMOSTAT_DATA_DIR": str(data), "RPYMOSTAT_TOKEN": TOKEN,
                "RPYMOSTAT_ADVERTISE": "off", "RPYMOSTAT_HTTP_TIMEOUT": "2"})
    return env


def daemons(tmp: Path, engine_port: int) -> dict[str, tuple[list[str], dict[str, str], int]]:
    """name -> (argv, environment, port)."""
    ports = {name: free_port() for name in ("house", "relay", "sensor")}
    engine_env = {**base_env(tmp / "engine"),
                  "RPYMOSTAT_ENGINE_LISTEN": f"tcp:{engine_port}:interface=127.0.0.1",
                  "RPYMOSTAT_BUS_PUB_LISTEN": "tcp://127.0.0.1:0",
                  "RPYMOSTAT_BUS_SUB_LISTEN": "tcp://127.0.0.1:0"}
    house_env = {**base_env(tmp / "house"),
                 "RPYMOSTAT_HOUSE_LISTEN": f"tcp:{ports['house']}:interface=127.0.0.1"}
    sensor_env = {**base_env(tmp / "sensor"), "RPYMOSTAT_HOST_ID": "fuzzpi",
                  "RPYMOSTAT_SENSOR_AGENT_LISTEN":
                      f"tcp:{ports['sensor']}:interface=127.0.0.1"}
    return {
        "engine": ([str(BIN / "rpymostat-engine")], engine_env, engine_port),
        "house": ([str(BIN / "rpymostat-house")], house_env, ports["house"]),
        "relay agent": ([str(BIN / "rpymostat-relay-agent"), "-a", "127.0.0.1", "-p",
                         str(engine_port), "--listen",
                         f"tcp:{ports['relay']}:interface=127.0.0.1", "-o", "heat=dummy",
                         "-o", "cool=dummy"],
                        {**base_env(tmp / "relay"), "RPYMOSTAT_HOST_ID": "fuzzrelay"},
                        ports["relay"]),
        "sensor agent": ([str(BIN / "rpymostat-sensor-agent"), "-a", "127.0.0.1", "-p",
                          str(engine_port), "-i", "1", "-c", "dummy=seed=3"], sensor_env,
                         ports["sensor"]),
    }


def fuzz(name: str, port: int, budget: int, max_time: int, report: Path, checks: str,
         exclude_path_regex: str | None = None) -> dict[str, Any]:
    """Run ``st run`` on one daemon; its figures from the NDJSON events."""
    events = report / f"{name.replace(' ', '-')}.ndjson"
    argv = [str(BIN / "st"), "run", f"http://127.0.0.1:{port}/v1/openapi.json",
            "--url", f"http://127.0.0.1:{port}", "--checks", checks,
            "--max-examples", str(budget), "--max-time", str(max_time), "--seed", "23",
            "--header", f"Authorization: Bearer {TOKEN}", "--workers", "1",
            "--request-timeout", "10", "--no-color", "--suppress-health-check", "all",
            "--report", "ndjson", "--report-ndjson-path", str(events)]
    if exclude_path_regex:
        argv += ["--exclude-path-regex", exclude_path_regex]
    started = time.monotonic()
    run = subprocess.run(argv, capture_output=True, text=True, timeout=max_time + 120, cwd=report,
                         check=False)
    return {"daemon": name, "exit": run.returncode, "seconds": round(time.monotonic() - started, 1),
            "output": run.stdout[-6000:] + run.stderr[-2000:], **figures(events)}


def figures(events: Path) -> dict[str, Any]:
    """Cases per operation and failures, read from schemathesis' NDJSON event stream."""
    cases: dict[str, int] = {}
    failures: list[str] = []
    if not events.exists():
        return {"cases": cases, "failures": ["no report written"]}
    for line in events.read_text().splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        for kind, body in event.items():
            if kind != "ScenarioFinished" or not isinstance(body, dict):
                continue
            label = (body.get("recorder") or {}).get("label") or "?"
            cases[label] = cases.get(label, 0) + len((body.get("recorder") or {}).get("cases", {}))
            status = body.get("status")
            if status in ("failure", "error"):
                failures.append(label)
    return {"cases": cases, "failures": sorted(set(failures))}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", type=int, default=200, help="examples per operation")
    parser.add_argument("--max-time", type=int, default=120, help="seconds per daemon")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--daemons", default="engine,house,relay agent,sensor agent")
    parser.add_argument("--checks", default="all",
                        help=f"schemathesis checks (make test: {PROMISES})")
    parser.add_argument("--exclude-path-regex", default=None,
                        help="operations whose path matches are not fuzzed (make test: the"
                             " engine's relay routes, whose known findings BENCHMARKS.md lists)")
    args = parser.parse_args(argv)
    if os.environ.get(ISOLATED) != "1":
        return isolate(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="rpymostat-fuzz-") as tmpdir:
        tmp = Path(tmpdir)
        table = daemons(tmp, free_port())
        procs: list[subprocess.Popen[bytes]] = []
        try:
            for name in args.daemons.split(","):
                cmd, env, port = table[name]
                with open(tmp / f"{name}.log", "wb") as log:
                    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
                procs.append(proc)
                wait_http(port, proc)
                result = fuzz(name, port, args.budget, args.max_time, tmp, args.checks,
                              args.exclude_path_regex)
                result["alive"] = proc.poll() is None
                result["traceback_in_log"] = "Traceback" in (tmp / f"{name}.log").read_text(
                    errors="replace")
                results.append(result)
                total = sum(result["cases"].values())
                print(f"{name:<13} {len(result['cases']):>3} operations {total:>6} cases"
                      f" {result['seconds']:>6.1f} s  failures: {result['failures'] or 'none'}"
                      f"  exit {result['exit']}", flush=True)
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    bad = [r for r in results if r["exit"] != 0 or r["failures"] or not r["alive"]]
    for r in bad:
        print(f"--- {r['daemon']} ---\n{r['output']}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
