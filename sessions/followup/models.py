"""The follow-up register's table: one item per proposal (or the organisers' own), with status and deadline."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sessions.core.base import Base, utcnow

if TYPE_CHECKING:
    from sessions.workshops.models import WorkshopPersona

MAX_RESPONSIBLE = 120
MAX_NOTE = 5_000
MAX_FOLLOWUPS = 500
MAX_MEETING = 120  # the name of a review meeting, e.g. «Oppfølgingsmøte 12.03.2027»
MAX_REVIEW_NOTE = 1_000  # what a review meeting said about one item (plain text)

# Roles the form suggests for "responsible" (a datalist: free text is fine). Roles, never names.
RESPONSIBLE_SUGGESTIONS = (
    "kommunalsjef helse",
    "kommunalsjef oppvekst",
    "kommunedirektør",
    "HR",
    "rektor",
    "styrer",
    "tillitsvalgte",
    "KS",
    "fylkeskommunen",
    "statsforvalteren",
    "regionalt kompetansenettverk",
    "høgskolen / universitetet",
)


class FollowUpStatus(str, enum.Enum):
    open = "open"  # not assessed yet
    achieved = "achieved"  # Oppnådd
    not_far_enough = "not_far_enough"  # Ikkje kome langt nok
    next_focus = "next_focus"  # Fokus vidare


# The order of the follow-up report's sections: the three assessments organisers use, then the rest.
REPORT_ORDER = (FollowUpStatus.achieved, FollowUpStatus.not_far_enough, FollowUpStatus.next_focus, FollowUpStatus.open)


class FollowUp(Base):
    """One item of a workshop's follow-up register (see the module docstring for the rules)."""

    __tablename__ = "followups"
    __table_args__ = (UniqueConstraint("source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    # The proposal it was made from (None: written by the organisers, or the proposal row is gone).
    source_id: Mapped[int | None] = mapped_column(ForeignKey("contributions.id", ondelete="SET NULL"), default=None)
    # The proposal's text when it was added ("" for an item of the organisers' own).
    source_text: Mapped[str] = mapped_column(Text, default="")
    persona_id: Mapped[int | None] = mapped_column(ForeignKey("workshop_personas.id", ondelete="SET NULL"), default=None)
    # The municipality of a «Hos oss» case it was made from (migration 0013); None for a proposal's item.
    municipality: Mapped[str | None] = mapped_column(String(80), default=None)
    text: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str] = mapped_column(String(MAX_RESPONSIBLE), default="")
    deadline: Mapped[dt.date | None] = mapped_column(Date, default=None)
    status: Mapped[FollowUpStatus] = mapped_column(
        Enum(FollowUpStatus, native_enum=False, length=16), default=FollowUpStatus.open
    )
    note: Mapped[str] = mapped_column(Text, default="")  # Markdown
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    persona: Mapped[WorkshopPersona | None] = relationship("WorkshopPersona")

    @property
    def from_proposal(self) -> bool:
        return bool(self.source_text)

    def overdue(self, today: dt.date) -> bool:
        """Past its deadline and not achieved."""
        return self.deadline is not None and self.deadline < today and self.status != FollowUpStatus.achieved

    def as_json(self, today: dt.date) -> dict[str, Any]:
        """The API's representation (docs/api.md, ``FollowUp`` in openapi.json)."""
        return {
            "id": self.id,
            "workshop_id": self.workshop_id,
            "text": self.text,
            "responsible": self.responsible,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "status": self.status.value,
            "note": self.note,
            "persona_id": self.persona_id,
            "persona_name": self.persona.name if self.persona is not None else None,
            "source_id": self.source_id,
            "source_text": self.source_text or None,
            "municipality": self.municipality,
            "position": self.position,
            "overdue": self.overdue(today),
            "created_at": self.created_at.isoformat() + "Z",
            "updated_at": self.updated_at.isoformat() + "Z",
        }



class FollowUpStatusChange(Base):
    """One step of an item's status history (migration 0014): kept for as long as the item exists.

    Written by every change of status on the register page or through the API (``meeting`` ""), and at a
    review meeting for each item the meeting changed or commented on (``meeting`` names it; ``from_status``
    may equal ``to_status``: the meeting kept the assessment). ``from_status`` is None for an item created
    with a status other than open.
    """

    __tablename__ = "followup_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    followup_id: Mapped[int] = mapped_column(ForeignKey("followups.id", ondelete="CASCADE"), index=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[FollowUpStatus | None] = mapped_column(
        Enum(FollowUpStatus, native_enum=False, length=16), default=None
    )
    to_status: Mapped[FollowUpStatus] = mapped_column(Enum(FollowUpStatus, native_enum=False, length=16))
    meeting: Mapped[str] = mapped_column(String(MAX_MEETING), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    def as_json(self) -> dict[str, Any]:
        """The API's representation (``FollowUpStatusChange`` in openapi.json)."""
        return {
            "id": self.id,
            "followup_id": self.followup_id,
            "from_status": self.from_status.value if self.from_status is not None else None,
            "to_status": self.to_status.value,
            "meeting": self.meeting,
            "note": self.note,
            "changed_at": self.changed_at.isoformat() + "Z",
        }
