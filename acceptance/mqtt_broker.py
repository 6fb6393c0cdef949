"""The real Mosquitto broker for acceptance tests, and a paho client that plays Home Assistant.

The machine's broker listens on 127.0.0.1:1883 (started with the system's configuration if it
is not running). Tests that restart a broker start their own on a free port instead, so the
shared one is never disturbed. Each test uses its own discovery prefix and topic root."""

import shutil
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from .processes import free_port

SYSTEM_CONF = Path("/etc/mosquitto/mosquitto.conf")


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def mosquitto_binary() -> str:
    """The mosquitto executable, or skip naming what is missing."""
    found = shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/bin/mosquitto") if Path(p).exists()), None)
    if found is None:
        pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
    return found


def system_broker() -> int:
    """The shared broker's port (1883), started if it is not running."""
    if not _listening(1883):
        subprocess.run([mosquitto_binary(), "-d", "-c", str(SYSTEM_CONF)], check=True,
                       timeout=10)
        deadline = time.monotonic() + 10
        while not _listening(1883):
            if time.monotonic() > deadline:
                raise RuntimeError("mosquitto did not start on 127.0.0.1:1883")
            time.sleep(0.1)
    return 1883


class OwnBroker:
    """A mosquitto of this test's own on a free port (no persistence), restartable."""

    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.conf = root / "mosquitto.conf"
        self.conf.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\n"
                             "persistence false\n")
        self.log = root / "mosquitto.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> "OwnBroker":
        """Run in the foreground (a child we can stop) and wait for the port."""
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([mosquitto_binary(), "-c", str(self.conf)],
                                         stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while not _listening(self.port):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"mosquitto did not start:\n{self.log.read_text()}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        """Terminate and wait."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


class HomeAssistant:
    """A paho MQTT 5 client subscribed like Home Assistant: it keeps the last payload of
    every topic under the discovery prefix and the bridge's root, and counts arrivals."""

    def __init__(self, port: int, prefix: str, root: str) -> None:
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        self.prefix, self.root = prefix, root
        self.last: dict[str, str] = {}
        self.arrivals: list[str] = []
        self._lock = threading.Lock()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2,
                                  client_id=f"ha-test-{uuid.uuid4().hex[:8]}",
                                  protocol=mqtt.MQTTv5)
        self.client.on_message = self._on_message
        self.client.on_connect = self._on_connect
        self.client.connect("127.0.0.1", port, keepalive=30)
        self.client.loop_start()

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any,
                    properties: Any = None) -> None:
        client.subscribe(f"{self.prefix}/#", qos=1)
        client.subscribe(f"{self.root}/#", qos=1)

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        with self._lock:
            self.last[message.topic] = message.payload.decode()
            self.arrivals.append(message.topic)

    def get(self, topic: str) -> str | None:
        """The last payload seen on ``topic``."""
        with self._lock:
            return self.last.get(topic)

    def configs(self) -> dict[str, str]:
        """Discovery configs seen (non-empty)."""
        with self._lock:
            return {t: p for t, p in self.last.items()
                    if t.startswith(self.prefix + "/") and t.endswith("/config") and p}

    def count(self, topic: str) -> int:
        """How often ``topic`` arrived."""
        with self._lock:
            return self.arrivals.count(topic)

    def send(self, topic: str, payload: str, retain: bool = False) -> None:
        """Publish (QoS 1) and wait until it left."""
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(5)

    def clean_up(self) -> None:
        """Remove every retained message this test left on the broker, then disconnect."""
        with self._lock:
            topics = [t for t, p in self.last.items() if p]
        for topic in topics:
            self.client.publish(topic, b"", qos=1, retain=True).wait_for_publish(5)
        self.client.disconnect()
        self.client.loop_stop()
