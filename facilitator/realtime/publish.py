"""The ONE place that turns a domain change into Socket.IO events, after the commit, for the rooms that need it.

A view calls a domain write, which commits and returns what it changed; the view hands that value to
:func:`publish`, which decides who hears about it and with which payload (never a whole row). Nothing else
emits to a workshop's rooms. ``publish`` returns the payloads it built, so a view can answer ``fetch`` with
the same data without reading it again.

Rooms (see docs/api.md, "Socket.IO events"):
  ``w{id}:staff``     the workshop's facilitators (dashboard)
  ``w{id}:wall``      the workshop's projector walls
  ``w{id}:g{group}``  the phones of one group
  ``w{id}:phones``    every phone of the workshop (gets contributions only while all tables vote on all)
  ``w{id}:all``       every client watching the workshop
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from facilitator.db import get_db
from facilitator.extensions import socketio
from facilitator.realtime.tally_push import coalesced_push, tally_push
from sessions.contributions import service as participation
from sessions.contributions.models import Contribution, Participant
from sessions.contributions.moderation import Moderated, current_wall, wall_payload
from sessions.contributions.service import Posted
from sessions.core.changes import PlanChanged, VotesChanged, WorkshopDeleted
from sessions.privacy.service import Erasure
from sessions.rounds import service as rounds
from sessions.rounds import voting
from sessions.rounds.models import LiveState
from sessions.rounds.service import Transition
from sessions.tags.service import TagChange, Tagged
from sessions.themes.board import board_payload
from sessions.themes.service import BoardChange
from sessions.workshops.models import Workshop
from sessions.workshops.service import get_workshop

PARTICIPANT_PUSH = "pv_participant_push"  # the coalesced participant count (tally_push.coalesced_push)

# name -> (rooms, payload keys); docs/api.md's event table is checked against this by a test.
SERVER_EVENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "contribution": (
        ("w{id}:g{group}", "w{id}:phones", "w{id}:wall", "w{id}:staff"),
        (
            "id", "seq", "workshop_id", "group_id", "persona_id", "kind", "text", "author_name", "created_at", "edited", "deleted",
            "hidden", "late", "round_id", "merged_into", "merged", "original_text", "tags",
            "municipality", "grew_from_id",
        ),
    ),
    "participants": (("w{id}:wall", "w{id}:staff"), ("workshop_id", "count")),
    "workshop": (("w{id}:all",), ("workshop_id", "status")),
    "resync": (("w{id}:all",), ("workshop_id",)),
    "round": (("w{id}:all",), ("workshop_id", "round", "next", "groups", "server_now")),
    "wall": (("w{id}:wall", "w{id}:staff"), ("workshop_id", "view", "persona_id", "spotlight_id", "votes")),
    "votes": (("w{id}:staff", "w{id}:wall"), ("workshop_id", "votes")),
    "themes": (("w{id}:staff",), ("workshop_id", "revision", "themes", "suggestions")),
}


def staff_room(workshop_id: int) -> str:
    return f"w{workshop_id}:staff"


def wall_room(workshop_id: int) -> str:
    return f"w{workshop_id}:wall"


def group_room(workshop_id: int, group_id: int) -> str:
    return f"w{workshop_id}:g{group_id}"


def all_room(workshop_id: int) -> str:
    return f"w{workshop_id}:all"


def phones_room(workshop_id: int) -> str:
    return f"w{workshop_id}:phones"


@functools.singledispatch
def publish(change: Any) -> dict[str, Any]:
    """Tell the rooms that need it about ``change`` (committed already); return the payloads built."""
    raise TypeError(f"publish() does not know {type(change).__name__}")


@publish.register
def _(change: Contribution) -> dict[str, Any]:
    """Created, edited or deleted by its author."""
    _contributions(change.workshop_id, [change])
    return {}


@publish.register
def _(change: Posted) -> dict[str, Any]:
    """Created by its author (a retry of a stored post tells nobody again); who sees it was read in the
    post's own transaction."""
    if change.created:
        _contributions(change.contribution.workshop_id, [change.contribution], every_phone=change.every_phone)
    return {}


@publish.register
def _(change: Moderated) -> dict[str, Any]:
    """Hidden, shown, edited, merged or unmerged by a facilitator; the spotlight goes if its card went."""
    if not change.changed and change.live is None:
        return {"contributions": []}
    ws_id = (change.changed[0].workshop_id if change.changed else change.live.workshop_id)  # type: ignore[union-attr]
    _contributions(ws_id, change.changed)
    if change.live is not None:
        _wall(wall_payload(change.live, None))
    if change.changed:
        tally_push(_tallies).now(ws_id)
    return {"contributions": [c.as_event(staff=True) for c in change.changed]}


@publish.register
def _(change: TagChange) -> dict[str, Any]:
    """A tag renamed or removed: every contribution that carried it."""
    if change.changed:
        _contributions(change.changed[0].workshop_id, change.changed)
    return {}


@publish.register
def _(change: Tagged) -> dict[str, Any]:
    if change.changed:
        _contributions(change.contribution.workshop_id, [change.contribution])
    return {}


