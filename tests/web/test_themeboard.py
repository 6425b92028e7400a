"""The theme board (sessions/themeboard.py, facilitator/themeboard.py): themes, membership, suggestions.

Three levels, as elsewhere: the domain without Flask (operations, named errors that leave the database
exactly as it was, visibility, the suggestion workflow, the report's view); HTTP through the test client
(forms with and without JavaScript, CSRF, the JSON API with its error codes); Socket.IO (a board change
reaches the workshop's facilitators and nobody else: not the wall, not phones, not another workshop).
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers import (
    bearer,
    client_id,
    csrf_token,
    join_participant,
    make_user,
    make_workshop,
    post_form,
    post_json,
)
from sqlalchemy import select

from sessions.accounts.service import issue_api_token
from sessions.contributions import moderation
from sessions.contributions import service as participation
from sessions.core.errors import (
    ContributionHidden,
    NotFound,
    SuggestionGone,
    ValidationFailed,
)
from sessions.models import Base
from sessions.report import build as report_build
from sessions.themes import board as themes_board
from sessions.themes import models as themes_models
from sessions.themes import report as themes_report
from sessions.themes import service as tb
from sessions.themes import suggestions as themes_suggestions

# Contributions for three personas (tables 1-3): two cross-persona clusters and some loose ones.
MENTOR = [
    (0, "need", "Mentor for nyutdannede lærere det første året"),
    (1, "solution", "Fadder eller mentor det første året i jobb"),
    (2, "solution", "Erfaren kollega som mentor for nye i hjemmetjenesten"),
]
TIME = [
    (0, "need", "Fast tid i arbeidsplanen til kompetanseutvikling"),
    (1, "need", "Betalt tid til e-læring i arbeidstiden"),
    (2, "solution", "Frigjort tid i arbeidstiden til å lære"),
]
LOOSE = [
    (0, "need", "Bedre parkering ved rådhuset"),
    (1, "solution", "Kantina bør ha vegetarmat"),
    (2, "need", "Nytt skilt på døra"),
]


def snapshot(db: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (a fresh read)."""
    db.rollback()
    return {t.name: sorted((tuple(r) for r in db.execute(select(t)).all()), key=repr) for t in Base.metadata.sorted_tables}


class World:
    """An open workshop with three tables (one persona each) and the contributions above; a second workshop."""

    def __init__(self, db: Any, library: dict[str, Any]) -> None:
        self.db = db
        self.owner = make_user(db, "tema.eier@kommune.no")
        self.ws = make_workshop(db, self.owner, library, n_groups=3)
        self.other = make_workshop(db, make_user(db, "annen@kommune.no"), library, n_groups=2, title="Annen")
        self.groups = self.ws.groups
        self.people = [join_participant(db, self.ws, g)[0] for g in self.groups]
        self.ids: dict[str, list[int]] = {}
        for name, rows in (("mentor", MENTOR), ("time", TIME), ("loose", LOOSE)):
            self.ids[name] = [self.post(table, kind, text) for table, kind, text in rows]
        p_other = join_participant(db, self.other, self.other.groups[0])[0]
        self.foreign, _ = participation.submit_contribution(
            db, p_other, self.other.groups[0].id, "need", "Mentor for nye i den andre workshopen", client_id()
        )

    def post(self, table: int, kind: str, text: str) -> int:
        c, _ = participation.submit_contribution(self.db, self.people[table], self.groups[table].id, kind, text, client_id())
        return c.id

    def board(self) -> themes_board.Board:
        self.db.rollback()
        return themes_board.load_board(self.db, self.ws.id)


@pytest.fixture
def w(db: Any, persona_library: dict[str, Any]) -> World:
    return World(db, persona_library)


def members(board: themes_board.Board) -> dict[str, list[int]]:
    return {t.name: list(t.member_ids) for t in board.themes}


# -- operations ----------------------------------------------------------------------------------


