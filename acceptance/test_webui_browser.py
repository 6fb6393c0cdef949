"""The web UI in real headless Chromium (Debian's package, driven by Playwright) against a
real engine and web UI process: the home page on an emulated Android tablet with touch, a
nudge that changes the engine's target, a schedule block made by touch that shows in the
engine's plan, a reading that arrives without a reload, the stale banner when the engine stops
and its clearing when it is back, the login with CSRF refusal, and axe-core on every screen at
three sizes (screenshots of each go to artifacts/webui/)."""

import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from .processes import BIN, TOKEN, Daemon, free_port, wait_for
from .webui_browser import AXE, SIZES, Site, browser, require_browser, shot, tablet

SCREENS = ("home", "schedule", "away", "history", "devices", "settings", "wall")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One browser for the module."""
    require_browser()
    with browser() as b:
        yield b


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    """Engine + web UI, LAN-trusted, with one reading of the house zone."""
    s = Site(tmp_path)
    try:
        s.reading(19.5)
        yield s
    finally:
        s.close()


def engine_target(site: Site) -> dict[str, Any]:
    """The engine's answer to GET /v1/zones/house/target."""
    code, body = site.engine.request("GET", "/v1/zones/house/target")
    assert code == 200, body
    return body  # type: ignore[no-any-return]


def open_home(chromium: Any, site: Site, size: str = "tablet") -> Any:
    page = tablet(chromium, size).new_page()
    page.goto(site.url + "/#/home")
    page.get_by_test_id("temperature-house").wait_for()
    return page


def test_home_on_a_touch_tablet_nudges_the_engines_target(chromium: Any, site: Site) -> None:
    """Two taps on + (touch) raise the engine's target by 1.0 °C as a hold (adjustment)."""
    before = engine_target(site)["target"]
    page = open_home(chromium, site)
    page.get_by_text("19.5").first.wait_for()
    raise_ = page.get_by_role("button", name="Raise House target by 0.5 degrees")
    raise_.tap()
    raise_.tap()
    after = wait_for(lambda: (t := engine_target(site))["rule"]["kind"] == "adjustment" and t,
                     10, "the engine to take the nudge")
    assert after["target"] == before + 1.0, (before, after)
    page.get_by_test_id("why-house").get_by_text("Hold").wait_for()
    page.context.close()


def block_time(timezone: str, now: datetime | None = None) -> tuple[str, int]:
    """Where to tap for a 2-hour block that starts in the plan's next 48 hours: the day
    (``mon``..``sun``, the week starting on Monday as the UI draws it) and minute of the day
    an hour from now on the zone's own clock (not UTC, not the browser's), or 01:00 of the
    next day when today has no room left for the block."""
    local = (now or datetime.now(UTC)).astimezone(ZoneInfo(timezone)) + timedelta(hours=1)
    if local.hour >= 21:  # too late today for a 2-hour block: tomorrow at 01:00
        local = (local + timedelta(days=1)).replace(hour=1, minute=0)
    return ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[local.weekday()], (
        local.hour * 60 + local.minute)


def test_block_time_is_on_the_zones_clock_at_any_hour() -> None:
    """Friday 20:55 UTC is Friday 21:55 in Paris (too late: Saturday 01:00) and Friday
    15:55 in New York; Sunday 23:30 UTC taps Monday 00:30 (the week wraps to its start)."""
    fri = datetime(2026, 12, 4, 19, 55, tzinfo=UTC)
    assert block_time("UTC", fri) == ("fri", 20 * 60 + 55)
    assert block_time("Europe/Paris", fri) == ("sat", 60)
    assert block_time("America/New_York", fri) == ("fri", 15 * 60 + 55)
    assert block_time("UTC", datetime(2026, 12, 6, 23, 30, tzinfo=UTC)) == ("mon", 30)


def test_a_schedule_block_made_by_touch_is_in_the_engines_plan(chromium: Any,
                                                               site: Site) -> None:
    """A tap on the track of the zone's today (on the zone's clock) an hour ahead creates a
    weekly block there; the engine's plan then has a segment won by that rule. The tap waits
    for the plan above the week to load: the week must not move when it does."""
    page = tablet(chromium).new_page()
    page.goto(site.url + "/#/schedule")
    zone = site.engine.request("GET", "/v1/zones/house")[1]
    day, minute = block_time(zone["timezone"])
    track = page.get_by_test_id(f"track-{day}")
    track.wait_for()
    early = track.bounding_box()
    page.locator('[data-testid="plan"][data-ready="yes"]').wait_for()
    box = track.bounding_box()
    assert box == early, ("the week moved when the plan loaded", early, box)
    page.touchscreen.tap(box["x"] + box["width"] * minute / 1440, box["y"] + box["height"] / 2)

    def rule() -> Any:
        rules = site.engine.request("GET", "/v1/zones/house/schedules")[1]["schedules"]
        return rules[0] if rules else None

    made = wait_for(rule, 10, "the block in the engine")
    assert made["scheduler"] == "weekly" and made["params"]["days"] == day, made
    plan = site.engine.request("GET", "/v1/zones/house/plan?hours=48")[1]
    assert any((seg.get("rule") or {}).get("id") == made["id"] for seg in plan["segments"]), plan
    page.locator(f'.block[data-rule="{made["id"]}"]').first.wait_for()
    page.context.close()


