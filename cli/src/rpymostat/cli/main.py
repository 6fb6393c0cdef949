"""``rpymostat``: the command line. ``rpymostat --help`` lists the commands."""

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rpymostat.shared.clitools import CLIError, add_engine_arguments, locate_engine, run

from . import commands
from .client import EngineClient
from .durations import iso_duration

PROG = "rpymostat"


def _duration(text: str) -> str:
    try:
        iso_duration(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return text


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(prog=PROG, description="Control an RPyMostat engine.")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--token-file", type=Path, default=os.environ.get("RPYMOSTAT_TOKEN_FILE"),
                   help="file holding the site token (default: $RPYMOSTAT_TOKEN, else "
                        "$RPYMOSTAT_TOKEN_FILE)")
    add_engine_arguments(p)
    p.add_argument("--url", dest="engine", help="same as --engine")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("status", help="every zone: temperature, target, mode, what it does")
    s = sub.add_parser("set", help="make it TARGET now (°C or a preset)")
    s.add_argument("zone")
    s.add_argument("target")
    s.add_argument("--for", dest="duration", type=_duration,
                   help="how long (90m, 2h, PT2H; default: until the next scheduled change)")
    n = sub.add_parser("nudge", help="DELTA °C warmer (or cooler, negative) than now")
    n.add_argument("zone")
    n.add_argument("delta", type=float)
    n.add_argument("--for", dest="duration", type=_duration)
    h = sub.add_parser("hold", help="hold TARGET until a time or for a while (an override)")
    h.add_argument("zone")
    h.add_argument("target")
    when = h.add_mutually_exclusive_group(required=True)
    when.add_argument("--until", help="end (ISO 8601 time, local to the zone)")
    when.add_argument("--for", dest="duration", type=_duration)
    r = sub.add_parser("resume", help="back to the schedule (adjustment, active overrides)")
    r.add_argument("zones", nargs="*")
    a = sub.add_parser("away", help="every zone (or those named) to its away preset")
    a.add_argument("zones", nargs="*")
    aw = a.add_mutually_exclusive_group()
    aw.add_argument("--until")
    aw.add_argument("--for", dest="duration", type=_duration)
    aw.add_argument("--off", action="store_true", help="back home: resume the schedule")
    sc = sub.add_parser("schedules", help="list the schedules")
    sc.add_argument("zones", nargs="*")
    t = sub.add_parser("tail", help="follow the status bus (one JSON line per update)")
    t.add_argument("mask", nargs="?", default="")
    t.add_argument("--count", type=int, default=0)
    return p


def read_token(args: argparse.Namespace, environ: Any = os.environ) -> str | None:
    """$RPYMOSTAT_TOKEN, else the token file, else None (reads need none unless strict)."""
    token = environ.get("RPYMOSTAT_TOKEN")
    if token:
        return str(token).strip()
    if args.token_file:
        try:
            return Path(args.token_file).read_text().strip() or None
        except OSError as e:
            raise CLIError(f"cannot read the token file: {e}") from None
    return None


COMMANDS = {"status": commands.status, "set": commands.set_target, "nudge": commands.nudge,
            "hold": commands.hold, "resume": commands.resume, "away": commands.away,
            "schedules": commands.schedules}


async def _main(reactor: Any, args: argparse.Namespace) -> None:
    token = read_token(args)
    location = await locate_engine(reactor, args)
    client = EngineClient(location.url, token)
    value, lines = await COMMANDS[args.command](client, args)
    if args.json:
        print(json.dumps(value, indent=2, sort_keys=True))
    else:
        print("\n".join(lines))


def main(argv: Sequence[str] | None = None) -> None:
    """Console script ``rpymostat``."""
    args = parser().parse_args(argv)
    if args.command == "tail":  # the bus follower of rpymostat-bus, with its options
        from rpymostat.shared import buscli

        extra = ["--wait", str(args.wait)] + (["--engine", args.engine] if args.engine else [])
        extra += ["--name", args.name] if args.name else []
        buscli.main(["tail", args.mask, "--count", str(args.count), *extra])
        return
    run(lambda reactor: _main(reactor, args), PROG)


if __name__ == "__main__":
    main()
    sys.exit(0)
