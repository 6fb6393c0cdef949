"""Find the engine (or another daemon) on the LAN and follow it (python-zeroconf's browser on
its own threads).

zeroconf calls back on its browser thread; resolving (which may wait) happens there too, and
only the result crosses to the reactor thread (``callFromThread``), where all state lives.
"""

from collections.abc import Callable
from typing import Any

from twisted.internet import threads
from twisted.internet.defer import Deferred
from twisted.logger import Logger
from zeroconf import ServiceBrowser, ServiceStateChange, Zeroconf

from .records import ENGINE, SERVICE_TYPE, Advert, advert_from_service

_log = Logger(namespace="rpymostat.discovery")
RESOLVE_MS = 3000


class Browser:
    """Keeps every advertised RPyMostat daemon; ``on_change`` hears about any change."""

    def __init__(self, reactor: Any, on_change: Callable[[], Any], *,
                 zeroconf: Callable[[], Zeroconf] = Zeroconf) -> None:
        self._reactor = reactor
        self._on_change = on_change
        self._zeroconf = zeroconf
        self._zc: Zeroconf | None = None
        self._browser: ServiceBrowser | None = None
        self.seen: dict[str, Advert] = {}

    def start(self) -> Deferred[None]:
        """Start browsing (zeroconf's sockets open on a pool thread)."""
        pool = self._reactor.getThreadPool()
        return threads.deferToThreadPool(self._reactor, pool, self._open)  # type: ignore[no-any-return]

    def _open(self) -> None:
        self._zc = self._zeroconf()
        self._browser = ServiceBrowser(self._zc, SERVICE_TYPE, handlers=[self._handler])

    def query(self) -> Deferred[None]:
        """Ask the LAN again now (a new zeroconf browser: it queries at once, then backs off
        afresh, and reports what is in the cache), e.g. while a followed daemon is missing."""
        pool = self._reactor.getThreadPool()
        return threads.deferToThreadPool(self._reactor, pool, self._requery)  # type: ignore[no-any-return]

    def _requery(self) -> None:
        if self._zc is None:
            return
        old, self._browser = self._browser, ServiceBrowser(self._zc, SERVICE_TYPE,
                                                           handlers=[self._handler])
        if old is not None:
            old.cancel()

    def stop(self) -> Deferred[None]:
        """Stop browsing and close zeroconf."""
        pool = self._reactor.getThreadPool()
        return threads.deferToThreadPool(self._reactor, pool, self._close)  # type: ignore[no-any-return]

    def _close(self) -> None:
        if self._browser is not None:
            self._browser.cancel()
        if self._zc is not None:
            self._zc.close()
        self._browser = self._zc = None

    def _handler(self, zeroconf: Zeroconf, service_type: str, name: str,
                 state_change: ServiceStateChange) -> None:
        """zeroconf's browser thread."""
        if state_change is ServiceStateChange.Removed:
            self._reactor.callFromThread(self._removed, name)
            return
        info = zeroconf.get_service_info(service_type, name, RESOLVE_MS)
        if info is None or info.port is None:
            return
        advert = advert_from_service(name, info.port, info.parsed_addresses(),
                                     dict(info.properties))
        self._reactor.callFromThread(self._seen, name, advert)

    def _seen(self, name: str, advert: Advert) -> None:
        if self.seen.get(name) != advert:
            self.seen[name] = advert
            self._on_change()

    def _removed(self, name: str) -> None:
        if self.seen.pop(name, None) is not None:
            self._on_change()

    def of_role(self, role: str) -> list[Advert]:
        """The daemons of ``role`` seen now."""
        return [a for a in self.seen.values() if a.role == role]

    def engines(self) -> list[Advert]:
        """The engines seen now."""
        return self.of_role(ENGINE)
