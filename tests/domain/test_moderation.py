"""Moderation without Flask: hide/unhide, edit keeping the original, merge keeping both texts and votes,
spotlight and the wall's view. Every visible change takes a new sequence number; no author is revealed."""

from __future__ import annotations

import pytest
from helpers import client_id, join_participant, make_user, make_workshop

from sessions.contributions import moderation
from sessions.contributions import service as participation
from sessions.contributions.models import Contribution
from sessions.core.errors import (
    CannotMerge,
    ContributionHidden,
    IllegalTransition,
    NotFound,
    ValidationFailed,
    WrongWorkshop,
)
from sessions.rounds import plan as rounds_plan
from sessions.rounds import service as rounds
from sessions.rounds import voting
from sessions.rounds.models import WallView


@pytest.fixture
def owner(db):  # type: ignore[no-untyped-def]
    return make_user(db, "moderator@kommune.no")


@pytest.fixture
def ws(db, owner, persona_library):  # type: ignore[no-untyped-def]
    return make_workshop(db, owner, persona_library, n_groups=2)


@pytest.fixture
def people(db, ws):  # type: ignore[no-untyped-def]
    return [join_participant(db, ws, g, name=f"Deltaker {i}")[0] for i, g in enumerate(ws.groups)]


def post(db, p, group, text, kind="need"):  # type: ignore[no-untyped-def]
    return participation.submit_contribution(db, p, group.id, kind, text, client_id())[0]


@pytest.fixture
def three(db, ws, people):  # type: ignore[no-untyped-def]
    a = post(db, people[0], ws.groups[0], "Mentor for nye")
    b = post(db, people[1], ws.groups[1], "Mentorordning")
    c = post(db, people[1], ws.groups[1], "Kurs i ledelse", kind="solution")
    return a, b, c


def visible(db, ws, **kw):  # type: ignore[no-untyped-def]
    db.expire_all()
    return [c.text for c in participation.contributions(db, ws.id, **kw)]


class TestHide:
    def test_hidden_stays_in_the_archive_and_on_the_dashboard_only(self, db, ws, three):
        a, b, _c = three
        seq = participation.last_seq(db, ws.id)
        result = moderation.hide(db, ws, a.id)
        assert result.changed == [a] and a.hidden and a.seq > seq
        assert "Mentor for nye" not in visible(db, ws)
        assert "Mentor for nye" not in visible(db, ws, group_id=ws.groups[0].id)
        assert "Mentor for nye" in visible(db, ws, include_hidden=True)
        assert db.get(Contribution, a.id).text == "Mentor for nye"
        public, staff = a.as_event(), a.as_event(staff=True)
        assert (public["hidden"], public["text"], public["author_name"]) == (True, "", None)
        assert (staff["hidden"], staff["text"]) == (True, "Mentor for nye")
        # Catching up, a phone learns that it is gone.
        assert [c.id for c in participation.changes_since(db, ws.id, seq)] == [a.id]

    def test_unhide(self, db, ws, three):
        a = three[0]
        moderation.hide(db, ws, a.id)
        seq = a.seq
        moderation.unhide(db, ws, a.id)
        assert not a.hidden and a.seq > seq
        assert "Mentor for nye" in visible(db, ws)

    @pytest.mark.parametrize(("first", "again", "reason"), [("hide", "hide", "already_hidden"), (None, "unhide", "not_hidden")])
    def test_twice_is_refused(self, db, ws, three, first, again, reason):
        a = three[0]
        if first:
            getattr(moderation, first)(db, ws, a.id)
        seq = db.get(Contribution, a.id).seq
        with pytest.raises(IllegalTransition) as err:
            getattr(moderation, again)(db, ws, a.id)
        assert err.value.params["reason"] == reason
        db.expire_all()
        assert db.get(Contribution, a.id).seq == seq

    def test_the_author_can_no_longer_change_a_hidden_contribution(self, db, ws, three, people):
        moderation.hide(db, ws, three[0].id)
        with pytest.raises(NotFound):
            participation.edit_contribution(db, people[0], three[0].id, "Ny tekst")

    def test_only_this_workshops_contributions(self, db, ws, three, owner, persona_library):
        other = make_workshop(db, owner, persona_library, n_groups=1, title="Annen")
        with pytest.raises(NotFound):
            moderation.hide(db, other, three[0].id)


class TestEdit:
    def test_the_original_text_is_kept(self, db, ws, three):
        a = three[0]
        moderation.edit(db, ws, a.id, "Mentor for alle nyansatte")
        moderation.edit(db, ws, a.id, "Mentor for alle nytilsatte")
        db.expire_all()
        stored = db.get(Contribution, a.id)
        assert (stored.text, stored.original_text) == ("Mentor for alle nytilsatte", "Mentor for nye")
        assert stored.as_event()["original_text"] is None  # phones and walls never see it
        assert stored.as_event(staff=True)["original_text"] == "Mentor for nye"
        assert stored.as_event()["edited"] is True

    def test_the_same_text_changes_nothing(self, db, ws, three):
        a = three[0]
        assert moderation.edit(db, ws, a.id, "Mentor for nye").changed == []

    def test_text_rules_apply(self, db, ws, three):
        with pytest.raises(ValidationFailed):
            moderation.edit(db, ws, three[0].id, "   ")
        with pytest.raises(ValidationFailed):
            moderation.edit(db, ws, three[0].id, "x" * 1001)


