"""Shared bus/discovery settings: URL, ZeroMQ endpoint and integer-range parsers, and loading."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from twisted.logger import LogLevel

from rpymostat.shared.busconfig import parse_http_url
from rpymostat.shared.envconfig import ConfigError, parse_int_range, parse_zmq_endpoint
from rpymostat.shared.infoapi import daemon_settings, load_daemon_config


@pytest.mark.parametrize(("raw", "expected"), [
    ("http://pi", "http://pi"),
    ("http://pi:8088", "http://pi:8088"),
    ("https://engine.example.org", "https://engine.example.org"),
    ("  http://192.168.1.5:8088/  ", "http://192.168.1.5:8088"),
    ("http://[fe80::1]:8088", "http://[fe80::1]:8088"),
])
def test_parse_http_url_accepts_http_and_https_with_a_host(raw: str, expected: str) -> None:
    """http/https URLs with a host and optional port are accepted, trimmed of '/' and spaces."""
    assert parse_http_url(raw) == expected


@pytest.mark.parametrize(("raw", "fragment"), [
    ("", "http:// or https://"),
    ("http://", "http:// or https://"),
    ("ftp://x", "http:// or https://"),
    ("pi:8088", "http:// or https://"),
    ("tcp://pi:8091", "http:// or https://"),
    ("http://:8088", "http:// or https://"),
    ("http://pi:99999", "bad port"),
    ("http://pi:port", "bad port"),
    ("http://pi:-1", "bad port"),
])
def test_parse_http_url_rejects(raw: str, fragment: str) -> None:
    """Other schemes, a missing host and a bad port raise ValueError saying what is wrong."""
    with pytest.raises(ValueError, match=fragment):
        parse_http_url(raw)


@given(st.text(max_size=60))
def test_parse_http_url_raises_only_value_error(raw: str) -> None:
    """Arbitrary text is accepted as an http(s) URL or refused with ValueError, nothing else."""
    try:
        url = parse_http_url(raw)
    except ValueError:
        return
    assert url.startswith(("http://", "https://"))


@pytest.mark.parametrize("raw", ["tcp://*:8091", "tcp://127.0.0.1:0", "ipc:///tmp/x",
                                 "tcp://[::1]:65535", " tcp://pi:1 "])
def test_parse_zmq_endpoint_accepts(raw: str) -> None:
    """tcp://host:port (host may be *, port 0-65535) and ipc:///path are accepted, trimmed."""
    assert parse_zmq_endpoint(raw) == raw.strip()


@pytest.mark.parametrize("raw", ["", "tcp://host", "tcp://:1", "tcp://h:99999", "udp://h:1",
                                 "tcp://h:", "tcp://h:-1", "ipc://", "inproc://x", "*:8091"])
def test_parse_zmq_endpoint_rejects(raw: str) -> None:
    """A missing host or port, a port out of range or another transport is refused."""
    with pytest.raises(ValueError, match="must be"):
        parse_zmq_endpoint(raw)


def test_parse_zmq_endpoint_rejects_non_ascii_digits() -> None:
    """The port must be written in ASCII digits, as ZeroMQ reads it."""
    with pytest.raises(ValueError):
        parse_zmq_endpoint("tcp://h:٣")


@given(st.text(max_size=40) | st.text(max_size=40).map(lambda s: "tcp://" + s))
def test_parse_zmq_endpoint_raises_only_value_error(raw: str) -> None:
    """Arbitrary text is accepted or refused with ValueError, nothing else."""
    try:
        endpoint = parse_zmq_endpoint(raw)
    except ValueError:
        return
    assert endpoint.startswith(("tcp://", "ipc://"))


@pytest.mark.parametrize(("raw", "expected"), [("10", 10), (" 500 ", 500),
                                                ("10000000", 10_000_000)])
def test_parse_int_range_accepts_bounds(raw: str, expected: int) -> None:
    """Integers from low to high inclusive are accepted (surrounding spaces ignored)."""
    assert parse_int_range(10, 10_000_000)(raw) == expected


@pytest.mark.parametrize("raw", ["9", "10000001", "", "x", "1.5", "1e3", "-", "+20", "--20"])
def test_parse_int_range_rejects(raw: str) -> None:
    """Out-of-range values and non-integers raise ValueError."""
    with pytest.raises(ValueError):
        parse_int_range(10, 10_000_000)(raw)


def test_parse_int_range_allows_negative_ranges() -> None:
    """A negative lower bound accepts negative integers and names the range when refusing."""
    parse = parse_int_range(-5, 5)
    assert parse("-5") == -5
    with pytest.raises(ValueError, match="from -5 to 5"):
        parse("-6")


@given(low=st.integers(-1000, 1000), span=st.integers(0, 1000), value=st.integers(-3000, 3000))
def test_parse_int_range_matches_the_bounds(low: int, span: int, value: int) -> None:
    """Any integer parses to itself exactly when it lies within [low, high]."""
    parse = parse_int_range(low, low + span)
    if low <= value <= low + span:
        assert parse(str(value)) == value
    else:
        with pytest.raises(ValueError):
            parse(str(value))


SETTINGS = daemon_settings("SENSOR_AGENT", "tcp:8089")


def test_daemon_config_defaults() -> None:
    """With an empty environment: advertise on, hwm 10000, warn to the bus, find by mDNS."""
    config = load_daemon_config(SETTINGS, {})
    assert config.listen == "tcp:8089"
    assert config.bus.advertise is True
    assert config.bus.hwm == 10_000
    assert config.bus.log_level == LogLevel.warn
    assert config.locator.engine_url is None
    assert config.locator.engine_name is None


def test_daemon_config_reads_the_bus_and_locator_variables() -> None:
    """Set variables are parsed into the config."""
    config = load_daemon_config(SETTINGS, {
        "RPYMOSTAT_ENGINE_URL": "http://pi:8088/", "RPYMOSTAT_ENGINE_NAME": " engine A ",
        "RPYMOSTAT_BUS_HWM": "50", "RPYMOSTAT_ADVERTISE": "OFF",
        "RPYMOSTAT_LOG_BUS_LEVEL": "error"})
    assert config.locator.engine_url == "http://pi:8088"
    assert config.locator.engine_name == "engine A"
    assert (config.bus.hwm, config.bus.advertise, config.bus.log_level) == (
        50, False, LogLevel.error)


@pytest.mark.parametrize(("name", "value"), [
    ("RPYMOSTAT_ENGINE_URL", "ftp://pi"),
    ("RPYMOSTAT_ENGINE_URL", "http://pi:99999"),
    ("RPYMOSTAT_BUS_HWM", "5"),
    ("RPYMOSTAT_BUS_HWM", "lots"),
    ("RPYMOSTAT_ADVERTISE", "maybe"),
    ("RPYMOSTAT_LOG_BUS_LEVEL", "loud"),
    ("RPYMOSTAT_ENGINE_NAME", "   "),
])
def test_daemon_config_error_names_the_variable(name: str, value: str) -> None:
    """An invalid value raises ConfigError whose message and .name give the variable."""
    with pytest.raises(ConfigError) as caught:
        load_daemon_config(SETTINGS, {name: value})
    assert caught.value.name == name
    assert str(caught.value).startswith(f"{name}: invalid value {value!r}")
