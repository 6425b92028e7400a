"""A workshop, its personas (copies, never references to the library), its groups and its facilitators.

The workshop owns its state machine (``Workshop.open()`` raises ``IllegalTransition``)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
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
from sessions.core.errors import IllegalTransition

if TYPE_CHECKING:
    from sessions.accounts.models import User

class WorkshopStatus(str, enum.Enum):
    draft = "draft"
    open = "open"
    closed = "closed"


class Workshop(Base):
    __tablename__ = "workshops"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    place: Mapped[str] = mapped_column(String(200), default="")
    intro: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[WorkshopStatus] = mapped_column(
        Enum(WorkshopStatus, native_enum=False, length=16), default=WorkshopStatus.draft
    )
    # Eight digits; unique while it exists so a code always names one workshop.
    join_code: Mapped[str] = mapped_column(String(8), unique=True)
    # Unguessable link for the projector; the wall needs no login.
    wall_token: Mapped[str] = mapped_column(String(64), unique=True)
    # Last sequence number handed out in this workshop; every change to a contribution takes the next one.
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    opened_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None)
    # Days after closing until the workshop is deleted automatically (sessions/privacy/service.py, migration 0008);
    # None: the installation's default (PV_RETENTION_DAYS).
    retention_days: Mapped[int | None] = mapped_column(Integer, default=None)
    # The template it was made from (sessions/workshop_templates/, migration 0011); NULL once that is deleted.
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshop_templates.id", ondelete="SET NULL"), default=None
    )

    owner: Mapped[User] = relationship()
    personas: Mapped[list[WorkshopPersona]] = relationship(
        back_populates="workshop", order_by="WorkshopPersona.position", cascade="all, delete-orphan"
    )
    groups: Mapped[list[Group]] = relationship(
        back_populates="workshop", order_by="Group.position", cascade="all, delete-orphan"
    )

    # -- state machine -------------------------------------------------------------------
    @property
    def is_draft(self) -> bool:
        return self.status == WorkshopStatus.draft

    @property
    def is_open(self) -> bool:
        return self.status == WorkshopStatus.open

    @property
    def is_closed(self) -> bool:
        return self.status == WorkshopStatus.closed

    @property
    def accepting_contributions(self) -> bool:
        return self.status == WorkshopStatus.open

    @property
    def joinable(self) -> bool:
        return self.status == WorkshopStatus.open

    @property
    def editable_structure(self) -> bool:
        """Groups and personas may change before the workshop closes."""
        return self.status != WorkshopStatus.closed

    def open(self) -> None:
        if self.status == WorkshopStatus.open:
            raise IllegalTransition("already open", state=self.status.value, action="open")
        if not self.groups:
            raise IllegalTransition("a workshop needs at least one group", state=self.status.value, action="open", reason="no_groups")
        if any(g.persona is None for g in self.groups):
            raise IllegalTransition("every group needs a persona", state=self.status.value, action="open", reason="group_without_persona")
        self.status = WorkshopStatus.open
        self.opened_at = self.opened_at or utcnow()
        self.closed_at = None

    def close(self) -> None:
        if self.status != WorkshopStatus.open:
            raise IllegalTransition("only an open workshop can be closed", state=self.status.value, action="close")
        self.status = WorkshopStatus.closed
        self.closed_at = utcnow()

    @property
    def join_code_display(self) -> str:
        return f"{self.join_code[:4]} {self.join_code[4:]}"


class WorkshopFacilitator(Base):
    """Which facilitators may run a workshop (the owner is always one)."""

    __tablename__ = "workshop_facilitators"

    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class WorkshopPersona(Base):
    """A persona as used in one workshop: a copy of a library persona, or written for this workshop.

    Copying means a later edit (or a broken file) in the library never changes a running workshop.
    """

    __tablename__ = "workshop_personas"
    __table_args__ = (UniqueConstraint("workshop_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(80))
    age: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(120))
    card: Mapped[str] = mapped_column(Text)
    background: Mapped[str] = mapped_column(Text, default="")
    questions: Mapped[list[str]] = mapped_column(JSON, default=list)
    from_library: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    workshop: Mapped[Workshop] = relationship(back_populates="personas")

    @property
    def background_paragraphs(self) -> list[str]:
        return [p.strip() for p in self.background.split("\n\n") if p.strip()]

    def as_dict(self) -> dict[str, Any]:
        """Every field of the persona, named by its key (the workshop archive and workshop templates)."""
        return {
            "key": self.key,
            "name": self.name,
            "age": self.age,
            "role": self.role,
            "card": self.card,
            "background": self.background,
            "questions": list(self.questions or []),
            "from_library": bool(self.from_library),
        }


class Group(Base):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    persona_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshop_personas.id", ondelete="SET NULL"), default=None
    )
    position: Mapped[int] = mapped_column(Integer, default=0)

    workshop: Mapped[Workshop] = relationship(back_populates="groups")
    persona: Mapped[WorkshopPersona | None] = relationship()


