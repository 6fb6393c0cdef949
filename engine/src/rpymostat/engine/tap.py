"""twistd plugin / console script ``rpymostat-engine``: Options and the service tree."""

import sys
from collections.abc import Mapping
from typing import Any

from twisted.application import strports
from twisted.application.service import MultiService, Service
from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IReactorFromThreads, IReactorTime
from twisted.logger import Logger, LogLevel

from rpymostat.shared import daemon
from rpymostat.shared.auth import AuthMode, BearerAuth, token_fingerprint
from rpymostat.shared.bus.logs import BusLogObserver, BusLogService
from rpymostat.shared.bus.proxy import ProxyEndpoints
from rpymostat.shared.bus.publisher import source_id
from rpymostat.shared.bus.service import BusHubService
from rpymostat.shared.discovery.advertise import AdvertiseService, when_listening
from rpymostat.shared.discovery.records import ENGINE, Advert
from rpymostat.shared.http import http_client
from rpymostat.shared.metrics import RequestTimer, with_metrics
from rpymostat.shared.options import EnvOptions
from rpymostat.shared.web import make_site

from . import __version__
from .agentwatch import AgentWatch
from .api import EngineAPI
from .config import SETTINGS, EngineConfig, load_config
from .history.downsampler import DownsampleService
from .history.recorder import HistoryRecorder
from .instance import load_or_create_instance_id
from .metrics import engine_metrics
from .relays.agentclient import AgentClient
from .relays.alarms import AlarmBook
from .relays.control import RelayControl
from .schedule.schedulers import installed_schedulers
from .store import Store
from .store.sqlite_tiers import DAY, Retention
from .token import load_or_create_token
from .zones.book import ZoneBook
from .zones.control import ZoneControl
from .zones.deciders.base import installed_deciders

_log = Logger(namespace="rpymostat.engine")


class Options(EnvOptions):
    """Command line: only --show-config; everything else comes from the environment."""

    synopsis = "[--show-config]"
    description = "The RPyMostat engine: REST API v1, readings store, scheduling and decisions."
    settings = SETTINGS

    def load(self, environ: Mapping[str, str]) -> EngineConfig:
        """Validate the engine's environment table."""
        return load_config(environ)


