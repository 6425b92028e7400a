"""PostgreSQL connections are pinged before use only after sitting idle in the pool (sessions/core/store.py,
``_ping_after_idle``): a connection the server closed while it was idle is replaced without an error; one
back in use at once is not pinged (that ping was a round trip on every request), and if it was closed
meanwhile the one statement that meets it fails and the pool then connects afresh.

The server side is real: the pooled connection's backend is ended with ``pg_terminate_backend``, as a
PostgreSQL restart or an idle-connection timeout would.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from sessions.core import store


@pytest.fixture
def pg_url(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite has no server to lose")
    return database_url


@pytest.fixture
def killer(pg_url: str) -> Iterator[Any]:
    """Ends a backend by its pid, from a connection of its own."""
    eng = store.make_engine(pg_url)

    def kill(pid: int) -> None:
        with eng.connect() as conn:
            # With a timeout (ms), PostgreSQL 14+ waits until the backend has exited.
            assert conn.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}).scalar() is True

    yield kill
    eng.dispose()


def _pooled_pid(engine: Any) -> int:
    """The backend pid of the pool's one connection (checked in again on return)."""
    with engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    assert engine.pool.checkedin() == 1
    return int(pid)


def _pings(engine: Any, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    seen: list[int] = []
    real = engine.dialect.do_ping

    def counting(dbapi_connection: Any) -> Any:
        seen.append(1)
        return real(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counting)
    return seen


def test_a_connection_closed_while_idle_is_replaced_without_an_error(pg_url, killer, monkeypatch) -> None:
    engine = store.make_engine(pg_url, ping_after_idle=0.0)
    try:
        pings = _pings(engine, monkeypatch)
        old = _pooled_pid(engine)
        killer(old)
        with engine.connect() as conn:  # pinged, found dead, replaced
            new = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        assert new != old and pings == [1]
    finally:
        engine.dispose()


def test_one_failed_ping_replaces_every_pooled_connection(pg_url, killer, monkeypatch) -> None:
    """As after a PostgreSQL restart: two idle connections are dead; the first ping finds out, and the pool
    drops the other one too, so it is replaced without a ping (and without a failed request)."""
    engine = store.make_engine(pg_url, ping_after_idle=0.0)
    try:
        with engine.connect() as a, engine.connect() as b:
            old = {a.execute(text("SELECT pg_backend_pid()")).scalar(), b.execute(text("SELECT pg_backend_pid()")).scalar()}
        assert engine.pool.checkedin() == 2
        for pid in old:
            killer(pid)
        pings = _pings(engine, monkeypatch)
        with engine.connect() as a, engine.connect() as b:
            new = {a.execute(text("SELECT pg_backend_pid()")).scalar(), b.execute(text("SELECT pg_backend_pid()")).scalar()}
        assert not new & old and pings == [1]
    finally:
        engine.dispose()


def test_a_connection_back_in_use_at_once_is_not_pinged(pg_url, killer, monkeypatch) -> None:
    engine = store.make_engine(pg_url, ping_after_idle=3600.0)
    try:
        pings = _pings(engine, monkeypatch)
        first = _pooled_pid(engine)
        assert _pooled_pid(engine) == first and pings == []  # reused, no round trip before it
        killer(first)
        with pytest.raises(DBAPIError) as caught, engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        assert caught.value.connection_invalidated  # the disconnect was recognised ...
        with engine.connect() as conn:  # ... and the next use connects afresh
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != first
        assert pings == []
    finally:
        engine.dispose()
