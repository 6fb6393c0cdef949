"""Sensor plugins against fake sysfs / OWFS trees, the sim and dummy plugins, class specs."""

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from twisted.internet.defer import fail, succeed
from twisted.internet.task import Clock

from rpymostat.sensor_agent.plugin import (
    ClassSpec,
    SensorContext,
    SensorError,
    SensorValue,
    installed_plugins,
    merge_specs,
    parse_class_spec,
    parse_sensors_setting,
    plugin_kwargs,
)
from rpymostat.sensor_agent.sensors import owfs, w1
from rpymostat.sensor_agent.sensors.dummy import DummySensors
from rpymostat.sensor_agent.sensors.onewire import with_retry
from rpymostat.sensor_agent.sensors.sim import SimSensor, pick
from rpymostat.shared.pluginargs import describe_plugins

from .helpers import result_of

GOOD = ("72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n"
        "72 01 4b 46 7f ff 0e 10 57 t=23125\n")
BAD_CRC = ("72 01 4b 46 7f ff 0e 10 57 : crc=12 NO\n"
           "72 01 4b 46 7f ff 0e 10 57 t=23125\n")
POWER_ON = ("50 05 4b 46 7f ff 0c 10 1c : crc=1c YES\n"
            "50 05 4b 46 7f ff 0c 10 1c t=85000\n")
NEGATIVE = ("5e ff 4b 46 7f ff 02 10 a9 : crc=a9 YES\n"
            "5e ff 4b 46 7f ff 02 10 a9 t=-10125\n")


def context(get_json: Any = None) -> SensorContext:
    """Blocking work runs inline (the thread is the caller's concern, not the plugin's)."""
    return SensorContext(reactor=Clock(), blocking=lambda f: succeed(f()),
                         get_json=get_json or (lambda url, t: fail(AssertionError())),
                         timeout=1.0)


def device(root: Path, name: str, *, slave: str | None = None,
           temperature: str | None = None) -> Path:
    path = root / name
    path.mkdir(parents=True)
    if slave is not None:
        (path / "w1_slave").write_text(slave)
    if temperature is not None:
        (path / "temperature").write_text(temperature)
    return path


def read(reader: Any) -> dict[str, SensorValue]:
    return {v.sensor_id: v for v in result_of(reader.read())}


# -- w1 sysfs ------------------------------------------------------------------------------

def test_w1_reads_w1_slave_and_temperature_files(tmp_path: Path) -> None:
    device(tmp_path, "28-0315a3b4c5ff", slave=GOOD)
    device(tmp_path, "10-000802b4a1c2", slave=NEGATIVE)
    device(tmp_path, "22-000000000001", slave=GOOD, temperature="21500\n")
    device(tmp_path, "w1_bus_master1")
    device(tmp_path, "01-000000000001", slave=GOOD)  # a family that is not a thermometer
    values = read(w1.W1Sensors(context(), root=str(tmp_path)))
    assert values == {
        "28-0315a3b4c5ff": SensorValue("28-0315a3b4c5ff", 23.125, "DS18B20"),
        "10-000802b4a1c2": SensorValue("10-000802b4a1c2", -10.125, "DS18S20"),
        "22-000000000001": SensorValue("22-000000000001", 21.5, "DS1822"),
    }


@pytest.mark.parametrize(("slave", "temperature", "reason"), [
    (BAD_CRC, None, "CRC check failed"),
    (POWER_ON, None, "power-on reset value"),
    (None, "85000", "power-on reset value"),
    ("garbage\x00\xff", None, "incomplete"),
    ("xx YES\nno temperature here\n", None, "no t= value"),
    ("xx maybe\nxx t=1000\n", None, "no CRC verdict"),
    (None, "hot", "not a number"),
    (None, "-127000", "outside the sensor's range"),
    (None, "", "not a number"),
])
def test_w1_bad_readings_are_none_with_a_reason(tmp_path: Path, slave: str | None,
                                                temperature: str | None, reason: str) -> None:
    device(tmp_path, "28-0315a3b4c5ff", slave=slave, temperature=temperature)
    value = read(w1.W1Sensors(context(), root=str(tmp_path)))["28-0315a3b4c5ff"]
    assert value.value is None
    assert value.error is not None and reason in value.error