def test_create_assign_move_rename_delete(w: World) -> None:
    db, ws = w.db, w.ws
    m, t = w.ids["mentor"], w.ids["time"]
    a = tb.create_theme(db, ws, "  Mentor  og   fadder ", m[:2]).theme
    b = tb.create_theme(db, ws, "Tid til læring").theme
    assert a is not None and b is not None
    board = w.board()
    assert [x.name for x in board.themes] == ["Mentor og fadder", "Tid til læring"]
    assert members(board) == {"Mentor og fadder": m[:2], "Tid til læring": []}
    assert board.themes[0].origin == "manual"
    # The personas a theme spans, in workshop order.
    assert board.themes[0].persona_ids == tuple(g.persona_id for g in w.groups[:2])

    for cid in t:
        assert tb.assign(db, ws, cid, b.id).changed
    # A contribution is in at most one theme: assigning it elsewhere moves it.
    ch = tb.assign(db, ws, t[0], a.id)
    assert ch.changed and ch.theme is not None and ch.theme.id == a.id
    assert members(w.board()) == {"Mentor og fadder": [*m[:2], t[0]], "Tid til læring": t[1:]}
    # Asking for what is already so changes nothing and takes no revision.
    before = w.board().revision
    assert not tb.assign(db, ws, t[0], a.id).changed
    assert not tb.assign(db, ws, m[2], None).changed
    assert w.board().revision == before
    # Back to ungrouped.
    assert tb.assign(db, ws, t[0], None).changed
    assert t[0] in w.board().ungrouped

    c = tb.create_theme(db, ws, "Diverse", w.ids["loose"][:1]).theme
    assert c is not None
    assert tb.move_theme(db, ws, c.id, 0).changed
    assert [x.name for x in w.board().themes] == ["Diverse", "Mentor og fadder", "Tid til læring"]
    assert tb.shift_theme(db, ws, c.id, 1).changed
    assert [x.name for x in w.board().themes] == ["Mentor og fadder", "Diverse", "Tid til læring"]
    assert not tb.shift_theme(db, ws, a.id, -1).changed  # already first
    assert tb.rename_theme(db, ws, c.id, "Praktiske ting").changed
    assert not tb.rename_theme(db, ws, c.id, "Praktiske ting").changed

    # Deleting a theme puts its contributions back among the ungrouped ones; nothing is deleted.
    tb.delete_theme(db, ws, a.id)
    board = w.board()
    assert [x.name for x in board.themes] == ["Praktiske ting", "Tid til læring"]
    assert [x.position for x in board.themes] == [0, 1]
    assert set(m[:2]) <= set(board.ungrouped)
    assert len(participation.contributions(db, ws.id)) == 9


def test_every_change_takes_the_next_revision(w: World) -> None:
    db, ws = w.db, w.ws
    revs = [w.board().revision]
    t = tb.create_theme(db, ws, "A").theme
    assert t is not None
    revs.append(tb.assign(db, ws, w.ids["mentor"][0], t.id).revision)
    revs.append(tb.rename_theme(db, ws, t.id, "B").revision)
    revs.append(tb.delete_theme(db, ws, t.id).revision)
    assert revs == sorted(set(revs)) and revs[0] == 0 and len(revs) == 4
    assert w.board().revision == revs[-1]


def refused(w: World, action: Any, error: type[Exception], **attrs: Any) -> Exception:
    """``action`` raises ``error`` (with these attributes) and the database is exactly as before."""
    before = snapshot(w.db)
    with pytest.raises(error) as info:
        action()
    for key, value in attrs.items():
        assert getattr(info.value, key) == value, (key, info.value)
    assert snapshot(w.db) == before
    return info.value


def test_illegal_operations_are_named_errors_and_change_nothing(w: World) -> None:
    db, ws = w.db, w.ws
    m = w.ids["mentor"]
    a = tb.create_theme(db, ws, "Mentor", m[:1]).theme
    assert a is not None
    other_theme = tb.create_theme(db, w.other, "Fremmed").theme
    assert other_theme is not None
    moderation.hide(db, ws, w.ids["loose"][0])
    dup = w.post(0, "need", "Mentor for nyutdannede lærere det første året (igjen)")
    moderation.merge(db, ws, dup, m[0])
    gone = w.post(1, "need", "Skal slettes")
    participation.delete_contribution(db, w.people[1], gone)

    refused(w, lambda: tb.create_theme(db, ws, "   "), ValidationFailed, field="theme_name", reason="empty")
    refused(w, lambda: tb.create_theme(db, ws, "x" * 81), ValidationFailed, field="theme_name", reason="too_long")
    refused(w, lambda: tb.create_theme(db, ws, 42), ValidationFailed, reason="not_text")
    refused(w, lambda: tb.create_theme(db, ws, "MENTOR"), ValidationFailed, reason="theme_exists")
    refused(w, lambda: tb.create_theme(db, ws, "Ny", "17"), ValidationFailed, reason="not_a_list_of_ids")
    # A theme with a bad member is not half made.
    refused(w, lambda: tb.create_theme(db, ws, "Ny", [m[1], w.foreign.id]), NotFound)
    refused(w, lambda: tb.rename_theme(db, ws, a.id, "\x00"), ValidationFailed, reason="empty")
    refused(w, lambda: tb.rename_theme(db, ws, other_theme.id, "Mitt"), NotFound)
    refused(w, lambda: tb.delete_theme(db, ws, other_theme.id), NotFound)
    refused(w, lambda: tb.delete_theme(db, ws, 10**12), NotFound)
    refused(w, lambda: tb.move_theme(db, ws, a.id, 5), ValidationFailed, reason="out_of_range")
    refused(w, lambda: tb.move_theme(db, ws, a.id, "0"), ValidationFailed, reason="not_a_number")
    refused(w, lambda: tb.update_theme(db, ws, a.id, name="", position=0), ValidationFailed, reason="empty")
    # Only visible contributions of this workshop can be placed.
    refused(w, lambda: tb.assign(db, ws, w.foreign.id, a.id), NotFound)
    refused(w, lambda: tb.assign(db, ws, m[1], other_theme.id), NotFound)
    refused(w, lambda: tb.assign(db, ws, w.ids["loose"][0], a.id), ContributionHidden)
    refused(w, lambda: tb.assign(db, ws, dup, a.id), NotFound)
    refused(w, lambda: tb.assign(db, ws, gone, a.id), NotFound)
    refused(w, lambda: tb.assign(db, ws, True, a.id), NotFound)
    refused(w, lambda: tb.assign(db, ws, 2**40, a.id), NotFound)


