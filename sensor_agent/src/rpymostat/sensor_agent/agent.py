"""The sensor agent's service tree: sensor plugins, reading rounds, the disk queue and the
forwarder, the engine link (discovery + bus) and the API.
"""

import json
import sys
from collections.abc import Callable
from typing import Any

from twisted.application.service import MultiService, Service
from twisted.internet import defer
from twisted.internet.defer import Deferred, ensureDeferred
from twisted.internet.threads import deferToThreadPool
from twisted.logger import Logger
from twisted.python.threadpool import ThreadPool

from rpymostat.shared.agentkit import PoolService, TokenSource
from rpymostat.shared.hostid import host_id as derive_host_id
from rpymostat.shared.http import http_client
from rpymostat.shared.infoapi import build_node_service
from rpymostat.shared.link import EngineLink

from . import __version__
from .api import TITLE, AgentAPI
from .client import EngineClient, get_json
from .config import AgentConfig
from .diskqueue import DiskQueue
from .forward import Forwarder
from .metrics import agent_metrics
from .plugin import SensorContext, SensorReader, installed_plugins, plugin_kwargs
from .rounds import Rounds, Taken

_log = Logger(namespace="rpymostat.sensor_agent")
ROLE = "sensor-agent"
QUEUE_FILE = "sensor-queue.sqlite3"


def build_readers(config: AgentConfig, reactor: Any, pool: ThreadPool, http: Any
                  ) -> dict[str, SensorReader]:
    """One instance of each configured class."""
    context = SensorContext(
        reactor=reactor,
        blocking=lambda f: deferToThreadPool(reactor, pool, f),
        get_json=lambda url, limit: get_json(url, limit, http),
        timeout=config.read_timeout)
    plugins = installed_plugins(spec.name for spec in config.classes())
    return {spec.name: plugins[spec.name](context, **plugin_kwargs(plugins[spec.name],
                                                                   spec.args))
            for spec in config.classes()}


class ReaderCloser(Service):
    """Closes, when the daemon stops, the readers that hold something open (those with a
    ``close()``, e.g. the sim class's mDNS browser)."""

    def __init__(self, readers: dict[str, SensorReader]) -> None:
        self._readers = readers

    def stopService(self) -> Deferred[Any]:
        """Close every reader that can be closed; a failure is logged."""
        super().stopService()
        closing = [defer.maybeDeferred(close) for close in
                   (getattr(r, "close", None) for r in self._readers.values()) if callable(close)]
        d = defer.gatherResults(closing, consumeErrors=True)
        d.addErrback(lambda f: _log.failure("closing the sensor classes", f))
        return d


class SensorAgent(MultiService):
    """Everything but the listener: queue first, then rounds; delivery follows the engine."""

    def __init__(self, reactor: Any, config: AgentConfig, host_id: str, link: EngineLink,
                 readers: dict[str, SensorReader], *, http: Any) -> None:
        super().__init__()
        self.host_id = host_id
        self.queue = DiskQueue(reactor, config.data_dir / QUEUE_FILE, config.queue_max)
        client = EngineClient(host_id, TokenSource(config.token, config.data_dir / "token"),
                              config.http_timeout, http)
        self.forwarder = Forwarder(reactor, self.queue, client,
                                   lambda: link.engine.url if link.engine else None,
                                   max_retry=max(5.0, min(60.0, config.interval)))
        self.rounds = Rounds(reactor, readers, config.interval, config.read_timeout,
                             self._taken)
        self.link = link
        link.on_engine(self.forwarder.engine_changed)
        link.details = self.bus_details
        self._opened: Deferred[None] | None = None

    def startService(self) -> None:
        """Open the queue, then start the rounds (a reading never waits for a closed queue)."""
        super().startService()
        self._opened = ensureDeferred(self.queue.open())
        self._opened.addCallback(lambda _: self._queue_ready())
        self._opened.addErrback(lambda f: _log.failure("cannot open the reading queue", f))

    def _queue_ready(self) -> None:
        if self.queue.length:
            _log.info("{n} readings wait in the queue from the last run", n=self.queue.length)
        self.rounds.setServiceParent(self)
        self.forwarder.kick()

    def stopService(self) -> Any:
        """Stop the rounds, let sends under way finish (into the queue if they fail), then
        close the queue."""
        d = super().stopService()
        d.addBoth(lambda _: self.forwarder.stop())
        d.addBoth(lambda _: self.queue.close())
        d.addBoth(lambda _: _log.info(
            "sensor agent stopped after {rounds} rounds; {queue} readings wait in the queue",
            rounds=self.rounds.rounds, queue=self.queue.length))
        return d

    def _taken(self, taken: list[Taken]) -> None:
        self.forwarder.submit([t.batch_item() for t in taken])
        self.link.announce()

    def bus_details(self) -> dict[str, Any]:
        """What ``agent.<host>.sensor-agent`` carries besides presence."""
        rounds = self.rounds.status()
        return {"host_id": self.host_id, "queue": self.queue.length,
                "sensors": rounds["sensors"], "sensor_errors": rounds["sensor_errors"],
                "last_round": rounds["last_round"]}

    def status(self) -> dict[str, Any]:
        """For ``GET /v1/status``."""
        return {**self.link.status(), "readings": self.rounds.status(),
                "delivery": self.forwarder.status()}


def build_service(config: AgentConfig, reactor: Any) -> MultiService:
    """The daemon (or, with ``dry_run``, just rounds that print)."""
    pool = PoolService(2, "sensor-reads")
    http = http_client(reactor)
    readers = build_readers(config, reactor, pool.pool, http)
    if config.dry_run:
        top = MultiService()
        pool.setServiceParent(top)
        ReaderCloser(readers).setServiceParent(top)
        Rounds(reactor, readers, config.interval, config.read_timeout,
               print_readings).setServiceParent(top)
        return top
    host = config.host_id or derive_host_id(config.data_dir)
    link = EngineLink(reactor, ROLE, config.daemon.bus, config.daemon.locator, host=host)
    agent = SensorAgent(reactor, config, host, link, readers, http=http)
    api = AgentAPI(__version__, host, reactor, agent.rounds, agent.status)
    top = build_node_service(TITLE, ROLE, __version__, config.daemon, reactor, link=link,
                             resource=api.resource(), metrics=agent_metrics(agent))
    pool.setServiceParent(top)
    ReaderCloser(readers).setServiceParent(top)
    agent.setServiceParent(top)
    _log.info("sensor agent {host}: classes {classes}, every {interval:g} s", host=host,
              classes=", ".join(readers), interval=config.interval)
    return top


def print_readings(taken: list[Taken], out: Callable[[str], Any] = print) -> None:
    """``--dry-run``: one JSON line per reading."""
    for t in taken:
        out(json.dumps(t.batch_item() | {"error": t.sensor.error}))
    sys.stdout.flush()
