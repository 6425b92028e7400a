"""Merging two pending theme suggestions (sessions/themes/suggestions.py ``merge_suggestions``).

The domain without Flask (the merged suggestion, every refusal a named error that changes nothing), then
HTTP: the plain form, ``fetch`` with JSON, the API route, and another facilitator's workshop refused.
The world (an open workshop whose contributions give two suggestions, mentor and time) is test_themeboard's.
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers import bearer, login, make_user, post_form, post_json
from test_themeboard import World, app_world, refused, snapshot

from sessions.accounts.service import issue_api_token
from sessions.core.errors import NotFound, SuggestionGone, ValidationFailed
from sessions.themes import models as themes_models
from sessions.themes import service as tb
from sessions.themes import suggestions as themes_suggestions
from sessions.themes.suggest import ThemeSuggestion


@pytest.fixture
def w(db: Any, persona_library: dict[str, Any]) -> World:
    return World(db, persona_library)


@pytest.fixture
def hw(
    app: Any, app_db: Any, library: dict[str, Any], facilitator: Any, logged_in: Any
) -> World:
    return app_world(app_db, library, facilitator)


def two(world: World) -> tuple[Any, Any]:
    """The two pending suggestions, mentor first."""
    themes_suggestions.refresh_suggestions(world.db, world.ws)
    board = world.board()
    mentor = next(
        s for s in board.suggestions if set(s.member_ids) == set(world.ids["mentor"])
    )
    time = next(
        s for s in board.suggestions if set(s.member_ids) == set(world.ids["time"])
    )
    return mentor, time


# -- the domain ------------------------------------------------------------------------------------


def test_merge_two_suggestions_into_one(w: World) -> None:
    db, ws = w.db, w.ws
    mentor, time = two(w)
    rev = w.board().revision
    ch = themes_suggestions.merge_suggestions(db, ws, mentor.id, time.id)
    assert ch.changed and ch.revision == rev + 1
    board = w.board()
    assert len(board.suggestions) == 1
    merged = board.suggestions[0]
    assert str(merged.id) == ch.detail and merged.id not in (mentor.id, time.id)
    assert merged.name == mentor.name  # the target's name
    assert (
        merged.member_ids == mentor.member_ids + time.member_ids
    )  # the target's members first
    assert merged.shared_words == tuple(
        dict.fromkeys(mentor.shared_words + time.shared_words)
    )
    assert merged.confidence == min(
        mentor.confidence, time.confidence
    )  # at most as sure as the looser part
    assert len(merged.persona_ids) == 3
    # Both old ones are gone for good: acting on either is refused and changes nothing.
    for old in (mentor, time):
        refused(
            w,
            lambda old=old: themes_suggestions.accept_suggestion(db, ws, old.id),
            SuggestionGone,
            params={"reason": "merged"},
        )
    # The merged one is an ordinary suggestion: it can be accepted as one theme.
    theme = themes_suggestions.accept_suggestion(db, ws, merged.id).theme
    assert theme is not None and set(w.board().theme(theme.id).member_ids) == set(
        w.ids["mentor"] + w.ids["time"]
    )


def test_merge_with_a_typed_name(w: World) -> None:
    mentor, time = two(w)
    ch = themes_suggestions.merge_suggestions(
        w.db, w.ws, time.id, mentor.id, "  Tid og mentor "
    )
    merged = w.board().suggestions[0]
    assert merged.name == "Tid og mentor" and str(merged.id) == ch.detail
    assert merged.member_ids == time.member_ids + mentor.member_ids


def test_a_bad_merge_is_a_named_error_and_changes_nothing(w: World) -> None:
    db, ws = w.db, w.ws
    mentor, time = two(w)
    merge = themes_suggestions.merge_suggestions
    refused(
        w,
        lambda: merge(db, ws, mentor.id, mentor.id),
        ValidationFailed,
        field="merge_with",
        reason="same_suggestion",
    )
    refused(
        w,
        lambda: merge(db, ws, mentor.id, None),
        ValidationFailed,
        field="merge_with",
        reason="required",
    )
    refused(
        w,
        lambda: merge(db, ws, mentor.id, "x"),
        ValidationFailed,
        field="merge_with",
        reason="not_a_number",
    )
    refused(
        w,
        lambda: merge(db, ws, mentor.id, time.id, ""),
        ValidationFailed,
        field="theme_name",
        reason="empty",
    )
    refused(w, lambda: merge(db, ws, mentor.id, 987654), NotFound)
    refused(w, lambda: merge(db, ws, 987654, time.id), NotFound)
    refused(
        w, lambda: merge(db, w.other, mentor.id, time.id), NotFound
    )  # another workshop's board
    # One of them was acted on meanwhile.
    themes_suggestions.reject_suggestion(db, ws, time.id)
    refused(
        w,
        lambda: merge(db, ws, mentor.id, time.id),
        SuggestionGone,
        params={"reason": "rejected"},
    )
    refused(
        w,
        lambda: merge(db, ws, time.id, mentor.id),
        SuggestionGone,
        params={"reason": "rejected"},
    )


def test_a_suggestion_of_another_workshop_is_not_merged(w: World) -> None:
    mentor, _time = two(w)
    # The other workshop's suggestion: the foreign contribution alone is too few, so make one row by hand.
    themes_suggestions.replace_suggestions(
        w.db, w.other, [ThemeSuggestion((w.foreign.id,), (), "fremmed", (), 0.5)]
    )
    foreign = (
        w.db.query(themes_models.SuggestedTheme).filter_by(workshop_id=w.other.id).one()
    )
    refused(
        w,
        lambda: themes_suggestions.merge_suggestions(w.db, w.ws, mentor.id, foreign.id),
        NotFound,
    )


def test_merge_refused_when_one_is_mostly_grouped_by_hand(w: World) -> None:
    mentor, time = two(w)
    tb.create_theme(w.db, w.ws, "For hånd", list(time.member_ids[:-1]))
    refused(
        w,
        lambda: themes_suggestions.merge_suggestions(w.db, w.ws, mentor.id, time.id),
        SuggestionGone,
        params={"reason": "stale"},
    )


# -- HTTP ------------------------------------------------------------------------------------------


def test_merge_by_form_and_the_page_offers_it(hw: World, logged_in: Any) -> None:
    base = f"/workshops/{hw.ws.id}/themes"
    mentor, time = two(hw)
    page = logged_in.get(base).get_data(as_text=True)
    assert (
        "Slå sammen med …" in page
        and f'<option value="{time.id}">{time.name}</option>' in page
    )
    # A bad choice: a Norwegian message on the way back, nothing changed.
    before = snapshot(hw.db)
    resp = post_form(
        logged_in,
        f"{base}/suggestions/{mentor.id}/merge",
        {"name": mentor.name, "merge_with": str(mentor.id)},
        follow_redirects=True,
    )
    assert "Velg et annet forslag å slå sammen med." in resp.get_data(as_text=True)
    resp = post_form(
        logged_in,
        f"{base}/suggestions/{mentor.id}/merge",
        {"name": mentor.name, "merge_with": "abc"},
        follow_redirects=True,
    )
    assert "Slå sammen med: Her må det stå et tall." in resp.get_data(as_text=True)
    assert snapshot(hw.db) == before
    resp = post_form(
        logged_in,
        f"{base}/suggestions/{mentor.id}/merge",
        {"name": "Samlet", "merge_with": str(time.id)},
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith(
        f"{base}#suggestions"
    )
    (merged,) = hw.board().suggestions
    assert merged.name == "Samlet" and set(merged.member_ids) == set(
        hw.ids["mentor"] + hw.ids["time"]
    )
    assert "Slått sammen til ett forslag, «Samlet»." in logged_in.get(base).get_data(
        as_text=True
    )


def test_merge_by_fetch_answers_the_board_and_codes(hw: World, logged_in: Any) -> None:
    base = f"/workshops/{hw.ws.id}/themes"
    mentor, time = two(hw)
    before = snapshot(hw.db)
    cases = [
        ({"merge_with": mentor.id}, 422, "validation_failed"),
        ({}, 422, "validation_failed"),
        ({"merge_with": 987654}, 404, "not_found"),
        ({"merge_with": time.id, "name": ""}, 422, "validation_failed"),
    ]
    for payload, status, code in cases:
        resp = post_json(logged_in, f"{base}/suggestions/{mentor.id}/merge", payload)
        assert (resp.status_code, resp.get_json()["error"]["code"]) == (status, code), (
            payload,
            resp.get_json(),
        )
    assert snapshot(hw.db) == before
    resp = post_json(
        logged_in,
        f"{base}/suggestions/{mentor.id}/merge",
        {"merge_with": time.id, "name": mentor.name},
    )
    body = resp.get_json()
    assert resp.status_code == 200 and body["ok"] is True
    assert [s["id"] for s in body["board"]["suggestions"]] == [body["suggestion_id"]]
    # Acting on the old one from a stale page: 409 with a stable code and a Norwegian message.
    resp = post_json(
        logged_in, f"{base}/suggestions/{time.id}/merge", {"merge_with": mentor.id}
    )
    assert resp.status_code == 409
    assert resp.get_json()["error"] == {
        "code": "suggestion_gone",
        "message": "Dette forslaget er slått sammen med et annet. Se på forslagene slik de er nå.",
    }


def test_merge_by_the_api(hw: World, client: Any, app_db: Any) -> None:
    mentor, time = two(hw)
    token = issue_api_token(app_db, hw.owner)
    stranger = issue_api_token(app_db, make_user(app_db, "api.fremmed@kommune.no"))
    url = f"/api/v1/workshops/{hw.ws.id}/themes/suggestions/{mentor.id}/merge"
    before = snapshot(hw.db)
    for payload, status, code in (
        ([1], 400, "bad_json"),
        ({}, 422, "validation_failed"),
        ({"merge_with": str(time.id)}, 422, "validation_failed"),
        ({"merge_with": mentor.id}, 422, "validation_failed"),
        ({"merge_with": time.id, "name": 5}, 422, "validation_failed"),
    ):
        resp = client.post(url, json=payload, headers=bearer(token))
        assert (resp.status_code, resp.get_json()["error"]["code"]) == (status, code), (
            payload
        )
    assert (
        client.post(
            url, json={"merge_with": time.id}, headers=bearer(stranger)
        ).status_code
        == 404
    )
    assert client.post(url, json={"merge_with": time.id}).status_code == 401
    assert snapshot(hw.db) == before
    resp = client.post(url, json={"merge_with": time.id}, headers=bearer(token))
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["suggestion"]["name"] == mentor.name
    assert body["suggestion"]["member_ids"] == list(mentor.member_ids + time.member_ids)
    assert body["revision"] == hw.board().revision
    assert (
        client.post(
            url, json={"merge_with": time.id}, headers=bearer(token)
        ).status_code
        == 409
    )


def test_another_facilitator_cannot_merge(
    hw: World, make_client: Any, app_db: Any
) -> None:
    mentor, time = two(hw)
    stranger = make_client()
    make_user(app_db, "fremmed@kommune.no")
    assert login(stranger, "fremmed@kommune.no").status_code == 302
    before = snapshot(hw.db)
    url = f"/workshops/{hw.ws.id}/themes/suggestions/{mentor.id}/merge"
    assert post_json(stranger, url, {"merge_with": time.id}).status_code == 404
    assert (
        post_form(stranger, url, {"merge_with": str(time.id), "name": "X"}).status_code
        == 404
    )
    assert snapshot(hw.db) == before
