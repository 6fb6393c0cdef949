"""Discovery: advert records, choosing the engine, and the locator (fake browser, StubTreq)."""

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from treq.testing import StubTreq
from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.web.resource import Resource
from twisted.web.server import Request
from zeroconf import ServiceStateChange

from rpymostat.shared.discovery import records
from rpymostat.shared.discovery.browse import Browser
from rpymostat.shared.discovery.choose import choose
from rpymostat.shared.discovery.cli import table
from rpymostat.shared.discovery.locator import (
    POLL_INTERVAL,
    EngineLocation,
    EngineLocator,
    location_from_status,
)
from rpymostat.shared.discovery.records import (
    MAX_INSTANCE,
    SERVICE_TYPE,
    Advert,
    advert_from_service,
    default_instance_name,
    instance_name,
)

ENGINE_PROPS = {"api": "/v1", "bus_pub": "8091", "bus_sub": "8092"}


def _engine(name: str = "RPyMostat engine on pi1", *, instance_id: str = "id-pi1",
            port: int = 8088, addresses: tuple[str, ...] = ("192.168.1.5",),
            properties: dict[str, str] | None = None) -> Advert:
    return Advert(name, "engine", instance_id, port, addresses, "0.3.0",
                  dict(ENGINE_PROPS if properties is None else properties))


# -- records -----------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "expected"), [
    ("RPyMostat engine on pi1", "RPyMostat engine on pi1"),
    ("engine.on.pi1", "engine-on-pi1"),
    ("a/b\\c:d", "a-b-c-d"),
    ("  padded  ", "padded"),
    ("", "RPyMostat"),
    ("   ", "RPyMostat"),
    ("x (2)", "x (2)"),
    ("a" * 80, "a" * MAX_INSTANCE),
])
def test_instance_name_is_made_safe(raw: str, expected: str) -> None:
    """Dots and unsafe characters become '-', blanks fall back to 'RPyMostat', length is cut."""
    assert instance_name(raw) == expected


def test_instance_name_cuts_by_bytes_not_characters() -> None:
    """The 63-byte DNS label limit counts UTF-8 bytes and never splits a character."""
    name = instance_name("é" * 40)  # 80 bytes
    assert name == "é" * 31
    assert len(name.encode()) <= MAX_INSTANCE


@given(st.text(max_size=120))
def test_instance_name_is_always_one_short_label(raw: str) -> None:
    """Whatever the input: non-empty, no dots, at most 63 bytes of UTF-8."""
    name = instance_name(raw)
    assert name
    assert "." not in name
    assert len(name.encode()) <= MAX_INSTANCE


def test_default_instance_name_uses_the_short_host_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """``RPyMostat <role> on <host>`` with only the first label of the host name."""
    monkeypatch.setattr(records.socket, "gethostname", lambda: "pi1.example.org")
    assert default_instance_name("engine") == "RPyMostat engine on pi1"
    monkeypatch.setattr(records.socket, "gethostname", lambda: "h" * 80)
    long_name = default_instance_name("sensor-agent")
    assert long_name.startswith("RPyMostat sensor-agent on hhh")
    assert len(long_name.encode()) == MAX_INSTANCE


@pytest.mark.parametrize(("addresses", "url", "pub"), [
    (("192.168.1.5",), "http://192.168.1.5:8088", "tcp://192.168.1.5:8091"),
    (("fe80::1",), "http://[fe80::1]:8088", "tcp://[fe80::1]:8091"),
    (("10.0.0.2", "10.0.0.3"), "http://10.0.0.2:8088", "tcp://10.0.0.2:8091"),
    ((), None, None),
])
def test_url_and_bus_endpoint_use_the_first_address(addresses: tuple[str, ...],
                                                    url: str | None, pub: str | None) -> None:
    """The URL and bus endpoints use the first address, IPv6 in brackets; none without one."""
    advert = _engine(addresses=addresses)
    assert advert.url == url
    assert advert.bus_endpoint("bus_pub") == pub
    assert advert.bus_endpoint("bus_sub") == (pub and pub.replace("8091", "8092"))


@pytest.mark.parametrize("props", [{}, {"bus_pub": ""}, {"bus_pub": "x1"}, {"bus_pub": "-1"}])
def test_bus_endpoint_needs_a_numeric_port(props: dict[str, str]) -> None:
    """A missing or non-numeric bus port gives no endpoint."""
    assert _engine(properties=props).bus_endpoint("bus_pub") is None


