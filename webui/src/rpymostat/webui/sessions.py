"""Who may use the web UI: login sessions, CSRF tokens and the login rate limit.

Without a password the LAN is trusted: everyone gets the one CSRF token of this process (the
token still stops other web sites from making a visitor's browser change settings: they can
neither read it nor send the header without a CORS pre-flight, which is never granted).
With a password, a login creates a session (random id in an HttpOnly, SameSite=Strict cookie)
that carries its own CSRF token. Failed logins are limited per client address.
"""

import secrets
from collections import OrderedDict, deque
from dataclasses import dataclass

from twisted.internet.interfaces import IReactorTime

from .passwords import PasswordHash

COOKIE = b"rpymostat_session"
CSRF_HEADER = b"x-csrf-token"
SESSION_IDLE_S = 30 * 24 * 3600.0  # a wall tablet stays logged in
MAX_SESSIONS = 256
MAX_FAILURES = 5  # per address within FAILURE_WINDOW_S
FAILURE_WINDOW_S = 60.0


@dataclass
class Session:
    """One logged-in browser."""

    csrf: str
    last_seen: float


class TooManyAttempts(Exception):
    """Login refused without checking the password; ``retry_after`` in seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"too many failed logins; try again in {int(retry_after) + 1} s")
        self.retry_after = retry_after


class SessionBook:
    """Sessions in memory (a restart logs everyone out, which is fine for a LAN service)."""

    def __init__(self, clock: IReactorTime, password: PasswordHash | None) -> None:
        self._clock = clock
        self._password = password
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._failures: dict[str, deque[float]] = {}
        self.lan_csrf = secrets.token_urlsafe(24)

    @property
    def open(self) -> bool:
        """True when no password is set (the LAN is trusted)."""
        return self._password is None

    def login(self, address: str, password: str) -> str | None:
        """A new session id, or None for a wrong password; raises TooManyAttempts."""
        assert self._password is not None
        now = self._clock.seconds()
        recent = self._failures.setdefault(address, deque())
        while recent and now - recent[0] > FAILURE_WINDOW_S:
            recent.popleft()
        if len(recent) >= MAX_FAILURES:
            raise TooManyAttempts(FAILURE_WINDOW_S - (now - recent[0]))
        if not self._password.verify(password):
            recent.append(now)
            return None
        self._failures.pop(address, None)
        sid = secrets.token_urlsafe(32)
        self._sessions[sid] = Session(secrets.token_urlsafe(24), now)
        while len(self._sessions) > MAX_SESSIONS:
            self._sessions.popitem(last=False)
        return sid

    def session(self, sid: str | None) -> Session | None:
        """The live session ``sid`` (its idle time restarts), or None."""
        if not sid:
            return None
        found = self._sessions.get(sid)
        now = self._clock.seconds()
        if found is None:
            return None
        if now - found.last_seen > SESSION_IDLE_S:
            del self._sessions[sid]
            return None
        found.last_seen = now
        self._sessions.move_to_end(sid)
        return found

    def logout(self, sid: str | None) -> None:
        """End a session (no-op when unknown)."""
        if sid:
            self._sessions.pop(sid, None)

    def csrf_for(self, sid: str | None) -> str | None:
        """The CSRF token the browser must send with mutating calls (None: not logged in)."""
        if self.open:
            return self.lan_csrf
        found = self.session(sid)
        return found.csrf if found else None

    def csrf_ok(self, sid: str | None, sent: str | None) -> bool:
        """Whether ``sent`` is this browser's CSRF token."""
        expected = self.csrf_for(sid)
        return bool(expected and sent and secrets.compare_digest(expected.encode(), sent.encode()))
