"""The sensor agent's metrics: the counters its rounds, queue and forwarder keep."""

from typing import TYPE_CHECKING

from rpymostat.shared.metrics import Metric

if TYPE_CHECKING:
    from .agent import SensorAgent


def agent_metrics(agent: "SensorAgent") -> list[Metric]:
    """Readings taken and delivered, the disk queue, delivery failures."""
    fwd, queue, rounds = agent.forwarder, agent.queue, agent.rounds
    return [
        Metric("rpymostat_sensor_rounds", "counter", "reading rounds completed",
               lambda: rounds.rounds),
        Metric("rpymostat_sensors", "gauge", "sensors seen", lambda: len(rounds.latest)),
        Metric("rpymostat_sensor_errors", "gauge", "sensors whose last reading failed",
               lambda: sum(1 for t in rounds.latest.values() if t.sensor.error)),
        Metric("rpymostat_readings_delivered", "counter",
               "readings the engine acknowledged", lambda: fwd.sent),
        Metric("rpymostat_readings_rejected", "counter", "readings the engine refused (4xx)",
               lambda: fwd.rejected),
        Metric("rpymostat_delivery_failures_in_a_row", "gauge",
               "failed deliveries since the last success", lambda: fwd.failures),
        Metric("rpymostat_queue_length", "gauge", "readings waiting on disk", lambda:
               queue.length),
        Metric("rpymostat_queue_dropped", "counter",
               "oldest readings dropped because the queue was full", lambda: queue.dropped),
    ]