def test_service_name_and_txt() -> None:
    """The service name is ``<instance>._rpymostat._tcp.local.``; TXT has role, id, version."""
    advert = _engine()
    assert advert.service_name == "RPyMostat engine on pi1._rpymostat._tcp.local."
    assert advert.txt() == {"role": "engine", "id": "id-pi1", "version": "0.3.0",
                            "api": "/v1", "bus_pub": "8091", "bus_sub": "8092"}
    assert advert.to_json()["url"] == "http://192.168.1.5:8088"


def _round_trip(a: Advert) -> Advert:
    return advert_from_service(a.service_name, a.port, list(a.addresses),
                               {k.encode(): v.encode() for k, v in a.txt().items()})


adverts = st.builds(
    Advert,
    name=st.text(min_size=1, max_size=40),
    role=st.sampled_from(["engine", "sensor-agent", "relay-agent", ""]),
    instance_id=st.text(max_size=32),
    port=st.integers(0, 65535),
    addresses=st.lists(st.ip_addresses().map(str), max_size=3).map(tuple),
    version=st.text(max_size=12),
    properties=st.dictionaries(
        st.text(min_size=1, max_size=10).filter(lambda k: k not in ("role", "id", "version")),
        st.text(max_size=20), max_size=4),
)


@given(adverts)
def test_txt_round_trip(advert: Advert) -> None:
    """An advert rebuilt from its service name, port, addresses and TXT is the same advert."""
    assert _round_trip(advert) == advert


def test_advert_from_service_reads_what_zeroconf_gives() -> None:
    """Valueless TXT keys become '', missing role/id/version become '', a foreign name stays."""
    advert = advert_from_service("odd-name", 1, ["10.0.0.1"], {b"flag": None, b"api": b"/v1"})
    assert advert == Advert("odd-name", "", "", 1, ("10.0.0.1",), "",
                            {"flag": "", "api": "/v1"})


def test_advert_from_service_strips_only_the_service_type() -> None:
    """Dots inside the instance part stay; only the trailing service type is removed."""
    advert = advert_from_service(f"a.b.{SERVICE_TYPE}", 1, [], {b"role": b"engine"})
    assert (advert.name, advert.role) == ("a.b", "engine")


# -- choose ------------------------------------------------------------------------------

def test_choose_one_engine_is_found() -> None:
    """A single engine on the LAN is found without configuration."""
    engine = _engine()
    assert choose([engine], None) == ("found", engine, "found engine 'RPyMostat engine on pi1'")


def test_choose_no_engine_is_searching() -> None:
    """With no engine the state is searching and nothing is chosen."""
    state, engine, message = choose([], None)
    assert (state, engine) == ("searching", None)
    assert "mDNS" in message


def test_choose_several_is_ambiguous_and_says_how_to_pick() -> None:
    """Several engines without a wanted name: ambiguous, naming them and the variable to set."""
    a, b = _engine("engine B", instance_id="b"), _engine("engine A", instance_id="a")
    state, engine, message = choose([a, b], None)
    assert (state, engine) == ("ambiguous", None)
    assert "'engine A', 'engine B'" in message
    assert "RPYMOSTAT_ENGINE_NAME" in message
    assert message.startswith("2 engines")


@pytest.mark.parametrize("wanted", ["engine B", "id-b"])
def test_choose_wanted_by_name_or_id(wanted: str) -> None:
    """A wanted engine is picked among several by its instance name or its instance id."""
    a, b = _engine("engine A", instance_id="id-a"), _engine("engine B", instance_id="id-b")
    assert choose([a, b], wanted)[:2] == ("found", b)


def test_choose_wanted_but_absent_is_searching() -> None:
    """A wanted engine that is not on the LAN is not replaced by another one."""
    state, engine, message = choose([_engine("engine A")], "engine B")
    assert (state, engine) == ("searching", None)
    assert "'engine B'" in message and "'engine A'" in message


# -- Browser (its reactor-thread side and the handler, with a fake zeroconf) ---------------

class _ImmediateReactor:
    def callFromThread(self, f: Callable[..., Any], *args: Any) -> None:
        f(*args)


class _FakeInfo:
    def __init__(self, port: int | None, addresses: list[str], props: dict[bytes, bytes]):
        self.port = port
        self.properties = props
        self._addresses = addresses

    def parsed_addresses(self) -> list[str]:
        return self._addresses


