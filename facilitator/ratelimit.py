"""Rate limits with the `limits` library: in memory for one process, in Redis for several."""

from __future__ import annotations

from flask import Flask, current_app
from limits import parse, storage, strategies

# Named limits so that tests and docs can refer to them.
LIMITS = {
    "login": "10/minute",  # per e-mail address and per client address
    # Joining with a right code, per client address: generous, since a whole venue may share one address.
    "join": "1200/minute",
    "join_code_miss": "20/minute",  # wrong codes per client address: guessing an 8-digit code is impractical
    "post": "30/minute",  # per participant, not per address
    "api_write": "120/minute",  # per token
}


def init_app(app: Flask) -> None:
    store = storage.storage_from_string(app.config["RATELIMIT_STORAGE_URL"])
    app.extensions["pv_ratelimit"] = strategies.MovingWindowRateLimiter(store)


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
    current_app.extensions["pv_ratelimit"].storage.reset()
