"""A daemon's subscribing side of the bus: a live copy of (part of) the engine's status tree.

Subscribe first, then ask the engine for a snapshot tied to a marker (see ``hub``), apply the
snapshot once both it and the marker have arrived, and from then on apply the stream. A gap, a
new engine (its heartbeat carries a boot id) or a silent engine triggers a resync.

ZeroMQ gives no signal when a subscription has reached the proxy ("slow joiner"), so the first
marker may pass before it does: a sync that sees no marker is retried after a short wait that
doubles up to ``sync_timeout``, and at once when a heartbeat proves the subscription live.
"""

import secrets
from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger
from txzmq import ZmqFactory

from .follower import Follower
from .hub import HEARTBEAT_TOPIC, SYNC_PREFIX
from .message import Message, MessageError, decode
from .sockets import DEFAULT_HWM, FrameSubscriber
from .topics import validate_mask, wire_prefix
from .tree import Snapshot

FetchSnapshot = Callable[[str, str], Deferred[Snapshot]]
_log = Logger(namespace="rpymostat.bus")


class BusFollower:
    """Keeps ``follower.tree`` equal to the engine's tree under ``mask``.

    ``fetch(mask, marker)`` asks the engine for ``GET /v1/bus/snapshot``; ``on_update`` sees
    each applied stream update, ``on_sync`` each (re)loaded snapshot.
    """

    def __init__(self, factory: ZmqFactory, clock: IReactorTime, fetch: FetchSnapshot, *,
                 mask: str = "", on_update: Callable[[Message], Any] | None = None,
                 on_sync: Callable[[Snapshot], Any] | None = None, sync_timeout: float = 3.0,
                 first_retry: float = 0.1,
                 heartbeat_timeout: float = 10.0, hwm: int = DEFAULT_HWM) -> None:
        self._factory = factory
        self._clock = clock
        self._fetch = fetch
        self.mask = validate_mask(mask)
        self.follower = Follower(mask, on_apply=on_update, max_buffer=hwm, owned=True)
        self._on_sync = on_sync
        self._sync_timeout = sync_timeout
        self._first_retry = first_retry
        self._retry = first_retry
        self._heartbeat_timeout = heartbeat_timeout
        self._hwm = hwm
        self._sub: FrameSubscriber | None = None
        self.endpoint: str | None = None
        self._marker: str | None = None
        self._marker_seen = False
        self._snapshot: Snapshot | None = None
        self._timer: IDelayedCall | None = None
        self._silence: IDelayedCall | None = None
        self.boot: str | None = None
        self.syncs = 0
        self.invalid = 0
        self.failures = 0

    @property
    def synced(self) -> bool:
        """Whether the tree is a live copy (not waiting for a snapshot)."""
        return not self.follower.syncing

    def connect(self, endpoint: str) -> None:
        """(Re)connect to the proxy's subscriber endpoint and sync; no-op when unchanged."""
        if endpoint == self.endpoint and self._sub is not None:
            return
        self.disconnect()
        self.endpoint = endpoint
        self._sub = FrameSubscriber(self._factory, endpoint, self._frame, self._hwm)
        self._sub.subscribe(wire_prefix(self.mask))
        self._sub.subscribe(HEARTBEAT_TOPIC.encode())
        self._retry = self._first_retry
        self.resync()

    def disconnect(self) -> None:
        """Close the socket and stop timers."""
        for call in (self._timer, self._silence):
            if call is not None and call.active():
                call.cancel()
        self._timer = self._silence = None
        if self._sub is not None:
            self._sub.shutdown()
        self._sub = None
        self._marker = None
        self.follower.syncing = True

    def resync(self) -> None:
        """Fetch a new snapshot (keeps buffering the stream meanwhile)."""
        if self._sub is None:
            return
        self.follower.syncing = True
        self._end_marker()
        self._marker = secrets.token_hex(8)
        self._marker_seen = False
        self._snapshot = None
        self._sub.subscribe((SYNC_PREFIX + self._marker).encode())
        marker = self._marker
        self._timer = self._clock.callLater(self._retry, self._timed_out, marker)
        self._retry = min(self._retry * 2, self._sync_timeout)
        self._fetch(self.mask, marker).addCallbacks(self._got_snapshot, self._fetch_failed,
                                                     callbackArgs=(marker,),
                                                     errbackArgs=(marker,))
        self._expect_heartbeat()

    def _end_marker(self) -> None:
        if self._timer is not None and self._timer.active():
            self._timer.cancel()
        self._timer = None
        if self._marker is not None and self._sub is not None:
            self._sub.unsubscribe((SYNC_PREFIX + self._marker).encode())
        self._marker = None

    def _got_snapshot(self, snapshot: Snapshot, marker: str) -> None:
        if marker == self._marker:
            self._snapshot = snapshot
            self._maybe_load()

    def _fetch_failed(self, failure: Any, marker: str) -> None:
        if marker == self._marker:
            self.failures += 1
            _log.info("bus snapshot failed ({why}); retrying", why=failure.getErrorMessage())

    def _timed_out(self, marker: str) -> None:
        self._timer = None
        if marker == self._marker:
            self.failures += 1
            self.resync()

    def _maybe_load(self) -> None:
        if not (self._marker_seen and self._snapshot is not None):
            return
        snapshot = self._snapshot
        self._end_marker()
        self._snapshot = None
        self.syncs += 1
        self._retry = self._first_retry
        gap = self.follower.load(snapshot)
        if self._on_sync is not None:
            self._on_sync(snapshot)
        if gap:
            self.resync()

    def _frame(self, frame: bytes) -> None:
        try:
            message = decode(frame)
        except MessageError:
            self.invalid += 1
            return
        topic = message.topic
        if topic.startswith("bus."):
            self._bus_message(message)
        elif self.follower.feed(message):
            self.resync()

    def _bus_message(self, message: Message) -> None:
        if message.topic == HEARTBEAT_TOPIC:
            self._expect_heartbeat()
            boot = message.data.get("boot")
            new_engine = self.boot is not None and boot != self.boot
            self.boot = boot if isinstance(boot, str) else None
            if new_engine or (self._marker is not None and not self._marker_seen):
                self.resync()  # a new engine's tree started empty / our subscription is live
        elif self._marker is not None and message.topic == SYNC_PREFIX + self._marker:
            self._marker_seen = True
            self._maybe_load()

    def _expect_heartbeat(self) -> None:
        if self._silence is not None and self._silence.active():
            self._silence.reset(self._heartbeat_timeout)
        else:
            self._silence = self._clock.callLater(self._heartbeat_timeout, self._silent)

    def _silent(self) -> None:
        self._silence = None
        _log.info("no bus heartbeat for {s} s; resyncing", s=self._heartbeat_timeout)
        self.resync()

    def status(self) -> dict[str, Any]:
        """For ``/v1/status``."""
        return {"endpoint": self.endpoint, "mask": self.mask, "synced": self.synced,
                "syncs": self.syncs, "gaps": self.follower.gaps,
                "overflows": self.follower.overflows, "invalid": self.invalid,
                "engine_boot": self.boot}
