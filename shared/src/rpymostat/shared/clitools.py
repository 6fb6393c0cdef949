"""Shared plumbing of the command-line tools: find the engine (URL, or mDNS with a time limit)."""

import argparse
import os
import sys
from typing import Any

from twisted.internet import defer, task
from twisted.internet.defer import Deferred

from .discovery.locator import EngineLocation, EngineLocator


class CLIError(Exception):
    """A one-line error for the user (exit 1)."""


def add_engine_arguments(parser: argparse.ArgumentParser) -> None:
    """``--engine URL``, ``--name NAME``, ``--wait SECONDS``."""
    parser.add_argument("--engine", default=os.environ.get("RPYMOSTAT_ENGINE_URL"),
                        help="engine URL (default: $RPYMOSTAT_ENGINE_URL, else mDNS)")
    parser.add_argument("--name", default=os.environ.get("RPYMOSTAT_ENGINE_NAME"),
                        help="engine instance name when the LAN has several")
    parser.add_argument("--wait", type=float, default=3.0,
                        help="seconds to look for the engine on the LAN (default 3)")


@defer.inlineCallbacks
def locate_engine(reactor: Any, args: argparse.Namespace) -> Any:
    """The engine's location, or CLIError saying why not."""
    found: Deferred[EngineLocation | None] = Deferred()

    def changed(location: EngineLocation | None) -> None:
        if location is not None and not found.called:
            found.callback(location)

    locator = EngineLocator(reactor, changed, url=args.engine, wanted=args.name)
    locator.startService()
    found.addTimeout(args.wait, reactor)
    try:
        location = yield found
    except defer.TimeoutError:
        raise CLIError(f"no engine found: {locator.message}") from None
    finally:
        yield locator.stopService()
    return location


def run(main: Any, prog: str) -> None:
    """``task.react`` with one-line errors."""

    def guarded(reactor: Any) -> Deferred[Any]:
        d = defer.ensureDeferred(main(reactor))
        d.addErrback(_report, prog)
        return d

    task.react(guarded)


def _report(failure: Any, prog: str) -> None:
    if failure.check(CLIError):
        print(f"{prog}: error: {failure.value}", file=sys.stderr)
        raise SystemExit(1)
    failure.raiseException()
