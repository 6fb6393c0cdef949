"""Web UI benchmark (issue 19): first-load bytes, first contentful paint and time to
interactive under 4x CPU throttling, a reading's time from the engine's 201 to the pixel,
and the page's JS heap after 10,000 live updates.

Real processes (engine + web UI on free ports, pinned by URL), Debian's Chromium driven by
Playwright. The peer measured in the same run: the engine's own plain HTML root page (no
script), the floor for paint time in the same browser under the same throttling.

    .venv/bin/python bench/webui.py [--readings 200] [--updates 10000] [--loads 5]
        [--lighthouse /path/to/node_modules/.bin/lighthouse]

Lighthouse is optional (Node at hand: ``npm i -E lighthouse@12.2.3`` in a scratch folder).
"""

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import free_port, start_daemon, stop_daemon

BIN = Path(sys.executable).parent
TOKEN = "bench-token-0123456789abcdef"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]

# A MutationObserver that stamps each new text of the zone's temperature at the next frame.
OBSERVE = """
window.__pixels = [];
new MutationObserver(() => {
  const el = document.querySelector('[data-testid="temperature-house"]');
  if (!el) return;
  const text = el.textContent;
  if (text === window.__lastText) return;
  window.__lastText = text;
  requestAnimationFrame(() =>
    window.__pixels.push([text, performance.timeOrigin + performance.now()]));
}).observe(document, {subtree: true, childList: true, characterData: true});
window.__ready = null;
new MutationObserver((_, obs) => {
  const t = document.querySelector('[data-testid="temperature-house"]');
  if (document.querySelector('[data-testid="target-house"]') && t?.textContent.match(/[0-9]/)) {
    window.__ready = performance.now(); obs.disconnect();
  }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


class Engine:
    """A keep-alive HTTP connection to the engine for readings."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def readings(self, values: dict[str, float]) -> None:
        body = json.dumps({"host_id": "bench", "sensors": {
            name: {"type": "dummy", "value": v} for name, v in values.items()}})
        self.conn.request("PUT", "/v1/sensors/update", body=body, headers={
            "Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
        response = self.conn.getresponse()
        response.read()
        if response.status != 201:
            raise SystemExit(f"engine answered {response.status}")


def start(tmp: Path) -> tuple[list[Any], int, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RPYMOSTAT_")}
    eport, uport = free_port(), free_port()
    engine = start_daemon([str(BIN / "rpymostat-engine")], {
        **env, "RPYMOSTAT_ENGINE_LISTEN": f"tcp:{eport}:interface=127.0.0.1",
        "RPYMOSTAT_DATA_DIR": str(tmp), "RPYMOSTAT_TOKEN": TOKEN, "RPYMOSTAT_ADVERTISE": "off",
        "RPYMOSTAT_BUS_PUB_LISTEN": "tcp://127.0.0.1:0",
        "RPYMOSTAT_BUS_SUB_LISTEN": "tcp://127.0.0.1:0"}, eport)
    ui = start_daemon([str(BIN / "rpymostat-webui")], {
        **env, "RPYMOSTAT_WEBUI_LISTEN": f"tcp:{uport}:interface=127.0.0.1",
        "RPYMOSTAT_ENGINE_URL": f"http://127.0.0.1:{eport}", "RPYMOSTAT_TOKEN": TOKEN,
        "RPYMOSTAT_DATA_DIR": str(tmp), "RPYMOSTAT_ADVERTISE": "off"}, uport)
    return [ui, engine], eport, uport


def first_load(browser: Any, url: str) -> tuple[int, int, int]:
    """(bytes on the wire, bytes decoded, requests) of a cold load of the home page."""
    context = browser.new_context(viewport={"width": 800, "height": 1280}, bypass_csp=True)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    wire: dict[str, float] = {}
    decoded: dict[str, int] = {}
    cdp.on("Network.loadingFinished", lambda e: wire.__setitem__(e["requestId"],
                                                                 e["encodedDataLength"]))
    cdp.on("Network.dataReceived", lambda e: decoded.__setitem__(
        e["requestId"], decoded.get(e["requestId"], 0) + e["dataLength"]))
    page.goto(url + "/#/home")
    page.get_by_test_id("target-house").wait_for()
    page.wait_for_load_state("networkidle")
    context.close()
    return int(sum(wire.values())), sum(decoded.values()), len(wire)


def paint_times(browser: Any, url: str, loads: int, app: bool) -> tuple[float, float | None]:
    """Median (FCP, ready) in ms over ``loads`` cold loads with 4x CPU throttling."""
    fcps, readies = [], []
    for _ in range(loads):
        context = browser.new_context(viewport={"width": 800, "height": 1280}, bypass_csp=True)
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
        if app:
            page.add_init_script(OBSERVE)
        page.goto(url)
        if app:
            page.wait_for_function("window.__ready !== null", timeout=30_000)
            readies.append(page.evaluate("window.__ready"))
        page.wait_for_function(
            "performance.getEntriesByName('first-contentful-paint').length > 0")
        fcps.append(page.evaluate(
            "performance.getEntriesByName('first-contentful-paint')[0].startTime"))
        context.close()
    return statistics.median(fcps), statistics.median(readies) if readies else None


def reading_to_pixel(browser: Any, url: str, engine: Engine, n: int) -> list[float]:
    """ms from each reading's 201 to the frame showing it (one sensor, so the zone's
    temperature is that reading)."""
    context = browser.new_context(viewport={"width": 800, "height": 1280}, bypass_csp=True)
    page = context.new_page()
    page.add_init_script(OBSERVE)
    page.goto(url + "/#/home")
    page.wait_for_function("window.__ready !== null")
    latencies = []
    for i in range(n):
        value = round(15.0 + 0.1 * i, 1) if i < 150 else round(30.0 + 0.1 * (i - 150), 1)
        engine.readings({"living": value})
        sent = time.time() * 1000
        text = f"{value:.1f}"
        page.wait_for_function(
            f"window.__pixels.some(p => p[0].includes('{text}'))", timeout=10_000)
        shown = page.evaluate(f"window.__pixels.find(p => p[0].includes('{text}'))[1]")
        latencies.append(shown - sent)
        page.evaluate("window.__pixels = []")
        time.sleep(0.12)  # the engine makes at most 10 decision rounds a second
    context.close()
    return latencies


def heap_growth(browser: Any, url: str, engine: Engine, updates: int) -> tuple[float, float, int]:
    """(MB before, MB after, updates received) of the JS heap after GC, around ``updates``
    bus updates (10 sensors per reading call) reaching the open home page."""
    context = browser.new_context(viewport={"width": 800, "height": 1280}, bypass_csp=True)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    page.goto(url + "/#/home")
    page.get_by_test_id("target-house").wait_for()

    def used() -> float:
        cdp.send("HeapProfiler.collectGarbage")
        return float(cdp.send("Runtime.getHeapUsage")["usedSize"]) / 1e6

    names = [f"s{i}" for i in range(10)]
    engine.readings(dict.fromkeys(names, 20.0))
    page.wait_for_timeout(2000)
    start_count = page.evaluate("window.__rpymostat.updates")
    before = used()
    for i in range(updates // len(names)):
        engine.readings(dict.fromkeys(names, 18.0 + (i % 40) / 10))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        got = page.evaluate("window.__rpymostat.updates") - start_count
        if got >= updates:
            break
        time.sleep(0.5)
    page.wait_for_timeout(1000)
    after = used()
    context.close()
    return before, after, got


def lighthouse(binary: str, url: str) -> None:
    """Lighthouse 12's mobile run (its default: simulated slow 4G and 4x CPU) on the home
    page: category scores and the main timings."""
    import subprocess

    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        subprocess.run([binary, url, "--quiet", "--output=json", f"--output-path={report}",
                        "--only-categories=performance,accessibility,best-practices",
                        "--chrome-flags=--headless --no-sandbox --disable-gpu --no-first-run"],
                       env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"}, check=True,
                       timeout=300)
        data = json.loads(report.read_text())
    scores = ", ".join(f"{k} {round(c['score'] * 100)}" for k, c in data["categories"].items())
    timings = ", ".join(f"{a} {data['audits'][a]['displayValue']}" for a in (
        "first-contentful-paint", "interactive", "total-blocking-time",
        "cumulative-layout-shift"))
    print(f"Lighthouse {data['lighthouseVersion']} mobile: {scores}; {timings}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--readings", type=int, default=200)
    parser.add_argument("--updates", type=int, default=10_000)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--lighthouse", help="path of a lighthouse binary (optional)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        procs, eport, uport = start(Path(tmp))
        url = f"http://127.0.0.1:{uport}"
        engine = Engine(eport)
        try:
            engine.readings({"living": 19.5})
            if args.lighthouse:
                lighthouse(args.lighthouse, url + "/")
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
                wire, decoded, requests = first_load(browser, url)
                print(f"first load: {wire / 1024:.1f} KiB on the wire ({decoded / 1024:.1f} KiB"
                      f" decoded), {requests} requests")
                fcp, ready = paint_times(browser, url + "/#/home", args.loads, app=True)
                floor, _ = paint_times(browser, f"http://127.0.0.1:{eport}/", args.loads,
                                       app=False)
                print(f"4x CPU throttling, median of {args.loads} cold loads: FCP {fcp:.0f} ms,"
                      f" interactive (dial with live data) {ready:.0f} ms; engine's plain"
                      f" HTML page FCP {floor:.0f} ms (ratio {fcp / floor:.2f})")
                lat = sorted(reading_to_pixel(browser, url, engine, args.readings))
                p50 = lat[len(lat) // 2]
                p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
                print(f"reading 201 -> pixel over {len(lat)} readings: p50 {p50:.0f} ms, "
                      f"p99 {p99:.0f} ms, max {lat[-1]:.0f} ms")
                before, after, got = heap_growth(browser, url, engine, args.updates)
                print(f"JS heap after GC: {before:.2f} MB before, {after:.2f} MB after {got}"
                      f" live updates (growth {after - before:+.2f} MB)")
                browser.close()
        finally:
            for proc in procs:
                stop_daemon(proc)


if __name__ == "__main__":
    main()
