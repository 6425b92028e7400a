"""What the theme board shows: themes with their visible members, pending suggestions, the revision."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    select,
)
from sqlalchemy.orm import Session

from sessions.contributions.models import PERSONA_KINDS, Contribution
from sessions.contributions.service import contributions
from sessions.themes.models import (
    MIN_SUGGESTION_MEMBERS,
    SuggestedTheme,
    SuggestionStatus,
    Theme,
    ThemeBoard,
    ThemeMember,
)
from sessions.workshops.models import WorkshopPersona

# -- what the board shows ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeView:
    """One theme as shown: visible members in theme order, hidden/merged-away members, personas spanned."""

    id: int
    name: str
    position: int
    origin: str
    member_ids: tuple[int, ...]  # visible members, in the order they were added
    hidden_ids: tuple[int, ...]  # members a facilitator hid or merged away (not shown; back when shown again)
    persona_ids: tuple[int, ...]  # personas of the visible members, in workshop order

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "position": self.position,
            "origin": self.origin,
            "count": len(self.member_ids),
            "member_ids": list(self.member_ids),
            "hidden_ids": list(self.hidden_ids),
            "persona_ids": list(self.persona_ids),
        }


@dataclass(frozen=True)
class SuggestionView:
    """A pending suggestion as shown: only its members that are still visible and in no theme."""

    id: int
    name: str
    member_ids: tuple[int, ...]
    persona_ids: tuple[int, ...]
    shared_words: tuple[str, ...] = ()  # why it was suggested
    confidence: float = 0.0  # 0-1
    near_theme_id: int | None = None  # an existing theme it resembles (offered first to add it to)
    near_words: tuple[str, ...] = ()  # the words it and that theme both use

    @property
    def certainty(self) -> str:
        """``high`` (≥ 0.6), ``medium`` (≥ 0.3) or ``low``: what the board says about the confidence."""
        return "high" if self.confidence >= 0.6 else "medium" if self.confidence >= 0.3 else "low"

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "member_ids": list(self.member_ids),
            "persona_ids": list(self.persona_ids),
            "shared_words": list(self.shared_words),
            "confidence": self.confidence,
            "certainty": self.certainty,
            "near_theme_id": self.near_theme_id,
            "near_words": list(self.near_words),
        }


@dataclass(frozen=True)
class Board:
    """The whole board of a workshop: themes in order, pending suggestions, the ungrouped contributions."""

    workshop_id: int
    revision: int
    themes: tuple[ThemeView, ...]
    suggestions: tuple[SuggestionView, ...]
    ungrouped: tuple[int, ...]  # visible contributions in no theme, oldest first
    suggested_at: dt.datetime | None

    def payload(self) -> dict[str, Any]:
        """The ``themes`` event (facilitators only)."""
        return {
            "workshop_id": self.workshop_id,
            "revision": self.revision,
            "themes": [t.as_dict() for t in self.themes],
            "suggestions": [s.as_dict() for s in self.suggestions],
        }

    def theme(self, theme_id: int) -> ThemeView | None:
        return next((t for t in self.themes if t.id == theme_id), None)

    def suggestion(self, suggestion_id: int) -> SuggestionView | None:
        return next((s for s in self.suggestions if s.id == suggestion_id), None)

    @property
    def theme_of(self) -> dict[int, int]:
        """Visible contribution id → its theme's id."""
        return {cid: t.id for t in self.themes for cid in t.member_ids}


def _visible(db: Session, workshop_id: int) -> dict[int, Contribution]:
    """The visible needs and proposals: «Hos oss» cases are about the tables' own municipalities, not the
    personas, so neither the board nor the suggester takes them (the report has them in their own section)."""
    return {c.id: c for c in contributions(db, workshop_id) if c.kind in PERSONA_KINDS}


