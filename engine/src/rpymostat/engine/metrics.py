"""The engine's metrics: what its bus hub, zones, relays, alarms, API and bridge keep."""

from typing import Any

from rpymostat.shared.bus.hub import BusHub
from rpymostat.shared.metrics import Metric, publisher_metrics

from .relays.alarms import AlarmBook
from .relays.control import RelayControl
from .zones.control import ZoneControl


def _by_zone(zones: ZoneControl, key: str) -> list[tuple[dict[str, str], Any]]:
    return [({"zone": z}, (rt.last or {}).get(key)) for z, rt in sorted(zones.runtime.items())]


def engine_metrics(*, api: Any, hub: BusHub, zones: ZoneControl, relays: RelayControl,
                   alarms: AlarmBook, bridge: Any = None) -> list[Metric]:
    """Every engine metric (``bridge``: the MQTT bridge when it runs)."""
    metrics = [
        Metric("rpymostat_readings_ingested", "counter",
               "readings accepted and stored (PUT /v1/sensors/update, POST .../batch)",
               lambda: api.readings_accepted),
        Metric("rpymostat_bus_received", "counter", "bus messages forwarded by the proxy",
               lambda: hub.received),
        Metric("rpymostat_bus_invalid", "counter", "undecodable bus messages seen",
               lambda: hub.invalid),
        Metric("rpymostat_bus_topics", "gauge", "topics in the status tree",
               lambda: len(hub.tree.seqs)),
        Metric("rpymostat_decisions", "counter", "decisions per zone", lambda: [
            ({"zone": z}, rt.number) for z, rt in sorted(zones.runtime.items())], ("zone",)),
        Metric("rpymostat_zone_temperature_celsius", "gauge",
               "the zone's (weighted) temperature at its last decision",
               lambda: _by_zone(zones, "temperature"), ("zone",)),
        Metric("rpymostat_zone_target_celsius", "gauge", "the zone's target at its last decision",
               lambda: _by_zone(zones, "target"), ("zone",)),
        Metric("rpymostat_zone_heating", "gauge", "1 while the zone's last decision heats",
               lambda: [(lbl, float(bool(v))) for lbl, v in _by_zone(zones, "heat")],
               ("zone",)),
        Metric("rpymostat_zone_cooling", "gauge", "1 while the zone's last decision cools",
               lambda: [(lbl, float(bool(v))) for lbl, v in _by_zone(zones, "cool")],
               ("zone",)),
        Metric("rpymostat_output_commanded_on", "gauge", "1 while the engine commands it on",
               lambda: [({"output": e.id}, float(bool(e.commanded))) for e in
                        sorted(relays.entries(), key=lambda e: e.id)], ("output",)),
        Metric("rpymostat_relay_agents", "gauge", "registered relay agents",
               lambda: len(relays.agents)),
        Metric("rpymostat_alarms_active", "gauge", "active alarms by kind", lambda: [
            ({"kind": k}, n) for k, n in sorted(_kinds(alarms).items())], ("kind",)),
        Metric("rpymostat_alarms_cleared_recent", "gauge",
               "recently cleared alarms kept for GET /v1/alarms", lambda: len(alarms.cleared)),
    ]
    if hub.publisher is not None:
        metrics += publisher_metrics(hub.publisher)
    if bridge is not None:
        metrics += [
            Metric("rpymostat_mqtt_connected", "gauge", "1 while the MQTT bridge is connected",
                   lambda: float(bridge.online)),
            Metric("rpymostat_mqtt_connects", "counter", "MQTT (re)connections",
                   lambda: bridge.connects),
            Metric("rpymostat_mqtt_commands", "counter", "Home Assistant commands", lambda: [
                ({"result": "applied"}, bridge.commands_applied),
                ({"result": "refused"}, bridge.commands_refused)], ("result",))]
    return metrics


def _kinds(alarms: AlarmBook) -> dict[str, int]:
    counts: dict[str, int] = {}
    for alarm in alarms.active.values():
        counts[alarm.kind] = counts.get(alarm.kind, 0) + 1
    return counts