class _FakeZeroconf:
    def __init__(self, info: _FakeInfo | None) -> None:
        self.info = info

    def get_service_info(self, service_type: str, name: str, timeout: int) -> _FakeInfo | None:
        assert service_type == SERVICE_TYPE
        return self.info


def test_browser_handler_keeps_adverts_and_reports_changes() -> None:
    """Added/updated services are resolved and kept; removal forgets; only changes notify."""
    changes: list[None] = []
    browser = Browser(_ImmediateReactor(), lambda: changes.append(None))
    name = f"RPyMostat engine on pi1.{SERVICE_TYPE}"
    info = _FakeInfo(8088, ["192.168.1.5"],
                     {k.encode(): v.encode() for k, v in _engine().txt().items()})
    zc: Any = _FakeZeroconf(info)
    browser._handler(zc, SERVICE_TYPE, name, ServiceStateChange.Added)
    assert browser.engines() == [_engine()]
    browser._handler(zc, SERVICE_TYPE, name, ServiceStateChange.Updated)
    assert len(changes) == 1
    info.port = 9000
    browser._handler(zc, SERVICE_TYPE, name, ServiceStateChange.Updated)
    assert [e.port for e in browser.engines()] == [9000]
    browser._handler(zc, SERVICE_TYPE, name, ServiceStateChange.Removed)
    browser._handler(zc, SERVICE_TYPE, name, ServiceStateChange.Removed)
    assert browser.engines() == []
    assert len(changes) == 3


def test_browser_ignores_unresolved_services_and_lists_only_engines() -> None:
    """A service that does not resolve is not kept; agents are seen but are not engines."""
    browser = Browser(_ImmediateReactor(), lambda: None)
    zc: Any = _FakeZeroconf(None)
    browser._handler(zc, SERVICE_TYPE, f"x.{SERVICE_TYPE}", ServiceStateChange.Added)
    assert browser.seen == {}
    zc.info = _FakeInfo(8089, ["10.0.0.7"], {b"role": b"sensor-agent", b"id": b"s1"})
    browser._handler(zc, SERVICE_TYPE, f"agent.{SERVICE_TYPE}", ServiceStateChange.Added)
    assert list(browser.seen) == [f"agent.{SERVICE_TYPE}"]
    assert browser.engines() == []


# -- EngineLocator, mDNS mode (fake browser) ----------------------------------------------

class FakeBrowser:
    """Stands in for :class:`Browser`: the test sets ``adverts`` and calls ``changed()``."""

    def __init__(self, on_change: Callable[[], Any]) -> None:
        self.on_change = on_change
        self.adverts: list[Advert] = []
        self.started = self.stopped = 0
        self.start_result: defer.Deferred[None] = defer.succeed(None)

    def start(self) -> defer.Deferred[None]:
        self.started += 1
        return self.start_result

    def stop(self) -> defer.Deferred[None]:
        self.stopped += 1
        return defer.succeed(None)

    def engines(self) -> list[Advert]:
        return [a for a in self.adverts if a.role == records.ENGINE]

    def of_role(self, role: str) -> list[Advert]:
        return [a for a in self.adverts if a.role == role]

    def query(self) -> defer.Deferred[None]:
        self.queries = getattr(self, "queries", 0) + 1
        return defer.succeed(None)

    def show(self, *adverts: Advert) -> None:
        self.adverts = list(adverts)
        self.on_change()


