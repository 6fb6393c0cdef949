"""Find a daemon of one role on the LAN (e.g. the simulated house) and follow it.

The engine has its own :class:`~.locator.EngineLocator` (URL polling, bus endpoints, status);
this is the small version for plugins that need one other daemon: it browses with the shared
:class:`~.browse.Browser` (started on first use, not before the reactor runs), picks with
:func:`~.browse.choose` (the wanted name or instance id, else the only one) and lets callers
wait, with a time limit, until one is found.
"""

from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred, fail, succeed
from twisted.logger import Logger
from twisted.python.failure import Failure

from .browse import Browser
from .choose import choose
from .recheck import Check, Recheck, http_check
from .records import Advert

_log = Logger(namespace="rpymostat.discovery")


class NotFound(LookupError):
    """No daemon of the role has been found (yet); the message says what was seen."""


class RoleFinder:
    """Follows the daemons advertising ``role``; :attr:`current` is the chosen one or None."""

    def __init__(self, reactor: Any, role: str, *, wanted: str | None = None, hint: str = "",
                 browser: Callable[..., Browser] = Browser, check: Check | None = None
                 ) -> None:
        self._reactor = reactor
        self.role = role
        self._wanted = wanted
        self._hint = hint or f"give the {role}'s name or id"
        self._browser_factory = browser
        self._browser: Browser | None = None
        self._started: Deferred[None] | None = None
        self._waiting: list[Deferred[Advert]] = []
        self.current: Advert | None = None
        self._last: Advert | None = None  # the last one found by browsing
        if check is None:
            import treq

            check = http_check(treq)
        self._recheck = Recheck(reactor, check, self._rechecked, self._query)
        self.state = "idle"
        self.message = f"not looking for the {role} yet"

    def start(self) -> None:
        """Start browsing (once; later calls do nothing unless browsing failed)."""
        if self._browser is not None:
            return
        self._browser = self._browser_factory(self._reactor, self._changed)
        self.state, _, self.message = choose([], self._wanted, what=self.role)
        self._started = self._browser.start()
        self._started.addErrback(self._browse_failed)

    def stop(self) -> Deferred[None]:
        """Stop browsing (after the start has finished: zeroconf opens on a thread)."""
        browser, started = self._browser, self._started
        self._browser = self._started = None
        self.current = self._last = None
        self._recheck.stop()
        self.state, self.message = "idle", f"stopped looking for the {self.role}"
        self._fail_waiting()
        if browser is None or started is None:
            return succeed(None)
        return started.addBoth(lambda _: browser.stop())

    def wait(self, timeout: float) -> Deferred[Advert]:
        """The chosen daemon: at once if known, else when found; :class:`NotFound` (saying
        why) after ``timeout`` seconds."""
        self.start()
        if self.current is not None:
            return succeed(self.current)
        if self.state == "error":
            return fail(NotFound(self.message))
        d: Deferred[Advert] = Deferred(canceller=self._forget)
        self._waiting.append(d)
        return d.addTimeout(timeout, self._reactor, onTimeoutCancel=self._timed_out)

    def _forget(self, d: Deferred[Advert]) -> None:
        if d in self._waiting:
            self._waiting.remove(d)

    def _timed_out(self, _result: Any, _timeout: float) -> Any:
        raise NotFound(self.message)

    def _fail_waiting(self) -> None:
        waiting, self._waiting = self._waiting, []
        for d in waiting:
            d.errback(NotFound(self.message))

    def _browse_failed(self, failure: Failure) -> None:
        self._browser = self._started = None  # the next wait tries again
        self.state = "error"
        self.message = f"mDNS browsing failed: {failure.getErrorMessage()}"
        _log.error("{message}", message=self.message)
        self._fail_waiting()

    def _changed(self) -> None:
        if self._browser is None:
            return
        state, advert, message = choose(self._browser.of_role(self.role), self._wanted,
                                        what=self.role, hint=self._hint)
        if advert is None and self._last is not None:
            # not in the answers (any more): keep it while it answers at its address, look
            # actively (see .recheck); another daemon coming or going never unpins this one
            kept = self.current
            if kept is not None:
                message = f"{message}; asking {self.role} {kept.name!r} at {kept.url}"
                state = "found"
            self.state, self.message = state, message
            self._recheck.start(self._last.url, self._last.instance_id)
            return
        if advert is not None:
            self._recheck.stop()
            self._last = advert
        if advert != self.current:
            _log.info("{role}: {message}", role=self.role, message=message)
        self._found(state, message, advert)

    def _found(self, state: str, message: str, advert: Advert | None) -> None:
        self.state, self.message, self.current = state, message, advert
        if advert is not None:
            waiting, self._waiting = self._waiting, []
            for d in waiting:
                d.callback(advert)

    def _rechecked(self, body: Any) -> None:
        answers = body is not None
        last = self._last
        if last is None:
            return
        if answers and self.current is None:
            message = f"{self.role} {last.name!r} answers at its last address {last.url}"
            _log.info("{message}", message=message)
            self._found("found", message, last)
        elif not answers and self.current is not None:
            self.state = "lost"
            self.message = f"{self.role} {last.name!r} went away; {self.message}"
            _log.warn("{message}", message=self.message)
            self.current = None

    def _query(self) -> None:
        if self._browser is not None:
            self._browser.query().addErrback(
                lambda f: _log.warn("mDNS query failed: {e}", e=f.getErrorMessage()))

    def status(self) -> dict[str, Any]:
        """Whether and where the daemon was found, or why not."""
        return {"state": self.state, "message": self.message,
                "url": self.current.url if self.current else None}
