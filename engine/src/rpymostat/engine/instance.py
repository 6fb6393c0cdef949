"""The engine's instance id: generated once into ``<data dir>/instance-id``, advertised on the
LAN so that clients can tell a restarted engine from a different one."""

import uuid
from pathlib import Path


def load_or_create_instance_id(data_dir: Path) -> str:
    """Read or create the id (start-up, before the reactor: plain file I/O is fine)."""
    path = data_dir / "instance-id"
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        existing = path.read_text().strip()
    except FileNotFoundError:
        existing = ""
    if len(existing) >= 8:
        return existing
    new = uuid.uuid4().hex
    path.write_text(new + "\n")
    return new
