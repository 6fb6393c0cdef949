"""The engine's configuration: environment variables only, declared in one table."""

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from twisted.logger import LogLevel

from rpymostat.shared.auth import AuthMode
from rpymostat.shared.busconfig import BUS_SETTINGS, BusConfig, bus_config
from rpymostat.shared.discovery.records import default_instance_name, instance_name
from rpymostat.shared.envconfig import (
    Setting,
    data_dir_setting,
    load,
    parse_choice,
    parse_endpoint,
    parse_int_range,
    parse_log_level,
    parse_nonempty,
    parse_positive_float,
    parse_zmq_endpoint,
    token_setting,
)

from .mqtt.config import MQTT_SETTINGS, MqttConfig, mqtt_config
from .schedule.timespec import parse_zone_name


def local_timezone(environ: Mapping[str, str], etc: Path = Path("/etc")) -> str:
    """This machine's IANA time zone: $TZ, /etc/timezone, the /etc/localtime link, else UTC."""
    candidates = [environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError):
        candidates.append((etc / "timezone").read_text().strip())
    try:
        target = str((etc / "localtime").resolve())
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for name in candidates:
        try:
            if name:
                return parse_zone_name(name).key
        except ValueError:
            continue
    return "UTC"


def parse_timezone(value: str) -> str:
    """An IANA time zone name."""
    return parse_zone_name(value.strip()).key


def parse_store_url(value: str) -> str:
    """``sqlite:///path/to/file.db``, a plain file path, or ``mongodb://host:port/db``."""
    v = value.strip()
    if v.startswith("mongodb://"):
        rest = v[len("mongodb://"):]
        host, _, db = rest.partition("/")
        if not host or not db.split("?")[0]:
            raise ValueError("a MongoDB URL must name host and database: mongodb://host:port/db")
        return v
    if v.startswith("sqlite:///"):
        path = v[len("sqlite:///"):]
        if not path:
            raise ValueError("sqlite:/// needs a file path")
        return v
    if "://" in v:
        raise ValueError("unsupported store; use an SQLite file path, sqlite:///path or"
                         " mongodb://host:port/db")
    if not v:
        raise ValueError("must not be empty")
    return v


def parse_links(value: str) -> tuple[tuple[str, str], ...]:
    """``web UI=http://pi:8080/,simulated house=http://pi:8093/`` (http(s) URLs only)."""
    links = []
    for item in filter(None, (part.strip() for part in value.split(","))):
        label, sep, url = item.partition("=")
        if not sep or not label.strip() or not url.strip().startswith(("http://", "https://")):
            raise ValueError(f"{item!r} is not label=http(s)://...")
        links.append((label.strip(), url.strip()))
    return tuple(links)


SETTINGS: tuple[Setting, ...] = (
    Setting("RPYMOSTAT_ENGINE_LISTEN", "tcp:8088", "endpoint", parse_endpoint,
            "Twisted endpoint string the REST API listens on"),
    data_dir_setting("directory for the SQLite store and the generated token"),
    Setting("RPYMOSTAT_STORE", None, "url", parse_store_url,
            "store: SQLite file path / sqlite:///path (default <data dir>/rpymostat.sqlite3)"
            " or mongodb://host:port/db"),
    token_setting("site token for mutating calls; unset = generated once into <data dir>/token"),
    Setting("RPYMOSTAT_AUTH", "on", "on|off|strict",
            parse_choice(*(m.value for m in AuthMode)),
            "on: token needed to change things; strict: to read too; off: no checks"),
    Setting("RPYMOSTAT_LOG_LEVEL", "info", "level", parse_log_level,
            "debug, info, warn, error or critical"),
    Setting("RPYMOSTAT_STALE_AFTER", "600", "seconds", parse_positive_float,
            "a sensor whose last reading is older than this is stale"),
    Setting("RPYMOSTAT_STORE_TIMEOUT", "10", "seconds", parse_positive_float,
            "time limit for one store call (MongoDB network calls, SQLite lock waits)"),
    *BUS_SETTINGS,
    Setting("RPYMOSTAT_BUS_PUB_LISTEN", "tcp://*:8091", "zmq endpoint", parse_zmq_endpoint,
            "bus XSUB endpoint that publishers connect to (advertised)"),
    Setting("RPYMOSTAT_BUS_SUB_LISTEN", "tcp://*:8092", "zmq endpoint", parse_zmq_endpoint,
            "bus XPUB endpoint that subscribers connect to (advertised)"),
    Setting("RPYMOSTAT_LOG_KEEP", "500", "count", parse_int_range(1, 100_000),
            "how many of the latest bus log records GET /v1/logs keeps"),
    Setting("RPYMOSTAT_ENGINE_NAME", None, "name", parse_nonempty,
            "instance name advertised on the LAN (default: RPyMostat engine on <host>)"),
    Setting("RPYMOSTAT_AGENT_TIMEOUT", "5", "seconds", parse_positive_float,
            "time limit for each call to a relay agent (heartbeat, command)"),
    Setting("RPYMOSTAT_RELAY_RETRIES", "5", "count", parse_int_range(1, 1000),
            "failed re-sends to a relay before the relay-mismatch alarm"),
    Setting("RPYMOSTAT_TIMEZONE", None, "IANA zone", parse_timezone,
            "time zone of new zones' schedules (default: this machine's, else UTC)"),
    Setting("RPYMOSTAT_DECISION_INTERVAL", "60", "seconds", parse_positive_float,
            "every zone is decided this often (and on every new reading)"),
    Setting("RPYMOSTAT_MANUAL_HOLD", "3600", "seconds", parse_positive_float,
            "an output switched by hand is left alone by the zone for this long"),
    Setting("RPYMOSTAT_TIME_SCALE", "1", "factor", parse_positive_float,
            "the house's clock runs this many times faster (make run's simulated house):"
            " the learnt rates' sampling periods are divided by it"),
    Setting("RPYMOSTAT_MDNS_TTL", None, "seconds", parse_int_range(1, 86_400),
            "TTL of the engine's mDNS records (default: python-zeroconf's 120 s / 75 min)"),
    Setting("RPYMOSTAT_LINKS", "", "label=url,...", parse_links,
            "links on the engine's root page (make run: the web UI, the simulated house)"),
    *MQTT_SETTINGS,
    Setting("RPYMOSTAT_HISTORY_RAW_DAYS", "90", "days", parse_int_range(1, 100_000),
            "raw readings are kept this long (SQLite), then only their 5-minute buckets"),
    Setting("RPYMOSTAT_HISTORY_5M_DAYS", "730", "days", parse_int_range(1, 100_000),
            "5-minute buckets are kept this long, then hourly ones (kept forever)"),
    Setting("RPYMOSTAT_DOWNSAMPLE_INTERVAL", "60", "seconds", parse_positive_float,
            "how often the downsampler looks for new readings to put into buckets"),
)


