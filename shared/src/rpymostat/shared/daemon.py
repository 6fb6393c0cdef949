"""Run a daemon's service tree in the foreground: the console-script twin of ``twistd -n``.

``rpymostat-engine`` and ``twistd -n rpymostat-engine`` build the same service from the same
``tap.Options``/``tap.makeService``; this runner gives the console script one-line errors
(exit 2, naming the variable) instead of twistd's usage dump, logs to stdout at the configured
level, and stops the service tree cleanly on SIGINT/SIGTERM.
"""

import sys
from collections.abc import Callable, Sequence
from typing import IO, Protocol

from twisted.application.service import MultiService
from twisted.logger import (
    FilteringLogObserver,
    Logger,
    LogLevel,
    LogLevelFilterPredicate,
    globalLogBeginner,
    textFileLogObserver,
)
from twisted.python import usage

from .tlsgate import tls_note


class DaemonOptions(Protocol):
    """What a daemon's ``tap.Options`` provides beyond usage.Options."""

    log_level: LogLevel

    def parseOptions(self, options: Sequence[str] | None = None) -> None: ...


def start_logging(level: LogLevel, stream: IO[str] | None = None) -> None:
    """Send log events at ``level`` and above to stdout (or ``stream``)."""
    predicate = LogLevelFilterPredicate(defaultLogLevel=level)
    observer = FilteringLogObserver(textFileLogObserver(stream or sys.stdout), [predicate])
    globalLogBeginner.beginLoggingTo([observer], redirectStandardIO=False)


def run(
    name: str,
    options_factory: Callable[[], DaemonOptions],
    make_service: Callable[[DaemonOptions], MultiService],
    argv: Sequence[str] | None = None,
) -> None:
    """Parse options, build the service tree and run the reactor until a signal stops it."""
    options = options_factory()
    try:
        options.parseOptions(list(sys.argv[1:] if argv is None else argv))
    except usage.UsageError as e:
        print(f"{name}: error: {e}", file=sys.stderr)
        print(f"Run '{name} --help' for usage.", file=sys.stderr)
        raise SystemExit(2) from None
    start_logging(options.log_level)
    note = tls_note()
    if note is not None:
        Logger(namespace=name).debug(note)
    service = make_service(options)
    from twisted.internet import reactor

    failed: list[BaseException] = []

    def start() -> None:
        try:
            service.startService()
        except Exception as e:  # e.g. the listen port is taken
            Logger(namespace=name).failure("{name} could not start", name=name)
            failed.append(e)
            reactor.stop()  # type: ignore[attr-defined]

    reactor.callWhenRunning(start)  # type: ignore[attr-defined]
    reactor.addSystemEventTrigger(  # type: ignore[attr-defined]
        "before", "shutdown", service.stopService
    )
    reactor.run()  # type: ignore[attr-defined]
    if failed:
        print(f"{name}: error: could not start: {failed[0]}", file=sys.stderr)
        raise SystemExit(1)
