"""Theme suggestions on the board: run the suggester on ungrouped contributions, accept, split, merge, add to
an existing theme, reject."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import (
    delete,
    select,
)
from sqlalchemy.orm import Session

from sessions.contributions.models import Contribution
from sessions.core.base import utcnow
from sessions.core.errors import NotFound, SuggestionGone, ValidationFailed
from sessions.core.store import write_transaction
from sessions.core.validation import is_id
from sessions.themes.board import _memberships, _visible
from sessions.themes.models import (
    MAX_THEME_NAME,
    MIN_SUGGESTION_MEMBERS,
    REJECTED_OVERLAP,
    SuggestedTheme,
    SuggestionStatus,
    Theme,
    ThemeMember,
    ThemeOrigin,
)
from sessions.themes.nearest import nearest_themes
from sessions.themes.service import (
    BoardChange,
    T,
    _check_name_free,
    _check_room,
    _lock_board,
    _parse_ids,
    _put,
    _theme,
    _theme_name,
    _themes,
)
from sessions.themes.suggest import ThemeInput, suggest_themes
from sessions.workshops.models import WorkshopPersona

# -- suggestions -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SuggestionInput:
    """What the suggester needs: the visible, ungrouped contributions, the personas' names, rejected sets."""

    items: tuple[Any, ...]  # sessions.themes.ThemeInput
    persona_names: tuple[str, ...]
    rejected: tuple[frozenset[int], ...]
    # The existing themes' visible members (theme id → ThemeInputs), in board order: what a suggestion may
    # resemble (sessions.themes.nearest).
    themed: tuple[tuple[int, tuple[Any, ...]], ...] = ()


def suggestion_input(db: Session, workshop_id: int) -> SuggestionInput:
    visible = _visible(db, workshop_id)
    memberships = _memberships(db, workshop_id)
    grouped = {cid for _tid, cid in memberships}
    personas = {p.id: p for p in db.scalars(select(WorkshopPersona).where(WorkshopPersona.workshop_id == workshop_id))}

    def as_input(c: Contribution) -> ThemeInput:
        persona = personas[c.persona_id].key if c.persona_id in personas else f"p{c.persona_id}"
        return ThemeInput(id=c.id, text=c.text, persona=persona, kind=c.kind.value)

    items = tuple(as_input(c) for c in visible.values() if c.id not in grouped)
    themed: dict[int, list[ThemeInput]] = {t.id: [] for t in _themes(db, workshop_id)}
    for tid, cid in memberships:
        if cid in visible and tid in themed:
            themed[tid].append(as_input(visible[cid]))
    rejected = tuple(
        frozenset(ids)
        for ids in db.scalars(
            select(SuggestedTheme.member_ids).where(
                SuggestedTheme.workshop_id == workshop_id, SuggestedTheme.status == SuggestionStatus.rejected
            )
        )
    )
    return SuggestionInput(
        items,
        tuple(sorted(p.name for p in personas.values())),
        rejected,
        tuple((tid, tuple(members)) for tid, members in themed.items() if members),
    )


def overlap(a: frozenset[int], b: frozenset[int]) -> float:
    """Jaccard similarity of two member sets."""
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def compute_suggestions(data: SuggestionInput) -> list[Any]:
    """Run the suggester (pure, CPU-bound: the web layer may run it off the event loop), leave out
    suggestions that a facilitator rejected before, and name the existing theme each one resembles."""

    found = [
        s
        for s in suggest_themes(data.items, persona_names=data.persona_names)
        if not any(overlap(frozenset(int(i) for i in s.member_ids), r) >= REJECTED_OVERLAP for r in data.rejected)
    ]
    near = nearest_themes(found, data.items, dict(data.themed), persona_names=data.persona_names)
    return [replace(s, near_theme=tid, near_words=words) for s, (tid, words) in zip(found, near, strict=True)]


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
                    shared_words=list(s.shared_words),
                    confidence=float(s.confidence),
                    near_theme_id=getattr(s, "near_theme", None),
                    near_words=list(getattr(s, "near_words", ())),
                    status=SuggestionStatus.pending,
                    created_at=now,
                )
            )
        board.suggested_at = now
        board.revision += 1
    return BoardChange(board.workshop_id, True, board.revision, (), str(len(found)))


