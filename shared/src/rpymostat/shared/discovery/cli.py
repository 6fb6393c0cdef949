"""``rpymostat-discover``: list the RPyMostat daemons advertised on the LAN."""

import argparse
import json
from collections.abc import Sequence
from typing import Any

from twisted.internet import task

from ..clitools import run
from .browse import Browser
from .records import Advert

PROG = "rpymostat-discover"


def table(adverts: list[Advert]) -> str:
    """One line per daemon: role, name, address:port, version, id."""
    rows = [("ROLE", "NAME", "ADDRESS", "VERSION", "ID")]
    for a in sorted(adverts, key=lambda a: (a.role != "engine", a.role, a.name)):
        addresses = ", ".join(f"{ip}:{a.port}" for ip in a.addresses) or f"?:{a.port}"
        rows.append((a.role or "?", a.name, addresses, a.version, a.instance_id[:12]))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=True))
                     + "  " + r[4] for r in rows)


async def _discover(reactor: Any, args: argparse.Namespace) -> None:
    browser = Browser(reactor, lambda: None)
    await browser.start()
    await task.deferLater(reactor, args.wait, lambda: None)
    await browser.stop()
    adverts = list(browser.seen.values())
    if args.json:
        print(json.dumps([a.to_json() for a in adverts], indent=2))
    elif adverts:
        print(table(adverts))
    else:
        print("nothing found (is multicast blocked, or are the daemons run with "
              "RPYMOSTAT_ADVERTISE=off?)")


def main(argv: Sequence[str] | None = None) -> None:
    """Console script ``rpymostat-discover``."""
    p = argparse.ArgumentParser(prog=PROG, description="List RPyMostat daemons on the LAN.")
    p.add_argument("--wait", type=float, default=2.0, help="seconds to listen (default 2)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = p.parse_args(argv)
    run(lambda reactor: _discover(reactor, args), PROG)


if __name__ == "__main__":
    main()
