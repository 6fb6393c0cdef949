"""Strict JSON decoding of request bodies: bytes in, Python value out, or a clear APIError.

Both directions take orjson's path first where it is installed (four to eight times faster
at a sensor update's size, and on every request). A body orjson refuses is decoded again by
the standard library, so every error message is the standard library's, and so is every
verdict but two: orjson reads an integer past 64 bits as a float (every such number is out of
any range this API accepts, and is refused either way), and takes nesting 1,000 to 1,024 deep
(the standard library stops at about 1,000; the body size limit holds either way). Answers
the standard library could not write (a datetime, a non-string key) go to it, to be refused
or written as before.
"""

import json
import math
from typing import Any

from .errors import BadRequest, PayloadTooLarge

try:
    import orjson
except ImportError:  # pragma: no cover - exercised on armv6 only
    orjson = None  # type: ignore[assignment]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


# Types orjson would write but the standard library refuses (a bug to be caught as a 500).
_PASS_TO_STDLIB = (orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
                   if orjson is not None else 0)


def decode_json(body: bytes, max_bytes: int) -> Any:
    """Decode ``body`` as UTF-8 JSON; NaN/Infinity, bad UTF-8 and absurd nesting are rejected.

    Raises PayloadTooLarge (413) past ``max_bytes`` and BadRequest (400) for anything that
    is not a JSON document.
    """
    if len(body) > max_bytes:
        raise PayloadTooLarge(f"request body is larger than {max_bytes} bytes")
    if orjson is not None:
        try:
            return orjson.loads(body)
        except ValueError:
            pass  # the standard library's verdict and message
    return _decode_stdlib(body)


def _decode_stdlib(body: bytes) -> Any:
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
    """Encode a response value as compact UTF-8 JSON (NaN is a bug, so it raises ValueError)."""
    if orjson is not None:
        try:
            return orjson_dumps(value, _PASS_TO_STDLIB)
        except TypeError:
            pass  # a non-string key, a datetime, a named tuple: the standard library's way
    return json.dumps(value, separators=(",", ":"), allow_nan=False, ensure_ascii=False).encode()


def orjson_dumps(value: Any, option: int = 0) -> bytes:
    """orjson's compact bytes; TypeError for what it cannot write, ValueError for NaN or
    infinity (which orjson would write as null)."""
    out: bytes = orjson.dumps(value, option=option)
    if b"null" in out and not all_finite(value):
        raise ValueError("Out of range float values are not JSON compliant")
    return out


def all_finite(value: Any) -> bool:
    """False when a float in ``value`` (nested in dicts, lists, tuples) is NaN or infinite."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(all_finite(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(all_finite(v) for v in value)
    return True


def error_text(body: bytes) -> str:
    """The ``error`` of one of our JSON error bodies (else the start of the body), for logs."""
    try:
        return str(json.loads(body).get("error", ""))[:300]
    except (ValueError, AttributeError):
        return body[:120].decode("utf-8", "replace")
