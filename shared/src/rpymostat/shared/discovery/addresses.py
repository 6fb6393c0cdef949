"""Which addresses a daemon advertises."""

import ipaddress

import ifaddr


def local_ipv4_addresses(interface: str | None = None) -> list[str]:
    """The host's IPv4 addresses without loopback (loopback only when there is nothing else);
    just ``interface`` when the daemon listens on one address."""
    if interface and interface not in ("0.0.0.0", "::", ""):  # noqa: S104 - not binding
        return [interface]
    found: list[str] = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if isinstance(ip.ip, str) and ip.ip not in found:
                found.append(ip.ip)
    outside = [a for a in found if not ipaddress.ip_address(a).is_loopback]
    return outside or [a for a in found if ipaddress.ip_address(a).is_loopback] or ["127.0.0.1"]
