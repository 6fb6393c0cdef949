"""The engine as a real process on a real socket, with a real SQLite file."""

import json
import signal
import stat
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from rpymostat.engine.config import SETTINGS

from .processes import BIN, Daemon, assert_clean_exit, engine_env, free_port

SEED = {"host_id": "myhostid", "sensors": {"1058F50F01080047": {
    "type": "DS18S20", "value": 24.3125, "alias": "some_alias", "extra": "arbitrary string"}}}
GOOD = {"type": "DS18B20", "value": 20.5}


def test_seed_example_round_trip(running_engine: Daemon) -> None:
    """The seed's example PUT returns 201 and the reading shows in GET /v1/sensors."""
    assert running_engine.request("PUT", "/v1/sensors/update", SEED) == (
        201, {"status": "ok", "ids": ["myhostid:1058F50F01080047"]})
    code, body = running_engine.request("GET", "/v1/sensors")
    assert code == 200
    assert [(s["id"], s["last_value"], s["stale"]) for s in body["sensors"]] == [
        ("myhostid:1058F50F01080047", 24.3125, False)]


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


def _update(**sensor: object) -> bytes:
    return _json({"host_id": "h", "sensors": {"s": sensor}})


MALFORMED: list[tuple[str, bytes, int]] = [
    ("empty body", b"", 400),
    ("not JSON", b"hello", 400),
    ("truncated JSON", b'{"host_id": "h", "sensors": {', 400),
    ("not UTF-8", b'{"host_id": "\xff\xfe"}', 400),
    ("NaN literal", b'{"host_id": "h", "sensors": {"s": {"type": "x", "value": NaN}}}', 400),
    ("nested 100k deep", b"[" * 100_000 + b"]" * 100_000, 400),
    ("JSON null", b"null", 422),
    ("JSON array", b"[]", 422),
    ("JSON string", b'"update"', 422),
    ("host_id missing", _json({"sensors": {"s": GOOD}}), 422),
    ("host_id a number", _json({"host_id": 7, "sensors": {"s": GOOD}}), 422),
    ("host_id empty", _json({"host_id": "", "sensors": {"s": GOOD}}), 422),
    ("host_id over-long", _json({"host_id": "h" * 500, "sensors": {"s": GOOD}}), 422),
    ("sensors missing", _json({"host_id": "h"}), 422),
    ("sensors a list", _json({"host_id": "h", "sensors": [GOOD]}), 422),
    ("sensors empty", _json({"host_id": "h", "sensors": {}}), 422),
    ("sensor id over-long", _json({"host_id": "h", "sensors": {"s" * 300: GOOD}}), 422),
    ("value a string", _update(type="x", value="20.5"), 422),
    ("value 1e308", _update(type="x", value=1e308), 422),
    ("value -1e400 (infinite)", b'{"host_id":"h","sensors":{"s":{"type":"x","value":-1e400}}}',
     422),
    ("value missing", _update(type="x"), 422),
    ("value a boolean", _update(type="x", value=True), 422),
    ("type an object", _update(type={"a": 1}, value=1), 422),
    ("unknown field", _update(type="x", value=1, fahrenheit=True), 422),
    ("one good, one bad sensor", _json({"host_id": "h", "sensors": {
        "good": GOOD, "bad": {"type": "x", "value": "warm"}}}), 422),
    ("300 sensors", _json({"host_id": "h", "sensors": {f"s{i}": GOOD for i in range(300)}}), 422),
    ("2 MiB body", b'{"host_id": "' + b"h" * (2 * 1024 * 1024) + b'"}', 413),
]


def test_malformed_bodies_get_json_4xx_and_engine_keeps_serving(running_engine: Daemon) -> None:
    """Every malformed body in the table gets its 4xx JSON error; nothing is stored; no crash."""
    assert len(MALFORMED) >= 20
    for label, raw, expected in MALFORMED:
        code, body = running_engine.request("PUT", "/v1/sensors/update", raw=raw)
        assert code == expected, (label, body)
        assert body["status"] == "error" and body["error"], label
        assert running_engine.alive(), label
    assert running_engine.request("GET", "/v1/sensors")[1] == {"sensors": []}
    assert running_engine.request("GET", "/v1/status")[0] == 200
    assert running_engine.request("PUT", "/v1/sensors/update", SEED)[0] == 201
    assert "unexpected error" not in running_engine.log()


def test_put_without_token_is_401(running_engine: Daemon) -> None:
    """Without the site token a PUT is refused with a JSON 401."""
    code, body = running_engine.request("PUT", "/v1/sensors/update", SEED, token=None)
    assert (code, body["status"]) == (401, "error")


