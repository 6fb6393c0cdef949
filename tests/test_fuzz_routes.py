"""hypothesis fuzzes the body (and path) of every route: never a 5xx, always JSON errors."""

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .helpers import EngineHarness
from .test_ingest import batch_like, json_values, update_like

ROUTES = [
    ("PUT", "/v1/sensors/update"),
    ("POST", "/v1/sensors/batch"),
    ("PATCH", "/v1/sensors/myhostid:1058F50F01080047"),
    ("DELETE", "/v1/sensors/myhostid:1058F50F01080047"),
    ("GET", "/v1/sensors"),
    ("GET", "/v1/sensors/myhostid:1058F50F01080047"),
    ("GET", "/v1/sensors/myhostid:1058F50F01080047/readings"),
    ("GET", "/v1/status"),
    ("GET", "/v1/openapi.json"),
    ("GET", "/"),
]
bodies = (
    update_like.map(lambda b: json.dumps(b).encode())
    | batch_like.map(lambda b: json.dumps(b).encode())
    | json_values.map(lambda b: json.dumps(b).encode())
    | st.binary(max_size=200)
)
FUZZ = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _check(code: int, body: Any) -> None:
    assert code < 500, body
    if code >= 400:
        assert body["status"] == "error" and isinstance(body["error"], str) and body["error"]


@FUZZ
@given(route=st.sampled_from(ROUTES), body=bodies)
def test_no_route_answers_5xx(route: tuple[str, str], body: bytes) -> None:
    """Every route, any body: a 2xx, or a 4xx JSON error — never a 5xx."""
    engine = EngineHarness()
    engine.request("PUT", "/v1/sensors/update", {"host_id": "myhostid", "sensors": {
        "1058F50F01080047": {"type": "DS18S20", "value": 20.0}}})
    code, answer = engine.request(route[0], route[1], raw=body)
    _check(code, answer)


@FUZZ
@given(segment=st.text(min_size=1, max_size=40).filter(lambda s: "/" not in s),
       query=st.dictionaries(st.sampled_from(["start", "end", "limit"]),
                             st.text(max_size=30), max_size=3))
def test_paths_and_queries_never_5xx(segment: str, query: dict[str, str]) -> None:
    """Arbitrary sensor ids and history query strings never produce a 5xx."""
    from urllib.parse import quote, urlencode

    engine = EngineHarness()
    sid = quote(segment, safe="")
    for path in (f"/v1/sensors/{sid}", f"/v1/sensors/{sid}/readings?{urlencode(query)}"):
        code, answer = engine.request("GET", path)
        _check(code, answer)