def test_at_most_this_many_themes(w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tb, "MAX_THEMES", 2)
    tb.create_theme(w.db, w.ws, "En")
    tb.create_theme(w.db, w.ws, "To")
    refused(w, lambda: tb.create_theme(w.db, w.ws, "Tre"), ValidationFailed, reason="too_many_themes")


# -- visibility ------------------------------------------------------------------------------------


def test_hidden_merged_and_deleted_contributions_never_appear(w: World) -> None:
    db, ws = w.db, w.ws
    m = w.ids["mentor"]
    t = tb.create_theme(db, ws, "Mentor", m).theme
    assert t is not None
    loose = w.ids["loose"]
    moderation.merge(db, ws, m[2], m[1])  # a member merged into another member
    moderation.hide(db, ws, m[1])  # a member
    moderation.hide(db, ws, loose[0])  # ungrouped
    participation.delete_contribution(db, w.people[1], loose[1])

    board = w.board()
    shown = set(board.ungrouped) | {c for x in board.themes for c in x.member_ids}
    assert not shown & {m[1], loose[0], m[2], loose[1]}
    view = board.theme(t.id)
    assert view is not None and view.member_ids == (m[0],)
    assert set(view.hidden_ids) == {m[1], m[2]}  # still members, back when shown again
    assert view.persona_ids == (w.groups[0].persona_id,)
    report = themes_report.themes_for_report(db, ws.id)
    assert [c.id for c in report[0].contributions] == [m[0]]
    csv_themes = {c.id: c.theme for c in report_build.build_report(db, ws.id).contributions}
    assert m[1] not in csv_themes and csv_themes[m[0]] == "Mentor"

    moderation.unhide(db, ws, m[1])
    moderation.unmerge(db, ws, m[2])
    view = w.board().theme(t.id)
    assert view is not None and set(view.member_ids) == set(m) and view.hidden_ids == ()


# -- suggestions -----------------------------------------------------------------------------------


def clusters(board: themes_board.Board) -> list[set[int]]:
    return [set(s.member_ids) for s in board.suggestions]


def test_suggestions_run_on_request_among_ungrouped_visible_contributions(w: World) -> None:
    db, ws = w.db, w.ws
    assert w.board().suggestions == ()  # nothing until asked
    ch = themes_suggestions.refresh_suggestions(db, ws)
    assert ch.changed and ch.detail == "2"
    board = w.board()
    assert sorted(map(sorted, clusters(board))) == sorted([sorted(w.ids["mentor"]), sorted(w.ids["time"])])
    first = board.suggestions[0]
    assert first.name[0].isupper()
    # Every suggestion here spans all three personas.
    assert all(len(s.persona_ids) == 3 for s in board.suggestions)

    # Grouped and hidden contributions are not suggested: put one mentor card into a theme, hide another.
    t = tb.create_theme(db, ws, "Eget tema", [w.ids["mentor"][0]]).theme
    assert t is not None
    moderation.hide(db, ws, w.ids["time"][0])
    themes_suggestions.refresh_suggestions(db, ws)
    for s in w.board().suggestions:
        assert w.ids["mentor"][0] not in s.member_ids and w.ids["time"][0] not in s.member_ids


def test_each_suggestion_says_why_and_how_sure(w: World) -> None:
    themes_suggestions.refresh_suggestions(w.db, w.ws)
    board = w.board()
    assert board.suggestions
    for s in board.suggestions:
        assert s.shared_words and all(isinstance(word, str) and word for word in s.shared_words)
        assert 0.0 <= s.confidence <= 1.0 and s.certainty in ("high", "medium", "low")
        payload = s.as_dict()
        assert payload["shared_words"] == list(s.shared_words) and payload["confidence"] == s.confidence
    mentor = next(s for s in board.suggestions if set(s.member_ids) == set(w.ids["mentor"]))
    assert "mentor" in mentor.shared_words


def test_a_new_suggestion_run_never_changes_the_facilitators_themes(w: World) -> None:
    """Themes made or edited by hand, and accepted ones the facilitator changed, survive any refresh."""
    db, ws = w.db, w.ws
    m, t = w.ids["mentor"], w.ids["time"]
    hand = tb.create_theme(db, ws, "Fadder og mentor", m[:1]).theme
    assert hand is not None
    themes_suggestions.refresh_suggestions(db, ws)
    time_suggestion = next(s for s in w.board().suggestions if set(s.member_ids) <= set(t))
    accepted = themes_suggestions.accept_suggestion(db, ws, time_suggestion.id).theme
    assert accepted is not None
    tb.rename_theme(db, ws, accepted.id, "Tid – vårt navn")
    tb.assign(db, ws, m[1], accepted.id)  # a card the suggester would group with mentor, moved by hand
    tb.assign(db, ws, t[-1], None)  # and one taken out again
    mine = {x.id: (x.name, x.member_ids, x.origin) for x in w.board().themes}
    rows = {k: v for k, v in snapshot(db).items() if k in ("themes", "theme_members")}
    for _ in range(2):
        themes_suggestions.refresh_suggestions(db, ws)
        board = w.board()
        assert {x.id: (x.name, x.member_ids, x.origin) for x in board.themes} == mine
        assert {k: v for k, v in snapshot(db).items() if k in ("themes", "theme_members")} == rows
        grouped = {cid for x in board.themes for cid in x.member_ids}
        assert not any(set(s.member_ids) & grouped for s in board.suggestions)  # suggestions only take free cards


