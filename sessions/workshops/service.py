"""Preparing and running a workshop: access, details, personas, groups, opening and closing.

Each write function validates, checks the workshop's state (raising a named ``DomainError``) and commits
through :func:`sessions.core.store.write_transaction`. Joining and contributions live in
``sessions.contributions.service``; shared input rules in ``sessions.core.validation``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import secrets
import unicodedata
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session, selectinload

from sessions.accounts.models import User
from sessions.contributions.models import Contribution
from sessions.core.errors import (
    IllegalTransition,
    NotFound,
    UnknownJoinCode,
    ValidationFailed,
    WrongWorkshop,
)
from sessions.core.store import write_transaction
from sessions.core.validation import (
    MAX_GROUP_NAME,
    MAX_GROUPS,
    MAX_INTRO,
    MAX_PLACE,
    MAX_TITLE,
    clean_text,
    is_id,
    normalize_join_code,
    parse_date,
)
from sessions.personas.schema import PersonaSpec
from sessions.workshops.models import (
    Group,
    Workshop,
    WorkshopFacilitator,
    WorkshopPersona,
    WorkshopStatus,
)


def next_seq(db: Session, workshop_id: int) -> int:
    """Take the workshop's next sequence number (row-locked on PostgreSQL, under the write lock on SQLite)."""
    return db.execute(_next_seq_statement(), {"workshop_id": workshop_id}).scalar_one()


@functools.cache
def _next_seq_statement() -> Any:
    """Built once, not per request (docs/performance.md, seventh round). Every post runs it."""
    return (
        update(Workshop)
        .where(Workshop.id == bindparam("workshop_id"))
        .values(last_seq=Workshop.last_seq + 1)
        .returning(Workshop.last_seq)
        .execution_options(synchronize_session=False)
    )


def _unique_join_code(db: Session) -> str:
    for _ in range(50):
        code = f"{secrets.randbelow(10**8):08d}"
        if db.scalar(select(Workshop.id).where(Workshop.join_code == code)) is None:
            return code
    raise RuntimeError("could not find a free join code")  # pragma: no cover - 10^8 codes


def is_facilitator(db: Session, workshop: Workshop, user: User | None) -> bool:
    if user is None:
        return False
    if workshop.owner_id == user.id:
        return True
    return (
        db.scalar(
            select(WorkshopFacilitator.user_id).where(
                WorkshopFacilitator.workshop_id == workshop.id, WorkshopFacilitator.user_id == user.id
            )
        )
        is not None
    )


def get_workshop(db: Session, workshop_id: int) -> Workshop:
    ws = db.get(Workshop, workshop_id) if is_id(workshop_id) else None
    if ws is None:
        raise NotFound("no such workshop")
    return ws


def workshop_for_facilitator(db: Session, workshop_id: int, user: User | None) -> Workshop:
    """The workshop, if ``user`` may run it; otherwise NotFound (we do not confirm that it exists)."""
    ws = db.get(Workshop, workshop_id) if is_id(workshop_id) else None
    if ws is None or not is_facilitator(db, ws, user):
        raise NotFound("no such workshop")
    return ws


def workshops_for_user(db: Session, user: User) -> Sequence[Workshop]:
    shared = select(WorkshopFacilitator.workshop_id).where(WorkshopFacilitator.user_id == user.id)
    return db.scalars(
        select(Workshop)
        .where((Workshop.owner_id == user.id) | Workshop.id.in_(shared))
        .order_by(Workshop.created_at.desc(), Workshop.id.desc())
    ).all()


def workshop_by_wall_token(db: Session, token: object) -> Workshop:
    if not isinstance(token, str) or not (20 <= len(token) <= 64):
        raise NotFound("no such wall")
    ws = db.scalar(select(Workshop).where(Workshop.wall_token == token))
    if ws is None:
        raise NotFound("no such wall")
    return ws


@dataclass(frozen=True)
class WorkshopDetails:
    title: str
    date: dt.date | None
    place: str
    intro: str

    @classmethod
    def parse(cls, title: object, date: object, place: object, intro: object) -> WorkshopDetails:
        return cls(
            title=clean_text(title, "title", max_len=MAX_TITLE, multiline=False),
            date=parse_date(date),
            place=clean_text(place, "place", max_len=MAX_PLACE, required=False, multiline=False),
            intro=clean_text(intro, "intro", max_len=MAX_INTRO, required=False),
        )


