"""Advertise a daemon on the LAN (python-zeroconf's sync API on its own threads).

Registration runs off the reactor thread. RFC 6762 probing (three queries 250 ms apart after a
random wait) takes ~1.5 s; to be found within a second of start-up we instead ask once, for
``check_timeout``, whether a live responder already holds the name, take ``name (2)``... if one
does, and then register without the probe (``cooperating_responders``).
"""

import socket
from collections.abc import Callable
from typing import Any

from twisted.application.service import Service
from twisted.internet import defer, threads
from twisted.internet.defer import Deferred
from twisted.logger import Logger
from zeroconf import ServiceInfo, Zeroconf

from ..listening import listen_interface, listening_port
from .addresses import local_ipv4_addresses
from .records import SERVICE_TYPE, Advert, instance_name

_log = Logger(namespace="rpymostat.discovery")


def service_info(advert: Advert, ttl: int | None = None) -> ServiceInfo:
    """The zeroconf record of ``advert``; its host name is unique per daemon. ``ttl``: every
    record's TTL in seconds (None: python-zeroconf's 120 s / 75 min)."""
    info = ServiceInfo(
        SERVICE_TYPE, advert.service_name, port=advert.port, properties=advert.txt(),
        server=f"rpymostat-{advert.instance_id[:12]}.local.",
        addresses=[socket.inet_aton(a) for a in advert.addresses],
    )
    if ttl is None:
        return info
    return ServiceInfo(
        SERVICE_TYPE, advert.service_name, port=advert.port, properties=advert.txt(),
        server=info.server, addresses=info.addresses, host_ttl=ttl, other_ttl=ttl,
    )


def when_listening(listener: Any, listen: str, build: Callable[[int, tuple[str, ...]], Advert]
                   ) -> Callable[[], Deferred[Advert]]:
    """``advert`` for :class:`AdvertiseService`: ``build(port, addresses)`` once the
    ``strports`` ``listener`` (started from endpoint string ``listen``) has its port."""

    def advert() -> Deferred[Advert]:
        addresses = tuple(local_ipv4_addresses(listen_interface(listen)))
        return listening_port(listener).addCallback(build, addresses)  # type: ignore[no-any-return]

    return advert


def free_name(zc: Zeroconf, advert: Advert, timeout: float) -> Advert:
    """``advert`` under a name no other live daemon answers for."""
    for n in range(1, 20):
        name = advert.name if n == 1 else instance_name(f"{advert.name[:56]} ({n})")
        other = zc.get_service_info(SERVICE_TYPE, f"{name}.{SERVICE_TYPE}",
                                    int(timeout * 1000))
        if other is None or other.properties.get(b"id") == advert.instance_id.encode():
            return Advert(name, advert.role, advert.instance_id, advert.port, advert.addresses,
                          advert.version, advert.properties)
    raise RuntimeError(f"no free DNS-SD name near {advert.name!r}")


class AdvertiseService(Service):
    """Registers ``advert()`` (a Deferred: the port may be known only once listening) while
    running; sends the goodbye on stop."""

    def __init__(self, reactor: Any, advert: Callable[[], Deferred[Advert]], *,
                 check_timeout: float = 0.25, ttl: int | None = None,
                 zeroconf: Callable[[], Zeroconf] = Zeroconf) -> None:
        self._ttl = ttl
        self._reactor = reactor
        self._advert = advert
        self._check_timeout = check_timeout
        self._zeroconf = zeroconf
        self._zc: Zeroconf | None = None
        self._info: ServiceInfo | None = None
        self.advertised: Advert | None = None
        self._starting: Deferred[Any] | None = None

    def startService(self) -> None:
        """Register in the background; a failure is logged, the daemon keeps running."""
        super().startService()
        d = self._advert()
        d.addCallback(self._in_thread, self._register)
        d.addCallbacks(self._registered, self._failed)
        self._starting = d

    def _in_thread(self, arg: Any, f: Callable[..., Any]) -> Deferred[Any]:
        pool = self._reactor.getThreadPool()
        return threads.deferToThreadPool(self._reactor, pool, f, arg)  # type: ignore[no-any-return]

    def _register(self, advert: Advert) -> Advert:
        zc = self._zc = self._zeroconf()
        advert = free_name(zc, advert, self._check_timeout)
        info = service_info(advert, self._ttl)
        zc.register_service(info, cooperating_responders=True)
        self._info = info
        return advert

    def _registered(self, advert: Advert) -> None:
        self.advertised = advert
        _log.info("advertised on the LAN as {name!r} ({addresses}, port {port})",
                  name=advert.name, addresses=", ".join(advert.addresses), port=advert.port)

    def _failed(self, failure: Any) -> None:
        _log.failure("could not advertise on the LAN (mDNS); give clients the URL", failure)

    @defer.inlineCallbacks
    def stopService(self) -> Any:
        """Goodbye, then close zeroconf."""
        super().stopService()
        if self._starting is not None:
            yield self._starting
        if self._zc is not None:
            yield self._in_thread(None, self._close)

    def _close(self, _: None) -> None:
        zc, info = self._zc, self._info
        self._zc = self._info = None
        if zc is not None:
            if info is not None:
                zc.unregister_service(info)
            zc.close()
