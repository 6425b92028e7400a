"""Persistence: the one module that knows about engines, SQL dialects and migrations.

SQLite (WAL) is the embedded default; PostgreSQL when a ``postgresql+psycopg://`` URL is given.

SQLite transactions
-------------------
Reads run in deferred transactions (WAL readers never block and are never blocked).
Writes go through :func:`write_transaction`, which drops any read snapshot first and starts with
``BEGIN IMMEDIATE``: a deferred transaction that reads and then writes gets ``SQLITE_BUSY`` at once when
another writer got there first, because SQLite skips the busy handler to avoid a deadlock. Write
transactions are short and do no network I/O, so under gevent a greenlet never holds the write lock
across a switch.

Durability: ``journal_mode=WAL`` with ``synchronous=FULL`` (default, ``PV_SQLITE_SYNCHRONOUS``) survives
a process crash *and* a power cut when the disk honours fsync; ``NORMAL`` survives a process crash
(``kill -9``) but may lose the last transactions on a power cut.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

_immediate: contextvars.ContextVar[bool] = contextvars.ContextVar("pv_sqlite_immediate", default=False)


def make_engine(url: str, *, sqlite_synchronous: str = "FULL", echo: bool = False) -> Engine:
    """Create an engine with this project's settings for the given URL."""
    if url.startswith("sqlite"):
        if sqlite_synchronous.upper() not in {"FULL", "NORMAL", "EXTRA"}:
            raise ValueError(f"unsupported SQLite synchronous mode: {sqlite_synchronous!r}")
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 10},
            pool_size=20,
            max_overflow=20,
        )
        _configure_sqlite(engine, sqlite_synchronous.upper())
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _configure_sqlite(engine: Engine, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy (below) issue BEGIN itself, so we control DEFERRED vs IMMEDIATE.
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _immediate.get() else "BEGIN")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    # expire_on_commit=False: payloads built after a commit never trigger a new query (and lock).
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


@contextlib.contextmanager
def write_transaction(db: Session) -> Iterator[Session]:
    """Run one short write transaction; commit on success, roll back on any error."""
    if db.in_transaction():
        # Drop a read snapshot (never pending writes: every write goes through here).
        db.rollback()
    token = _immediate.set(True)
    try:
        db.connection()  # BEGIN IMMEDIATE on SQLite, plain BEGIN elsewhere
    finally:
        _immediate.reset(token)
    try:
        yield db
        db.commit()
    except BaseException:
        db.rollback()
        raise


def alembic_config(url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (Alembic ``upgrade head``)."""
    from alembic import command

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def integrity_ok(engine: Engine) -> bool:
    """Database-level integrity check (SQLite ``PRAGMA integrity_check``; trivially true elsewhere)."""
    if engine.dialect.name != "sqlite":
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("PRAGMA integrity_check").fetchall()
        fk = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    return rows == [("ok",)] and not fk
