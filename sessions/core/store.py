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
import functools
import logging
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Table, create_engine, event, exc, insert, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import (
    Session,
    configure_mappers,
    make_transient_to_detached,
    sessionmaker,
)
from sqlalchemy.orm.attributes import set_committed_value

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
T = TypeVar("T")

_immediate: contextvars.ContextVar[bool] = contextvars.ContextVar("pv_sqlite_immediate", default=False)

# A PostgreSQL connection idle in the pool for longer than this is pinged before use (see _ping_after_idle).
PING_AFTER_IDLE_SECONDS = 2.0


def make_engine(
    url: str,
    *,
    sqlite_synchronous: str = "FULL",
    echo: bool = False,
    sqlite_autocheckpoint: bool = True,
    ping_after_idle: float = PING_AFTER_IDLE_SECONDS,
) -> Engine:
    """Create an engine with this project's settings for the given URL.

    Statement parameters are hidden from logs and error messages (``hide_parameters``), and the
    ``sqlalchemy.engine`` logger is held at WARNING unless someone set its level explicitly: at DEBUG it
    would log result rows, i.e. contribution texts and names, whenever the root logger is set to DEBUG.

    ``sqlite_autocheckpoint=False`` turns SQLite's automatic WAL checkpoint off: the process that asks for it
    calls :func:`checkpoint` itself, away from its writers (the server does, every second).
    """
    quiet = logging.getLogger("sqlalchemy.engine")
    if quiet.level == logging.NOTSET:
        quiet.setLevel(logging.WARNING)
    if url.startswith("sqlite"):
        if sqlite_synchronous.upper() not in {"FULL", "NORMAL", "EXTRA"}:
            raise ValueError(f"unsupported SQLite synchronous mode: {sqlite_synchronous!r}")
        engine = create_engine(
            url,
            echo=echo,
            # Statement parameters (contribution texts, names) never appear in logs or error messages.
            hide_parameters=True,
            connect_args={"check_same_thread": False, "timeout": 10},
            pool_size=20,
            max_overflow=20,
        )
        _configure_sqlite(engine, sqlite_synchronous.upper(), sqlite_autocheckpoint)
        return engine
    engine = create_engine(url, echo=echo, hide_parameters=True, pool_size=10, max_overflow=20)
    _ping_after_idle(engine, ping_after_idle)
    return engine


def _ping_after_idle(engine: Engine, idle_seconds: float) -> None:
    """Pessimistic disconnect handling for connections that sat in the pool: one checked in more than
    ``idle_seconds`` ago is pinged with the dialect's own ping; when the ping fails the whole pool is
    invalidated (``InvalidatePoolError``) and the check-out connects afresh, as with ``pool_pre_ping``.
    A connection back in use within ``idle_seconds`` is not pinged: under load that ping was a round trip
    on every request (a tenth of a dot's CPU). If PostgreSQL goes away in that window, the statement that
    meets the dead connection fails, SQLAlchemy sees a disconnect and invalidates the pool, and the next
    request connects afresh (a phone's outbox sends again; nothing is lost)."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record):  # type: ignore[no-untyped-def]
        record.info["pv_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy):  # type: ignore[no-untyped-def]
        since = record.info.pop("pv_idle_since", None)
        if since is None or time.monotonic() - since < idle_seconds:
            return  # a new connection, or one in use moments ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as err:
            # The server closed it or restarted: as pool_pre_ping does, every pooled connection is dropped
            # (those checked in since are as dead) and this check-out connects afresh.
            raise exc.InvalidatePoolError(str(err)) from err


def _configure_sqlite(engine: Engine, synchronous: str, autocheckpoint: bool = True) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy (below) issue BEGIN itself, so we control DEFERRED vs IMMEDIATE.
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        # Deleted and overwritten content is zeroed in the file, so deleted texts do not linger in free
        # space (sessions/privacy/service.py; docs/privacy.md).
        cur.execute("PRAGMA secure_delete=ON")
        if not autocheckpoint:
            cur.execute("PRAGMA wal_autocheckpoint=0")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _immediate.get() else "BEGIN")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions on ``engine``. The tables must all be imported by now (``import sessions.models``): the
    mappers are configured here, so a feature whose tables were not imported fails at start-up, not in a
    request."""
    configure_mappers()
    # expire_on_commit=False: payloads built after a commit never trigger a new query (and lock).
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


