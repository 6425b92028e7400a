"""The Socket.IO message queue for several server processes: Redis pub/sub, with resync after a gap.

Redis pub/sub is fire and forget. python-socketio's ``RedisManager`` gives up on a message it cannot
publish and keeps listening after a broken connection, so while Redis is away the other processes'
clients silently miss events. Nothing is lost for good, because every change is in the database first
(broadcast.py emits after the commit) and clients catch up from their last sequence number with ``watch``.
This manager makes them do so:

* **Listener side.** Each time this process (re)subscribes to the channel, it tells its own clients to
  ``resync`` (locally, not through the queue). Whatever was published while its subscription was down is
  therefore re-read from the database, and whatever is published after the subscription is back arrives live.
* **Publisher side.** When a publish fails, the rooms it was meant for are remembered; after the next
  successful publish (or subscription) a ``resync`` for their workshops goes through the queue to every
  process. This covers a process that lost Redis on its own while the others kept theirs.

Redis calls fail fast (no client-side retry loops, short connect timeout), so a request that emits while
Redis is down is not held up; the listener retries every 0.5–5 s.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import socketio
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)

REDIS_OPTIONS: dict[str, Any] = {
    "socket_connect_timeout": 1.0,
    "socket_keepalive": True,
    "retry": Retry(NoBackoff(), 0),
}


class ResyncingRedisManager(socketio.RedisManager):  # type: ignore[misc]
    """``socketio.RedisManager`` that asks clients to catch up after any gap in the pub/sub stream."""

    def __init__(
        self,
        url: str,
        channel: str,
        on_subscribed: Callable[[], None],
        on_publish_recovered: Callable[[set[str]], None],
    ) -> None:
        super().__init__(url, channel=channel, redis_options=dict(REDIS_OPTIONS))
        self.on_subscribed = on_subscribed
        self.on_publish_recovered = on_publish_recovered
        self.missed_rooms: set[str] = set()

    def _publish(self, data: Any) -> Any:
        for attempt in (1, 2):
            try:
                if not self.connected:
                    self._redis_connect()
                result = self.redis.publish(self.channel, self.json.dumps(data))
            except Exception as exc:  # noqa: BLE001 - any Redis failure: remember and carry on
                self.connected = False
                if attempt == 2:
                    log.warning("message queue: publish failed (%s); clients will resync when it is back", exc)
                    self._remember(data)
                continue
            self._recovered()
            return result
        return None

    def _remember(self, data: Any) -> None:
        room = data.get("room") if isinstance(data, dict) and data.get("method") == "emit" else None
        rooms = room if isinstance(room, list) else [room]
        self.missed_rooms.update(r for r in rooms if isinstance(r, str))

    def _recovered(self) -> None:
        if self.missed_rooms:
            rooms, self.missed_rooms = self.missed_rooms, set()
            self.on_publish_recovered(rooms)

    def _redis_listen_with_retries(self):  # type: ignore[no-untyped-def]
        retry_sleep = 0.5
        while True:
            try:
                self._redis_connect()
                self.pubsub.subscribe(self.channel)
                retry_sleep = 0.5
                log.info("message queue: subscribed to %s", self.channel)
                self.server.start_background_task(self._after_subscribe)
                yield from self.pubsub.listen()
            except Exception as exc:  # noqa: BLE001 - reconnect whatever went wrong
                log.warning("message queue: lost the subscription (%s); retrying in %.1f s", exc, retry_sleep)
                time.sleep(retry_sleep)
                retry_sleep = min(retry_sleep * 2, 5.0)

    def _after_subscribe(self) -> None:
        try:
            self.on_subscribed()
            self._recovered()
        except Exception:  # noqa: BLE001 - never kill the listener's helper silently
            log.exception("message queue: resync after subscribing failed")
