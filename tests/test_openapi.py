"""The OpenAPI document matches the routes, and its schemas accept and refuse what we do."""

import json
import re
from datetime import UTC, datetime

import jsonschema
import pytest

from rpymostat.engine import __version__
from rpymostat.engine.api import EngineAPI
from rpymostat.engine.ingest import parse_update
from rpymostat.engine.openapi import openapi_document
from rpymostat.engine.zones.api import ZoneAPI
from rpymostat.shared.errors import Unprocessable

from .helpers import SEED_EXAMPLE, EngineHarness
from .test_ingest import UPDATE_ERRORS

DOC = openapi_document(__version__)


def _routes() -> set[tuple[str, str]]:
    """The engine's routes, with the zone API's (mounted under /v1/zones/) in their place."""
    routes = set()
    mounted = [(EngineAPI.app, ""), (ZoneAPI.app, "/v1/zones")]
    for app, prefix in mounted:
        for rule in app.url_map.iter_rules():
            if rule.rule.startswith("/v1/zones/") and app is EngineAPI.app:
                continue  # the branch that mounts the zone API
            path = prefix + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            for method in rule.methods or ():
                if method not in ("HEAD", "OPTIONS"):
                    routes.add((method.lower(), path))
    return routes


def _documented() -> set[tuple[str, str]]:
    return {(m, p) for p, item in DOC["paths"].items() for m in item if m != "parameters"}


def test_every_route_is_documented_and_every_documented_path_routed() -> None:
    """The Klein routes and the document's paths/methods are the same set."""
    assert _routes() == _documented()


def test_served_document_is_this_document() -> None:
    """GET /v1/openapi.json serves the document."""
    assert EngineHarness().request("GET", "/v1/openapi.json")[1] == json.loads(json.dumps(DOC))


def _validator(name: str) -> jsonschema.Draft202012Validator:
    schema = {"$ref": f"#/components/schemas/{name}", "components": DOC["components"]}
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_update_schema_accepts_the_seed_example() -> None:
    """The documented request schema accepts the seed's example payload."""
    _validator("SensorUpdate").validate(SEED_EXAMPLE)


@pytest.mark.parametrize("case", [body for body, _message in UPDATE_ERRORS])
def test_update_schema_refuses_what_the_parser_refuses(case: object) -> None:
    """Every body our parser refuses with 422 is also invalid under the documented schema."""
    with pytest.raises(Unprocessable):
        parse_update(case, datetime(2026, 11, 21, tzinfo=UTC))
    assert not _validator("SensorUpdate").is_valid(case)


def test_docs_api_md_is_generated_from_the_document() -> None:
    """docs/api.md is exactly what `make docs` renders (regenerate it after API changes)."""
    from pathlib import Path

    from rpymostat.engine.apidoc import render

    committed = (Path(__file__).resolve().parent.parent / "docs" / "api.md").read_text()
    assert committed == render(openapi_document("v1")), "run `make docs`"
