"""The sensor classes shipped with the agent (entry point group ``rpymostat.sensors``)."""