def test_away_is_three_taps_from_home(chromium: Any, site: Site) -> None:
    """Away tab, "Weekend", "Start away": the engine has an override at the away preset
    ending on that day."""
    page = open_home(chromium, site)
    page.get_by_role("link", name="Away").tap()
    page.get_by_role("button", name="Weekend").tap()
    page.get_by_role("button", name="Start away").tap()

    def overrides() -> Any:
        return site.engine.request("GET", "/v1/zones/house/overrides")[1]["overrides"]

    [made] = wait_for(overrides, 10, "the away override in the engine")
    zone = site.engine.request("GET", "/v1/zones/house")[1]
    assert made["target"] == zone["presets"]["away"], made
    back = (datetime.now() + timedelta(days=3)).date().isoformat()
    assert made["end"].startswith(back) or (made.get("ends_at") or "").startswith(back), made
    page.context.close()


def test_dragging_a_block_moves_it_and_its_edge_resizes_it(chromium: Any, site: Site) -> None:
    """A pointer drag of a 06:00-08:00 block by a quarter of the track moves it to
    12:00-14:00; dragging its right edge by an eighth makes it end at 17:00."""
    code, rule = site.engine.request("POST", "/v1/zones/house/schedules", {
        "target": 21.0, "scheduler": "weekly",
        "params": {"days": "wed", "from": "06:00", "to": "08:00"}})
    assert code == 201, rule
    page = tablet(chromium, "landscape").new_page()
    page.goto(site.url + "/#/schedule")
    block = page.locator(f'.block[data-rule="{rule["id"]}"]')
    block.wait_for()
    track = page.get_by_test_id("track-wed").bounding_box()
    box = block.bounding_box()
    y = box["y"] + box["height"] / 2

    def drag(x0: float, dx: float) -> None:
        page.mouse.move(x0, y)
        page.mouse.down()
        for step in range(1, 11):
            page.mouse.move(x0 + dx * step / 10, y)
        page.mouse.up()

    def params() -> Any:
        return site.engine.request("GET", f"/v1/zones/house/schedules/{rule['id']}")[1][
            "params"]

    drag(box["x"] + box["width"] / 3, track["width"] / 4)
    wait_for(lambda: params()["from"] == "12:00", 10, "the block moved to 12:00")
    assert params()["to"] == "14:00"
    page.wait_for_timeout(500)
    box = block.bounding_box()
    drag(box["x"] + box["width"] - 4, track["width"] / 8)
    wait_for(lambda: params()["to"] == "17:00", 10, "the block resized to 17:00")
    assert params()["from"] == "12:00"
    page.context.close()


def test_a_new_reading_arrives_without_a_reload(chromium: Any, site: Site) -> None:
    """A reading posted to the engine shows on the open page; the page was not reloaded."""
    page = open_home(chromium, site)
    page.get_by_text("19.5").first.wait_for()
    page.evaluate("window.__sameDocument = true")
    site.reading(22.5)
    page.get_by_test_id("temperature-house").get_by_text("22.5").wait_for(timeout=15_000)
    assert page.evaluate("window.__sameDocument") is True
    page.context.close()


def test_the_stale_banner_shows_when_the_engine_stops_and_clears_when_it_is_back(
        chromium: Any, site: Site) -> None:
    """Engine stopped: the banner appears (no reload); engine started again: it goes."""
    page = open_home(chromium, site)
    banner = page.locator("[data-banner]")
    assert banner.count() == 0
    site.engine.stop()
    banner.first.wait_for(timeout=30_000)
    assert "engine" in banner.first.inner_text().lower()
    shot(page, "stale-banner-tablet")
    site.restart_engine()
    banner.first.wait_for(state="detached", timeout=40_000)
    page.context.close()


