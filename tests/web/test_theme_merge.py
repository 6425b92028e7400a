"""Merging two pending theme suggestions (sessions/themes/suggestions.py ``merge_suggestions``).

The domain without Flask (the merged suggestion, every refusal a named error that changes nothing), then
HTTP: the plain form, ``fetch`` with JSON, the API route, and another facilitator's workshop refused.
The world (an open workshop whose contributions give two suggestions, mentor and time) is test_themeboard's.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_themeboard import World, refused

from sessions.core.errors import NotFound, SuggestionGone, ValidationFailed
from sessions.themes import models as themes_models
from sessions.themes import service as tb
from sessions.themes import suggestions as themes_suggestions
from sessions.themes.suggest import ThemeSuggestion


@pytest.fixture
def w(db: Any, persona_library: dict[str, Any]) -> World:
    return World(db, persona_library)



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
