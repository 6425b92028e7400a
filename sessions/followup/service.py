"""The follow-up register: proposals turned into follow-up items with a responsible role, deadline, status and note.

After (or during) a workshop the organisers pick solution proposals (løsningsforslag) and turn each into a
**follow-up item** (:class:`FollowUp`), or write an item of their own. An item has the organisers' wording
of the measure, a responsible *role* (``"kommunalsjef helse"``, ``"HR"``, ``"KS"`` -- a role, not a person),
a deadline, a status and a note in Markdown (rendered sanitized, like the report texts). At the next
meeting the follow-up report lists the items under the three headings organisers already use
(*Oppnådd*, *Ikkje kome langt nok*, *Fokus vidare*) and those not assessed yet.

Rules
-----
- Only a proposal that :func:`sessions.contributions.visible.contributions` calls visible can be added (a need is
  refused with ``not_a_proposal``, a hidden one with ``contribution_hidden``, a
  deleted or merged-away one with ``not_found``), and each proposal at most once
  (``already_in_followup``; a unique constraint settles a double click).
- The item keeps a copy of the proposal's text (``source_text``) and of its persona: moderating, editing
  or deleting the proposal later never changes or removes the item (the reference is ``ON DELETE SET NULL``).
- Status: ``open`` (not assessed yet), ``achieved``, ``not_far_enough``, ``next_focus``. Any status may
  follow any other, including back to ``open``: the register records what the organisers agree at a
  meeting, and they must be able to correct it. Setting the status it already has changes nothing.
  Every change of status is kept as a step of the item's history (:func:`record_status`); a review meeting
  (``sessions/followup/review.py``) adds its own steps.
- Items can be added and edited whatever the workshop's state (draft, open or closed): follow-up
  mostly happens after the workshop closed.
- Bad input raises a named ``DomainError`` before anything is written, so nothing changes.

:func:`followups_for_report` returns the register as plain dataclasses (:class:`FollowUpRegister`) for
the follow-up report and for the main report. The archive helpers at the end keep the register in the
workshop archive (``sessions/archive/``). Nothing here imports Flask.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    func,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from sessions.contributions import local
from sessions.contributions import service as participation
from sessions.contributions.models import Contribution, ContributionKind
from sessions.core.base import utcnow
from sessions.core.errors import (
    AlreadyFollowedUp,
    ContributionHidden,
    NotAProposal,
    NotFound,
    ValidationFailed,
    WrongWorkshop,
)
from sessions.core.store import write_transaction
from sessions.core.validation import MAX_TEXT, as_id, clean_text, is_id
from sessions.followup.history import record_status
from sessions.followup.models import (
    MAX_FOLLOWUPS,
    MAX_NOTE,
    MAX_RESPONSIBLE,
    RESPONSIBLE_SUGGESTIONS,
    FollowUp,
    FollowUpStatus,
)
from sessions.rounds import voting
from sessions.workshops.models import Workshop, WorkshopPersona
from sessions.workshops.service import load_for_dashboard

# -- input -------------------------------------------------------------------------------------------

_NORWEGIAN_DATE = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*$")
FIELDS = ("text", "responsible", "deadline", "status", "note", "persona_id")


def parse_deadline(value: object) -> dt.date | None:
    """``YYYY-MM-DD`` (what a date input sends) or ``D.M.YYYY`` (what people type); empty: no deadline."""
    if value is None or isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValidationFailed("deadline", "bad_deadline")
    if value == "":
        return None
    m = _NORWEGIAN_DATE.match(value)
    try:
        if m:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed("deadline", "bad_deadline") from None


def parse_status(value: object) -> FollowUpStatus:
    try:
        return FollowUpStatus(value)
    except ValueError:
        raise ValidationFailed("status", "unknown_status") from None


def _persona_id(value: object) -> int | None:
    if value is None or value == "":
        return None
    value = as_id(value)
    if not is_id(value):
        raise ValidationFailed("persona_id", "not_a_number")
    return value  # type: ignore[return-value]


def parse_changes(data: Mapping[str, Any], *, require_text: bool = False) -> dict[str, Any]:
    """Validated values for the fields present in ``data`` (``text``, ``responsible``, ``deadline``,
    ``status``, ``note``, ``persona_id``); other keys are ignored. Raises ValidationFailed for the first
    bad field."""
    out: dict[str, Any] = {}
    if "text" in data or require_text:
        out["text"] = clean_text(data.get("text"), "text", max_len=MAX_TEXT)
    if "responsible" in data:
        out["responsible"] = clean_text(data.get("responsible"), "responsible", max_len=MAX_RESPONSIBLE, required=False, multiline=False)
    if "deadline" in data:
        out["deadline"] = parse_deadline(data.get("deadline"))
    if "status" in data:
        out["status"] = parse_status(data.get("status"))
    if "note" in data:
        # Markdown keeps its leading indentation; rendered through the report's sanitizer everywhere.
        out["note"] = clean_text(data.get("note"), "note", max_len=MAX_NOTE, required=False)
    if "persona_id" in data:
        out["persona_id"] = _persona_id(data.get("persona_id"))
    return out


# -- reading -----------------------------------------------------------------------------------------


def followups(db: Session, workshop_id: int) -> Sequence[FollowUp]:
    """The workshop's items in the organisers' order."""

    return db.scalars(
        select(FollowUp)
        .where(FollowUp.workshop_id == workshop_id)
        .options(selectinload(FollowUp.persona))
        .order_by(FollowUp.position, FollowUp.id)
    ).all()


def get_followup(db: Session, ws: Workshop, followup_id: object) -> FollowUp:
    item = db.get(FollowUp, followup_id) if is_id(followup_id) else None
    if item is None or item.workshop_id != ws.id:
        raise NotFound("no such follow-up item")
    return item


@dataclass(frozen=True)
class Proposal:
    """A visible solution proposal the organisers can add to the register."""

    id: int
    text: str
    group: str
    votes: int
    followup_id: int | None  # the item made from it, if any


@dataclass(frozen=True)
class ProposalGroup:
    """The proposals for one persona (``persona_id`` None: their persona was removed), most dots first."""

    persona_id: int | None
    persona: str
    proposals: tuple[Proposal, ...]


def proposals_by_persona(db: Session, workshop_id: int) -> list[ProposalGroup]:
    """Visible proposals (``participation.contributions``) by persona in workshop order, with their dots."""

    ws = load_for_dashboard(db, workshop_id)
    votes = voting.vote_counts(db, ws.id)
    groups = {g.id: g.name for g in ws.groups}
    added = dict(db.execute(select(FollowUp.source_id, FollowUp.id).where(FollowUp.workshop_id == ws.id, FollowUp.source_id.is_not(None))).all())
    by_persona: dict[int | None, list[tuple[int, Proposal]]] = {}
    known = {p.id for p in ws.personas}
    for c in participation.contributions(db, ws.id):
        if c.kind != ContributionKind.solution:
            continue
        pid = c.persona_id if c.persona_id in known else None
        by_persona.setdefault(pid, []).append(
            (c.seq, Proposal(c.id, c.text, groups.get(c.group_id, ""), votes.get(c.id, 0), added.get(c.id)))
        )
    out = []
    for pid, name in [(p.id, p.name) for p in ws.personas] + [(None, "")]:
        items = by_persona.get(pid)
        if items:
            items.sort(key=lambda it: (-it[1].votes, it[0]))
            out.append(ProposalGroup(pid, name, tuple(p for _seq, p in items)))
    return out


def responsible_suggestions(db: Session, workshop_id: int) -> list[str]:
    """The built-in role suggestions and the roles already used in this workshop."""
    used = db.scalars(
        select(FollowUp.responsible).where(FollowUp.workshop_id == workshop_id, FollowUp.responsible != "").distinct()
    ).all()
    out = list(RESPONSIBLE_SUGGESTIONS)
    out += sorted(r for r in used if r not in out)
    return out


# -- writing -----------------------------------------------------------------------------------------


def _check_persona(db: Session, ws: Workshop, persona_id: int | None) -> None:
    if persona_id is None:
        return
    wp = db.get(WorkshopPersona, persona_id)
    if wp is None or wp.workshop_id != ws.id:
        raise WrongWorkshop("persona")


def _next_position(db: Session, ws_id: int) -> int:
    count = db.scalar(select(func.count()).select_from(FollowUp).where(FollowUp.workshop_id == ws_id)) or 0
    if count >= MAX_FOLLOWUPS:
        raise ValidationFailed("followups", "too_many_followups", max=MAX_FOLLOWUPS)
    top = db.scalar(select(func.max(FollowUp.position)).where(FollowUp.workshop_id == ws_id))
    return (top or 0) + 1


# What becomes a follow-up item: a solution proposal, or a «Hos oss» case (with its municipality).
FOLLOWED_KINDS = (ContributionKind.solution, ContributionKind.local)


def _visible_proposal(db: Session, ws: Workshop, contribution_id: object) -> Contribution:
    """The proposal (or local case), if the one visibility rule (``participation.contributions``) shows it."""

    contribution_id = as_id(contribution_id)
    if not is_id(contribution_id):
        raise ValidationFailed("contribution_id", "not_a_number")
    c = db.get(Contribution, contribution_id)
    if c is None or c.workshop_id != ws.id:
        raise NotFound("no such contribution")
    visible = {x.id: x for x in participation.contributions(db, ws.id, include_hidden=True)}
    if c.id not in visible:
        raise NotFound("no such contribution")  # deleted, or merged into another
    if c.hidden:
        raise ContributionHidden()
    if c.kind not in FOLLOWED_KINDS:
        raise NotAProposal()
    return c


def add_from_contribution(db: Session, ws: Workshop, contribution_id: object, changes: Mapping[str, Any] | None = None) -> FollowUp:
    """Turn a visible proposal or «Hos oss» case into a follow-up item (its text copied, and a case's
    municipality), optionally with other fields set.

    ``changes`` is the output of :func:`parse_changes`; without ``text`` the item takes the proposal's.
    """
    fields = dict(changes or {})
    try:
        with write_transaction(db):
            ws = db.get_one(Workshop, ws.id)
            c = _visible_proposal(db, ws, contribution_id)
            if db.scalar(select(FollowUp.id).where(FollowUp.source_id == c.id)) is not None:
                raise AlreadyFollowedUp()
            _check_persona(db, ws, fields.get("persona_id"))
            item = _insert(
                db,
                ws,
                fields,
                source_id=c.id,
                source_text=c.text,
                persona_id=fields.pop("persona_id", c.persona_id),
                text=fields.pop("text", c.text),
                municipality=c.municipality if c.kind == ContributionKind.local else None,
            )
    except IntegrityError:
        # The same proposal added twice at the same moment: the unique constraint kept one.
        raise AlreadyFollowedUp() from None
    return item


def local_cases_not_followed(db: Session, workshop_id: int) -> list[local.LocalCaseEntry]:
    """The workshop's visible «Hos oss» cases that are not in the register yet, by municipality."""
    added = set(db.scalars(select(FollowUp.source_id).where(FollowUp.workshop_id == workshop_id, FollowUp.source_id.is_not(None))))
    return [c for m in local.local_cases(db, workshop_id) for c in m.cases if c.id not in added]


