"""Every server-to-client Socket.IO event is emitted here, after the commit, to the rooms that need it.

Rooms (see docs/api.md, "Socket.IO events"):
  ``w{id}:staff``     the workshop's facilitators (dashboard)
  ``w{id}:wall``      the workshop's projector walls
  ``w{id}:g{group}``  the phones of one group
  ``w{id}:phones``    every phone of the workshop (gets contributions only while all tables vote on all)
  ``w{id}:all``       every client watching the workshop
"""

from __future__ import annotations

from typing import Any

from sessions.contributions.models import Contribution
from sessions.workshops.models import Workshop

from facilitator.realtime.sockets import socketio

# name -> (rooms, payload keys); docs/api.md's event table is checked against this by a test.
SERVER_EVENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "contribution": (
        ("w{id}:g{group}", "w{id}:phones", "w{id}:wall", "w{id}:staff"),
        (
            "id", "seq", "workshop_id", "group_id", "persona_id", "kind", "text", "author_name", "created_at", "edited", "deleted",
            "hidden", "late", "round_id", "merged_into", "merged", "original_text", "tags",
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


def contribution_changed(c: Contribution, *, every_phone: bool = False) -> None:
    """A contribution was created, edited, deleted or moderated: its group's phones (every phone while all
    tables vote on all contributions), the walls, and the facilitators (who also see hidden texts)."""
    phones = phones_room(c.workshop_id) if every_phone else group_room(c.workshop_id, c.group_id)
    socketio.emit("contribution", c.as_event(), to=[phones, wall_room(c.workshop_id)])
    socketio.emit("contribution", c.as_event(staff=True), to=staff_room(c.workshop_id))


def participants_changed(workshop_id: int, count: int) -> None:
    socketio.emit(
        "participants",
        {"workshop_id": workshop_id, "count": count},
        to=[wall_room(workshop_id), staff_room(workshop_id)],
    )


def workshop_changed(ws: Workshop) -> None:
    payload: dict[str, Any] = {"workshop_id": ws.id, "status": ws.status.value}
    socketio.emit("workshop", payload, to=all_room(ws.id))


def workshop_deleted(workshop_id: int) -> None:
    """The workshop and everything in it was deleted (facilitator/privacy.py): every screen leaves it."""
    socketio.emit("workshop", {"workshop_id": workshop_id, "status": "deleted"}, to=all_room(workshop_id))


def round_changed(snapshot: dict[str, Any]) -> None:
    """A round started, paused, resumed, was extended or ended (or the plan changed): every client."""
    socketio.emit("round", snapshot, to=all_room(snapshot["workshop_id"]))


def wall_changed(payload: dict[str, Any]) -> None:
    """The wall's view or spotlight changed: the walls and the facilitators (who see what the wall shows)."""
    ws_id = payload["workshop_id"]
    socketio.emit("wall", payload, to=[wall_room(ws_id), staff_room(ws_id)])


def votes_changed(workshop_id: int, counts: dict[int, int], *, ranking_shown: bool) -> None:
    """Dots were cast or taken back: the facilitators; the walls only while they show the ranking."""
    payload = {"workshop_id": workshop_id, "votes": {str(k): v for k, v in counts.items()}}
    rooms = [staff_room(workshop_id)] + ([wall_room(workshop_id)] if ranking_shown else [])
    socketio.emit("votes", payload, to=rooms)


def themes_changed(payload: dict[str, Any]) -> None:
    """The theme board changed (a theme made, renamed, moved or deleted, a card moved, suggestions made or
    decided): the facilitators (the board and the dashboard). The whole board, with its revision."""
    socketio.emit("themes", payload, to=staff_room(payload["workshop_id"]))


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
