"""One HTTP client for the daemons' outgoing calls: treq over a persistent connection pool
whose connection factories do not log "Starting factory" on every connection.

Every call still passes its own ``timeout`` (fail safe: no call waits forever).
"""

from typing import Any

from treq.client import HTTPClient
from twisted.web import client


class _QuietFactory(client._HTTP11ClientFactory):
    noisy = False


class _QuietPool(client.HTTPConnectionPool):
    _factory = _QuietFactory


def http_client(reactor: Any) -> HTTPClient:
    """A treq client on ``reactor`` with a quiet persistent pool (2 connections per host)."""
    pool = _QuietPool(reactor, persistent=True)
    pool.maxPersistentPerHost = 2
    pool.cachedConnectionTimeout = 60
    return HTTPClient(client.Agent(reactor, pool=pool))
