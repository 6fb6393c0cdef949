"""An agent's (or the web UI's) link to the engine: find it, publish on its bus, forward logs,
and say in ``status()`` whether and where the engine was found."""

import socket
from collections.abc import Callable
from typing import Any

from twisted.application.service import MultiService
from twisted.internet import task
from twisted.logger import Logger

from .bus.logs import BusLogObserver, BusLogService
from .bus.publisher import BusPublisher, source_id
from .bus.sockets import make_factory
from .bus.topics import escape_segment
from .busconfig import BusConfig, LocatorConfig
from .discovery.locator import EngineLocation, EngineLocator
from .http import http_client

_log = Logger(namespace="rpymostat.link")
ANNOUNCE_INTERVAL = 30.0


class EngineLink(MultiService):
    """Locator + bus publisher for the daemon ``role`` (``sensor-agent``...).

    The daemon announces itself on ``agent.<host>.<role>`` when it finds the engine and every
    ``ANNOUNCE_INTERVAL`` seconds, with what ``details()`` adds; its own modules publish through
    :attr:`publisher` and learn of engine changes through :meth:`on_engine`.
    """

    def __init__(self, reactor: Any, role: str, bus: BusConfig, locator: LocatorConfig, *,
                 host: str | None = None, locator_factory: Any = EngineLocator) -> None:
        super().__init__()
        self._reactor = reactor
        self.role = role
        self.host = host or socket.gethostname()
        self._factory = make_factory(reactor)
        self.publisher = BusPublisher(self._factory, source_id(role, self.host), hwm=bus.hwm)
        self.locator: EngineLocator = locator_factory(
            reactor, self._engine_changed, url=locator.engine_url, wanted=locator.engine_name,
            http=http_client(reactor))
        self.locator.setServiceParent(self)
        BusLogService(BusLogObserver(self.publisher.publish, role, bus.log_level,
                                     reactor.callFromThread)).setServiceParent(self)
        self._announce = task.LoopingCall(self.announce)
        self._announce.clock = reactor
        self._listeners: list[Callable[[EngineLocation | None], Any]] = []
        self.details: Callable[[], dict[str, Any]] = dict

    def on_engine(self, listener: Callable[[EngineLocation | None], Any]) -> None:
        """Call ``listener(location or None)`` whenever the engine is found, moves, is lost or
        answers again."""
        self._listeners.append(listener)

    @property
    def engine(self) -> EngineLocation | None:
        """Where the engine is, if known."""
        return self.locator.current

    @property
    def topic(self) -> str:
        """``agent.<host>.<role>``."""
        return f"agent.{escape_segment(self.host)}.{escape_segment(self.role)}"

    def startService(self) -> None:
        """Start looking for the engine."""
        super().startService()
        self._announce.start(ANNOUNCE_INTERVAL, now=False)

    def stopService(self) -> Any:
        """Stop; close the bus sockets."""
        if self._announce.running:
            self._announce.stop()
        d = super().stopService()

        def close(result: Any) -> Any:
            self.publisher.disconnect()
            self._factory.shutdown()
            return result

        return d.addBoth(close)

    def _engine_changed(self, location: EngineLocation | None) -> None:
        if location is None or location.bus_pub is None:
            self.publisher.disconnect()  # updates wait (bounded) until it is back
        else:
            self.publisher.connect(location.bus_pub)
            self.announce()
        for listener in self._listeners:
            listener(location)

    def announce(self) -> None:
        """Publish this daemon's presence and where it found the engine."""
        engine = self.locator.current
        self.publisher.publish(self.topic, {
            "role": self.role, "host": self.host, "up": True, "every_s": ANNOUNCE_INTERVAL,
            "engine": engine.url if engine else None, **self.details()})

    def status(self) -> dict[str, Any]:
        """For ``GET /v1/status``: the engine (found? where?) and the bus publisher."""
        return {"engine": self.locator.status(), "bus": self.publisher.status()}
