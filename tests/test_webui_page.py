"""The web UI placeholder serves its own page at ``/`` (what is coming, and the link to
``make run``'s simulated house with the note that its time runs faster); other placeholder
daemons keep the generated info page."""

from treq.testing import StubTreq

from rpymostat.shared.infoapi import InfoAPI
from rpymostat.webui.tap import index_page

from .helpers import result_of


def get(api: InfoAPI, path: str) -> tuple[int, str, bytes]:
    treq = StubTreq(api.resource())
    response = result_of(treq.get(f"http://webui{path}"))
    body = result_of(response.content())
    return response.code, response.headers.getRawHeaders(b"content-type")[0].decode(), body


def test_the_shipped_page_links_the_house_and_says_time_runs_faster() -> None:
    page = index_page().decode()
    assert 'id="house"' in page and "8093" in page
    assert "faster than real time" in page
    assert 'href="/v1/status"' in page


def test_a_daemon_with_a_page_serves_it_at_the_root() -> None:
    code, kind, body = get(InfoAPI("RPyMostat web UI", "1.0", page=index_page()), "/")
    assert code == 200 and kind.startswith("text/html")
    assert body == index_page()


def test_without_a_page_the_root_is_the_generated_info_page() -> None:
    code, kind, body = get(InfoAPI("RPyMostat relay agent", "1.0"), "/")
    assert code == 200 and kind.startswith("text/html")
    assert b"<h1>RPyMostat relay agent</h1>" in body and b"Version 1.0" in body
