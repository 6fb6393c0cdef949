"""The relay agent's service tree: outputs (safe first), watchdog, registration, engine link,
API."""

import uuid
from typing import Any

from twisted.application.service import MultiService
from twisted.internet.defer import Deferred
from twisted.internet.threads import deferToThreadPool
from twisted.logger import Logger

from rpymostat.shared.agentkit import PoolService, TokenSource
from rpymostat.shared.auth import BearerAuth
from rpymostat.shared.bus.topics import escape_segment
from rpymostat.shared.hostid import host_id as derive_host_id
from rpymostat.shared.http import http_client
from rpymostat.shared.infoapi import API_LISTENER, build_node_service
from rpymostat.shared.link import EngineLink
from rpymostat.shared.listening import listening_port
from rpymostat.shared.pluginargs import plugin_kwargs

from . import __version__
from .api import TITLE, RelayAPI
from .bank import Output, RelayBank
from .config import RelayConfig
from .metrics import agent_metrics
from .outputs import OutputContext, installed_plugins
from .register import Registrar
from .watchdog import Watchdog

_log = Logger(namespace="rpymostat.relay_agent")
ROLE = "relay-agent"
DRIVER_TIMEOUT = 5.0


def build_outputs(config: RelayConfig, context: OutputContext) -> dict[str, Output]:
    """One driver per configured output."""
    plugins = installed_plugins()
    outputs = {}
    for spec in config.outputs:
        plugin = plugins[spec.cls]
        driver = plugin(context, spec.id, spec.active_low, function=spec.function,
                        **plugin_kwargs(plugin, spec.args, "output class"))
        outputs[spec.id] = Output(spec, driver)
    return outputs


class RelayAgent(MultiService):
    """Outputs to their safe state first; then the watchdog, registration and the link."""

    def __init__(self, reactor: Any, config: RelayConfig, host_id: str, link: EngineLink,
                 outputs: dict[str, Output], *, http: Any, token: TokenSource) -> None:
        super().__init__()
        self.host_id = host_id
        self.boot = uuid.uuid4().hex[:12]
        self.config = config
        self.link = link
        self.bank = RelayBank(reactor, outputs, config.groups(), self._publish,
                              driver_timeout=DRIVER_TIMEOUT)
        self.watchdog = Watchdog(reactor, config.watchdog, self._expired)
        self.registrar = Registrar(reactor, http, token,
                                   engine_url=lambda: link.engine.url if link.engine else None,
                                   body=self.registration, timeout=config.http_timeout,
                                   max_retry=min(60.0, config.watchdog / 3))
        self.port: int | None = None
        self.ready: Deferred[None] | None = None
        link.details = self.bus_details

    def startService(self) -> None:
        """Drive every output to its safe state, then arm the watchdog and register."""
        super().startService()
        self.ready = Deferred.fromCoroutine(self._start())
        self.ready.addErrback(lambda f: _log.failure("the relay agent could not start", f))

    async def _start(self) -> None:
        await self.bank.start()
        _log.info("outputs in their safe state: {states}", states=", ".join(
            f"{r['id']}={r['state']}" for r in self.bank.describe_all()))
        self.watchdog.start()
        listener = self.parent.getServiceNamed(API_LISTENER) if self.parent else None
        if listener is not None:
            self.port = await listening_port(listener)
        self.link.on_engine(self.registrar.engine_changed)
        self.registrar.kick()

    def stopService(self) -> Any:
        """A clean stop leaves every output in its safe state (nobody will control it)."""
        self.watchdog.stop()
        self.registrar.stop()
        d = super().stopService()
        d.addBoth(lambda _: Deferred.fromCoroutine(self.bank.safe_all("stop: safe state")))
        d.addBoth(lambda _: Deferred.fromCoroutine(self.bank.stop()))
        return d

    def heard(self, engine_boot: str | None) -> None:
        """An authorised call came in: the engine (or someone with the token) is there."""
        self.watchdog.kick()
        if engine_boot is not None:
            self.registrar.engine_seen(engine_boot)

    def _expired(self) -> None:
        d = Deferred.fromCoroutine(self.bank.safe_all("watchdog: safe state"))
        d.addBoth(lambda _: self.link.announce())

    def _publish(self, oid: str, relay: dict[str, Any]) -> None:
        topic = f"relay.{escape_segment(self.host_id)}.{escape_segment(oid)}"
        self.link.publisher.publish(topic, relay)

    def registration(self) -> dict[str, Any]:
        """The body of ``POST /v1/relays/register``."""
        return {"host_id": self.host_id, "boot": self.boot, "version": __version__,
                "port": self.port, "url": self.config.agent_url,
                "watchdog_s": self.config.watchdog, "relays": self.bank.describe_all()}

    def bus_details(self) -> dict[str, Any]:
        """What ``agent.<host>.relay-agent`` carries besides presence."""
        return {"host_id": self.host_id, "watchdog": self.watchdog.status(),
                "registered": self.registrar.status()["registered"],
                "relays": {r["id"]: r["state"] for r in self.bank.describe_all()}}

    def status(self) -> dict[str, Any]:
        """For ``GET /v1/status`` and the heartbeat answer."""
        return {**self.link.status(), "boot": self.boot, "watchdog": self.watchdog.status(),
                "registration": self.registrar.status(), "changes": self.bank.changes}


def build_service(config: RelayConfig, reactor: Any) -> MultiService:
    """The daemon."""
    pool = PoolService(1, "relay-io")  # one thread: line writes keep their order
    http = http_client(reactor)
    token = TokenSource(config.token, config.data_dir / "token")
    context = OutputContext(reactor, lambda f: deferToThreadPool(reactor, pool.pool, f), http,
                            min(DRIVER_TIMEOUT, config.http_timeout), token)
    outputs = build_outputs(config, context)
    host = config.host_id or derive_host_id(config.data_dir)
    link = EngineLink(reactor, ROLE, config.daemon.bus, config.daemon.locator, host=host)
    agent = RelayAgent(reactor, config, host, link, outputs, http=http, token=token)
    api = RelayAPI(__version__, host, agent.bank, BearerAuth(token), heard=agent.heard,
                   status=agent.status)
    top = build_node_service(TITLE, ROLE, __version__, config.daemon, reactor, link=link,
                             resource=api.resource(), metrics=agent_metrics(agent))
    pool.setServiceParent(top)
    agent.setServiceParent(top)
    _log.info("relay agent {host}: outputs {outputs}; watchdog {w:g} s", host=host,
              outputs=", ".join(f"{s.id} ({s.function}, {s.cls})" for s in config.outputs),
              w=config.watchdog)
    return top
