"""What the engine's API needs of the bus; ``BusHub`` is the real one, ``MemoryBus`` the fake."""

from typing import Any, Protocol

from twisted.internet.defer import Deferred

from .message import Message
from .tree import Snapshot


class StatusBus(Protocol):
    """Publish the engine's updates; read the tree and the latest log records."""

    def publish(self, topic: str, data: dict[str, Any]) -> Message:
        """Stamp and send one of the engine's own updates."""

    def snapshot(self, mask: str = "") -> Snapshot:
        """The tree under ``mask`` now."""

    def synced_snapshot(self, mask: str, marker: str, timeout: float) -> Deferred[Snapshot]:
        """The tree under ``mask`` when marker ``bus.sync.<marker>`` passed (see ``hub``)."""

    def recent_logs(self, service: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """The latest ``log.*`` records, oldest first."""
