"""Configuration from environment variables, declared once as a table.

Each daemon declares a tuple of :class:`Setting`; :func:`load` validates them all at start-up
(an invalid value raises :class:`ConfigError` naming the variable) and :func:`render_table`
prints the table with effective values for ``--show-config``. Nothing reads ``os.environ``
after start-up: the parsed values are passed into constructors.
"""

import math
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from twisted.internet.endpoints import serverFromString
from twisted.logger import LogLevel

from .tlsgate import TLS_VARIABLE, parse_tls


class ConfigError(ValueError):
    """An environment variable has an invalid value; the message names it."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, default, type (for docs), parser and meaning."""

    name: str
    default: str | None
    kind: str
    parse: Callable[[str], Any]
    description: str
    secret: bool = False


def load(settings: Iterable[Setting], environ: Mapping[str, str]) -> dict[str, Any]:
    """Parse every setting from ``environ`` (falling back to defaults); key = variable name.

    A variable that is unset and has no default maps to None.
    """
    values: dict[str, Any] = {}
    for setting in settings:
        raw = environ.get(setting.name, setting.default)
        if raw is None:
            values[setting.name] = None
            continue
        try:
            values[setting.name] = setting.parse(raw)
        except (ValueError, TypeError) as e:
            raise ConfigError(setting.name, f"invalid value {raw!r}: {e}") from None
    return values


def render_table(settings: Iterable[Setting], environ: Mapping[str, str]) -> str:
    """A plain-text table: variable, type, default, effective value, description."""
    rows = [("VARIABLE", "TYPE", "DEFAULT", "EFFECTIVE", "DESCRIPTION")]
    for s in settings:
        effective = environ.get(s.name, s.default)
        shown = "(unset)" if effective is None else effective
        if s.secret and effective is not None:
            shown = "(set, hidden)"
        rows.append((s.name, s.kind, "" if s.default is None else s.default, shown, s.description))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True))
        + "  " + row[4]
        for row in rows
    )


# -- parsers -----------------------------------------------------------------------------

def parse_endpoint(value: str) -> str:
    """A Twisted server endpoint string, e.g. ``tcp:8088:interface=0.0.0.0``."""
    try:
        serverFromString(object(), value)  # type: ignore[arg-type]  # only parses here
    except Exception as e:
        raise ValueError(f"not a Twisted endpoint string ({e})") from None
    return value


def parse_choice(*choices: str) -> Callable[[str], str]:
    """A parser that accepts one of ``choices`` (case-insensitive)."""

    def parse(value: str) -> str:
        v = value.strip().lower()
        if v not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return v

    return parse


def parse_positive_float(value: str) -> float:
    """A finite number greater than zero."""
    number = float(value)
    if not math.isfinite(number) or number <= 0:
        raise ValueError("must be a finite number > 0")
    return number


def parse_log_level(value: str) -> LogLevel:
    """debug, info, warn (warning), error or critical."""
    aliases = {"warning": "warn", "fatal": "critical"}
    name = aliases.get(value.strip().lower(), value.strip().lower())
    try:
        return LogLevel.levelWithName(name)
    except Exception:
        raise ValueError("must be one of debug, info, warn, error, critical") from None


def parse_zmq_endpoint(value: str) -> str:
    """A ZeroMQ endpoint to bind or connect: ``tcp://host:port`` (host may be ``*``) or
    ``ipc:///path``."""
    v = value.strip()
    if v.startswith("ipc://") and len(v) > len("ipc://"):
        return v
    if not v.startswith("tcp://"):
        raise ValueError("must be tcp://host:port (host may be *) or ipc:///path")
    host, sep, port = v[len("tcp://"):].rpartition(":")
    if not sep or not host or not (port.isascii() and port.isdigit()) \
            or not 0 <= int(port) <= 65535:
        raise ValueError("must be tcp://host:port with a port from 0 to 65535")
    return v


def parse_int_range(low: int, high: int) -> Callable[[str], int]:
    """A parser for an integer from ``low`` to ``high``."""

    def parse(value: str) -> int:
        v = value.strip()
        digits = v.removeprefix("-")
        if not (digits.isascii() and digits.isdigit()) or not low <= int(v) <= high:
            raise ValueError(f"must be an integer from {low} to {high}")
        return int(v)

    return parse


def parse_nonempty(value: str) -> str:
    """Any string that is not blank."""
    if not value.strip():
        raise ValueError("must not be empty")
    return value.strip()


def describe(settings: Iterable[Setting]) -> str:
    """One line per variable for ``--help``: name, default and meaning."""
    return "\n".join(
        f"  {s.name} (default {s.default if s.default is not None else 'unset'}): "
        f"{s.description}"
        for s in settings
    )


def parse_token(value: str) -> str:
    """The site token: at least 16 characters."""
    token = parse_nonempty(value)
    if len(token) < 16:
        raise ValueError("the site token must be at least 16 characters")
    return token


def default_data_dir() -> str:
    """``$XDG_DATA_HOME/rpymostat`` (``~/.local/share/rpymostat``)."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local",
                                                           "share")
    return os.path.join(base, "rpymostat")


def data_dir_setting(description: str) -> Setting:
    """``RPYMOSTAT_DATA_DIR``: each daemon says what it keeps there."""
    return Setting("RPYMOSTAT_DATA_DIR", default_data_dir(), "path", parse_nonempty, description)


def token_setting(description: str) -> Setting:
    """``RPYMOSTAT_TOKEN`` (secret: ``--show-config`` hides it)."""
    return Setting("RPYMOSTAT_TOKEN", None, "secret", parse_token, description, secret=True)


def tls_setting() -> Setting:
    """``RPYMOSTAT_TLS``: whether an agent loads Twisted's TLS support (see ``tlsgate``)."""
    return Setting(TLS_VARIABLE, "auto", "auto|on", parse_tls,
                   "load TLS support (~12 MiB): auto = only when a setting or argument names an"
                   " https:// URL or an ssl: endpoint; on = always")
