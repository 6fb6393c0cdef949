"""Durations as people type them (``90m``, ``2h``, ``1h30m``, ``3d``) or ISO 8601 (``PT2H``),
turned into the ISO 8601 form the engine's API takes."""

import re

_HUMAN = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_ISO = re.compile(r"P(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+S)?)?")


def iso_duration(text: str) -> str:
    """``2h`` -> ``PT2H``; an ISO 8601 duration passes unchanged; anything else ValueError."""
    t = text.strip()
    if _ISO.fullmatch(t) and t not in ("P", "PT") and not t.endswith("T"):
        return t
    m = _HUMAN.fullmatch(t.lower())
    if not t or m is None or not any(m.groups()):
        raise ValueError(f"{text!r} is not a duration (use e.g. 90m, 2h, 1h30m, 3d or PT2H)")
    d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    if d + h + mi + s == 0:
        raise ValueError("the duration must be longer than zero")
    time = "".join(f"{v}{u}" for v, u in ((h, "H"), (mi, "M"), (s, "S")) if v)
    return "P" + (f"{d}D" if d else "") + (f"T{time}" if time else "")
