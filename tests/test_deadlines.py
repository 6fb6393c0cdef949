"""One timer for the time limits of many store calls (shared.deadlines)."""

import pytest
from twisted.internet.defer import CancelledError, Deferred, TimeoutError
from twisted.internet.task import Clock

from rpymostat.shared.deadlines import Deadlines


def _outcome(d: Deferred[object]) -> list[object]:
    seen: list[object] = []
    d.addCallbacks(seen.append, lambda f: seen.append(f.type))
    return seen


def test_a_call_that_answers_in_time_is_left_alone() -> None:
    clock = Clock()
    deadlines = Deadlines(clock, 10.0)
    d: Deferred[object] = Deferred()
    seen = _outcome(deadlines.watch(d))
    clock.advance(3)
    d.callback("ok")
    clock.advance(30)
    assert seen == ["ok"]
    assert len(deadlines) == 0
    assert clock.getDelayedCalls() == []


def test_a_call_past_its_limit_is_cancelled_within_the_resolution() -> None:
    clock = Clock()
    deadlines = Deadlines(clock, 10.0, resolution=0.25)
    d: Deferred[object] = Deferred()
    seen = _outcome(deadlines.watch(d))
    clock.advance(10.0)
    assert seen == []
    clock.advance(0.25)
    assert seen == [TimeoutError]


def test_each_call_has_its_own_limit_on_one_timer() -> None:
    clock = Clock()
    deadlines = Deadlines(clock, 10.0, resolution=0.25)
    calls: list[Deferred[object]] = []
    outcomes = []
    for _ in range(5):  # one call a second
        d: Deferred[object] = Deferred()
        calls.append(d)
        outcomes.append(_outcome(deadlines.watch(d)))
        clock.advance(1)
    calls[1].callback("ok")
    assert len(clock.getDelayedCalls()) == 1
    clock.advance(6.25)  # t = 11.25: the first (started at 0) is past its limit, not the third
    assert outcomes[0] == [TimeoutError]
    assert outcomes[1] == ["ok"]
    assert outcomes[2] == []
    clock.advance(1.0)  # t = 12.25: the third (started at 2)
    assert outcomes[2] == [TimeoutError]
    assert outcomes[3] == []
    clock.advance(5)
    assert outcomes[3] == outcomes[4] == [TimeoutError]
    assert clock.getDelayedCalls() == []


@pytest.mark.parametrize("fired", ["ok", None])
def test_an_already_fired_call_is_not_watched(fired: object) -> None:
    clock = Clock()
    deadlines = Deadlines(clock, 10.0)
    d: Deferred[object] = Deferred()
    d.callback(fired)
    assert deadlines.watch(d) is d
    assert clock.getDelayedCalls() == []


def test_a_call_its_owner_cancels_stays_cancelled() -> None:
    """A client that goes away cancels its call: that is not a timeout (no 503 is logged)."""
    clock = Clock()
    deadlines = Deadlines(clock, 10.0)
    d: Deferred[object] = Deferred()
    seen = _outcome(deadlines.watch(d))
    clock.advance(1)
    d.cancel()
    clock.advance(20)
    assert seen == [CancelledError]