def test_login_is_required_and_a_change_without_the_csrf_token_is_refused(
        chromium: Any, tmp_path: Path) -> None:
    """With RPYMOSTAT_UI_PASSWORD: the page asks for it, a wrong one is refused, the right one
    opens the home page; a POST from the logged-in page without X-CSRF-Token gets 403 and the
    engine's target does not change; a POST without the cookie gets 401."""
    s = Site(tmp_path, RPYMOSTAT_UI_PASSWORD="open sesame 42")
    try:
        s.reading(20.0)
        page = tablet(chromium).new_page()
        page.goto(s.url + "/")
        page.get_by_label("Password").fill("wrong password")
        page.get_by_role("button", name="Log in").click()
        page.get_by_text("wrong password").wait_for()
        shot(page, "login-tablet")
        page.get_by_label("Password").fill("open sesame 42")
        page.get_by_role("button", name="Log in").click()
        page.get_by_test_id("temperature-house").wait_for()
        refused = page.evaluate("""async () => (await fetch('/api/v1/zones/house/adjustments',
            {method: 'POST', headers: {'Content-Type': 'application/json'},
             body: JSON.stringify({target: 30})})).status""")
        assert refused == 403
        code, _ = s.ui.request("POST", "/api/v1/zones/house/adjustments", {"target": 30},
                               token=None)
        assert code == 401
        assert engine_target(s)["rule"]["kind"] != "adjustment"
        page.context.close()
    finally:
        s.close()


def furnish(site: Site) -> None:
    """What a lived-in house has: a weekly schedule, a night rule, an outdoor sensor, a cron
    rule made through the API, a planned holiday."""
    calls = [
        ("POST", "/v1/zones/house/schedules", {"name": "Workdays", "target": 21.0,
                                               "scheduler": "weekly", "params": {
                                                   "days": "mon-fri", "from": "06:30",
                                                   "to": "22:00"}}),
        ("POST", "/v1/zones/house/schedules", {"name": "Weekend", "target": "comfort",
                                               "scheduler": "weekly", "params": {
                                                   "days": "weekends", "from": "08:00",
                                                   "to": "23:00"}}),
        ("POST", "/v1/zones/house/schedules", {"name": "Bath", "target": 22.5,
                                               "scheduler": "cron", "params": {
                                                   "cron": "0 19 * * sun",
                                                   "duration": "PT1H"}}),
        ("PUT", "/v1/sensors/update", {"host_id": "wall-test", "sensors": {
            "outdoor": {"type": "dummy", "value": 4.5}}}),
        ("PATCH", "/v1/zones/house", {"outdoor_sensor": "wall-test:outdoor"}),
        ("POST", "/v1/zones/house/overrides", {"name": "Away", "target": 15.0,
                                               "start": "2030-02-10", "end": "2030-02-17"}),
    ]
    for method, path, body in calls:
        code, answer = site.engine.request(method, path, body)
        assert code in (200, 201), (path, answer)


def test_every_screen_at_three_sizes_passes_axe_and_is_captured(chromium: Any,
                                                                site: Site) -> None:
    """axe-core (vendored) finds no violation on any screen at phone, tablet and landscape
    sizes; each screen's screenshot is written to artifacts/webui/."""
    problems = {}
    axe = AXE.read_text()
    furnish(site)
    for size in SIZES:
        context = tablet(chromium, size, bypass_csp=True)  # to inject axe-core
        page = context.new_page()
        for screen in SCREENS:
            page.goto(f"{site.url}/#/{screen}")
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(300)
            shot(page, f"{screen}-{size}")
            if not page.evaluate("typeof axe !== 'undefined'"):
                page.add_script_tag(content=axe)
            result = page.evaluate("async () => (await axe.run(document)).violations.map("
                                   "v => ({id: v.id, nodes: v.nodes.map(n => n.target)}))")
            if result:
                problems[f"{screen}@{size}"] = result
        context.close()
    assert not problems, json.dumps(problems, indent=1)[:4000]



