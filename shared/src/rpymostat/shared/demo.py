"""``make run``'s demo with the simulated house: how the agents are wired to it, and the
engine's zone ``house`` set up through the engine's API (plain HTTP; the suite has no reactor).

The house runs ``RPYMOSTAT_HOUSE_SPEED`` (default 60) times faster than real time, while the
engine, its schedules and its timers run on real time. So that a visitor sees the heater cycle
within a minute, the demo shortens the real-time timers: the engine decides every 5 s (not
60 s), the sensor agent reads every 5 s (not 60 s), and the heater may switch after 20 s on or
off (not 5 minutes: at 60× that would be 5 simulated hours). These values exist only because
the house's clock is fast; a real house keeps the defaults. The house starts at 16 °C (a house
back from a winter holiday), below the night's 17 °C as well as the day's 21 °C, so the heater
comes on within a minute whatever the hour.

The engine's own time-based limits follow the house's clock too (:func:`scaled_limits`): at 60×
a sensor that goes quiet makes the zone's reading stale after 15 s (15 simulated minutes, not
ten simulated hours of blind control) and a manual hold lasts one minute (one simulated hour);
the zone's predictive head start is at most two simulated hours (120 s), not five days.
"""

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

ZONE = "house"
DECISION_INTERVAL_S = "5"
SENSOR_INTERVAL_S = "5"
MIN_ON_OFF_S = 20
DECIDER_PARAMS = {"min_on_s": MIN_ON_OFF_S, "min_off_s": MIN_ON_OFF_S}
NIGHT_C = 17.0
HOUSE_START_C = "16"  # below NIGHT_C − the tolerance: the heat comes on at any hour
DAY_SCHEDULE = {"name": "Day (demo)", "target": 21.0, "scheduler": "weekly",
                "params": {"days": "daily", "from": "06:30", "to": "22:30"}}
DEFAULT_SPEED = 60.0
REAL_STALE_S = 600.0  # the engine's defaults for a real house
REAL_HOLD_S = 3600.0
REAL_HEAD_START_S = 7200.0  # a zone's default predictive head start (engine zones/model.py)
MIN_STALE_READINGS = 3  # a stale limit shorter than three sensor rounds flaps
MIN_HOLD_S = 30.0
OUTDOOR_SENSOR = "outdoor"  # the id the sim sensor class gives the house's outdoor temperature
Say = Callable[[str], Any]
Call = Callable[..., tuple[int, Any]]  # (method, path[, body]) → (status, JSON); EngineCalls


@dataclass(frozen=True)
class HouseInfo:
    """What the suite learnt from the running house's ``GET /v1/status``."""

    url: str
    instance_id: str
    speed: float
    zone: str  # the house's zone the demo's outputs heat and cool


def house_info(url: str, status: Mapping[str, Any]) -> HouseInfo:
    """From the house's status body (its first zone is the demo's)."""
    zones = status.get("zones") or [ZONE]
    return HouseInfo(url.rstrip("/"), str(status.get("instance_id", "")),
                     float(status.get("speed", 60)), str(zones[0]))


def agent_env(house: HouseInfo, discovery: bool) -> dict[str, str]:
    """``RPYMOSTAT_SENSORS`` / ``RPYMOSTAT_RELAYS`` for the sim classes: the house found by
    mDNS (pinned by its instance id, so another house on the LAN cannot confuse it), or by URL
    when advertising is off."""
    protection = f"min_on={MIN_ON_OFF_S},min_off={MIN_ON_OFF_S}"
    if discovery:
        pin = f"house={house.instance_id}"
        return {"RPYMOSTAT_SENSORS": f"sim={pin}",
                "RPYMOSTAT_RELAYS": f"heat=sim:zone={house.zone},{pin},{protection};"
                                    f"cool=sim:zone={house.zone},{pin}"}
    zone = f"{house.url}/v1/zones/{house.zone}"
    return {"RPYMOSTAT_SENSORS": f"sim=url={zone} sim=id={house.zone}",
            "RPYMOSTAT_RELAYS": f"heat=sim:url={zone}/heat,{protection};"
                                f"cool=sim:url={zone}/cool"}


def house_speed(environ: Mapping[str, str]) -> float:
    """``RPYMOSTAT_HOUSE_SPEED`` as the house will read it (60 when unset or unreadable)."""
    try:
        speed = float(environ.get("RPYMOSTAT_HOUSE_SPEED", DEFAULT_SPEED))
    except ValueError:
        return DEFAULT_SPEED
    return speed if speed >= 1 else DEFAULT_SPEED


def scaled_limits(speed: float) -> dict[str, str]:
    """The engine's time-based limits on the house's clock: a real house's 10-minute stale
    limit and hour-long manual hold last 10 simulated minutes and one simulated hour (never
    less than ``MIN_STALE_READINGS`` sensor rounds and ``MIN_HOLD_S``); the learnt rates'
    sampling periods shrink by the same factor (``RPYMOSTAT_TIME_SCALE``)."""
    stale = max(REAL_STALE_S / speed, MIN_STALE_READINGS * float(SENSOR_INTERVAL_S))
    hold = max(REAL_HOLD_S / speed, MIN_HOLD_S)
    return {"RPYMOSTAT_STALE_AFTER": f"{stale:g}", "RPYMOSTAT_MANUAL_HOLD": f"{hold:g}",
            "RPYMOSTAT_TIME_SCALE": f"{speed:g}"}


