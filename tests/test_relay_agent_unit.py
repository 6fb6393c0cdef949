"""Relay agent: output specs, drivers (sysfs fake tree, gpiod behind a fake), the bank with
its protections and safe state, the watchdog, registration and the agent's API."""

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from treq.testing import StubTreq
from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.task import Clock

from rpymostat.relay_agent.api import RelayAPI
from rpymostat.relay_agent.bank import Output, OutputFault, RelayBank
from rpymostat.relay_agent.outputs import OutputContext, OutputError
from rpymostat.relay_agent.outputs.chardev import GpiodOutput, MemoryLines, chip_path
from rpymostat.relay_agent.outputs.dummy import DummyOutput
from rpymostat.relay_agent.outputs.sysfs import SysfsOutput
from rpymostat.relay_agent.register import Registrar
from rpymostat.relay_agent.spec import (
    check_safe_states,
    interlock_groups,
    parse_interlocks,
    parse_output_spec,
    parse_relays_setting,
)
from rpymostat.relay_agent.watchdog import Watchdog
from rpymostat.shared.auth import BearerAuth

from .helpers import TOKEN, result_of

T0 = 1_790_000_000.0


def context(clock: Clock | None = None) -> OutputContext:
    """Blocking work runs inline (the real agent uses a one-thread pool)."""

    def inline(f: Any) -> Deferred[Any]:
        try:
            return succeed(f())
        except Exception as e:
            return fail(e)

    return OutputContext(clock or Clock(), inline, None, 1.0)


# -- specs ---------------------------------------------------------------------------------


def test_spec_defaults_by_function_and_class_arguments() -> None:
    """Common keys become the spec; the rest are the class's; cool defaults to 5 min off."""
    heat = parse_output_spec("heat=gpiod:line=17,active=low")
    assert (heat.id, heat.cls, heat.function, heat.active_low, heat.safe_on) == (
        "heat", "gpiod", "heat", True, False)
    assert dict(heat.args) == {"line": "17"}
    cool = parse_output_spec("ac=sysfs:gpio=5,function=cool")
    assert (cool.function, cool.protection.min_off, cool.protection.max_starts_per_hour) == (
        "cool", 300.0, 6)
    pump = parse_output_spec("pump=dummy:safe=on,min_on=0,min_off=30,max_starts=10")
    assert (pump.function, pump.safe_on, pump.protection.min_off,
            pump.protection.max_starts_per_hour) == ("aux", True, 30.0, 10)


@pytest.mark.parametrize(("text", "names"), [
    ("heat", "ID=CLASS"), ("=dummy", "output id"), ("heat=dummy:function=boil", "function"),
    ("heat=dummy:min_off=-1", "min_off"), ("heat=dummy:min_on=nan", "min_on"),
    ("heat=dummy:max_starts=1.5", "max_starts"), ("heat=dummy:active=middle", "active"),
    ("heat=dummy:line", "key=value"), ("heat=dummy:safe=maybe", "safe")])
