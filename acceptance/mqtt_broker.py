"""The real Mosquitto broker for acceptance tests, and a paho client that plays Home Assistant.

The machine's broker listens on 127.0.0.1:1883 (started with the system's configuration if it
is not running). Tests that restart a broker start their own on a free port instead, so the
shared one is never disturbed. Each test uses its own discovery prefix and topic root."""

import getpass
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

    def __init__(self, root: Path, tls: tuple[Path, Path, Path] | None = None,
                 users: Path | None = None) -> None:
        self.port = free_port()
        self.conf = root / "mosquitto.conf"
        # run as whoever runs the tests (as root, mosquitto would switch to its own user,
        # which cannot read the test's files)
        conf = f"user {getpass.getuser()}\nlistener {self.port} 127.0.0.1\npersistence false\n"
        if tls is not None:
            conf += f"cafile {tls[0]}\ncertfile {tls[1]}\nkeyfile {tls[2]}\n"
        conf += f"allow_anonymous false\npassword_file {users}\n" if users is not None \
            else "allow_anonymous true\n"
        self.conf.write_text(conf)
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

    def __init__(self, port: int, prefix: str, root: str, *, ca: Path | None = None,
                 login: tuple[str, str] | None = None) -> None:
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        self.prefix, self.root = prefix, root
        self.last: dict[str, str] = {}
        self.arrivals: list[str] = []
        self._lock = threading.Lock()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2,
                                  client_id=f"ha-test-{uuid.uuid4().hex[:8]}",
                                  protocol=mqtt.MQTTv5)
        if ca is not None:
            self.client.tls_set(ca_certs=str(ca))
        if login is not None:
            self.client.username_pw_set(*login)
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


def make_tls_files(root: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a certificate for 127.0.0.1/localhost signed by it: (ca, cert, key)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("rpymostat test CA"))
          .issuer_name(name("rpymostat test CA")).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now)
          .not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(name("localhost")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = root / "ca.pem", root / "server.pem", root / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths
