"""Code shared by every RPyMostat daemon: HTTP/JSON plumbing, configuration, daemon runner."""

from importlib.metadata import PackageNotFoundError, version


def distribution_version(distribution: str) -> str:
    """Return the installed version of ``distribution``, or ``0+unknown`` when not installed."""
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "0+unknown"


__version__ = distribution_version("rpymostat-shared")
