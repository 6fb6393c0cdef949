"""The web UI's service tree: what the page's banner is told about the engine, and that the
daemon builds its tree (listener, engine link, bus mirror) from the environment."""

from dataclasses import dataclass
from typing import Any

from rpymostat.webui.config import load_config
from rpymostat.webui.tap import build_service, engine_state


@dataclass
class _Locator:
    state: str

    def status(self) -> dict[str, Any]:
        return {"state": self.state, "message": f"engine {self.state}"}


@dataclass
class _Location:
    url: str = "http://engine:8088"


@dataclass
class _Link:
    locator: _Locator
    engine: _Location | None


@dataclass
class _Follower:
    synced: bool


def test_up_only_when_found_and_the_bus_copy_is_live() -> None:
    """found + synced → up; found, not synced → syncing; lost or searching → down."""
    cases = [("found", True, "up"), ("found", False, "syncing"), ("lost", True, "down"),
             ("searching", False, "down")]
    for located, synced, expected in cases:
        link = _Link(_Locator(located), _Location())
        state = engine_state(link, _Follower(synced))  # type: ignore[arg-type]
        assert state["engine"] == expected, (located, synced)
        assert state["url"] == "http://engine:8088"


def test_the_tree_has_a_listener_a_link_and_a_bus_mirror() -> None:
    """Built on a Clock-like reactor without starting anything: three children, the
    listener named 'api'."""
    config = load_config({"RPYMOSTAT_ENGINE_URL": "http://127.0.0.1:1",
                          "RPYMOSTAT_ADVERTISE": "off"})
    from twisted.internet import reactor

    top = build_service(config, reactor)
    names = [type(s).__name__ for s in top]
    assert top.getServiceNamed("api") is not None
    assert "EngineLink" in names and "BusMirror" in names
    assert not top.running
    for child in top:  # close the ZeroMQ contexts the tree created (nothing was started)
        factory = getattr(child, "_factory", None)
        if factory is not None:
            factory.shutdown()