def test_w1_vanished_sensor_keeps_reporting_none(tmp_path: Path) -> None:
    path = device(tmp_path, "28-0315a3b4c5ff", slave=GOOD)
    reader = w1.W1Sensors(context(), root=str(tmp_path))
    assert read(reader)["28-0315a3b4c5ff"].value == 23.125
    for f in path.iterdir():
        f.unlink()
    path.rmdir()
    gone = read(reader)["28-0315a3b4c5ff"]
    assert gone.value is None and gone.error is not None and "vanished" in gone.error


def test_w1_without_a_bus_reads_nothing(tmp_path: Path) -> None:
    assert read(w1.W1Sensors(context(), root=str(tmp_path / "absent"))) == {}


def test_a_failed_read_is_retried_once() -> None:
    calls: list[int] = []

    def flaky() -> float:
        calls.append(1)
        if len(calls) == 1:
            raise SensorError("CRC check failed")
        return 20.0

    assert with_retry(flaky) == 20.0
    calls.clear()

    def broken() -> float:
        calls.append(1)
        raise SensorError("CRC check failed")

    with pytest.raises(SensorError):
        with_retry(broken)
    assert len(calls) == 2


@given(st.text(max_size=200))
def test_w1_slave_parser_only_ever_raises_sensor_error(text: str) -> None:
    try:
        value = w1.parse_w1_slave(text)
    except SensorError:
        return
    assert isinstance(value, float)


# -- OWFS ----------------------------------------------------------------------------------

