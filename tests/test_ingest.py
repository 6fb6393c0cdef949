"""Validation of ingest bodies: every problem is a 422 naming the field; good bodies parse."""

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rpymostat.engine.ingest import parse_batch, parse_update
from rpymostat.shared.errors import APIError, Unprocessable

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
GOOD = {"type": "DS18B20", "value": 21.5}


def _error(body: Any, parser: Any = parse_update) -> str:
    with pytest.raises(Unprocessable) as info:
        parser(body, NOW)
    return info.value.message


UPDATE_ERRORS = [
    ({"sensors": {"a": GOOD}}, "host_id field is missing"),
    ({"host_id": 5, "sensors": {"a": GOOD}}, "host_id must be a string"),
    ({"host_id": "h" * 65, "sensors": {"a": GOOD}}, "host_id is too long (65 > 64 characters)"),
    ({"host_id": "a:b", "sensors": {"a": GOOD}}, "host_id 'a:b' is not a valid id"),
    ({"host_id": "h"}, "sensors field is missing"),
    ({"host_id": "h", "sensors": []}, "sensors must be a JSON object"),
    ({"host_id": "h", "sensors": {}}, "sensors must not be empty"),
    ({"host_id": "h", "sensors": {"a": {"type": "x"}}}, "sensors['a'].value is missing"),
    ({"host_id": "h", "sensors": {"a": {"type": "x", "value": "21"}}},
     "sensors['a'].value must be a number"),
    ({"host_id": "h", "sensors": {"a": {"type": "x", "value": True}}},
     "sensors['a'].value must be a number"),
    ({"host_id": "h", "sensors": {"a": {"type": "x", "value": 1e308}}},
     "sensors['a'].value 1e+308 is outside the plausible range"),
    ({"host_id": "h", "sensors": {"a": {"value": 20}}}, "sensors['a'].type is missing"),
    ({"host_id": "h", "sensors": {"a": {"type": "x", "value": 20, "alias": 1}}},
     "sensors['a'].alias must be a string"),
    ({"host_id": "h", "sensors": {"a": {"type": "x", "value": 20, "extra": "e" * 1025}}},
     "sensors['a'].extra is too long"),
    ({"host_id": "h", "sensors": {"a": {"type": "x", "value": 20, "unit": "F"}}},
     "sensors['a'] has unknown field(s): unit"),
    ({"host_id": "h", "sensors": {"a b": GOOD}}, "is not a valid id"),
    ({"host_id": "h", "sensors": {"a": GOOD}, "more": 1},
     "the request body has unknown field(s): more"),
    ([], "the request body must be a JSON object"),
]


@pytest.mark.parametrize(("body", "message"), UPDATE_ERRORS)
def test_update_errors_name_the_field(body: Any, message: str) -> None:
    """Each schema error of PUT /v1/sensors/update names what is wrong."""
    assert message in _error(body)


def test_update_parses_seed_payload() -> None:
    """The seed's payload parses into one reading stamped now; null values are allowed."""
    readings = parse_update({"host_id": "myhostid", "sensors": {
        "1058F50F01080047": {"type": "DS18S20", "value": 24.3125, "alias": "a", "extra": "e"},
        "28-0000": {"type": "DS18B20", "value": None}}}, NOW)
    assert [(r.key, r.value, r.timestamp) for r in readings] == [
        ("myhostid:1058F50F01080047", 24.3125, NOW), ("myhostid:28-0000", None, NOW)]


@pytest.mark.parametrize(("reading", "message"), [
    ({"timestamp": "2026-11-21T11:00:00Z", **GOOD}, "readings[0].sensor_id is missing"),
    ({"sensor_id": "s", **GOOD}, "readings[0].timestamp is missing"),
    ({"sensor_id": "s", "timestamp": "noon", **GOOD}, "readings[0].timestamp 'noon' is not"),
    ({"sensor_id": "s", "timestamp": "2026-11-21T11:00:00", **GOOD},
     "readings[0].timestamp must include a UTC offset"),
    ({"sensor_id": "s", "timestamp": "1999-12-31T23:59:59Z", **GOOD},
     "readings[0].timestamp is before 2000-01-01"),
    ({"sensor_id": "s", "timestamp": 1700000000, **GOOD},
     "readings[0].timestamp must be an ISO 8601 string"),
])
def test_batch_errors_name_the_field(reading: dict, message: str) -> None:
    """Each schema error of POST /v1/sensors/batch names the reading and field."""
    assert message in _error({"host_id": "h", "readings": [reading]}, parse_batch)


def test_batch_keeps_offsets_as_utc() -> None:
    """A timestamp with an offset is converted to UTC."""
    [r] = parse_batch({"host_id": "h", "readings": [
        {"sensor_id": "s", "timestamp": "2026-11-21T12:30:00+01:00", **GOOD}]}, NOW)
    assert r.timestamp == datetime(2026, 11, 21, 11, 30, tzinfo=UTC)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=70),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=70), children, max_size=4),
    max_leaves=20,
)
sensor_like = st.fixed_dictionaries({}, optional={
    "type": json_values, "value": json_values, "alias": json_values, "extra": json_values})
update_like = st.fixed_dictionaries({}, optional={
    "host_id": json_values | st.text(max_size=70),
    "sensors": st.dictionaries(st.text(max_size=70), sensor_like | json_values, max_size=3)
    | json_values,
})


@given(update_like | json_values)
def test_update_parser_only_raises_api_errors(body: Any) -> None:
    """Whatever the JSON, parse_update returns readings or raises a 4xx APIError."""
    try:
        readings = parse_update(body, NOW)
    except APIError as e:
        assert 400 <= e.code < 500
    else:
        assert readings and all(r.timestamp == NOW for r in readings)


batch_like = st.fixed_dictionaries({}, optional={
    "host_id": json_values,
    "readings": st.lists(st.fixed_dictionaries({}, optional={
        "sensor_id": json_values, "timestamp": json_values | st.datetimes().map(str),
        "type": json_values, "value": json_values}), max_size=3) | json_values,
})


@given(batch_like | json_values)
def test_batch_parser_only_raises_api_errors(body: Any) -> None:
    """Whatever the JSON, parse_batch returns readings or raises a 4xx APIError."""
    try:
        parse_batch(body, NOW)
    except APIError as e:
        assert 400 <= e.code < 500
