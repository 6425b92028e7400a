"""Dot-voting: in a voting round each participant has ``round.dots`` dots to put on contributions.

Rules (each refusal is a named error and changes nothing):

- only while a voting round is live (running with time left, or paused): ``voting_closed``;
- at most one dot per contribution and participant: ``already_voted``;
- never more dots than the round's budget: ``no_dots_left`` (take one back to move it);
- never on a hidden contribution: ``contribution_hidden``; deleted and merged-away ones do not exist
  for voting: ``not_found``;
- with scope ``group``, only on the participant's own table's contributions: ``not_in_voting_scope``.

A dot can be taken back (and put elsewhere) until the round ends. Dots on a contribution that is hidden
later stop counting, for the tally and for the budget. Dots on a duplicate that was merged count for the
contribution it was merged into. Tallies are for facilitators, and for the wall once the ranking is
revealed; phones never see them.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, lazyload

from sessions.contributions.models import Contribution, Participant
from sessions.core.base import utcnow
from sessions.core.errors import (
    AlreadyVoted,
    ContributionHidden,
    NoDotsLeft,
    NotFound,
    OutsideVotingScope,
    ValidationFailed,
    VotingClosed,
)
from sessions.core.store import insert_row, write_transaction
from sessions.core.validation import is_id
from sessions.rounds.models import (
    LiveState,
    Round,
    RoundStatus,
    Vote,
    VoteScope,
    WallView,
)
from sessions.rounds.service import current_round, live_round


@dataclass(frozen=True)
class Ballot:
    """A participant's dots in a voting round."""

    round_id: int
    dots: int
    used: int
    voted: frozenset[int]  # contribution ids (the kept one, for merged duplicates)

    @property
    def left(self) -> int:
        return max(self.dots - self.used, 0)

    def as_dict(self) -> dict[str, object]:
        return {"round_id": self.round_id, "dots": self.dots, "used": self.used, "left": self.left, "voted": sorted(self.voted)}


def voting_round(rounds: Sequence[Round], now: dt.datetime) -> Round | None:
    """The voting round of the moment: the live round if it is a voting round, else the next planned
    voting round (what the dashboard's voting panel shows and sets up)."""
    current = live_round(rounds, now)
    if current is not None and current.voting:
        return current
    return next((r for r in rounds if r.voting and r.status == RoundStatus.planned), None)


def wall_shows_tallies(state: LiveState) -> bool:
    """The wall shows the dots only once the ranking is revealed (facilitators always see them, phones never)."""
    return state.wall_view == WallView.ranking


def tallies(db: Session, state: LiveState, *, staff: bool = False) -> dict[int, int] | None:
    """The dots per contribution as a screen may see them: facilitators (``staff``) always, the wall only
    once the ranking is revealed (``None``: not shown)."""
    return vote_counts(db, state.workshop_id) if staff or wall_shows_tallies(state) else None


def _voting_round(db: Session, workshop_id: int, now: dt.datetime) -> Round:
    r = current_round(db, workshop_id, now)
    if r is None or not r.voting:
        raise VotingClosed()
    return r


def _lock_participant(db: Session, participant_id: int) -> Participant:
    """Row lock on PostgreSQL so two quick taps cannot both pass the budget check (SQLite writers queue)."""
    p = db.scalar(_lock_statement(), {"participant_id": participant_id})
    if p is None:
        raise NotFound("no such participant")
    return p


# One of the participant's dots in a round: the vote, the contribution it carries now (the kept one for a
# merged duplicate), and whether that dot counts (not on a hidden contribution).
_Dot = tuple[Vote, int, bool]


def _dots(db: Session, round_id: int, participant_id: int) -> list[_Dot]:
    """The participant's dots in the round, in one query: enough to refuse a second dot on a contribution,
    check the budget, and answer with the ballot afterwards without reading anything again."""
    rows = db.execute(_dots_statement(), {"round_id": round_id, "participant_id": participant_id}).all()
    return [(v, into or v.contribution_id, not hidden) for v, into, hidden in rows]


@functools.cache
def _lock_statement() -> Any:
    """Built once, not per request (docs/performance.md, seventh round)."""
    return select(Participant).where(Participant.id == bindparam("participant_id")).with_for_update()


@functools.cache
def _dots_statement() -> Any:
    """Built once, not per request (docs/performance.md, seventh round)."""
    return (
        select(Vote, Contribution.merged_into_id, Contribution.hidden)
        .join(Contribution, Contribution.id == Vote.contribution_id)
        .where(Vote.round_id == bindparam("round_id"), Vote.participant_id == bindparam("participant_id"))
    )


def _used(dots: Sequence[_Dot]) -> int:
    return sum(1 for _v, _on, counts in dots if counts)


def _on(dots: Sequence[_Dot], contribution_id: int) -> Vote | None:
    """The participant's dot on the contribution or on a duplicate merged into it."""
    return next((v for v, on, _counts in dots if on == contribution_id or v.contribution_id == contribution_id), None)


def _ballot(r: Round, dots: Sequence[_Dot]) -> Ballot:
    return Ballot(r.id, r.dots, _used(dots), frozenset(on for _v, on, counts in dots if counts))


def _contribution(db: Session, contribution_id: object) -> Contribution | None:
    """The contribution, without loading its tags (a dot never needs them)."""
    return db.get(Contribution, contribution_id, options=[lazyload(Contribution.tag_links)]) if is_id(contribution_id) else None


