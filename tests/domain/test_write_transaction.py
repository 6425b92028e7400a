"""sessions.core.store.write_transaction after a read in the same session (the phone's token, say).

On PostgreSQL (READ COMMITTED) the write goes on in the read's transaction: no ROLLBACK, no second pool
check-out and ping; what the session read is expired, so the write sees what others committed meanwhile.
A read that failed, or objects added outside a write, still get the rollback. On SQLite the read
transaction is always rolled back first (BEGIN IMMEDIATE must start a new one). Run on both databases.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import DBAPIError

from sessions.accounts.models import User
from sessions.core import store


def _user(email: str) -> User:
    return User(email=email, password_hash="x")


@pytest.fixture
def user_id(db: Any) -> int:
    with store.write_transaction(db):
        u = _user("a@example.no")
        db.add(u)
    return u.id


def _checkouts(engine: Any) -> list[int]:
    seen: list[int] = []
    event.listen(engine, "checkout", lambda *_a: seen.append(1))
    return seen


def test_a_write_after_a_read_sees_what_another_session_committed(engine: Any, db: Any, user_id: int) -> None:
    u = db.get(User, user_id)  # the read (opens a transaction)
    assert u.email == "a@example.no"
    other = store.make_session_factory(engine)()
    with store.write_transaction(other):
        other.get(User, user_id).email = "b@example.no"
    other.close()
    with store.write_transaction(db):
        assert db.get(User, user_id).email == "b@example.no"  # not the copy read before
        u.email = "c@example.no"
    db.close()
    check = store.make_session_factory(engine)()
    assert check.scalar(select(User.email).where(User.id == user_id)) == "c@example.no"
    check.close()


def test_on_postgresql_the_write_keeps_the_reads_connection(engine: Any, db: Any, user_id: int) -> None:
    db.get(User, user_id)
    checkouts = _checkouts(engine)
    rollbacks: list[int] = []
    event.listen(engine, "rollback", lambda *_a: rollbacks.append(1))
    with store.write_transaction(db):
        db.get(User, user_id).email = "d@example.no"
    if engine.dialect.name == "postgresql":
        assert checkouts == [] and rollbacks == []
    else:  # SQLite: the read transaction ends first, BEGIN IMMEDIATE starts the write
        assert rollbacks == [1]


def test_a_failed_read_is_rolled_back_before_the_write(engine: Any, db: Any, user_id: int) -> None:
    with pytest.raises(DBAPIError):
        db.execute(text("SELECT no_such_column FROM users"))
    with store.write_transaction(db):
        db.get(User, user_id).email = "e@example.no"
    db.close()
    check = store.make_session_factory(engine)()
    assert check.get(User, user_id).email == "e@example.no"
    check.close()


def test_objects_added_outside_a_write_are_not_written_by_the_next_one(engine: Any, db: Any, user_id: int) -> None:
    db.get(User, user_id)
    db.add(_user("ikkje@example.no"))  # not through write_transaction
    with store.write_transaction(db):
        db.get(User, user_id).email = "lagra@example.no"
    db.close()
    check = store.make_session_factory(engine)()
    assert check.scalars(select(User.email).order_by(User.id)).all() == ["lagra@example.no"]
    check.close()
