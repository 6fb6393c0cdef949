"""Which of the advertised daemons of a role to follow (pure: no zeroconf import, so a daemon
given URLs never loads python-zeroconf)."""

from .records import ENGINE, Advert

ENGINE_HINT = "set RPYMOSTAT_ENGINE_NAME to one of them or RPYMOSTAT_ENGINE_URL"


def choose(adverts: list[Advert], wanted: str | None, *, what: str = ENGINE,
           hint: str = ENGINE_HINT) -> tuple[str, Advert | None, str]:
    """``(state, advert, message)`` from the daemons of one role seen (``what``: engine,
    house...) and the wanted name (or id); ``hint`` says how to pick among several.

    A daemon advertised without an address cannot be reached and is not a candidate.
    """
    adverts = [a for a in adverts if a.url is not None]
    if wanted:
        named = [a for a in adverts if wanted in (a.name, a.instance_id)]
        if len(named) == 1:
            return "found", named[0], f"found {what} {named[0].name!r}"
        seen = ", ".join(repr(a.name) for a in adverts) or "none"
        return "searching", None, f"looking for {what} {wanted!r} (seen: {seen})"
    if len(adverts) == 1:
        return "found", adverts[0], f"found {what} {adverts[0].name!r}"
    if not adverts:
        return "searching", None, f"looking for {_article(what)} {what} on the LAN (mDNS)"
    names = ", ".join(sorted(repr(a.name) for a in adverts))
    return "ambiguous", None, f"{len(adverts)} {what}s on the LAN ({names}); {hint}"


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
