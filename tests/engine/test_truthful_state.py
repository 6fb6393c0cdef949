"""Issue 17, alarms and truthful state: safety-limit alarms without relay control, the agents'
liveness from the age of their last message, time-to-target past the setpoint, wording and
the root page's links."""

from typing import Any

from treq.testing import StubTreq

from rpymostat.engine.agentwatch import AgentWatch
from rpymostat.engine.api import EngineAPI
from rpymostat.engine.relays.alarms import AlarmBook
from rpymostat.engine.schedule.schedulers import installed_schedulers
from rpymostat.engine.zones.api import rule_phrase
from rpymostat.engine.zones.book import ZoneBook
from rpymostat.engine.zones.control import ZoneControl
from rpymostat.engine.zones.deciders.base import installed_deciders
from rpymostat.engine.zones.learn import RateLearner
from rpymostat.engine.zones.model import Zone
from rpymostat.engine.zones.predict import time_to_target
from rpymostat.shared.auth import AuthMode, BearerAuth

from ..helpers import TOKEN, EngineHarness, result_of
from ..test_zone_control import send


class ZonesOnly(EngineHarness):
    """Zone control with no relay control at all (a house with sensors only): the alarms
    must still reach the bus and GET /v1/alarms."""

    def __init__(self) -> None:
        super().__init__()
        self.alarms = AlarmBook(self.clock, self.bus)
        self.zones = ZoneControl(self.clock, self.store,
                                 ZoneBook(self.store, installed_schedulers(), "UTC"),
                                 bus=self.bus, alarms=self.alarms, deciders=installed_deciders(),
                                 relays=None, stale_after=600)
        self.zones.startService()
        assert self.zones.loaded is not None
        result_of(self.zones.loaded)
        self.api = EngineAPI(self.store, BearerAuth(TOKEN, AuthMode.ON), self.clock, 600,
                             bus=self.bus, zones=self.zones, alarms=self.alarms,
                             links=(("web UI", "http://pi:8080/"),
                                    ("simulated house", "http://pi:8093/")))
        self.treq = StubTreq(self.api.resource())

    def alarms_json(self) -> dict[str, Any]:
        code, body = self.request("GET", "/v1/alarms")
        assert code == 200, body
        return body  # type: ignore[no-any-return]

    def alarm_topics(self) -> list[tuple[str, bool]]:
        """(topic, active) of every alarm message published so far."""
        return [(m.topic, bool(m.data.get("active"))) for m in self.bus.published
                if m.topic.startswith("engine.alarm.")]


def test_upper_limit_alarm_without_relay_control() -> None:
    """40.5 °C > the zone's 35 °C upper limit raises zone-over-temperature on the bus and in
    GET /v1/alarms, with no relay control running; it clears once the zone is 0.5 K below
    the limit again (not before: the limit's band)."""
    e = ZonesOnly()
    send(e, ("living", 21.0))  # type: ignore[arg-type]
    assert e.alarms_json()["active"] == []
    send(e, ("living", 40.5))  # type: ignore[arg-type]
    active = e.alarms_json()["active"]
    assert [a["id"] for a in active] == ["zone-over-temperature:house"]
    assert "40.5 °C > 35" in active[0]["message"], active[0]["message"]
    assert e.alarm_topics() == [("engine.alarm.zone-over-temperature.house", True)]
    send(e, ("living", 34.8))  # type: ignore[arg-type]
    assert e.alarms_json()["active"] != []  # still within the band: the limit still acts
    send(e, ("living", 34.0))  # type: ignore[arg-type]
    body = e.alarms_json()
    assert body["active"] == []
    assert [a["id"] for a in body["cleared"]] == ["zone-over-temperature:house"]
    assert e.alarm_topics()[-1] == ("engine.alarm.zone-over-temperature.house", False)


