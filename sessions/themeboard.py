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

Visibility comes from :func:`sessions.participation.contributions`, the one place that decides it: only
visible contributions are shown, grouped, suggested or reported. A member that a facilitator hides or
merges away stays a member (and is back in its theme when it is shown again) but appears nowhere.

The suggester runs only when a facilitator asks (:func:`refresh_suggestions`), on the visible
contributions that are in no theme; its CPU-bound part is a pure function that the web layer may run
off the event loop. Nothing here imports Flask.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import JSON, DateTime, Enum, ForeignKey, Integer, String, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from .errors import ContributionHidden, NotFound, SuggestionGone, ValidationFailed
from .models import Base, Contribution, Group, WorkshopPersona, utcnow
from .store import write_transaction
from .validation import clean_text, is_id

T = TypeVar("T")

MAX_THEME_NAME = 80
MAX_THEMES = 100
# A new suggestion whose members overlap a rejected one's this much (|A ∩ B| / |A ∪ B|) is left out.
REJECTED_OVERLAP = 0.5
# Suggestions with fewer members that are still visible and ungrouped are not shown (nor accepted).
MIN_SUGGESTION_MEMBERS = 2


class ThemeOrigin(str, enum.Enum):
    manual = "manual"
    suggested = "suggested"


class SuggestionStatus(str, enum.Enum):
    pending = "pending"
    accepted = "accepted"
    rejected = "rejected"
    superseded = "superseded"  # a newer refresh replaced it


class Theme(Base):
    """A named theme on a workshop's board."""

    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(MAX_THEME_NAME))
    position: Mapped[int] = mapped_column(Integer, default=0)
    origin: Mapped[ThemeOrigin] = mapped_column(
        Enum(ThemeOrigin, native_enum=False, length=16), default=ThemeOrigin.manual
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ThemeMember(Base):
    """A contribution in a theme; the contribution is the key, so it is in at most one theme."""

    __tablename__ = "theme_members"

    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id", ondelete="CASCADE"), primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"), index=True)
    # Members are listed in the order they were put into the theme.
    added_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class SuggestedTheme(Base):
    """A theme the suggester proposed: its name and members as proposed, and what became of it."""

    __tablename__ = "suggested_themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    batch: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(MAX_THEME_NAME))
    # Contribution ids as proposed (kept as they were: a rejected set is compared with later ones).
    member_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    status: Mapped[SuggestionStatus] = mapped_column(
        Enum(SuggestionStatus, native_enum=False, length=16), default=SuggestionStatus.pending
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None)


class ThemeBoard(Base):
    """Per workshop: the board's revision (one step per change) and the latest suggestion batch."""

    __tablename__ = "theme_boards"

    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    batch: Mapped[int] = mapped_column(Integer, default=0)
    suggested_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None)


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

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "member_ids": list(self.member_ids), "persona_ids": list(self.persona_ids)}


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

    @property
    def theme_of(self) -> dict[int, int]:
        """Visible contribution id → its theme's id."""
        return {cid: t.id for t in self.themes for cid in t.member_ids}


def _visible(db: Session, workshop_id: int) -> dict[int, Contribution]:
    from .participation import contributions

    return {c.id: c for c in contributions(db, workshop_id)}


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
        if len(now_members) >= MIN_SUGGESTION_MEMBERS:
            suggestions.append(SuggestionView(s.id, s.name, now_members, _personas_of(now_members, visible, order)))
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


# -- board operations --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardChange:
    """What a board operation did: whether anything changed, the board's revision, the theme(s) it touched."""

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
    db: Session, ws: Any, name: object, contribution_ids: object = None, *, origin: ThemeOrigin = ThemeOrigin.manual
) -> BoardChange:
    """A new theme at the end of the board, optionally with contributions moved into it at once."""
    the_name = _theme_name(name)
    ids = _parse_ids(contribution_ids, "contribution_ids")
    now = utcnow()
    with write_transaction(db):
        board = _lock_board(db, ws.id)
        existing = _themes(db, ws.id)
        _check_room(existing)
        _check_name_free(existing, the_name)
        theme = Theme(workshop_id=ws.id, name=the_name, position=len(existing), origin=origin, created_at=now)
        db.add(theme)
        db.flush()
        for cid in ids:
            _put(db, theme, _contribution(db, ws.id, cid), now)
        board.revision += 1
    return BoardChange(True, board.revision, (theme,))


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
            return BoardChange(False, board.revision, (theme,))
        board.revision += 1
    return BoardChange(True, board.revision, (theme,))


def shift_theme(db: Session, ws: Any, theme_id: object, offset: int) -> BoardChange:
    """Move a theme ``offset`` places (-1: one up); at the top or bottom of the board nothing changes."""
    with write_transaction(db):
        board = _lock_board(db, ws.id)
        theme = _theme(db, ws.id, theme_id)
        order = _themes(db, ws.id)
        target = order.index(theme) + offset
        if offset == 0 or not 0 <= target < len(order):
            return BoardChange(False, board.revision, (theme,))
        order.remove(theme)
        order.insert(target, theme)
        _renumber(order)
        board.revision += 1
    return BoardChange(True, board.revision, (theme,))


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
    return BoardChange(True, board.revision, (theme,))


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
                return BoardChange(False, board.revision, (), "ungrouped")
            db.delete(m)
            board.revision += 1
            return BoardChange(True, board.revision, (), "ungrouped")
        theme = _theme(db, ws.id, theme_id)
        if not _put(db, theme, c, now):
            return BoardChange(False, board.revision, (theme,))
        board.revision += 1
    return BoardChange(True, board.revision, (theme,))


