"""The status history of follow-up items: writing a step, and reading the steps of many workshops at once.

Its own module so that the register's writes (``service.py``) and the review meeting (``review.py``) share
it without importing each other; the rules are in ``review.py``'s docstring.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sessions.core.base import utcnow
from sessions.followup.models import FollowUp, FollowUpStatus, FollowUpStatusChange


def record_status(
    db: Session,
    item: FollowUp,
    before: FollowUpStatus | None,
    after: FollowUpStatus,
    *,
    meeting: str = "",
    note: str = "",
    now: dt.datetime | None = None,
) -> FollowUpStatusChange:
    """One step of ``item``'s status history (inside the caller's transaction)."""
    step = FollowUpStatusChange(
        followup_id=item.id,
        workshop_id=item.workshop_id,
        from_status=before,
        to_status=after,
        meeting=meeting,
        note=note,
        changed_at=now or utcnow(),
    )
    db.add(step)
    return step


@dataclass(frozen=True)
class Step:
    """One step of an item's history as pages and reports show it."""

    followup_id: int
    from_status: str | None  # a FollowUpStatus value; None: the item was created with ``to_status``
    to_status: str
    meeting: str  # "" when changed on the register page outside a meeting
    note: str
    changed_at: dt.datetime  # naive UTC


def history(db: Session, workshop_ids: Sequence[int]) -> dict[int, tuple[Step, ...]]:
    """The history of every item of ``workshop_ids``, oldest step first, by item id (items without one absent)."""
    out: dict[int, list[Step]] = {}
    if not workshop_ids:
        return {}
    rows = db.scalars(
        select(FollowUpStatusChange)
        .where(FollowUpStatusChange.workshop_id.in_(list(workshop_ids)))
        .order_by(FollowUpStatusChange.changed_at, FollowUpStatusChange.id)
    )
    for r in rows:
        out.setdefault(r.followup_id, []).append(
            Step(
                followup_id=r.followup_id,
                from_status=r.from_status.value if r.from_status is not None else None,
                to_status=r.to_status.value,
                meeting=r.meeting,
                note=r.note,
                changed_at=r.changed_at,
            )
        )
    return {k: tuple(v) for k, v in out.items()}
