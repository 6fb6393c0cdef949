"""twistd plugin: ``twistd -n rpymostat-webui`` (logic in rpymostat.webui.tap)."""

from twisted.application.service import ServiceMaker

rpymostat_webui = ServiceMaker(
    "RPyMostat web UI",
    "rpymostat.webui.tap",
    "RPyMostat web UI: the web interface for phones and wall tablets",
    "rpymostat-webui",
)
