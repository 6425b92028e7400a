"""Domain entities, mapped with SQLAlchemy 2.

The entities own their state machine (``Workshop.open()`` raises ``IllegalTransition``);
services in ``sessions.workshops`` orchestrate them and commit. Nothing here imports Flask.
"""

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
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .errors import IllegalTransition

if TYPE_CHECKING:
    from .tags import ContributionTag

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class WorkshopStatus(str, enum.Enum):
    draft = "draft"
    open = "open"
    closed = "closed"


class ContributionKind(str, enum.Enum):
    need = "need"
    solution = "solution"


class User(Base):
    """A facilitator account."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    api_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


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
    # Days after closing until the workshop is deleted automatically (sessions/privacy.py, migration 0008);
    # None: the installation's default (PV_RETENTION_DAYS).
    retention_days: Mapped[int | None] = mapped_column(Integer, default=None)

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


class Participant(Base):
    """Someone who joined with the code. Anonymous unless they chose a display name."""

    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"), default=None)
    display_name: Mapped[str | None] = mapped_column(String(60), default=None)
    # Self-declared at join (sessions/roles.py): a key of roles.ROLES, or None. Only ever used in aggregates of at
    # least three participants; never shown next to a contribution.
    role: Mapped[str | None] = mapped_column(String(16), default=None)
    # sha256 of the bearer token handed out at join; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    group: Mapped[Group | None] = relationship()


class Contribution(Base):
    """A need (kompetansebehov) or a solution proposal (løsningsforslag) posted for a group's persona."""

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
    # Running the room (migration 0003, sessions/moderation.py and sessions/rounds.py): a hidden contribution
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

    group: Mapped[Group] = relationship()
    persona: Mapped[WorkshopPersona | None] = relationship()
    # The duplicates merged into this one (their texts and votes are kept).
    merged: Mapped[list[Contribution]] = relationship(foreign_keys=[merged_into_id], order_by="Contribution.id")
    # Its tags (sessions/tags.py, migration 0005), loaded with every list of contributions in one more query.
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
        }