def add_all_local_cases(db: Session, ws: Workshop) -> list[FollowUp]:
    """Every visible «Hos oss» case not in the register yet becomes an item, in one transaction (all or none)."""
    with write_transaction(db):
        ws = db.get_one(Workshop, ws.id)
        todo = local_cases_not_followed(db, ws.id)
        cases = {c.id: c for c in db.scalars(select(Contribution).where(Contribution.id.in_([t.id for t in todo])))}
        items = []
        for entry in todo:
            c = cases[entry.id]
            items.append(_insert(db, ws, {}, source_id=c.id, source_text=c.text, persona_id=c.persona_id, text=c.text, municipality=c.municipality))
            db.flush()  # the next item's position counts this one
    return items


def _insert(db: Session, ws: Workshop, fields: Mapping[str, Any], **columns: Any) -> FollowUp:
    """A new open item at the end of the register: the defaults, then ``columns``, then the checked ``fields``."""
    now = utcnow()
    item = FollowUp(
        workshop_id=ws.id,
        responsible="",
        deadline=None,
        status=FollowUpStatus.open,
        note="",
        position=_next_position(db, ws.id),
        created_at=now,
        updated_at=now,
        **columns,
    )
    for key, value in fields.items():
        setattr(item, key, value)
    db.add(item)
    if item.status != FollowUpStatus.open:
        db.flush()
        record_status(db, item, None, item.status, now=now)
    return item


