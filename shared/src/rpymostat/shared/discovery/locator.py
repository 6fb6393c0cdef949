"""Where the engine is: from ``RPYMOSTAT_ENGINE_URL`` or, without one, from mDNS browsing.

The locator tells its owner about every change (found, moved, lost), and says in ``status()``
whether and where it found the engine, or why not (for ``GET /v1/status``).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import treq
from twisted.application.service import Service
from twisted.internet import task
from twisted.logger import Logger

from .choose import choose
from .recheck import Recheck, http_check

if TYPE_CHECKING:
    from .browse import Browser

_log = Logger(namespace="rpymostat.discovery")
POLL_INTERVAL = 5.0
HTTP_TIMEOUT = 5.0


@dataclass(frozen=True)
class EngineLocation:
    """The engine's API URL and bus endpoints (ZeroMQ ``tcp://host:port``)."""

    url: str
    bus_pub: str | None
    bus_sub: str | None
    name: str | None = None
    instance_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        """For ``/v1/status``."""
        return {"url": self.url, "bus_pub": self.bus_pub, "bus_sub": self.bus_sub,
                "name": self.name, "id": self.instance_id}


def location_from_status(url: str, body: Any) -> EngineLocation:
    """The engine's ``/v1/status`` body gives the bus ports; the URL gives the host."""
    bus = body.get("bus") if isinstance(body, dict) else None
    host = urlsplit(url).hostname or "127.0.0.1"
    host = f"[{host}]" if ":" in host else host

    def endpoint(key: str) -> str | None:
        port = bus.get(key) if isinstance(bus, dict) else None
        return f"tcp://{host}:{port}" if isinstance(port, int) and port > 0 else None

    return EngineLocation(url.rstrip("/"), endpoint("pub_port"), endpoint("sub_port"),
                          body.get("name") if isinstance(body, dict) else None)


def _status_json(response: Any) -> Any:
    """The body of a 200 answer (a 503 still names the bus: the engine runs, its store is
    down); anything else is a failure."""
    if response.code not in (200, 503):
        raise ConnectionError(f"GET /v1/status answered HTTP {response.code}")
    return response.json()


def _browser(given: "Callable[..., Browser] | None") -> "Callable[..., Browser]":
    """The mDNS browser, imported only when browsing: with a URL the daemon never loads
    python-zeroconf (~3 MiB on a Pi Zero)."""
    if given is not None:
        return given
    from .browse import Browser

    return Browser


