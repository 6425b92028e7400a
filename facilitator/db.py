"""The database for the web layer: one SQLAlchemy session per request or Socket.IO event."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

import sessions.models  # noqa: F401  every feature's tables, so relationships named by string resolve
from sessions.core import store

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    engine = store.make_engine(
        app.config["DATABASE_URL"],
        sqlite_synchronous=app.config["SQLITE_SYNCHRONOUS"],
        sqlite_autocheckpoint=not app.config.get("SQLITE_CHECKPOINT_SECONDS"),
    )
    app.extensions["pv_engine"] = engine
    app.extensions["pv_sessionmaker"] = store.make_session_factory(engine)
    app.teardown_appcontext(close_db)


def get_db() -> Session:
    if "pv_db" not in g:
        g.pv_db = current_app.extensions["pv_sessionmaker"]()
    return g.pv_db


def close_db(_exc: BaseException | None = None) -> None:
    db = g.pop("pv_db", None)
    if db is not None:
        db.close()


class Checkpointer:
    """The server's background WAL checkpoint (SQLite): every ``interval`` seconds, off the event loop."""

    def __init__(self, app: Flask, interval: float) -> None:
        self.app = app
        self.interval = interval
        self.stopped = threading.Event()
        self.runs = 0

    def run(self) -> None:
        engine = self.app.extensions["pv_engine"]
        while not self.stopped.wait(self.interval):
            try:
                store.checkpoint(engine)
                self.runs += 1
            except Exception:  # noqa: BLE001 - keep going; the next pass retries
                log.exception("WAL checkpoint failed")

    def stop(self) -> None:
        self.stopped.set()


def start_checkpointer(app: Flask, start: Callable[[Callable[[], None]], object]) -> Checkpointer | None:
    """For SQLite with ``SQLITE_CHECKPOINT_SECONDS`` set: run :class:`Checkpointer` with ``start`` (the
    server's ``socketio.start_background_task``, a greenlet under gevent)."""
    interval = float(app.config.get("SQLITE_CHECKPOINT_SECONDS") or 0)
    if interval <= 0 or app.extensions["pv_engine"].dialect.name != "sqlite":
        return None
    checkpointer = Checkpointer(app, interval)
    start(checkpointer.run)
    return checkpointer


def migrate(app: Flask) -> None:
    store.upgrade(app.extensions["pv_engine"])
