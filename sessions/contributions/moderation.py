"""Moderation by the workshop's facilitators, and what the projector wall shows.

Nothing here ever reads or reveals who wrote a contribution. Every change to a contribution's visible
state takes the workshop's next sequence number, so phones, walls and dashboards that reconnect catch up:

- **hide / unhide**: a hidden contribution disappears from phones, walls and the report; it stays in the
  archive and on the dashboard (greyed), and can be unhidden. Its dots no longer count.
- **edit**: the facilitator's text replaces the participant's; the participant's text is kept
  (``original_text``, set once, shown to facilitators only).
- **merge** a duplicate into another contribution of the same kind: the duplicate disappears as a card of
  its own, its text is shown inside the kept one, and its dots count for the kept one. Both texts and
  every vote stay stored; **unmerge** undoes it.
- **spotlight**: one contribution large on the wall (or none).
- **wall view**: by persona (default), one persona full screen, the ranking (top-voted), or a pause
  screen with the join code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from sessions.contributions.models import Contribution
from sessions.core.base import utcnow
from sessions.core.errors import (
    CannotMerge,
    ContributionHidden,
    IllegalTransition,
    NotFound,
    ValidationFailed,
    WrongWorkshop,
)
from sessions.core.store import write_transaction
from sessions.core.validation import MAX_TEXT, clean_text, is_id
from sessions.rounds.models import LiveState, WallView
from sessions.rounds.service import live_state, lock_workshop, stored_live_state
from sessions.rounds.voting import wall_shows_tallies
from sessions.workshops.models import Workshop, WorkshopPersona
from sessions.workshops.service import next_seq


@dataclass
class Moderated:
    """Contributions whose visible state changed (broadcast each), and the live state if it changed too."""

    changed: list[Contribution] = field(default_factory=list)
    live: LiveState | None = None


def _contribution(db: Session, ws: Workshop, contribution_id: object) -> Contribution:
    c = db.get(Contribution, contribution_id) if is_id(contribution_id) else None
    if c is None or c.workshop_id != ws.id or c.deleted:
        raise NotFound("no such contribution")
    return c


def _bump(db: Session, ws: Workshop, *items: Contribution) -> None:
    for c in items:
        c.seq = next_seq(db, ws.id)


def _unspotlight(db: Session, ws: Workshop, *items: Contribution) -> LiveState | None:
    state = db.get(LiveState, ws.id)
    if state is not None and state.spotlight_id in {c.id for c in items}:
        state.spotlight_id = None
        return state
    return None


def hide(db: Session, ws: Workshop, contribution_id: object) -> Moderated:
    with write_transaction(db):
        ws = lock_workshop(db, ws.id)
        c = _contribution(db, ws, contribution_id)
        if c.merged_into_id is not None:
            raise IllegalTransition("merged into another", action="hide", reason="merged")
        if c.hidden:
            raise IllegalTransition("already hidden", action="hide", reason="already_hidden")
        c.hidden = True
        _bump(db, ws, c)
        live = _unspotlight(db, ws, c)
    return Moderated([c], live)


def unhide(db: Session, ws: Workshop, contribution_id: object) -> Moderated:
    with write_transaction(db):
        ws = lock_workshop(db, ws.id)
        c = _contribution(db, ws, contribution_id)
        if not c.hidden:
            raise IllegalTransition("not hidden", action="unhide", reason="not_hidden")
        c.hidden = False
        _bump(db, ws, c)
    return Moderated([c])


def edit(db: Session, ws: Workshop, contribution_id: object, text: object) -> Moderated:
    """The facilitator rewrites a contribution; the participant's own text is kept in ``original_text``."""
    body = clean_text(text, "text", max_len=MAX_TEXT)
    with write_transaction(db):
        ws = lock_workshop(db, ws.id)
        c = _contribution(db, ws, contribution_id)
        if c.text == body:
            return Moderated()
        if c.original_text is None:
            c.original_text = c.text
        c.text = body
        c.updated_at = utcnow()
        _bump(db, ws, c)
        changed = [c]
        if c.merged_into_id is not None:
            # The kept contribution shows this text inside it.
            root = db.get_one(Contribution, c.merged_into_id)
            _bump(db, ws, root)
            changed.append(root)
    return Moderated(changed)