class FakeStatusHttp:
    """``GET <url>/v1/status``: answers with the instance id registered for ``url`` (as the
    daemon there would), else fails (nobody there); counts the calls."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}
        self.bus: dict[str, dict[str, int]] = {}  # url → {"pub_port", "sub_port"} it reports
        self.calls: list[str] = []

    def get(self, url: str, timeout: float) -> defer.Deferred[Any]:
        self.calls.append(url)
        base = url.removesuffix("/v1/status")
        if base not in self.ids:
            return defer.fail(ConnectionRefusedError(base))
        body = {"instance_id": self.ids[base], "bus": self.bus.get(base, {})}
        return defer.succeed(type("Response", (), {"code": 200, "json": lambda _s: body})())


class MdnsHarness:
    def __init__(self, wanted: str | None = None) -> None:
        self.seen: list[EngineLocation | None] = []
        self.browsers: list[FakeBrowser] = []
        self.clock = Clock()
        self.http = FakeStatusHttp()

        def factory(reactor: Any, on_change: Callable[[], Any]) -> Any:
            self.browsers.append(FakeBrowser(on_change))
            return self.browsers[-1]

        self.locator = EngineLocator(self.clock, self.seen.append, wanted=wanted,
                                     browser=factory, http=self.http)
        self.locator.startService()

    @property
    def browser(self) -> FakeBrowser:
        return self.browsers[0]


def test_mdns_locator_starts_browsing_and_searches() -> None:
    """startService starts the browser; before any advert the state is searching."""
    h = MdnsHarness()
    assert h.browser.started == 1
    status = h.locator.status()
    assert status == {"mode": "mdns", "state": "searching",
                      "message": "looking for an engine on the LAN (mDNS)", "engine": None}
    assert h.seen == []


def test_mdns_locator_reports_found_moved_and_lost() -> None:
    """on_change hears the location when the engine appears, moves, and None when it goes."""
    h = MdnsHarness()
    h.browser.show(_engine())
    first = EngineLocation("http://192.168.1.5:8088", "tcp://192.168.1.5:8091",
                           "tcp://192.168.1.5:8092", "RPyMostat engine on pi1", "id-pi1")
    assert h.seen == [first]
    assert h.locator.state == "found"
    h.browser.show(_engine(port=9099))
    assert h.seen[-1] == EngineLocation("http://192.168.1.5:9099", first.bus_pub, first.bus_sub,
                                        first.name, "id-pi1")
    h.browser.show()
    assert h.seen[-1] is None and len(h.seen) == 3
    assert h.locator.state == "lost"
    assert "went away" in h.locator.message
    assert h.locator.status()["engine"] is None
    assert h.locator.changes == 3
    h.browser.show(Advert("agent", "sensor-agent", "s1", 8089, ("10.0.0.9",)))
    assert h.locator.state == "lost" and "went away" in h.locator.message  # still lost
    h.browser.show(_engine())
    assert h.locator.state == "found" and h.seen[-1] == first


def test_mdns_locator_is_quiet_when_nothing_changed() -> None:
    """A browser change that does not change the chosen engine's location is not reported."""
    h = MdnsHarness()
    h.browser.show(_engine())
    h.browser.show(_engine())
    agent = Advert("agent", "sensor-agent", "s1", 8089, ("10.0.0.9",))
    h.browser.show(_engine(), agent)
    assert len(h.seen) == 1
    assert h.locator.changes == 1


def test_mdns_locator_with_two_engines_is_ambiguous() -> None:
    """Two engines and no wanted name: ambiguous; nothing is chosen."""
    h = MdnsHarness()
    h.browser.show(_engine("engine A", instance_id="a"),
                   _engine("engine B", instance_id="b", addresses=("192.168.1.6",)))
    assert h.seen == []
    status = h.locator.status()
    assert status["state"] == "ambiguous"
    assert "RPYMOSTAT_ENGINE_NAME" in status["message"]
    assert status["engine"] is None


def test_mdns_locator_keeps_its_engine_when_a_second_one_appears() -> None:
    """Issue 17: a second engine appearing never unpins a client from the one it follows,
    as long as that one answers at its address with its instance id; when it stops
    answering there, it is dropped (and the ambiguity is reported)."""
    h = MdnsHarness()
    h.browser.show(_engine("engine A", instance_id="a"))
    h.http.ids["http://192.168.1.5:8088"] = "a"
    h.browser.show(_engine("engine A", instance_id="a"),
                   _engine("engine B", instance_id="b", addresses=("192.168.1.6",)))
    assert len(h.seen) == 1 and h.locator.current is not None
    assert h.locator.state == "found" and "asking it at" in h.locator.message
    h.clock.advance(10)
    assert len(h.seen) == 1 and h.locator.current is not None
    del h.http.ids["http://192.168.1.5:8088"]
    h.clock.advance(2)
    assert h.seen[-1] is None and h.locator.state == "lost"
    assert "RPYMOSTAT_ENGINE_NAME" in h.locator.message


def test_mdns_locator_follows_the_wanted_engine() -> None:
    """With a wanted name, the locator picks that engine among several."""
    h = MdnsHarness(wanted="b")
    h.browser.show(_engine("engine A", instance_id="a"),
                   _engine("engine B", instance_id="b", addresses=("192.168.1.6",)))
    assert h.seen == [EngineLocation("http://192.168.1.6:8088", "tcp://192.168.1.6:8091",
                                     "tcp://192.168.1.6:8092", "engine B", "b")]


