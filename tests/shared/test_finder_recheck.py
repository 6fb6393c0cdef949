"""Issue 17: the RoleFinder (the sim plugins' house finder) does not give up either."""

from typing import Any

from twisted.internet.defer import Deferred, succeed
from twisted.internet.task import Clock

from rpymostat.shared.discovery.finder import RoleFinder

from ..test_sim_plugins import Browsers, house_advert


class Answers:
    """``check(url, id)``: a status body while ``self.ids[url] == id``, else None."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}

    def __call__(self, url: str, instance_id: str) -> Deferred[Any]:
        same = self.ids.get(url) == instance_id
        return succeed({"instance_id": instance_id} if same else None)


def steps(clock: Clock, seconds: float) -> None:
    for _ in range(int(seconds * 2)):
        clock.advance(0.5)


def test_a_pinned_house_is_kept_while_it_answers_then_lost_then_back() -> None:
    """Another house's advert replaces ours (same name): ours is kept while it answers at its
    address; when it stops answering it is lost; when it answers again it is back within one
    check, with no new advert."""
    clock, browsers, answers = Clock(), Browsers(), Answers()
    finder = RoleFinder(clock, "house", wanted="a", browser=browsers, check=answers)
    finder.start()
    ours = house_advert("house", "a")
    browsers.last.show(ours)
    assert finder.current == ours
    answers.ids[ours.url or ""] = "a"
    browsers.last.show(house_advert("house", "b"))
    steps(clock, 10)
    assert finder.current == ours and finder.state == "found"
    del answers.ids[ours.url or ""]
    steps(clock, 2)
    assert finder.current is None and finder.state == "lost"
    waiting: list[Any] = []
    finder.wait(30).addBoth(waiting.append)
    answers.ids[ours.url or ""] = "a"
    steps(clock, 2)
    assert finder.current == ours and waiting == [ours]
    assert getattr(browsers.last, "queries", 0) >= 2  # it asked the LAN afresh too
    result: list[Any] = []
    finder.stop().addBoth(result.append)
    assert not clock.getDelayedCalls()