class EngineLocator(Service):
    """Finds the engine and follows it; ``on_change(location or None)``.

    ``on_change`` is also called with the same location when a polled engine answers again
    after failing to (it was restarted at the same address).
    """

    def __init__(self, reactor: Any, on_change: Callable[[EngineLocation | None], Any], *,
                 url: str | None = None, wanted: str | None = None, http: Any = treq,
                 browser: "Callable[..., Browser] | None" = None) -> None:
        self._reactor = reactor
        self._on_change = on_change
        self._url = url
        self._wanted = wanted
        self._http = http
        self._browser = (_browser(browser)(reactor, self._browsed) if url is None else None)
        self._recheck = Recheck(reactor, http_check(http), self._rechecked, self._query)
        self._last: EngineLocation | None = None  # the last engine found by browsing
        self._browse_message = "looking"
        self._poll = task.LoopingCall(self._poll_url)
        self._poll.clock = reactor
        self.current: EngineLocation | None = None
        self.state = "searching"
        self.message = "starting"
        self.changes = 0

    def startService(self) -> None:
        """Browse, or poll the configured URL until it answers."""
        super().startService()
        if self._browser is not None:
            self.message = "looking for an engine on the LAN (mDNS)"
            self._browser.start().addErrback(self._browse_failed)
        else:
            self._poll.start(POLL_INTERVAL, now=True)

    def stopService(self) -> Any:
        """Stop browsing / polling."""
        super().stopService()
        if self._poll.running:
            self._poll.stop()
        self._recheck.stop()
        if self._browser is not None:
            return self._browser.stop()
        return None

    def _browse_failed(self, failure: Any) -> None:
        self.state = "error"
        self.message = f"mDNS browsing failed: {failure.getErrorMessage()}"
        _log.error("{message}; set RPYMOSTAT_ENGINE_URL", message=self.message)

    def _browsed(self) -> None:
        """The adverts changed. Found: follow it. Not shown (any more): keep the engine while
        it answers at its last address, and look actively (:mod:`.recheck`); another engine
        coming or going never unpins this client from its own."""
        assert self._browser is not None
        state, engine, message = choose(self._browser.engines(), self._wanted)
        if engine is not None and engine.url is not None:
            self._recheck.stop()
            self.state, self.message = state, message
            self._last = EngineLocation(engine.url, engine.bus_endpoint("bus_pub"),
                                        engine.bus_endpoint("bus_sub"), engine.name,
                                        engine.instance_id)
            self._set(self._last)
            return
        self._browse_message = message
        if self.current is None:
            self.state = "lost" if self._last is not None else state
            self.message = self._missing_message()
        else:
            self.message = (f"engine {self.current.name!r} is not in the mDNS answers now"
                            f" ({message}); asking it at {self.current.url}")
        self._recheck.start(*self._last_target())

    def _last_target(self) -> tuple[str | None, str | None]:
        last = self._last
        return (last.url, last.instance_id) if last is not None else (None, None)

    def _missing_message(self) -> str:
        message = self._browse_message
        if self._last is None:
            return message
        return (f"engine {self._last.name!r} went away; {message}; also asking its last"
                f" address {self._last.url}")

    def _rechecked(self, body: Any) -> None:
        """The last known engine answered at its address (its status ``body``) or not (None).
        Its bus ports come from that answer (a restarted engine may have new ones)."""
        last = self._last
        if last is None:
            return
        if body is not None and self.current is None:
            self.state, self.message = "found", (f"engine {last.name!r} answers at its last"
                                                 f" address {last.url}")
            _log.info("{message}", message=self.message)
            fresh = location_from_status(last.url, body)
            self._set(EngineLocation(last.url, fresh.bus_pub or last.bus_pub,
                                     fresh.bus_sub or last.bus_sub, last.name,
                                     last.instance_id))
        elif body is None and self.current is not None:
            self.state = "lost"
            self.message = self._missing_message()
            self._set(None)

    def _query(self) -> None:
        if self._browser is not None and self.running:
            self._browser.query().addErrback(
                lambda f: _log.warn("mDNS query failed: {e}", e=f.getErrorMessage()))

    def _poll_url(self) -> Any:
        assert self._url is not None
        d = self._http.get(self._url.rstrip("/") + "/v1/status", timeout=HTTP_TIMEOUT)
        d.addCallback(_status_json)
        d.addCallback(self._status_answered)
        d.addErrback(self._status_failed)
        return d

    def _status_answered(self, body: Any) -> None:
        assert self._url is not None
        was_down = self.state != "found"
        self.state, self.message = "found", f"engine at {self._url}"
        location = location_from_status(self._url, body)
        if was_down and location == self.current:
            _log.info("engine at {url} answers again", url=location.url)
            self._on_change(location)  # back at the same place: owners resend, re-announce
            return
        self._set(location)

    def _status_failed(self, failure: Any) -> None:
        self.state = "lost" if self.current is not None else "searching"
        self.message = f"engine at {self._url} does not answer: {failure.getErrorMessage()}"

    def _set(self, location: EngineLocation | None) -> None:
        if location == self.current:
            return
        self.current = location
        self.changes += 1
        if location is None:
            _log.warn("engine not available: {message}", message=self.message)
        else:
            _log.info("engine at {url} (bus {pub})", url=location.url, pub=location.bus_pub)
        self._on_change(location)

    def status(self) -> dict[str, Any]:
        """Whether and where the engine was found."""
        return {"mode": "url" if self._url else "mdns", "state": self.state,
                "message": self.message,
                "engine": self.current.to_json() if self.current else None}