def _acked_updates(engine: Daemon, count: int) -> list[str]:
    """Send ``count`` single-reading PUTs from 8 threads; return the ids acknowledged 201."""

    def send(i: int) -> str | None:
        body = {"host_id": "load", "sensors": {f"s{i}": {"type": "t", "value": i % 50}}}
        code, answer = engine.request("PUT", "/v1/sensors/update", body)
        return answer["ids"][0] if code == 201 else None

    with ThreadPoolExecutor(8) as pool:
        return [i for i in pool.map(send, range(count)) if i]


def _acked_batches(engine: Daemon, batches: int, size: int) -> int:
    start = datetime.now(UTC) - timedelta(hours=1)

    def send(b: int) -> int:
        readings = [{"sensor_id": "batched", "timestamp": (start + timedelta(
            milliseconds=b * size + i)).isoformat(), "type": "t", "value": 20.0}
            for i in range(size)]
        code, answer = engine.request("POST", "/v1/sensors/batch",
                                      {"host_id": "load", "readings": readings})
        return int(answer["stored"]) if code == 201 else 0

    with ThreadPoolExecutor(4) as pool:
        return sum(pool.map(send, range(batches)))


def test_sigkill_after_201s_loses_nothing(engine_factory) -> None:
    """Readings acknowledged with 201 survive a SIGKILL right after and a restart."""
    port = free_port()
    first = engine_factory(port).start()
    acked = _acked_updates(first, 300)
    stored = _acked_batches(first, 20, 250)
    first.stop(signal.SIGKILL)
    assert len(acked) == 300 and stored == 5000
    second = engine_factory(port).start()
    sensors = {s["id"] for s in second.request("GET", "/v1/sensors")[1]["sensors"]}
    assert set(acked) <= sensors
    code, history = second.request(
        "GET", "/v1/sensors/load:batched/readings?limit=10000&start=2000-01-01T00:00:00Z")
    assert code == 200
    assert len(history["readings"]) == 5000


def test_show_config_lists_every_variable(tmp_path) -> None:
    """rpymostat-engine --show-config prints every variable and exits 0."""
    out = subprocess.run([BIN / "rpymostat-engine", "--show-config"], capture_output=True,
                         text=True, env=engine_env(tmp_path, 1), timeout=30, check=True).stdout
    for setting in SETTINGS:
        assert setting.name in out


@pytest.mark.parametrize(("name", "value"), [
    ("RPYMOSTAT_AUTH", "perhaps"), ("RPYMOSTAT_ENGINE_LISTEN", "tcp:http"),
    ("RPYMOSTAT_STORE", "redis://x")])
def test_bad_variable_exits_nonzero_naming_it(tmp_path, name: str, value: str) -> None:
    """An invalid environment variable stops start-up with a message naming it."""
    result = subprocess.run([BIN / "rpymostat-engine"], capture_output=True, text=True,
                            env=engine_env(tmp_path, 1, **{name: value}), timeout=30,
                            check=False)
    assert result.returncode != 0
    assert f"error: {name}: invalid value" in result.stderr


def test_port_in_use_exits_nonzero(running_engine: Daemon, tmp_path) -> None:
    """A second engine on a taken port exits non-zero instead of running deaf."""
    result = subprocess.run([BIN / "rpymostat-engine"], capture_output=True, text=True,
                            env=engine_env(tmp_path / "other", running_engine.port), timeout=30,
                            check=False)
    assert result.returncode == 1
    assert "could not start" in result.stderr


def test_generated_token_file(engine_factory, tmp_path) -> None:
    """Without RPYMOSTAT_TOKEN a token is generated into the data dir (0600) and works."""
    daemon = engine_factory()
    del daemon.env["RPYMOSTAT_TOKEN"]
    daemon.start()
    token_file = tmp_path / "data" / "token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert str(token_file) in daemon.log()
    token = token_file.read_text().strip()
    assert daemon.request("PUT", "/v1/sensors/update", SEED, token=token)[0] == 201
    assert daemon.request("PUT", "/v1/sensors/update", SEED)[0] == 401


def test_twistd_plugin_runs_the_same_engine(tmp_path) -> None:
    """``twistd -n rpymostat-engine`` serves the same API and stops cleanly on SIGTERM."""
    port = free_port()
    daemon = Daemon([str(BIN / "twistd"), "-n", "--pidfile=", "rpymostat-engine"],
                    engine_env(tmp_path, port), port, tmp_path / "twistd.log")
    try:
        daemon.start()
        assert daemon.request("PUT", "/v1/sensors/update", SEED)[0] == 201
        assert daemon.request("GET", "/v1/status")[1]["status"] is True
    finally:
        assert_clean_exit(daemon)
