"""Rate limits with the `limits` library: in memory for one process, in Redis for several.

When Redis is unreachable the limits fall back to this process's memory until it answers again: they
stay in force per process (with N processes at most N times the limit), instead of failing closed
(refusing every post and join in the room while Redis is away) or failing open (no limit on sign-in
guesses). Redis calls fail fast, so a request never waits for a Redis that is down.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Flask, current_app
from limits import RateLimitItem, parse, storage, strategies
from limits.errors import StorageError
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)

# Named limits so that tests and docs can refer to them.
LIMITS = {
    "login": "10/minute",  # per e-mail address and per client address
    # Joining with a right code, per client address: generous, since a whole venue may share one address.
    "join": "1200/minute",
    # Wrong codes per client address. Once used up, every join from the address waits (a correct code too,
    # or the answer would tell a guesser when a guess hit); 60 keeps a venue's typos from locking the room out
    # while guessing an 8-digit code stays impractical (docs/security.md has the figures).
    "join_code_miss": "60/minute",
    "post": "30/minute",  # per participant, not per address
    "vote": "120/minute",  # dots given or taken back, per participant
    "tag": "60/minute",  # tags put on or taken off one's own posts, per participant
    "api_write": "120/minute",  # per token
    # Socket.IO `watch` per connection: each one reads up to a page of changes from the database. A phone
    # sends one per (re)connect and one per page of catch-up; spamming it must not make the server work.
    "watch": "60/minute",
}


class SweptMemoryStorage(storage.MemoryStorage):  # type: ignore[misc]
    """``limits``' memory storage, swept for expired entries every 10 s instead of every 10 ms.

    ``MemoryStorage`` re-arms a 10 ms timer after every hit, and each run walks every key: with a thousand
    phones (a key each for posts and dots) that was about a tenth of the server's CPU while a room posted or
    voted (py-spy, docs/performance.md). Once a second it was still 3 % of the posting phase's samples (a
    sweep over 1,300 keys takes 1-5 ms); every 10 s it is a tenth of that. Expired entries only cost
    memory until the sweep (a few hundred bytes per phone); the moving window itself compares times on
    every hit, so the limits are as exact as before.
    """

    SWEEP_S = 10.0

    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 - overrides the name-mangled private hook
        if not self.timer.is_alive():
            self.timer = threading.Timer(self.SWEEP_S, self._MemoryStorage__expire_events)
            self.timer.daemon = True
            self.timer.start()


def _storage(url: str, **options: Any) -> Any:
    return SweptMemoryStorage() if url.startswith("memory://") else storage.storage_from_string(url, **options)


class FallbackLimiter:
    """A moving-window limiter on shared storage, with a per-process memory limiter while that fails."""

    def __init__(self, url: str) -> None:
        options: dict[str, Any] = {}
        if url.startswith(("redis", "rediss", "valkey")):
            options = {"wrap_exceptions": True, "socket_connect_timeout": 1.0, "socket_timeout": 1.0,
                       "retry": Retry(NoBackoff(), 0)}
        self.storage = _storage(url, **options)
        self.shared = strategies.MovingWindowRateLimiter(self.storage)
        self.local = strategies.MovingWindowRateLimiter(SweptMemoryStorage())
        self.degraded = False

    def _call(self, method: str, item: RateLimitItem, *identifiers: str) -> bool:
        try:
            result = bool(getattr(self.shared, method)(item, *identifiers))
        except StorageError as exc:
            if not self.degraded:
                log.warning("rate limits: shared storage unreachable (%s); limiting per process meanwhile", exc)
            self.degraded = True
            return bool(getattr(self.local, method)(item, *identifiers))
        if self.degraded:
            log.warning("rate limits: shared storage is back")
            self.degraded = False
        return result

    def hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        return self._call("hit", item, *identifiers)

    def test(self, item: RateLimitItem, *identifiers: str) -> bool:
        return self._call("test", item, *identifiers)


def init_app(app: Flask) -> None:
    app.extensions["pv_ratelimit"] = FallbackLimiter(app.config["RATELIMIT_STORAGE_URL"])


def allow(name: str, key: str) -> bool:
    """Count one hit; False when the limit named ``name`` is exceeded for ``key``."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return True
    limiter = current_app.extensions["pv_ratelimit"]
    return limiter.hit(parse(LIMITS[name]), name, key)


def exhausted(name: str, key: str) -> bool:
    """True when ``key`` has used up the limit named ``name`` (does not count a hit)."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return False
    limiter = current_app.extensions["pv_ratelimit"]
    return not limiter.test(parse(LIMITS[name]), name, key)


def reset() -> None:
    limiter = current_app.extensions["pv_ratelimit"]
    limiter.storage.reset()
    limiter.local.storage.reset()