def test_bad_specs_name_what_is_wrong(text: str, names: str) -> None:
    """Each bad spec is refused with a message naming the part at fault."""
    with pytest.raises(ValueError, match=names):
        parse_output_spec(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_spec_parser_accepts_or_refuses_cleanly(text: str) -> None:
    """Any text: a spec or a ValueError (never another exception)."""
    try:
        spec = parse_output_spec(text)
    except ValueError as e:
        assert str(e)
    else:
        assert spec.id and spec.cls and spec.function in ("heat", "cool", "fan", "aux")


def test_relays_setting_refuses_duplicates_and_interlocks_pair_heat_with_cool() -> None:
    """Two outputs with one id are refused; auto interlocks pair every heat with every cool."""
    with pytest.raises(ValueError, match="twice"):
        parse_relays_setting("heat=dummy;heat=dummy")
    specs = parse_relays_setting("heat=dummy;heat2=dummy:function=heat;cool=dummy;fan=dummy")
    assert interlock_groups(specs, parse_interlocks("auto")) == (("heat", "cool"),
                                                                 ("heat2", "cool"))
    assert interlock_groups(specs, parse_interlocks("none")) == ()
    with pytest.raises(ValueError, match="unknown"):
        interlock_groups(specs, parse_interlocks("heat+nope"))
    with pytest.raises(ValueError, match="both have safe=on"):
        check_safe_states(parse_relays_setting("a=dummy:safe=on;b=dummy:safe=on"),
                          (("a", "b"),))


# -- drivers -------------------------------------------------------------------------------


def fake_gpio_tree(root: Path, gpio: int, exported: bool = True) -> Path:
    """A /sys/class/gpio look-alike (export is a plain file)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "export").write_text("")
    line = root / f"gpio{gpio}"
    if exported:
        line.mkdir()
        (line / "direction").write_text("in\n")
        (line / "value").write_text("0\n")
    return line


def test_sysfs_open_sets_direction_and_level_in_one_step(tmp_path: Path) -> None:
    """open writes high/low to direction (no glitch); set writes the level; active-low flips."""
    line = fake_gpio_tree(tmp_path, 17)
    out = SysfsOutput(context(), "heat", active_low=True, gpio=17, root=tmp_path)
    result_of(out.open(False))
    assert (line / "direction").read_text() == "high"  # active-low: off is a high level
    result_of(out.set(True))
    assert (line / "value").read_text() == "0"
    result_of(out.set(False))
    assert (line / "value").read_text() == "1"


def test_sysfs_exports_a_line_and_reports_one_that_never_appears(tmp_path: Path,
                                                                   monkeypatch: Any) -> None:
    """A line not yet exported is exported; if it never appears, the error says so."""
    fake_gpio_tree(tmp_path, 4, exported=False)
    monkeypatch.setattr("rpymostat.relay_agent.outputs.sysfs.EXPORT_WAIT", 0.05)
    out = SysfsOutput(context(), "heat", active_low=False, gpio=4, root=tmp_path)
    with pytest.raises(OutputError, match="did not appear after export"):
        result_of(out.open(False))
    assert (tmp_path / "export").read_text() == "4"


def test_sysfs_missing_root_is_an_output_error(tmp_path: Path) -> None:
    """No GPIO directory: a clear OutputError, not a crash."""
    out = SysfsOutput(context(), "heat", active_low=False, gpio=4, root=tmp_path / "none")
    with pytest.raises(OutputError, match="cannot export GPIO 4"):
        result_of(out.open(False))


def test_gpiod_requests_at_the_safe_level_and_sets_logical_values() -> None:
    """The line is requested with its initial value and polarity; set is logical."""
    lines = MemoryLines()
    out = GpiodOutput(context(), "heat", active_low=True, line=17, backend=lines)
    result_of(out.open(False))
    held = lines.lines[("gpiochip0", 17)]
    assert (held.active_low, held.values) == (True, [False])
    result_of(out.set(True))
    assert held.values == [False, True]
    result_of(out.close())
    assert held.released
    assert chip_path("gpiochip1") == "/dev/gpiochip1"


def test_gpiod_busy_line_missing_chip_and_unheld_line_are_output_errors() -> None:
    """Kernel errors become OutputError naming the line."""
    lines = MemoryLines(missing_chips={"gpiochip9"})
    with pytest.raises(OutputError, match="gpiochip9 line 1: cannot request"):
        result_of(GpiodOutput(context(), "x", False, line=1, chip="gpiochip9",
                              backend=lines).open(False))
    result_of(GpiodOutput(context(), "a", False, line=2, backend=lines).open(False))
    with pytest.raises(OutputError, match="busy"):
        result_of(GpiodOutput(context(), "b", False, line=2, backend=lines).open(False))
    with pytest.raises(OutputError, match="not held"):
        result_of(GpiodOutput(context(), "c", False, line=3, backend=lines).set(True))


def gpio_sim_chip() -> str | None:
    """The device of a gpio-sim or gpio-mockup chip, if this machine has one."""
    import gpiod

    for dev in sorted(Path("/dev").glob("gpiochip*")):
        try:
            with gpiod.Chip(str(dev)) as chip:
                label = chip.get_info().label
        except OSError:
            continue
        if label.startswith(("gpio-sim", "gpio-mockup")):
            return str(dev)
    return None


@pytest.mark.skipif(gpio_sim_chip() is None,
                    reason="no gpio-sim or gpio-mockup chip here (needs the kernel module;"
                           " modprobe gpio-mockup gpio_mockup_ranges=-1,8)")
def test_real_gpiod_drives_a_simulated_chip() -> None:
    """The real libgpiod path: request, set, read back through a second request's view."""
    import gpiod

    chip = gpio_sim_chip()
    assert chip is not None
    out = GpiodOutput(context(), "heat", active_low=False, line=0, chip=chip)
    result_of(out.open(False))
    try:
        result_of(out.set(True))
        with gpiod.Chip(chip) as c:
            info = c.get_line_info(0)
            assert info.used and info.consumer == "rpymostat"
    finally:
        result_of(out.close())


# -- the bank ------------------------------------------------------------------------------


class FailingDriver(DummyOutput):
    """A dummy whose set can be made to fail."""

    failing = False

    def set(self, on: bool) -> Deferred[None]:
        if self.failing:
            return fail(OutputError("relay board not answering"))
        return super().set(on)


def make_bank(clock: Clock, specs: str = "heat=dummy;cool=dummy;fan=dummy:safe=on"
              ) -> tuple[RelayBank, dict[str, Any], list[tuple[str, dict[str, Any]]]]:
    parsed = parse_relays_setting(specs)
    drivers = {s.id: FailingDriver(context(clock), s.id, s.active_low) for s in parsed}
    published: list[tuple[str, dict[str, Any]]] = []
    bank = RelayBank(clock, {s.id: Output(s, drivers[s.id]) for s in parsed},
                     interlock_groups(parsed, None), lambda oid, r: published.append((oid, r)))
    return bank, drivers, published


def started(specs: str = "heat=dummy;cool=dummy;fan=dummy:safe=on") -> tuple[Any, ...]:
    clock = Clock()
    clock.advance(T0)
    bank, drivers, published = make_bank(clock, specs)
    result_of(Deferred.fromCoroutine(bank.start()))
    return clock, bank, drivers, published


def command(bank: RelayBank, oid: str, on: bool) -> Any:
    return result_of(Deferred.fromCoroutine(bank.command(oid, on)))


def test_start_drives_every_output_to_its_safe_state_first() -> None:
    """Each driver is claimed at its safe level; only cool then waits its min off time."""
    clock, bank, drivers, published = started()
    assert [d.levels for d in drivers.values()] == [[False], [False], [True]]
    assert all(d.claimed for d in drivers.values())
    assert [oid for oid, _ in published] == ["heat", "cool", "fan"]
    assert command(bank, "heat", True).allowed  # heat has no start timer
    cool = bank.describe("cool")
    assert cool["timers"]["blocked_by"] == "interlocked with heat, which is on"
    assert command(bank, "heat", False).allowed is False  # min on 60 s
    clock.advance(60)
    assert command(bank, "heat", False).allowed
    refused = command(bank, "cool", True)
    assert (refused.allowed, refused.reason, refused.retry_after) == (
        False, "minimum off time 300 s", 240.0)


def test_refused_commands_are_not_queued() -> None:
    """A refused command changes nothing, later: the output stays until commanded again."""
    clock, bank, drivers, _ = started()
    assert not command(bank, "cool", True).allowed
    clock.advance(400)
    assert bank.describe("cool")["state"] == "off"
    assert drivers["cool"].levels == [False]
    assert command(bank, "cool", True).allowed
    assert drivers["cool"].levels == [False, True]


def test_safe_state_overrides_min_on_and_is_recorded() -> None:
    """The watchdog's safe_all switches at once despite min on; timers then run from it."""
    clock, bank, drivers, published = started()
    assert command(bank, "heat", True).allowed
    clock.advance(5)
    assert result_of(Deferred.fromCoroutine(bank.safe_all("watchdog: safe state"))) == 1
    heat = bank.describe("heat")
    assert (heat["state"], heat["reason"]) == ("off", "watchdog: safe state")
    assert drivers["heat"].levels == [False, True, False]
    assert published[-1][1]["reason"] == "watchdog: safe state"
    again = command(bank, "heat", True)
    assert (again.allowed, again.retry_after) == (False, 60.0)  # min off from the forced stop


def test_driver_failure_is_a_fault_and_the_state_is_not_claimed() -> None:
    """A failing driver raises OutputFault; the state stays; the next success clears it."""
    _clock, bank, drivers, _ = started()
    drivers["fan"].failing = True
    with pytest.raises(OutputFault, match="relay board not answering"):
        command(bank, "fan", False)
    fan = bank.describe("fan")
    assert (fan["state"], fan["fault"]) == ("on", "memory (fan): relay board not answering")
    drivers["fan"].failing = False
    assert command(bank, "fan", False).allowed
    assert bank.describe("fan")["fault"] is None


def test_timers_in_describe_count_down() -> None:
    """switch_allowed_in_s says when the opposite switch is allowed."""
    clock, bank, _, _ = started()
    assert bank.describe("cool")["timers"]["switch_allowed_in_s"] == 300.0
    clock.advance(100)
    assert bank.describe("cool")["timers"]["switch_allowed_in_s"] == 200.0
    assert bank.describe("fan")["timers"]["switch_allowed_in_s"] == 0.0


# -- watchdog ------------------------------------------------------------------------------


def test_watchdog_fires_after_a_silence_and_a_kick_rearms_it() -> None:
    """Kicks keep it quiet; a period without one fires it once; the next kick clears it."""
    clock = Clock()
    fired: list[float] = []
    dog = Watchdog(clock, 10.0, lambda: fired.append(clock.seconds()))
    dog.start()
    for _ in range(5):
        clock.advance(9)
        dog.kick()
    assert fired == []
    clock.advance(10)
    assert fired == [55.0] and dog.tripped
    clock.advance(100)
    assert fired == [55.0]
    dog.kick()
    assert not dog.tripped and dog.status()["fires_in_s"] == 10.0
    dog.stop()
    assert clock.getDelayedCalls() == []


# -- registration --------------------------------------------------------------------------


class FakeResponse:
    def __init__(self, code: int, body: dict[str, Any]) -> None:
        self.code = code
        self._body = json.dumps(body).encode()

    def content(self) -> Deferred[bytes]:
        return succeed(self._body)


class FakeHTTP:
    """Scripted answers for POST; records what was sent."""

    def __init__(self) -> None:
        self.answers: list[Any] = []
        self.sent: list[tuple[str, dict[str, Any], dict[str, Any]]] = []

    def post(self, url: str, data: bytes, headers: dict[str, Any], timeout: float
             ) -> Deferred[Any]:
        self.sent.append((url, json.loads(data), headers))
        answer = self.answers.pop(0)
        return fail(answer) if isinstance(answer, Exception) else succeed(answer)


def test_registrar_retries_with_backoff_and_registers_again_for_a_new_engine_boot() -> None:
    """Failures back off (1, 2, 4 s with no jitter); a new engine boot re-registers."""
    clock, http = Clock(), FakeHTTP()
    http.answers = [ConnectionRefusedError("refused"), FakeResponse(503, {"error": "store"}),
                    FakeResponse(201, {"boot": "b1"}), FakeResponse(201, {"boot": "b2"})]
    reg = Registrar(clock, http, lambda: TOKEN, engine_url=lambda: "http://e:8088",
                    body=lambda: {"host_id": "pi"}, timeout=5, jitter=lambda: 1.0)
    reg.kick()
    assert len(http.sent) == 1 and reg.failures == 1
    clock.advance(0.99)
    assert len(http.sent) == 1
    clock.advance(0.01)
    assert len(http.sent) == 2 and "store" in (reg.last_error or "")
    clock.advance(2)
    assert len(http.sent) == 3 and reg.status()["registered"] and reg.engine_boot == "b1"
    url, body, headers = http.sent[-1]
    assert url == "http://e:8088/v1/relays/register" and body == {"host_id": "pi"}
    assert headers["Authorization"] == [f"Bearer {TOKEN}"]
    reg.engine_seen("b1")
    assert len(http.sent) == 3
    reg.engine_seen("b2")
    assert len(http.sent) == 4 and reg.engine_boot == "b2"


# -- the API -------------------------------------------------------------------------------


class APIHarness:
    def __init__(self) -> None:
        self.clock, self.bank, self.drivers, _ = started()
        self.heard: list[str | None] = []
        api = RelayAPI("test", "pi", self.bank, BearerAuth(lambda: TOKEN),
                       heard=self.heard.append, status=lambda: {"watchdog": {}})
        self.treq = StubTreq(api.resource())

    def request(self, method: str, path: str, body: Any = None, token: str | None = TOKEN,
                raw: bytes | None = None) -> tuple[int, Any, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        response = result_of(self.treq.request(method, f"http://agent{path}", data=data,
                                               headers=headers))
        content = result_of(response.content())
        self.treq.flush()
        return response.code, json.loads(content), response.headers


def test_api_switches_with_the_token_and_feeds_the_watchdog() -> None:
    """PUT with the token switches and counts as hearing the engine; without it, 401."""
    h = APIHarness()
    code, body, _ = h.request("PUT", "/v1/relays/heat", {"state": "on"}, token=None)
    assert code == 401 and h.heard == []
    code, body, _ = h.request("PUT", "/v1/relays/heat", {"state": "on"})
    assert (code, body["state"]) == (200, "on") and h.heard == [None]
    code, body, _ = h.request("GET", "/v1/relays")
    assert {r["id"]: r["state"] for r in body["relays"]} == {"heat": "on", "cool": "off",
                                                             "fan": "on"}


def test_api_refusal_is_409_with_the_wait_and_retry_after() -> None:
    """A protection refusal: 409, retry_after_s, a Retry-After header, the relay's state."""
    h = APIHarness()
    code, body, headers = h.request("PUT", "/v1/relays/cool", {"state": "on"})
    assert code == 409 and body["retry_after_s"] == 300.0
    assert "minimum off time" in body["error"] and body["relay"]["state"] == "off"
    assert headers.getRawHeaders("Retry-After") == ["300"]
    h.request("PUT", "/v1/relays/heat", {"state": "on"})
    h.clock.advance(400)
    code, body, headers = h.request("PUT", "/v1/relays/cool", {"state": "on"})
    assert code == 409 and body["retry_after_s"] is None and "interlocked" in body["error"]


def test_api_heartbeat_answers_every_output_and_passes_the_engine_boot() -> None:
    """POST /v1/heartbeat feeds the watchdog with the engine's boot id."""
    h = APIHarness()
    code, body, _ = h.request("POST", "/v1/heartbeat", {"engine": "boot1"})
    assert code == 200 and h.heard == ["boot1"] and len(body["relays"]) == 3


@pytest.mark.parametrize(("path", "body", "code", "names"), [
    ("/v1/relays/nope", {"state": "on"}, 404, "no such output"),
    ("/v1/relays/heat", {"state": "hot"}, 422, "state"),
    ("/v1/relays/heat", {"state": "on", "x": 1}, 422, "unknown field"),
    ("/v1/relays/heat", [], 422, "JSON object"),
])
def test_api_bad_commands_are_clear_4xx(path: str, body: Any, code: int, names: str) -> None:
    """Unknown outputs and bad bodies: JSON errors naming the problem."""
    got, answer, _ = APIHarness().request("PUT", path, body)
    assert got == code and names in answer["error"]


@settings(max_examples=200, deadline=None)
@given(raw=st.binary(max_size=100) | st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["state", "source", "engine", "x"]), inner, max_size=3),
    max_leaves=8).map(lambda v: json.dumps(v).encode()),
    route=st.sampled_from([("PUT", "/v1/relays/heat"), ("POST", "/v1/heartbeat"),
                           ("PUT", "/v1/relays/zz")]))
