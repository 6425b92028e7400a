"""The facilitator's theme board: named themes grouping contributions across personas, and the suggestion workflow.

Entities (migration 0006):

- :class:`Theme`: a named group on one workshop's board, in board order (``position``), made by hand
  (``origin`` manual) or from an accepted suggestion (``suggested``).
- :class:`ThemeMember`: a contribution in a theme. The contribution id is the primary key, so **a
  contribution belongs to at most one theme**. That is the board's metaphor (a card lies in one place and
  dragging it moves it), it keeps the report's counts honest (the themes' counts add up to the grouped
  contributions, nothing is counted twice), and "ungrouped" is simply "in no theme". Deleting a theme
  deletes its memberships: its contributions are ungrouped again, never deleted.
- :class:`SuggestedTheme`: a suggestion from :mod:`sessions.themes`, stored so that both facilitators
  see the same list and accept, split or reject the same thing. A rejected one is kept for good: the
  next refresh leaves out any suggestion whose member set overlaps a rejected one by at least
  :data:`REJECTED_OVERLAP` (Jaccard), so a rejected suggestion does not come back with one contribution
  more or less.
- :class:`ThemeBoard`: one row per workshop with the board's ``revision`` (every change takes the next
  one, so clients apply the newest state and ignore an older one that arrives late) and the number of
  the latest suggestion ``batch``. Every board write locks this row (PostgreSQL; SQLite has one writer),
  so two facilitators' changes are serialized.

Visibility comes from :func:`sessions.contributions.visible.contributions`, the one place that decides it: only
visible contributions are shown, grouped, suggested or reported. A member that a facilitator hides or
merges away stays a member (and is back in its theme when it is shown again) but appears nowhere.

The suggester runs only when a facilitator asks (:func:`refresh_suggestions`), on the visible
contributions that are in no theme; its CPU-bound part is a pure function that the web layer may run
off the event loop. Nothing here imports Flask.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from sessions.contributions.models import Contribution
from sessions.core.base import utcnow
from sessions.core.errors import (
    ContributionHidden,
    NotFound,
    ValidationFailed,
)
from sessions.core.store import write_transaction
from sessions.core.validation import clean_text, is_id
from sessions.themes.models import (
    MAX_THEME_NAME,
    MAX_THEMES,
    Theme,
    ThemeBoard,
    ThemeMember,
    ThemeOrigin,
)

T = TypeVar("T")



# -- board operations --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardChange:
    """What a board operation did: whether anything changed, the board's revision, the theme(s) it touched."""

    workshop_id: int
    changed: bool
    revision: int
    themes: tuple[Theme, ...] = ()
    detail: str = ""  # e.g. "ungrouped" for an assign to no theme

    @property
    def theme(self) -> Theme | None:
        return self.themes[0] if self.themes else None


