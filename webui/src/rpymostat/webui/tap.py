"""twistd plugin / console script ``rpymostat-webui``.

The tree: the HTTP listener (the app, see ``app``), the engine link (found by mDNS or
``RPYMOSTAT_ENGINE_URL``; announces this daemon and forwards its logs on the bus), a bus
follower (a live copy of the engine's status tree, from the engine's bus endpoints) and the
event hub that pushes that tree's changes to the browsers.
"""

from collections.abc import Mapping
from typing import Any

from twisted.application import strports
from twisted.application.service import MultiService, Service
from twisted.logger import Logger

from rpymostat.shared import daemon
from rpymostat.shared.agentkit import TokenSource
from rpymostat.shared.bus.service import snapshot_fetcher
from rpymostat.shared.bus.sockets import make_factory
from rpymostat.shared.bus.subscriber import BusFollower
from rpymostat.shared.discovery.locator import EngineLocation
from rpymostat.shared.http import http_client
from rpymostat.shared.infoapi import API_LISTENER
from rpymostat.shared.link import EngineLink
from rpymostat.shared.metrics import site_with_metrics
from rpymostat.shared.options import EnvOptions

from . import __version__
from .app import WebUI, index_page, static_dir
from .config import SETTINGS, WebUIConfig, load_config
from .events import EventHub
from .metrics import webui_metrics
from .proxy import EngineProxy
from .sessions import SessionBook

__all__ = ["Options", "index_page", "main", "makeService"]
_log = Logger(namespace="rpymostat.webui")


class Options(EnvOptions):
    """Settings from the environment; ``--show-config`` prints them."""

    description = "RPyMostat web UI: the web interface for phones and wall tablets."
    settings = SETTINGS

    def load(self, environ: Mapping[str, str]) -> WebUIConfig:
        """Validate the environment table."""
        return load_config(environ)


class BusMirror(Service):
    """Follows the engine's bus (where the link says it is) and feeds the event hub."""

    def __init__(self, reactor: Any, link: EngineLink, hub: EventHub, *, http: Any,
                 timeout: float, hwm: int) -> None:
        self._factory = make_factory(reactor)
        self.follower = BusFollower(
            self._factory, reactor,
            snapshot_fetcher(lambda: link.engine.url if link.engine else None,
                             timeout=timeout, http=http),
            on_update=hub.publish, on_sync=lambda _snapshot: hub.resynced(), hwm=hwm)
        self._link = link
        self._hub = hub
        link.on_engine(self._engine_changed)

    def _engine_changed(self, location: EngineLocation | None) -> None:
        if location is None or location.bus_sub is None:
            self.follower.disconnect()
        elif self.running:
            if location.bus_sub == self.follower.endpoint:
                self.follower.resync()  # the same engine answers again: start over
            else:
                self.follower.connect(location.bus_sub)
        self._hub.send_status()

    def startService(self) -> None:
        """Connect when the engine is already known; start the status events."""
        super().startService()
        self._hub.start()
        location = self._link.engine
        if location is not None and location.bus_sub is not None:
            self.follower.connect(location.bus_sub)

    def stopService(self) -> Any:
        """Close the streams and the bus socket."""
        super().stopService()
        self._hub.stop()
        self.follower.disconnect()
        self._factory.shutdown()

    def tree(self) -> dict[str, Any]:
        """The status tree as held now (empty until the first sync)."""
        return self.follower.follower.tree.root if self.follower.synced else {}


def engine_state(link: EngineLink, follower: BusFollower) -> dict[str, Any]:
    """What the page shows in its banner: ``up`` only when the engine answers and the bus
    copy is live."""
    located = link.locator.status()
    found = located.get("state") == "found"
    state = "up" if found and follower.synced else ("syncing" if found else "down")
    return {"engine": state, "synced": follower.synced,
            "url": link.engine.url if link.engine else None,
            "message": located.get("message")}


def build_service(config: WebUIConfig, reactor: Any) -> MultiService:
    """The whole service tree."""
    top = MultiService()
    link = EngineLink(reactor, "webui", config.daemon.bus, config.daemon.locator)
    http = http_client(reactor)
    holder: dict[str, BusMirror] = {}
    hub = EventHub(reactor, lambda: holder["mirror"].tree(),  # noqa: PLW0108 - bound later
                   lambda: engine_state(link, holder["mirror"].follower))
    mirror = BusMirror(reactor, link, hub, http=http, timeout=config.timeout,
                       hwm=config.daemon.bus.hwm)
    holder["mirror"] = mirror
    proxy = EngineProxy(http, lambda: link.engine.url if link.engine else None,
                        TokenSource(config.token, config.data_dir / "token"), config.timeout)
    sessions = SessionBook(reactor, config.password)

    def status() -> dict[str, Any]:
        return {**link.status(), "bus_follower": mirror.follower.status(),
                "streams": hub.status(), "proxy": proxy.status(),
                "auth": "lan" if sessions.open else "password"}

    web = WebUI(proxy, hub, sessions, __version__, status, static_dir())
    site = site_with_metrics(web.resource(), webui_metrics(mirror.follower, hub, proxy))
    listener = strports.service(config.daemon.listen, site)
    listener.setName(API_LISTENER)
    listener.setServiceParent(top)
    link.setServiceParent(top)
    mirror.setServiceParent(top)
    if config.daemon.bus.advertise:
        import uuid

        from rpymostat.shared.discovery.advertise import AdvertiseService, when_listening
        from rpymostat.shared.discovery.records import Advert, default_instance_name

        instance_id = uuid.uuid4().hex
        AdvertiseService(reactor, when_listening(
            listener, config.daemon.listen, lambda port, addresses: Advert(
                default_instance_name("webui"), "webui", instance_id, port, addresses,
                __version__, {"api": "/v1"}))).setServiceParent(top)
    _log.info("RPyMostat web UI on {listen} ({auth})", listen=config.daemon.listen,
              auth="LAN trusted: no password" if sessions.open else "password required")
    return top


def makeService(options: Options) -> MultiService:
    """twistd entry point."""
    from twisted.internet import reactor

    return build_service(options.config, reactor)


def main() -> None:
    """Console script entry point."""
    daemon.run("rpymostat-webui", Options, makeService)  # type: ignore[arg-type]
