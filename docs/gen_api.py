"""Render every daemon's OpenAPI document as Markdown (``make docs``): the engine's into
docs/api.md (as ``python -m rpymostat.engine.apidoc``), the sensor agent's, the relay agent's and
the simulated house's into docs/api-<daemon>.md. ``--check`` exits 1 naming the files that
differ from what would be written (a test runs it, so the references stay true)."""

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rpymostat.engine.apidoc import render
from rpymostat.engine.openapi import openapi_document
from rpymostat.engine.sim.openapi import house_openapi
from rpymostat.relay_agent.api import agent_openapi as relay_openapi
from rpymostat.sensor_agent.api import agent_openapi as sensor_openapi

DOCS = Path(__file__).resolve().parent
METRICS_NOTE = ("\n## Metrics\n\n`GET /metrics` (every daemon): Prometheus text format, see"
                " [the user guide](user-guide.md#with-prometheus-and-grafana). Outside `/v1`:"
                " the counters, not the API.\n")
AUTH_NOTE = ("Mutating calls need `Authorization: Bearer <site token>`; with"
             " RPYMOSTAT_AUTH=strict reads need it too, except /, /v1/status and"
             " /v1/openapi.json.")
DOCUMENTS: dict[str, Callable[[str], dict[str, Any]]] = {
    "api.md": openapi_document,
    "api-sensor-agent.md": sensor_openapi,
    "api-relay-agent.md": relay_openapi,
    "api-house.md": house_openapi,
}


def rendered() -> dict[Path, str]:
    """File -> the Markdown it should hold."""
    out = {}
    for name, document in DOCUMENTS.items():
        doc = document("v1")
        if name != "api.md":  # the agents' documents say nothing of auth: reads are open
            for item in doc["paths"].values():  # unless RPYMOSTAT_AUTH=strict
                for method, op in item.items():
                    if isinstance(op, dict) and method in ("get", "put", "post", "patch",
                                                           "delete"):
                        op.setdefault("security",
                                      [] if method == "get" else [{"bearer": []}])
            doc["info"].setdefault("description", AUTH_NOTE)
        text = render(doc)
        out[DOCS / name] = text if name == "api.md" else text.rstrip("\n") + "\n" + METRICS_NOTE
    return out


def main(argv: list[str]) -> int:
    """Write the files, or with ``--check`` compare them."""
    stale = []
    for path, text in rendered().items():
        if "--check" in argv:
            if not path.exists() or path.read_text() != text:
                stale.append(path.name)
        else:
            path.write_text(text)
    if stale:
        print(f"out of date (run make docs): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
