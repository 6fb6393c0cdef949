"""The informational routes every daemon serves: ``/``, ``/v1/status``, ``/v1/openapi.json``.

Agents and the web UI start with just these (their own issues add the rest).
"""

import html
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from twisted.application import strports
from twisted.application.service import MultiService
from twisted.logger import Logger, LogLevel
from twisted.web.resource import Resource
from twisted.web.server import Request

from .busconfig import (
    BUS_SETTINGS,
    LOCATOR_SETTINGS,
    BusConfig,
    LocatorConfig,
    bus_config,
    locator_config,
)
from .discovery.records import Advert, default_instance_name
from .envconfig import Setting, load, parse_endpoint, parse_log_level
from .link import EngineLink
from .plainroutes import GetRoutes
from .web import json_response, make_site

API_LISTENER = "api"  # the name of the listener service in build_node_service's tree


@dataclass(frozen=True)
class DaemonConfig:
    """What a daemon needs before its own issue adds more: where to listen, how loud to log,
    the bus and how to find the engine."""

    listen: str
    log_level: LogLevel
    bus: BusConfig
    locator: LocatorConfig


def daemon_settings(prefix: str, default_listen: str) -> tuple[Setting, ...]:
    """``RPYMOSTAT_<PREFIX>_LISTEN``, ``RPYMOSTAT_LOG_LEVEL``, the bus and locator settings."""
    return (
        Setting(f"RPYMOSTAT_{prefix}_LISTEN", default_listen, "endpoint", parse_endpoint,
                "Twisted endpoint string the daemon's API listens on"),
        Setting("RPYMOSTAT_LOG_LEVEL", "info", "level", parse_log_level,
                "debug, info, warn, error or critical"),
        *LOCATOR_SETTINGS,
        *BUS_SETTINGS,
    )


def load_daemon_config(settings: tuple[Setting, ...], environ: dict[str, str]) -> DaemonConfig:
    """Validate the settings of :func:`daemon_settings`."""
    return daemon_config(settings, load(settings, environ))


def daemon_config(settings: tuple[Setting, ...], values: dict[str, Any]) -> DaemonConfig:
    """The :class:`DaemonConfig` part of ``values`` already loaded from ``settings`` (which
    start with :func:`daemon_settings`)."""
    return DaemonConfig(listen=values[settings[0].name], log_level=values[settings[1].name],
                        bus=bus_config(values), locator=locator_config(values))


def root_page(request: Request, title: str, version: str,
              links: tuple[tuple[str, str], ...] = ()) -> bytes:
    """A small HTML page naming a daemon and linking its status, API document and ``links``."""
    request.setHeader(b"content-type", b"text/html; charset=utf-8")
    items = "".join(f"<li><a href=\"{html.escape(href)}\">{html.escape(text)}</a></li>"
                    for href, text in (("/v1/status", "Status"), *links,
                                       ("/v1/openapi.json", "API document")))
    name = html.escape(title)
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{name}"
            f"</title></head><body><h1>{name}</h1><p>Version {html.escape(version)}</p>"
            f"<ul>{items}</ul></body></html>").encode()


@dataclass
class InfoAPI:
    """The informational routes of a daemon named ``title`` (plain twisted.web: no Klein)."""

    title: str
    version: str
    status: Callable[[], dict[str, Any]] = field(default=lambda: {})
    page: bytes | None = None  # the daemon's own HTML for ``/`` (default: root_page)

    def resource(self) -> Resource:
        """``/``, ``/v1/status`` and ``/v1/openapi.json``."""
        return GetRoutes({"/": self.root, "/v1/status": self.get_status,
                          "/v1/openapi.json": self.openapi})

    def root(self, request: Request) -> bytes:
        """The daemon's page, or a small HTML page naming the daemon and linking its API."""
        if self.page is None:
            return root_page(request, self.title, self.version)
        request.setHeader(b"content-type", b"text/html; charset=utf-8")
        return self.page

    def get_status(self, request: Request) -> bytes:
        """Always 200 while the daemon runs; details from the status callback."""
        body = {"status": True, "service": self.title, "version": self.version,
                **self.status()}
        return json_response(request, body)

    def openapi(self, request: Request) -> bytes:
        """The OpenAPI 3 document of these routes."""
        return json_response(request, info_openapi(self.title, self.version))


