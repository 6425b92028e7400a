"""Every server-to-client Socket.IO event is emitted here, after the commit, to the rooms that need it.

Rooms (see docs/api.md, "Socket.IO events"):
  ``w{id}:staff``     the workshop's facilitators (dashboard)
  ``w{id}:wall``      the workshop's projector walls
  ``w{id}:g{group}``  the phones of one group
  ``w{id}:all``       every client watching the workshop
"""

from __future__ import annotations

from typing import Any

from sessions.models import Contribution, Workshop

from .realtime import socketio

# name -> (rooms, payload keys); docs/api.md's event table is checked against this by a test.
SERVER_EVENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "contribution": (
        ("w{id}:g{group}", "w{id}:wall", "w{id}:staff"),
        ("id", "seq", "workshop_id", "group_id", "persona_id", "kind", "text", "author_name", "created_at", "edited", "deleted"),
    ),
    "participants": (("w{id}:wall", "w{id}:staff"), ("workshop_id", "count")),
    "workshop": (("w{id}:all",), ("workshop_id", "status")),
}


def staff_room(workshop_id: int) -> str:
    return f"w{workshop_id}:staff"


def wall_room(workshop_id: int) -> str:
    return f"w{workshop_id}:wall"


def group_room(workshop_id: int, group_id: int) -> str:
    return f"w{workshop_id}:g{group_id}"


def all_room(workshop_id: int) -> str:
    return f"w{workshop_id}:all"


def contribution_changed(c: Contribution) -> None:
    """A contribution was created, edited or deleted: its group's phones, the walls and the facilitators."""
    payload = c.as_event()
    socketio.emit(
        "contribution",
        payload,
        to=[group_room(c.workshop_id, c.group_id), wall_room(c.workshop_id), staff_room(c.workshop_id)],
    )


def participants_changed(workshop_id: int, count: int) -> None:
    socketio.emit(
        "participants",
        {"workshop_id": workshop_id, "count": count},
        to=[wall_room(workshop_id), staff_room(workshop_id)],
    )


def workshop_changed(ws: Workshop) -> None:
    payload: dict[str, Any] = {"workshop_id": ws.id, "status": ws.status.value}
    socketio.emit("workshop", payload, to=all_room(ws.id))