def merge(db: Session, ws: Workshop, duplicate_id: object, into_id: object) -> Moderated:
    """Merge ``duplicate_id`` into ``into_id`` (both texts and all votes are kept)."""
    with write_transaction(db):
        ws = lock_workshop(db, ws.id)
        dup = _contribution(db, ws, duplicate_id)
        keep = _contribution(db, ws, into_id)
        if dup.id == keep.id:
            raise CannotMerge("same", reason="same")
        if dup.merged_into_id is not None or keep.merged_into_id is not None:
            raise CannotMerge("already merged", reason="merged")
        if dup.hidden or keep.hidden:
            raise CannotMerge("hidden", reason="hidden")
        if dup.kind != keep.kind:
            raise CannotMerge("different kinds", reason="different_kind")
        moved = list(dup.merged)
        for child in moved:
            dup.merged.remove(child)
            keep.merged.append(child)
        keep.merged.append(dup)
        db.flush()
        _bump(db, ws, dup, *moved, keep)
        live = _unspotlight(db, ws, dup)
    return Moderated([dup, *moved, keep], live)


def unmerge(db: Session, ws: Workshop, contribution_id: object) -> Moderated:
    """Give a merged duplicate its own card again."""
    with write_transaction(db):
        ws = lock_workshop(db, ws.id)
        c = _contribution(db, ws, contribution_id)
        if c.merged_into_id is None:
            raise IllegalTransition("not merged", action="unmerge", reason="not_merged")
        keep = db.get_one(Contribution, c.merged_into_id)
        keep.merged.remove(c)
        db.flush()
        _bump(db, ws, c, keep)
    return Moderated([c, keep])


def set_spotlight(db: Session, ws: Workshop, contribution_id: object) -> LiveState:
    """Show one contribution large on the wall; ``None`` (or "") takes it away."""
    with write_transaction(db):
        ws = lock_workshop(db, ws.id)
        state = stored_live_state(db, ws.id)
        if contribution_id in (None, ""):
            state.spotlight_id = None
            return state
        c = _contribution(db, ws, contribution_id)
        if c.hidden:
            raise ContributionHidden()
        if c.merged_into_id is not None:
            raise NotFound("merged")
        state.spotlight_id = c.id
    return state


def set_wall_view(db: Session, ws: Workshop, view: object, persona_id: object = None) -> LiveState:
    try:
        the_view = WallView(view)
    except ValueError:
        raise ValidationFailed("view", "unknown_view") from None
    with write_transaction(db):
        ws = lock_workshop(db, ws.id)
        state = stored_live_state(db, ws.id)
        if the_view == WallView.persona:
            if persona_id in (None, ""):
                raise ValidationFailed("persona_id", "required_for_view")
            wp = db.get(WorkshopPersona, persona_id) if is_id(persona_id) else None
            if wp is None or wp.workshop_id != ws.id:
                raise WrongWorkshop("persona")
            state.wall_persona_id = wp.id
        state.wall_view = the_view
    return state


def wall_payload(state: LiveState, votes: dict[int, int] | None) -> dict[str, Any]:
    """The ``wall`` event. ``votes`` only while the ranking is shown (it is revealed then)."""
    return {
        "workshop_id": state.workshop_id,
        "view": state.wall_view.value,
        "persona_id": state.wall_persona_id,
        "spotlight_id": state.spotlight_id,
        "votes": _keys_as_text(votes) if wall_shows_tallies(state) and votes is not None else None,
    }


def _keys_as_text(counts: dict[int, int]) -> dict[str, int]:
    return {str(k): v for k, v in counts.items()}


def current_wall(db: Session, workshop_id: int) -> LiveState:
    return live_state(db, workshop_id)
