"""Who may use the web UI: LAN-trusted without a password (CSRF token still required for
changes); with one, a login sets an HttpOnly SameSite=Strict session cookie, every API call
needs it, changes need the session's CSRF token, and failed logins are rate-limited."""

import contextlib

from hypothesis import given, settings
from hypothesis import strategies as st

from rpymostat.webui.passwords import hash_password, parse_password
from rpymostat.webui.sessions import FAILURE_WINDOW_S, MAX_FAILURES

from ..helpers import SEED_EXAMPLE, EngineHarness
from .harness import UIHarness

FAST = {"n": 2**4, "r": 1, "p": 1}  # cheap scrypt parameters for tests
PASSWORD = "correct horse battery"


def locked() -> UIHarness:
    return UIHarness(engine=EngineHarness(), password=hash_password(PASSWORD, **FAST))


def test_lan_mode_reads_freely_and_changes_need_the_csrf_token() -> None:
    """No password: GET works without a cookie; a PUT without X-CSRF-Token is 403 and never
    reaches the engine; with it, it goes through."""
    ui = UIHarness(engine=EngineHarness())
    session = ui.request("GET", "/ui/session")[1]
    assert session["auth"] == "lan" and session["logged_in"] and session["csrf"]
    code, body, _ = ui.request("PUT", "/api/v1/sensors/update", SEED_EXAMPLE)
    assert code == 403 and "CSRF" in body["error"] and ui.proxy.calls == 0
    code, _, _ = ui.request("PUT", "/api/v1/sensors/update", SEED_EXAMPLE,
                            headers={"X-CSRF-Token": "wrong"})
    assert code == 403
    code, _, _ = ui.request("PUT", "/api/v1/sensors/update", SEED_EXAMPLE,
                            headers={"X-CSRF-Token": session["csrf"]})
    assert code == 201


def test_with_a_password_nothing_but_the_login_is_open() -> None:
    """Before login: /api and the event stream are 401; the session says so."""
    ui = locked()
    assert ui.request("GET", "/ui/session")[1] == {
        "auth": "password", "logged_in": False, "csrf": None, "version": "9.9"}
    for path in ("/api/v1/sensors", "/ui/events"):
        code, body, _ = ui.request("GET", path)
        assert code == 401 and body["error"] == "log in first", path
    assert ui.proxy.calls == 0


def test_login_sets_a_strict_httponly_cookie_and_gives_a_csrf_token() -> None:
    """The right password: cookie HttpOnly, SameSite=Strict, Path=/; then reads work and a
    change needs this session's CSRF token."""
    ui = locked()
    code, body, response = ui.request("POST", "/ui/login", {"password": PASSWORD})
    assert code == 200 and body["logged_in"] and body["csrf"]
    cookie = response.headers.getRawHeaders(b"set-cookie")[0].decode().lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    assert ui.request("GET", "/api/v1/sensors")[0] == 200
    assert ui.request("PUT", "/api/v1/sensors/update", SEED_EXAMPLE)[0] == 403
    assert ui.request("PUT", "/api/v1/sensors/update", SEED_EXAMPLE,
                      headers={"X-CSRF-Token": body["csrf"]})[0] == 201


def test_another_browsers_csrf_token_is_refused() -> None:
    """The LAN token or a second session's token does not open the first session."""
    ui, other = locked(), locked()
    ui.request("POST", "/ui/login", {"password": PASSWORD})
    assert ui.request("PUT", "/api/v1/sensors/update", SEED_EXAMPLE,
                      headers={"X-CSRF-Token": other.sessions.lan_csrf})[0] == 403


def test_logout_ends_the_session() -> None:
    """After logout the cookie no longer opens the API."""
    ui = locked()
    csrf = ui.request("POST", "/ui/login", {"password": PASSWORD})[1]["csrf"]
    assert ui.request("POST", "/ui/logout", headers={"X-CSRF-Token": csrf})[0] == 200
    assert ui.request("GET", "/api/v1/sensors")[0] == 401


def test_failed_logins_are_rate_limited_per_address() -> None:
    """MAX_FAILURES wrong passwords, then even the right one gets 429 with Retry-After until
    the window has passed."""
    ui = locked()
    for _ in range(MAX_FAILURES):
        assert ui.request("POST", "/ui/login", {"password": "wrong password"})[0] == 401
    code, body, response = ui.request("POST", "/ui/login", {"password": PASSWORD})
    assert code == 429 and "too many" in body["error"]
    assert int(response.headers.getRawHeaders(b"retry-after")[0]) > 0
    ui.clock.advance(FAILURE_WINDOW_S + 1)
    assert ui.request("POST", "/ui/login", {"password": PASSWORD})[0] == 200


def test_a_bad_login_body_is_a_4xx_naming_the_field() -> None:
    """Not JSON → 400; no password → 422 naming it."""
    ui = locked()
    assert ui.request("POST", "/ui/login", {"pw": 1})[1]["error"].startswith("password")
    response = ui.treq.post("http://ui/ui/login", data=b"{nope")
    ui.treq.flush()
    from ..helpers import result_of

    assert result_of(response).code == 400


def test_the_password_is_kept_only_as_an_scrypt_hash() -> None:
    """A plain setting becomes a hash (repr hides it); its encoded form parses back and
    checks the same password."""
    hashed = parse_password("s3cret-enough")
    assert "s3cret" not in repr(hashed) and "s3cret" not in hashed.encode()
    again = parse_password(hashed.encode())
    assert again.verify("s3cret-enough") and not again.verify("s3cret-enougH")


def test_short_or_malformed_password_settings_are_refused() -> None:
    """Under 8 characters, or a broken scrypt$ string: ValueError naming the problem."""
    for value in ("short", "scrypt$1$2$3", "scrypt$3$8$1$AAAA$AAAA", "scrypt$16$8$1$!!$AA"):
        try:
            parse_password(value)
        except ValueError:
            continue
        raise AssertionError(value)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=80))
def test_any_password_setting_parses_or_is_refused_cleanly(value: str) -> None:
    """Property: every string either parses to a hash or raises ValueError."""
    if value.startswith("scrypt$"):
        with contextlib.suppress(ValueError):
            parse_password(value)
    elif len(value) < 8:
        try:
            parse_password(value)
        except ValueError:
            return
        raise AssertionError(value)