def demo_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The demo's short real-time timers and the house's cold start (see the module's
    docstring for why), and the engine's limits on the house's clock (:func:`scaled_limits`);
    a user's own setting of any of them wins."""
    return {"RPYMOSTAT_DECISION_INTERVAL": DECISION_INTERVAL_S,
            "RPYMOSTAT_SENSOR_INTERVAL": SENSOR_INTERVAL_S,
            "RPYMOSTAT_HOUSE_START_C": HOUSE_START_C,
            **scaled_limits(house_speed(environ or {}))}


class EngineCalls:
    """JSON calls to the engine's API with the site token, each with a time limit."""

    def __init__(self, url: str, token: str, timeout: float = 5.0) -> None:
        self.url = url.rstrip("/")
        self._token = token
        self._timeout = timeout

    def __call__(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """(status, decoded JSON or None); a refused connection is status 0."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - http:// URL the suite built
            self.url + path, data=data, method=method,
            headers={"Authorization": f"Bearer {self._token}",
                     "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                return response.status, _decoded(response.read())
        except urllib.error.HTTPError as e:
            return e.code, _decoded(e.read())
        except OSError:
            return 0, None


def _decoded(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _poll(check: Callable[[], Any], timeout: float, interval: float = 0.25) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def seed_schedule(call: Call, say: Say, timeout: float = 30.0,
                  speed: float = DEFAULT_SPEED) -> bool:
    """A first run's zone ``house``: 21 °C daily 06:30–22:30, 17 °C at night, the demo's
    short minimum on/off times and a predictive head start of at most two hours on the
    house's clock (``speed``); nothing when the zone already has schedules. True when the
    zone answered."""
    def schedules() -> dict[str, Any] | None:
        code, body = call("GET", f"/v1/zones/{ZONE}/schedules")
        return body if code == 200 and isinstance(body, dict) else None

    answered = _poll(schedules, timeout)
    if not answered:
        say(f"  warning: the engine's zone {ZONE!r} did not answer; no schedule was set")
        return False
    if answered.get("schedules"):
        say(f"  zone {ZONE!r} keeps its schedules")
        return True
    steps = (("POST", f"/v1/zones/{ZONE}/schedules", DAY_SCHEDULE),
             ("PATCH", f"/v1/zones/{ZONE}", {
                 "default_target": NIGHT_C, "decider_params": DECIDER_PARAMS,
                 "max_head_start_s": round(REAL_HEAD_START_S / speed, 1)}))
    for method, path, body in steps:
        code, answer = call(method, path, body)
        if code not in (200, 201):
            say(f"  warning: {method} {path} answered {code}: {_error(answer)}")
            return True
    say(f"  zone {ZONE!r}: 21 °C daily 06:30–22:30 (engine time), {NIGHT_C:g} °C at night;"
        f" heater at least {MIN_ON_OFF_S} s on or off")
    return True


def outdoor_sensor(call: Call, timeout: float = 20.0) -> str | None:
    """The key (``<host>:outdoor``) of the sim class's outdoor sensor once it has reported."""

    def find() -> str | None:
        code, body = call("GET", "/v1/sensors")
        if code != 200:
            return None
        return next((s["id"] for s in body["sensors"] if s.get("sensor_id") == OUTDOOR_SENSOR
                     and s.get("type") == "sim"), None)

    return _poll(find, timeout)  # type: ignore[no-any-return]


def set_outdoor_sensor(call: Call, say: Say, timeout: float = 20.0) -> None:
    """Make the house's outdoor temperature zone ``house``'s outdoor sensor (so that it is not
    averaged into the indoor temperature); an engine without the field gets a warning."""
    key = outdoor_sensor(call, timeout)
    if key is None:
        say("  warning: no outdoor reading from the simulated house yet; it may be averaged"
            " into the zone's temperature")
        return
    code, answer = call("PATCH", f"/v1/zones/{ZONE}", {"outdoor_sensor": key})
    if code == 200:
        say(f"  zone {ZONE!r}: outdoor sensor {key}")
    else:
        say(f"  warning: the engine did not take {key} as the outdoor sensor (HTTP {code}:"
            f" {_error(answer)}); it is averaged into the zone's temperature")


def _error(answer: Any) -> str:
    return str(answer.get("error")) if isinstance(answer, dict) else str(answer)[:200]


def explain(house: HouseInfo, page: str) -> str:
    """What the suite prints about the demo."""
    speed = f"{house.speed:g}"
    limits = scaled_limits(house.speed)
    return (f"No thermometer here: the demo runs a simulated house whose time runs {speed}×"
            f" faster\n(watch it at {page}). Because its clock is fast, the engine decides"
            f" every {DECISION_INTERVAL_S} s,\nthe sensor agent reads every"
            f" {SENSOR_INTERVAL_S} s and the heater may switch after {MIN_ON_OFF_S} s"
            f" (demo values only).\nThe house starts cold, at {HOUSE_START_C} °C, so the heater"
            " comes on at any hour.\nThe engine's limits follow the house's clock: a sensor is"
            f" stale after {limits['RPYMOSTAT_STALE_AFTER']} s, a manual hold lasts"
            f" {limits['RPYMOSTAT_MANUAL_HOLD']} s.")
