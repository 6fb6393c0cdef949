"""Pieces every agent uses: a thread pool for blocking I/O, and the site token source."""

from pathlib import Path
from typing import Any

from twisted.application.service import Service
from twisted.python.threadpool import ThreadPool


class PoolService(Service):
    """A small thread pool for an agent's blocking I/O (a stuck call holds one thread only)."""

    def __init__(self, size: int = 2, name: str = "blocking") -> None:
        self.pool = ThreadPool(minthreads=0, maxthreads=size, name=name)

    def startService(self) -> None:
        """Start the threads."""
        super().startService()
        self.pool.start()

    def stopService(self) -> Any:
        """Stop the threads (a read still running is abandoned)."""
        super().stopService()
        self.pool.stop()


class TokenSource:
    """The site token: configured, else the engine's ``<data dir>/token`` once it exists."""

    def __init__(self, configured: str | None, path: Path) -> None:
        self._token = configured
        self._path = path

    def __call__(self) -> str | None:
        """The token, reading the file (a few bytes, once) until it is found."""
        if self._token is None:
            try:
                self._token = self._path.read_text().strip() or None
            except OSError:
                return None
        return self._token
