"""twistd plugin / console script ``rpymostat-engine``: Options and the service tree."""

import sys
from collections.abc import Mapping

from twisted.application import strports
from twisted.application.service import MultiService, Service
from twisted.internet.interfaces import IReactorFromThreads, IReactorTime
from twisted.logger import Logger, LogLevel

from rpymostat.shared import daemon
from rpymostat.shared.auth import AuthMode, BearerAuth
from rpymostat.shared.options import EnvOptions
from rpymostat.shared.web import make_site

from .api import EngineAPI
from .config import SETTINGS, EngineConfig, load_config
from .store import Store
from .token import load_or_create_token

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

    def startService(self) -> None:
        """Start the store; a failure is logged and shows as 503 on /v1/status."""
        super().startService()
        self.store.start().addErrback(
            lambda f: _log.failure("the store could not be opened", f))

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
    """The engine's service tree: the store, then the HTTP API listener."""
    token, token_file = load_or_create_token(config.token, config.data_dir)
    if token_file is not None:
        _log.info("site token is in {path} (mode 0600)", path=str(token_file))
    if config.auth is AuthMode.OFF:
        _log.warn("RPYMOSTAT_AUTH=off: anyone on the network can change settings")
    top = MultiService()
    store = make_store(config, reactor)  # type: ignore[arg-type]
    StoreService(store).setServiceParent(top)
    api = EngineAPI(store, BearerAuth(token, config.auth), reactor, config.stale_after,
                    config.store_timeout)
    site = make_site(api.resource(), access_log=config.log_level <= LogLevel.debug)
    strports.service(config.listen, site).setServiceParent(top)
    _log.info("engine API on {listen}, store {store}", listen=config.listen,
              store=_redact(config.store_url))
    return top


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
