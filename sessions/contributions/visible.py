"""Which contributions are visible: the one rule, apart so that everything that counts (roles, tags, themes,
the report) can use it without importing the write paths of :mod:`sessions.contributions.service`."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from sessions.contributions.models import Contribution


def contributions(
    db: Session, workshop_id: int, group_id: int | None = None, *, include_hidden: bool = False
) -> Sequence[Contribution]:
    """Visible contributions, oldest first, optionally for one group. The one place that decides visibility.

    Deleted ones never; duplicates merged into another never as cards of their own (the kept one carries
    them in ``merged``); hidden ones only for facilitators (``include_hidden``).
    """
    q = select(Contribution).where(
        Contribution.workshop_id == workshop_id,
        Contribution.deleted.is_(False),
        Contribution.merged_into_id.is_(None),
    )
    if not include_hidden:
        q = q.where(Contribution.hidden.is_(False))
    if group_id is not None:
        q = q.where(Contribution.group_id == group_id)
    return db.scalars(q.options(selectinload(Contribution.merged)).order_by(Contribution.seq)).all()
