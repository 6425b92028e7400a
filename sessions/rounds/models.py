"""Running the room: rounds, rotation, votes, what the wall shows (migration 0003)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from sessions.core.base import Base, utcnow
from sessions.core.errors import IllegalTransition


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
