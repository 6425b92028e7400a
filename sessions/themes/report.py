"""The themes as the report shows them: each with its personas and visible contributions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    select,
)
from sqlalchemy.orm import Session

from sessions.themes.board import _visible, load_board
from sessions.themes.models import Theme, ThemeMember
from sessions.workshops.models import Group, WorkshopPersona

# -- for the report ----------------------------------------------------------------------------------


class KindCounts:
    """``count``, ``needs`` and ``solutions`` of a theme's ``contributions`` (anything with a ``kind``); the
    report's theme section (sessions/report/tree.py) counts the same way."""

    contributions: tuple[Any, ...]

    @property
    def count(self) -> int:
        return len(self.contributions)

    @property
    def needs(self) -> int:
        return sum(1 for c in self.contributions if c.kind == "need")

    @property
    def solutions(self) -> int:
        return sum(1 for c in self.contributions if c.kind == "solution")


@dataclass(frozen=True)
class ReportThemeMember:
    """One contribution of a theme as the report shows it (never who wrote it)."""

    id: int
    text: str
    kind: str  # "need" or "solution"
    persona: str  # the persona's name ("" if the persona was removed)
    group: str  # the group's (table's) name


@dataclass(frozen=True)
class ReportTheme(KindCounts):
    """A theme for the report, in board order: its name, the personas its contributions span and its
    visible contributions (hidden, merged-away and deleted ones are left out), with counts."""

    name: str
    position: int
    origin: str  # "manual" or "suggested"
    personas: tuple[str, ...]  # names, in the workshop's persona order
    contributions: tuple[ReportThemeMember, ...]
    per_persona: tuple[tuple[str, int], ...]  # (persona name, contributions), in the same order as ``personas``

    @property
    def cross_persona(self) -> bool:
        return len(self.personas) > 1


def themes_for_report(db: Session, workshop_id: int) -> list[ReportTheme]:
    """Every theme of the workshop in board order (also those with no visible contribution, count 0)."""
    board = load_board(db, workshop_id)
    visible = _visible(db, workshop_id)
    personas = {p.id: p.name for p in db.scalars(select(WorkshopPersona).where(WorkshopPersona.workshop_id == workshop_id))}
    groups = {g.id: g.name for g in db.scalars(select(Group).where(Group.workshop_id == workshop_id))}
    out = []
    for t in board.themes:
        members = tuple(
            ReportThemeMember(
                id=cid,
                text=visible[cid].text,
                kind=visible[cid].kind.value,
                persona=personas.get(visible[cid].persona_id, "") if visible[cid].persona_id is not None else "",  # type: ignore[arg-type]
                group=groups.get(visible[cid].group_id, ""),
            )
            for cid in t.member_ids
        )
        names = tuple(personas[p] for p in t.persona_ids if p in personas)
        per = tuple((n, sum(1 for m in members if m.persona == n)) for n in names)
        out.append(ReportTheme(t.name, t.position, t.origin, names, members, per))
    return out


def theme_names_by_contribution(db: Session, workshop_id: int) -> dict[int, str]:
    """Contribution id → the name of its theme (for the report's table column)."""
    return {
        cid: name
        for cid, name in db.execute(
            select(ThemeMember.contribution_id, Theme.name)
            .join(Theme, Theme.id == ThemeMember.theme_id)
            .where(Theme.workshop_id == workshop_id)
        ).all()
    }


