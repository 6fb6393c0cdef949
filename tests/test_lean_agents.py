"""What keeps an agent small on a Pi Zero (issue 4): no Klein for its read-only routes, no
python-zeroconf without mDNS, no SQLite until something must be queued, only the configured
sensor classes imported, and Twisted's TLS stack left out unless a setting asks for it."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted
from treq.testing import StubTreq
from twisted.logger import globalLogPublisher
from twisted.python import usage
from twisted.web.server import Request

from rpymostat.sensor_agent.config import check_classes
from rpymostat.sensor_agent.diskqueue import DiskQueue
from rpymostat.sensor_agent.plugin import ClassSpec, installed_names, installed_plugins
from rpymostat.shared.errors import Unauthorized
from rpymostat.shared.plainroutes import GetRoutes
from rpymostat.shared.tlsgate import needs_tls, parse_tls, skip_tls_unless_needed, tls_note

from .helpers import result_of

# -- GetRoutes: the Klein-free routes answer errors like the Klein apps ----------------------


def _boom(_request: Request) -> bytes:
    raise RuntimeError("kaboom")


def _denied(_request: Request) -> bytes:
    raise Unauthorized("no token")


ROUTES = GetRoutes({"/v1/status": lambda request: b'{"status": true}', "/boom": _boom,
                    "/denied": _denied})


def _call(method: str, path: str) -> tuple[int, Any, Any]:
    response = result_of(StubTreq(ROUTES).request(method, f"http://agent{path}"))
    body = result_of(response.content())
    return response.code, response.headers, json.loads(body) if body else None


def test_a_route_answers_its_handlers_body_to_get_and_head() -> None:
    assert _call("GET", "/v1/status")[::2] == (200, {"status": True})
    code, _headers, body = _call("HEAD", "/v1/status")
    assert (code, body) == (200, None)


def test_an_unknown_path_is_a_json_404_naming_it() -> None:
    code, _headers, body = _call("GET", "/v1/nothing")
    assert code == 404
    assert body == {"status": "error", "error": "no such resource: /v1/nothing"}


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE", "PATCH"])
def test_another_method_is_a_json_405_with_allow(method: str) -> None:
    code, headers, body = _call(method, "/v1/status")
    assert code == 405
    assert headers.getRawHeaders("allow") == ["GET, HEAD"]
    assert body["error"] == f"{method} is not allowed on /v1/status; allowed: GET, HEAD"


def test_an_api_error_keeps_its_status_and_headers() -> None:
    code, headers, body = _call("GET", "/denied")
    assert (code, body["error"]) == (401, "no token")
    assert headers.getRawHeaders("www-authenticate") == ['Bearer realm="rpymostat"']


def test_an_unexpected_error_is_logged_and_answered_500() -> None:
    events: list[dict[str, Any]] = []
    globalLogPublisher.addObserver(events.append)
    try:
        code, _headers, body = _call("GET", "/boom")
    finally:
        globalLogPublisher.removeObserver(events.append)
    assert code == 500
    assert "bug" in body["error"]
    assert any(e.get("log_failure") is not None
               and isinstance(e["log_failure"].value, RuntimeError) for e in events)


# -- the disk queue opens only when there is something to queue ------------------------------


@pytest_twisted.ensureDeferred
async def test_the_queue_creates_no_file_until_something_is_queued(tmp_path: Path) -> None:
    from twisted.internet import reactor

    path = tmp_path / "q.sqlite3"
    queue = DiskQueue(reactor, path, max_items=5)
    await queue.open()
    assert (queue.length, queue.dropped) == (0, 0)
    assert not path.exists()
    await queue.close()
    assert not path.exists()

    queue = DiskQueue(reactor, path, max_items=5)
    await queue.open()
    await queue.append([{"n": 1}])
    assert path.exists()
    await queue.close()
    again = DiskQueue(reactor, path, max_items=5)
    await again.open()  # a file left by the last run is opened at once, to be replayed
    assert again.length == 1
    await again.close()


# -- only the configured sensor classes are imported --------------------------------------


def test_only_the_named_plugins_are_loaded() -> None:
    assert list(installed_plugins(["dummy"])) == ["dummy"]
    assert installed_plugins([]) == {}
    assert {"dummy", "w1", "owfs", "sim"} <= set(installed_names())


def test_an_unknown_class_names_the_installed_ones() -> None:
    with pytest.raises(usage.UsageError, match=r"unknown sensor class 'nope' \(installed: .*dummy"):
        check_classes((ClassSpec("dummy"), ClassSpec("nope")))


# -- TLS only when a setting asks for it ---------------------------------------------------


@pytest.mark.parametrize(("environ", "argv", "expected"), [
    ({}, [], False),
    ({"RPYMOSTAT_ENGINE_URL": "http://pi:8088"}, ["-i", "60"], False),
    ({"RPYMOSTAT_ENGINE_URL": "https://pi:8088"}, [], True),
    ({"RPYMOSTAT_ENGINE_URL": "HTTPS://pi:8088"}, [], True),
    ({"RPYMOSTAT_SENSORS": "sim=url=https://house:8091"}, [], True),
    ({}, ["-c", "sim=url=https://house:8091"], True),
    ({"RPYMOSTAT_SENSOR_AGENT_LISTEN": "ssl:8089:privateKey=k.pem"}, [], True),
    ({"RPYMOSTAT_TLS": "on"}, [], True),
    ({"RPYMOSTAT_TLS": "auto"}, [], False),
    ({"RPYMOSTAT_TLS": "bogus"}, [], True),  # the settings table refuses it with its message
    ({"HTTPS_PROXY": "https://proxy:3128"}, [], False),  # not one of ours
])
def test_needs_tls(environ: dict[str, str], argv: list[str], expected: bool) -> None:
    assert needs_tls(environ, argv) is expected


def test_skipping_tls_blocks_the_import_and_says_so() -> None:
    modules: dict[str, object] = {}
    assert skip_tls_unless_needed({}, [], modules)
    assert modules == {"OpenSSL": None}
    assert tls_note(modules) is not None and "RPYMOSTAT_TLS=on" in str(tls_note(modules))
    assert not skip_tls_unless_needed({"RPYMOSTAT_TLS": "on"}, [], loaded := {})
    assert loaded == {}
    assert tls_note({"OpenSSL": object()}) is None
    assert not skip_tls_unless_needed({}, [], {"OpenSSL": object()})  # too late: loaded


def test_parse_tls() -> None:
    assert parse_tls(" ON ") == "on"
    with pytest.raises(ValueError, match="auto, on"):
        parse_tls("off")


_PROBE = """
import json, sys
from rpymostat.shared.tlsgate import skip_tls_unless_needed
skip_tls_unless_needed(__import__("os").environ, sys.argv[1:])
import rpymostat.sensor_agent.tap
from rpymostat.sensor_agent.config import load_config
from rpymostat.sensor_agent.agent import build_service
from twisted.internet import reactor
build_service(load_config(__import__("os").environ), reactor)
print(json.dumps({name: sys.modules.get(name) is not None for name in
                  ("OpenSSL", "klein", "werkzeug", "zeroconf", "sqlite3",
                   "rpymostat.sensor_agent.sensors.w1", "rpymostat.sensor_agent.sensors.sim")}))
