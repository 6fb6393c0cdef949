"""The web UI in real headless Chromium over a whole installation of real processes: an
engine, a sensor agent reading a simulated thermometer (the ``sim`` plugin), a relay agent
with a dummy heat output, and the web UI. The temperature on the page is the sensor agent's
reading, the heat output's state is the relay agent's report, and a reading above the zone's
upper limit raises the engine's ``zone-over-temperature`` alarm, shown on the zone's card and
in Settings until the temperature comes back."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .processes import Daemon, wait_for
from .test_webui_browser import chromium  # noqa: F401  (the module's browser fixture)
from .test_zones import Thermometer, heat, relay_agent, sensor_agent
from .webui_browser import Site, shot, tablet


class House(Site):
    """A site whose readings come from a real sensor agent and whose heat output is a real
    relay agent's."""

    def __init__(self, tmp: Path) -> None:
        super().__init__(tmp, engine_extra={"RPYMOSTAT_DECISION_INTERVAL": "1",
                                            "RPYMOSTAT_STALE_AFTER": "30"})
        self.thermometer = Thermometer(tmp / "sim")
        self.agents: list[Daemon] = []
        self.agents.append(relay_agent(tmp, self.engine.port).start())
        wait_for(lambda: heat(self.engine).get("reachable"), 10, "the relay's registration")
        code, body = self.engine.request("PATCH", "/v1/zones/house", {"decider_params": {
            "min_on_s": 1, "min_off_s": 1, "cold_tolerance": 0.3, "hot_tolerance": 0.3}})
        assert code == 200, body
        code, body = self.engine.request("POST", "/v1/zones/house/schedules", {
            "name": "all day", "target": 21.0, "scheduler": "weekly",
            "params": {"days": "daily", "from": "00:00", "to": "24:00"}})
        assert code == 201, body
        self.agents.append(sensor_agent(tmp, self.engine.port, self.thermometer.url).start())

    def close(self) -> None:
        """Stop the agents, the thermometer, then the engine and the web UI."""
        for agent in self.agents:
            if agent.proc is not None and agent.alive():
                agent.stop()
        self.thermometer.stop()
        super().close()


@pytest.fixture
def house(tmp_path: Path) -> Iterator[House]:
    """Engine, sensor agent, relay agent and web UI, LAN-trusted."""
    h = House(tmp_path)
    try:
        yield h
    finally:
        h.close()


def home(chromium: Any, house: House) -> Any:  # noqa: F811
    page = tablet(chromium).new_page()
    page.goto(house.url + "/#/home")
    page.get_by_test_id("temperature-house").wait_for()
    return page


def test_the_sensor_agents_reading_and_the_relay_agents_state_are_on_the_page(
        chromium: Any, house: House) -> None:  # noqa: F811
    """18 °C from the thermometer, through the sensor agent, is on the page; the engine
    switches the relay agent's output on and the page says Heating with the output On; at
    23 °C the relay agent reports off and the page follows without a reload."""
    page = home(chromium, house)
    page.evaluate("window.__sameDocument = true")
    page.get_by_test_id("temperature-house").get_by_text("18.0").wait_for(timeout=15_000)
    wait_for(lambda: heat(house.engine).get("reported") == "on", 10, "the relay on")
    page.get_by_test_id("relay-house").get_by_text("On").wait_for(timeout=15_000)
    page.get_by_test_id("state-house").get_by_text("Heating").wait_for(timeout=15_000)
    assert house.agents[0].request("GET", "/v1/relays/heat")[1]["state"] == "on"
    shot(page, "home-heating-tablet")
    house.thermometer.set(23.0)
    page.get_by_test_id("temperature-house").get_by_text("23.0").wait_for(timeout=15_000)
    wait_for(lambda: heat(house.engine).get("reported") == "off", 15, "the relay off")
    page.get_by_test_id("relay-house").get_by_text("Off").wait_for(timeout=15_000)
    assert house.agents[0].request("GET", "/v1/relays/heat")[1]["state"] == "off"
    assert page.evaluate("window.__sameDocument") is True
    page.context.close()


def test_an_over_temperature_alarm_shows_on_home_and_in_settings_and_clears(
        chromium: Any, house: House) -> None:  # noqa: F811
    """40 °C (above the zone's 35 °C limit) raises zone-over-temperature in the engine: the
    zone's card shows the alarm banner and Settings lists it as active; back at 20 °C the
    engine clears it and the banner goes, Settings lists it as cleared."""
    page = home(chromium, house)
    house.thermometer.set(40.0)

    def active() -> list[str]:
        return [a["kind"] for a in house.engine.request("GET", "/v1/alarms")[1]["active"]]

    wait_for(lambda: "zone-over-temperature" in active(), 15, "the engine's alarm")
    banner = page.get_by_test_id("alarm-house")
    banner.locator('[data-alarm="zone-over-temperature"]').wait_for(timeout=15_000)
    assert "too hot" in banner.inner_text().lower()
    shot(page, "home-alarm-tablet")
    page.get_by_role("link", name="Settings").click()
    page.locator('[data-testid="alarms"] [data-alarm="zone-over-temperature"]'
                 '[data-active="yes"]').wait_for(timeout=10_000)
    house.thermometer.set(20.0)
    wait_for(lambda: "zone-over-temperature" not in active(), 15, "the alarm cleared")
    page.locator('[data-testid="alarms"] [data-alarm="zone-over-temperature"]'
                 '[data-active="no"]').wait_for(timeout=10_000)
    page.get_by_role("link", name="Home").click()
    page.get_by_test_id("temperature-house").get_by_text("20.0").wait_for(timeout=10_000)
    assert page.get_by_test_id("alarm-house").count() == 0
    page.context.close()