class TestMerge:
    def test_both_texts_and_their_votes_are_kept(self, db, ws, three, people):
        a, b, _c = three
        plan = rounds_plan.add_default_plan(db, ws)
        rounds.start_round(db, ws, plan[2].id)
        voting.cast(db, people[0], b.id)
        voting.cast(db, people[1], b.id)
        voting.cast(db, people[1], a.id)
        result = moderation.merge(db, ws, b.id, a.id)
        assert {c.id for c in result.changed} == {a.id, b.id}
        assert sorted(visible(db, ws)) == ["Kurs i ledelse", "Mentor for nye"]
        db.expire_all()
        kept = db.get(Contribution, a.id)
        assert kept.as_event()["merged"] == [{"id": b.id, "text": "Mentorordning"}]
        assert db.get(Contribution, b.id).text == "Mentorordning"
        assert voting.vote_counts(db, ws.id) == {a.id: 3}
        assert db.get(Contribution, b.id).as_event()["merged_into"] == a.id

    def test_a_merged_group_moves_along(self, db, ws, three, people):
        a, b, _c = three
        d = post(db, people[0], ws.groups[0], "Mentor i ett år")
        moderation.merge(db, ws, b.id, d.id)
        moderation.merge(db, ws, d.id, a.id)
        db.expire_all()
        assert [m["text"] for m in db.get(Contribution, a.id).as_event()["merged"]] == ["Mentorordning", "Mentor i ett år"]
        assert db.get(Contribution, b.id).merged_into_id == a.id

    def test_unmerge(self, db, ws, three):
        a, b, _c = three
        moderation.merge(db, ws, b.id, a.id)
        moderation.unmerge(db, ws, b.id)
        assert sorted(visible(db, ws)) == ["Kurs i ledelse", "Mentor for nye", "Mentorordning"]
        with pytest.raises(IllegalTransition):
            moderation.unmerge(db, ws, b.id)

    @pytest.mark.parametrize("case", ["same", "different_kind", "hidden", "merged"])
    def test_what_cannot_be_merged(self, db, ws, three, case):
        a, b, c = three
        if case == "same":
            pair = (a.id, a.id)
        elif case == "different_kind":
            pair = (c.id, a.id)
        elif case == "hidden":
            moderation.hide(db, ws, b.id)
            pair = (b.id, a.id)
        else:
            moderation.merge(db, ws, b.id, a.id)
            pair = (b.id, a.id)
        with pytest.raises(CannotMerge) as err:
            moderation.merge(db, ws, *pair)
        assert err.value.params["reason"] == case
        db.expire_all()
        assert db.get(Contribution, c.id).merged_into_id is None

    def test_merged_away_contributions_cannot_be_hidden_on_their_own(self, db, ws, three):
        a, b, _c = three
        moderation.merge(db, ws, b.id, a.id)
        with pytest.raises(IllegalTransition) as err:
            moderation.hide(db, ws, b.id)
        assert err.value.params["reason"] == "merged"


class TestWall:
    def test_spotlight(self, db, ws, three):
        a = three[0]
        assert moderation.set_spotlight(db, ws, a.id).spotlight_id == a.id
        assert moderation.set_spotlight(db, ws, None).spotlight_id is None

    def test_no_spotlight_on_a_hidden_one_and_hiding_takes_it_away(self, db, ws, three):
        a, b, _c = three
        moderation.hide(db, ws, b.id)
        with pytest.raises(ContributionHidden):
            moderation.set_spotlight(db, ws, b.id)
        moderation.set_spotlight(db, ws, a.id)
        result = moderation.hide(db, ws, a.id)
        assert result.live is not None and result.live.spotlight_id is None

    def test_views(self, db, ws):
        persona = ws.groups[1].persona_id
        state = moderation.set_wall_view(db, ws, "persona", persona)
        assert (state.wall_view, state.wall_persona_id) == (WallView.persona, persona)
        assert moderation.wall_payload(state, {1: 2}) == {
            "workshop_id": ws.id,
            "view": "persona",
            "persona_id": persona,
            "spotlight_id": None,
            "votes": None,  # tallies reach the wall only with the ranking
        }
        ranking = moderation.set_wall_view(db, ws, "ranking")
        assert moderation.wall_payload(ranking, {1: 2})["votes"] == {"1": 2}

    def test_bad_views(self, db, ws, owner, persona_library):
        with pytest.raises(ValidationFailed):
            moderation.set_wall_view(db, ws, "disco")
        with pytest.raises(ValidationFailed):
            moderation.set_wall_view(db, ws, "persona")
        other = make_workshop(db, owner, persona_library, n_groups=1, title="Annen")
        with pytest.raises(WrongWorkshop):
            moderation.set_wall_view(db, ws, "persona", other.groups[0].persona_id)
        assert moderation.current_wall(db, ws.id).wall_view == WallView.personas