def test_accept_with_the_proposed_or_a_new_name(w: World) -> None:
    db, ws = w.db, w.ws
    themes_suggestions.refresh_suggestions(db, ws)
    one, two = w.board().suggestions
    ch = themes_suggestions.accept_suggestion(db, ws, one.id)
    assert ch.theme is not None and ch.theme.name == one.name
    ch = themes_suggestions.accept_suggestion(db, ws, two.id, "Tid og mentor")
    assert ch.theme is not None and ch.theme.name == "Tid og mentor"
    board = w.board()
    assert {x.name: set(x.member_ids) for x in board.themes} == {one.name: set(one.member_ids), "Tid og mentor": set(two.member_ids)}
    assert {x.origin for x in board.themes} == {"suggested"}
    assert board.suggestions == ()
    # Accepting twice: the named error, nothing changes.
    refused(w, lambda: themes_suggestions.accept_suggestion(db, ws, one.id), SuggestionGone, params={"reason": "accepted"})


def test_split_a_suggestion_into_two_themes(w: World) -> None:
    db, ws = w.db, w.ws
    themes_suggestions.refresh_suggestions(db, ws)
    s = next(x for x in w.board().suggestions if set(x.member_ids) == set(w.ids["mentor"]))
    second = [s.member_ids[-1]]
    refused(w, lambda: themes_suggestions.split_suggestion(db, ws, s.id, []), ValidationFailed, reason="split_needs_both")
    refused(w, lambda: themes_suggestions.split_suggestion(db, ws, s.id, list(s.member_ids)), ValidationFailed, reason="split_needs_both")
    refused(w, lambda: themes_suggestions.split_suggestion(db, ws, s.id, [w.ids["loose"][0]]), ValidationFailed, reason="not_in_suggestion")
    refused(w, lambda: themes_suggestions.split_suggestion(db, ws, s.id, ["x"]), ValidationFailed, reason="not_a_list_of_ids")
    refused(w, lambda: themes_suggestions.split_suggestion(db, ws, s.id, second, "Mentor", "mentor"), ValidationFailed, reason="theme_exists")
    ch = themes_suggestions.split_suggestion(db, ws, s.id, [str(second[0])], "Mentor", "")
    assert [x.name for x in ch.themes] == ["Mentor", "Mentor (2)"]
    assert members(w.board()) == {"Mentor": list(s.member_ids[:-1]), "Mentor (2)": second}


def test_a_rejected_suggestion_does_not_come_back(w: World) -> None:
    db, ws = w.db, w.ws
    themes_suggestions.refresh_suggestions(db, ws)
    board = w.board()
    mentor = next(x for x in board.suggestions if set(x.member_ids) == set(w.ids["mentor"]))
    themes_suggestions.reject_suggestion(db, ws, mentor.id)
    assert set(mentor.member_ids) not in clusters(w.board())
    themes_suggestions.refresh_suggestions(db, ws)
    assert set(w.ids["mentor"]) not in clusters(w.board())
    assert set(w.ids["time"]) in clusters(w.board())
    # Not with one more like it either (a new mentor card would join the same cluster).
    extra = w.post(0, "solution", "Mentor for alle nyutdannede det første året")
    themes_suggestions.refresh_suggestions(db, ws)
    assert not any(extra in c or set(w.ids["mentor"]) <= c for c in clusters(w.board()))
    # Deciding on it again is refused.
    refused(w, lambda: themes_suggestions.reject_suggestion(db, ws, mentor.id), SuggestionGone, params={"reason": "rejected"})


def test_suggestions_from_an_older_refresh_are_gone(w: World) -> None:
    db, ws = w.db, w.ws
    themes_suggestions.refresh_suggestions(db, ws)
    old = w.board().suggestions[0]
    themes_suggestions.refresh_suggestions(db, ws)
    refused(w, lambda: themes_suggestions.accept_suggestion(db, ws, old.id), SuggestionGone, params={"reason": "superseded"})
    # Most of a suggestion grouped by hand meanwhile: too little is left to accept.
    s = w.board().suggestions[0]
    t = tb.create_theme(db, ws, "For hand", list(s.member_ids[:-1])).theme
    assert t is not None
    assert w.board().suggestions[0].id != s.id  # it is no longer shown
    refused(w, lambda: themes_suggestions.accept_suggestion(db, ws, s.id), SuggestionGone, params={"reason": "stale"})
    refused(w, lambda: themes_suggestions.accept_suggestion(db, w.other, s.id), NotFound)
    refused(w, lambda: themes_suggestions.reject_suggestion(db, ws, 0), NotFound)