def test_frost_floor_alarm_raises_and_clears() -> None:
    """Falling through the 7 °C frost floor raises zone-frost; back above the band it clears."""
    e = ZonesOnly()
    send(e, ("living", 6.2))  # type: ignore[arg-type]
    active = e.alarms_json()["active"]
    assert [a["id"] for a in active] == ["zone-frost:house"]
    assert "6.2 °C < floor 7" in active[0]["message"], active[0]["message"]
    send(e, ("living", 8.0))  # type: ignore[arg-type]
    assert e.alarms_json()["active"] == []
    assert e.alarm_topics() == [("engine.alarm.zone-frost.house", True),
                                ("engine.alarm.zone-frost.house", False)]


def test_root_page_links_the_web_ui_and_the_house() -> None:
    """The links the engine is given (make run: the web UI, the simulated house) are on its
    root page."""
    code, page = ZonesOnly().request("GET", "/")
    assert code == 200
    assert '<a href="http://pi:8080/">web UI</a>' in page
    assert '<a href="http://pi:8093/">simulated house</a>' in page


def test_time_to_target_far_above_a_heat_setpoint() -> None:
    """38 °C for a 22 °C target in heat mode is not "at the setpoint": no time, and why."""
    got = time_to_target(Zone("z", "Z", mode="heat"), temp=38.0, target_c=22.0, outdoor=None,
                         learner=RateLearner())
    assert got["seconds"] is None
    assert got["why"].startswith("above the heat setpoint (38.0 °C > 22.0 °C)"), got
    cool = time_to_target(Zone("z", "Z", mode="cool"), temp=15.0, target_c=24.0,
                          outdoor=None, learner=RateLearner())
    assert cool["seconds"] is None and cool["why"].startswith("below the cool setpoint"), cool
    off = time_to_target(Zone("z", "Z", mode="off"), temp=15.0, target_c=24.0, outdoor=None,
                         learner=RateLearner())
    assert off == {"seconds": None, "why": "mode off: no setpoint"}
    near = time_to_target(Zone("z", "Z", mode="heat"), temp=22.2, target_c=22.0,
                          outdoor=None, learner=RateLearner())
    assert near == {"seconds": 0, "why": "at the setpoint"}


def test_rule_phrase_does_not_repeat_the_kind() -> None:
    """"the adjustment", not "the adjustment 'adjustment'"; a real name is kept."""
    assert rule_phrase("adjustment", "adjustment") == "the adjustment"
    assert rule_phrase("adjustment", "") == "the adjustment"
    assert rule_phrase("schedule", "weekdays") == "the schedule 'weekdays'"


def test_a_silent_agent_is_marked_down_then_up_again() -> None:
    """An agent announcing every 30 s and then silent is marked down 90 s (3 periods) after
    its last message, at most one check (5 s) late; its next announcement is up again and the
    engine removes its note."""
    e = EngineHarness()
    watch = AgentWatch(e.clock, lambda cb: e.bus.subscribe("agent", cb), e.bus.publish,
                       "engine")
    watch.startService()
    topic = "agent.pi.sensor-agent"
    e.bus.publish(topic, {"role": "sensor-agent", "up": True, "every_s": 30.0}, source="sa")
    for _ in range(17):  # 85 s
        e.clock.advance(5)
    assert e.bus.tree.get(topic)["up"] is True
    e.clock.advance(5)  # 90 s
    node = e.bus.tree.get(topic)
    assert node["up"] is False and node["last_heard"], node
    e.bus.publish(topic, {"role": "sensor-agent", "up": True, "every_s": 30.0}, source="sa")
    node = e.bus.tree.get(topic)
    assert node["up"] is True and "last_heard" not in node, node
    watch.stopService()


def test_an_announcing_agent_stays_up() -> None:
    """An agent that keeps announcing every 30 s is never marked down; the engine's own
    messages on the topic do not count as the agent's."""
    e = EngineHarness()
    watch = AgentWatch(e.clock, lambda cb: e.bus.subscribe("agent", cb), e.bus.publish,
                       "engine")
    watch.startService()
    topic = "agent.pi.relay-agent"
    for _ in range(20):
        e.bus.publish(topic, {"up": True, "every_s": 30.0}, source="ra")
        e.clock.advance(30)
    assert e.bus.tree.get(topic)["up"] is True
    assert all(m.source == "ra" for m in e.bus.published)
    watch.stopService()
