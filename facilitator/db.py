"""The database for the web layer: one SQLAlchemy session per request or Socket.IO event."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

import sessions.models  # noqa: F401  every feature's tables, so relationships named by string resolve
from facilitator.periodic import Periodic
from sessions.core import store


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


def start_checkpointer(app: Flask, start: Callable[[Callable[[], None]], object]) -> Periodic | None:
    """For SQLite with ``SQLITE_CHECKPOINT_SECONDS`` set: checkpoint the WAL every that many seconds
    (``store.checkpoint``, off the event loop) in a task run by ``start`` (the server's
    ``socketio.start_background_task``, a greenlet under gevent)."""
    interval = float(app.config.get("SQLITE_CHECKPOINT_SECONDS") or 0)
    engine = app.extensions["pv_engine"]
    if interval <= 0 or engine.dialect.name != "sqlite":
        return None
    checkpointer = Periodic(lambda: store.checkpoint(engine), interval, "WAL checkpoint")
    start(checkpointer.run)
    return checkpointer


def migrate(app: Flask) -> None:
    store.upgrade(app.extensions["pv_engine"])