@publish.register
def _(change: Erasure) -> dict[str, Any]:
    """A participant was forgotten: tombstones and changed cards, tallies, the spotlight, the count."""
    _contributions(change.workshop_id, change.changed)
    if change.spotlight_cleared:
        _wall(wall_payload(current_wall(get_db(), change.workshop_id), None))
    tally_push(_tallies).now(change.workshop_id)
    coalesced_push(PARTICIPANT_PUSH, _participant_count).now(change.workshop_id)
    return {}


@publish.register
def _(change: Participant) -> dict[str, Any]:
    """Someone joined: the walls and the facilitators see how many are in (coalesced like the tallies: a
    few counts a second in a join burst, the last one exact)."""
    coalesced_push(PARTICIPANT_PUSH, _participant_count).request(change.workshop_id)
    return {}


@publish.register
def _(change: Workshop) -> dict[str, Any]:
    """Opened or closed: every screen."""
    socketio.emit("workshop", {"workshop_id": change.id, "status": change.status.value}, to=all_room(change.id))
    return {}


@publish.register
def _(change: WorkshopDeleted) -> dict[str, Any]:
    socketio.emit("workshop", {"workshop_id": change.workshop_id, "status": "deleted"}, to=all_room(change.workshop_id))
    return {}


@publish.register
def _(change: Transition) -> dict[str, Any]:
    """A round started, paused, resumed, was extended or ended: every client."""
    return _round(change.round.workshop_id)


@publish.register
def _(change: PlanChanged) -> dict[str, Any]:
    return _round(change.workshop_id)


@publish.register
def _(change: LiveState) -> dict[str, Any]:
    """The wall's view or spotlight changed: the walls and the facilitators (who see what the wall shows)."""
    payload = wall_payload(change, voting.tallies(get_db(), change))
    _wall(payload)
    return {"wall": payload}


@publish.register
def _(change: VotesChanged) -> dict[str, Any]:
    """Dots were cast or taken back: the tallies follow, coalesced to a few pushes a second (tally_push.py)."""
    tally_push(_tallies).request(change.workshop_id)
    return {}


@publish.register
def _(change: BoardChange) -> dict[str, Any]:
    """The theme board changed: the facilitators (board and dashboard) get the whole board with its revision."""
    payload = board_payload(get_db(), change.workshop_id)
    if change.changed:
        socketio.emit("themes", payload, to=staff_room(change.workshop_id))
    return {"board": payload}


# -- the events ------------------------------------------------------------------------------------------


def _contributions(workshop_id: int, items: Iterable[Contribution], every_phone: bool | None = None) -> None:
    """Each contribution to its group's phones (every phone while all tables vote on all contributions, read
    here unless the change knows), the walls, and the facilitators (who also see hidden texts and the
    original of an edited one)."""
    items = list(items)
    if not items:
        return
    if every_phone is None:
        every_phone = voting.workshop_wide_ballot(get_db(), workshop_id)
    for c in items:
        phones = phones_room(c.workshop_id) if every_phone else group_room(c.workshop_id, c.group_id)
        socketio.emit("contribution", c.as_event(), to=[phones, wall_room(c.workshop_id)])
        socketio.emit("contribution", c.as_event(staff=True), to=staff_room(c.workshop_id))


def _participant_count(workshop_id: int) -> None:
    count = participation.participant_count(get_db(), workshop_id)
    socketio.emit("participants", {"workshop_id": workshop_id, "count": count}, to=[wall_room(workshop_id), staff_room(workshop_id)])


def _round(workshop_id: int) -> dict[str, Any]:
    db = get_db()
    snap = rounds.snapshot(db, get_workshop(db, workshop_id))
    socketio.emit("round", snap, to=all_room(workshop_id))
    return {"round": snap}


def _tallies(workshop_id: int) -> None:
    """The dots per contribution: the facilitators; the walls only while they show the ranking."""
    db = get_db()
    shown = voting.wall_shows_tallies(current_wall(db, workshop_id))
    payload = {"workshop_id": workshop_id, "votes": {str(k): v for k, v in voting.vote_counts(db, workshop_id).items()}}
    socketio.emit("votes", payload, to=[staff_room(workshop_id)] + ([wall_room(workshop_id)] if shown else []))


def _wall(payload: dict[str, Any]) -> None:
    ws_id = payload["workshop_id"]
    socketio.emit("wall", payload, to=[wall_room(ws_id), staff_room(ws_id)])


# -- after a message-queue gap -------------------------------------------------------------------------


def resync_here() -> None:
    """This process (re)subscribed to the message queue, so it may have missed other processes' events:
    its own clients send ``watch`` again. Emitted locally, not through the queue that just failed."""
    rooms = socketio.server.manager.rooms.get("/", {})
    for room in [r for r in list(rooms) if isinstance(r, str) and r.endswith(":all")]:
        ws_id = _workshop_of(room)
        if ws_id is not None:
            socketio.emit("resync", {"workshop_id": ws_id}, to=room, ignore_queue=True)


def resync_everywhere(rooms: set[str]) -> None:
    """Events for these rooms could not be published: every process's clients of their workshops catch up."""
    for ws_id in sorted({w for w in map(_workshop_of, rooms) if w is not None}):
        socketio.emit("resync", {"workshop_id": ws_id}, to=all_room(ws_id))


def _workshop_of(room: str) -> int | None:
    head = room.split(":", 1)[0]
    return int(head[1:]) if head[:1] == "w" and head[1:].isdigit() else None
