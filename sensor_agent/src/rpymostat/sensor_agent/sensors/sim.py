"""Plugin ``sim``: the temperature of the simulated house (or any JSON endpoint).

GETs ``url`` and takes the number at ``field`` (a dotted path, e.g. ``indoor_c`` or
``zones.living.indoor_c``). A failed fetch or a missing field reports ``None`` with the reason.
"""

from typing import Any, ClassVar

from twisted.internet.defer import Deferred

from rpymostat.shared.ids import parse_id
from rpymostat.shared.pluginargs import PluginArg

from ..plugin import SensorContext, SensorError, SensorValue


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must be an http:// or https:// URL")
    return value


def pick(body: Any, path: str) -> float:
    """The number at the dotted ``path`` of a JSON document, or SensorError."""
    node = body
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            raise SensorError(f"the answer has no {path!r}")
        node = node[key]
    if isinstance(node, bool) or not isinstance(node, int | float):
        raise SensorError(f"{path!r} is {type(node).__name__}, not a number")
    return float(node)


class SimSensor:
    """One sensor whose value is a field of a JSON document served over HTTP."""

    name: ClassVar[str] = "sim"
    description: ClassVar[str] = ("the simulated house's temperature: a number in the JSON at"
                                  " url (rpymostat-house, or any endpoint)")
    arguments: ClassVar[tuple[PluginArg, ...]] = (
        PluginArg("url", None, "JSON endpoint to GET", _http_url, required=True),
        PluginArg("field", "indoor_c", "dotted path of the °C value in the answer"),
        PluginArg("id", "sim", "the sensor id to report", parse_id),
    )

    def __init__(self, context: SensorContext, url: str, field: str = "indoor_c",
                 id: str = "sim", **_: Any) -> None:
        self._context = context
        self._url, self._field, self._id = url, field, id

    def read(self) -> Deferred[list[SensorValue]]:
        """GET the document (with the context's time limit) and pick the field."""
        d = self._context.get_json(self._url, self._context.timeout)
        d.addCallback(lambda body: [SensorValue(self._id, pick(body, self._field), "sim")])
        d.addErrback(lambda f: [SensorValue(self._id, None, "sim", error=_reason(f))])
        return d


def _reason(failure: Any) -> str:
    if failure.check(SensorError):
        return str(failure.value)
    return f"cannot read {failure.type.__name__}: {failure.getErrorMessage()}"[:200]
