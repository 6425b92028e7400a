"""What a joining phone is told about its workshop (the API join's answer), read as plain rows."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from sessions.core.errors import NotFound
from sessions.workshops.models import Group, Workshop, WorkshopPersona, WorkshopStatus

__all__ = ["JoinView", "PersonaCard", "TableView", "join_view"]


@dataclass(frozen=True, slots=True)
class PersonaCard:
    """A table's persona as a joining phone sees it."""

    key: str
    name: str
    age: int
    role: str
    card: str
    questions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TableView:
    id: int
    name: str
    persona: PersonaCard | None


@dataclass(frozen=True, slots=True)
class JoinView:
    """What a phone is told about the workshop it joined: the fields a :class:`Workshop` has under the same
    names, and its tables in order with their personas."""

    id: int
    title: str
    date: dt.date | None
    place: str
    status: WorkshopStatus
    join_code: str
    template_id: int | None
    groups: tuple[TableView, ...]


def join_view(db: Session, workshop_id: int) -> JoinView:
    """The workshop, its personas and its tables as plain rows in three SELECTs, each persona read once however
    many tables have it: in a 1,000-phone join burst, loading every group and persona as ORM objects for each
    joining phone (``load_for_dashboard``) was a quarter of the server's CPU (py-spy, bench/load.py)."""
    the_workshop, its_personas, its_tables = _statements()
    params = {"workshop_id": workshop_id}
    w = db.execute(the_workshop, params).one_or_none()
    if w is None:
        raise NotFound("no such workshop")
    personas = {
        pid: PersonaCard(key, name, age, role, card, tuple(questions or ()))
        for pid, key, name, age, role, card, questions in db.execute(its_personas, params)
    }
    tables = tuple(
        TableView(gid, gname, personas.get(pid) if pid is not None else None)
        for gid, gname, pid in db.execute(its_tables, params)
    )
    return JoinView(w.id, w.title, w.date, w.place, w.status, w.join_code, w.template_id, tables)


@functools.cache
def _statements() -> tuple[Any, Any, Any]:
    """The three SELECTs of :func:`join_view`. Built once, not per request (docs/performance.md, seventh round)."""
    ws_id = bindparam("workshop_id")
    return (
        select(
            Workshop.id, Workshop.title, Workshop.date, Workshop.place, Workshop.status, Workshop.join_code, Workshop.template_id
        ).where(Workshop.id == ws_id),
        select(
            WorkshopPersona.id,
            WorkshopPersona.key,
            WorkshopPersona.name,
            WorkshopPersona.age,
            WorkshopPersona.role,
            WorkshopPersona.card,
            WorkshopPersona.questions,
        ).where(WorkshopPersona.workshop_id == ws_id),
        select(Group.id, Group.name, Group.persona_id).where(Group.workshop_id == ws_id).order_by(Group.position, Group.id),
    )
