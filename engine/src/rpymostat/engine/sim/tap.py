"""twistd plugin / console script ``rpymostat-house``: the simulated house as a daemon.

Its service tree: the running house (model and timer), the HTTP listener (API and page) and,
unless ``RPYMOSTAT_ADVERTISE=off``, its advert with role ``house`` so that the ``sim`` sensor
plugin and relay output find it on the LAN.
"""

import sys
import time
import uuid
from collections.abc import Mapping
from typing import Any

from twisted.application import strports
from twisted.application.service import MultiService
from twisted.logger import Logger, LogLevel

from rpymostat.shared import daemon
from rpymostat.shared.auth import BearerAuth
from rpymostat.shared.discovery.advertise import AdvertiseService, when_listening
from rpymostat.shared.discovery.records import HOUSE, Advert, default_instance_name
from rpymostat.shared.metrics import RequestTimer, with_metrics
from rpymostat.shared.options import EnvOptions
from rpymostat.shared.web import make_site

from .. import __version__
from .api import TITLE, HouseAPI, speed_text
from .config import SETTINGS, HouseConfig, load_config
from .metrics import house_metrics
from .service import RunningHouse, new_house

_log = Logger(namespace="rpymostat.engine.sim")


class Options(EnvOptions):
    """Command line: only --show-config; everything else comes from the environment."""

    synopsis = "[--show-config]"
    description = ("The RPyMostat simulated house: a thermal model of a house with heaters and"
                   " coolers, in accelerated time, for the sim sensor and relay plugins.")
    settings = SETTINGS

    def load(self, environ: Mapping[str, str]) -> HouseConfig:
        """Validate the house's environment table."""
        return load_config(environ)


def local_utc_offset_h() -> float:
    """This machine's UTC offset now, in hours (the house's time of day follows it)."""
    return time.localtime().tm_gmtoff / 3600.0


def build_service(config: HouseConfig, reactor: Any, utc_offset_h: float = 0.0
                  ) -> MultiService:
    """The house, its API listener and its advert."""
    top = MultiService()
    house = RunningHouse(reactor, new_house(config, reactor.seconds(), utc_offset_h),
                         config.speed)
    house.setServiceParent(top)
    instance_id = uuid.uuid4().hex
    advertiser: AdvertiseService | None = None

    def status() -> dict[str, Any]:
        advertised = advertiser.advertised if advertiser is not None else None
        return {"instance_id": instance_id,
                "advertised": advertised.name if advertised is not None else None}

    api = HouseAPI(house, __version__, status,
                   None if config.token is None else BearerAuth(config.token))
    timer = RequestTimer()
    root = with_metrics(api.resource(), [*house_metrics(house), *timer.metrics()])
    listener = strports.service(config.listen, make_site(
        root, access_log=config.log_level <= LogLevel.debug, timer=timer))
    listener.setServiceParent(top)
    if config.advertise:
        advertiser = AdvertiseService(reactor, when_listening(
            listener, config.listen, lambda port, addresses: Advert(
                default_instance_name(HOUSE), HOUSE, instance_id, port, addresses, __version__,
                {"api": "/v1", "speed": speed_text(config.speed)})))
        advertiser.setServiceParent(top)
    _log.info("{title} on {listen}: zones {zones}, time runs {speed}x faster", title=TITLE,
              listen=config.listen, zones=", ".join(config.zones),
              speed=speed_text(config.speed))
    return top


def makeService(options: Options) -> MultiService:
    """twistd entry point."""
    from twisted.internet import reactor

    assert options.config is not None
    return build_service(options.config, reactor, local_utc_offset_h())


def main(argv: Any = None) -> None:
    """Console script ``rpymostat-house``."""
    daemon.run("rpymostat-house", Options, makeService, argv)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
    sys.exit(0)