class ReportTexts(Base):
    """What the facilitators write for the report: organisers, the summary, the method note, who to invite.

    Summary and notes are Markdown; every format renders them sanitized (``facilitator/exports/markup.py``).
    """

    __tablename__ = "report_texts"

    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True)
    organisers: Mapped[str] = mapped_column(String(300), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    method_note: Mapped[str] = mapped_column(Text, default="")
    invite_note: Mapped[str] = mapped_column(Text, default="")
    # Increases with every save, so an autosaving editor can tell its own save from a newer one.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None)


class ShareLink(Base):
    """A read-only link to a workshop's report for organisers: unguessable, revocable, optionally expiring.

    Only the sha256 of the token is stored; the link is shown once, when it is made.
    """

    __tablename__ = "share_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    # Last day (Europe/Oslo) on which the link works; None: until revoked.
    expires_on: Mapped[dt.date | None] = mapped_column(Date, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None)


# -- running the room: rounds, rotation, votes, what the wall shows (migration 0003) -------------------


class RoundStatus(str, enum.Enum):
    planned = "planned"
    running = "running"
    paused = "paused"
    ended = "ended"


class VoteScope(str, enum.Enum):
    group = "group"  # a participant votes on their own table's contributions
    all = "all"  # on every contribution in the workshop


class Round(Base):
    """One step of the workshop plan: a name, a prompt, a duration and what may be posted (or voted on).

    State machine: planned → running ⇄ paused → ended. The timer is a stored deadline that clients count
    down; nothing runs on the server when it passes: a running round whose deadline is behind ``now`` *is*
    ended (:meth:`effective_status`), and the next write settles it (:meth:`settle`).
    """

    __tablename__ = "rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(80))
    prompt: Mapped[str] = mapped_column(Text, default="")
    # 0: no timer (the round runs until a facilitator ends it).
    duration_s: Mapped[int] = mapped_column(Integer, default=0)
    # Kinds of contribution that may be posted: ["need"], ["solution"], both, or none.
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    voting: Mapped[bool] = mapped_column(Boolean, default=False)
    dots: Mapped[int] = mapped_column(Integer, default=5)
    scope: Mapped[VoteScope] = mapped_column(Enum(VoteScope, native_enum=False, length=16), default=VoteScope.all)
    status: Mapped[RoundStatus] = mapped_column(
        Enum(RoundStatus, native_enum=False, length=16), default=RoundStatus.planned
    )
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None)
    # While running: when time is up (None without a timer). While paused: None, and remaining_ms is kept.
    deadline: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None)
    remaining_ms: Mapped[int | None] = mapped_column(Integer, default=None)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None)

    @property
    def timed(self) -> bool:
        return self.duration_s > 0

    def effective_status(self, now: dt.datetime) -> RoundStatus:
        if self.status == RoundStatus.running and self.deadline is not None and now >= self.deadline:
            return RoundStatus.ended
        return self.status

    def is_live(self, now: dt.datetime) -> bool:
        """Running (time left, or no timer) or paused."""
        return self.effective_status(now) in (RoundStatus.running, RoundStatus.paused)

    @property
    def closes_at(self) -> dt.datetime | None:
        """When posting closed (or will close while running): the end, or the deadline."""
        if self.status == RoundStatus.ended:
            return self.ended_at
        if self.status == RoundStatus.running:
            return self.deadline
        return None

    def remaining(self, now: dt.datetime) -> dt.timedelta | None:
        if not self.timed:
            return None
        status = self.effective_status(now)
        if status == RoundStatus.planned:
            return dt.timedelta(seconds=self.duration_s)
        if status == RoundStatus.paused:
            return dt.timedelta(milliseconds=self.remaining_ms or 0)
        if status == RoundStatus.running and self.deadline is not None:
            return max(self.deadline - now, dt.timedelta(0))
        return dt.timedelta(0)

    def accepts(self, kind: str) -> bool:
        return kind in (self.kinds or [])

    # -- transitions (each raises IllegalTransition with a reason when not allowed) -------------------
    def _refuse(self, action: str, reason: str) -> IllegalTransition:
        return IllegalTransition(f"round {self.id}: cannot {action}", state=self.status.value, action=action, reason=reason)

    def settle(self, now: dt.datetime) -> bool:
        """Store what the clock already decided: a running round past its deadline ended at the deadline."""
        if self.effective_status(now) == RoundStatus.ended and self.status == RoundStatus.running:
            self.status = RoundStatus.ended
            self.ended_at = self.deadline
            return True
        return False

    def start(self, now: dt.datetime) -> None:
        if self.status != RoundStatus.planned:
            raise self._refuse("start", "round_not_planned")
        self.status = RoundStatus.running
        self.started_at = now
        self.deadline = now + dt.timedelta(seconds=self.duration_s) if self.timed else None
        self.remaining_ms = None

    def pause(self, now: dt.datetime) -> None:
        self.settle(now)
        if self.status != RoundStatus.running:
            raise self._refuse("pause", "round_ended" if self.status == RoundStatus.ended else "round_not_running")
        if self.deadline is not None:
            self.remaining_ms = max(int((self.deadline - now).total_seconds() * 1000), 0)
        self.deadline = None
        self.status = RoundStatus.paused

    def resume(self, now: dt.datetime) -> None:
        if self.status != RoundStatus.paused:
            raise self._refuse("resume", "round_ended" if self.effective_status(now) == RoundStatus.ended else "round_not_paused")
        self.deadline = now + dt.timedelta(milliseconds=self.remaining_ms or 0) if self.timed else None
        self.remaining_ms = None
        self.status = RoundStatus.running

    def extend(self, now: dt.datetime, by: dt.timedelta) -> None:
        self.settle(now)
        if self.status not in (RoundStatus.running, RoundStatus.paused):
            raise self._refuse("extend", "round_ended" if self.status == RoundStatus.ended else "round_not_running")
        if not self.timed:
            raise self._refuse("extend", "no_timer")
        if self.status == RoundStatus.paused:
            self.remaining_ms = (self.remaining_ms or 0) + int(by.total_seconds() * 1000)
        else:
            assert self.deadline is not None
            self.deadline = self.deadline + by

    def end(self, now: dt.datetime) -> None:
        self.settle(now)
        if self.status not in (RoundStatus.running, RoundStatus.paused):
            raise self._refuse("end", "round_ended" if self.status == RoundStatus.ended else "round_not_running")
        self.status = RoundStatus.ended
        self.ended_at = now
        self.deadline = None
        self.remaining_ms = None


class RoundAssignment(Base):
    """Which persona a group had in a round: the rotation history the facilitator sees."""

    __tablename__ = "round_assignments"

    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    persona_id: Mapped[int | None] = mapped_column(ForeignKey("workshop_personas.id", ondelete="SET NULL"), default=None)


class Vote(Base):
    """One dot a participant put on a contribution in a voting round (at most one per contribution)."""

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("round_id", "participant_id", "contribution_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class WallView(str, enum.Enum):
    personas = "personas"  # one lane per persona (default)
    persona = "persona"  # one persona full screen
    ranking = "ranking"  # top-voted: the ranking, revealed
    pause = "pause"  # the join code, large


class LiveState(Base):
    """What a workshop's room looks like right now, beyond the rounds: rotation, wall view, spotlight."""

    __tablename__ = "live_states"

    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True)
    rotation: Mapped[bool] = mapped_column(Boolean, default=False)
    wall_view: Mapped[WallView] = mapped_column(Enum(WallView, native_enum=False, length=16), default=WallView.personas)
    wall_persona_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshop_personas.id", ondelete="SET NULL"), default=None
    )
    spotlight_id: Mapped[int | None] = mapped_column(ForeignKey("contributions.id", ondelete="SET NULL"), default=None)


# Entities of later areas are defined beside their domain functions. Importing those modules here puts their
# tables on Base.metadata whenever the models are imported (migrations, the schema test, the store).
from sessions import followup, tags, themeboard  # noqa: E402,F401,I001