# -- suggestions -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SuggestionInput:
    """What the suggester needs: the visible, ungrouped contributions, the personas' names, rejected sets."""

    items: tuple[Any, ...]  # sessions.themes.ThemeInput
    persona_names: tuple[str, ...]
    rejected: tuple[frozenset[int], ...]


def suggestion_input(db: Session, workshop_id: int) -> SuggestionInput:
    from .themes import ThemeInput

    visible = _visible(db, workshop_id)
    grouped = {cid for _tid, cid in _memberships(db, workshop_id)}
    personas = {p.id: p for p in db.scalars(select(WorkshopPersona).where(WorkshopPersona.workshop_id == workshop_id))}
    items = tuple(
        ThemeInput(
            id=c.id,
            text=c.text,
            persona=personas[c.persona_id].key if c.persona_id in personas else f"p{c.persona_id}",
            kind=c.kind.value,
        )
        for c in visible.values()
        if c.id not in grouped
    )
    rejected = tuple(
        frozenset(ids)
        for ids in db.scalars(
            select(SuggestedTheme.member_ids).where(
                SuggestedTheme.workshop_id == workshop_id, SuggestedTheme.status == SuggestionStatus.rejected
            )
        )
    )
    return SuggestionInput(items, tuple(sorted(p.name for p in personas.values())), rejected)


def overlap(a: frozenset[int], b: frozenset[int]) -> float:
    """Jaccard similarity of two member sets."""
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def compute_suggestions(data: SuggestionInput) -> list[Any]:
    """Run the suggester (pure, CPU-bound: the web layer may run it off the event loop) and leave out
    suggestions that a facilitator rejected before."""
    from .themes import suggest_themes

    found = suggest_themes(data.items, persona_names=data.persona_names)
    return [
        s
        for s in found
        if not any(overlap(frozenset(int(i) for i in s.member_ids), r) >= REJECTED_OVERLAP for r in data.rejected)
    ]


def _proposed_name(name: str) -> str:
    name = name.strip()[:MAX_THEME_NAME]
    return name[:1].upper() + name[1:]


def replace_suggestions(db: Session, ws: Any, found: Sequence[Any]) -> BoardChange:
    """Store a new batch of suggestions in place of the pending ones.

    Pending suggestions of the previous batch become ``superseded`` (a facilitator acting on one from an
    old page gets ``suggestion_gone``); older non-rejected rows are dropped; rejected ones stay for good.
    """
    now = utcnow()
    with write_transaction(db):
        board = _lock_board(db, ws.id)
        board.batch += 1
        db.execute(
            delete(SuggestedTheme).where(
                SuggestedTheme.workshop_id == ws.id,
                SuggestedTheme.batch < board.batch - 1,
                SuggestedTheme.status != SuggestionStatus.rejected,
            )
        )
        for old in db.scalars(
            select(SuggestedTheme).where(SuggestedTheme.workshop_id == ws.id, SuggestedTheme.status == SuggestionStatus.pending)
        ):
            old.status = SuggestionStatus.superseded
        for i, s in enumerate(found):
            db.add(
                SuggestedTheme(
                    workshop_id=ws.id,
                    batch=board.batch,
                    position=i,
                    name=_proposed_name(s.name),
                    member_ids=[int(m) for m in s.member_ids],
                    status=SuggestionStatus.pending,
                    created_at=now,
                )
            )
        board.suggested_at = now
        board.revision += 1
    return BoardChange(True, board.revision, (), str(len(found)))


def refresh_suggestions(db: Session, ws: Any, run: Callable[[Callable[[], T]], T] | None = None) -> BoardChange:
    """Suggest themes among the visible contributions that are in no theme (on request, never by itself).

    ``run`` executes the CPU-bound part (e.g. in a thread pool under gevent); by default it runs here.
    """
    data = suggestion_input(db, ws.id)
    if db.in_transaction():
        db.rollback()  # no read snapshot held open while the suggester runs
    found = (run or (lambda f: f()))(lambda: compute_suggestions(data))
    return replace_suggestions(db, ws, found)


def _pending(db: Session, workshop_id: int, suggestion_id: object) -> SuggestedTheme:
    s = db.get(SuggestedTheme, suggestion_id) if is_id(suggestion_id) else None
    if s is None or s.workshop_id != workshop_id:
        raise NotFound("no such suggestion")
    if s.status != SuggestionStatus.pending:
        raise SuggestionGone(reason=s.status.value)
    return s