"""


def _loaded(tmp_path: Path, **env: str) -> dict[str, bool]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("RPYMOSTAT_")}
    environ.update({"RPYMOSTAT_DATA_DIR": str(tmp_path), "RPYMOSTAT_SENSORS": "dummy",
                    "RPYMOSTAT_LOG_LEVEL": "warn", **env})
    out = subprocess.run([sys.executable, "-c", _PROBE], env=environ, capture_output=True,
                         text=True, timeout=60, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_an_agent_given_the_engine_url_loads_none_of_it(tmp_path: Path) -> None:
    loaded = _loaded(tmp_path, RPYMOSTAT_ENGINE_URL="http://127.0.0.1:8088",
                     RPYMOSTAT_ADVERTISE="off")
    assert not any(loaded.values()), loaded


def test_an_agent_on_mdns_loads_zeroconf_but_not_tls(tmp_path: Path) -> None:
    loaded = _loaded(tmp_path, RPYMOSTAT_ADVERTISE="on")
    assert loaded["zeroconf"]
    assert not loaded["OpenSSL"] and not loaded["klein"] and not loaded["sqlite3"]


def test_an_https_engine_url_loads_tls(tmp_path: Path) -> None:
    loaded = _loaded(tmp_path, RPYMOSTAT_ENGINE_URL="https://127.0.0.1:8088",
                     RPYMOSTAT_ADVERTISE="off")
    assert loaded["OpenSSL"]