@dataclass(frozen=True)
class EngineConfig:
    """Validated engine settings, passed into constructors."""

    listen: str
    data_dir: Path
    store_url: str
    token: str | None
    auth: AuthMode
    log_level: LogLevel
    stale_after: float
    store_timeout: float
    bus: BusConfig
    bus_pub_listen: str
    bus_sub_listen: str
    log_keep: int
    name: str
    agent_timeout: float = 5.0
    relay_retries: int = 5
    timezone: str = "UTC"
    decision_interval: float = 60.0
    manual_hold: float = 3600.0
    links: tuple[tuple[str, str], ...] = ()
    time_scale: float = 1.0
    mdns_ttl: int | None = None
    mqtt: MqttConfig | None = None  # the Home Assistant bridge; None = off
    history_raw_days: int = 90
    history_5m_days: int = 730
    downsample_interval: float = 60.0

    @property
    def uses_mongodb(self) -> bool:
        """Whether the store URL selects MongoDB."""
        return self.store_url.startswith("mongodb://")

    @property
    def sqlite_path(self) -> Path:
        """The SQLite file (only meaningful when not using MongoDB)."""
        url = self.store_url
        return Path(url[len("sqlite:///"):] if url.startswith("sqlite:///") else url)


def load_config(environ: Mapping[str, str]) -> EngineConfig:
    """Validate the environment; raises ConfigError naming the first bad variable."""
    v = load(SETTINGS, environ)
    data_dir = Path(v["RPYMOSTAT_DATA_DIR"]).expanduser()
    store = v["RPYMOSTAT_STORE"] or str(data_dir / "rpymostat.sqlite3")
    return EngineConfig(
        listen=v["RPYMOSTAT_ENGINE_LISTEN"],
        data_dir=data_dir,
        store_url=store,
        token=v["RPYMOSTAT_TOKEN"],
        auth=AuthMode(v["RPYMOSTAT_AUTH"]),
        log_level=v["RPYMOSTAT_LOG_LEVEL"],
        stale_after=v["RPYMOSTAT_STALE_AFTER"],
        store_timeout=v["RPYMOSTAT_STORE_TIMEOUT"],
        bus=bus_config(v),
        bus_pub_listen=v["RPYMOSTAT_BUS_PUB_LISTEN"],
        bus_sub_listen=v["RPYMOSTAT_BUS_SUB_LISTEN"],
        log_keep=v["RPYMOSTAT_LOG_KEEP"],
        name=instance_name(v["RPYMOSTAT_ENGINE_NAME"] or default_instance_name("engine")),
        agent_timeout=v["RPYMOSTAT_AGENT_TIMEOUT"],
        relay_retries=v["RPYMOSTAT_RELAY_RETRIES"],
        timezone=v["RPYMOSTAT_TIMEZONE"] or local_timezone(environ),
        decision_interval=v["RPYMOSTAT_DECISION_INTERVAL"],
        manual_hold=v["RPYMOSTAT_MANUAL_HOLD"],
        links=v["RPYMOSTAT_LINKS"],
        time_scale=v["RPYMOSTAT_TIME_SCALE"],
        mdns_ttl=v["RPYMOSTAT_MDNS_TTL"],
        mqtt=mqtt_config(v),
        history_raw_days=v["RPYMOSTAT_HISTORY_RAW_DAYS"],
        history_5m_days=v["RPYMOSTAT_HISTORY_5M_DAYS"],
        downsample_interval=v["RPYMOSTAT_DOWNSAMPLE_INTERVAL"],
    )
