"""Keep Twisted's TLS stack out of an agent that talks only plain HTTP.

Whenever pyOpenSSL is installed (treq requires ``Twisted[tls]``, so it always is), importing
the reactor, ``twisted.web.client`` or ``twisted.internet.endpoints`` loads pyOpenSSL and
cryptography: ~12 MiB resident, a fifth of a sensor agent on a Pi Zero, for a daemon that on a
LAN talks plain HTTP to the engine. Each of those modules already has a path for an install
without pyOpenSSL. :func:`skip_tls_unless_needed` runs first in an agent's console script,
before anything imports Twisted, and, unless the agent's settings ask for TLS, makes
``import OpenSSL`` fail in this process so Twisted takes that path.

The agent's settings ask for TLS when ``RPYMOSTAT_TLS=on``, or with the default ``auto`` when
an ``RPYMOSTAT_*`` variable or a command-line argument names an ``https://`` URL or a TLS
listener (an ``ssl:`` endpoint). Without TLS an ``https://`` call fails with Twisted's "SSL
support unavailable" and is handled like any failed call. Nothing here imports Twisted.
"""

import importlib
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

TLS_VARIABLE = "RPYMOSTAT_TLS"
TLS_CHOICES = ("auto", "on")
_TLS_MODULE = "OpenSSL"  # pyOpenSSL: what Twisted's TLS support imports first


def parse_tls(value: str) -> str:
    """``auto`` or ``on`` (ValueError otherwise)."""
    choice = value.strip().lower()
    if choice not in TLS_CHOICES:
        raise ValueError(f"must be one of {', '.join(TLS_CHOICES)}")
    return choice


def _asks_for_tls(text: str) -> bool:
    lowered = text.lower()
    return "https://" in lowered or lowered.startswith(("ssl:", "tls:"))


def needs_tls(environ: Mapping[str, str], argv: Sequence[str]) -> bool:
    """Whether the settings in ``environ`` and the arguments ``argv`` ask for TLS."""
    if environ.get(TLS_VARIABLE, "auto").strip().lower() != "auto":
        return True  # "on", or a bad value the settings table will refuse with its message
    values = [v for k, v in environ.items() if k.startswith("RPYMOSTAT_")]
    return any(_asks_for_tls(text) for text in (*values, *argv))


def skip_tls_unless_needed(environ: Mapping[str, str], argv: Sequence[str],
                           modules: dict[str, object] | None = None) -> bool:
    """Unless TLS is needed (or already loaded), make ``import OpenSSL`` fail in this process.
    True when TLS was left out."""
    table: dict[str, Any] = sys.modules if modules is None else modules
    if needs_tls(environ, argv) or _TLS_MODULE in table:
        return False
    table[_TLS_MODULE] = None  # Python's documented way to make an import raise ImportError
    return True


def tls_note(modules: Mapping[str, object] | None = None) -> str | None:
    """What the daemon logs at start when TLS was left out (None when it was not)."""
    modules = sys.modules if modules is None else modules
    if modules.get(_TLS_MODULE, False) is not None:
        return None
    return (f"TLS support not loaded: no https:// URL or ssl: endpoint is configured"
            f" ({TLS_VARIABLE}=on loads it)")


def run_console(tap_module: str) -> None:
    """An agent's console script: settle TLS from the environment and arguments, then import
    ``tap_module`` (which imports Twisted) and run its ``main``."""
    skip_tls_unless_needed(os.environ, sys.argv[1:])
    importlib.import_module(tap_module).main()