def _free_members(db: Session, workshop_id: int, s: SuggestedTheme) -> list[Contribution]:
    """The suggestion's members that are still visible and in no theme, in the suggested order."""
    out = []
    for cid in s.member_ids:
        c = db.get(Contribution, cid)
        if (
            c is not None
            and c.workshop_id == workshop_id
            and not (c.deleted or c.hidden or c.merged_into_id is not None)
            and db.get(ThemeMember, cid) is None
        ):
            out.append(c)
    return out


def accept_suggestion(db: Session, ws: Any, suggestion_id: object, name: object = None) -> BoardChange:
    """Make a theme of a suggestion, named ``name`` (None: the proposed name), with its members that are
    still visible and ungrouped. ``suggestion_gone`` if it was handled or replaced, or too few remain."""
    the_name = None if name is None else _theme_name(name)
    now = utcnow()
    with write_transaction(db):
        board = _lock_board(db, ws.id)
        s = _pending(db, ws.id, suggestion_id)
        members = _free_members(db, ws.id, s)
        if len(members) < MIN_SUGGESTION_MEMBERS:
            raise SuggestionGone(reason="stale")
        the_name = the_name or s.name
        existing = _themes(db, ws.id)
        _check_room(existing)
        _check_name_free(existing, the_name)
        theme = Theme(workshop_id=ws.id, name=the_name, position=len(existing), origin=ThemeOrigin.suggested, created_at=now)
        db.add(theme)
        db.flush()
        for c in members:
            _put(db, theme, c, now)
        s.status = SuggestionStatus.accepted
        s.decided_at = now
        board.revision += 1
    return BoardChange(True, board.revision, (theme,))


def split_suggestion(
    db: Session, ws: Any, suggestion_id: object, split_ids: object, name: object = None, second_name: object = None
) -> BoardChange:
    """Accept a suggestion as two themes: ``split_ids`` (some of its members) go into the second one.

    ``name`` names the first theme (None: the proposed name), ``second_name`` the second (None or empty:
    the first name with " (2)"). Both themes need at least one member.
    """
    ids = _parse_ids(split_ids, "split")
    first_name = None if name is None else _theme_name(name)
    second = None if second_name in (None, "") else _theme_name(second_name, "second_theme_name")
    now = utcnow()
    with write_transaction(db):
        board = _lock_board(db, ws.id)
        s = _pending(db, ws.id, suggestion_id)
        if any(i not in s.member_ids for i in ids):
            raise ValidationFailed("split", "not_in_suggestion")
        members = _free_members(db, ws.id, s)
        part_two = [c for c in members if c.id in ids]
        part_one = [c for c in members if c.id not in ids]
        if not part_one or not part_two:
            raise ValidationFailed("split", "split_needs_both")
        first_name = first_name or s.name
        second = second or f"{first_name[: MAX_THEME_NAME - 4]} (2)"
        if second.casefold() == first_name.casefold():
            raise ValidationFailed("second_theme_name", "theme_exists", name=second)
        existing = _themes(db, ws.id)
        _check_room(existing, 2)
        _check_name_free(existing, first_name)
        _check_name_free(existing, second, "second_theme_name")
        made = []
        for offset, (the_name, part) in enumerate(((first_name, part_one), (second, part_two))):
            theme = Theme(
                workshop_id=ws.id, name=the_name, position=len(existing) + offset, origin=ThemeOrigin.suggested, created_at=now
            )
            db.add(theme)
            db.flush()
            for c in part:
                _put(db, theme, c, now)
            made.append(theme)
        s.status = SuggestionStatus.accepted
        s.decided_at = now
        board.revision += 1
    return BoardChange(True, board.revision, tuple(made))


def reject_suggestion(db: Session, ws: Any, suggestion_id: object) -> BoardChange:
    """Reject a suggestion: it is kept as rejected, and later refreshes leave out anything like it."""
    with write_transaction(db):
        board = _lock_board(db, ws.id)
        s = _pending(db, ws.id, suggestion_id)
        s.status = SuggestionStatus.rejected
        s.decided_at = utcnow()
        board.revision += 1
    return BoardChange(True, board.revision)


# -- for the report ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportThemeMember:
    """One contribution of a theme as the report shows it (never who wrote it)."""

    id: int
    text: str
    kind: str  # "need" or "solution"
    persona: str  # the persona's name ("" if the persona was removed)
    group: str  # the group's (table's) name


@dataclass(frozen=True)
class ReportTheme:
    """A theme for the report, in board order: its name, the personas its contributions span and its
    visible contributions (hidden, merged-away and deleted ones are left out), with counts."""

    name: str
    position: int
    origin: str  # "manual" or "suggested"
    personas: tuple[str, ...]  # names, in the workshop's persona order
    contributions: tuple[ReportThemeMember, ...]
    per_persona: tuple[tuple[str, int], ...]  # (persona name, contributions), in the same order as ``personas``

    @property
    def count(self) -> int:
        return len(self.contributions)

    @property
    def needs(self) -> int:
        return sum(1 for c in self.contributions if c.kind == "need")

    @property
    def solutions(self) -> int:
        return sum(1 for c in self.contributions if c.kind == "solution")

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


# -- the workshop archive (sessions/archive.py) ------------------------------------------------------


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
