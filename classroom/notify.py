"""How a change to a class reaches the tabs that follow it: published once, heard by each.

The teacher's run saves the new lesson (``classroom/store.py``) and then publishes its code
and version here, once; every following tab holds one server-sent-events stream open
(``classroom/events.py``), which waits on a ``Subscription`` and tells the browser the
version it heard. Nothing runs while nothing changes. Two implementations:

- ``LocalNotifier``: the embedded default, within one server process.
- ``RedisNotifier``: between replicas, through Redis pub/sub. A replica publishes with the
  ordinary client; it listens on one connection (``redis.asyncio``) for every class at once,
  and hands what it hears to its own ``LocalNotifier``.

A publication is a hint, never the truth: the stream reads the version from the store when
it starts and now and then (``classroom/events.py``), so a message lost to an outage is
caught up. Hence ``publish`` never raises.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from typing import Protocol

__all__ = [
    "CHANNEL_PREFIX",
    "ENDED",
    "LocalNotifier",
    "Notifier",
    "RedisNotifier",
    "Subscription",
    "open_notifier",
]

ENDED = 0  # the version published when a class is ended and forgotten (a lesson's starts at 1)
CHANNEL_PREFIX = "avgpool:events:"  # Redis channel of a class: the prefix and its code
_LOG = logging.getLogger(__name__)


class Subscription:
    """One listener's view of one class: the newest version published (the highest: a late
    publication never takes it back; ``ENDED`` for good), and an event set on the listener's
    event loop when it changes (so many changes at once wake it once)."""

    def __init__(self, code: str, loop: asyncio.AbstractEventLoop) -> None:
        self.code, self.latest = code, None
        self._loop, self._changed = loop, asyncio.Event()

    def _hear(self, version: int) -> None:
        """From any thread: keep ``version`` and wake the listener."""
        self._loop.call_soon_threadsafe(self._set, version)

    def _set(self, version: int) -> None:
        if self.latest == ENDED:
            return
        self.latest = ENDED if version == ENDED else max(version, self.latest or 0)
        self._changed.set()

    async def wait(self, timeout: float) -> int | None:
        """The newest version published since the last wait, or None after ``timeout`` s."""
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except TimeoutError:
            return None
        self._changed.clear()
        return self.latest


class Notifier(Protocol):
    def publish(self, code: str, version: int) -> None:
        """Tell every listener of class ``code`` that it is now at ``version`` (never raises)."""

    def subscribe(self, code: str) -> AbstractContextManager[Subscription]:
        """A ``Subscription`` to ``code``'s versions for the running event loop's listener,
        for as long as the ``with`` block lasts."""


class LocalNotifier:
    """Listeners in this process, by class code. Thread-safe: scripts publish from their own
    threads, listeners wait on the server's event loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: dict[str, set[Subscription]] = {}

    def publish(self, code: str, version: int) -> None:
        with self._lock:
            listeners = list(self._listeners.get(code, ()))
        for subscription in listeners:
            with suppress(RuntimeError):  # its event loop has closed (the server is stopping)
                subscription._hear(version)

    @contextmanager
    def subscribe(self, code: str) -> Iterator[Subscription]:
        subscription = Subscription(code, asyncio.get_running_loop())
        with self._lock:
            self._listeners.setdefault(code, set()).add(subscription)
        try:
            yield subscription
        finally:
            with self._lock:
                listeners = self._listeners.get(code, set())
                listeners.discard(subscription)
                if not listeners:
                    self._listeners.pop(code, None)

    def listeners(self, code: str) -> int:
        """How many listeners class ``code`` has in this process."""
        with self._lock:
            return len(self._listeners.get(code, ()))


class RedisNotifier:
    """Pub/sub between replicas: ``PUBLISH avgpool:events:CODE version``; each replica keeps
    one subscription to ``avgpool:events:*`` (started with its first listener, reconnected
    after an outage) and passes what it hears to its local listeners."""

    RETRY = 1.0  # seconds between reconnections while Redis cannot be reached

    def __init__(self, address: str) -> None:
        import redis

        self.address = address
        self._client = redis.Redis.from_url(address, socket_timeout=2.0, socket_connect_timeout=2.0)
        self._local = LocalNotifier()
        self._task: asyncio.Task | None = None

    def publish(self, code: str, version: int) -> None:
        try:
            self._client.publish(CHANNEL_PREFIX + code, str(version))
        except Exception as error:
            _LOG.warning("class %s: version %s not published: %s", code, version, error)

    @contextmanager
    def subscribe(self, code: str) -> Iterator[Subscription]:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._listen())
        with self._local.subscribe(code) as subscription:
            yield subscription

    async def _listen(self) -> None:
        """Hear every class's publications, for good (reconnecting after an outage)."""
        import redis.asyncio

        while True:
            client = redis.asyncio.Redis.from_url(self.address, socket_connect_timeout=2.0)
            try:
                async with client.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.psubscribe(CHANNEL_PREFIX + "*")
                    async for message in pubsub.listen():
                        self._pass_on(message)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                _LOG.warning("class events: Redis subscription lost (%s); retrying", error)
            finally:
                await client.aclose()
            await asyncio.sleep(self.RETRY)

    def _pass_on(self, message: dict) -> None:
        channel, data = message.get("channel"), message.get("data")
        if message.get("type") != "pmessage" or not isinstance(channel, bytes) or not isinstance(data, bytes):
            return
        code, text = channel.decode().removeprefix(CHANNEL_PREFIX), data.decode()
        if text.isdigit():
            self._local.publish(code, int(text))


_NOTIFIER: Notifier | None = None
_NOTIFIER_LOCK = threading.Lock()


def open_notifier(address: str | None = None) -> Notifier:
    """This process's notifier, for the store ``CLASS_STORE`` names (opened once): Redis
    pub/sub beside a Redis store, else in-process."""
    global _NOTIFIER
    with _NOTIFIER_LOCK:
        if _NOTIFIER is None:
            address = address if address is not None else os.environ.get("CLASS_STORE", "")
            redis = address.startswith(("redis://", "rediss://", "unix://"))
            _NOTIFIER = RedisNotifier(address) if redis else LocalNotifier()
        return _NOTIFIER
