"""Dot-voting without Flask: the rules, each refusal named and harmless, and the dot budget as a property
(Hypothesis): whatever participants press, nobody ever has more dots out than the round gives, nobody
has two on one contribution, and every refused press changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import client_id, join_participant, make_user, make_workshop
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from sessions.contributions import moderation
from sessions.contributions import service as participation
from sessions.core.base import utcnow
from sessions.core.errors import (
    AlreadyVoted,
    ContributionHidden,
    DomainError,
    NoDotsLeft,
    NotFound,
    OutsideVotingScope,
    ValidationFailed,
    VotingClosed,
)
from sessions.core.store import write_transaction
from sessions.report import build as report_build
from sessions.rounds import plan as rounds_plan
from sessions.rounds import service as rounds
from sessions.rounds import voting
from sessions.rounds.models import Round, Vote


@pytest.fixture
def ws(db, persona_library):  # type: ignore[no-untyped-def]
    return make_workshop(db, make_user(db, "dots@kommune.no"), persona_library, n_groups=2)


@pytest.fixture
def people(db, ws):  # type: ignore[no-untyped-def]
    return [join_participant(db, ws, ws.groups[i % 2])[0] for i in range(3)]


@pytest.fixture
def posts(db, ws, people):  # type: ignore[no-untyped-def]
    """Four contributions: two from each table."""
    out = []
    for i in range(4):
        p = people[i % 2]
        out.append(participation.submit_contribution(db, p, p.group_id, "need", f"Innspill {i}", client_id())[0])
    return out


def vote_round(db, ws, dots=3, scope="all", start=True):  # type: ignore[no-untyped-def]
    r = rounds_plan.add_round(db, ws, rounds_plan.RoundSpec.parse("Prioritering", "", "5", [], True, dots, scope))
    if start:
        rounds.start_round(db, ws, r.id)
    return r


def stored_votes(db) -> list[tuple[int, int, int]]:  # type: ignore[no-untyped-def]
    db.rollback()
    return sorted(tuple(row) for row in db.execute(select(Vote.round_id, Vote.participant_id, Vote.contribution_id)))


class TestRules:
    def test_no_voting_round_no_votes(self, db, ws, people, posts):
        with pytest.raises(VotingClosed):
            voting.cast(db, people[0], posts[0].id)
        vote_round(db, ws, start=False)
        with pytest.raises(VotingClosed):
            voting.cast(db, people[0], posts[0].id)
        assert stored_votes(db) == []

    def test_cast_move_and_take_back(self, db, ws, people, posts):
        r = vote_round(db, ws, dots=2)
        b = voting.cast(db, people[0], posts[0].id)
        assert (b.dots, b.used, b.left, b.voted) == (2, 1, 1, frozenset({posts[0].id}))
        voting.cast(db, people[0], posts[1].id)
        with pytest.raises(NoDotsLeft):
            voting.cast(db, people[0], posts[2].id)
        b = voting.withdraw(db, people[0], posts[1].id)
        assert b.left == 1
        b = voting.cast(db, people[0], posts[2].id)
        assert b.voted == {posts[0].id, posts[2].id}
        assert stored_votes(db) == sorted([(r.id, people[0].id, posts[0].id), (r.id, people[0].id, posts[2].id)])

    def test_one_dot_per_contribution(self, db, ws, people, posts):
        vote_round(db, ws)
        voting.cast(db, people[0], posts[0].id)
        with pytest.raises(AlreadyVoted):
            voting.cast(db, people[0], posts[0].id)
        assert len(stored_votes(db)) == 1

    def test_no_dots_on_hidden_deleted_or_merged_away(self, db, ws, people, posts):
        vote_round(db, ws)
        moderation.hide(db, ws, posts[0].id)
        with pytest.raises(ContributionHidden):
            voting.cast(db, people[0], posts[0].id)
        moderation.merge(db, ws, posts[3].id, posts[1].id)
        with pytest.raises(NotFound):
            voting.cast(db, people[0], posts[3].id)
        with pytest.raises(NotFound):
            voting.cast(db, people[0], 2**31 - 1)
        with pytest.raises(ValidationFailed):
            voting.cast(db, people[0], "1")  # type: ignore[arg-type]
        assert stored_votes(db) == []

    def test_own_table_only_when_the_facilitator_says_so(self, db, ws, people, posts):
        vote_round(db, ws, scope="group")
        voting.cast(db, people[0], posts[0].id)  # people[0] posted it at table 1
        with pytest.raises(OutsideVotingScope):
            voting.cast(db, people[0], posts[1].id)  # table 2's

    def test_votes_end_with_the_round_even_without_anybody_pressing_end(self, db, ws, people, posts):
        r = rounds_plan.add_round(db, ws, rounds_plan.RoundSpec.parse("Prioritering", "", "5", [], True, 3, "all"))
        rounds.start_round(db, ws, r.id, now=utcnow() - dt.timedelta(minutes=5, seconds=1))
        with pytest.raises(VotingClosed):
            voting.cast(db, people[0], posts[0].id)

    def test_a_paused_vote_still_takes_dots(self, db, ws, people, posts):
        r = vote_round(db, ws)
        rounds.pause_round(db, ws, r.id)
        assert voting.cast(db, people[0], posts[0].id).used == 1

    def test_hiding_gives_the_dot_back_and_takes_it_out_of_the_tally(self, db, ws, people, posts):
        vote_round(db, ws, dots=1)
        voting.cast(db, people[0], posts[0].id)
        voting.cast(db, people[1], posts[0].id)
        assert voting.vote_counts(db, ws.id) == {posts[0].id: 2}
        moderation.hide(db, ws, posts[0].id)
        assert voting.vote_counts(db, ws.id) == {}
        assert voting.ballot(db, people[0]).left == 1
        voting.cast(db, people[0], posts[1].id)
        moderation.unhide(db, ws, posts[0].id)
        assert voting.vote_counts(db, ws.id) == {posts[0].id: 2, posts[1].id: 1}

    def test_counts_add_up_over_voting_rounds(self, db, ws, people, posts):
        first = vote_round(db, ws)
        voting.cast(db, people[0], posts[0].id)
        rounds.end_round(db, ws, first.id)
        vote_round(db, ws)
        voting.cast(db, people[0], posts[0].id)  # a new round, a new budget
        assert voting.vote_counts(db, ws.id) == {posts[0].id: 2}

    def test_every_table_sees_every_contribution_only_in_an_all_scope_vote(self, db, ws, people, posts):
        assert voting.workshop_wide_ballot(db, ws.id) is False
        r = vote_round(db, ws, scope="group")
        assert voting.workshop_wide_ballot(db, ws.id) is False
        rounds.end_round(db, ws, r.id)
        vote_round(db, ws, scope="all")
        assert voting.workshop_wide_ballot(db, ws.id) is True


# -- the dot budget, as a property ----------------------------------------------------------------

PRESSES = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 3), st.booleans()),  # (participant, contribution, give or take back)
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(presses=PRESSES, dots=st.integers(1, 3))
def test_the_dot_budget_holds_whatever_is_pressed(db, ws, people, posts, presses, dots):
    # One workshop for all examples: each example starts with no rounds and no votes, then one voting round.
    with write_transaction(db):
        db.execute(delete(Round).where(Round.workshop_id == ws.id))
    r = vote_round(db, ws, dots=dots)
    model: dict[int, set[int]] = {p.id: set() for p in people}
    for who, which, give in presses:
        p, c = people[who], posts[which]
        before = stored_votes(db)
        try:
            if give:
                voting.cast(db, p, c.id)
            else:
                voting.withdraw(db, p, c.id)
        except DomainError as err:
            # Refused: for the reason the model expects, and nothing changed.
            mine = model[p.id]
            if give:
                expected = AlreadyVoted if c.id in mine else NoDotsLeft
            else:
                expected = NotFound
            assert isinstance(err, expected), (err, mine, c.id)
            assert stored_votes(db) == before
            continue
        if give:
            assert c.id not in model[p.id] and len(model[p.id]) < dots
            model[p.id].add(c.id)
        else:
            assert c.id in model[p.id]
            model[p.id].discard(c.id)
        assert {v[2] for v in stored_votes(db) if v[1] == p.id} == model[p.id]
    for p in people:
        b = voting.ballot(db, p)
        assert b.round_id == r.id and b.used == len(model[p.id]) <= dots and b.voted == model[p.id]
    counts = voting.vote_counts(db, ws.id)
    for c in posts:
        assert counts.get(c.id, 0) == sum(c.id in mine for mine in model.values())


def test_the_report_carries_the_dots_and_never_the_hidden(db, ws, people, posts):
    from sessions.archive import service as archive

    vote_round(db, ws)
    voting.cast(db, people[0], posts[0].id)
    voting.cast(db, people[1], posts[0].id)
    voting.cast(db, people[1], posts[3].id)
    moderation.merge(db, ws, posts[2].id, posts[0].id)
    moderation.hide(db, ws, posts[1].id)
    voting.cast(db, people[2], posts[3].id)
    found = {c.id: c for c in report_build.build_report(db, ws.id).contributions}
    assert posts[1].id not in found  # hidden
    assert posts[2].id not in found  # merged into posts[0]
    assert (found[posts[0].id].votes, found[posts[3].id].votes) == (2, 2)
    # The archive keeps the moderation: the hidden one is there, flagged, and stays hidden after an import.
    doc = archive.export_archive(db, ws.id)
    assert [c["hidden"] for c in doc["contributions"] if c["text"] == posts[1].text] == [True]
    copy = archive.import_archive(db, doc, make_user(db))
    assert posts[1].text not in [c.text for c in participation.contributions(db, copy.id)]
    assert posts[1].text in [c.text for c in participation.contributions(db, copy.id, include_hidden=True)]
