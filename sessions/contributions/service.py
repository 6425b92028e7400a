"""Participation: joining with the code, choosing a group, and posting, editing and deleting contributions.

Each write function validates, checks the workshop's state (raising a named ``DomainError``) and commits
through :func:`sessions.core.store.write_transaction`. The web layer broadcasts only afterwards. Every change to a
contribution takes the workshop's next sequence number, so clients can catch up from the last one they saw.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from sessions.contributions.models import (
    MAX_MUNICIPALITY,
    PERSONA_KINDS,
    Contribution,
    ContributionKind,
    Participant,
)
from sessions.contributions.roles import parse_role
from sessions.contributions.visible import contributions  # noqa: F401 (the rule's home is visible.py)
from sessions.core.base import utcnow
from sessions.core.errors import (
    DomainError,
    NotFound,
    NotInGroup,
    NotYourContribution,
    RoundClosed,
    UnknownOrigin,
    ValidationFailed,
    WorkshopNotOpen,
    WrongWorkshop,
)
from sessions.core.store import insert_row, write_transaction
from sessions.core.validation import (
    CLIENT_ID_RE,
    MAX_DISPLAY_NAME,
    MAX_ID,
    MAX_TEXT,
    clean_text,
    hash_token,
    is_id,
    new_token,
    parse_kind,
)
from sessions.rounds import service as rounds
from sessions.workshops.models import Group, Workshop
from sessions.workshops.service import group_of, next_seq, workshop_by_code


def join(
    db: Session, code: object, display_name: object = None, group_id: object = None, role: object = None
) -> tuple[Participant, str]:
    """Join an open workshop by its code (optionally straight into a group, optionally with a self-declared
    role, see sessions/contributions/roles.py).

    Returns the participant and their bearer token; nothing is stored when any part is invalid.
    """
    name = clean_text(display_name, "display_name", max_len=MAX_DISPLAY_NAME, required=False, multiline=False) or None
    the_role = parse_role(role)
    ws = workshop_by_code(db, code)
    if not ws.joinable:
        raise WorkshopNotOpen(state=ws.status.value)
    token, token_hash = new_token()
    ws_id = ws.id
    with write_transaction(db):
        # The workshop is not read again: the group's check and the insert need only its id (a workshop
        # deleted meanwhile fails the insert's foreign key).
        group = group_of(db, ws_id, group_id) if group_id is not None else None
        row = {
            "workshop_id": ws_id,
            "display_name": name,
            "role": the_role,
            "token_hash": token_hash,
            "group_id": group.id if group else None,
            "created_at": utcnow(),
        }
        p = insert_row(db, Participant, row)
    return p, token


def participant_by_token(db: Session, token: object) -> Participant | None:
    if not isinstance(token, str) or not (20 <= len(token) <= 100):
        return None
    return db.scalar(_by_token_statement(), {"token_hash": hash_token(token)})


@functools.cache
def _by_token_statement() -> Any:
    """Built once, not per request (docs/performance.md, seventh round). Every request of a phone runs it."""
    return select(Participant).where(Participant.token_hash == bindparam("token_hash"))


def choose_group(db: Session, participant: Participant, group_id: object) -> Participant:
    with write_transaction(db):
        p = db.get_one(Participant, participant.id)
        ws = db.get_one(Workshop, p.workshop_id)
        if ws.is_closed:
            raise WorkshopNotOpen(state=ws.status.value)
        g = group_of(db, ws.id, group_id)
        p.group_id = g.id
    return p


def participant_count(db: Session, workshop_id: int) -> int:
    return db.scalar(select(func.count()).select_from(Participant).where(Participant.workshop_id == workshop_id)) or 0


@dataclass(frozen=True)
class LocalCase:
    """What a «Hos oss» case adds to a post: the municipality (required) and the contribution it grew from."""

    municipality: str
    grew_from_id: int | None = None

    @classmethod
    def parse(cls, municipality: object, grew_from_id: object, *, required: bool = True) -> LocalCase:
        """``grew_from_id``: an id, a form's digits, or empty/None for none. ``required`` False (a post of
        another kind): the fields are checked the same way (a bad value is refused, as the API document
        says) but may be missing, and are then not stored."""
        name = clean_text(municipality, "municipality", max_len=MAX_MUNICIPALITY, multiline=False, required=required)
        if grew_from_id in (None, ""):
            return cls(name)
        if isinstance(grew_from_id, str) and grew_from_id.strip().isdigit():
            grew_from_id = int(grew_from_id.strip())
        if not is_id(grew_from_id):
            raise ValidationFailed("grew_from_id", "not_a_number")
        return cls(name, grew_from_id)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Posted:
    """What :func:`post_contribution` did: the contribution (for a retry, the one stored the first time,
    ``created`` False) and whether every phone sees it (a vote over all tables is live; else its group's)."""

    contribution: Contribution
    created: bool
    every_phone: bool = False


def submit_contribution(
    db: Session,
    participant: Participant,
    group_id: object,
    kind: object,
    text: object,
    client_id: object,
    typed_at: object = None,
    municipality: object = None,
    grew_from_id: object = None,
) -> tuple[Contribution, bool]:
    """:func:`post_contribution`, answering ``(contribution, created)``."""
    posted = post_contribution(db, participant, group_id, kind, text, client_id, typed_at, municipality, grew_from_id)
    return posted.contribution, posted.created


def post_contribution(
    db: Session,
    participant: Participant,
    group_id: object,
    kind: object,
    text: object,
    client_id: object,
    typed_at: object = None,
    municipality: object = None,
    grew_from_id: object = None,
) -> Posted:
    """Post a need or a solution for a group's persona, or a local case («Hos oss»).

    Idempotent on ``client_id``: the same participant sending the same id again gets the first
    contribution back and ``created`` False, so a retry after a lost answer never duplicates.

    With a workshop plan, the round decides what is accepted (``sessions.rounds.posting_slot``);
    ``typed_at`` (the phone's time of writing, in server time) lets a post that was typed before its
    round closed arrive within the grace period, marked late.

    One short write transaction of four statements (tests/web/test_hot_path.py counts them): the
    participant, workshop and group in one SELECT; the rounds; the workshop's next sequence number
    (UPDATE ... RETURNING); the INSERT. A retry is recognised by the unique (participant, client id)
    constraint, or, when the post is refused now (the round or the workshop closed since), by looking for
    the stored one before refusing; nothing is read after the commit.

    A local case (kind ``local``) needs ``municipality`` and may name ``grew_from_id``, a visible need or
    proposal of the same workshop (any table's: after a gallery walk a case may grow from another table's
    need), else ``unknown_origin`` and nothing is stored; that one lookup is its only extra statement. For
    the other kinds the two fields may be sent (the phone's form always has them) and are checked, not kept.
    """
    if not isinstance(client_id, str) or not CLIENT_ID_RE.match(client_id):
        raise ValidationFailed("client_id", "bad_client_id")
    # A retry sends the same body, so it is validated like the first request: an invalid request is
    # refused even when its client_id names a stored contribution (found by fuzzing the API).
    if not isinstance(group_id, int) or isinstance(group_id, bool):
        raise ValidationFailed("group_id", "not_a_number")
    the_kind = parse_kind(kind)
    body = clean_text(text, "text", max_len=MAX_TEXT)
    local = LocalCase.parse(municipality, grew_from_id, required=the_kind == ContributionKind.local)
    if the_kind != ContributionKind.local:
        local = None  # checked, not kept
    typed = rounds.parse_client_time(typed_at, utcnow())
    pid = participant.id  # read before write_transaction drops the snapshot (which expires the object)
    try:
        with write_transaction(db):
            try:
                c, every_phone = _insert(db, pid, group_id, the_kind, body, client_id, typed, local)
            except DomainError:
                earlier = _by_client_id(db, pid, client_id)
                if earlier is None:
                    raise
                return Posted(earlier, False)
    except IntegrityError:
        # A retry of a stored post, or two copies of the same post that raced: hand the stored one back.
        existing = _by_client_id(db, pid, client_id)
        if existing is None:
            raise
        return Posted(existing, False)
    return Posted(c, True, every_phone)


def _insert(
    db: Session,
    pid: int,
    group_id: int,
    kind: ContributionKind,
    body: str,
    client_id: str,
    typed: dt.datetime | None,
    local: LocalCase | None = None,
) -> tuple[Contribution, bool]:
    """Inside the write transaction: check the workshop's state and add the contribution."""
    p, ws, g = _poster(db, pid, group_id)
    if g is None:
        raise WrongWorkshop("group")
    if not ws.accepting_contributions:
        raise WorkshopNotOpen(state=ws.status.value)
    if p.group_id is not None and p.group_id != g.id:
        # A phone only receives its own group's events: posting elsewhere would vanish from its view.
        raise NotInGroup(group_id=g.id)
    slot = rounds.posting_slot(db, ws, g, kind, typed, utcnow())
    if local is not None and local.grew_from_id is not None:
        _check_origin(db, ws.id, local.grew_from_id)
    row = {
        "workshop_id": ws.id,
        "group_id": g.id,
        "persona_id": slot.persona_id,
        "round_id": slot.round_id,
        "late": slot.late,
        "participant_id": p.id,
        "author_name": p.display_name,
        "kind": kind,
        "text": body,
        "client_id": client_id,
        "seq": next_seq(db, ws.id),
        "created_at": utcnow(),
        "updated_at": None,
        "deleted": False,
        "hidden": False,
        "original_text": None,
        "merged_into_id": None,
        "municipality": local.municipality if local else None,
        "grew_from_id": local.grew_from_id if local else None,
    }
    # A new card has no duplicates and no tags: said here, its event needs no query for them.
    c = insert_row(db, Contribution, row, merged=[], tag_links=[])
    if p.group_id is None:
        p.group_id = g.id
    return c, slot.every_phone


def _check_origin(db: Session, workshop_id: int, contribution_id: int) -> None:
    """A local case grows from a visible need or proposal of its own workshop (one SELECT)."""
    row = db.execute(
        select(Contribution.kind).where(
            Contribution.id == contribution_id,
            Contribution.workshop_id == workshop_id,
            Contribution.deleted.is_(False),
            Contribution.hidden.is_(False),
            Contribution.merged_into_id.is_(None),
        )
    ).one_or_none()
    if row is None or row[0] not in PERSONA_KINDS:
        raise UnknownOrigin(grew_from_id=contribution_id)


def _poster(db: Session, participant_id: int, group_id: int) -> tuple[Participant, Workshop, Group | None]:
    """In one SELECT: the participant, their workshop, and the group posted to (None when it is not one of
    the workshop's)."""
    params = {"participant_id": participant_id, "group_id": group_id if is_id(group_id) else 0}
    row = db.execute(_poster_statement(), params).one_or_none()
    if row is None:
        raise NotFound("no such participant")
    return row[0], row[1], row[2]


@functools.cache
def _poster_statement() -> Any:
    """Built once, not per request (docs/performance.md, seventh round)."""
    return (
        select(Participant, Workshop, Group)
        .join(Workshop, Workshop.id == Participant.workshop_id)
        .outerjoin(Group, (Group.id == bindparam("group_id")) & (Group.workshop_id == Workshop.id))
        .where(Participant.id == bindparam("participant_id"))
    )


def _by_client_id(db: Session, participant_id: int, client_id: str) -> Contribution | None:
    return db.scalar(
        select(Contribution).where(Contribution.participant_id == participant_id, Contribution.client_id == client_id)
    )


def _own_contribution(db: Session, participant: Participant, contribution_id: object) -> tuple[Workshop, Contribution]:
    if not isinstance(contribution_id, int) or isinstance(contribution_id, bool):
        raise ValidationFailed("contribution_id", "not_a_number")
    c = db.get(Contribution, contribution_id) if is_id(contribution_id) else None
    if c is None or c.workshop_id != participant.workshop_id or c.deleted or c.hidden or c.merged_into_id is not None:
        raise NotFound("no such contribution")
    if c.participant_id != participant.id:
        raise NotYourContribution()
    ws = db.get_one(Workshop, c.workshop_id)
    if not ws.accepting_contributions:
        raise WorkshopNotOpen(state=ws.status.value)
    if not rounds.editing_allowed(db, ws.id):
        # Texts stay as they were voted on.
        raise RoundClosed(reason="voting")
    return ws, c


def edit_contribution(db: Session, participant: Participant, contribution_id: object, text: object) -> Contribution:
    body = clean_text(text, "text", max_len=MAX_TEXT)
    with write_transaction(db):
        ws, c = _own_contribution(db, participant, contribution_id)
        if c.text != body:
            c.text = body
            c.updated_at = utcnow()
            c.seq = next_seq(db, ws.id)
    return c


def delete_contribution(db: Session, participant: Participant, contribution_id: object) -> Contribution:
    """Delete one's own contribution. A tombstone stays so that clients catching up remove it too; its text
    (and the text from before a facilitator's edit) is cleared, so nothing of what was written is kept."""
    with write_transaction(db):
        ws, c = _own_contribution(db, participant, contribution_id)
        c.deleted = True
        c.text = ""
        c.original_text = None
        c.municipality = None
        c.updated_at = utcnow()
        c.seq = next_seq(db, ws.id)
    return c


def changes_since(db: Session, workshop_id: int, since: object, group_id: int | None = None, limit: int = 5000) -> Sequence[Contribution]:
    """Everything that changed after sequence number ``since`` (tombstones included), in order."""
    if not isinstance(since, int) or isinstance(since, bool) or not 0 <= since <= MAX_ID:
        raise ValidationFailed("since", "bad_since")
    params = {"workshop_id": workshop_id, "since": since} | ({} if group_id is None else {"group_id": group_id})
    return db.scalars(_changes_statement(group_id is not None, limit), params).all()


@functools.cache
def _changes_statement(of_group: bool, limit: int) -> Any:
    """Built once, not per request (docs/performance.md, seventh round). Every watch runs it (a phone's: of
    its group)."""
    q = select(Contribution).where(Contribution.workshop_id == bindparam("workshop_id"), Contribution.seq > bindparam("since"))
    if of_group:
        q = q.where(Contribution.group_id == bindparam("group_id"))
    return q.options(selectinload(Contribution.merged)).order_by(Contribution.seq).limit(limit)


def last_seq(db: Session, workshop_id: int) -> int:
    return db.scalar(_last_seq_statement(), {"workshop_id": workshop_id}) or 0


@functools.cache
def _last_seq_statement() -> Any:
    """Built once, not per request (docs/performance.md, seventh round). Every watch runs it."""
    return select(Workshop.last_seq).where(Workshop.id == bindparam("workshop_id"))
