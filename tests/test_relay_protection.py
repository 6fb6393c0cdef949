"""Relay protections (issue 5, first increment): min on/off, starts per hour, interlock."""

from hypothesis import given, settings
from hypothesis import strategies as st

from rpymostat.relay_agent.protection import COMPRESSOR, Guard, OutputState, Protection

T0 = 1_000_000.0


def guard(cool_waits: bool = True) -> Guard:
    return Guard({
        "heat": OutputState(False, Protection(min_on=120, min_off=60, max_starts_per_hour=4)),
        "cool": OutputState(False, COMPRESSOR, last_change=T0 if cool_waits else None),
        "fan": OutputState(False, Protection()),
    }, interlocks=[("heat", "cool")])


def test_min_off_min_on_and_the_time_until_allowed() -> None:
    g = guard()
    assert g.apply("heat", True, T0).allowed  # no transition known: no timer runs
    early = g.apply("heat", False, T0 + 100)
    assert (early.allowed, early.reason, early.retry_after) == (False, "minimum on time 120 s",
                                                                20)
    assert not g.check("heat", False, T0 + 119.5).allowed
    assert g.apply("heat", False, T0 + 120).allowed
    again = g.check("heat", True, T0 + 150)
    assert (again.allowed, again.retry_after) == (False, 30)
    assert not g.check("heat", True, T0 + 179.5).allowed
    assert g.check("heat", True, T0 + 180).allowed


def test_only_the_compressor_waits_its_min_off_at_start() -> None:
    g = guard()
    assert g.check("fan", True, T0).allowed
    v = g.check("cool", True, T0 + 10)
    assert not v.allowed and v.retry_after == 290 and v.reason == "minimum off time 300 s"
    assert guard(cool_waits=False).check("cool", True, T0 + 10).allowed


def test_starts_per_hour() -> None:
    g = guard()
    t = T0
    for _ in range(4):
        assert g.apply("heat", True, t).allowed
        assert g.apply("heat", False, t + 120).allowed
        t += 180
    v = g.check("heat", True, t)
    assert not v.allowed and v.reason == "at most 4 starts per hour"
    assert v.retry_after == T0 + 3600 - t
    assert g.check("heat", True, T0 + 3600).allowed


def test_interlock_refuses_heat_and_cool_together_and_says_waiting_will_not_help() -> None:
    g = guard(cool_waits=False)
    assert g.apply("cool", True, T0).allowed
    v = g.check("heat", True, T0 + 1000)
    assert not v.allowed and v.retry_after is None and "interlocked with cool" in v.reason
    assert g.check("fan", True, T0).allowed


def test_the_safe_state_overrides_timers_and_is_recorded() -> None:
    g = guard()
    g.apply("heat", True, T0)
    g.force("heat", False, T0 + 5)  # min on is 120 s: overridden
    assert not g.outputs["heat"].on
    assert g.check("heat", True, T0 + 30).retry_after == 35  # min off timed from the force


@settings(max_examples=200)
@given(st.lists(st.tuples(st.sampled_from(["heat", "cool", "fan"]), st.booleans(),
                          st.one_of(st.integers(0, 400).map(float), st.floats(0, 400))),
                max_size=60))
def test_no_command_sequence_breaks_a_protection(commands: list[tuple[str, bool, float]]
                                                 ) -> None:
    g = guard()
    now = T0
    history: dict[str, list[tuple[float, bool]]] = {o: [] for o in g.outputs}
    for output, on, wait in commands:
        now += wait
        was = g.outputs[output].on
        if g.apply(output, on, now).allowed and was != on:
            history[output].append((now, on))
        assert not (g.outputs["heat"].on and g.outputs["cool"].on)
    for output, changes in history.items():
        p = g.outputs[output].protection
        previous = T0 if output == "cool" else None
        starts: list[float] = []
        for at, on in changes:
            if previous is not None:
                assert at - previous >= (p.min_off if on else p.min_on)
            if on:
                starts.append(at)
                if p.max_starts_per_hour:
                    assert len([s for s in starts if s > at - 3600]) <= p.max_starts_per_hour
            previous = at
