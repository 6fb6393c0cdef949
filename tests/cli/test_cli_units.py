"""The rpymostat CLI's pure parts: durations as people type them, the token sources, the
table layout, and the engine client's error messages (with a stubbed engine)."""

import argparse
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from treq.testing import StubTreq
from twisted.internet.defer import ensureDeferred
from twisted.web.resource import Resource

from rpymostat.cli.client import EngineClient
from rpymostat.cli.commands import table
from rpymostat.cli.durations import iso_duration
from rpymostat.cli.main import parser, read_token
from rpymostat.engine.schedule.timespec import parse_duration
from rpymostat.shared.clitools import CLIError

from ..helpers import result_of


@pytest.mark.parametrize(("text", "iso"), [
    ("90m", "PT90M"), ("2h", "PT2H"), ("1h30m", "PT1H30M"), ("3d", "P3D"),
    ("1d12h", "P1DT12H"), ("45s", "PT45S"), ("PT2H", "PT2H"), ("P1D", "P1D")])
def test_durations(text: str, iso: str) -> None:
    """Human and ISO 8601 durations become the ISO form the API takes."""
    assert iso_duration(text) == iso


@pytest.mark.parametrize("text", ["", "soon", "0m", "2x", "P", "PT", "-1h", "1.5h"])
def test_bad_durations(text: str) -> None:
    """Anything else is refused with a message naming the forms."""
    with pytest.raises(ValueError):
        iso_duration(text)


@given(st.integers(0, 30), st.integers(0, 48), st.integers(0, 600))
def test_durations_the_engine_reads_back(d: int, h: int, m: int) -> None:
    """Every duration the CLI produces is one the engine's parser accepts, same length."""
    text = (f"{d}d" if d else "") + (f"{h}h" if h else "") + (f"{m}m" if m else "")
    if not text:
        return
    assert parse_duration(iso_duration(text)).total_seconds() == d * 86400 + h * 3600 + m * 60


def test_token_sources(tmp_path: Path) -> None:
    """$RPYMOSTAT_TOKEN wins, else the file, else none; an unreadable file is an error."""
    args = argparse.Namespace(token_file=tmp_path / "token")
    (tmp_path / "token").write_text("from-file\n")
    assert read_token(args, {"RPYMOSTAT_TOKEN": "env"}) == "env"
    assert read_token(args, {}) == "from-file"
    assert read_token(argparse.Namespace(token_file=None), {}) is None
    with pytest.raises(CLIError):
        read_token(argparse.Namespace(token_file=tmp_path / "missing"), {})


def test_table_aligns_columns() -> None:
    """Columns line up whatever the widths."""
    assert table([["A", "BB"], ["ccc", "d"]]) == ["A    BB", "ccc  d"]


def test_hold_needs_an_end() -> None:
    """hold without --until or --for is a usage error."""
    with pytest.raises(SystemExit):
        parser().parse_args(["hold", "house", "20"])


class Answer(Resource):
    """An engine that answers every call with ``code`` and ``body``."""

    isLeaf = True

    def __init__(self, code: int, body: bytes) -> None:
        super().__init__()
        self.code, self.body = code, body

    def render(self, request):  # type: ignore[no-untyped-def,override]
        request.setResponseCode(self.code)
        request.setHeader(b"content-type", b"application/json")
        return self.body


def test_client_errors_carry_the_engines_message() -> None:
    """A 4xx is a CLIError with the engine's message; a 401 without a token says how to
    give one."""
    client = EngineClient("http://e", None, http=StubTreq(Answer(
        401, b'{"status":"error","error":"needs a token"}')))
    failures: list[Any] = []
    ensureDeferred(client.get("/v1/zones")).addErrback(failures.append)
    assert failures[0].check(CLIError) and "RPYMOSTAT_TOKEN" in str(failures[0].value)
    ok = EngineClient("http://e", "t", http=StubTreq(Answer(200, b'{"zones": []}')))
    assert result_of(ensureDeferred(
        ok.get("/v1/zones"))) == {"zones": []}
