"""Coalesced tally pushes: at most a few ``votes`` events per second per workshop, the last one always exact.

A dot costs the database a constant amount of work (sessions/rounds/voting.py); recounting the whole
workshop's tally for every dot and emitting it to every facilitator and wall was what made 50 dots/s
queue up for seconds. Instead, each dot *asks* for a push, and this module decides when one happens:

- a token bucket per workshop (``TALLY_PUSH_BURST`` tokens, one more every ``TALLY_PUSH_INTERVAL``
  seconds): a dot in a quiet room is pushed at once, a burst of dots at most ``1 / interval`` times a
  second after the first ``burst``;
- a dot that finds no token schedules one trailing push for when the next token is due; dots meanwhile
  ride along with it (nothing more is scheduled);
- every push recounts from the database when it is sent (``send``), after the commits of every dot that
  asked for it, so the last push is exact. The pending flag is cleared *before* that recount, so a dot
  committed later schedules a push of its own;
- the pushes of one workshop are sent one at a time (a lock per workshop around recount and emit): two
  pushes whose recounts overlapped could otherwise be emitted in the wrong order, the older count last.

Recounting at send time rather than keeping a tally in memory keeps several server processes (Redis
message queue) correct: each recounts what all of them committed. Each process throttles its own pushes,
so with P processes a workshop gets at most P times the rate.

The bucket is app-scoped (``app.extensions``); the trailing push runs as a Socket.IO background task
(a greenlet under gevent, a thread in threading mode) in its own app context.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from facilitator.extensions import socketio

log = logging.getLogger(__name__)

EXTENSION = "pv_tally_push"


@dataclass
class _Bucket:
    tokens: float
    at: float
    pending: bool = False


class TallyPush:
    """Per-workshop throttle of a ``send(workshop_id)`` that recounts and emits (see the module docstring)."""

    def __init__(self, app: Flask, send: Callable[[int], None], interval: float, burst: int) -> None:
        self.app = app
        self.send = send
        self.interval = max(float(interval), 0.0)
        self.burst = max(int(burst), 1)
        self._lock = threading.Lock()  # gevent's lock once gevent has patched threading
        self._buckets: dict[int, _Bucket] = {}
        self._sending: dict[int, threading.Lock] = {}  # per workshop: one recount-and-emit at a time
        self._busy: dict[int, int] = {}  # pushes being sent or waiting to, per workshop
        self.sent = 0  # pushes sent, for tests and the benchmark's figures

    def _refill(self, b: _Bucket, now: float) -> None:
        if self.interval > 0:
            b.tokens = min(float(self.burst), b.tokens + (now - b.at) / self.interval)
        else:
            b.tokens = float(self.burst)
        b.at = now

    def request(self, workshop_id: int) -> bool:
        """A dot was committed: push now (True) or make sure a trailing push is on its way (False)."""
        now = time.monotonic()
        with self._lock:
            b = self._buckets.get(workshop_id)
            if b is None:
                b = self._buckets[workshop_id] = _Bucket(tokens=float(self.burst), at=now)
            if b.pending:
                return False
            self._refill(b, now)
            if b.tokens >= 1:
                b.tokens -= 1
                self._busy[workshop_id] = self._busy.get(workshop_id, 0) + 1
                now_it = True
            else:
                b.pending = True
                delay = (1 - b.tokens) * self.interval
                now_it = False
        if now_it:
            self._send(workshop_id)
        else:
            socketio.start_background_task(self._trailing, workshop_id, delay)
        return now_it

    def now(self, workshop_id: int) -> None:
        """Push at once (after a rare change whose count must show without delay: a hide, an erasure), in
        turn with the throttled pushes, so a push recounted earlier is never emitted after this one."""
        with self._lock:
            self._busy[workshop_id] = self._busy.get(workshop_id, 0) + 1
        self._send(workshop_id)

    def pending(self, workshop_id: int) -> bool:
        with self._lock:
            b = self._buckets.get(workshop_id)
            return b is not None and b.pending

    def busy(self, workshop_id: int) -> bool:
        """A push is scheduled, or being recounted and sent: the last one has not gone out yet."""
        with self._lock:
            b = self._buckets.get(workshop_id)
            return (b is not None and b.pending) or self._busy.get(workshop_id, 0) > 0

    def _trailing(self, workshop_id: int, delay: float) -> None:
        socketio.sleep(delay)
        with self._lock:
            b = self._buckets[workshop_id]
            self._refill(b, time.monotonic())
            b.tokens -= 1
            b.pending = False  # before the recount: a dot committed from now on gets a push of its own
            self._busy[workshop_id] = self._busy.get(workshop_id, 0) + 1  # still busy until it is sent
        try:
            with self.app.app_context():
                self._send(workshop_id)
        except Exception:  # noqa: BLE001 - a failed push must not kill the worker; the next dot pushes again
            log.exception("tally push for workshop %s failed", workshop_id)

    def _send(self, workshop_id: int) -> None:
        """Recount and emit; the caller has counted this push in ``_busy`` when it decided to send it."""
        with self._lock:
            one_at_a_time = self._sending.setdefault(workshop_id, threading.Lock())
        try:
            with one_at_a_time:
                self.send(workshop_id)
                self.sent += 1
        finally:
            with self._lock:
                self._busy[workshop_id] -= 1


def coalesced_push(name: str, send: Callable[[int], None]) -> TallyPush:
    """This app's throttle called ``name`` for ``send`` (created on first use with the app's
    ``TALLY_PUSH_INTERVAL``/``_BURST``). The participant count after joins uses one too: a 1,000-phone join
    burst otherwise counted the participants and emitted the count 1,000 times."""
    app: Any = current_app._get_current_object()  # type: ignore[attr-defined]
    push = app.extensions.get(name)
    if push is None:
        push = app.extensions.setdefault(
            name,
            TallyPush(app, send, app.config.get("TALLY_PUSH_INTERVAL", 0.2), app.config.get("TALLY_PUSH_BURST", 2)),
        )
    return push


def tally_push(send: Callable[[int], None]) -> TallyPush:
    """This app's tally throttle."""
    return coalesced_push(EXTENSION, send)
