"""The in-memory rate-limit store swept every 10 s (facilitator/ratelimit.py SweptMemoryStorage).

It overrides a private hook of ``limits``' MemoryStorage, so these tests fail loudly if an upgrade of the
library renames the hook (the override would then silently do nothing) or if the limits stop holding.
"""

from __future__ import annotations

from limits import parse, strategies
from limits.storage import MemoryStorage

from facilitator.ratelimit import SweptMemoryStorage


def test_the_hook_it_overrides_exists_in_the_installed_limits() -> None:
    assert callable(getattr(MemoryStorage, "_MemoryStorage__schedule_expiry", None))
    assert callable(getattr(MemoryStorage, "_MemoryStorage__expire_events", None))


def test_hits_arm_one_sweep_in_ten_seconds_and_the_limit_still_holds() -> None:
    store = SweptMemoryStorage()
    store.timer.join()  # the library's own first 10 ms timer, armed when the store is made
    limiter = strategies.MovingWindowRateLimiter(store)
    item = parse("5/minute")
    results = [limiter.hit(item, "phone-1") for _ in range(7)]
    assert results == [True] * 5 + [False] * 2
    assert limiter.hit(item, "phone-2")  # another key has its own window
    assert store.timer.is_alive() and store.timer.interval == SweptMemoryStorage.SWEEP_S
    store.timer.cancel()