_writer_locks: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()
_writer_locks_guard = threading.Lock()


def _writer_lock(engine: Engine) -> threading.Lock:
    """One in-process writer at a time for a SQLite engine (a gevent lock once gevent has patched threading)."""
    with _writer_locks_guard:
        lock = _writer_locks.get(engine)
        if lock is None:
            lock = _writer_locks[engine] = threading.Lock()
        return lock


def _off_loop(fn: Callable[[], T]) -> T:
    """Run a blocking call (an fsync-ing SQLite commit) in gevent's thread pool when gevent is in use.

    Under gevent every greenlet shares one OS thread; an fsync there would stall every socket. Under
    plain threads the call simply runs here.
    """
    monkey = sys.modules.get("gevent.monkey")
    if monkey is not None and monkey.is_module_patched("threading"):
        gevent = sys.modules["gevent"]  # imported already: gevent.monkey is its submodule
        return gevent.get_hub().threadpool.apply(fn)
    return fn()


def checkpoint(engine: Engine) -> tuple[int, int, int] | None:
    """A passive WAL checkpoint of a SQLite database, off the event loop: ``(busy, wal frames, frames
    checkpointed)``; ``None`` for other databases.

    SQLite checkpoints on its own when a commit leaves the WAL over 1,000 pages, inside that commit. Here
    that commit holds the process's writer lock, so every post and dot behind it waited for the copy and
    the database file's fsync (a 100–400 ms tail in bench/load.py after a 1,000-phone join burst; none on
    PostgreSQL). A passive checkpoint takes no writer lock: posts go on while it copies.
    """
    if engine.dialect.name != "sqlite":
        return None

    def run() -> tuple[int, int, int]:
        with engine.connect() as conn:
            row = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
            return int(row[0]), int(row[1]), int(row[2])

    return _off_loop(run)


@contextlib.contextmanager
def write_transaction(db: Session) -> Iterator[Session]:
    """Run one short write transaction; commit on success, roll back on any error.

    On SQLite, writers in this process queue on a lock first, so ``BEGIN IMMEDIATE`` never has to wait
    in SQLite's busy handler (which would block a gevent loop), and the commit runs off the event loop.
    """
    engine = db.get_bind()
    sqlite = engine.dialect.name == "sqlite"
    if db.in_transaction():
        if sqlite or db.new or db.dirty or db.deleted or _aborted(db):
            # Drop the read transaction (SQLite: BEGIN IMMEDIATE must start a new one; never pending writes:
            # every write goes through here).
            db.rollback()
        else:
            # PostgreSQL runs READ COMMITTED: a read before this write (the phone's token, say) pinned no
            # snapshot, so the write goes on in the same transaction. A rollback here cost a ROLLBACK, a pool
            # check-in and check-out and the check-out's ping: a third of a dot's round trips. What the
            # session read is expired, as the rollback would have done, so the write reads it afresh.
            db.expire_all()
    lock = _writer_lock(engine) if sqlite else None
    if lock is not None:
        lock.acquire()
    try:
        token = _immediate.set(True)
        try:
            db.connection()  # BEGIN IMMEDIATE on SQLite, plain BEGIN elsewhere
        finally:
            _immediate.reset(token)
        try:
            yield db
            db.flush()
            if lock is not None:
                _off_loop(db.commit)
            else:
                db.commit()
        except BaseException:
            db.rollback()
            raise
    finally:
        if lock is not None:
            lock.release()


