"""The simulated house's metrics: its zones' temperatures, outputs and energy."""

from rpymostat.shared.metrics import Metric

from .service import RunningHouse


def house_metrics(running: RunningHouse) -> list[Metric]:
    """Per simulated zone: temperature, heater/cooler, switches, energy; the outdoors."""
    def per_zone(attr: str) -> list[tuple[dict[str, str], float]]:
        return [({"zone": z}, float(getattr(zone, attr)))
                for z, zone in sorted(running.house.zones.items())]

    return [
        Metric("rpymostat_sim_temperature_celsius", "gauge", "simulated indoor temperature",
               lambda: per_zone("temp_c"), ("zone",)),
        Metric("rpymostat_sim_heater_on", "gauge", "1 while the simulated heater is on",
               lambda: per_zone("heater"), ("zone",)),
        Metric("rpymostat_sim_cooler_on", "gauge", "1 while the simulated cooler is on",
               lambda: per_zone("cooler"), ("zone",)),
        Metric("rpymostat_output_switches", "counter", "heater/cooler switches",
               lambda: per_zone("switches"), ("zone",)),
        Metric("rpymostat_sim_heat_kwh", "counter", "heat energy used (simulated kWh)",
               lambda: per_zone("heat_kwh"), ("zone",)),
        Metric("rpymostat_sim_cool_kwh", "counter", "cooling energy used (simulated kWh)",
               lambda: per_zone("cool_kwh"), ("zone",)),
        Metric("rpymostat_sim_outdoor_celsius", "gauge", "simulated outdoor temperature",
               lambda: running.house.outdoor.temperature(running.house.now)),
    ]
