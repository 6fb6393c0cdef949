"""An agent's host id: the same across restarts and reinstalls.

A Raspberry Pi's CPU serial (it survives a new SD card); else a hash of ``/etc/machine-id``
(never the raw id, which systemd asks to keep private); else an id generated once and kept in
the data dir. ``RPYMOSTAT_HOST_ID`` overrides all three.
"""

import hashlib
import re
import secrets
from pathlib import Path

_SERIAL = re.compile(r"^Serial\s*:\s*([0-9a-fA-F]+)\s*$", re.MULTILINE)


def pi_serial(cpuinfo: Path) -> str | None:
    """The CPU serial from ``/proc/cpuinfo`` (None when absent or all zeros)."""
    try:
        match = _SERIAL.search(cpuinfo.read_text(errors="replace"))
    except OSError:
        return None
    if match is None or not match.group(1).strip("0"):
        return None
    return match.group(1).lower()


def machine_id_hash(machine_id: Path) -> str | None:
    """16 hex digits derived from ``/etc/machine-id`` (None when absent or empty)."""
    try:
        raw = machine_id.read_text().strip()
    except OSError:
        return None
    if not raw:
        return None
    return hashlib.sha256(f"rpymostat-host:{raw}".encode()).hexdigest()[:16]


def stored_id(data_dir: Path) -> str:
    """``<data dir>/host-id``, created with a random id the first time."""
    path = data_dir / "host-id"
    try:
        value = path.read_text().strip()
        if value:
            return value
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    value = f"host-{secrets.token_hex(6)}"
    path.write_text(value + "\n")
    return value


def host_id(data_dir: Path, cpuinfo: Path = Path("/proc/cpuinfo"),
            machine_id: Path = Path("/etc/machine-id")) -> str:
    """The first of: Pi serial (``rpi-<serial>``), machine-id hash (``m-<hash>``), stored id.

    Runs once at start-up, before the reactor, so plain file I/O is fine here.
    """
    serial = pi_serial(cpuinfo)
    if serial:
        return f"rpi-{serial}"
    hashed = machine_id_hash(machine_id)
    if hashed:
        return f"m-{hashed}"
    return stored_id(data_dir)