def test_api_never_answers_5xx(raw: bytes, route: tuple[str, str]) -> None:
    """Any body on a mutating route: 2xx, or a 4xx JSON error."""
    code, body, _ = APIHarness().request(route[0], route[1], raw=raw)
    assert code < 500
    if code >= 400:
        assert body["status"] == "error" and body["error"]


# -- the agent's wiring ----------------------------------------------------------------------


class FakeLink:
    """What RelayAgent uses of EngineLink."""

    engine = None

    def __init__(self) -> None:
        self.details: Any = dict
        self.listeners: list[Any] = []
        self.published: list[tuple[str, dict[str, Any]]] = []
        self.announced: list[dict[str, Any]] = []
        self.publisher = self

    def on_engine(self, listener: Any) -> None:
        self.listeners.append(listener)

    def publish(self, topic: str, data: dict[str, Any]) -> None:
        self.published.append((topic, data))

    def announce(self) -> None:
        self.announced.append(self.details())

    def status(self) -> dict[str, Any]:
        return {}


def test_agent_goes_safe_when_the_watchdog_fires_and_says_so_on_the_bus(tmp_path: Path
                                                                        ) -> None:
    """Safe state first at start; silence for a period: outputs safe, the trip announced."""
    from rpymostat.relay_agent.agent import RelayAgent
    from rpymostat.relay_agent.config import load_config

    clock = Clock()
    clock.advance(T0)
    config = load_config({"RPYMOSTAT_DATA_DIR": str(tmp_path), "RPYMOSTAT_RELAYS":
                          "heat=dummy:min_on=600", "RPYMOSTAT_RELAY_WATCHDOG": "30"})
    link = FakeLink()
    outputs = {"heat": Output(config.outputs[0], DummyOutput(context(clock), "heat", False))}
    agent = RelayAgent(clock, config, "pi", link, outputs, http=None,  # type: ignore[arg-type]
                       token=lambda: TOKEN)  # type: ignore[arg-type]
    agent.startService()
    assert link.published[0][0] == "relay.pi.heat" and link.published[0][1]["state"] == "off"
    assert command(agent.bank, "heat", True).allowed
    for _ in range(5):
        clock.advance(20)
        agent.heard("boot")
    assert agent.bank.describe("heat")["state"] == "on"
    clock.advance(30)
    assert agent.bank.describe("heat")["state"] == "off"  # min on 600 s overridden
    assert link.announced[-1]["watchdog"]["tripped"] is True
    assert link.published[-1][1]["reason"] == "watchdog: safe state"
    result_of(agent.stopService())


def test_a_command_during_start_waits_for_the_safe_state() -> None:
    """A command that arrives while the lines are being claimed runs after, not before."""
    clock = Clock()
    clock.advance(T0)
    bank, drivers, _ = make_bank(clock, "heat=dummy:min_on=0,min_off=0")
    opening: Deferred[None] = Deferred()
    drivers["heat"].open = lambda on: opening.addCallback(lambda _: drivers["heat"].set(on))
    started_ = Deferred.fromCoroutine(bank.start())
    commanded = Deferred.fromCoroutine(bank.command("heat", True))
    assert drivers["heat"].levels == [] and not commanded.called
    opening.callback(None)
    assert started_.called and result_of(commanded).allowed
    assert drivers["heat"].levels == [False, True]
