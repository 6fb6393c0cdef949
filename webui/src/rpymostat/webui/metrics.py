"""The web UI's metrics: its bus copy, its event streams and its engine proxy."""

from typing import Any

from rpymostat.shared.metrics import Metric, subscriber_metrics

from .events import EventHub
from .proxy import EngineProxy


def webui_metrics(follower: Any, hub: EventHub, proxy: EngineProxy) -> list[Metric]:
    """Counters the bus follower, the event hub and the proxy already keep."""
    return [
        *subscriber_metrics(follower),
        Metric("rpymostat_webui_streams", "gauge", "browsers following the event stream",
               lambda: len(hub.clients)),
        Metric("rpymostat_webui_events_sent", "counter", "events sent to browsers",
               lambda: hub.sent),
        Metric("rpymostat_webui_streams_dropped", "counter",
               "event streams closed because the browser fell too far behind",
               lambda: hub.dropped),
        Metric("rpymostat_webui_proxy_calls", "counter", "API calls passed to the engine",
               lambda: proxy.calls),
        Metric("rpymostat_webui_proxy_failures", "counter",
               "API calls the engine did not answer", lambda: proxy.failures),
    ]