def _persona_from_spec(spec: PersonaSpec, position: int, *, from_library: bool) -> WorkshopPersona:
    return WorkshopPersona(
        key=spec.id,
        name=spec.name,
        age=spec.age,
        role=spec.role,
        card=spec.card,
        background=spec.background,
        questions=list(spec.questions),
        from_library=from_library,
        position=position,
    )


def create_workshop(
    db: Session,
    owner: User,
    details: WorkshopDetails,
    personas: Iterable[PersonaSpec] = (),
    groups: Iterable[tuple[str, str | None]] = (),
    *,
    custom: Collection[str] = (),
    then: Callable[[Session, Workshop], None] | None = None,
) -> Workshop:
    """Create a draft workshop with copies of the chosen personas and named groups.

    ``groups`` is a list of ``(name, persona_key)``; a key must name one of ``personas``. Personas whose key
    is in ``custom`` were written for a workshop, not taken from the library (a template carries both).
    ``then(db, workshop)`` adds more in the same transaction (a template's rounds and tags), so a refusal
    there stores nothing.
    """
    personas = list(personas)
    groups = list(groups)
    if len(groups) > MAX_GROUPS:
        raise ValidationFailed("groups", "too_many", max=MAX_GROUPS)
    keys = [p.id for p in personas]
    if len(set(keys)) != len(keys):
        raise ValidationFailed("personas", "duplicate")
    clean_groups = []
    for name, key in groups:
        gname = clean_text(name, "group_name", max_len=MAX_GROUP_NAME, multiline=False)
        if key is not None and key not in keys:
            raise ValidationFailed("persona_id", "unknown_persona", persona=str(key))
        clean_groups.append((gname, key))
    with write_transaction(db):
        ws = Workshop(
            title=details.title,
            date=details.date,
            place=details.place,
            intro=details.intro,
            status=WorkshopStatus.draft,
            join_code=_unique_join_code(db),
            wall_token=secrets.token_urlsafe(32),
            last_seq=0,
            owner_id=owner.id,
        )
        by_key = {}
        for i, spec in enumerate(personas):
            wp = _persona_from_spec(spec, i, from_library=spec.id not in custom)
            ws.personas.append(wp)
            by_key[spec.id] = wp
        for i, (gname, key) in enumerate(clean_groups):
            ws.groups.append(Group(name=gname, position=i, persona=by_key.get(key) if key else None))
        db.add(ws)
        db.flush()
        db.add(WorkshopFacilitator(workshop_id=ws.id, user_id=owner.id))
        if then is not None:
            then(db, ws)
    return ws


def update_details(db: Session, ws: Workshop, details: WorkshopDetails) -> Workshop:
    with write_transaction(db):
        ws = db.get_one(Workshop, ws.id)
        ws.title, ws.date, ws.place, ws.intro = details.title, details.date, details.place, details.intro
    return ws


def add_persona(db: Session, ws: Workshop, spec: PersonaSpec, *, from_library: bool) -> WorkshopPersona:
    """Add a library persona (copied) or one the facilitator wrote for this workshop."""
    with write_transaction(db):
        ws = db.get_one(Workshop, ws.id)
        if not ws.editable_structure:
            raise IllegalTransition("closed", state=ws.status.value, action="add_persona")
        keys = {p.key for p in ws.personas}
        key = spec.id
        if from_library and key in keys:
            raise ValidationFailed("persona_id", "already_added", persona=key)
        if not from_library:
            base = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKD", spec.name.lower()).encode("ascii", "ignore").decode()).strip("-")[:24] or "persona"
            key, n = f"x-{base}", 2
            while key in keys:
                key, n = f"x-{base}-{n}", n + 1
        wp = _persona_from_spec(spec, len(ws.personas), from_library=from_library)
        wp.key = key
        ws.personas.append(wp)
    return wp


def remove_persona(db: Session, ws: Workshop, persona_id: int) -> None:
    with write_transaction(db):
        wp = db.get(WorkshopPersona, persona_id) if is_id(persona_id) else None
        if wp is None or wp.workshop_id != ws.id:
            raise WrongWorkshop("persona")
        used = db.scalar(select(func.count()).select_from(Contribution).where(Contribution.persona_id == wp.id))
        if used:
            raise IllegalTransition("persona has contributions", action="remove_persona", reason="has_contributions")
        for g in db.scalars(select(Group).where(Group.persona_id == wp.id)):
            g.persona_id = None
        db.delete(wp)


