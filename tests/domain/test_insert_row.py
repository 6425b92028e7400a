"""sessions.core.store.insert_row: the hot path's INSERT in Core (a post, a join, a dot), handing back the ORM
object as stored. Run on both databases.
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers import make_user, make_workshop
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from sessions.contributions.models import Participant
from sessions.core import store
from sessions.core.base import utcnow


@pytest.fixture
def ws(db: Any, persona_library: dict[str, Any]) -> Any:
    return make_workshop(db, make_user(db, "rows@kommune.no"), persona_library, n_groups=2)


def _row(ws: Any, token_hash: str) -> dict[str, Any]:
    return {"workshop_id": ws.id, "group_id": ws.groups[0].id, "display_name": None, "role": None,
            "token_hash": token_hash, "created_at": utcnow()}


def _statements(engine: Any) -> list[str]:
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, sql, *_a: seen.append(sql))
    return seen


def test_the_row_is_stored_and_its_object_is_persistent_with_nothing_left_to_load(engine: Any, db: Any, ws: Any) -> None:
    with store.write_transaction(db):
        p = store.insert_row(db, Participant, _row(ws, "a" * 64))
    seen = _statements(engine)
    assert isinstance(p.id, int)
    assert (p.workshop_id, p.group_id, p.token_hash, p.display_name) == (ws.id, ws.groups[0].id, "a" * 64, None)
    assert p in db and db.get(Participant, p.id) is p
    assert seen == []  # every column was given: reading them loads nothing
    with store.write_transaction(db):  # an ordinary persistent object: a change is an UPDATE of its row
        p.display_name = "Kari"
    other = store.make_session_factory(engine)()
    assert other.scalar(select(Participant.display_name).where(Participant.id == p.id)) == "Kari"
    other.close()


def test_a_row_without_every_column_is_refused_and_nothing_is_stored(db: Any, ws: Any) -> None:
    row = _row(ws, "b" * 64)
    del row["created_at"]
    with pytest.raises(ValueError, match="created_at"), store.write_transaction(db):
        store.insert_row(db, Participant, row)
    assert db.scalar(select(func.count()).select_from(Participant)) == 0


def test_a_duplicate_is_refused_by_the_database_and_the_transaction_rolled_back(db: Any, ws: Any) -> None:
    with store.write_transaction(db):
        store.insert_row(db, Participant, _row(ws, "c" * 64))
    with pytest.raises(IntegrityError), store.write_transaction(db):
        store.insert_row(db, Participant, _row(ws, "d" * 64))
        store.insert_row(db, Participant, _row(ws, "c" * 64))  # token_hash is unique
    assert db.scalars(select(Participant.token_hash)).all() == ["c" * 64]
