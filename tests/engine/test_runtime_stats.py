"""GET /v1/stats/runtime (issue 20): on-time, cycles and degree-hours from recorded output
states and decisions, worked out by hand; 422s naming the parameter."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rpymostat.engine.history.stats import parse_stats_query, runtime_stats
from rpymostat.engine.store.events import DECISION, Event
from rpymostat.engine.store.resolution import to_millis
from rpymostat.shared.errors import Unprocessable

from ..helpers import EngineHarness

NOW = datetime(2026, 10, 25, 12, 30, tzinfo=UTC)


def _ms(dt: datetime) -> int:
    return to_millis(dt)


def test_on_time_cycles_and_degree_hours_by_hand() -> None:
    """Heat on 10:45-11:15 (across an hour boundary) and 12:00-now. Decisions 08:00 (1 °C
    below), 08:30 and 08:50 (0.5 °C above), 10:50 (1 °C below): every gap between them is
    longer than 15 minutes (the engine was down), so each counts 15 minutes."""
    intervals = [{"start": _ms(NOW.replace(hour=10, minute=45)),
                  "end": _ms(NOW.replace(hour=11, minute=15)), "open": False},
                 {"start": _ms(NOW.replace(hour=12, minute=0)), "end": _ms(NOW), "open": True}]
    d = [Event(DECISION, "house", NOW.replace(hour=h, minute=m), {"temperature": t,
                                                                   "target": 20.0})
         for h, m, t in [(8, 0, 19.0), (8, 30, 20.5), (8, 50, 20.5), (10, 50, 19.0)]]
    stats = runtime_stats("house", "day", NOW, {"pi2:heat": intervals}, d)
    assert (stats["start"], stats["bucket"], len(stats["buckets"])) == (
        "2026-10-24T13:00:00Z", "1h", 24)
    by_hour = {b["start"][11:13]: b for b in stats["buckets"] if b["start"] >= "2026-10-25"}
    assert by_hour["10"]["on_s"] == {"pi2:heat": 900.0} and by_hour["10"]["cycles"] == {
        "pi2:heat": 1}
    assert by_hour["11"]["on_s"] == {"pi2:heat": 900.0} and by_hour["11"]["cycles"] == {
        "pi2:heat": 0}
    assert by_hour["12"]["on_s"] == {"pi2:heat": 1800.0}
    assert by_hour["08"]["degree_hours_below"] == 0.25  # 08:00-08:15
    # 08:30-08:45 and 08:50-09:05, 0.5 °C above
    assert by_hour["08"]["degree_hours_above"] == pytest.approx(0.5 * 25 / 60, abs=1e-4)
    assert by_hour["09"]["degree_hours_above"] == pytest.approx(0.5 * 5 / 60, abs=1e-4)
    assert by_hour["10"]["degree_hours_below"] == pytest.approx(10 / 60, abs=1e-4)
    assert by_hour["11"]["degree_hours_below"] == pytest.approx(5 / 60, abs=1e-4)
    totals = stats["totals"]
    assert totals["on_s"] == {"pi2:heat": 3600.0} and totals["cycles"] == {"pi2:heat": 2}
    assert totals["cycles_per_day"] == {"pi2:heat": 2.0}
    assert totals["degree_hours_below"] == pytest.approx(0.5)


@given(st.dictionaries(st.sampled_from(["zone", "period", "x"]),
                       st.lists(st.text(max_size=10), min_size=1, max_size=2)))
def test_the_parser_accepts_or_refuses_with_422_only(args: dict[str, list[str]]) -> None:
    """Any parameters: a checked query or a 422."""
    try:
        q = parse_stats_query(args)
    except Unprocessable:
        return
    assert q.zone and q.period in ("day", "week", "month")


@pytest.mark.parametrize(("query", "fragment"), [
    ("", "zone is missing"), ("?zone=house&period=year", "period must be"),
    ("?zone=attic", "zone: no such zone 'attic'"), ("?zone=house&x=1", "unknown parameter")])
def test_bad_queries_are_422(query: str, fragment: str) -> None:
    """A bad or unknown parameter or zone: 422 naming it."""
    engine = EngineHarness(start=NOW.timestamp())
    engine.store.append_event(Event("target", "house", NOW - timedelta(hours=1),
                                    {"target": 20.0}))
    code, body = engine.request("GET", f"/v1/stats/runtime{query}")
    assert code == 422 and fragment in body["error"], body


def test_the_route_answers_for_a_zone_with_recorded_targets() -> None:
    """A zone known from its recorded targets answers, with no outputs."""
    engine = EngineHarness(start=NOW.timestamp())
    engine.store.append_event(Event("target", "house", NOW - timedelta(hours=1),
                                    {"target": 20.0}))
    engine.store.append_event(Event(DECISION, "house", NOW - timedelta(minutes=30),
                                    {"temperature": 19.0, "target": 20.0}))
    code, body = engine.request("GET", "/v1/stats/runtime?zone=house&period=week")
    assert code == 200, body
    stats: dict[str, Any] = body
    assert stats["bucket"] == "1d" and len(stats["buckets"]) == 7
    assert stats["totals"]["degree_hours_below"] == 0.25  # 15 minutes (capped), 1 °C
