"""GET /metrics (rpymostat.shared.metrics): readers of existing counters become Prometheus
families that prometheus_client's own parser reads back; a failing reader costs its family,
not the scrape; other paths reach the wrapped resource; strict auth covers /metrics; the
request timer counts and times requests."""

from typing import Any

from prometheus_client.parser import text_string_to_metric_families
from treq.testing import StubTreq
from twisted.web.resource import Resource

from rpymostat.shared.auth import AuthMode, BearerAuth
from rpymostat.shared.metrics import Metric, RequestTimer, with_metrics

from ..helpers import result_of


class Leaf(Resource):
    """A daemon's (leaf) root that answers everything with 'hello'."""

    isLeaf = True

    def render(self, request: Any) -> bytes:  # type: ignore[override]
        return b"hello"


def scrape(root: Resource, path: str = "/metrics", method: str = "GET",
           headers: dict[str, str] | None = None) -> tuple[int, str, str]:
    treq = StubTreq(root)
    response = result_of(treq.request(method, f"http://x{path}", headers=headers))
    body = result_of(response.text())
    return response.code, response.headers.getRawHeaders("content-type", [""])[0], body


def families(text: str) -> dict[str, Any]:
    return {f.name: f for f in text_string_to_metric_families(text)}


def test_counters_gauges_and_labels_parse_back() -> None:
    """A counter (read from a live attribute), a labelled gauge and a histogram come out as
    the values the daemon holds, in the text format prometheus_client parses."""
    state = {"n": 3}
    timer = RequestTimer()
    timer.observe(0.004, 200)
    timer.observe(0.3, 404)
    root = with_metrics(Leaf(), [
        Metric("rpymostat_things", "counter", "things", lambda: state["n"]),
        Metric("rpymostat_temp_celsius", "gauge", "temps", lambda: [
            ({"zone": "house"}, 20.5), ({"zone": "attic"}, None)], ("zone",)),
        *timer.metrics()])
    state["n"] = 7
    code, ctype, body = scrape(root)
    assert code == 200 and ctype.startswith("text/plain; version=0.0.4")
    fam = families(body)
    assert fam["rpymostat_things"].type == "counter"
    assert [s.value for s in fam["rpymostat_things"].samples if s.name.endswith("_total")] == [7]
    temps = fam["rpymostat_temp_celsius"].samples
    assert [(s.labels, s.value) for s in temps] == [({"zone": "house"}, 20.5)]
    codes = {s.labels["code"]: s.value for s in fam["rpymostat_http_requests"].samples
             if s.name.endswith("_total")}
    assert codes == {"2xx": 1.0, "4xx": 1.0}
    hist = {(s.name, s.labels.get("le")): s.value
            for s in fam["rpymostat_http_request_duration_seconds"].samples}
    assert hist[("rpymostat_http_request_duration_seconds_bucket", "0.005")] == 1
    assert hist[("rpymostat_http_request_duration_seconds_bucket", "+Inf")] == 2
    assert hist[("rpymostat_http_request_duration_seconds_count", None)] == 2
    assert "process_resident_memory_bytes" in fam or "process_cpu_seconds" in fam


def test_a_failing_reader_costs_only_its_family() -> None:
    """A reader that raises is left out; the other families are still served."""
    def broken() -> float:
        raise RuntimeError("gone")

    root = with_metrics(Leaf(), [Metric("rpymostat_bad", "gauge", "bad", broken),
                                 Metric("rpymostat_good", "gauge", "good", lambda: 1)])
    code, _, body = scrape(root)
    assert code == 200
    fam = families(body)
    assert "rpymostat_good" in fam and "rpymostat_bad" not in fam


def test_other_paths_reach_the_daemon_and_post_is_refused() -> None:
    """Every other path goes to the wrapped resource; POST /metrics is a JSON 405."""
    root = with_metrics(Leaf(), [])
    assert scrape(root, "/v1/status")[2] == "hello"
    assert scrape(root, "/metrics/x")[2] == "hello"
    code, ctype, body = scrape(root, method="POST")
    assert code == 405 and ctype.startswith("application/json") and "GET" in body


def test_strict_auth_needs_the_token_to_scrape() -> None:
    """In strict mode /metrics needs the site token like every read; in 'on' mode not."""
    strict = with_metrics(Leaf(), [], BearerAuth("tok", AuthMode.STRICT))
    assert scrape(strict)[0] == 401
    assert scrape(strict, headers={"Authorization": "Bearer tok"})[0] == 200
    assert scrape(with_metrics(Leaf(), [], BearerAuth("tok", AuthMode.ON)))[0] == 200


def test_timer_buckets_are_cumulative() -> None:
    """Bucket counts include every faster request; +Inf holds all; the sum adds up."""
    timer = RequestTimer()
    for s in (0.0005, 0.002, 0.002, 20.0):
        timer.observe(s, 201)
    h = timer.histogram()
    counts = dict(h.buckets)
    assert counts[0.001] == 1 and counts[0.0025] == 3 and counts[10.0] == 3
    assert counts[float("inf")] == 4
    assert abs(h.total - 20.0045) < 1e-9


def test_subscriber_and_publisher_metrics_read_the_live_counters() -> None:
    """The bus helpers read the follower's gaps, the subscriber's syncs and invalid count, and
    the publisher's sent/dropped/queued, at scrape time."""
    from types import SimpleNamespace

    from rpymostat.shared.metrics import publisher_metrics, subscriber_metrics

    sub = SimpleNamespace(follower=SimpleNamespace(gaps=2, overflows=0), syncs=3, invalid=1)
    pub = SimpleNamespace(sent=10, dropped=1, status=lambda: {"queued": 4})
    root = with_metrics(Leaf(), [*subscriber_metrics(sub), *publisher_metrics(pub)])
    sub.follower.gaps = 5
    fam = families(scrape(root)[2])

    def total(name: str) -> float:
        return next(s.value for s in fam[name].samples if s.name.endswith("_total"))

    assert total("rpymostat_bus_gaps") == 5 and total("rpymostat_bus_syncs") == 3
    assert total("rpymostat_bus_published") == 10
    assert fam["rpymostat_bus_publish_queue"].samples[0].value == 4


def test_site_with_metrics_times_the_sites_requests() -> None:
    """site_with_metrics (the web UI's one call) serves /metrics and counts and times every
    request its Site handles (a request driven through the Site's own request class)."""
    from twisted.web.test.requesthelper import DummyChannel

    from rpymostat.shared.metrics import site_with_metrics

    site = site_with_metrics(Leaf(), [Metric("rpymostat_x", "gauge", "x", lambda: 1)])
    channel = DummyChannel()
    channel.site = site
    request = site.requestFactory(channel)
    request.gotLength(0)
    request.requestReceived(b"GET", b"/v1/hello", b"HTTP/1.1")
    assert b"hello" in channel.transport.written.getvalue()
    fam = families(scrape(site.resource)[2])
    codes = {s.labels["code"]: s.value for s in fam["rpymostat_http_requests"].samples
             if s.name.endswith("_total")}
    assert codes == {"2xx": 1.0}
    assert fam["rpymostat_x"].samples[0].value == 1
