"""Every daemon starts as a console script and as a twistd plugin, serves /v1/status, stops."""

import os

import pytest

from .processes import BIN, Daemon, assert_clean_exit, free_port

DAEMONS = [("rpymostat-sensor-agent", "SENSOR_AGENT"), ("rpymostat-relay-agent", "RELAY_AGENT"),
           ("rpymostat-webui", "WEBUI"), ("rpymostat-house", "HOUSE")]


@pytest.mark.parametrize(("name", "prefix"), DAEMONS)
@pytest.mark.parametrize("how", ["console", "twistd"])
def test_daemon_serves_status_and_stops_cleanly(tmp_path, name: str, prefix: str, how: str
                                                ) -> None:
    """The daemon answers GET /v1/status with status true and shuts down cleanly on SIGTERM."""
    port = free_port()
    env = {**os.environ, f"RPYMOSTAT_{prefix}_LISTEN": f"tcp:{port}:interface=127.0.0.1",
           "RPYMOSTAT_DATA_DIR": str(tmp_path / "data"),
           "RPYMOSTAT_RELAYS": "heat=dummy;cool=dummy"}
    argv = [str(BIN / name)] if how == "console" else [str(BIN / "twistd"), "-n", "--pidfile=",
                                                       name]
    daemon = Daemon(argv, env, port, tmp_path / "log")
    try:
        daemon.start()
        code, body = daemon.request("GET", "/v1/status")
        assert code == 200 and body["status"] is True
        assert daemon.request("GET", "/v1/openapi.json")[1]["openapi"].startswith("3.")
        assert daemon.request("GET", "/nope")[0] == 404
    finally:
        assert_clean_exit(daemon)
