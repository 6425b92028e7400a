"""A theme made without a name gets «Tema N», chosen by the domain under the board's lock.

The name used to be chosen by the view before the write transaction, so two facilitators clicking «New
theme» at once could both pick «Tema 2». Now ``create_theme`` picks it inside the transaction, after
locking the board row, from the themes that are really there.
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers import client_id, join_participant, make_user, make_workshop, post_json

from sessions.contributions import service as participation
from sessions.core.errors import ValidationFailed
from sessions.themes import board as themes_board
from sessions.themes import service as tb


def numbered(n: int) -> str:
    return f"Tema {n}"


@pytest.fixture
def ws(db: Any, persona_library: dict[str, Any]) -> Any:
    return make_workshop(db, make_user(db), persona_library, n_groups=1)


def names(db: Any, ws: Any) -> list[str]:
    return [t.name for t in themes_board.load_board(db, ws.id).themes]


def test_the_default_name_is_the_next_free_number(db: Any, ws: Any) -> None:
    tb.create_theme(db, ws, "Tema 2")
    first = tb.create_theme(db, ws, None, default_name=numbered)
    second = tb.create_theme(db, ws, None, default_name=numbered)
    assert first.theme is not None and second.theme is not None
    assert (first.theme.name, second.theme.name) == ("Tema 3", "Tema 4")
    assert names(db, ws) == ["Tema 2", "Tema 3", "Tema 4"]


def test_a_taken_default_name_is_skipped_whatever_its_case(db: Any, ws: Any) -> None:
    tb.create_theme(db, ws, "tema 2")
    change = tb.create_theme(db, ws, None, default_name=numbered)
    assert change.theme is not None and change.theme.name == "Tema 3"


def test_the_name_is_chosen_inside_the_write(db: Any, ws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another facilitator's «Tema 1» committed after the view had looked at the board (simulated by making
    it when the board is locked) is seen: the new theme takes the next number instead of failing."""
    real_lock = tb._lock_board

    def lock_after_another_click(session: Any, workshop_id: int) -> Any:
        board = real_lock(session, workshop_id)
        if not names(session, ws):
            session.add(tb.Theme(workshop_id=workshop_id, name="Tema 1", position=0, origin=tb.ThemeOrigin.manual, created_at=tb.utcnow()))
            session.flush()
        return board

    monkeypatch.setattr(tb, "_lock_board", lock_after_another_click)
    change = tb.create_theme(db, ws, None, default_name=numbered)
    assert change.theme is not None and change.theme.name == "Tema 2"
    assert sorted(names(db, ws)) == ["Tema 1", "Tema 2"]


def test_without_a_default_a_missing_name_is_refused(db: Any, ws: Any) -> None:
    with pytest.raises(ValidationFailed):
        tb.create_theme(db, ws, None)


def test_cards_dropped_on_new_theme_get_numbered_names(app_db: Any, logged_in: Any, workshop: Any) -> None:
    p, _ = join_participant(app_db, workshop, workshop.groups[0])
    cards = [
        participation.submit_contribution(app_db, p, workshop.groups[0].id, "need", f"Behov nummer {i}", client_id())[0]
        for i in range(2)
    ]
    for c in cards:
        resp = post_json(logged_in, f"/workshops/{workshop.id}/themes", {"name": "", "contribution_id": c.id})
        assert resp.status_code == 200, resp.get_data(as_text=True)
    app_db.rollback()  # a fresh read
    assert names(app_db, workshop) == ["Tema 1", "Tema 2"]
