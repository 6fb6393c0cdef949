"""Issue 17: discovery that does not give up (EngineLocator's state machine on a task.Clock,
with a fake browser and a fake ``GET /v1/status``)."""

from rpymostat.shared.discovery.recheck import INTERVAL, QUERY_EVERY

from ..test_discovery import MdnsHarness, _engine

A_URL = "http://192.168.1.5:8088"
NAME = "RPyMostat engine on vm"


def advance(h: MdnsHarness, seconds: float) -> None:
    """Let ``seconds`` pass in 0.5 s steps (timers fire as they fall due)."""
    for _ in range(int(seconds * 2)):
        h.clock.advance(0.5)


def test_same_name_engine_coming_and_going_never_unpins_the_client() -> None:
    """The exact trigger: another engine registers the *same* service name (its 0.25 s name
    check missed the live responder), so the browser's one advert for that name becomes the
    other engine's; then that engine dies without a goodbye. The client pinned to engine
    'a' keeps it throughout (it answers at its address) and is never told it went away."""
    h = MdnsHarness(wanted="a")
    h.http.ids[A_URL] = "a"
    h.browser.show(_engine(NAME, instance_id="a"))
    assert h.locator.state == "found" and len(h.seen) == 1
    # the newcomer's advert replaces ours under the shared name
    h.browser.show(_engine(NAME, instance_id="b", addresses=("192.168.1.5",), port=9000))
    assert h.locator.current is not None and h.locator.current.instance_id == "a"
    assert f"looking for engine 'a' (seen: '{NAME}')" in h.locator.message
    advance(h, 30)  # it keeps answering at its address
    assert len(h.seen) == 1
    h.browser.show()  # the newcomer's records expire
    advance(h, 30)
    assert len(h.seen) == 1 and h.locator.state == "found"
    h.browser.show(_engine(NAME, instance_id="a"))  # its own advert is seen again
    assert len(h.seen) == 1 and h.locator.state == "found"
    assert h.locator.message == f"found engine {NAME!r}"


def test_after_a_pause_longer_than_every_ttl_the_client_looks_and_is_back_quickly() -> None:
    """Every record expired during a pause and the engine does not answer at first: lost; the
    client sends fresh mDNS queries (at once, after QUERY_EVERY s, then less often) and asks
    the last address every INTERVAL s, so it is back within one INTERVAL of the engine
    answering, even with no new announcement."""
    h = MdnsHarness(wanted="a")
    h.browser.show(_engine(NAME, instance_id="a"))
    h.browser.show()  # everything expired
    assert h.seen[-1] is None and h.locator.state == "lost"
    assert "went away" in h.locator.message and A_URL in h.locator.message
    assert h.browser.queries == 1
    advance(h, QUERY_EVERY)
    assert h.browser.queries == 2
    calls = len(h.http.calls)
    h.http.ids[A_URL] = "a"  # the engine answers again (restarted: new bus ports)
    h.http.bus[A_URL] = {"pub_port": 9191, "sub_port": 9192}
    advance(h, INTERVAL)
    assert len(h.http.calls) == calls + 1
    assert h.seen[-1] is not None and h.seen[-1].instance_id == "a"
    assert (h.seen[-1].bus_pub, h.seen[-1].bus_sub) == ("tcp://192.168.1.5:9191",
                                                        "tcp://192.168.1.5:9192")
    assert h.locator.state == "found" and "answers at its last address" in h.locator.message
    advance(h, 60)  # found, but still not in the mDNS answers: still watched at its address
    assert len(h.http.calls) >= calls + 25 and h.locator.state == "found"
    assert h.browser.queries == 4  # at 0, 10, 30 and 70 s: backing off
    h.browser.show(_engine(NAME, instance_id="a"))  # in the answers again: the search stops
    calls = len(h.http.calls)
    advance(h, 60)
    assert len(h.http.calls) == calls and h.browser.queries == 4


def test_another_daemon_at_the_old_address_is_not_taken() -> None:
    """Something else answers at the last address (another instance id): still lost."""
    h = MdnsHarness(wanted="a")
    h.browser.show(_engine(NAME, instance_id="a"))
    h.browser.show()
    h.http.ids[A_URL] = "someone-else"
    advance(h, 10 * INTERVAL)
    assert h.seen[-1] is None and h.locator.state == "lost"


def test_a_client_that_never_found_its_engine_keeps_asking_the_lan() -> None:
    """Browsing shows only other engines: fresh queries, backing off from QUERY_EVERY s;
    no address to ask."""
    h = MdnsHarness(wanted="a")
    h.browser.show(_engine("other", instance_id="b"))
    assert h.locator.state == "searching"
    advance(h, 7 * QUERY_EVERY)
    assert h.browser.queries == 4 and h.http.calls == []  # at 0, 10, 30 and 70 s