def test_mdns_locator_status_shape_when_found() -> None:
    """status() gives mode, state, message and the engine's url and bus endpoints."""
    h = MdnsHarness()
    h.browser.show(_engine(addresses=("fe80::1",)))
    assert h.locator.status() == {
        "mode": "mdns", "state": "found", "message": "found engine 'RPyMostat engine on pi1'",
        "engine": {"url": "http://[fe80::1]:8088", "bus_pub": "tcp://[fe80::1]:8091",
                   "bus_sub": "tcp://[fe80::1]:8092", "name": "RPyMostat engine on pi1",
                   "id": "id-pi1"}}


def test_mdns_engine_without_address_is_not_reported_found() -> None:
    """An engine advert with no usable address cannot be reached, so it is not 'found'."""
    h = MdnsHarness()
    h.browser.show(_engine(addresses=()))
    assert h.seen == []
    assert h.locator.state != "found"


def test_mdns_browse_failure_is_an_error_state() -> None:
    """If the browser cannot start, the state is error and the message says why."""
    seen: list[EngineLocation | None] = []
    browsers: list[FakeBrowser] = []

    def factory(reactor: Any, on_change: Callable[[], Any]) -> Any:
        browsers.append(FakeBrowser(on_change))
        browsers[-1].start_result = defer.fail(OSError("no multicast"))
        return browsers[-1]

    locator = EngineLocator(Clock(), seen.append, browser=factory)
    locator.startService()
    assert locator.state == "error"
    assert "mDNS browsing failed: no multicast" in locator.message
    assert seen == []


def test_mdns_locator_stop_stops_the_browser() -> None:
    """stopService stops the browser and returns its Deferred."""
    h = MdnsHarness()
    d = h.locator.stopService()
    assert isinstance(d, defer.Deferred)
    assert h.browser.stopped == 1
    assert not h.locator.running


# -- EngineLocator, URL mode (StubTreq over a status resource, task.Clock) ----------------

@pytest.fixture(autouse=True)
def _no_stray_global_timers() -> Iterator[None]:
    """treq schedules its request timeout on the global reactor: none may be left behind."""
    from twisted.internet import reactor

    before = set(reactor.getDelayedCalls())  # type: ignore[attr-defined]
    yield
    left = [c for c in reactor.getDelayedCalls()  # type: ignore[attr-defined]
            if c not in before]
    for call in left:
        call.cancel()
    assert not left, f"delayed calls left on the global reactor: {left}"


class StatusResource(Resource):
    """Serves GET /v1/status with a settable code and body; counts requests."""

    isLeaf = True

    def __init__(self, code: int = 200, body: bytes | None = None) -> None:
        super().__init__()
        self.code = code
        self.body = body if body is not None else self.status_body(8091, 8092)
        self.paths: list[bytes] = []

    @staticmethod
    def status_body(pub: int, sub: int) -> bytes:
        return json.dumps({"status": True, "name": "e",
                           "bus": {"pub_port": pub, "sub_port": sub}}).encode()

    def render_GET(self, request: Request) -> bytes:
        self.paths.append(request.path)
        if request.path != b"/v1/status":
            request.setResponseCode(404)
            return b"{}"
        request.setResponseCode(self.code)
        request.setHeader(b"content-type", b"application/json")
        return self.body


class UrlHarness:
    def __init__(self, resource: StatusResource, url: str = "http://pi-engine.local:8088/"
                 ) -> None:
        self.clock = Clock()
        self.resource = resource
        self.stub = StubTreq(resource)
        self.seen: list[EngineLocation | None] = []
        self.locator = EngineLocator(self.clock, self.seen.append, url=url, http=self.stub)

    def start(self) -> None:
        self.locator.startService()
        self.stub.flush()

    def poll(self) -> None:
        self.clock.advance(POLL_INTERVAL)
        self.stub.flush()


def test_url_locator_reads_bus_ports_from_status() -> None:
    """The engine's /v1/status gives the bus ports; the configured URL gives the host."""
    h = UrlHarness(StatusResource())
    h.start()
    assert h.resource.paths == [b"/v1/status"]
    expected = EngineLocation("http://pi-engine.local:8088", "tcp://pi-engine.local:8091",
                              "tcp://pi-engine.local:8092", "e")
    assert h.seen == [expected]
    assert h.locator.status() == {"mode": "url", "state": "found",
                                  "message": "engine at http://pi-engine.local:8088/",
                                  "engine": expected.to_json()}
    h.locator.stopService()


