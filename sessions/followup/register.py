"""The follow-up register as the reports show it: items under the assessments organisers use."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from sessions.core.base import utcnow
from sessions.followup.history import Step, history
from sessions.followup.models import REPORT_ORDER, FollowUpStatus
from sessions.followup.service import followups
from sessions.report.service import texts_for, today_in_norway
from sessions.workshops.service import load_for_dashboard

# -- the register for reports -----------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpEntry:
    """One follow-up item as the reports show it.

    ``note`` is the organisers' Markdown, unrendered: every format renders it through
    ``facilitator/exports/markup.py`` (sanitized). ``persona`` is the name of the persona the proposal
    came from (or the organisers chose), "" when none. ``overdue``: the deadline has passed (Europe/Oslo)
    and the item is not achieved.
    """

    id: int
    text: str
    status: str  # a FollowUpStatus value
    responsible: str
    deadline: dt.date | None
    overdue: bool
    note: str
    persona: str
    persona_id: int | None
    from_proposal: bool
    source_text: str  # the proposal's text when it was added ("" for the organisers' own items)
    created_at: dt.datetime  # naive UTC
    updated_at: dt.datetime  # naive UTC
    municipality: str = ""  # the municipality of the «Hos oss» case it was made from ("" otherwise)
    # The item's status history, oldest first (sessions/followup/review.py): changes and review meetings.
    history: tuple[Step, ...] = ()


@dataclass(frozen=True)
class FollowUpSection:
    """The items with one status, in the organisers' order."""

    status: str  # a FollowUpStatus value
    items: tuple[FollowUpEntry, ...]


@dataclass(frozen=True)
class FollowUpRegister:
    """A workshop's follow-up register for a report.

    ``sections`` always holds all four statuses in :data:`REPORT_ORDER` (achieved, not far enough,
    next focus, not assessed yet), each possibly empty, so a renderer can print the three assessment
    headings even when nothing is under one of them.
    """

    workshop_id: int
    title: str
    date: dt.date | None
    place: str
    organisers: str
    sections: tuple[FollowUpSection, ...]
    today: dt.date  # the day "overdue" was judged on (Europe/Oslo)
    generated_at: dt.datetime  # naive UTC

    @property
    def items(self) -> tuple[FollowUpEntry, ...]:
        return tuple(i for s in self.sections for i in s.items)

    @property
    def has_municipalities(self) -> bool:
        """Whether any item came from a «Hos oss» case (the «Kommune» column is shown only then)."""
        return any(i.municipality for i in self.items)

    @property
    def overdue_count(self) -> int:
        return sum(1 for i in self.items if i.overdue)

    def section(self, status: str | FollowUpStatus) -> FollowUpSection:
        value = status.value if isinstance(status, FollowUpStatus) else status
        return next(s for s in self.sections if s.status == value)


def followups_for_report(db: Session, workshop_id: int, *, today: dt.date | None = None, now: dt.datetime | None = None) -> FollowUpRegister:
    """The register of ``workshop_id`` grouped by status, for the follow-up report and the main report.

    Raises NotFound for an unknown workshop.
    """

    ws = load_for_dashboard(db, workshop_id)
    now = now or utcnow()
    day = today or today_in_norway(now)
    entries: dict[FollowUpStatus, list[FollowUpEntry]] = {s: [] for s in REPORT_ORDER}
    steps = history(db, [ws.id])
    for item in followups(db, ws.id):
        entries[item.status].append(
            FollowUpEntry(
                id=item.id,
                text=item.text,
                status=item.status.value,
                responsible=item.responsible,
                deadline=item.deadline,
                overdue=item.overdue(day),
                note=item.note,
                persona=item.persona.name if item.persona is not None else "",
                persona_id=item.persona_id,
                from_proposal=item.from_proposal,
                source_text=item.source_text,
                created_at=item.created_at,
                updated_at=item.updated_at,
                municipality=item.municipality or "",
                history=steps.get(item.id, ()),
            )
        )
    return FollowUpRegister(
        workshop_id=ws.id,
        title=ws.title,
        date=ws.date,
        place=ws.place,
        organisers=texts_for(db, ws.id).organisers,
        sections=tuple(FollowUpSection(s.value, tuple(entries[s])) for s in REPORT_ORDER),
        today=day,
        generated_at=now,
    )


