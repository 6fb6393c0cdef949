"""What a daemon advertises, as TXT properties, and how a browser reads it back.

Every RPyMostat daemon advertises ``_rpymostat._tcp.local.``; the ``role`` property tells an
engine from an agent. The engine's record adds the API path and version, the bus ports and a
token fingerprint (never the token).
"""

import re
import socket
from dataclasses import dataclass, field
from typing import Any

SERVICE_TYPE = "_rpymostat._tcp.local."
ENGINE = "engine"
HOUSE = "house"  # the simulated house (rpymostat-house)
MAX_INSTANCE = 63  # bytes: the DNS label limit
_UNSAFE = re.compile(r"[^\w .()-]")


def default_instance_name(role: str) -> str:
    """``RPyMostat engine on <host>``, cut to the DNS label limit."""
    return instance_name(f"RPyMostat {role} on {socket.gethostname().split('.')[0]}")


def instance_name(name: str) -> str:
    """A safe DNS-SD instance name (no dots, at most 63 bytes)."""
    cleaned = _UNSAFE.sub("-", name.replace(".", "-")).strip() or "RPyMostat"
    while len(cleaned.encode()) > MAX_INSTANCE:
        cleaned = cleaned[:-1]
    return cleaned


@dataclass(frozen=True)
class Advert:
    """One daemon's advertisement."""

    name: str  # instance name, e.g. "RPyMostat engine on pi1"
    role: str
    instance_id: str
    port: int
    addresses: tuple[str, ...] = ()
    version: str = ""
    properties: dict[str, str] = field(default_factory=dict)

    def txt(self) -> dict[str, str]:
        """TXT properties."""
        return {"role": self.role, "id": self.instance_id, "version": self.version,
                **self.properties}

    @property
    def service_name(self) -> str:
        """The full DNS-SD service name."""
        return f"{self.name}.{SERVICE_TYPE}"

    @property
    def host(self) -> str | None:
        """The address to use (the first advertised)."""
        return self.addresses[0] if self.addresses else None

    @property
    def url(self) -> str | None:
        """``http://host:port`` (IPv6 in brackets)."""
        host = self.host
        if host is None:
            return None
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    def bus_endpoint(self, key: str) -> str | None:
        """``tcp://host:<port of key>`` for ``bus_pub`` / ``bus_sub``."""
        port, host = self.properties.get(key), self.host
        if not port or not port.isdigit() or host is None:
            return None
        return f"tcp://[{host}]:{port}" if ":" in host else f"tcp://{host}:{port}"

    def to_json(self) -> dict[str, Any]:
        """As ``rpymostat-discover --json`` and ``/v1/status`` show it."""
        return {"name": self.name, "role": self.role, "id": self.instance_id,
                "addresses": list(self.addresses), "port": self.port, "url": self.url,
                "version": self.version, **self.properties}


def advert_from_service(name: str, port: int, addresses: list[str],
                        properties: dict[bytes, bytes | None]) -> Advert:
    """Rebuild an :class:`Advert` from a resolved service (name is the full service name)."""
    props = {k.decode("utf-8", "replace"): (v or b"").decode("utf-8", "replace")
             for k, v in properties.items()}
    instance = name[:-len(SERVICE_TYPE) - 1] if name.endswith("." + SERVICE_TYPE) else name
    role = props.pop("role", "")
    instance_id = props.pop("id", "")
    version = props.pop("version", "")
    return Advert(instance, role, instance_id, port, tuple(addresses), version, props)
