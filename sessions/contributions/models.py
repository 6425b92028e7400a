"""Participants and what they post: needs (kompetansebehov), solution proposals (løsningsforslag) and local
cases («Hos oss»: the table's own municipality's real cases, each linked to the persona need or proposal it grew from)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
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
    from sessions.tags.models import ContributionTag
    from sessions.workshops.models import Group, WorkshopPersona

class ContributionKind(str, enum.Enum):
    need = "need"
    solution = "solution"
    # A «Hos oss» case: a real case of the table's own municipality, written in a «Hos oss» round after the
    # persona work (``municipality``, and ``grew_from_id``: the persona need or proposal it grew from).
    local = "local"


# Kinds written for the persona (needs and proposals); a local case is about the municipality.
PERSONA_KINDS = (ContributionKind.need, ContributionKind.solution)
MAX_MUNICIPALITY = 80

class Participant(Base):
    """Someone who joined with the code. Anonymous unless they chose a display name."""

    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"), default=None)
    display_name: Mapped[str | None] = mapped_column(String(60), default=None)
    # Self-declared at join (sessions/contributions/roles.py): a key of roles.ROLES, or None. Only ever used in aggregates of at
    # least three participants; never shown next to a contribution.
    role: Mapped[str | None] = mapped_column(String(16), default=None)
    # sha256 of the bearer token handed out at join; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    group: Mapped[Group | None] = relationship()


class Contribution(Base):
    """A need (kompetansebehov), a solution proposal (løsningsforslag) or a local case («Hos oss») posted by a group."""

    __tablename__ = "contributions"
    __table_args__ = (UniqueConstraint("participant_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    persona_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshop_personas.id", ondelete="SET NULL"), default=None
    )
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), default=None, index=True
    )
    # Display name chosen by the participant at the time of posting, if any; never the id.
    author_name: Mapped[str | None] = mapped_column(String(60), default=None)
    kind: Mapped[ContributionKind] = mapped_column(Enum(ContributionKind, native_enum=False, length=16))
    text: Mapped[str] = mapped_column(Text)
    client_id: Mapped[str] = mapped_column(String(64))
    # Sequence number of the latest change (create, edit, delete) within the workshop.
    seq: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Running the room (migration 0003, sessions/contributions/moderation.py and sessions/rounds/): a hidden contribution
    # stays in the archive; a merged duplicate points at the contribution that carries it now; the
    # participant's text from before a facilitator's first edit is kept; a post typed before its round's
    # deadline that arrived within the grace period is ``late``.
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    original_text: Mapped[str | None] = mapped_column(Text, default=None)
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("contributions.id", ondelete="SET NULL"), default=None, index=True
    )
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="SET NULL"), default=None)
    # A local case («Hos oss», migration 0013): the municipality it is about (a place, never a person) and the
    # persona need or proposal of the same workshop it grew from (None for the other kinds).
    municipality: Mapped[str | None] = mapped_column(String(MAX_MUNICIPALITY), default=None)
    grew_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("contributions.id", ondelete="SET NULL"), default=None
    )

    group: Mapped[Group] = relationship()
    persona: Mapped[WorkshopPersona | None] = relationship()
    # The duplicates merged into this one (their texts and votes are kept).
    merged: Mapped[list[Contribution]] = relationship(foreign_keys=[merged_into_id], order_by="Contribution.id")
    # Its tags (sessions/tags/, migration 0005), loaded with every list of contributions in one more query.
    tag_links: Mapped[list[ContributionTag]] = relationship(lazy="selectin", cascade="all, delete-orphan", passive_deletes=True)

    @property
    def tags(self) -> list[dict[str, Any]]:
        """The tags as ``[{"id", "label", "category"}]``, in vocabulary order."""
        return [link.chip for link in sorted(self.tag_links, key=lambda link: link.sort_key)]

    def as_event(self, staff: bool = False) -> dict[str, Any]:
        """The explicit payload clients get: never the author's id.

        Phones and walls get a hidden contribution without its text (they remove it); facilitators
        (``staff``) get the text, and the original text if a facilitator edited it.
        """
        masked = self.deleted or (self.hidden and not staff)
        return {
            "id": self.id,
            "seq": self.seq,
            "workshop_id": self.workshop_id,
            "group_id": self.group_id,
            "persona_id": self.persona_id,
            "kind": self.kind.value,
            "text": "" if masked else self.text,
            "author_name": None if masked else self.author_name,
            "created_at": self.created_at.isoformat() + "Z",
            "edited": self.updated_at is not None,
            "deleted": self.deleted,
            "hidden": bool(self.hidden),
            "late": bool(self.late),
            "round_id": self.round_id,
            "merged_into": self.merged_into_id,
            "merged": [] if masked else [{"id": m.id, "text": m.text} for m in self.merged if not m.deleted],
            "original_text": self.original_text if staff and not self.deleted else None,
            "tags": [] if masked else self.tags,
            "municipality": None if masked else self.municipality,
            "grew_from_id": self.grew_from_id,
        }


