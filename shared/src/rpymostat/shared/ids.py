"""The id rule shared by the engine and the agents: host, sensor, output and zone ids."""

import re

ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]{0,63}")
ID_RULE = "1-64 characters from A-Z a-z 0-9 . _ ~ -, starting with a letter or digit"


def is_valid_id(value: str) -> bool:
    """True when ``value`` follows :data:`ID_RULE` (safe in URLs, no ':')."""
    return ID_PATTERN.fullmatch(value) is not None


def parse_id(value: str) -> str:
    """``value`` when it follows :data:`ID_RULE`; ValueError naming the rule otherwise."""
    if not is_valid_id(value):
        raise ValueError(f"not a valid id ({ID_RULE})")
    return value
