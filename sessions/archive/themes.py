"""The theme board in the workshop archive."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    select,
)
from sqlalchemy.orm import Session

from sessions.contributions.models import Contribution
from sessions.core.base import utcnow
from sessions.core.errors import ValidationFailed
from sessions.themes.models import MAX_THEMES, Theme, ThemeMember, ThemeOrigin
from sessions.themes.service import _theme_name, _themes

# -- the workshop archive (sessions/archive/) ------------------------------------------------------


def export_for_archive(db: Session, workshop_id: int) -> list[dict[str, str]]:
    """The themes in board order, ``[{"name", "origin"}]``; each archived contribution names its theme."""
    return [{"name": t.name, "origin": t.origin.value} for t in _themes(db, workshop_id)]


@dataclass(frozen=True)
class ArchivedThemes:
    """Themes read from an archive: (name, origin) in board order, and each contribution's theme (an index)."""

    themes: tuple[tuple[str, ThemeOrigin], ...]
    member_of: tuple[int | None, ...]  # per contribution, in archive order


def parse_archive(themes: object, contribution_themes: Sequence[object]) -> ArchivedThemes:
    """Validate the archive's ``themes`` and the contributions' ``theme`` names (nothing is stored here).

    A contribution may name a theme the list lacks (an archive written by hand): it is added at the end.
    """
    def bad(where: str) -> ValidationFailed:
        return ValidationFailed("archive", "bad_archive", where=where)

    if themes is None:
        themes = []
    if not isinstance(themes, list) or len(themes) > MAX_THEMES:
        raise bad("themes")
    out: list[tuple[str, ThemeOrigin]] = []
    index: dict[str, int] = {}
    for i, t in enumerate(themes):
        if not isinstance(t, dict):
            raise bad(f"themes[{i}]")
        try:
            name = _theme_name(t.get("name"))
            origin = ThemeOrigin(t.get("origin", "manual"))
        except (ValidationFailed, ValueError):
            raise bad(f"themes[{i}]") from None
        if name.casefold() in index:
            raise bad(f"themes[{i}].name")
        index[name.casefold()] = len(out)
        out.append((name, origin))
    member_of: list[int | None] = []
    for i, value in enumerate(contribution_themes):
        if value is None:
            member_of.append(None)
            continue
        try:
            name = _theme_name(value)
        except ValidationFailed:
            raise bad(f"contributions[{i}].theme") from None
        if name.casefold() not in index:
            if len(out) >= MAX_THEMES:
                raise bad(f"contributions[{i}].theme")
            index[name.casefold()] = len(out)
            out.append((name, ThemeOrigin.manual))
        member_of.append(index[name.casefold()])
    return ArchivedThemes(tuple(out), tuple(member_of))


def import_from_archive(db: Session, ws: Any, archived: ArchivedThemes) -> None:
    """Inside the import's transaction: the themes, and the imported contributions (numbered 1, 2, … in
    archive order by ``seq``) put into them."""
    if not archived.themes:
        return
    db.flush()
    now = utcnow()
    made = []
    for position, (name, origin) in enumerate(archived.themes):
        theme = Theme(workshop_id=ws.id, name=name, position=position, origin=origin, created_at=now)
        db.add(theme)
        made.append(theme)
    db.flush()
    by_seq = dict(db.execute(select(Contribution.seq, Contribution.id).where(Contribution.workshop_id == ws.id)).all())
    for seq, which in enumerate(archived.member_of, start=1):
        if which is not None:
            db.add(ThemeMember(contribution_id=by_seq[seq], theme_id=made[which].id, added_at=now))
