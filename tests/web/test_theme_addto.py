"""Adding a theme suggestion to an existing theme (sessions/themes/suggestions.py ``add_suggestion_to_theme``)
and the theme a suggestion resembles (sessions/themes/nearest.py).

The domain without Flask (the resembled theme and its words, the add, every refusal a named error that
changes nothing), then HTTP: the page offers it with the resembled theme chosen, the plain form, ``fetch``
with JSON, the API route, and another facilitator's workshop refused. The world is test_themeboard's: an
open workshop whose contributions give two suggestions, mentor and time.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import bearer, login, make_user, post_form, post_json
from test_themeboard import World, app_world, refused, snapshot

from sessions.accounts.service import issue_api_token
from sessions.contributions import moderation
from sessions.core.errors import NotFound, SuggestionGone, ValidationFailed
from sessions.themes import service as tb
from sessions.themes import suggestions as themes_suggestions
from sessions.themes.nearest import nearest_themes
from sessions.themes.suggest import ThemeInput, suggest_themes


@pytest.fixture
def w(db: Any, persona_library: dict[str, Any]) -> World:
    return World(db, persona_library)


@pytest.fixture
def hw(app: Any, app_db: Any, library: dict[str, Any], facilitator: Any, logged_in: Any) -> World:
    return app_world(app_db, library, facilitator)


def mentor_theme_and_suggestions(world: World) -> tuple[Any, Any, Any]:
    """A «Mentorordning» theme with the first mentor contribution, then a suggestion run: the other two
    mentor contributions (which resemble it) and the three about time (which resemble nothing)."""
    theme = tb.create_theme(world.db, world.ws, "Mentorordning", world.ids["mentor"][:1]).theme
    themes_suggestions.refresh_suggestions(world.db, world.ws)
    board = world.board()
    mentor = next(s for s in board.suggestions if set(s.member_ids) == set(world.ids["mentor"][1:]))
    time = next(s for s in board.suggestions if set(s.member_ids) == set(world.ids["time"]))
    return theme, mentor, time


# -- which theme a suggestion resembles ------------------------------------------------------------------


def test_a_suggestion_names_the_theme_it_resembles_with_the_words_both_use(w: World) -> None:
    theme, mentor, time = mentor_theme_and_suggestions(w)
    assert mentor.near_theme_id == theme.id
    assert "mentor" in mentor.near_words
    assert time.near_theme_id is None and time.near_words == ()
    assert mentor.as_dict()["near_theme_id"] == theme.id and time.as_dict()["near_theme_id"] is None


def test_the_resembled_theme_is_forgotten_when_the_theme_goes(w: World) -> None:
    theme, mentor, _time = mentor_theme_and_suggestions(w)
    tb.delete_theme(w.db, w.ws, theme.id)
    again = w.board().suggestion(mentor.id)
    assert again is not None and again.near_theme_id is None and again.near_words == ()


def test_nearest_picks_the_most_alike_theme_above_the_threshold_only() -> None:
    def item(i: int, text: str, persona: str) -> ThemeInput:
        return ThemeInput(id=i, text=text, persona=persona)

    loose = [
        item(1, "Mentor for nyutdannede sykepleiere", "a"),
        item(2, "Fadder og mentor første året", "b"),
        item(3, "Bedre parkering ved rådhuset", "c"),
    ]
    themed = {
        10: [item(11, "Tid til kurs i arbeidstiden", "a"), item(12, "Fast tid til e-læring", "b")],
        20: [item(21, "Mentorordning for alle nyansatte", "c"), item(22, "Erfaren mentor for nye", "a")],
    }
    found = suggest_themes(loose)
    assert [set(s.member_ids) for s in found] == [{1, 2}]
    assert nearest_themes(found, loose, themed)[0][0] == 20
    assert nearest_themes(found, loose, {10: themed[10]}) == [(None, ())]  # nothing alike enough
    assert nearest_themes(found, loose, {}) == [(None, ())]
    assert nearest_themes([], loose, themed) == []
    # Deterministic: the same input gives the same answer.
    assert nearest_themes(found, loose, themed) == nearest_themes(found, loose, themed)


def test_on_the_labelled_workshops_the_named_theme_is_mostly_the_right_one() -> None:
    """bench/themes_near.py's board (half of each gold theme grouped, suggestions on the rest): most
    suggestions name a theme, and most of those name the one their members' gold theme is (by chance: about
    one in nine). Floors under the measured 0.72 precision and 0.52 recall, so a regression fails."""
    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root / "bench"))
    try:
        spec = importlib.util.spec_from_file_location("bench_themes_near", root / "bench" / "themes_near.py")
        assert spec and spec.loader
        near = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(near)
    finally:
        sys.path.remove(str(root / "bench"))
    items, gold, workshop_of, _split_of, _rows = near.load_all()
    rows = [near.run(its, gold) for its in near.by_workshop(items, workshop_of).values()]
    n, named, right = (sum(r[k] for r in rows) for k in ("suggestions", "named", "right"))
    assert n >= 30
    assert right / named >= 0.6 and right / n >= 0.4, (n, named, right)


# -- adding a suggestion to a theme ----------------------------------------------------------------------


def test_add_a_suggestion_to_an_existing_theme(w: World) -> None:
    db, ws = w.db, w.ws
    theme, mentor, time = mentor_theme_and_suggestions(w)
    rev = w.board().revision
    ch = themes_suggestions.add_suggestion_to_theme(db, ws, mentor.id, theme.id)
    assert ch.changed and ch.revision == rev + 1 and ch.detail == "2" and ch.theme.id == theme.id
    board = w.board()
    view = board.theme(theme.id)
    assert view is not None and view.name == "Mentorordning"  # the theme keeps its name
    assert view.member_ids == tuple(w.ids["mentor"])  # its own first, then the added, in the suggested order
    assert [s.id for s in board.suggestions] == [time.id]  # the added one is done, the other stays
    refused(w, lambda: themes_suggestions.accept_suggestion(db, ws, mentor.id), SuggestionGone, params={"reason": "accepted"})
    # Any theme may be chosen, not only the resembled one.
    ch = themes_suggestions.add_suggestion_to_theme(db, ws, time.id, theme.id)
    assert set(w.board().theme(theme.id).member_ids) == set(w.ids["mentor"] + w.ids["time"])


def test_only_members_still_free_are_added(w: World) -> None:
    db, ws = w.db, w.ws
    theme, mentor, time = mentor_theme_and_suggestions(w)
    other = tb.create_theme(db, ws, "Tid", w.ids["time"][:1]).theme
    moderation.hide(db, ws, w.ids["time"][2])
    refused(w, lambda: themes_suggestions.add_suggestion_to_theme(db, ws, time.id, theme.id), SuggestionGone, params={"reason": "stale"})
    moderation.unhide(db, ws, w.ids["time"][2])
    themes_suggestions.add_suggestion_to_theme(db, ws, time.id, other.id)
    assert w.board().theme(other.id).member_ids == tuple(w.ids["time"])
    assert w.board().theme(theme.id).member_ids == tuple(w.ids["mentor"][:1])


def test_a_bad_add_is_a_named_error_and_changes_nothing(w: World) -> None:
    db, ws = w.db, w.ws
    theme, mentor, _time = mentor_theme_and_suggestions(w)
    add = themes_suggestions.add_suggestion_to_theme
    refused(w, lambda: add(db, ws, mentor.id, None), ValidationFailed, field="theme_id", reason="required")
    refused(w, lambda: add(db, ws, mentor.id, ""), ValidationFailed, field="theme_id", reason="required")
    refused(w, lambda: add(db, ws, mentor.id, "x"), ValidationFailed, field="theme_id", reason="not_a_number")
    refused(w, lambda: add(db, ws, mentor.id, True), ValidationFailed, field="theme_id", reason="not_a_number")
    refused(w, lambda: add(db, ws, mentor.id, 987654), NotFound)
    refused(w, lambda: add(db, ws, 987654, theme.id), NotFound)
    foreign = tb.create_theme(db, w.other, "Fremmed").theme
    refused(w, lambda: add(db, ws, mentor.id, foreign.id), NotFound)  # another workshop's theme
    refused(w, lambda: add(db, w.other, mentor.id, foreign.id), NotFound)  # another workshop's suggestion
    themes_suggestions.reject_suggestion(db, ws, mentor.id)
    refused(w, lambda: add(db, ws, mentor.id, theme.id), SuggestionGone, params={"reason": "rejected"})


# -- HTTP ------------------------------------------------------------------------------------------------


def test_the_page_offers_the_resembled_theme_and_the_form_adds(hw: World, logged_in: Any) -> None:
    base = f"/workshops/{hw.ws.id}/themes"
    theme, mentor, time = mentor_theme_and_suggestions(hw)
    page = logged_in.get(base).get_data(as_text=True)
    assert "Legg til i et tema …" in page
    assert f'<option value="{theme.id}" selected>Mentorordning</option>' in page  # chosen for the mentor one
    assert "Ligner temaet" in page and "begge bruker: " in page
    before = snapshot(hw.db)
    resp = post_form(logged_in, f"{base}/suggestions/{mentor.id}/add", {"theme_id": "abc"}, follow_redirects=True)
    assert "Tema: Her må det stå et tall." in resp.get_data(as_text=True) or "Her må det stå et tall." in resp.get_data(as_text=True)
    resp = post_form(logged_in, f"{base}/suggestions/{mentor.id}/add", {"theme_id": ""}, follow_redirects=True)
    assert resp.status_code == 200
    assert snapshot(hw.db) == before
    resp = post_form(logged_in, f"{base}/suggestions/{mentor.id}/add", {"name": "ignored", "theme_id": str(theme.id)})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"{base}#suggestions")
    assert hw.board().theme(theme.id).member_ids == tuple(hw.ids["mentor"])
    assert "2 innspill lagt til i temaet «Mentorordning»." in logged_in.get(base).get_data(as_text=True)


def test_add_by_fetch_answers_the_board_and_codes(hw: World, logged_in: Any) -> None:
    base = f"/workshops/{hw.ws.id}/themes"
    theme, mentor, time = mentor_theme_and_suggestions(hw)
    before = snapshot(hw.db)
    for payload, status, code in (
        ({}, 422, "validation_failed"),
        ({"theme_id": "x"}, 422, "validation_failed"),
        ({"theme_id": 987654}, 404, "not_found"),
    ):
        resp = post_json(logged_in, f"{base}/suggestions/{mentor.id}/add", payload)
        assert (resp.status_code, resp.get_json()["error"]["code"]) == (status, code), (payload, resp.get_json())
    assert snapshot(hw.db) == before
    resp = post_json(logged_in, f"{base}/suggestions/{mentor.id}/add", {"theme_id": theme.id})
    body = resp.get_json()
    assert resp.status_code == 200 and body["ok"] is True
    assert body["message"] == "2 innspill lagt til i temaet «Mentorordning»."
    assert [s["id"] for s in body["board"]["suggestions"]] == [time.id]
    assert next(t for t in body["board"]["themes"] if t["id"] == theme.id)["member_ids"] == hw.ids["mentor"]
    resp = post_json(logged_in, f"{base}/suggestions/{mentor.id}/add", {"theme_id": theme.id})
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "suggestion_gone"


def test_add_by_the_api(hw: World, client: Any, app_db: Any) -> None:
    theme, mentor, _time = mentor_theme_and_suggestions(hw)
    token = issue_api_token(app_db, hw.owner)
    stranger = issue_api_token(app_db, make_user(app_db, "api.fremmed@kommune.no"))
    url = f"/api/v1/workshops/{hw.ws.id}/themes/suggestions/{mentor.id}/add"
    before = snapshot(hw.db)
    for payload, status, code in (
        ([1], 400, "bad_json"),
        ({}, 422, "validation_failed"),
        ({"theme_id": str(theme.id)}, 422, "validation_failed"),
        ({"theme_id": 987654}, 404, "not_found"),
    ):
        resp = client.post(url, json=payload, headers=bearer(token))
        assert (resp.status_code, resp.get_json()["error"]["code"]) == (status, code), payload
    assert client.post(url, json={"theme_id": theme.id}, headers=bearer(stranger)).status_code == 404
    assert client.post(url, json={"theme_id": theme.id}).status_code == 401
    assert snapshot(hw.db) == before
    resp = client.post(url, json={"theme_id": theme.id}, headers=bearer(token))
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["added"] == 2 and body["theme"]["member_ids"] == hw.ids["mentor"]
    assert body["revision"] == hw.board().revision
    assert client.post(url, json={"theme_id": theme.id}, headers=bearer(token)).status_code == 409


def test_another_facilitator_cannot_add(hw: World, make_client: Any, app_db: Any) -> None:
    theme, mentor, _time = mentor_theme_and_suggestions(hw)
    stranger = make_client()
    make_user(app_db, "fremmed@kommune.no")
    assert login(stranger, "fremmed@kommune.no").status_code == 302
    before = snapshot(hw.db)
    url = f"/workshops/{hw.ws.id}/themes/suggestions/{mentor.id}/add"
    assert post_json(stranger, url, {"theme_id": theme.id}).status_code == 404
    assert post_form(stranger, url, {"theme_id": str(theme.id)}).status_code == 404
    assert snapshot(hw.db) == before
