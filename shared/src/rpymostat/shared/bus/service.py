"""Twisted services around the bus: the engine's hub, and helpers for daemons that follow it.

A daemon adds these to its service tree; sockets open in ``startService`` and close in
``stopService``.
"""

import secrets
import time
from collections.abc import Callable
from typing import Any

import treq
from twisted.application.service import Service
from twisted.internet import task
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime

from .hub import HEARTBEAT_TOPIC, BusHub
from .proxy import ProxyEndpoints
from .sockets import DEFAULT_HWM
from .tree import Snapshot, snapshot_from_json

HEARTBEAT_INTERVAL = 2.0


class BusHubService(Service):
    """The engine's bus: binds at start (a port in use fails the start), heartbeats, stops."""

    def __init__(self, reactor: IReactorTime, endpoints: ProxyEndpoints, source: str, *,
                 hwm: int = DEFAULT_HWM, log_keep: int = 500,
                 heartbeat: float = HEARTBEAT_INTERVAL,
                 now: Callable[[], float] = time.time) -> None:
        self.hub = BusHub(reactor, endpoints, source, hwm=hwm, log_keep=log_keep, now=now)
        self.boot = secrets.token_hex(6)
        self._interval = heartbeat
        self._beat = task.LoopingCall(self._heartbeat)
        self._beat.clock = reactor

    def startService(self) -> None:
        """Bind and start forwarding."""
        self.hub.start()
        super().startService()
        self._beat.start(self._interval, now=True)

    def _heartbeat(self) -> None:
        self.hub.publish(HEARTBEAT_TOPIC, {"boot": self.boot, "interval": self._interval})

    def stopService(self) -> Deferred[Any]:  # type: ignore[override]
        """Stop heartbeats and the proxy."""
        super().stopService()
        if self._beat.running:
            self._beat.stop()
        return self.hub.stop()  # type: ignore[no-any-return]


def snapshot_fetcher(base_url: Callable[[], str | None], *, timeout: float = 5.0,
                     http: Any = treq) -> Callable[[str, str], Deferred[Snapshot]]:
    """``fetch(mask, marker)`` for :class:`BusFollower`: ``GET /v1/bus/snapshot`` of the engine
    whose URL ``base_url()`` gives now (it may move)."""

    def fetch(mask: str, marker: str) -> Deferred[Snapshot]:
        url = base_url()
        if url is None:
            return _failed(ConnectionError("no engine URL yet"))
        d = http.get(url.rstrip("/") + "/v1/bus/snapshot",
                     params={"mask": mask, "marker": marker}, timeout=timeout)
        d.addCallback(_json_ok)
        return d.addCallback(snapshot_from_json)  # type: ignore[no-any-return]

    return fetch


def _failed(error: Exception) -> Deferred[Any]:
    d: Deferred[Any] = Deferred()
    d.errback(error)
    return d


def _json_ok(response: Any) -> Deferred[Any]:
    if response.code != 200:
        return response.text().addCallback(  # type: ignore[no-any-return]
            lambda text: _raise(ConnectionError(f"HTTP {response.code}: {text[:200]}")))
    return response.json()  # type: ignore[no-any-return]


def _raise(error: Exception) -> None:
    raise error
