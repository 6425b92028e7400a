"""The tag tables of the report: measure kinds by persona, and each contribution's tags."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    select,
)
from sqlalchemy.orm import Session

from sessions.contributions.models import Contribution
from sessions.contributions.service import contributions
from sessions.tags.models import MEASURE, ContributionTag, Tag
from sessions.tags.service import vocabulary
from sessions.workshops.models import WorkshopPersona

# -- for the report ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureRow:
    """One persona's row of :class:`MeasureTable`."""

    persona_id: int | None  # None: contributions whose persona was removed from the workshop
    persona: str  # the persona's name ("" for those contributions)
    counts: tuple[int, ...]  # per measure tag (the table's columns): visible contributions carrying it
    contributions: int  # all visible contributions for this persona, tagged or not
    tagged: int  # of those, how many carry at least one measure tag

    @property
    def total(self) -> int:
        """Measure tags placed on this persona's contributions (a contribution may carry several)."""
        return sum(self.counts)


@dataclass(frozen=True)
class MeasureTable:
    """Kinds of measure by persona: a table with one column per measure tag and one row per persona.

    Counts only the contributions that :func:`sessions.contributions.visible.contributions` calls visible (no
    deleted, hidden or merged-away ones). Columns are the workshop's measure tags in vocabulary order.
    """

    measure_ids: tuple[int, ...]
    measures: tuple[str, ...]  # the column labels
    rows: tuple[MeasureRow, ...]  # personas in workshop order (+ a row for a removed persona's contributions)

    @property
    def totals(self) -> tuple[int, ...]:
        """Per column: visible contributions carrying the tag, over all personas."""
        return tuple(sum(r.counts[i] for r in self.rows) for i in range(len(self.measures)))

    @property
    def is_empty(self) -> bool:
        """No visible contribution carries a measure tag."""
        return not any(self.totals)


def measure_kinds_by_persona(db: Session, workshop_id: int) -> MeasureTable:
    """The measure tags by persona over the workshop's visible contributions."""

    measures = [t for t in vocabulary(db, workshop_id) if t.category == MEASURE]
    col = {t.id: i for i, t in enumerate(measures)}
    personas = db.scalars(
        select(WorkshopPersona).where(WorkshopPersona.workshop_id == workshop_id).order_by(WorkshopPersona.position, WorkshopPersona.id)
    ).all()
    known = {p.id for p in personas}
    counts: dict[int | None, list[int]] = {p.id: [0] * len(measures) for p in personas}
    totals: dict[int | None, int] = {p.id: 0 for p in personas}
    tagged: dict[int | None, int] = {p.id: 0 for p in personas}
    for c in contributions(db, workshop_id):
        pid = c.persona_id if c.persona_id in known else None
        row = counts.setdefault(pid, [0] * len(measures))
        totals[pid] = totals.get(pid, 0) + 1
        hits = [col[link.tag_id] for link in c.tag_links if link.tag_id in col]
        for i in hits:
            row[i] += 1
        if hits:
            tagged[pid] = tagged.get(pid, 0) + 1
    rows = [MeasureRow(p.id, p.name, tuple(counts[p.id]), totals[p.id], tagged[p.id]) for p in personas]
    if None in counts:
        rows.append(MeasureRow(None, "", tuple(counts[None]), totals.get(None, 0), tagged.get(None, 0)))
    return MeasureTable(tuple(t.id for t in measures), tuple(t.label for t in measures), tuple(rows))


def tags_by_contribution(db: Session, workshop_id: int) -> dict[int, tuple[str, ...]]:
    """The tag labels (vocabulary order) of every tagged, not deleted contribution of the workshop, by id."""
    rows = db.execute(
        select(ContributionTag.contribution_id, Tag)
        .join(Tag, Tag.id == ContributionTag.tag_id)
        .join(Contribution, Contribution.id == ContributionTag.contribution_id)
        .where(Tag.workshop_id == workshop_id, Contribution.deleted.is_(False))
    ).all()
    out: dict[int, list[Tag]] = {}
    for cid, tag in rows:
        out.setdefault(cid, []).append(tag)
    return {cid: tuple(t.label for t in sorted(tags, key=lambda t: t.sort_key)) for cid, tags in out.items()}