def relay_agent(site: Site, host: str = "boiler-test") -> Daemon:
    """A real relay agent with one dummy heat output, registered with the site's engine (its
    output joins the default zone, house)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RPYMOSTAT_")}
    env.update({"RPYMOSTAT_DATA_DIR": str(site.tmp / "relay-data"), "RPYMOSTAT_TOKEN": TOKEN,
                "RPYMOSTAT_HOST_ID": host, "RPYMOSTAT_ADVERTISE": "off",
                "RPYMOSTAT_HTTP_TIMEOUT": "2"})
    argv = [str(BIN / "rpymostat-relay-agent"), "-a", "127.0.0.1", "-p", str(site.engine.port),
            "--listen", f"tcp:{port}:interface=127.0.0.1", "-o", "heat=dummy:min_on=0,min_off=0"]
    agent = Daemon(argv, env, port, site.tmp / "relay-agent.log").start()
    wait_for(lambda: site.engine.request("GET", f"/v1/relays/{host}:heat")[0] == 200, 10,
             "the relay agent's registration")
    return agent


def test_history_draws_the_engines_series(chromium: Any, site: Site) -> None:
    """Readings of the last five hours posted through the batch route, the zone's target and
    a real relay agent's heat output switched on and off: the History screen fetches them
    from the real engine and draws the sensor line, the target steps and the heating band;
    the runtime bars count the on-time; a pinch spreads the time axis."""
    now = datetime.now(UTC)
    readings = [{"sensor_id": "living", "type": "dummy", "value": 18.0 + i / 10,
                 "timestamp": (now - timedelta(minutes=300 - 10 * i)).isoformat()}
                for i in range(30)]
    code, body = site.engine.request("POST", "/v1/sensors/batch",
                                     {"host_id": "wall-test", "readings": readings})
    assert code == 201, body
    agent = relay_agent(site)
    try:
        for state in ("on", "off"):
            code, body = site.engine.request("PUT", "/v1/relays/boiler-test:heat",
                                             {"state": state})
            assert code == 200 and body["reported"] == state, body
            time.sleep(1.5)
        page = tablet(chromium).new_page()
        page.goto(site.url + "/#/history")
        page.locator(".history-chart canvas").wait_for()
        page.get_by_text("Heating ran").wait_for()
        columns = page.evaluate("""async () => {
            const m = await import('/static/app/history.js');
            const r = await fetch('/api/v1/history?series=wall-test:living,boiler-test:heat,house'
                                  + '&start=' + new Date(Date.now() - 86400e3).toISOString());
            const c = m.toColumns(await r.json(), 'house');
            return {lines: c.lines.map(l => l.label), points: c.lines[0].t.length,
                    bands: c.bands.map(b => (b.end - b.start) / 1000)};
        }""")
        assert columns["lines"] == ["living", "target"], columns
        assert columns["points"] >= 31, columns  # 30 from the batch + the fixture's reading
        [band] = columns["bands"]
        assert 1.0 <= band <= 10.0, columns
    finally:
        agent.stop()
    page.wait_for_timeout(300)
    shot(page, "history-with-data-tablet")
    chart = page.locator(".history-chart .uplot")
    before = [float(v) for v in chart.get_attribute("data-range").split(",")]
    over = page.locator(".history-chart .u-over").bounding_box()
    y, mid = over["y"] + over["height"] / 2, over["x"] + over["width"] / 2
    cdp = page.context.new_cdp_session(page)

    def touch(kind: str, *xs: float) -> None:
        cdp.send("Input.dispatchTouchEvent", {
            "type": kind, "touchPoints": [{"x": x, "y": y, "id": i} for i, x in enumerate(xs)]})

    touch("touchStart", mid - 40, mid + 40)  # pinch out: the fingers spread to 4x apart
    for spread in (60, 100, 140, 160):
        touch("touchMove", mid - spread, mid + spread)
    touch("touchEnd")
    after = [float(v) for v in chart.get_attribute("data-range").split(",")]
    assert (after[1] - after[0]) < (before[1] - before[0]) / 3, (before, after)
    page.context.close()


def test_history_says_so_when_the_engine_has_no_history_api(chromium: Any, site: Site) -> None:
    """An older engine (its 404 to /v1/history played in the browser, as this engine has the
    API): the screen gives a calm notice instead of a chart or an error."""
    page = tablet(chromium).new_page()
    page.route("**/api/v1/history?*", lambda route: route.fulfill(
        status=404, content_type="application/json",
        body=json.dumps({"status": "error", "error": "not found"})))
    page.goto(site.url + "/#/history")
    page.get_by_test_id("history-missing").wait_for()
    assert page.locator(".history-chart canvas").count() == 0
    page.context.close()


def test_devices_on_a_phone_rename_a_sensor_and_remove_it_after_asking(
        chromium: Any, site: Site) -> None:
    """The name field (labelled "Name") shows the sensor's id as its value until it is named;
    a new name reaches the engine; "Remove…" asks first ("Keep" keeps it), "Remove" forgets
    it in the engine."""
    page = tablet(chromium, "phone").new_page()
    page.goto(site.url + "/#/devices")
    field = page.locator('[id="sn-wall-test:living"]')
    field.wait_for()
    assert field.evaluate("e => e.closest('label').innerText.trim()") == "Name"
    assert field.input_value() == "living"
    field.fill("Living room")
    field.press("Enter")
    field.blur()
    wait_for(lambda: site.engine.request("GET", "/v1/sensors/wall-test:living")[1].get("name")
             == "Living room", 10, "the new name in the engine")
    page.get_by_role("button", name="Remove sensor Living room…").tap()
    page.get_by_role("button", name="Keep").tap()
    assert site.engine.request("GET", "/v1/sensors/wall-test:living")[0] == 200
    page.get_by_role("button", name="Remove sensor Living room…").tap()
    page.get_by_role("group", name="Forget Living room?").get_by_role(
        "button", name="Remove").tap()
    wait_for(lambda: site.engine.request("GET", "/v1/sensors/wall-test:living")[0] == 404, 10,
             "the sensor forgotten by the engine")
    page.context.close()
