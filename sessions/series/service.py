"""Series of workshops: create, rename, delete, and add or remove workshops.

Rules (docs/privacy.md and docs/facilitating.md, "Serier"):

- A series belongs to the facilitator who made it (its owner). Only the owner sees, edits or deletes it,
  reads its page and its report; anyone else gets ``not_found``, as for a workshop they do not run.
- Only a workshop the owner facilitates can be added (anything else, including a deleted or made-up id,
  is ``not_found`` with reason ``workshop``). A workshop is in at most one series: adding it to a second
  raises :class:`AlreadyInSeries` naming the series it is in, and nothing changes. Adding it again to the
  series it is in changes nothing either.
- The series page and report show the series' workshops that the owner still facilitates
  (:func:`workshops_of`), so losing a workshop takes it out of the series' figures too.
- Deleting a series never deletes its workshops. Deleting a workshop deletes its membership
  (``ON DELETE CASCADE``; ``sessions.privacy.service.delete_workshop`` follows every such reference).

Bad input raises a named ``DomainError`` before anything is written. Nothing here imports Flask.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sessions.accounts.models import User
from sessions.core.base import utcnow
from sessions.core.errors import AlreadyInSeries, NotFound, ValidationFailed
from sessions.core.store import write_transaction
from sessions.core.validation import clean_text, is_id, parse_id
from sessions.series.models import (
    MAX_DESCRIPTION,
    MAX_NAME,
    MAX_SERIES_WORKSHOPS,
    SeriesWorkshop,
    WorkshopSeries,
)
from sessions.workshops.models import Workshop
from sessions.workshops.service import is_facilitator


@dataclass(frozen=True)
class SeriesDetails:
    """A series' name and description, checked."""

    name: str
    description: str

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> SeriesDetails:
        return cls(
            clean_text(data.get("name"), "name", max_len=MAX_NAME, multiline=False),
            clean_text(data.get("description"), "description", max_len=MAX_DESCRIPTION, required=False),
        )


# -- reading -----------------------------------------------------------------------------------------


def series_for_user(db: Session, user: User) -> Sequence[WorkshopSeries]:
    """The user's own series, newest first."""
    return db.scalars(
        select(WorkshopSeries).where(WorkshopSeries.owner_id == user.id).order_by(WorkshopSeries.created_at.desc(), WorkshopSeries.id.desc())
    ).all()


def series_for_owner(db: Session, series_id: object, user: User | None) -> WorkshopSeries:
    """The series, if ``user`` owns it; otherwise NotFound (we do not confirm that it exists)."""
    s = db.get(WorkshopSeries, series_id) if is_id(series_id) else None
    if s is None or user is None or s.owner_id != user.id:
        raise NotFound("no such series")
    return s


def workshops_of(db: Session, s: WorkshopSeries) -> list[Workshop]:
    """The series' workshops in series order, those its owner (still) facilitates."""
    owner = db.get_one(User, s.owner_id)
    rows = db.scalars(
        select(Workshop)
        .join(SeriesWorkshop, SeriesWorkshop.workshop_id == Workshop.id)
        .where(SeriesWorkshop.series_id == s.id)
        .order_by(SeriesWorkshop.position, SeriesWorkshop.added_at, Workshop.id)
    ).all()
    return [ws for ws in rows if is_facilitator(db, ws, owner)]


def series_of_workshop(db: Session, workshop_id: int) -> WorkshopSeries | None:
    """The series the workshop is in, if any."""
    return db.scalar(
        select(WorkshopSeries).join(SeriesWorkshop, SeriesWorkshop.series_id == WorkshopSeries.id).where(SeriesWorkshop.workshop_id == workshop_id)
    )


def workshop_counts(db: Session, series_ids: Sequence[int]) -> dict[int, int]:
    """How many workshops each series holds (for lists of series)."""
    rows = db.execute(
        select(SeriesWorkshop.series_id, func.count()).where(SeriesWorkshop.series_id.in_(series_ids)).group_by(SeriesWorkshop.series_id)
    ).all()
    return {sid: n for sid, n in rows}


# -- writing -----------------------------------------------------------------------------------------


def create_series(db: Session, user: User, details: SeriesDetails) -> WorkshopSeries:
    now = utcnow()
    with write_transaction(db):
        s = WorkshopSeries(owner_id=user.id, name=details.name, description=details.description, created_at=now, updated_at=now)
        db.add(s)
    return s


def update_series(db: Session, s: WorkshopSeries, details: SeriesDetails) -> WorkshopSeries:
    with write_transaction(db):
        s = db.get_one(WorkshopSeries, s.id)
        if (s.name, s.description) != (details.name, details.description):
            s.name, s.description = details.name, details.description
            s.updated_at = utcnow()
    return s


def delete_series(db: Session, s: WorkshopSeries) -> None:
    """The series and its memberships; the workshops stay as they are."""
    with write_transaction(db):
        s = db.get_one(WorkshopSeries, s.id)
        for link in db.scalars(select(SeriesWorkshop).where(SeriesWorkshop.series_id == s.id)):
            db.delete(link)
        db.delete(s)


def _facilitated_workshop(db: Session, workshop_id: object, user: User) -> Workshop:
    wid = parse_id(workshop_id, "workshop_id")
    ws = db.get(Workshop, wid)
    if ws is None or not is_facilitator(db, ws, user):
        raise NotFound("no such workshop", reason="workshop")
    return ws


def add_workshop(db: Session, s: WorkshopSeries, workshop_id: object) -> Workshop:
    """Put one of the owner's workshops into the series (at the end). See the module's rules."""
    try:
        with write_transaction(db):
            s = db.get_one(WorkshopSeries, s.id)
            ws = _facilitated_workshop(db, workshop_id, db.get_one(User, s.owner_id))
            current = db.get(SeriesWorkshop, ws.id)
            if current is not None:
                if current.series_id == s.id:
                    return ws
                raise AlreadyInSeries("the workshop is in another series", series=db.get_one(WorkshopSeries, current.series_id).name)
            count = db.scalar(select(func.count()).select_from(SeriesWorkshop).where(SeriesWorkshop.series_id == s.id)) or 0
            if count >= MAX_SERIES_WORKSHOPS:
                raise ValidationFailed("workshop_id", "too_many_series_workshops", max=MAX_SERIES_WORKSHOPS)
            top = db.scalar(select(func.max(SeriesWorkshop.position)).where(SeriesWorkshop.series_id == s.id))
            db.add(SeriesWorkshop(workshop_id=ws.id, series_id=s.id, position=(top or 0) + 1, added_at=utcnow()))
            s.updated_at = utcnow()
    except IntegrityError:
        # Added to two series at the same moment: the primary key kept the first.
        db.rollback()
        other = series_of_workshop(db, parse_id(workshop_id, "workshop_id"))
        raise AlreadyInSeries("the workshop is in another series", series=other.name if other else "") from None
    return ws


def remove_workshop(db: Session, s: WorkshopSeries, workshop_id: object) -> None:
    """Take a workshop out of the series (the workshop itself stays). NotFound if it is not in it."""
    wid = parse_id(workshop_id, "workshop_id")
    with write_transaction(db):
        link = db.get(SeriesWorkshop, wid)
        if link is None or link.series_id != s.id:
            raise NotFound("the workshop is not in this series", reason="workshop")
        db.delete(link)
        db.get_one(WorkshopSeries, s.id).updated_at = utcnow()
