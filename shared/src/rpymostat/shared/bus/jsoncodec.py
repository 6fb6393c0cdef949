"""JSON for bus frames: orjson where it is installed (about ten times faster than the standard
library at these sizes; the hot path of every publisher, the engine and every subscriber), else
the standard library. orjson is a dependency except on armv6 (Pi Zero / Pi 1), where no wheel
exists and building it needs a Rust toolchain.

Either way non-finite numbers are refused when encoding, and invalid JSON raises ValueError.
"""

import json
from typing import Any

from ..jsonbody import orjson_dumps

try:
    import orjson
except ImportError:  # pragma: no cover - exercised on armv6 only
    orjson = None  # type: ignore[assignment]


if orjson is not None:
    def dumps(obj: Any) -> bytes:
        """Compact JSON bytes; ValueError for NaN/Infinity or what JSON cannot hold."""
        try:
            return orjson_dumps(obj)
        except TypeError as e:
            raise ValueError(str(e)) from None

    def loads(data: bytes) -> Any:
        """Parse JSON (ValueError when invalid)."""
        return orjson.loads(data)
else:  # pragma: no cover
    def dumps(obj: Any) -> bytes:
        """Compact JSON bytes; ValueError for NaN/Infinity."""
        try:
            return json.dumps(obj, separators=(",", ":"), allow_nan=False).encode()
        except TypeError as e:
            raise ValueError(str(e)) from None

    def loads(data: bytes) -> Any:
        """Parse JSON (ValueError when invalid)."""
        return json.loads(data)
