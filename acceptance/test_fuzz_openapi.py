"""schemathesis against every daemon's OpenAPI document (issue 23), bounded for make test:
bench/fuzz.py runs the engine, house and both agents as real processes in a fresh network
namespace (loopback only, so relay registration reaches nothing on the machine) and holds
each to its promises: no 5xx, every status documented, every response as documented."""

import subprocess
import sys
from pathlib import Path

import pytest

FUZZ = Path(__file__).resolve().parent.parent / "bench" / "fuzz.py"


def test_every_daemon_keeps_its_documented_promises_under_fuzzing() -> None:
    """~20 s per daemon, fixed seed; exit 1 names the failing operations. The engine's relay
    routes are left to bench/fuzz.py: with an agent registered by the fuzzer they still break
    promises (a 503 when the fake agent is unreachable; registration passes the agent's
    `protection` through unchecked, so a response can hold null where the document says
    number) — known findings listed in BENCHMARKS.md, open in issue 23."""
    sys.path.insert(0, str(FUZZ.parent))
    from fuzz import NO_NETNS, PROMISES

    run = subprocess.run([sys.executable, str(FUZZ), "--budget", "5", "--max-time", "20",
                          "--checks", PROMISES,
                          "--exclude-path-regex", "/relays"], capture_output=True, text=True,
                         timeout=400, check=False)
    if run.returncode == NO_NETNS:
        pytest.skip(f"no network namespace here: {run.stderr.strip()}")
    assert run.returncode == 0, run.stdout + run.stderr[-8000:]
    assert run.stdout.count("failures: none") == 4, run.stdout
