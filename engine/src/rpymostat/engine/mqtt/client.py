"""The MQTT connection: an interface the bridge talks to, and the real one on paho-mqtt.

paho-mqtt 2.x speaks MQTT 5, is what Home Assistant itself uses, and is maintained by the
Eclipse Foundation; it is one pure-Python module with no dependencies. Its ``connect()`` and
``loop()`` block, so :class:`PahoClient` runs them on a thread of its own and hands every event
to the reactor with ``callFromThread``. Publishing and subscribing from the reactor thread only
queues packets (paho guards its queues with locks and wakes its loop). Reconnection is ours,
with :func:`rpymostat.shared.backoff.backoff_delay`, so a dead broker costs one attempt per
back-off step, never a tight loop.
"""

import threading
import uuid
from typing import Any, Protocol

from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from rpymostat.shared.backoff import backoff_delay

from .config import MqttConfig

_log = Logger(namespace="rpymostat.engine.mqtt")
FIRST_RETRY_S = 1.0
MAX_RETRY_S = 30.0
LOOP_TIMEOUT_S = 0.25


class MqttHandlers(Protocol):
    """What the client tells its user (always in the reactor thread)."""

    def connected(self) -> None:
        """The broker accepted the connection (again)."""

    def disconnected(self, why: str) -> None:
        """The connection is gone; the client is reconnecting."""

    def message(self, topic: str, payload: bytes) -> None:
        """A message on a subscribed topic."""


class MqttClient(Protocol):
    """A connection to a broker that keeps itself connected."""

    def start(self, handlers: MqttHandlers) -> None:
        """Begin connecting (never blocks)."""

    def publish(self, topic: str, payload: str, retain: bool = False) -> None:
        """Send (QoS 1); dropped quietly when not connected (the bridge re-publishes on
        reconnect)."""

    def subscribe(self, topic: str) -> None:
        """Receive messages on ``topic`` (QoS 1) until the connection ends."""

    def stop(self) -> Deferred[None]:
        """Disconnect cleanly (queued messages are sent first) and end the thread."""


class PahoClient:
    """:class:`MqttClient` on paho-mqtt's MQTT 5 client, on a thread of its own."""

    def __init__(self, reactor: IReactorTime, config: MqttConfig, *, will_topic: str,
                 will_payload: str, client_id: str | None = None) -> None:
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        self._mqtt = mqtt
        self._reactor = reactor
        self._config = config
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._done: Deferred[None] = Deferred()
        self._handlers: MqttHandlers | None = None
        self._accepted = False
        self.attempts = 0
        client = mqtt.Client(CallbackAPIVersion.VERSION2,
                             client_id=client_id or f"rpymostat-{uuid.uuid4().hex[:12]}",
                             protocol=mqtt.MQTTv5)
        if config.username is not None:
            client.username_pw_set(config.username, config.password)
        if config.tls:
            client.tls_set(ca_certs=str(config.ca_file) if config.ca_file else None)
        client.will_set(will_topic, will_payload, qos=1, retain=True)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        self._client = client

    # -- reactor thread ----------------------------------------------------------------------

    def start(self, handlers: MqttHandlers) -> None:
        """Start the network thread."""
        self._handlers = handlers
        self._thread = threading.Thread(target=self._run, name="rpymostat-mqtt", daemon=True)
        self._thread.start()

    def publish(self, topic: str, payload: str, retain: bool = False) -> None:
        """Queue a QoS 1 message."""
        self._client.publish(topic, payload, qos=1, retain=retain)

    def subscribe(self, topic: str) -> None:
        """Queue a QoS 1 subscription."""
        self._client.subscribe(topic, qos=1)

    def stop(self) -> Deferred[None]:
        """Ask the thread to disconnect and end; fires when it has (at most ~3 s)."""
        if self._thread is None:
            return succeed(None)
        self._stopping.set()
        waiting: Deferred[None] = Deferred()
        self._done.addBoth(lambda _: None if waiting.called else waiting.callback(None))
        waiting.addTimeout(5.0, self._reactor)
        waiting.addErrback(lambda _: _log.warn(
            "MQTT: the network thread did not stop within 5 s (a connect in progress);"
            " leaving it (a daemon thread)"))
        return waiting

    # -- network thread ----------------------------------------------------------------------

    def _to_reactor(self, f: Any, *args: Any) -> None:
        self._reactor.callFromThread(f, *args)  # type: ignore[attr-defined]

    def _run(self) -> None:
        failures = 0
        try:
            while not self._stopping.is_set():
                self._accepted = False
                self.attempts += 1
                try:
                    self._client.connect(self._config.host, self._config.port,
                                         keepalive=self._config.keepalive)
                except Exception as e:  # DNS, refused, TLS, timeout: retry after back-off
                    why = f"cannot connect to {self._config.redacted()}: {e}"
                else:
                    why = self._serve()
                if self._stopping.is_set():
                    break
                failures = 1 if self._accepted else failures + 1
                delay = backoff_delay(failures, FIRST_RETRY_S, MAX_RETRY_S)
                self._to_reactor(self._log_retry, why, delay)
                self._stopping.wait(delay)
        finally:
            self._to_reactor(self._done.callback, None)

    def _serve(self) -> str:
        """Run the network loop until the connection ends or stop is asked."""
        mqtt = self._mqtt
        while not self._stopping.is_set():
            rc = self._client.loop(timeout=LOOP_TIMEOUT_S)
            if rc != mqtt.MQTT_ERR_SUCCESS:
                return f"connection lost ({mqtt.error_string(rc)})"
        self._client.disconnect()
        for _ in range(int(2.0 / LOOP_TIMEOUT_S)):  # let the DISCONNECT (and queue) go out
            if self._client.loop(timeout=LOOP_TIMEOUT_S) != mqtt.MQTT_ERR_SUCCESS:
                break
        return "stopped"

    def _log_refused(self, why: str) -> None:
        _log.warn("MQTT: the broker refused the connection: {why}", why=why)

    def _log_retry(self, why: str, delay: float) -> None:
        _log.warn("MQTT: {why}; retrying in {delay:.1f} s", why=why, delay=delay)

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any,
                    properties: Any = None) -> None:
        if reason.is_failure:
            self._to_reactor(self._log_refused, str(reason))
            return
        self._accepted = True
        assert self._handlers is not None
        self._to_reactor(self._handlers.connected)

    def _on_disconnect(self, client: Any, userdata: Any, flags: Any, reason: Any,
                       properties: Any = None) -> None:
        if self._accepted and self._handlers is not None:
            self._to_reactor(self._handlers.disconnected, str(reason))

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        assert self._handlers is not None
        self._to_reactor(self._handlers.message, message.topic, bytes(message.payload))


