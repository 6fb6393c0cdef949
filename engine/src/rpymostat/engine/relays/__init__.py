"""The engine's side of the relays: registry, commanded state, heartbeats, reconciliation,
alarms."""
