"""Fixtures for acceptance tests: real processes on free ports, always stopped afterwards."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from .mongo_double import MongoWireDouble
from .processes import Daemon, engine


@pytest.fixture
def engine_factory(tmp_path: Path) -> Iterator:
    """Make (and afterwards stop) engine processes sharing one data dir."""
    started: list[Daemon] = []

    def make(port: int | None = None, **extra: str) -> Daemon:
        daemon = engine(tmp_path / "data", tmp_path / f"engine{len(started)}.log", port, **extra)
        started.append(daemon)
        return daemon

    yield make
    for daemon in started:
        if daemon.proc is not None:
            daemon.stop()


@pytest.fixture
def running_engine(engine_factory) -> Daemon:
    """One started engine on SQLite in a temporary data dir."""
    return engine_factory().start()


@pytest.fixture
def double() -> Iterator[MongoWireDouble]:
    """A fresh MongoDB wire-protocol double (mongomock behind a socket) for each test."""
    d = MongoWireDouble()
    d.start()
    yield d
    d.stop()
