"""Shared fixtures for the fast unit tests (no sockets, no threads)."""

import pytest

from .helpers import EngineHarness


@pytest.fixture
def engine() -> EngineHarness:
    """An engine API on a memory store and a task.Clock."""
    return EngineHarness()
