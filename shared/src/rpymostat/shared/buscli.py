"""``rpymostat-bus``: watch the status bus.

``rpymostat-bus tail [MASK]`` prints each live update as one JSON line (after the snapshot
it starts from, with nothing missed or doubled); ``rpymostat-bus snapshot [MASK]`` prints the
current tree as JSON.
"""

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

import treq
from twisted.internet import defer
from twisted.internet.defer import Deferred

from .bus.message import Message
from .bus.service import snapshot_fetcher
from .bus.sockets import make_factory
from .bus.subscriber import BusFollower
from .bus.topics import TopicError, validate_mask
from .bus.tree import Snapshot
from .clitools import CLIError, add_engine_arguments, locate_engine, run

PROG = "rpymostat-bus"


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(prog=PROG, description="Watch the RPyMostat status bus.")
    sub = p.add_subparsers(dest="command", required=True)
    tail = sub.add_parser("tail", help="print live updates as JSON lines")
    tail.add_argument("mask", nargs="?", default="", help="topic prefix, e.g. sensor. or zone")
    tail.add_argument("--count", type=int, default=0, help="exit after this many updates")
    tail.add_argument("--snapshot", action="store_true",
                      help="print the starting snapshot first (one JSON line)")
    snap = sub.add_parser("snapshot", help="print the current tree as JSON")
    snap.add_argument("mask", nargs="?", default="")
    for command in (tail, snap):
        add_engine_arguments(command)
    return p


def message_json(message: Message) -> str:
    """One update as a JSON line."""
    return json.dumps({"topic": message.topic, "source": message.source, "seq": message.seq,
                       "ts": message.ts, "data": message.data}, separators=(",", ":"))


async def _snapshot(reactor: Any, args: argparse.Namespace) -> None:
    location = await locate_engine(reactor, args)
    response = await treq.get(location.url + "/v1/bus/snapshot", params={"mask": args.mask},
                              timeout=10)
    body = await response.json()
    if response.code != 200:
        raise CLIError(f"engine answered {response.code}: {body.get('error')}")
    print(json.dumps(body["tree"], indent=2, sort_keys=True))


async def _tail(reactor: Any, args: argparse.Namespace) -> None:
    location = await locate_engine(reactor, args)
    if location.bus_sub is None:
        raise CLIError("the engine does not say where its bus is")
    done: Deferred[None] = Deferred()
    printed = 0

    def update(message: Message) -> None:
        nonlocal printed
        print(message_json(message), flush=True)
        printed += 1
        if args.count and printed >= args.count and not done.called:
            done.callback(None)

    def synced(snapshot: Snapshot) -> None:
        if args.snapshot:
            print(json.dumps({"snapshot": snapshot.tree}, separators=(",", ":")), flush=True)
        print(f"{PROG}: following {location.bus_sub} (mask {args.mask!r})", file=sys.stderr)

    factory = make_factory(reactor)
    follower = BusFollower(factory, reactor, snapshot_fetcher(lambda: location.url),
                           mask=args.mask, on_update=update, on_sync=synced)
    follower.connect(location.bus_sub)
    try:
        await done
    finally:
        follower.disconnect()
        factory.shutdown()


def main(argv: Sequence[str] | None = None) -> None:
    """Console script ``rpymostat-bus``."""
    args = parser().parse_args(argv)
    try:
        validate_mask(args.mask)
    except TopicError as e:
        parser().error(f"mask: {e}")
    command = _tail if args.command == "tail" else _snapshot
    run(lambda reactor: defer.ensureDeferred(command(reactor, args)), PROG)


if __name__ == "__main__":
    main()