def test_url_locator_polls_and_reports_only_changes() -> None:
    """It polls every interval; the same answer is not reported again, a new port is."""
    h = UrlHarness(StatusResource())
    h.start()
    h.poll()
    assert len(h.resource.paths) == 2
    assert len(h.seen) == 1
    h.resource.body = StatusResource.status_body(9091, 9092)
    h.poll()
    assert [loc.bus_pub if loc else None for loc in h.seen] == [
        "tcp://pi-engine.local:8091", "tcp://pi-engine.local:9091"]
    h.locator.stopService()
    h.clock.advance(POLL_INTERVAL * 3)
    assert len(h.resource.paths) == 3


@pytest.mark.parametrize("body", [b"<html>Internal Server Error</html>", b"", b"{not json"])
def test_url_locator_survives_an_engine_answering_garbage(body: bytes) -> None:
    """A 500 with a non-JSON body is no engine: the state stays searching, nothing reported."""
    h = UrlHarness(StatusResource(500, body))
    h.start()
    assert h.locator.state == "searching"
    assert "does not answer" in h.locator.message
    assert h.seen == []
    h.poll()  # the loop keeps running after the failure
    assert len(h.resource.paths) == 2
    h.locator.stopService()


def test_url_locator_does_not_trust_a_json_error_answer() -> None:
    """A 500 whose body happens to be JSON is still a failure, not a found engine."""
    h = UrlHarness(StatusResource(500, b'{"status": "error", "error": "boom"}'))
    try:
        h.start()
        assert h.locator.state != "found"
        assert h.seen == []
    finally:
        h.locator.stopService()


def test_url_locator_marks_a_silent_engine_lost() -> None:
    """Once found, an engine that stops answering makes the state lost."""
    h = UrlHarness(StatusResource())
    h.start()
    h.resource.body = b"garbage"
    h.poll()
    assert h.locator.state == "lost"
    assert "does not answer" in h.locator.message
    h.locator.stopService()


@pytest.mark.parametrize(("url", "body", "expected"), [
    ("http://pi:8088/", {"bus": {"pub_port": 8091, "sub_port": 8092}, "name": "e"},
     EngineLocation("http://pi:8088", "tcp://pi:8091", "tcp://pi:8092", "e")),
    ("http://[fe80::1]:8088", {"bus": {"pub_port": 1, "sub_port": 2}},
     EngineLocation("http://[fe80::1]:8088", "tcp://[fe80::1]:1", "tcp://[fe80::1]:2")),
    ("http://pi:8088", {"bus": {"pub_port": 0, "sub_port": "8092"}},
     EngineLocation("http://pi:8088", None, None)),
    ("http://pi:8088", {"status": True}, EngineLocation("http://pi:8088", None, None)),
    ("http://pi:8088", ["not", "an", "object"], EngineLocation("http://pi:8088", None, None)),
    ("http://pi:8088", {"bus": "x"}, EngineLocation("http://pi:8088", None, None)),
])
def test_location_from_status(url: str, body: Any, expected: EngineLocation) -> None:
    """Bus endpoints come from positive integer ports only; IPv6 hosts get brackets."""
    assert location_from_status(url, body) == expected


# -- CLI table ---------------------------------------------------------------------------

def test_table_lists_role_name_and_addresses_engine_first() -> None:
    """One row per daemon with role, name and address:port; the engine comes first."""
    agent = Advert("agent on pi2", "sensor-agent", "abcdef0123456789", 8089,
                   ("10.0.0.2", "10.0.0.3"), "0.3.0")
    lines = table([agent, _engine()]).splitlines()
    assert lines[0].split() == ["ROLE", "NAME", "ADDRESS", "VERSION", "ID"]
    assert lines[1].startswith("engine")
    assert "RPyMostat engine on pi1" in lines[1] and "192.168.1.5:8088" in lines[1]
    assert lines[2].startswith("sensor-agent")
    assert "10.0.0.2:8089, 10.0.0.3:8089" in lines[2]
    assert lines[2].endswith("abcdef012345")


def test_table_marks_unknown_role_and_address() -> None:
    """A daemon without a role or address is shown with '?'."""
    line = table([Advert("mystery", "", "", 7000)]).splitlines()[1]
    assert line.startswith("?")
    assert "?:7000" in line