def _persona_order(db: Session, workshop_id: int) -> dict[int, int]:
    rows = db.execute(
        select(WorkshopPersona.id).where(WorkshopPersona.workshop_id == workshop_id).order_by(WorkshopPersona.position, WorkshopPersona.id)
    ).scalars()
    return {pid: i for i, pid in enumerate(rows)}


def _personas_of(ids: Iterable[int], visible: dict[int, Contribution], order: dict[int, int]) -> tuple[int, ...]:
    found = {visible[i].persona_id for i in ids if i in visible and visible[i].persona_id is not None}
    return tuple(sorted((p for p in found if p is not None), key=lambda p: (order.get(p, len(order)), p)))


def _memberships(db: Session, workshop_id: int) -> list[tuple[int, int]]:
    """(theme id, contribution id) of every member in the workshop whose contribution is not deleted, in theme order."""
    return [
        (tid, cid)
        for tid, cid in db.execute(
            select(ThemeMember.theme_id, ThemeMember.contribution_id)
            .join(Theme, Theme.id == ThemeMember.theme_id)
            .join(Contribution, Contribution.id == ThemeMember.contribution_id)
            .where(Theme.workshop_id == workshop_id, Contribution.deleted.is_(False))
            .order_by(ThemeMember.added_at, ThemeMember.contribution_id)
        ).all()
    ]


def load_board(db: Session, workshop_id: int) -> Board:
    """Everything the board shows, read in one go.

    The revision is read first: on PostgreSQL each statement sees the latest commits, so the data is at
    least as new as the revision it is labelled with, and a client that keeps the highest revision never
    keeps an older state.
    """
    state = db.get(ThemeBoard, workshop_id, populate_existing=True)
    revision = state.revision if state is not None else 0
    batch = state.batch if state is not None else 0
    visible = _visible(db, workshop_id)
    order = _persona_order(db, workshop_id)
    themes = db.scalars(select(Theme).where(Theme.workshop_id == workshop_id).order_by(Theme.position, Theme.id)).all()
    members: dict[int, list[int]] = {t.id: [] for t in themes}
    for tid, cid in _memberships(db, workshop_id):
        members.setdefault(tid, []).append(cid)
    grouped = {cid for ids in members.values() for cid in ids}
    views = tuple(
        ThemeView(
            id=t.id,
            name=t.name,
            position=i,
            origin=t.origin.value,
            member_ids=tuple(c for c in members[t.id] if c in visible),
            hidden_ids=tuple(c for c in members[t.id] if c not in visible),
            persona_ids=_personas_of(members[t.id], visible, order),
        )
        for i, t in enumerate(themes)
    )
    ungrouped = tuple(cid for cid in visible if cid not in grouped)
    free = set(ungrouped)
    suggestions: list[SuggestionView] = []
    for s in db.scalars(
        select(SuggestedTheme)
        .where(
            SuggestedTheme.workshop_id == workshop_id,
            SuggestedTheme.batch == batch,
            SuggestedTheme.status == SuggestionStatus.pending,
        )
        .order_by(SuggestedTheme.position, SuggestedTheme.id)
    ):
        now_members = tuple(c for c in s.member_ids if c in free)
        near = s.near_theme_id if s.near_theme_id in members else None  # a deleted theme is forgotten
        if len(now_members) >= MIN_SUGGESTION_MEMBERS:
            suggestions.append(
                SuggestionView(
                    s.id,
                    s.name,
                    now_members,
                    _personas_of(now_members, visible, order),
                    tuple(s.shared_words or ()),
                    float(s.confidence or 0.0),
                    near,
                    tuple(s.near_words or ()) if near is not None else (),
                )
            )
    return Board(
        workshop_id=workshop_id,
        revision=revision,
        themes=views,
        suggestions=tuple(suggestions),
        ungrouped=ungrouped,
        suggested_at=state.suggested_at if state is not None else None,
    )


def board_payload(db: Session, workshop_id: int) -> dict[str, Any]:
    """The ``themes`` event's payload (and the ``themes`` part of a facilitator's ``watch`` ack)."""
    return load_board(db, workshop_id).payload()

