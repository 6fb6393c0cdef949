"""Sensor agent: rounds on task.Clock, host id, options, API, the real disk queue."""

import json
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted
from treq.testing import StubTreq
from twisted.internet.defer import Deferred, succeed
from twisted.internet.task import Clock

from rpymostat.sensor_agent.agent import print_readings
from rpymostat.sensor_agent.api import AgentAPI
from rpymostat.sensor_agent.config import Options
from rpymostat.sensor_agent.diskqueue import DiskQueue
from rpymostat.sensor_agent.plugin import ClassSpec, SensorValue
from rpymostat.sensor_agent.rounds import Rounds, Taken
from rpymostat.shared import hostid

from .helpers import result_of

START = 1_790_000_000.0


class Scripted:
    """A reader that answers with the next scripted result (a list, or a Deferred)."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)

    def read(self) -> Any:
        answer = self.answers.pop(0)
        return answer if isinstance(answer, Deferred) else succeed(answer)


def rig(**readers: Any) -> tuple[Clock, Rounds, list[list[Taken]]]:
    clock = Clock()
    clock.advance(START)
    batches: list[list[Taken]] = []
    rounds = Rounds(clock, readers, interval=60, timeout=5, sink=batches.append)
    return clock, rounds, batches


def test_rounds_stamp_each_reading_when_taken_and_repeat() -> None:
    clock, rounds, batches = rig(a=Scripted([SensorValue("x", 20.0, "t")],
                                            [SensorValue("x", 20.5, "t")]))
    rounds.startService()
    clock.advance(60)
    rounds.stopService()
    assert [[(t.sensor.value, t.timestamp.timestamp()) for t in b] for b in batches] == [
        [(20.0, START)], [(20.5, START + 60)]]
    assert batches[1][0].batch_item() == {"sensor_id": "x", "timestamp": "2026-09-21T14:14:20Z",
                                          "value": 20.5, "type": "t"}


def test_a_stuck_class_times_out_and_its_sensors_report_why() -> None:
    clock, rounds, batches = rig(
        fast=Scripted([SensorValue("f", 19.0, "t")], [SensorValue("f", 19.5, "t")]),
        slow=Scripted([SensorValue("s", 18.0, "t")], Deferred()))
    result_of(rounds.round())
    d = rounds.round()
    assert not d.called
    clock.advance(5)
    taken = {t.sensor.sensor_id: t for t in result_of(d)}
    assert taken["f"].sensor.value == 19.5
    assert taken["s"].sensor.value is None
    assert taken["s"].sensor.error == "no answer within 5 s"
    assert taken["s"].batch_item()["extra"] == "error: no answer within 5 s"
    status = rounds.status()
    assert status["plugin_errors"] == {"slow": "no answer within 5 s"}
    assert status["sensor_errors"] == {"s": "no answer within 5 s"}
    assert len(batches) == 2


def test_a_failing_class_with_no_known_sensors_sends_nothing() -> None:
    _clock, rounds, batches = rig(broken=Scripted(Deferred.fromCoroutine(_boom())))
    assert result_of(rounds.round()) == []
    assert batches == []
    assert "RuntimeError: boom" in rounds.status()["plugin_errors"]["broken"]


async def _boom() -> list[SensorValue]:
    raise RuntimeError("boom")


def test_read_timeout_stays_inside_the_interval() -> None:
    assert parse([]).read_timeout == 10
    assert parse(["-i", "1"]).read_timeout == 0.8


def test_dry_run_prints_json_lines() -> None:
    lines: list[str] = []
    _clock, rounds, _ = rig(a=Scripted([SensorValue("x", None, "t", error="CRC check failed")]))
    print_readings(result_of(rounds.round()), lines.append)
    assert json.loads(lines[0])["error"] == "CRC check failed"
    assert json.loads(lines[0])["value"] is None


# -- host id ---------------------------------------------------------------------------

def test_host_id_prefers_the_pi_serial(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nHardware\t: BCM2835\nSerial\t\t: 00000000a1b2c3d4\n")
    machine = tmp_path / "machine-id"
    machine.write_text("0123456789abcdef0123456789abcdef\n")
    assert hostid.host_id(tmp_path / "data", cpuinfo, machine) == "rpi-00000000a1b2c3d4"
    cpuinfo.write_text("Serial\t\t: 0000000000000000\n")
    from_machine = hostid.host_id(tmp_path / "data", cpuinfo, machine)
    assert from_machine.startswith("m-") and "0123456789abcdef" not in from_machine
    assert from_machine == hostid.host_id(tmp_path / "data", cpuinfo, machine)


def test_host_id_is_generated_once_without_serial_or_machine_id(tmp_path: Path) -> None:
    first = hostid.host_id(tmp_path / "data", tmp_path / "none", tmp_path / "none")
    assert first.startswith("host-")
    assert hostid.host_id(tmp_path / "data", tmp_path / "none", tmp_path / "none") == first
    assert (tmp_path / "data" / "host-id").read_text().strip() == first


# -- options ---------------------------------------------------------------------------

def parse(args: list[str], env: dict[str, str] | None = None) -> Any:
    options = Options(environ=env or {})
    options.parseOptions(args)
    return options.config


def test_cli_is_rpymostat_sensor_compatible() -> None:
    config = parse(["-a", "192.168.1.5", "-p", "9000", "-i", "30", "-c", "w1=root=/tmp/w1",
                    "-c", "dummy=count=2", "--dummy", "-d"])
    assert config.daemon.locator.engine_url == "http://192.168.1.5:9000"
    assert config.interval == 30
    assert config.dry_run
    assert config.classes() == (ClassSpec("w1", {"root": "/tmp/w1"}),
                                ClassSpec("dummy", {"count": "2"}))


def test_environment_and_defaults() -> None:
    config = parse([], {"RPYMOSTAT_SENSORS": "dummy=seed=3", "RPYMOSTAT_SENSOR_INTERVAL": "5",
                        "RPYMOSTAT_ENGINE_URL": "http://engine:8088"})
    assert config.classes() == (ClassSpec("dummy", {"seed": "3"}),)
    assert config.interval == 5 and config.daemon.locator.engine_url == "http://engine:8088"
    assert parse([]).classes() == (ClassSpec("w1"), ClassSpec("owfs"))
    assert parse(["-a", "fe80::1"]).daemon.locator.engine_url == "http://[fe80::1]:8088"


@pytest.mark.parametrize(("args", "env", "message"), [
    (["-c", "nosuch"], {}, "unknown sensor class 'nosuch'"),
    (["-c", "dummy=colour=red"], {}, "no argument(s) colour"),
    (["-c", "sim=url=ftp://house"], {}, "must be an http:// or https:// URL"),
    (["-i", "0"], {}, "--interval"),
    (["-p", "9000"], {}, "--engine-port needs --engine-address"),
    ([], {"RPYMOSTAT_SENSOR_QUEUE_MAX": "5"}, "RPYMOSTAT_SENSOR_QUEUE_MAX"),
    ([], {"RPYMOSTAT_HOST_ID": "a:b"}, "RPYMOSTAT_HOST_ID"),
    ([], {"RPYMOSTAT_SENSORS": "=x"}, "RPYMOSTAT_SENSORS"),
])
def test_bad_options_name_what_is_wrong(args: list[str], env: dict[str, str],
                                        message: str) -> None:
    from twisted.python import usage

    with pytest.raises(usage.UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse(args, env)


# -- API ------------------------------------------------------------------------------

def test_api_status_and_readings() -> None:
    clock, rounds, _ = rig(a=Scripted([SensorValue("x", 21.0, "t"),
                                       SensorValue("y", None, "t", error="CRC check failed")]))
    result_of(rounds.round())
    clock.advance(2.5)
    api = AgentAPI("1.0", "pi-1", clock, rounds, lambda: {"delivery": {"queue": 3}})
    http = StubTreq(api.resource())
    status = result_of(result_of(http.get("http://agent/v1/status")).json())
    assert status["host_id"] == "pi-1" and status["delivery"] == {"queue": 3}
    body = result_of(result_of(http.get("http://agent/v1/readings")).json())
    assert [(r["sensor_id"], r["value"], r["error"], r["age_s"]) for r in body["readings"]] == [
        ("x", 21.0, None, 2.5), ("y", None, "CRC check failed", 2.5)]
    missing = result_of(http.get("http://agent/v1/nothing"))
    assert missing.code == 404
    assert "error" in result_of(missing.json())
    doc = result_of(result_of(http.get("http://agent/v1/openapi.json")).json())
    assert "/v1/readings" in doc["paths"]


# -- the real disk queue ----------------------------------------------------------------

@pytest_twisted.ensureDeferred
async def test_disk_queue_survives_a_restart_and_stays_bounded(tmp_path: Path) -> None:
    from twisted.internet import reactor

    path = tmp_path / "q.sqlite3"
    queue = DiskQueue(reactor, path, max_items=5)
    await queue.open()
    assert await queue.append([{"n": i} for i in range(4)]) == 0
    assert await queue.append([{"n": i} for i in range(4, 7)]) == 2
    assert (queue.length, queue.dropped) == (5, 2)
    rows = await queue.peek(2)
    assert [item for _seq, item in rows] == [{"n": 2}, {"n": 3}]
    await queue.remove_through(rows[-1][0])
    await queue.close()

    again = DiskQueue(reactor, path, max_items=5)
    await again.open()
    assert (again.length, again.dropped) == (3, 2)
    assert [item["n"] for _s, item in await again.peek(10)] == [4, 5, 6]
    await again.close()


def test_make_run_uses_dummy_sensors_only_without_1_wire_hardware(tmp_path: Path) -> None:
    from rpymostat.shared.suite import onewire_present

    w1root, owfs = tmp_path / "w1", tmp_path / "owfs"
    w1root.mkdir()
    (w1root / "w1_bus_master1").mkdir()
    assert not onewire_present(w1root, (owfs,))
    (w1root / "28-0315a3b4c5ff").mkdir()
    assert onewire_present(w1root, (owfs,))
    owfs.mkdir()
    (owfs / "28.0315A3B4C5FF").mkdir()
    assert onewire_present(tmp_path / "absent", (owfs,))
