"""A background task of one server process: one step now, then every ``interval`` seconds, until stopped.

``serve`` runs two: the retention sweep (facilitator/privacy/views.py) and SQLite's WAL checkpoint
(facilitator/db.py). Started with ``socketio.start_background_task`` they are greenlets under gevent, and
waiting on the (patched) ``threading.Event`` is cooperative.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Periodic:
    """``step()`` now and then every ``interval`` seconds; a failing step is logged and tried again next time."""

    def __init__(self, step: Callable[[], object], interval: float, what: str) -> None:
        self.step = step
        self.interval = interval
        self.what = what
        self.stopped = threading.Event()
        self.runs = 0  # steps that finished, for tests

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                self.step()
                self.runs += 1
            except Exception:  # noqa: BLE001 - keep going; the next pass retries
                log.exception("%s failed", self.what)
            self.stopped.wait(self.interval)

    def stop(self) -> None:
        self.stopped.set()
