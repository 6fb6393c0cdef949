"""Storage: one interface (:class:`Store`), backends SQLite (default), MongoDB and memory."""

from .base import Store, StoreUnavailable

__all__ = ["Store", "StoreUnavailable"]
