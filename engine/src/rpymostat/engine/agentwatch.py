"""Agent liveness on the bus from the age of each agent's last message.

Every daemon announces itself on ``agent.<host>.<role>`` every ``every_s`` seconds (30 by
default, see ``rpymostat.shared.link``) with ``"up": true``. A frozen, paused or unplugged
agent says nothing more, so its node would stay ``"up": true`` for ever. The engine notes when
it last heard each agent and, once that is ``SILENT_FACTOR`` announce periods ago, publishes
on the agent's own topic ``{"up": false, "last_heard": <when>}``; the agent's next
announcement sets ``up`` again and the engine removes ``last_heard``.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from twisted.application.service import Service
from twisted.internet import task
from twisted.logger import Logger

from rpymostat.shared.bus.message import Message
from rpymostat.shared.clock import Clock, iso_seconds

_log = Logger(namespace="rpymostat.engine.agents")
PREFIX = "agent."
DEFAULT_EVERY_S = 30.0
SILENT_FACTOR = 3.0
CHECK_EVERY_S = 5.0


@dataclass
class Heard:
    """When an agent was last heard and how often it announces itself."""

    at: float
    every_s: float
    silent: bool = False


class AgentWatch(Service):
    """Marks agents that stopped talking as down on the bus."""

    def __init__(self, clock: Clock, listen: Callable[[Callable[[Message], Any]], Any],
                 publish: Callable[[str, dict[str, Any]], Any], own_source: str, *,
                 check_every: float = CHECK_EVERY_S) -> None:
        self._clock = clock
        self._publish = publish
        self._own = own_source
        self.heard: dict[str, Heard] = {}
        self._loop = task.LoopingCall(self.check)
        self._loop.clock = clock  # type: ignore[assignment]
        self._check_every = check_every
        listen(self.message)

    def startService(self) -> None:
        """Check the ages every few seconds."""
        super().startService()
        self._loop.start(self._check_every, now=False)

    def stopService(self) -> Any:
        """Stop checking."""
        if self._loop.running:
            self._loop.stop()
        return super().stopService()

    def message(self, message: Message) -> None:
        """A bus message: an agent's own announcement counts as a sign of life."""
        if not message.topic.startswith(PREFIX) or message.source == self._own:
            return
        data = message.data
        if data.get("up") is not True:
            return
        every = data.get("every_s")
        every_s = float(every) if isinstance(every, int | float) and every > 0 \
            else DEFAULT_EVERY_S
        old = self.heard.get(message.topic)
        self.heard[message.topic] = Heard(self._clock.seconds(), every_s)
        if old is not None and old.silent:
            _log.info("{topic} is heard again", topic=message.topic)
            self._publish(message.topic, {"last_heard": None})

    def check(self) -> None:
        """Mark as down every agent not heard for ``SILENT_FACTOR`` announce periods."""
        now = self._clock.seconds()
        for topic, heard in self.heard.items():
            age = now - heard.at
            if heard.silent or age < SILENT_FACTOR * heard.every_s:
                continue
            heard.silent = True
            _log.warn("{topic}: nothing heard for {age:.0f} s; marked down", topic=topic,
                      age=age)
            self._publish(topic, {"up": False, "last_heard": iso_seconds(heard.at)})
