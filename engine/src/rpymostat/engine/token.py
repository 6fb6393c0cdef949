"""The site token: from RPYMOSTAT_TOKEN, else generated once into ``<data dir>/token`` (0600)."""

import os
import secrets
from pathlib import Path


def load_or_create_token(configured: str | None, data_dir: Path) -> tuple[str, Path | None]:
    """Return (token, file it lives in or None when configured by environment).

    Runs once at start-up, before the reactor, so plain file I/O is fine here.
    """
    if configured:
        return configured, None
    path = data_dir / "token"
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        token = path.read_text().strip()
        if len(token) < 16:
            raise ValueError(f"the token file {path} is empty or too short; delete it") from None
        return token, path
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_urlsafe(32) + "\n")
    return path.read_text().strip(), path