def _votable(db: Session, p: Participant, r: Round, contribution_id: object) -> Contribution:
    if not isinstance(contribution_id, int) or isinstance(contribution_id, bool):
        raise ValidationFailed("contribution_id", "not_a_number")
    c = _contribution(db, contribution_id)
    if c is None or c.workshop_id != p.workshop_id or c.deleted or c.merged_into_id is not None:
        raise NotFound("no such contribution")
    if c.hidden:
        raise ContributionHidden()
    if r.scope == VoteScope.group and c.group_id != p.group_id:
        raise OutsideVotingScope()
    return c


def cast(db: Session, participant: Participant, contribution_id: object, now: dt.datetime | None = None) -> Ballot:
    """Put one dot on a contribution. Returns the participant's ballot afterwards.

    A constant amount of work whatever the workshop's size: the participant's row (locked), the rounds, the
    contribution, the participant's own dots, one INSERT. The tallies are not recounted here; the web layer
    pushes them at most a few times a second (facilitator/realtime/tally_push.py).
    """
    now = now or utcnow()
    pid = participant.id  # read before write_transaction drops the snapshot (which expires the object)
    try:
        with write_transaction(db):
            p = _lock_participant(db, pid)
            r = _voting_round(db, p.workshop_id, now)
            c = _votable(db, p, r, contribution_id)
            dots = _dots(db, r.id, p.id)
            if _on(dots, c.id) is not None:
                raise AlreadyVoted()
            if _used(dots) >= r.dots:
                raise NoDotsLeft(dots=r.dots)
            row = {"workshop_id": p.workshop_id, "round_id": r.id, "participant_id": p.id, "contribution_id": c.id, "created_at": now}
            vote = insert_row(db, Vote, row)
    except IntegrityError:
        # The same dot twice at the same moment: the unique constraint kept one.
        raise AlreadyVoted() from None
    return _ballot(r, [*dots, (vote, c.id, True)])


def withdraw(db: Session, participant: Participant, contribution_id: object, now: dt.datetime | None = None) -> Ballot:
    """Take a dot back (to put it elsewhere) while the voting round is live."""
    now = now or utcnow()
    pid = participant.id  # as in cast
    with write_transaction(db):
        p = _lock_participant(db, pid)
        r = _voting_round(db, p.workshop_id, now)
        if not isinstance(contribution_id, int) or isinstance(contribution_id, bool):
            raise ValidationFailed("contribution_id", "not_a_number")
        c = _contribution(db, contribution_id)
        if c is None or c.workshop_id != p.workshop_id:
            raise NotFound("no such contribution")
        dots = _dots(db, r.id, p.id)
        mine = _on(dots, c.id)
        if mine is None:
            raise NotFound("no dot on this contribution")
        db.delete(mine)
    return _ballot(r, [d for d in dots if d[0] is not mine])


def ballot(db: Session, participant: Participant, now: dt.datetime | None = None) -> Ballot:
    """The participant's dots in the live voting round (an empty ballot of 0 dots when there is none)."""
    return ballot_in(db, participant, current_round(db, participant.workshop_id, now or utcnow()))


def ballot_in(db: Session, participant: Participant, r: Round | None) -> Ballot:
    """The participant's dots in ``r``, the live round the caller has read (None: no round is live)."""
    if r is None or not r.voting:
        return Ballot(0, 0, 0, frozenset())
    return _ballot(r, _dots(db, r.id, participant.id))


def vote_counts(db: Session, workshop_id: int) -> dict[int, int]:
    """Dots per visible contribution over all of the workshop's voting rounds.

    Dots on a merged duplicate count for the contribution it was merged into; dots on hidden or deleted
    contributions do not count. Contributions without dots are left out.
    """
    rows = db.execute(_vote_counts_statement(), {"workshop_id": workshop_id}).all()
    return {int(cid): int(n) for cid, n in rows}


@functools.cache
def _vote_counts_statement() -> Any:
    """The recount's statement, built once (on first use: aliasing configures the mappers, which needs every
    feature's tables imported): two aliases of the contributions table cost a column proxy per column each
    time they are made (py-spy: a tenth of a tally push at 1,000 phones)."""
    root = aliased(Contribution, name="root")
    voted = aliased(Contribution, name="voted")
    target = func.coalesce(voted.merged_into_id, voted.id)
    return (
        select(target, func.count(Vote.id))
        .select_from(Vote)
        .join(voted, voted.id == Vote.contribution_id)
        .join(root, root.id == target)
        .where(
            Vote.workshop_id == bindparam("workshop_id"),
            voted.hidden.is_(False),
            voted.deleted.is_(False),
            root.hidden.is_(False),
            root.deleted.is_(False),
            root.merged_into_id.is_(None),
        )
        .group_by(target)
    )


def workshop_wide_ballot(db: Session, workshop_id: int, now: dt.datetime | None = None) -> bool:
    """True while a voting round over all contributions is live: phones then see every table's."""
    return is_workshop_wide(current_round(db, workshop_id, now or utcnow()))


def is_workshop_wide(r: Round | None) -> bool:
    """Whether ``r``, the live round (None: none), is a vote over every table's contributions."""
    return r is not None and r.voting and r.scope == VoteScope.all