class StoreService(Service):
    """Opens the store when the service tree starts and closes it when it stops."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._started = False
        self._waiting: list[Deferred[None]] = []

    def startService(self) -> None:
        """Start the store; a failure is logged and shows as 503 on /v1/status."""
        super().startService()
        d = self.store.start()
        d.addCallback(lambda _: self._ready())
        d.addErrback(lambda f: _log.failure("the store could not be opened", f))

    def _ready(self) -> None:
        self._started = True
        waiting, self._waiting = self._waiting, []
        for d in waiting:
            d.callback(None)

    def when_started(self) -> Deferred[None]:
        """Fires once the store is open (never, if it cannot be opened)."""
        if self._started:
            return succeed(None)
        d: Deferred[None] = Deferred()
        self._waiting.append(d)
        return d

    def stopService(self):  # type: ignore[no-untyped-def]
        """Finish pending writes, then close."""
        super().stopService()
        return self.store.stop()


def make_store(config: EngineConfig, reactor: IReactorFromThreads) -> Store:
    """The backend the store URL selects."""
    if config.uses_mongodb:
        from .store.mongo import MongoStore

        return MongoStore(reactor, config.store_url,  # type: ignore[arg-type]
                          timeout=config.store_timeout)
    from .store.sqlite import SQLiteStore

    return SQLiteStore(reactor, config.sqlite_path, busy_timeout=config.store_timeout)


def build_service(config: EngineConfig, reactor: IReactorTime) -> MultiService:
    """The engine's service tree: the bus, the store, the HTTP API listener, the advert."""
    token, token_file = load_or_create_token(config.token, config.data_dir)
    if token_file is not None:
        _log.info("site token is in {path} (mode 0600)", path=str(token_file))
    if config.auth is AuthMode.OFF:
        _log.warn("RPYMOSTAT_AUTH=off: anyone on the network can change settings")
    instance_id = load_or_create_instance_id(config.data_dir)
    top = MultiService()
    own_source = source_id("engine")
    bus = BusHubService(reactor, ProxyEndpoints(config.bus_pub_listen, config.bus_sub_listen),
                        own_source, hwm=config.bus.hwm, log_keep=config.log_keep)
    bus.setServiceParent(top)
    BusLogService(BusLogObserver(bus.hub.publish, "engine", config.bus.log_level,
                                 reactor.callFromThread)  # type: ignore[attr-defined]
                  ).setServiceParent(top)
    store = make_store(config, reactor)  # type: ignore[arg-type]
    store_service = StoreService(store)
    store_service.setServiceParent(top)
    advertiser: AdvertiseService | None = None

    def status() -> dict[str, Any]:
        return {"name": config.name, "instance_id": instance_id, "boot": bus.boot,
                "bus": {**_bus_ports(bus), **bus.hub.status()},
                "advertised": advertiser.advertised.name if advertiser and advertiser.advertised
                else None}

    alarms = AlarmBook(reactor, bus.hub)
    AgentWatch(reactor, bus.hub.listen, bus.hub.publish,  # type: ignore[arg-type]
               own_source).setServiceParent(top)
    relays = RelayControl(reactor, store, AgentClient(http_client(reactor), token,
                                                      config.agent_timeout),
                          bus.hub, alarms, boot=bus.boot,
                          retries=config.relay_retries, ready=store_service.when_started)
    relays.setServiceParent(top)
    zones = ZoneControl(reactor, store, ZoneBook(store, installed_schedulers(), config.timezone),
                        bus=bus.hub, alarms=alarms, deciders=installed_deciders(),
                        relays=relays, stale_after=config.stale_after,
                        interval=config.decision_interval, manual_hold=config.manual_hold,
                        time_scale=config.time_scale,
                        ready=lambda: relays.loaded or succeed(None))
    zones.setServiceParent(top)
    bus.hub.listen(HistoryRecorder(store, reactor).on_message)  # type: ignore[arg-type]
    keep = Retention(raw=config.history_raw_days * DAY, five_min=config.history_5m_days * DAY)
    DownsampleService(reactor, store, keep, config.downsample_interval,
                      ready=store_service.when_started).setServiceParent(top)
    auth = BearerAuth(token, config.auth)
    api = EngineAPI(store, auth, reactor, config.stale_after,
                    config.store_timeout, bus=bus.hub, status=status, relays=relays,
                    zones=zones, alarms=alarms, links=config.links,
                    history_keep=None if config.uses_mongodb else keep)
    bridge = None
    if config.mqtt is not None:
        from .mqtt.service import make_bridge

        bridge = make_bridge(reactor, config.mqtt, instance_id=instance_id, name=config.name,
                             version=__version__, hub=bus.hub, zones=zones, relays=relays,
                             alarms=alarms)
        bridge.setServiceParent(top)
    timer = RequestTimer()
    root = with_metrics(api.resource(), [
        *engine_metrics(api=api, hub=bus.hub, zones=zones, relays=relays, alarms=alarms,
                        bridge=bridge), *timer.metrics()], auth)
    site = make_site(root, access_log=config.log_level <= LogLevel.debug, timer=timer)
    listener = strports.service(config.listen, site)
    listener.setServiceParent(top)
    if config.bus.advertise:
        advertiser = AdvertiseService(reactor, when_listening(
            listener, config.listen, lambda port, addresses: Advert(
                config.name, ENGINE, instance_id, port, addresses, __version__,
                {"api": "/v1", "apiver": "1", **_bus_txt(bus),
                 "token_fp": token_fingerprint(token)})), ttl=config.mdns_ttl)
        advertiser.setServiceParent(top)
    _log.info("engine API on {listen}, store {store}, bus in {pub} out {sub}",
              listen=config.listen, store=_redact(config.store_url), pub=config.bus_pub_listen,
              sub=config.bus_sub_listen)
    return top


def _bus_txt(bus: BusHubService) -> dict[str, str]:
    """TXT ``bus_pub`` / ``bus_sub``: the ports; clients join them to the advertised address."""
    ports = _bus_ports(bus)
    return {"bus_pub": str(ports.get("pub_port", "")), "bus_sub": str(ports.get("sub_port", ""))}


def _bus_ports(bus: BusHubService) -> dict[str, int]:
    bound = bus.hub.bound
    if bound is None:
        return {}
    return {"pub_port": int(bound.pub.rsplit(":", 1)[1]),
            "sub_port": int(bound.sub.rsplit(":", 1)[1])}


def _redact(url: str) -> str:
    if "@" in url:
        scheme, _, rest = url.partition("://")
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def makeService(options: Options) -> MultiService:
    """twistd entry point."""
    from twisted.internet import reactor

    assert options.config is not None
    return build_service(options.config, reactor)  # type: ignore[arg-type]


def main() -> None:
    """Console script ``rpymostat-engine``."""
    daemon.run("rpymostat-engine", Options, makeService)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
    sys.exit(0)
