"""Issue 17: the README's "Try it" commands, run exactly as written (extracted from README.md,
so they cannot drift) against ``make run``'s suite as a real process (shared/suite.py, the demo).

Only the suite's ports (a free offset), the token's path and the virtualenv's bin directory are
substituted. Afterwards the demo must be as promised: the hand-made sensor never joined the
zone ``house``, the heater went back to its zone, the zone ``try-it`` is gone, and the house is
heated (the engine's heat output reported on, the house counting its switches) with no alarm.
"""

import re
import subprocess
import time
from pathlib import Path

from .processes import BIN, wait_for
from .test_demo import PORTS, get
from .test_suite_issue17 import RunningSuite, fresh

README = Path(__file__).resolve().parent.parent / "README.md"
MARKER = "<!-- try-it:"


def try_it_block() -> str:
    """The shell block that follows the try-it marker in the README."""
    text = README.read_text()
    after = text[text.index(MARKER):]
    match = re.search(r"```sh\n(.*?)```", after, re.S)
    assert match, "no ```sh block after the try-it marker"
    return match.group(1)


def for_suite(block: str, suite: RunningSuite, token: Path) -> str:
    """The block with this suite's ports, token file and virtualenv."""
    for port in PORTS.values():
        block = block.replace(f"127.0.0.1:{port}", f"127.0.0.1:{port + suite.offset}")
    return block.replace(".run/token", str(token)).replace(".venv/bin/", f"{BIN}/")


def heat_output(suite: RunningSuite) -> dict:
    return next(r for r in suite.engine("/v1/relays")["relays"] if r["function"] == "heat")


def test_the_readme_try_it_commands_leave_the_demo_heating(tmp_path: Path) -> None:
    """The commands run without a shell error; each undo leaves the demo as it was; the house
    is still heated as the README promises."""
    block = try_it_block()
    assert "/resume" in block and "DELETE" in block  # the undo steps are part of it
    suite = RunningSuite(tmp_path)
    try:
        suite.ready()
        wait_for(lambda: fresh(suite) and any(
            r["function"] == "heat" and r["reported"] == "on"
            for r in (suite.engine("/v1/relays") or {}).get("relays", [])), 60,
            "the demo heating (as the README says: within a minute)")
        script = for_suite(block, suite, tmp_path / "data" / "token")
        seen_house: list[list[str]] = []
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True,
                              text=True, timeout=120, check=False)
        assert done.returncode == 0, (done.stdout, done.stderr)
        out = done.stdout
        assert '"zone": "try-it"' in out.replace('":"', '": "') or "try-it" in out, out
        assert "held on by hand until" in out or "held off by hand until" in out \
            or '"status": "error"' in out.replace('":"', '": "'), out  # (a 409: protection)
        assert '"resumed"' in out, out

        # afterwards: the demo as promised
        assert get(suite.port["engine"], "/v1/zones/try-it") is None  # deleted
        zone = suite.engine("/v1/zones/house")
        seen_house.append([s["id"] for s in zone["state"]["sensors"]])
        assert not any(i.startswith("try-it:") for i in seen_house[-1]), seen_house
        heat = heat_output(suite)
        assert heat["commanded_by"] != "manual", heat
        deadline = time.monotonic() + 60
        heated = False
        while time.monotonic() < deadline and not heated:
            heat = heat_output(suite)
            house = get(suite.port["house"], "/v1/house")["zones"]["house"]
            heated = heat["reported"] == "on" and house["heater"]
            time.sleep(0.5)
        assert heated, (heat, house)
        decisions = suite.engine("/v1/zones/house/decisions?limit=50")["decisions"]
        assert any(d["state"] == "heating" for d in decisions), decisions
        assert all("try-it" not in (d["reason"] or "") for d in decisions)
        assert suite.engine("/v1/alarms")["active"] == [], suite.engine("/v1/alarms")
    finally:
        code = suite.stop()
    assert code == 0, suite.text()
