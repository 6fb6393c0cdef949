"""Error answers are JSON on real sockets too (issue 23): the engine and the simulated house
as real processes, sent the raw requests of the unit table (wrong method, content type,
trailing slash, unknown path, HEAD, OPTIONS, over-long URL, bad percent-encoding...), answer
each with a typed JSON ``error`` and log no traceback; the house with a site token refuses a
switch without it."""

import json
import socket
from pathlib import Path

from tests.shared.test_json_errors_everywhere import CASES

from .processes import TOKEN, assert_clean_exit, engine
from .test_house import house


def raw_exchange(port: int, raw: bytes) -> tuple[int, bytes, bytes]:
    """Send ``raw`` on a fresh connection; (status, headers block, body) once it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(raw.replace(b"HTTP/1.1\r\n", b"HTTP/1.1\r\nConnection: close\r\n", 1))
        chunks = []
        while True:
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                break
            if not data:
                break
            chunks.append(data)
    answer = b"".join(chunks)
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), head.lower(), body


def check_table(port: int, token: str) -> None:
    for case, raw, codes in CASES:
        code, head, body = raw_exchange(port, raw.replace(b"TOKEN", token.encode()))
        assert code in codes, (case, code, body[:200])
        assert b"content-type: application/json" in head, (case, head)
        if not raw.startswith(b"HEAD"):
            if b"transfer-encoding: chunked" in head:
                body = body.split(b"\r\n", 1)[1].rsplit(b"\r\n0\r\n", 1)[0]
            assert json.loads(body)["error"], case


def test_engine_answers_every_error_in_json(tmp_path: Path) -> None:
    """The engine: every case of the table is a JSON error; no traceback in its log."""
    daemon = engine(tmp_path / "data", tmp_path / "engine.log").start()
    try:
        check_table(daemon.port, TOKEN)
        assert "Traceback" not in daemon.log()
    finally:
        assert_clean_exit(daemon)


def test_house_answers_every_error_in_json_and_needs_its_token(tmp_path: Path) -> None:
    """The house with RPYMOSTAT_TOKEN: the table's cases are JSON errors, a switch without
    the token is 401 and with it 200."""
    token = "house-token-0123456789abcdef"
    daemon = house(tmp_path, RPYMOSTAT_TOKEN=token, RPYMOSTAT_ADVERTISE="off").start()
    try:
        check_table(daemon.port, token)
        code, body = daemon.request("PUT", "/v1/zones/living/heat", {"state": "on"}, token=None)
        assert code == 401 and "token" in body["error"], body
        code, body = daemon.request("PUT", "/v1/zones/living/heat", {"state": "on"}, token=token)
        assert (code, body) == (200, {"state": "on"}), body
        assert "Traceback" not in daemon.log()
    finally:
        assert_clean_exit(daemon)