def test_the_overlap_rule() -> None:
    assert themes_suggestions.overlap(frozenset({1, 2, 3}), frozenset({1, 2, 3})) == 1.0
    assert themes_suggestions.overlap(frozenset({1, 2, 3, 4}), frozenset({1, 2, 3})) == 0.75
    assert themes_suggestions.overlap(frozenset({1, 8, 9, 10}), frozenset({1, 2, 3})) < themes_models.REJECTED_OVERLAP
    assert themes_suggestions.overlap(frozenset(), frozenset()) == 0.0


# -- the report's view -----------------------------------------------------------------------------


def test_themes_for_report(w: World) -> None:
    db, ws = w.db, w.ws
    tb.create_theme(db, ws, "Tid", w.ids["time"])
    tb.create_theme(db, ws, "Mentor", w.ids["mentor"][:2])
    tb.create_theme(db, ws, "Tomt")
    themes = themes_report.themes_for_report(db, ws.id)
    assert [t.name for t in themes] == ["Tid", "Mentor", "Tomt"]
    tid = themes[0]
    names = [g.persona.name for g in w.groups]
    assert tid.personas == tuple(names)
    assert (tid.count, tid.needs, tid.solutions) == (3, 2, 1)
    assert tid.per_persona == tuple((n, 1) for n in names)
    assert [(c.text, c.group, c.persona) for c in tid.contributions] == [
        (text, w.groups[table].name, names[table]) for table, _kind, text in TIME
    ]
    assert themes[1].personas == tuple(names[:2]) and themes[1].cross_persona
    assert themes[2].count == 0 and themes[2].personas == ()
    # The report's table column.
    rows = {c.id: c.theme for c in report_build.build_report(db, ws.id).contributions}
    assert rows[w.ids["time"][0]] == "Tid" and rows[w.ids["mentor"][2]] is None


# -- HTTP ------------------------------------------------------------------------------------------


@pytest.fixture
def hw(app: Any, app_db: Any, library: dict[str, Any], facilitator: Any, logged_in: Any) -> World:
    """The world on the app's database, owned by the signed-in facilitator."""
    return app_world(app_db, library, facilitator)


def app_world(app_db: Any, library: dict[str, Any], facilitator: Any) -> World:
    """The world on the app's database, owned by ``facilitator`` (test_theme_merge.py uses it too)."""
    world = World.__new__(World)
    world.db = app_db
    world.owner = facilitator
    world.ws = make_workshop(app_db, facilitator, library, n_groups=3)
    world.other = make_workshop(app_db, make_user(app_db, "annen@kommune.no"), library, n_groups=2, title="Annen")
    world.groups = world.ws.groups
    world.people = [join_participant(app_db, world.ws, g)[0] for g in world.groups]
    world.ids = {}
    for name, rows in (("mentor", MENTOR), ("time", TIME), ("loose", LOOSE)):
        world.ids[name] = [world.post(table, kind, text) for table, kind, text in rows]
    p_other = join_participant(app_db, world.other, world.other.groups[0])[0]
    world.foreign, _ = participation.submit_contribution(
        app_db, p_other, world.other.groups[0].id, "need", "Fremmed innspill", client_id()
    )
    return world


def test_the_page_renders_the_board(hw: World, logged_in: Any) -> None:
    t = tb.create_theme(hw.db, hw.ws, "Mentor <b>ordning</b>", hw.ids["mentor"][:1]).theme
    assert t is not None
    moderation.hide(hw.db, hw.ws, hw.ids["loose"][0])
    html = logged_in.get(f"/workshops/{hw.ws.id}/themes").get_data(as_text=True)
    assert "Mentor &lt;b&gt;ordning&lt;/b&gt;" in html
    assert "Bedre parkering" not in html  # hidden
    assert 'data-theme-id="%d"' % t.id in html
    assert "Flytt til" in html and "Ikke gruppert" in html  # bokmål, a move menu on every card
    themes_suggestions.refresh_suggestions(hw.db, hw.ws)
    html = logged_in.get(f"/workshops/{hw.ws.id}/themes").get_data(as_text=True)
    assert "Hvorfor: ord de deler" in html and "Hvor sikker" in html  # why and how sure, in bokmål
    assert any(word in html for word in ("sikker (", "usikker (", "nokså sikker ("))
    # The dashboard links to it and shows the theme.
    live = logged_in.get(f"/workshops/{hw.ws.id}/live").get_data(as_text=True)
    assert f'href="/workshops/{hw.ws.id}/themes"' in live and "Mentor &lt;b&gt;ordning&lt;/b&gt;" in live