def info_openapi(title: str, version: str) -> dict[str, Any]:
    """OpenAPI 3 document of the informational routes."""
    ok = {"200": {"description": "OK"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": f"{title} API", "version": version},
        "paths": {"/": {"get": {"summary": "HTML page", "responses": ok}},
                  "/v1/status": {"get": {"summary": "status", "responses": ok}},
                  "/v1/openapi.json": {"get": {"summary": "this document", "responses": ok}}},
    }


def build_node_service(title: str, role: str, version: str, config: DaemonConfig,
                       reactor: Any, *, link: EngineLink | None = None,
                       resource: Any = None, page: bytes | None = None,
                       metrics: Any = None) -> MultiService:
    """A daemon's API, its engine link and (unless off) its advert.

    ``link`` and ``resource`` are the daemon's own when it has more than the informational
    routes; ``metrics`` (a list of :class:`rpymostat.shared.metrics.Metric`) adds
    ``GET /metrics``; without them it gets a new link and the informational API (with ``page`` at
    ``/`` when given).
    """
    top = MultiService()
    if link is None:
        link = EngineLink(reactor, role, config.bus, config.locator)
    if resource is None:
        resource = InfoAPI(title, version, status=link.status, page=page).resource()
    timer = None
    if metrics is not None:  # GET /metrics: the daemon's counters, its requests, its bus
        from .metrics import RequestTimer, publisher_metrics, with_metrics

        timer = RequestTimer()
        resource = with_metrics(resource, [*metrics, *timer.metrics(),
                                           *publisher_metrics(link.publisher)])
    listener = strports.service(config.listen, make_site(resource, timer=timer))
    listener.setName(API_LISTENER)
    listener.setServiceParent(top)
    link.setServiceParent(top)
    if config.bus.advertise:
        # imported here: a daemon that does not advertise never loads python-zeroconf
        from .discovery.advertise import AdvertiseService, when_listening

        instance_id = uuid.uuid4().hex
        AdvertiseService(reactor, when_listening(
            listener, config.listen, lambda port, addresses: Advert(
                default_instance_name(role), role, instance_id, port, addresses, version,
                {"api": "/v1"}))).setServiceParent(top)
    Logger(namespace=title).info("{title} API on {listen}", title=title, listen=config.listen)
    return top


def placeholder_daemon(prefix: str, default_listen: str, title: str, what: str, *,
                       version: str, script: str, role: str,
                       page: Callable[[], bytes] | None = None) -> tuple[type, Any, Any]:
    """``(Options, makeService, main)`` for a daemon that so far serves only the info routes
    (and at ``/`` what ``page`` reads, when given).

    Placeholder components use this until their own issue gives them a real service tree.
    """
    from . import daemon
    from .options import EnvOptions

    settings = daemon_settings(prefix, default_listen)

    class Options(EnvOptions):
        """Settings from the environment; ``--show-config`` prints them."""

        description = f"{title}: {what}."

        def load(self, environ: Mapping[str, str]) -> DaemonConfig:
            """Validate the environment table."""
            return load_daemon_config(settings, dict(environ))

    Options.settings = settings

    def makeService(options: Options) -> MultiService:
        """twistd entry point."""
        from twisted.internet import reactor

        return build_node_service(title, role, version, options.config, reactor,
                                  page=None if page is None else page())

    def main() -> None:
        """Console script entry point."""
        daemon.run(script, Options, makeService)  # type: ignore[arg-type]

    return Options, makeService, main
