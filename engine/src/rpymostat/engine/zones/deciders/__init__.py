"""Decider plugins (entry point group ``rpymostat.deciders``)."""
