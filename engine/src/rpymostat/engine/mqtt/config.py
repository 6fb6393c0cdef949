"""The bridge's settings: ``RPYMOSTAT_MQTT_URL`` (unset = no bridge), the CA for ``mqtts://``,
the discovery prefix and the root of the bridge's own topics."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from rpymostat.shared.envconfig import Setting

_TOPIC_ROOT = re.compile(r"[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*")


@dataclass(frozen=True)
class MqttConfig:
    """Where the broker is and how to log in; which topics to use."""

    host: str
    port: int
    tls: bool = False
    username: str | None = None
    password: str | None = None
    ca_file: Path | None = None
    discovery_prefix: str = "homeassistant"
    base: str = "rpymostat"
    keepalive: int = 30

    def redacted(self) -> str:
        """The URL without the password, for logs."""
        scheme = "mqtts" if self.tls else "mqtt"
        user = f"{self.username}:***@" if self.username else ""
        return f"{scheme}://{user}{self.host}:{self.port}"


def parse_mqtt_url(value: str) -> dict[str, Any]:
    """``mqtt://[user[:password]@]host[:port]`` or ``mqtts://...`` (TLS, default port 8883)."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("mqtt", "mqtts"):
        raise ValueError("use mqtt://[user:password@]host[:port] or mqtts://...")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("the port must be a number from 1 to 65535") from None
    if port == 0:
        raise ValueError("the port must be a number from 1 to 65535")
    if not parts.hostname:
        raise ValueError("the URL must name the broker's host")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("the URL takes no path, query or fragment")
    tls = parts.scheme == "mqtts"
    return {"host": parts.hostname, "port": port or (8883 if tls else 1883), "tls": tls,
            "username": unquote(parts.username) if parts.username else None,
            "password": unquote(parts.password) if parts.password is not None else None}


def parse_topic_root(value: str) -> str:
    """A topic prefix: letters, digits, ``_`` and ``-`` in ``/``-separated levels."""
    v = value.strip()
    if not _TOPIC_ROOT.fullmatch(v):
        raise ValueError("use letters, digits, _ and - in levels separated by / (no + or #)")
    return v


def parse_ca_file(value: str) -> Path:
    """A readable PEM file of CA certificates."""
    path = Path(value).expanduser()
    if not path.is_file():
        raise ValueError(f"{path} is not a file")
    return path


MQTT_SETTINGS: tuple[Setting, ...] = (
    Setting("RPYMOSTAT_MQTT_URL", None, "url", parse_mqtt_url,
            "MQTT broker for Home Assistant (mqtt://user:pass@host:1883, mqtts://...);"
            " unset = no MQTT bridge", secret=True),
    Setting("RPYMOSTAT_MQTT_CA", None, "path", parse_ca_file,
            "CA certificates (PEM) that sign an mqtts:// broker's certificate"
            " (default: the system's)"),
    Setting("RPYMOSTAT_MQTT_DISCOVERY_PREFIX", "homeassistant", "topic", parse_topic_root,
            "Home Assistant's MQTT discovery prefix"),
    Setting("RPYMOSTAT_MQTT_BASE", "rpymostat", "topic", parse_topic_root,
            "root of the bridge's state and command topics (<base>/<instance id>/...)"),
)


def mqtt_config(values: Mapping[str, Any]) -> MqttConfig | None:
    """The bridge's settings from the parsed environment table, None when not enabled."""
    url = values.get("RPYMOSTAT_MQTT_URL")
    if url is None:
        return None
    return MqttConfig(**url, ca_file=values.get("RPYMOSTAT_MQTT_CA"),
                      discovery_prefix=values["RPYMOSTAT_MQTT_DISCOVERY_PREFIX"],
                      base=values["RPYMOSTAT_MQTT_BASE"])