def test_forms_without_javascript(hw: World, logged_in: Any) -> None:
    base = f"/workshops/{hw.ws.id}/themes"
    resp = post_form(logged_in, base, {"name": "Mentor"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(base)
    tid = hw.board().themes[0].id
    resp = post_form(logged_in, f"{base}/assign", {"contribution_id": str(hw.ids["mentor"][0]), "theme_id": str(tid)})
    assert resp.status_code == 302
    assert hw.board().themes[0].member_ids == (hw.ids["mentor"][0],)
    page = logged_in.get(base).get_data(as_text=True)
    assert "Flyttet til «Mentor»." in page  # the flash, in bokmål
    # A refused form says why (in Norwegian) and changes nothing.
    before = snapshot(hw.db)
    resp = post_form(logged_in, base, {"name": "mentor"}, follow_redirects=True)
    assert "Det finnes allerede et tema som heter «mentor»" in resp.get_data(as_text=True)
    assert snapshot(hw.db) == before
    # Back to ungrouped with an empty theme.
    post_form(logged_in, f"{base}/assign", {"contribution_id": str(hw.ids["mentor"][0]), "theme_id": ""})
    assert hw.board().themes[0].member_ids == ()
    # Suggestions by form: ask, then accept one with a new name, split one, and check the result.
    assert post_form(logged_in, f"{base}/suggestions").status_code == 302
    s1, s2 = hw.board().suggestions
    assert post_form(logged_in, f"{base}/suggestions/{s1.id}/accept", {"name": "Første"}).status_code == 302
    resp = logged_in.post(
        f"{base}/suggestions/{s2.id}/split",
        data={"csrf_token": csrf_token(logged_in), "name": "Andre", "second_name": "Tredje", "split": [str(s2.member_ids[0])]},
    )
    assert resp.status_code == 302
    assert members(hw.board()) == {
        "Mentor": [], "Første": list(s1.member_ids), "Andre": list(s2.member_ids[1:]), "Tredje": [s2.member_ids[0]],
    }


def test_json_answers_and_error_codes(hw: World, logged_in: Any) -> None:
    base = f"/workshops/{hw.ws.id}/themes"
    resp = post_json(logged_in, base, {"name": "Tid", "contribution_id": hw.ids["time"][0]})
    body = resp.get_json()
    assert resp.status_code == 200 and body["ok"] is True and body["message"] == "Temaet «Tid» er opprettet."
    theme = body["board"]["themes"][0]
    assert (theme["name"], theme["member_ids"], theme["origin"]) == ("Tid", [hw.ids["time"][0]], "manual")
    # A card dropped on «New theme» without a name makes «Tema 2».
    body = post_json(logged_in, base, {"name": "", "contribution_id": hw.ids["time"][1]}).get_json()
    assert [t["name"] for t in body["board"]["themes"]] == ["Tid", "Tema 2"]
    before = snapshot(hw.db)
    cases = [
        (base, {"name": ""}, 422, "validation_failed"),
        (base, {"name": "tid"}, 422, "validation_failed"),
        (f"{base}/assign", {"contribution_id": hw.foreign.id, "theme_id": theme["id"]}, 404, "not_found"),
        (f"{base}/assign", {"contribution_id": "abc", "theme_id": theme["id"]}, 422, "validation_failed"),
        (f"{base}/{theme['id'] + 100}", {"name": "X"}, 404, "not_found"),
        (f"{base}/{theme['id']}/move", {"position": 9}, 422, "validation_failed"),
        (f"{base}/suggestions/12345/accept", {}, 404, "not_found"),
    ]
    for url, payload, status, code in cases:
        resp = post_json(logged_in, url, payload)
        assert (resp.status_code, resp.get_json()["error"]["code"]) == (status, code), (url, resp.get_json())
    moderation.hide(hw.db, hw.ws, hw.ids["loose"][0])
    before = snapshot(hw.db)
    resp = post_json(logged_in, f"{base}/assign", {"contribution_id": hw.ids["loose"][0], "theme_id": theme["id"]})
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "contribution_hidden"
    assert snapshot(hw.db) == before
    themes_suggestions.refresh_suggestions(hw.db, hw.ws)
    s = hw.board().suggestions[0]
    assert post_json(logged_in, f"{base}/suggestions/{s.id}/reject", {}).status_code == 200
    resp = post_json(logged_in, f"{base}/suggestions/{s.id}/accept", {})
    assert resp.status_code == 409
    assert resp.get_json()["error"] == {"code": "suggestion_gone", "message": "Dette forslaget er allerede avvist."}


def test_csrf_is_required(hw: World, logged_in: Any) -> None:
    base = f"/workshops/{hw.ws.id}/themes"
    before = snapshot(hw.db)
    for url, data in ((base, {"name": "Uten token"}), (f"{base}/suggestions", {})):
        resp = logged_in.post(url, data=data)
        assert resp.status_code == 400
        resp = logged_in.post(url, json=data, headers={"Accept": "application/json"})
        assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "csrf_failed"
    assert snapshot(hw.db) == before


def test_another_facilitator_gets_nothing(hw: World, make_client: Any, app_db: Any) -> None:
    from helpers import login

    stranger = make_client()
    make_user(app_db, "fremmed@kommune.no")
    assert login(stranger, "fremmed@kommune.no").status_code == 302
    before = snapshot(hw.db)
    assert stranger.get(f"/workshops/{hw.ws.id}/themes").status_code == 404
    assert post_json(stranger, f"/workshops/{hw.ws.id}/themes", {"name": "Inntrenger"}).status_code == 404
    assert snapshot(hw.db) == before


# -- the API ---------------------------------------------------------------------------------------


def test_the_api(hw: World, client: Any, app_db: Any) -> None:
    token = issue_api_token(app_db, hw.owner)
    api = f"/api/v1/workshops/{hw.ws.id}"
    h = bearer(token)
    resp = client.post(f"{api}/themes", json={"name": "Mentor", "contribution_ids": hw.ids["mentor"]}, headers=h)
    assert resp.status_code == 201, resp.get_json()
    theme = resp.get_json()["theme"]
    assert theme["member_ids"] == hw.ids["mentor"] and theme["count"] == 3 and len(theme["persona_ids"]) == 3
    tid = theme["id"]
    other = client.post(f"{api}/themes", json={"name": "Tid"}, headers=h).get_json()["theme"]
    resp = client.put(f"{api}/contributions/{hw.ids['time'][0]}/theme", json={"theme_id": other["id"]}, headers=h)
    assert resp.status_code == 200 and resp.get_json()["theme_id"] == other["id"]
    resp = client.patch(f"{api}/themes/{other['id']}", json={"name": "Tid til læring", "position": 0}, headers=h)
    assert resp.status_code == 200 and resp.get_json()["theme"]["position"] == 0
    listing = client.get(f"{api}/themes", headers=h).get_json()
    assert [t["name"] for t in listing["themes"]] == ["Tid til læring", "Mentor"]
    assert set(listing["ungrouped"]) == set(hw.ids["time"][1:] + hw.ids["loose"])
    assert listing["revision"] == resp.get_json()["revision"]

    before = snapshot(hw.db)
    bad = [
        ("post", f"{api}/themes", {"name": 5}, 422, "validation_failed"),
        ("post", f"{api}/themes", {"name": "Ny", "contribution_ids": [hw.foreign.id]}, 404, "not_found"),
        ("post", f"{api}/themes", [1], 400, "bad_json"),
        ("patch", f"{api}/themes/{tid}", {}, 422, "validation_failed"),
        ("patch", f"{api}/themes/{tid}", {"name": "Ny", "position": 7}, 422, "validation_failed"),
        ("patch", f"{api}/themes/{tid}", {"name": "tid til LÆRING"}, 422, "validation_failed"),
        ("put", f"{api}/contributions/{hw.ids['time'][1]}/theme", {}, 422, "validation_failed"),
        ("put", f"{api}/contributions/{hw.ids['time'][1]}/theme", {"theme_id": "1"}, 422, "validation_failed"),
        ("put", f"{api}/contributions/{hw.foreign.id}/theme", {"theme_id": tid}, 404, "not_found"),
        ("delete", f"{api}/themes/999999", None, 404, "not_found"),
    ]
    for method, url, payload, status, code in bad:
        resp = getattr(client, method)(url, json=payload, headers=h)
        assert (resp.status_code, resp.get_json()["error"]["code"]) == (status, code), (method, url, resp.get_json())
    assert snapshot(hw.db) == before
    # Someone else's token, and no token: the workshop is not confirmed to exist.
    stranger = issue_api_token(app_db, make_user(app_db, "api.fremmed@kommune.no"))
    assert client.get(f"{api}/themes", headers=bearer(stranger)).status_code == 404
    assert client.get(f"{api}/themes").status_code == 401

    resp = client.delete(f"{api}/themes/{tid}", headers=h)
    assert resp.status_code == 200 and resp.get_json()["deleted"] == tid
    assert set(hw.ids["mentor"]) <= set(client.get(f"{api}/themes", headers=h).get_json()["ungrouped"])


# -- Socket.IO -------------------------------------------------------------------------------------


def watch(sock: Any, workshop_id: int) -> dict[str, Any]:
    ack = sock.emit("watch", {"workshop_id": workshop_id, "since": 0}, callback=True)
    assert ack["ok"] is True, ack
    return ack


def test_a_board_change_reaches_the_workshops_facilitators_only(hw: World, sio: Any, logged_in: Any, make_client: Any, app_db: Any) -> None:
    from helpers import login

    ws, other = hw.ws, hw.other
    co = make_user(app_db, "medfasilitator@kommune.no")
    from sessions.workshops.models import WorkshopFacilitator

    app_db.add(WorkshopFacilitator(workshop_id=ws.id, user_id=co.id))
    app_db.commit()
    second = make_client()
    assert login(second, "medfasilitator@kommune.no").status_code == 302
    phone_browser = make_client()
    assert post_form(phone_browser, "/join", {"code": ws.join_code}).status_code == 302
    assert post_form(phone_browser, f"/w/{ws.id}/group", {"group_id": str(hw.groups[0].id)}).status_code == 302

    clients = {
        "fac": sio(logged_in),
        "co": sio(second),
        "wall": sio(auth={"wall": ws.wall_token}),
        "phone": sio(phone_browser),
        "x_fac": sio(auth={"token": issue_api_token(app_db, other.owner)}),
        "x_wall": sio(auth={"wall": other.wall_token}),
    }
    for name, sock in clients.items():
        ack = watch(sock, other.id if name.startswith("x_") else ws.id)
        if name in ("fac", "co"):
            assert ack["live"]["themes"] == themes_board.board_payload(app_db, ws.id)  # the board in the ack
        elif name in ("wall", "phone"):
            assert "themes" not in ack["live"]
        sock.get_received()

    resp = post_json(logged_in, f"/workshops/{ws.id}/themes", {"name": "Mentor"})
    assert resp.status_code == 200
    got = {name: [e for e in sock.get_received()] for name, sock in clients.items()}
    assert [e["name"] for e in got["fac"]] == ["themes"] and [e["name"] for e in got["co"]] == ["themes"]
    for name in ("wall", "phone", "x_fac", "x_wall"):
        assert got[name] == [], name
    event = got["co"][0]["args"][0]
    assert event == resp.get_json()["board"]
    assert set(event) == {"workshop_id", "revision", "themes", "suggestions"}

    # A refused change and a change that changes nothing are not broadcast.
    assert post_json(logged_in, f"/workshops/{ws.id}/themes", {"name": "mentor"}).status_code == 422
    tid = event["themes"][0]["id"]
    post_json(logged_in, f"/workshops/{ws.id}/themes/assign", {"contribution_id": hw.ids["loose"][0], "theme_id": None})
    assert all(sock.get_received() == [] for sock in clients.values())
    # The API broadcasts too.
    token = issue_api_token(app_db, hw.owner)
    logged_in.put(f"/api/v1/workshops/{ws.id}/contributions/{hw.ids['mentor'][0]}/theme", json={"theme_id": tid}, headers=bearer(token))
    got = clients["co"].get_received()
    assert [e["name"] for e in got] == ["themes"] and got[0]["args"][0]["themes"][0]["member_ids"] == [hw.ids["mentor"][0]]
    assert clients["phone"].get_received() == [] and clients["wall"].get_received() == []


def test_events_carry_increasing_revisions(hw: World, sio: Any, logged_in: Any) -> None:
    sock = sio(logged_in)
    watch(sock, hw.ws.id)
    sock.get_received()
    base = f"/workshops/{hw.ws.id}/themes"
    post_json(logged_in, base, {"name": "A"})
    post_json(logged_in, f"{base}/suggestions", {})
    s = hw.board().suggestions[0]
    post_json(logged_in, f"{base}/suggestions/{s.id}/accept", {"name": "B"})
    revisions = [e["args"][0]["revision"] for e in sock.get_received() if e["name"] == "themes"]
    assert len(revisions) == 3 and revisions == sorted(set(revisions))


# -- the workshop archive --------------------------------------------------------------------------


def test_themes_travel_in_the_archive(w: World) -> None:
    from sessions.archive import service as archive

    db, ws = w.db, w.ws
    tb.create_theme(db, ws, "Mentor", w.ids["mentor"])
    tb.create_theme(db, ws, "Tomt tema")
    tb.create_theme(db, ws, "Tid", w.ids["time"][:2])
    moderation.hide(db, ws, w.ids["mentor"][1])  # a hidden member travels as a member (and hidden)
    first = archive.export_archive(db, ws.id)
    assert first["themes"] == [{"name": "Mentor", "origin": "manual"}, {"name": "Tomt tema", "origin": "manual"}, {"name": "Tid", "origin": "manual"}]
    assert sorted(c["theme"] for c in first["contributions"] if c["theme"]) == ["Mentor"] * 3 + ["Tid"] * 2
    copy = archive.import_archive(db, first, w.owner)
    second = archive.export_archive(db, copy.id)
    assert {k: v for k, v in second.items() if k != "exported_at"} == {k: v for k, v in first.items() if k != "exported_at"}
    board = themes_board.load_board(db, copy.id)
    assert [(t.name, len(t.member_ids), len(t.hidden_ids)) for t in board.themes] == [("Mentor", 2, 1), ("Tomt tema", 0, 0), ("Tid", 2, 0)]


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(themes="Mentor"),
        lambda d: d.update(themes=[{"name": ""}]),
        lambda d: d.update(themes=[{"name": "A"}, {"name": "a"}]),
        lambda d: d.update(themes=[{"name": "A", "origin": "magic"}]),
        lambda d: d["contributions"][0].update(theme="x" * 81),
        lambda d: d["contributions"][0].update(theme=7),
    ],
)
def test_a_bad_archive_theme_imports_nothing(w: World, change: Any) -> None:
    from sessions.archive import service as archive

    doc = archive.export_archive(w.db, w.ws.id)
    change(doc)
    before = snapshot(w.db)
    with pytest.raises(ValidationFailed) as info:
        archive.import_archive(w.db, doc, w.owner)
    assert info.value.reason == "bad_archive"
    assert snapshot(w.db) == before


def test_the_example_workshop_has_the_theme_the_organisers_found(db: Any) -> None:
    """The 2019 minutes: four of the five personas shared one need, leadership in change processes."""
    import json
    from pathlib import Path

    from sessions.archive import service as archive

    doc = json.loads((Path(__file__).resolve().parents[2] / "docs" / "examples" / "kompetansealliansen-2019.json").read_text(encoding="utf-8"))
    ws = archive.import_archive(db, doc, make_user(db))
    lead, short = themes_report.themes_for_report(db, ws.id)
    assert lead.name == "Ledelse i endrings- og omstillingsprosesser" and lead.count == 5 and len(lead.personas) == 4
    assert short.name == "Korte kurs og samlingsbasert utdanning" and short.count == 2 and short.solutions == 2