def _lock_board(db: Session, workshop_id: int) -> ThemeBoard:
    """The workshop's board row (created on first use), locked for this transaction on PostgreSQL."""
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.execute(
        insert(ThemeBoard)
        .values(workshop_id=workshop_id, revision=0, batch=0)
        .on_conflict_do_nothing(index_elements=["workshop_id"])
    )
    board = db.scalar(
        select(ThemeBoard)
        .where(ThemeBoard.workshop_id == workshop_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert board is not None
    return board


def _theme_name(value: object, field: str = "theme_name") -> str:
    return clean_text(value, field, max_len=MAX_THEME_NAME, multiline=False)


def _themes(db: Session, workshop_id: int) -> list[Theme]:
    return list(db.scalars(select(Theme).where(Theme.workshop_id == workshop_id).order_by(Theme.position, Theme.id)))


def _theme(db: Session, workshop_id: int, theme_id: object) -> Theme:
    t = db.get(Theme, theme_id) if is_id(theme_id) else None
    if t is None or t.workshop_id != workshop_id:
        raise NotFound("no such theme")
    return t


def _check_name_free(existing: Sequence[Theme], name: str, field: str = "theme_name", *, but: Theme | None = None) -> None:
    folded = name.casefold()
    if any(t.name.casefold() == folded and t is not but for t in existing):
        raise ValidationFailed(field, "theme_exists", name=name)


def _check_room(existing: Sequence[Theme], adding: int = 1) -> None:
    if len(existing) + adding > MAX_THEMES:
        raise ValidationFailed("theme_name", "too_many_themes", max=MAX_THEMES)


def _contribution(db: Session, workshop_id: int, contribution_id: object) -> Contribution:
    """A contribution the board may show: of this workshop, not deleted, not merged away, not hidden."""
    c = db.get(Contribution, contribution_id) if is_id(contribution_id) else None
    if c is None or c.workshop_id != workshop_id or c.deleted or c.merged_into_id is not None:
        raise NotFound("no such contribution")
    if c.hidden:
        raise ContributionHidden()
    return c


def _parse_ids(values: object, field: str) -> list[int]:
    """A list of ids (order kept, duplicates dropped); strings of digits from forms are accepted."""
    if values is None:
        return []
    if not isinstance(values, (list, tuple)):
        raise ValidationFailed(field, "not_a_list_of_ids")
    out: list[int] = []
    for v in values:
        if isinstance(v, str) and v.strip().isdigit():
            v = int(v.strip())
        if not is_id(v):
            raise ValidationFailed(field, "not_a_list_of_ids")
        assert isinstance(v, int)
        if v not in out:
            out.append(v)
    return out


def _put(db: Session, theme: Theme, contribution: Contribution, now: dt.datetime) -> bool:
    """Make ``contribution`` a member of ``theme`` (moving it out of any other). False if it already was."""
    m = db.get(ThemeMember, contribution.id)
    if m is None:
        db.add(ThemeMember(contribution_id=contribution.id, theme_id=theme.id, added_at=now))
        return True
    if m.theme_id == theme.id:
        return False
    m.theme_id = theme.id
    m.added_at = now
    return True


def _renumber(themes: Sequence[Theme]) -> None:
    for i, t in enumerate(themes):
        if t.position != i:
            t.position = i


def create_theme(
    db: Session,
    ws: Any,
    name: object,
    contribution_ids: object = None,
    *,
    origin: ThemeOrigin = ThemeOrigin.manual,
    default_name: Callable[[int], str] | None = None,
) -> BoardChange:
    """A new theme at the end of the board, optionally with contributions moved into it at once.

    Without a ``name`` (``None``) and with ``default_name`` (``n`` → e.g. «Theme n», in the caller's
    language), the theme takes the first such name not on the board, chosen under the board's lock so two
    facilitators clicking at once never make two themes of the same name."""
    the_name = None if name is None and default_name is not None else _theme_name(name)
    ids = _parse_ids(contribution_ids, "contribution_ids")
    now = utcnow()
    with write_transaction(db):
        board = _lock_board(db, ws.id)
        existing = _themes(db, ws.id)
        _check_room(existing)
        if the_name is None:
            assert default_name is not None
            the_name = _free_name(existing, default_name)
        _check_name_free(existing, the_name)
        theme = Theme(workshop_id=ws.id, name=the_name, position=len(existing), origin=origin, created_at=now)
        db.add(theme)
        db.flush()
        for cid in ids:
            _put(db, theme, _contribution(db, ws.id, cid), now)
        board.revision += 1
    return BoardChange(board.workshop_id, True, board.revision, (theme,))


def _free_name(existing: Sequence[Theme], default_name: Callable[[int], str]) -> str:
    """``default_name(n)`` for the first ``n`` from the number of themes + 1 whose name is free."""
    taken = {t.name.casefold() for t in existing}
    n = len(taken) + 1
    while default_name(n).casefold() in taken:
        n += 1
    return _theme_name(default_name(n))


def rename_theme(db: Session, ws: Any, theme_id: object, name: object) -> BoardChange:
    return update_theme(db, ws, theme_id, name=name)


def move_theme(db: Session, ws: Any, theme_id: object, to_position: object) -> BoardChange:
    """Put a theme at ``to_position`` (0 = first) in the board's order."""
    return update_theme(db, ws, theme_id, position=to_position)


_UNSET: Any = object()


def update_theme(db: Session, ws: Any, theme_id: object, *, name: object = _UNSET, position: object = _UNSET) -> BoardChange:
    """Rename and/or move a theme in one transaction (everything is checked before anything is stored)."""
    the_name = None if name is _UNSET else _theme_name(name)
    if position is not _UNSET and (not isinstance(position, int) or isinstance(position, bool)):
        raise ValidationFailed("position", "not_a_number")
    with write_transaction(db):
        board = _lock_board(db, ws.id)
        theme = _theme(db, ws.id, theme_id)
        order = _themes(db, ws.id)
        changed = False
        if position is not _UNSET:
            assert isinstance(position, int)
            if not 0 <= position < len(order):
                raise ValidationFailed("position", "out_of_range", min=0, max=len(order) - 1)
            if order.index(theme) != position:
                order.remove(theme)
                order.insert(position, theme)
                _renumber(order)
                changed = True
        if the_name is not None and theme.name != the_name:
            _check_name_free(order, the_name, but=theme)
            theme.name = the_name
            changed = True
        if not changed:
            return BoardChange(board.workshop_id, False, board.revision, (theme,))
        board.revision += 1
    return BoardChange(board.workshop_id, True, board.revision, (theme,))


def shift_theme(db: Session, ws: Any, theme_id: object, offset: int) -> BoardChange:
    """Move a theme ``offset`` places (-1: one up); at the top or bottom of the board nothing changes."""
    with write_transaction(db):
        board = _lock_board(db, ws.id)
        theme = _theme(db, ws.id, theme_id)
        order = _themes(db, ws.id)
        target = order.index(theme) + offset
        if offset == 0 or not 0 <= target < len(order):
            return BoardChange(board.workshop_id, False, board.revision, (theme,))
        order.remove(theme)
        order.insert(target, theme)
        _renumber(order)
        board.revision += 1
    return BoardChange(board.workshop_id, True, board.revision, (theme,))


def delete_theme(db: Session, ws: Any, theme_id: object) -> BoardChange:
    """Delete a theme. Its contributions are ungrouped again (they are never deleted)."""
    with write_transaction(db):
        board = _lock_board(db, ws.id)
        theme = _theme(db, ws.id, theme_id)
        db.execute(delete(ThemeMember).where(ThemeMember.theme_id == theme.id))
        db.delete(theme)
        db.flush()
        _renumber(_themes(db, ws.id))
        board.revision += 1
    return BoardChange(board.workshop_id, True, board.revision, (theme,))


def assign(db: Session, ws: Any, contribution_id: object, theme_id: object) -> BoardChange:
    """Put a contribution into a theme (moving it from another), or with ``theme_id`` None back to ungrouped.

    Only a visible contribution can be placed: a hidden one gives ``contribution_hidden``, a deleted or
    merged-away one (or one of another workshop) ``not_found``. Asking for what is already so changes
    nothing (``changed`` False, no new revision).
    """
    now = utcnow()
    with write_transaction(db):
        board = _lock_board(db, ws.id)
        c = _contribution(db, ws.id, contribution_id)
        if theme_id is None:
            m = db.get(ThemeMember, c.id)
            if m is None:
                return BoardChange(board.workshop_id, False, board.revision, (), "ungrouped")
            db.delete(m)
            board.revision += 1
            return BoardChange(board.workshop_id, True, board.revision, (), "ungrouped")
        theme = _theme(db, ws.id, theme_id)
        if not _put(db, theme, c, now):
            return BoardChange(board.workshop_id, False, board.revision, (theme,))
        board.revision += 1
    return BoardChange(board.workshop_id, True, board.revision, (theme,))


