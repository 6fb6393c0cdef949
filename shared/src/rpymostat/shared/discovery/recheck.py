"""Look actively for a daemon the mDNS answers no longer show (issue 17).

mDNS alone gave up in two everyday cases:

- **Two daemons under one name.** The advertiser takes ``name (2)`` only if another responder
  answers its 0.25 s check; a busy or paused one does not, and both then advertise the same
  service name (found: another process's engine with the default name "RPyMostat engine on
  <host>"). The browser keeps one advert per service name, so the newcomer's replaced the
  followed engine's; the shared PTR record never expired, so the followed engine was never
  "added" again: "looking for engine '931b9a…' (seen: 'RPyMostat engine on vm')" while it ran.
- **A pause longer than the records' TTL** (SIGSTOP, a suspended laptop, a swapping Pi): every
  record expires at once, and python-zeroconf's browser, far into its query back-off, asks
  again only much later; an engine that does not re-announce is not found for a long time.

So while the browser's view lacks the daemon a client followed, :class:`Recheck` asks that
daemon at its last known address (``GET /v1/status``, its instance id must match) every
``interval`` seconds, and has the browser send fresh queries at once, after ``query_every``
seconds and then ever less often (doubling, up to ``MAX_QUERY_GAP``).
A client keeps its daemon while it answers there (no gap when another one comes or goes), and
is back within one ``interval`` of it answering again.
"""

from collections.abc import Callable
from typing import Any

from twisted.internet import task
from twisted.internet.defer import Deferred, succeed
from twisted.logger import Logger

_log = Logger(namespace="rpymostat.discovery")
INTERVAL = 2.0
QUERY_EVERY = 10.0
MAX_QUERY_GAP = 300.0  # the queries back off (doubling) while the search goes on
TIMEOUT = 2.0
Check = Callable[[str, str], Deferred[Any]]  # (url, instance id) → its status body, or None


def _same(body: Any, instance_id: str) -> Any:
    """The status ``body`` when it is the daemon's with ``instance_id``, else None."""
    return body if isinstance(body, dict) and body.get("instance_id") == instance_id else None


def answers_as(http: Any, url: str, instance_id: str, timeout: float = TIMEOUT
               ) -> Deferred[Any]:
    """The ``GET /v1/status`` body of the daemon at ``url`` when it answers (200, or 503: it
    runs) as ``instance_id``; None on anything else, failures included."""
    d = http.get(url.rstrip("/") + "/v1/status", timeout=timeout)

    def body(response: Any) -> Any:
        if response.code not in (200, 503):
            return None
        return response.json()

    d.addCallback(body)
    d.addCallback(_same, instance_id)
    d.addErrback(lambda _f: None)
    return d  # type: ignore[no-any-return]


def http_check(http: Any, timeout: float = TIMEOUT) -> Check:
    """:func:`answers_as` with ``http`` (treq or a ``treq.HTTPClient``)."""
    return lambda url, instance_id: answers_as(http, url, instance_id, timeout)


def json_check(get_json: Callable[[str, float], Deferred[Any]], timeout: float = TIMEOUT
               ) -> Check:
    """The same with a ``get_json(url, timeout)`` (the sensor plugins' HTTP getter)."""
    def check(url: str, instance_id: str) -> Deferred[Any]:
        d = get_json(url.rstrip("/") + "/v1/status", timeout)
        d.addCallback(_same, instance_id)
        return d.addErrback(lambda _f: None)  # type: ignore[no-any-return]
    return check


class Recheck:
    """Asks one daemon at its last address until stopped; ``on_answer(status body or None)``
    after each check, ``query()`` (fresh mDNS queries) every ``query_every`` seconds."""

    def __init__(self, clock: Any, check: Check, on_answer: Callable[[Any], Any],
                 query: Callable[[], Any], *, interval: float = INTERVAL,
                 query_every: float = QUERY_EVERY) -> None:
        self._clock = clock
        self._check = check
        self._on_answer = on_answer
        self._query = query
        self._interval = interval
        self._query_every = query_every
        self._loop = task.LoopingCall(self._tick)
        self._loop.clock = clock
        self._target: tuple[str, str] | None = None
        self._busy = False
        self._last_query = float("-inf")
        self._gap = query_every
        self.checks = 0

    @property
    def running(self) -> bool:
        """Whether it is looking."""
        return self._loop.running

    def start(self, url: str | None, instance_id: str | None) -> None:
        """Look for ``instance_id`` at ``url`` (either None: only send queries); at once, then
        every ``interval`` seconds. Already looking: the target is updated."""
        self._target = (url, instance_id) if url and instance_id else None
        if not self._loop.running:
            self._loop.start(self._interval, now=True)

    def stop(self) -> None:
        """The browser shows the daemon again (or the client stops)."""
        if self._loop.running:
            self._loop.stop()
        self._last_query = float("-inf")
        self._gap = self._query_every

    def _tick(self) -> Deferred[None]:
        now = self._clock.seconds()
        if now - self._last_query >= self._gap:
            if self._last_query > float("-inf"):
                self._gap = min(self._gap * 2, MAX_QUERY_GAP)
            self._last_query = now
            try:
                self._query()
            except Exception:
                _log.failure("mDNS query")
        if self._target is None or self._busy:
            return succeed(None)
        self._busy = True
        self.checks += 1
        url, instance_id = self._target
        try:
            d = self._check(url, instance_id)
        except Exception:
            d = succeed(None)

        def done(body: Any) -> None:
            self._busy = False
            if self._loop.running:
                self._on_answer(body)

        d.addCallback(done)
        return succeed(None)
