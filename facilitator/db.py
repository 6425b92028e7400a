"""The database for the web layer: one SQLAlchemy session per request or Socket.IO event."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

import sessions.models  # noqa: F401  every feature's tables, so relationships named by string resolve
from sessions.core import store


def init_app(app: Flask) -> None:
    engine = store.make_engine(app.config["DATABASE_URL"], sqlite_synchronous=app.config["SQLITE_SYNCHRONOUS"])
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


def migrate(app: Flask) -> None:
    store.upgrade(app.extensions["pv_engine"])