def insert_row(db: Session, model: type[T], row: dict[str, Any], **loaded: Any) -> T:
    """Inside a write transaction: INSERT one row in Core (a statement built once per table, RETURNING the
    id) and hand back the ORM object as stored, persistent in ``db`` with every column loaded, so reading it
    costs no SELECT. ``row`` gives every column but the id (one left out would be expired and cost a SELECT
    when read: refused); ``loaded`` sets relationships known already (a new contribution has no tags).

    The hot path's writes (a post, a join, a dot) use it: the unit of work's flush of one new object was the
    largest single part of a post's CPU in the view (py-spy, docs/performance.md, seventh round).
    """
    table = model.__table__  # type: ignore[attr-defined]
    if missing := _columns(table) - row.keys():
        raise ValueError(f"insert_row({model.__name__}): no value for {sorted(missing)}")
    obj = model(id=db.execute(_insert_statement(table), row).scalar_one(), **row)
    for name, value in loaded.items():
        set_committed_value(obj, name, value)
    make_transient_to_detached(obj)
    db.add(obj)
    return obj


@functools.cache
def _insert_statement(table: Table) -> Any:
    return insert(table).returning(table.c.id)


@functools.cache
def _columns(table: Table) -> frozenset[str]:
    return frozenset(c.key for c in table.columns if c.key != "id")


def _aborted(db: Session) -> bool:
    """Whether the session's PostgreSQL transaction failed (a statement error, a lost connection) or its state
    cannot be told: only a rollback clears it."""
    try:
        info = getattr(db.connection().connection.dbapi_connection, "info", None)
    except Exception:  # a lost connection (PendingRollbackError): only a rollback recovers the session
        return True
    status = getattr(info, "transaction_status", None)  # psycopg's TransactionStatus: IDLE 0, INTRANS 2
    return status is None or int(status) not in (0, 2)  # a driver that cannot tell: roll back, as before


def alembic_config(url: str):  # type: ignore[no-untyped-def]
    # Alembic takes ~0.4 s to import; the export worker, the CLIs and every test import this module,
    # start-up: and only a migration needs alembic
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (Alembic ``upgrade head``)."""
    from alembic import command  # start-up: as in alembic_config

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Several processes may start at once (deployment.md, multi-process): one migrates, the others
            # wait and then find nothing to do. The lock ends with this transaction.
            conn.execute(text("SELECT pg_advisory_xact_lock(7311550)"))
        cfg.attributes["connection"] = conn
        # "heads": features developed side by side may add migration branches until a merge revision joins them.
        command.upgrade(cfg, "heads")


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


def purge_deleted(engine: Engine, *, wait_ms: int = 250) -> bool:
    """After personal data was deleted: checkpoint SQLite's WAL into the database file and truncate it.

    With ``secure_delete`` on, the deleted rows are zeroed in the pages written by the deleting
    transaction, but older copies of those pages stay in the ``-wal`` file until it is checkpointed and
    reset. ``wal_checkpoint(TRUNCATE)`` does both. It has to wait for readers of older snapshots and holds
    new writers back meanwhile, so it waits at most ``wait_ms`` (this process's writers queue on the lock,
    off the event loop); returns True when it completed, False when a reader kept it from finishing -- the
    retention sweep calls it again on every pass. PostgreSQL: nothing to do here (autovacuum reclaims the
    dead rows).
    """
    if engine.dialect.name != "sqlite":
        return True
    lock = _writer_lock(engine)

    def run() -> bool:
        raw = engine.raw_connection()  # autocommit (isolation_level None): no snapshot of its own
        try:
            cur = raw.cursor()
            try:
                cur.execute(f"PRAGMA busy_timeout={int(wait_ms)}")
                busy, _log, _done = cur.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            except Exception:  # noqa: BLE001 - "database is locked": not now
                busy = 1
            finally:
                cur.execute("PRAGMA busy_timeout=10000")
                cur.close()
        finally:
            raw.close()
        return busy == 0

    with lock:
        return _off_loop(run)
