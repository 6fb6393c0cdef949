"""Issue 17: ``make run``'s supervisor keeps the suite up when one daemon exits."""

from pathlib import Path

import pytest

from rpymostat.shared.suite import Member, Restarts, Suite


class FakeProc:
    """A child that runs until told it exited."""

    def __init__(self, code: int | None = None) -> None:
        self.returncode = code

    def poll(self) -> int | None:
        return self.returncode


class Now:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


# ``true`` is a real program that exits at once with code 0: a "daemon" that always dies
DIES = Member("true", "RPYMOSTAT_X_LISTEN", 1, "test daemon")
STAYS = Member("sleep", "RPYMOSTAT_Y_LISTEN", 2, "other daemon")


def suite_with(tmp_path: Path, dies: FakeProc) -> Suite:
    suite = Suite(tmp_path, "127.0.0.1", 0, {}, simulated=False)
    suite.children = [(STAYS, FakeProc()), (DIES, dies)]  # type: ignore[list-item]
    return suite


def test_an_exited_daemon_is_reported_and_restarted_with_back_off(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The other daemon is left alone; the one that exited is announced, restarted after 1 s,
    and (as it keeps dying at once) next after 2 s, then 4 s."""
    now = Now()
    suite = suite_with(tmp_path, FakeProc(3))
    restarts = Restarts(now)
    suite.supervise(restarts, restart=True)
    err = capsys.readouterr().err
    assert "true (test daemon) exited with code 3; the others keep running; restarting it" \
           " in 1 s" in err, err
    assert suite.children[1][1].poll() == 3  # not yet: the back-off first
    now.t += 1.0
    suite.supervise(restarts, restart=True)
    assert "true (test daemon) restarted" in capsys.readouterr().err
    proc = suite.children[1][1]
    assert proc.wait(10) == 0  # type: ignore[attr-defined]  # a real process this time
    delays = []
    for _ in range(2):
        suite.supervise(restarts, restart=True)
        err = capsys.readouterr().err
        delays.append(err.split("restarting it in ")[1].split(" s")[0])
        now.t += float(delays[-1])
        suite.supervise(restarts, restart=True)
        suite.children[1][1].wait(10)  # type: ignore[attr-defined]
    assert delays == ["2", "4"]
    assert isinstance(suite.children[0][1], FakeProc)  # the other one never touched


def test_with_no_restart_it_stays_stopped_and_the_others_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--no-restart: said once, never started again, the others kept."""
    now = Now()
    dead = FakeProc(1)
    suite = suite_with(tmp_path, dead)
    restarts = Restarts(now)
    for _ in range(5):
        suite.supervise(restarts, restart=False)
        now.t += 60
    err = capsys.readouterr().err
    assert err.count("exited with code 1") == 1 and "--no-restart" in err, err
    assert suite.children[1][1] is dead and suite.children[0][1].poll() is None


def test_a_stable_run_resets_the_back_off() -> None:
    """After a run of at least a minute the next restart is again after 1 s."""
    now = Now()
    r = Restarts(now)
    for expected in (1.0, 2.0, 4.0):
        assert r.exited(DIES, 1) == expected
        now.t += expected
        assert r.due(DIES)
        r.started(DIES)
    now.t += Restarts.STABLE_S
    assert r.exited(DIES, 1) == 1.0
