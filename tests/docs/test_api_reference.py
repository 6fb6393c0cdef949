"""docs/api*.md are exactly what ``make docs`` renders from every daemon's OpenAPI document
(the engine's, the sensor agent's, the relay agent's and the simulated house's)."""

import importlib.util
from pathlib import Path

GEN = Path(__file__).resolve().parents[2] / "docs" / "gen_api.py"


def test_references_are_up_to_date() -> None:
    """``docs/gen_api.py --check`` finds nothing stale."""
    spec = importlib.util.spec_from_file_location("gen_api", GEN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0
    assert {p.name for p in module.rendered()} == {
        "api.md", "api-sensor-agent.md", "api-relay-agent.md", "api-house.md"}