def add_group(db: Session, ws: Workshop, name: object, persona_id: int | None) -> Group:
    gname = clean_text(name, "group_name", max_len=MAX_GROUP_NAME, multiline=False)
    with write_transaction(db):
        ws = db.get_one(Workshop, ws.id)
        if not ws.editable_structure:
            raise IllegalTransition("closed", state=ws.status.value, action="add_group")
        if len(ws.groups) >= MAX_GROUPS:
            raise ValidationFailed("groups", "too_many", max=MAX_GROUPS)
        persona = _persona_of(db, ws, persona_id)
        g = Group(name=gname, position=len(ws.groups), persona=persona)
        ws.groups.append(g)
    return g


def _persona_of(db: Session, ws: Workshop, persona_id: int | None) -> WorkshopPersona | None:
    if persona_id is None:
        return None
    wp = db.get(WorkshopPersona, persona_id) if is_id(persona_id) else None
    if wp is None or wp.workshop_id != ws.id:
        raise WrongWorkshop("persona")
    return wp


def update_group(db: Session, ws: Workshop, group_id: int, name: object, persona_id: int | None) -> Group:
    gname = clean_text(name, "group_name", max_len=MAX_GROUP_NAME, multiline=False)
    with write_transaction(db):
        ws = db.get_one(Workshop, ws.id)
        g = group_of(db, ws.id, group_id)
        if not ws.editable_structure:
            raise IllegalTransition("closed", state=ws.status.value, action="update_group")
        persona = _persona_of(db, ws, persona_id)
        if persona is None and ws.is_open:
            raise ValidationFailed("persona_id", "required_when_open")
        g.name, g.persona = gname, persona
    return g


def delete_group(db: Session, ws: Workshop, group_id: int) -> None:
    with write_transaction(db):
        ws = db.get_one(Workshop, ws.id)
        g = group_of(db, ws.id, group_id)
        used = db.scalar(select(func.count()).select_from(Contribution).where(Contribution.group_id == g.id))
        if used:
            raise IllegalTransition("group has contributions", action="delete_group", reason="has_contributions")
        if ws.is_open and len(ws.groups) == 1:
            raise IllegalTransition("an open workshop needs a group", action="delete_group", reason="last_group")
        ws.groups.remove(g)


def group_of(db: Session, workshop_id: int, group_id: object) -> Group:
    """The workshop's group ``group_id``; a bad id is a validation error, another workshop's group refused."""
    if not isinstance(group_id, int) or isinstance(group_id, bool):
        raise ValidationFailed("group_id", "not_a_number")
    g = db.get(Group, group_id) if is_id(group_id) else None
    if g is None or g.workshop_id != workshop_id:
        raise WrongWorkshop("group")
    return g


def open_workshop(db: Session, ws: Workshop) -> Workshop:
    with write_transaction(db):
        ws = db.get_one(Workshop, ws.id)
        ws.open()
    return ws


def close_workshop(db: Session, ws: Workshop) -> Workshop:
    with write_transaction(db):
        ws = db.get_one(Workshop, ws.id)
        ws.close()
    return ws


def workshop_by_code(db: Session, code: object) -> Workshop:
    digits = normalize_join_code(code)
    ws = db.scalar(_by_code_statement(), {"join_code": digits})
    if ws is None:
        raise UnknownJoinCode("unknown code")
    return ws


@functools.cache
def _by_code_statement() -> Any:
    """Built once, not per request (docs/performance.md, seventh round). Every join runs it."""
    return select(Workshop).where(Workshop.join_code == bindparam("join_code"))


def load_for_dashboard(db: Session, workshop_id: int) -> Workshop:
    if not is_id(workshop_id):
        raise NotFound("no such workshop")
    ws = db.scalar(
        select(Workshop)
        .where(Workshop.id == workshop_id)
        .options(selectinload(Workshop.groups).selectinload(Group.persona), selectinload(Workshop.personas))
    )
    if ws is None:
        raise NotFound("no such workshop")
    return ws
