"""Issue 17: ``POST /v1/relays/<id>/resume`` ends a manual hold and gives the output back to
its zone at once."""

from ..test_zone_control import (
    HEAT,
    HOLD_REASON,
    engine_with,
    latest,
    register,
    relay,
    restart_zones,
    send,
    sent,
)


def test_resume_gives_the_output_back_to_its_zone_at_once() -> None:
    """Switched off by hand while the zone wants heat (an hour's hold): the decision says the
    heater is held off; after resume the zone switches it on in the same reactor turn."""
    engine = engine_with(relay=False)
    restart_zones(engine, manual_hold=3600)
    register(engine)
    send(engine, ("living", 18))
    engine.advance(40)  # past the decider's minimum on time
    code, body = engine.request("PUT", f"/v1/relays/{HEAT}", {"state": "off"})
    assert code == 200, body
    engine.advance(40)
    send(engine, ("living", 18))
    d = latest(engine)
    assert d["state"] == "manual-hold" and d["heat"] is False, d
    assert f"POST /v1/relays/{HEAT}/resume gives it back" in d["reason"], d["reason"]
    assert d["commands"][0]["skipped"] == HOLD_REASON
    code, body = engine.request("POST", f"/v1/relays/{HEAT}/resume")
    assert code == 200, body
    assert body["resumed"] is True and body["commanded_by"] == "resumed"
    engine.clock.advance(0)  # the zone decides at the next turn
    d = latest(engine)
    assert d["state"] == "heating" and "skipped" not in d["commands"][0], d
    r = relay(engine)
    assert r["commanded"] == "on" and r["commanded_by"] == "zone:house", r
    assert sent(engine)[-1] == ("heat", True)


def test_resume_without_a_hold_and_bad_requests() -> None:
    """No hold in force: 200 with resumed false and nothing changes; an unknown relay is a
    404; without the token a 401."""
    engine = engine_with()
    send(engine, ("living", 18))
    before = relay(engine)
    code, body = engine.request("POST", f"/v1/relays/{HEAT}/resume")
    assert code == 200 and body["resumed"] is False, body
    assert body["commanded_by"] == before["commanded_by"] == "zone:house"
    code, body = engine.request("POST", "/v1/relays/nope:heat/resume")
    assert code == 404 and body["status"] == "error", body
    code, body = engine.request("POST", f"/v1/relays/{HEAT}/resume", token=None)
    assert code == 401, body
