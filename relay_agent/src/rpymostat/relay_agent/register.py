"""Registration with the engine: ``POST /v1/relays/register``, again whenever it matters.

The agent registers when it finds the engine (or the engine answers again), and when a
heartbeat comes from an engine boot it has not registered with (the engine restarted). A
failed registration is retried with back-off and jitter until it succeeds.
"""

import json
import random
from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall
from twisted.logger import Logger
from twisted.python.failure import Failure

from rpymostat.shared.backoff import backoff_delay
from rpymostat.shared.clock import Clock, iso_seconds
from rpymostat.shared.jsonbody import error_text

_log = Logger(namespace="rpymostat.relay_agent")


class Registrar:
    """Keeps the agent registered with the engine at ``engine_url()``."""

    def __init__(self, clock: Clock, http: Any, token: Callable[[], str | None], *,
                 engine_url: Callable[[], str | None], body: Callable[[], dict[str, Any]],
                 timeout: float, first_retry: float = 1.0, max_retry: float = 60.0,
                 jitter: Callable[[], float] = random.random) -> None:
        self._clock = clock
        self._http = http
        self._token = token
        self._engine_url = engine_url
        self._body = body
        self._timeout = timeout
        self._first_retry, self._max_retry, self._jitter = first_retry, max_retry, jitter
        self._timer: IDelayedCall | None = None
        self._in_flight: Deferred[Any] | None = None
        self._again = False
        self.failures = 0
        self.engine_boot: str | None = None
        self.registered_at: float | None = None
        self.last_error: str | None = None
        self.registrations = 0
        self._stopped = False

    def engine_changed(self, location: Any) -> None:
        """The locator found the engine, it moved, or it answers again: register."""
        if location is not None:
            self.kick()

    def engine_seen(self, boot: str | None) -> None:
        """A heartbeat from engine boot ``boot``: register if it does not know us."""
        if boot and boot != self.engine_boot:
            self.kick()

    def kick(self) -> None:
        """Register now (or right after the registration under way)."""
        if self._stopped:
            return
        if self._in_flight is not None:
            self._again = True
            return
        if self._timer is not None and self._timer.active():
            self._timer.cancel()
        self._timer = None
        url = self._engine_url()
        if url is None:
            return  # engine_changed will call again when it is found
        self._in_flight = Deferred.fromCoroutine(self._register(url))
        self._in_flight.addBoth(self._done)

    async def _register(self, url: str) -> None:
        headers = {"Content-Type": ["application/json"]}
        token = self._token()
        if token:
            headers["Authorization"] = [f"Bearer {token}"]
        data = json.dumps(self._body()).encode()
        response = await self._http.post(url.rstrip("/") + "/v1/relays/register", data=data,
                                         headers=headers, timeout=self._timeout)
        content = await response.content()
        if response.code != 201:
            raise RegistrationRefused(f"HTTP {response.code}: {error_text(content)}")
        self.engine_boot = json.loads(content).get("boot")

    def _done(self, result: Any) -> None:
        self._in_flight = None
        if isinstance(result, Failure):
            message = result.getErrorMessage()
            self.failures += 1
            if self.last_error != str(message) or self.failures == 1:
                _log.warn("registration with the engine failed: {e}", e=message)
            self.last_error = str(message)
            if not self._stopped:
                delay = backoff_delay(self.failures, self._first_retry, self._max_retry,
                                      self._jitter)
                self._timer = self._clock.callLater(delay, self.kick)
            return
        self.failures = 0
        self.last_error = None
        self.registrations += 1
        self.registered_at = self._clock.seconds()
        _log.info("registered with the engine (boot {boot})", boot=self.engine_boot)
        if self._again:
            self._again = False
            self.kick()

    def stop(self) -> None:
        """No more attempts."""
        self._stopped = True
        if self._timer is not None and self._timer.active():
            self._timer.cancel()

    def status(self) -> dict[str, Any]:
        """For the API and the bus."""
        return {"registered": self.registered_at is not None and self.last_error is None,
                "registered_at": iso_seconds(self.registered_at),
                "registrations": self.registrations, "engine_boot": self.engine_boot,
                "last_error": self.last_error}


class RegistrationRefused(Exception):
    """The engine answered, but not 201."""

