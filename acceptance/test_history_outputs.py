"""Output history in real processes (issue 20): a relay agent's reported states reach the
engine's bus, the engine records each change, and GET /v1/history and GET /v1/stats/runtime
give the output's on-interval and on-time."""

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from .processes import Daemon, assert_clean_exit, free_port, relay_agent_process, wait_for

HOST = "history-pi"


def _agent(tmp_path: Path, engine_port: int) -> Daemon:
    return relay_agent_process(tmp_path, engine_port, HOST, "-o", "heat=dummy")


def _intervals(engine: Daemon, start: datetime) -> list[dict[str, Any]]:
    code, body = engine.request("GET", "/v1/history?" + urlencode(
        {"series": f"{HOST}:heat", "start": start.isoformat()}))
    return body["series"][0]["intervals"] if code == 200 else []


def test_output_changes_are_history(tmp_path: Path, engine_factory) -> None:
    """Switched on by hand, the output's recorded 'on' interval starts then and is open;
    the zone's runtime statistics count its on-time and one cycle."""
    engine_port = free_port()
    engine = engine_factory(engine_port).start()
    agent = _agent(tmp_path, engine_port).start()
    start = datetime.now(UTC) - timedelta(minutes=1)
    try:
        wait_for(lambda: engine.request("GET", f"/v1/relays/{HOST}:heat")[0] == 200, 10,
                 "registration")
        switched = datetime.now(UTC)
        code, body = engine.request("PUT", f"/v1/relays/{HOST}:heat", {"state": "on"})
        assert code == 200 and body["reported"] == "on", body
        [interval] = wait_for(lambda: _intervals(engine, start), 10, "the recorded change")
        assert interval["open"] is True
        on_at = datetime.fromtimestamp(interval["start"] / 1000, UTC)
        assert abs(on_at - switched) < timedelta(seconds=3)
        time.sleep(1.0)
        code, stats = engine.request("GET", "/v1/stats/runtime?zone=house&period=day")
        assert code == 200, stats
        assert stats["outputs"] == [f"{HOST}:heat"]
        assert stats["totals"]["cycles"] == {f"{HOST}:heat": 1}
        assert stats["totals"]["on_s"][f"{HOST}:heat"] >= 1.0
    finally:
        assert_clean_exit(agent)
