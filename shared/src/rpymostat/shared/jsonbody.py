"""Strict JSON decoding of request bodies: bytes in, Python value out, or a clear APIError."""

import json
from typing import Any

from .errors import BadRequest, PayloadTooLarge


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def decode_json(body: bytes, max_bytes: int) -> Any:
    """Decode ``body`` as UTF-8 JSON; NaN/Infinity, bad UTF-8 and absurd nesting are rejected.

    Raises PayloadTooLarge (413) past ``max_bytes`` and BadRequest (400) for anything that
    is not a JSON document.
    """
    if len(body) > max_bytes:
        raise PayloadTooLarge(f"request body is larger than {max_bytes} bytes")
    if not body.strip():
        raise BadRequest("request body is empty; a JSON document is required")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadRequest(f"request body is not UTF-8: {e.reason} at byte {e.start}") from None
    try:
        return _DECODER.decode(text)
    except RecursionError:
        raise BadRequest("request body is nested too deeply") from None
    except ValueError as e:
        raise BadRequest(f"request body is not valid JSON: {e}") from None


def encode_json(value: Any) -> bytes:
    """Encode a response value as compact UTF-8 JSON (NaN is a bug, so it raises)."""
    return json.dumps(value, separators=(",", ":"), allow_nan=False, ensure_ascii=False).encode()


def error_text(body: bytes) -> str:
    """The ``error`` of one of our JSON error bodies (else the start of the body), for logs."""
    try:
        return str(json.loads(body).get("error", ""))[:300]
    except (ValueError, AttributeError):
        return body[:120].decode("utf-8", "replace")
