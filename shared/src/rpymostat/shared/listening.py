"""Facts about a daemon's listening endpoint, for advertising it."""

from typing import Any

from twisted.internet.defer import Deferred


def listening_port(listener: Any) -> Deferred[int]:
    """The TCP port a started ``strports.service`` listens on (known once it listens, which
    matters for ``tcp:0``). Uses the service's ``_waitingForPort`` (Twisted ≥ 10.2)."""
    result: Deferred[int] = Deferred()

    def tee(port: Any) -> Any:
        if port is None:  # listening failed; the service already logged why
            result.errback(RuntimeError("the listener is not listening"))
        else:
            result.callback(port.getHost().port)
        return port

    def failed(reason: Any) -> Any:
        if not result.called:
            result.errback(reason)
        return reason

    waiting = listener._waitingForPort
    if waiting is None:
        result.errback(RuntimeError("the listener has not started"))
    else:
        waiting.addCallbacks(tee, failed)
    return result


def listen_interface(description: str) -> str | None:
    """The ``interface=`` of a ``tcp:`` endpoint string, if any."""
    for part in description.split(":")[1:]:
        if part.startswith("interface="):
            return part[len("interface="):]
    return None