def owfs_mount(root: Path, scale: str | None, sensors: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    if scale is not None:
        units = root / "settings" / "units"
        units.mkdir(parents=True)
        (units / "temperature_scale").write_text(scale)
    for name, text in sensors.items():
        device(root, name, temperature=text)
    device(root, "uncached")
    device(root, "81.F0E2C6000000")  # the adapter's own id chip: not a thermometer
    return root


@pytest.mark.parametrize(("scale", "text", "celsius"), [
    ("C", "      22.5", 22.5),
    ("F", "      72.5", 22.5),
    ("K", "    295.65", 22.5),
    ("R", "    532.17", 22.5),
    (None, "  19.0625", 19.0625),
    ("Fahrenheit", "32", 0.0),
])
def test_owfs_converts_the_mount_unit_to_celsius(tmp_path: Path, scale: str | None, text: str,
                                                 celsius: float) -> None:
    mount = owfs_mount(tmp_path / "owfs", scale, {"28.0315A3B4C5FF": text})
    value = read(owfs.OWFSSensors(context(), mount=str(mount)))["28.0315A3B4C5FF"]
    assert value.type == "DS18B20"
    assert value.value == pytest.approx(celsius, abs=1e-3)


def test_owfs_errors_are_reported_per_sensor(tmp_path: Path) -> None:
    mount = owfs_mount(tmp_path / "owfs", "C", {"28.0315A3B4C5FF": "85", "10.00080294A1C2": "x",
                                                "22.000000000001": "20.5"})
    values = read(owfs.OWFSSensors(context(), mount=str(mount)))
    assert values["22.000000000001"].value == 20.5
    assert "power-on" in (values["28.0315A3B4C5FF"].error or "")
    assert "not a number" in (values["10.00080294A1C2"].error or "")


def test_owfs_unknown_scale_and_lost_mount(tmp_path: Path) -> None:
    mount = owfs_mount(tmp_path / "owfs", "C", {"28.0315A3B4C5FF": "21"})
    reader = owfs.OWFSSensors(context(), mount=str(mount))
    assert read(reader)["28.0315A3B4C5FF"].value == 21.0
    (mount / "settings" / "units" / "temperature_scale").write_text("Q")
    assert "unknown temperature scale" in (read(reader)["28.0315A3B4C5FF"].error or "")
    for path in sorted(mount.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    mount.rmdir()
    assert "mount is gone" in (read(reader)["28.0315A3B4C5FF"].error or "")


def test_owfs_finds_the_first_mount_that_looks_like_one(tmp_path: Path) -> None:
    empty = tmp_path / "run-owfs"
    empty.mkdir()
    real = owfs_mount(tmp_path / "mnt-1wire", "C", {"28.0315A3B4C5FF": "21"})
    assert owfs.find_mount([tmp_path / "absent", empty, real]) == real
    assert owfs.find_mount([tmp_path / "absent", empty]) is None


# -- sim and dummy -------------------------------------------------------------------------

def test_pick_follows_a_dotted_path() -> None:
    assert pick({"indoor_c": 20}, "indoor_c") == 20.0
    assert pick({"zones": {"living": {"indoor_c": 19.5}}}, "zones.living.indoor_c") == 19.5
    for body, why in (({}, "has no"), ({"indoor_c": "20"}, "not a number"),
                      ({"indoor_c": True}, "not a number"), ([], "has no")):
        with pytest.raises(SensorError, match=why):
            pick(body, "indoor_c")


def test_sim_reads_the_house_and_reports_failures() -> None:
    answers: list[Any] = [succeed({"indoor_c": 18.25}), fail(ConnectionRefusedError()),
                          succeed({"outdoor_c": 3})]
    urls: list[str] = []

    def get_json(url: str, timeout: float) -> Any:
        urls.append(url)
        return answers.pop(0)

    sensor = SimSensor(context(get_json), url="http://house:8070/v1/state", id="living")
    assert result_of(sensor.read()) == [SensorValue("living", 18.25, "sim")]
    refused = result_of(sensor.read())[0]
    assert refused.value is None and "ConnectionRefusedError" in (refused.error or "")
    missing = result_of(sensor.read())[0]
    assert missing.value is None and "has no 'indoor_c'" in (missing.error or "")
    assert urls == ["http://house:8070/v1/state"] * 3


def test_dummy_is_deterministic_and_plausible() -> None:
    def run(seed: int) -> list[float | None]:
        sensors = DummySensors(context(), seed=seed, count=2, base=20.0)
        return [v.value for _ in range(200) for v in result_of(sensors.read())]

    first = run(7)
    assert first == run(7)
    assert first != run(8)
    assert all(v is not None and 18.0 <= v <= 22.0 for v in first)


# -- the registry and -c specs ----------------------------------------------------------

def test_the_four_classes_are_installed() -> None:
    plugins = installed_plugins()
    assert {"w1", "owfs", "sim", "dummy"} <= set(plugins)
    text = describe_plugins(plugins)
    assert "url (optional)" in text and "root (default '/sys/bus/w1/devices')" in text


def test_class_specs() -> None:
    assert parse_class_spec("w1") == ClassSpec("w1")
    assert parse_class_spec("w1=root=/tmp/x=y") == ClassSpec("w1", {"root": "/tmp/x=y"})
    for bad in ("", "=x", "w1=root", "w1==v"):
        with pytest.raises(ValueError, match="expected"):
            parse_class_spec(bad)
    assert merge_specs([ClassSpec("dummy", {"seed": "1"}), ClassSpec("w1"),
                        ClassSpec("dummy", {"count": "3"})]) == (
        ClassSpec("dummy", {"seed": "1", "count": "3"}), ClassSpec("w1"))
    assert parse_sensors_setting(" w1; dummy=count=2 dummy=seed=4 ") == (
        ClassSpec("w1"), ClassSpec("dummy", {"count": "2", "seed": "4"}))
    assert parse_sensors_setting("") == ()


def test_plugin_arguments_are_validated_by_name() -> None:
    plugins = installed_plugins()
    assert plugin_kwargs(plugins["dummy"], {"count": "3"}) == {"seed": 0, "count": 3,
                                                                "base": 20.0}
    with pytest.raises(ValueError, match=r"has no argument.*colour"):
        plugin_kwargs(plugins["dummy"], {"colour": "red"})
    with pytest.raises(ValueError, match="count='99'"):
        plugin_kwargs(plugins["dummy"], {"count": "99"})
    assert plugin_kwargs(plugins["sim"], {})["url"] is None  # without url: found by mDNS
    with pytest.raises(ValueError, match="http"):
        plugin_kwargs(plugins["sim"], {"url": "ftp://x"})
    with pytest.raises(ValueError, match="not a valid id"):
        plugin_kwargs(plugins["sim"], {"url": "http://x", "id": "a:b"})


@given(st.text(max_size=80))
def test_class_spec_parser_only_raises_value_error(text: str) -> None:
    try:
        spec = parse_class_spec(text)
    except ValueError:
        return
    assert spec.name