def add_item(db: Session, ws: Workshop, changes: Mapping[str, Any]) -> FollowUp:
    """A follow-up item of the organisers' own (no proposal behind it). ``changes`` must hold ``text``."""
    fields = dict(changes)
    if "text" not in fields:
        raise ValidationFailed("text", "empty")
    with write_transaction(db):
        ws = db.get_one(Workshop, ws.id)
        _check_persona(db, ws, fields.get("persona_id"))
        item = _insert(db, ws, fields, source_id=None, source_text="", persona_id=None)
    return item


def update_followup(db: Session, ws: Workshop, followup_id: object, changes: Mapping[str, Any]) -> FollowUp:
    """Change an item's fields (those in ``changes``). Only a real change moves ``updated_at``."""
    with write_transaction(db):
        ws = db.get_one(Workshop, ws.id)
        item = get_followup(db, ws, followup_id)
        if "persona_id" in changes:
            _check_persona(db, ws, changes["persona_id"])
        before = item.status
        changed = False
        for key, value in changes.items():
            if getattr(item, key) != value:
                setattr(item, key, value)
                changed = True
        if changed:
            item.updated_at = utcnow()
        if item.status != before:
            record_status(db, item, before, item.status, now=item.updated_at)
    if "persona_id" in changes:
        db.refresh(item, ["persona"])
    return item


def set_status(db: Session, ws: Workshop, followup_id: object, status: object) -> FollowUp:
    """Move an item to another status (any status may follow any other)."""
    return update_followup(db, ws, followup_id, {"status": parse_status(status)})


def delete_followup(db: Session, ws: Workshop, followup_id: object) -> None:
    with write_transaction(db):
        item = get_followup(db, ws, followup_id)
        db.delete(item)


