"""The app's own files: the page with its Content-Security-Policy (the import map allowed by
hash, nothing from elsewhere), gzip when the browser accepts it, 304 for an unchanged file,
404 JSON for anything not shipped."""

import base64
import gzip
import hashlib
import re

from twisted.web.test.requesthelper import DummyRequest

from .harness import UIHarness


def test_the_page_carries_a_csp_that_allows_its_import_map_by_hash() -> None:
    """The CSP names the sha256 of the inline import map and no 'unsafe-inline' script."""
    ui = UIHarness()
    code, body, response = ui.request("GET", "/")
    assert code == 200 and b'type="importmap"' in body
    csp = response.headers.getRawHeaders(b"content-security-policy")[0].decode()
    inline = re.search(rb'<script type="importmap">(.*?)</script>', body, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(inline).digest()).decode()
    script_src = csp.split("script-src", 1)[1].split(";")[0]
    assert f"'sha256-{digest}'" in script_src and "unsafe-inline" not in script_src
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp


def test_files_are_gzipped_when_accepted_and_revalidate_with_an_etag() -> None:
    """gzip body that inflates to the file; the ETag gives 304 the second time. (Driven on a
    DummyRequest: treq's client would inflate the body and drop the header.)"""
    ui = UIHarness()
    plain_request = DummyRequest([b""])
    plain = ui.web._send(plain_request, "app/main.js")
    assert plain_request.responseHeaders.getRawHeaders(b"content-type")[0].startswith(
        b"text/javascript")
    request = DummyRequest([b""])
    request.requestHeaders.setRawHeaders(b"accept-encoding", [b"gzip, deflate, br"])
    packed = ui.web._send(request, "app/main.js")
    assert request.responseHeaders.getRawHeaders(b"content-encoding") == [b"gzip"]
    assert gzip.decompress(packed) == plain and len(packed) < len(plain)
    etag = request.responseHeaders.getRawHeaders(b"etag")[0]
    again = DummyRequest([b""])
    again.requestHeaders.setRawHeaders(b"if-none-match", [etag])
    assert ui.web._send(again, "app/main.js") == b"" and again.responseCode == 304


def test_unknown_or_escaping_paths_are_404() -> None:
    """Nothing outside the shipped files is served."""
    ui = UIHarness()
    for path in ("/static/nope.js", "/static/../app.py", "/static/%2e%2e/app.py"):
        code, _body, _ = ui.request("GET", path)
        assert code == 404, path


def test_the_manifest_names_the_wall_page_and_icons() -> None:
    """Installable: start_url is the wall page; icons include 192 and 512 px PNGs."""
    ui = UIHarness()
    code, manifest, _response = ui.request("GET", "/manifest.webmanifest")
    assert code == 200
    import json

    data = json.loads(manifest)
    assert data["start_url"] == "/#/wall" and data["display"] == "fullscreen"
    assert {i["sizes"] for i in data["icons"]} >= {"192x192", "512x512"}