def refresh_suggestions(db: Session, ws: Any, run: Callable[[Callable[[], T]], T] | None = None) -> BoardChange:
    """Suggest themes among the visible contributions that are in no theme (on request, never by itself).

    ``run`` executes the CPU-bound part (e.g. in a thread pool under gevent); by default it runs here.
    """
    data = suggestion_input(db, ws.id)
    if db.in_transaction():
        db.rollback()  # no read snapshot held open while the suggester runs
    found = (run or (lambda f: f()))(lambda: compute_suggestions(data))
    return replace_suggestions(db, ws, found)


def _require_id(value: object, field: str) -> None:
    """``required`` when ``value`` is missing or empty, ``not_a_number`` when it is not an id."""
    if value in (None, ""):
        raise ValidationFailed(field, "required")
    if not is_id(value):
        raise ValidationFailed(field, "not_a_number")


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
    return BoardChange(board.workshop_id, True, board.revision, (theme,))


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
    return BoardChange(board.workshop_id, True, board.revision, tuple(made))


def add_suggestion_to_theme(db: Session, ws: Any, suggestion_id: object, theme_id: object) -> BoardChange:
    """Put a suggestion's members that are still visible and ungrouped into the existing theme ``theme_id``
    (its name stays); the suggestion counts as accepted. ``suggestion_gone`` if it was handled or replaced,
    or too few members remain; ``theme_id`` missing, not a number or another workshop's: nothing changes."""
    _require_id(theme_id, "theme_id")
    now = utcnow()
    with write_transaction(db):
        board = _lock_board(db, ws.id)
        s = _pending(db, ws.id, suggestion_id)
        theme = _theme(db, ws.id, theme_id)
        members = _free_members(db, ws.id, s)
        if len(members) < MIN_SUGGESTION_MEMBERS:
            raise SuggestionGone(reason="stale")
        for c in members:
            _put(db, theme, c, now)
        s.status = SuggestionStatus.accepted
        s.decided_at = now
        board.revision += 1
    return BoardChange(board.workshop_id, True, board.revision, (theme,), str(len(members)))


def reject_suggestion(db: Session, ws: Any, suggestion_id: object) -> BoardChange:
    """Reject a suggestion: it is kept as rejected, and later refreshes leave out anything like it."""
    with write_transaction(db):
        board = _lock_board(db, ws.id)
        s = _pending(db, ws.id, suggestion_id)
        s.status = SuggestionStatus.rejected
        s.decided_at = utcnow()
        board.revision += 1
    return BoardChange(board.workshop_id, True, board.revision)




def merge_suggestions(db: Session, ws: Any, suggestion_id: object, other_id: object, name: object = None) -> BoardChange:
    """Merge the pending suggestion ``other_id`` into ``suggestion_id`` (the target): one new pending
    suggestion takes the target's place, and both become ``merged`` (acting on either from an older page
    gets ``suggestion_gone``).

    Members are united (the target's first, in their order), ``name`` names it (None: the target's),
    shared words are united in order (the target's first). The confidence is the lower of the two: the
    suggester's confidence is how alike a group's members are, and it kept these two groups apart because
    they are less alike across than within, so the united group is at most as sure as its looser part (a
    weighted mean would show a group it never proposed as surer than that).
    ``change.detail`` is the new suggestion's id.
    """
    the_name = None if name is None else _theme_name(name)
    _require_id(other_id, "merge_with")
    if other_id == suggestion_id:
        raise ValidationFailed("merge_with", "same_suggestion")
    now = utcnow()
    with write_transaction(db):
        board = _lock_board(db, ws.id)
        target = _pending(db, ws.id, suggestion_id)
        other = _pending(db, ws.id, other_id)
        for s in (target, other):
            if len(_free_members(db, ws.id, s)) < MIN_SUGGESTION_MEMBERS:
                raise SuggestionGone(reason="stale")
        merged = SuggestedTheme(
            workshop_id=ws.id,
            batch=target.batch,
            position=target.position,
            name=the_name or target.name,
            member_ids=list(dict.fromkeys([*target.member_ids, *other.member_ids])),
            shared_words=list(dict.fromkeys([*(target.shared_words or []), *(other.shared_words or [])])),
            confidence=min(float(target.confidence or 0.0), float(other.confidence or 0.0)),
            status=SuggestionStatus.pending,
            created_at=now,
        )
        db.add(merged)
        for s in (target, other):
            s.status = SuggestionStatus.merged
            s.decided_at = now
        db.flush()
        board.revision += 1
    return BoardChange(board.workshop_id, True, board.revision, (), str(merged.id))
