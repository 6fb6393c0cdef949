"""GET /metrics on every daemon, as real processes: the engine, a sensor agent and a relay
agent working together, and the simulated house. Each answer is parsed by prometheus_client's
own parser and shows the counters that daemon keeps, moving as the daemons work."""

import http.client
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from .processes import Daemon, free_port, wait_for
from .test_house import house
from .test_zones import Thermometer, relay_agent, sensor_agent


def scrape(daemon: Daemon) -> dict[str, dict[tuple[str, tuple[tuple[str, str], ...]], float]]:
    """family -> {(sample name, labels): value}, via prometheus_client's parser."""
    conn = http.client.HTTPConnection("127.0.0.1", daemon.port, timeout=10)
    try:
        conn.request("GET", "/metrics")
        response = conn.getresponse()
        text = response.read().decode()
        assert response.status == 200, text
        assert response.getheader("content-type", "").startswith("text/plain; version=0.0.4")
    finally:
        conn.close()
    return {f.name: {(s.name, tuple(sorted(s.labels.items()))): s.value for s in f.samples}
            for f in text_string_to_metric_families(text)}


def value(metrics: dict[str, Any], family: str, **labels: str) -> float | None:
    """The value of the family's main sample with ``labels``."""
    for (name, lbls), v in metrics.get(family, {}).items():
        if name in (family, family + "_total") and dict(lbls) == labels:
            return float(v)
    return None


def test_every_daemon_serves_metrics(tmp_path: Path, engine_factory: Any) -> None:
    """Readings flow from the sensor agent to the engine and decisions switch the relay
    agent's output; each daemon's /metrics shows its side of that; the house shows its
    zones. Request counts and latencies are there on every daemon."""
    thermometer = Thermometer(tmp_path / "sim")
    engine_port = free_port()
    engine = engine_factory(engine_port, RPYMOSTAT_DECISION_INTERVAL="1").start()
    # no minimum off time: a safe-mode "off" before the first reading must not hold the heat
    wait_for(lambda: engine.request("GET", "/v1/zones/house")[0] == 200, 10, "zones loaded")
    code, body = engine.request("PATCH", "/v1/zones/house", {
        "decider_params": {"min_on_s": 0, "min_off_s": 0}})
    assert code == 200, body
    relays = relay_agent(tmp_path, engine_port).start()
    sensors = sensor_agent(tmp_path, engine_port, thermometer.url).start()
    the_house = house(tmp_path).start()
    try:
        wait_for(lambda: (value(scrape(engine), "rpymostat_readings_ingested") or 0) >= 2, 20,
                 "readings counted by the engine")
        wait_for(lambda: (value(scrape(sensors), "rpymostat_readings_delivered") or 0) >= 2, 10,
                 "readings delivered by the sensor agent")
        wait_for(lambda: value(scrape(engine), "rpymostat_relay_agents") == 1, 20,
                 "the relay agent registered")
        em = scrape(engine)
        assert (value(em, "rpymostat_decisions", zone="house") or 0) >= 1
        assert value(em, "rpymostat_zone_temperature_celsius", zone="house") == 18.0
        assert (value(em, "rpymostat_bus_received") or 0) > 0
        sm = scrape(sensors)
        assert (value(sm, "rpymostat_sensor_rounds") or 0) >= 1
        assert value(sm, "rpymostat_queue_length") is not None
        assert (value(sm, "rpymostat_bus_published") or 0) >= 1
        # 18 °C is below the home preset (20): the zone heats and the output switches on
        wait_for(lambda: value(scrape(relays), "rpymostat_output_on", output="heat") == 1.0,
                 30, "the relay agent's output on")
        rm = scrape(relays)
        assert (value(rm, "rpymostat_output_switches") or 0) >= 1
        assert (value(rm, "rpymostat_registrations") or 0) >= 1
        hm = scrape(the_house)
        assert value(hm, "rpymostat_sim_temperature_celsius", zone="living") is not None
        assert value(hm, "rpymostat_sim_outdoor_celsius") is not None
        for m in (em, sm, rm, hm):
            assert (value(m, "rpymostat_http_requests", code="2xx") or 0) >= 1
            assert "rpymostat_http_request_duration_seconds" in m
    finally:
        sensors.stop()
        relays.stop()
        the_house.stop()
        thermometer.stop()


def test_the_web_ui_serves_metrics(tmp_path: Path) -> None:
    """The web UI's /metrics (a real web UI process in front of a real engine) counts the API
    calls it passed to the engine and the browsers following its event stream, and times its
    requests, as prometheus_client's parser reads it."""
    from .webui_browser import Site

    site = Site(tmp_path)
    try:
        wait_for(lambda: site.ui.request("GET", "/api/v1/zones")[0] == 200, 20,
                 "the web UI reaches its engine")
        um = scrape(site.ui)
        assert (value(um, "rpymostat_webui_proxy_calls") or 0) >= 1
        assert value(um, "rpymostat_webui_proxy_failures") == 0
        assert value(um, "rpymostat_webui_streams") == 0
        assert (value(um, "rpymostat_http_requests", code="2xx") or 0) >= 1
        assert "rpymostat_bus_gaps" in um
    finally:
        site.close()
