"""``rpymostat``: the command-line client of an RPyMostat engine."""

__version__ = "0.1.0"
