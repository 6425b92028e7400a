"""Follow-up across meetings: a review meeting goes through the register and keeps a history.

At the next meeting the organisers go through the follow-up register of one workshop, or of every workshop
of a series, and assess each item: achieved, not far enough, or next focus (or still not assessed). A
review is one write: the meeting's name (e.g. «Oppfølgingsmøte 12.03.2027») and, per item, the status
agreed and an optional comment.

Rules
-----
- Every item the meeting changed, or commented on, gets a step in its history
  (:class:`~sessions.followup.models.FollowUpStatusChange`) naming the meeting; an item kept at its
  status *with* a comment gets a step too (the meeting confirmed it), one kept without a comment does not
  (nothing was said about it).
- The meeting needs a name (``meeting`` ``empty``/``too_long``); every item must belong to one of the
  workshops under review (``not_found`` otherwise); a status must be one of the four (``unknown_status``);
  a comment is at most :data:`MAX_REVIEW_NOTE` characters. Any bad decision refuses the whole review
  before anything is written.
- Changes made on the register page outside a meeting are kept as steps without a meeting name
  (``sessions/followup/service.py``), so the history tells everything that happened to an item.

:func:`history` gives the steps of many workshops' items at once, for the register page, the follow-up
report and the series report. Nothing here imports Flask.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sessions.core.base import utcnow
from sessions.core.errors import NotFound, ValidationFailed
from sessions.core.store import write_transaction
from sessions.core.validation import as_id, clean_text, is_id
from sessions.followup.history import record_status
from sessions.followup.models import (
    MAX_MEETING,
    MAX_REVIEW_NOTE,
    FollowUp,
    FollowUpStatus,
    FollowUpStatusChange,
)
from sessions.followup.service import parse_status
from sessions.workshops.models import Workshop


@dataclass(frozen=True)
class Decision:
    """What a meeting agreed on one item."""

    followup_id: int
    status: FollowUpStatus
    note: str = ""


@dataclass(frozen=True)
class Reviewed:
    """The outcome of a review: the steps written (in the order of the decisions) and how many changed status."""

    meeting: str
    steps: tuple[FollowUpStatusChange, ...]
    changed: int


def parse_meeting(value: object) -> str:
    return clean_text(value, "meeting", max_len=MAX_MEETING, multiline=False)


def parse_decision(followup_id: object, status: object, note: object = "") -> Decision:
    """One decision from a form or JSON: an item id, a status value and a comment (may be empty)."""
    followup_id = as_id(followup_id)
    if not is_id(followup_id):
        raise NotFound("no such follow-up item")
    try:
        text = clean_text(note, "note", max_len=MAX_REVIEW_NOTE, required=False)
        return Decision(int(followup_id), parse_status(status), text)  # type: ignore[call-overload]
    except ValidationFailed as err:  # say which item: a review decides many
        raise ValidationFailed(err.field, err.reason, followup_id=followup_id, **{k: v for k, v in err.params.items() if k not in {"field", "reason"}}) from None


def review(db: Session, workshops: Sequence[Workshop], meeting: object, decisions: Sequence[Decision]) -> Reviewed:
    """Record a review meeting over the registers of ``workshops`` (one, or a series' workshops).

    Raises before writing anything when the meeting has no name, an item is not in these workshops, or an
    item is decided twice.
    """
    name = parse_meeting(meeting)
    ids = [d.followup_id for d in decisions]
    if len(set(ids)) != len(ids):
        raise ValidationFailed("decisions", "duplicate_item")
    workshop_ids = [w.id for w in workshops]
    now = utcnow()
    steps: list[FollowUpStatusChange] = []
    changed = 0
    with write_transaction(db):
        items: Mapping[int, FollowUp] = {
            item.id: item
            for item in db.scalars(
                select(FollowUp).where(FollowUp.id.in_(ids), FollowUp.workshop_id.in_(workshop_ids))
            )
        } if ids else {}
        missing = [i for i in ids if i not in items]
        if missing:
            raise NotFound("no such follow-up item")
        for d in decisions:
            item = items[d.followup_id]
            before = item.status
            if d.status == before and not d.note:
                continue
            if d.status != before:
                item.status = d.status
                item.updated_at = now
                changed += 1
            steps.append(record_status(db, item, before, d.status, meeting=name, note=d.note, now=now))
    return Reviewed(name, tuple(steps), changed)


def item_history(db: Session, ws: Workshop, followup_id: object) -> list[FollowUpStatusChange]:
    """One item's steps (NotFound when the item is not in ``ws``)."""
    followup_id = as_id(followup_id)
    if not is_id(followup_id):
        raise NotFound("no such follow-up item")
    item = db.get(FollowUp, int(followup_id))  # type: ignore[arg-type]
    if item is None or item.workshop_id != ws.id:
        raise NotFound("no such follow-up item")
    return list(
        db.scalars(
            select(FollowUpStatusChange)
            .where(FollowUpStatusChange.followup_id == item.id)
            .order_by(FollowUpStatusChange.changed_at, FollowUpStatusChange.id)
        )
    )
