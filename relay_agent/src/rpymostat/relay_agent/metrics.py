"""The relay agent's metrics: the counters its bank, watchdog and registrar keep."""

from typing import TYPE_CHECKING

from rpymostat.shared.metrics import Metric

if TYPE_CHECKING:
    from .agent import RelayAgent


def agent_metrics(agent: "RelayAgent") -> list[Metric]:
    """Output switches and states, watchdog trips, registrations."""
    bank, watchdog, registrar = agent.bank, agent.watchdog, agent.registrar
    return [
        Metric("rpymostat_output_switches", "counter", "output state changes (all outputs)",
               lambda: bank.changes),
        Metric("rpymostat_output_on", "gauge", "1 while the output is on", lambda: [
            ({"output": oid}, float(state.on)) for oid, state in
            sorted(bank.guard.outputs.items())], ("output",)),
        Metric("rpymostat_watchdog_trips", "counter",
               "times the engine went silent and the outputs went to their safe state",
               lambda: watchdog.trips),
        Metric("rpymostat_registrations", "counter", "successful registrations with the engine",
               lambda: registrar.registrations),
        Metric("rpymostat_registration_failures_in_a_row", "gauge",
               "failed registrations since the last success", lambda: registrar.failures),
    ]
