"""Workshop templates: save a workshop as a template, edit, copy, delete, export and import one, and make a
new workshop from one.

Templates are shared by the installation's facilitators: every signed-in facilitator lists and uses them all;
only the owner changes or deletes one (a template whose owner's account was deleted: any facilitator);
built-in templates nobody changes. A workshop made from a template is created by
``sessions.workshops.service.create_workshop`` with copies of everything, so the template's later edits or
its deletion never reach it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sessions.accounts.models import User
from sessions.archive import tags as archive_tags
from sessions.core.base import utcnow
from sessions.core.errors import NotAllowed, NotFound, ValidationFailed
from sessions.core.store import write_transaction
from sessions.core.validation import MAX_GROUP_NAME, MAX_INTRO, clean_text, is_id
from sessions.personas.schema import PersonaSpec
from sessions.rounds.service import plan
from sessions.workshop_templates import content as template_content
from sessions.workshop_templates import rounds as template_rounds

# The built-in templates' look-ups are offered here too (explicit re-exports): a feature that makes workshops
# from the 2019 template needs only this module.
from sessions.workshop_templates.builtin import builtin_2019_id as builtin_2019_id
from sessions.workshop_templates.builtin import ensure_builtins as ensure_builtins
from sessions.workshop_templates.models import (
    MAX_DESCRIPTION,
    MAX_NAME,
    WorkshopTemplate,
)
from sessions.workshops import service as workshops
from sessions.workshops.models import Workshop

# -- reading -------------------------------------------------------------------------------------------


def templates(db: Session) -> list[WorkshopTemplate]:
    """Every template of the installation: the built-in ones first, then the others, newest first."""
    rows = db.scalars(select(WorkshopTemplate).order_by(WorkshopTemplate.created_at.desc(), WorkshopTemplate.id.desc())).all()
    return sorted(rows, key=lambda t: not t.is_builtin)


def get_template(db: Session, template_id: object) -> WorkshopTemplate:
    t = db.get(WorkshopTemplate, template_id) if is_id(template_id) else None
    if t is None:
        raise NotFound("no such template")
    return t


def may_change(t: WorkshopTemplate, user: User | None) -> bool:
    """The owner changes and deletes a template; once the owner's account is gone, any facilitator does."""
    return user is not None and not t.is_builtin and t.owner_id in (None, user.id)


def changeable(db: Session, template_id: object, user: User | None) -> WorkshopTemplate:
    t = get_template(db, template_id)
    if t.is_builtin:
        raise NotAllowed("built-in template", reason="builtin_template")
    if not may_change(t, user):
        raise NotAllowed("not the owner", reason="not_template_owner")
    return t


def template_of(db: Session, ws: Workshop) -> WorkshopTemplate | None:
    """The template the workshop was made from, while it exists."""
    return db.get(WorkshopTemplate, ws.template_id) if ws.template_id else None


def workshops_made_from(db: Session, template_id: int) -> int:
    return db.scalar(select(func.count()).select_from(Workshop).where(Workshop.template_id == template_id)) or 0


# -- saving a workshop as a template ----------------------------------------------------------------------


def snapshot(db: Session, ws: Workshop) -> dict[str, Any]:
    """The workshop's structure as a template holds it; never contributions, participants, votes, themes or
    follow-ups."""
    keys = {p.id: p.key for p in ws.personas}
    return {
        "intro": ws.intro,
        "personas": [p.as_dict() for p in ws.personas],
        "groups": [{"name": g.name, "persona": keys.get(g.persona_id) if g.persona_id else None} for g in ws.groups],
        "rounds": template_rounds.snapshot(plan(db, ws.id)),
        "tags": archive_tags.export_for_archive(db, ws.id),
    }


def _details(name: object, description: object) -> tuple[str, str]:
    return (
        clean_text(name, "template_name", max_len=MAX_NAME, multiline=False),
        clean_text(description, "description", max_len=MAX_DESCRIPTION, required=False),
    )


def _fill(t: WorkshopTemplate, c: template_content.TemplateContent, *, details: bool) -> None:
    if details:
        t.name, t.description = c.name, c.description
    t.intro, t.personas, t.groups, t.rounds, t.tags = c.intro, c.personas, c.groups, c.rounds, c.tags
    t.updated_at = utcnow()


def save_from_workshop(db: Session, user: User, ws: Workshop, name: object, description: object = "") -> WorkshopTemplate:
    """A new template of ``user`` with the workshop's structure (any status)."""
    the_name, the_description = _details(name, description)
    ws = workshops.load_for_dashboard(db, ws.id)
    c = template_content.parse_content({"name": the_name, "description": the_description, **snapshot(db, ws)})
    with write_transaction(db):
        t = WorkshopTemplate(owner_id=user.id, created_at=utcnow())
        _fill(t, c, details=True)
        db.add(t)
    return t


def replace_from_workshop(db: Session, user: User, template_id: object, ws: Workshop) -> WorkshopTemplate:
    """The template's contents (not its name and description) replaced by the workshop's structure."""
    ws = workshops.load_for_dashboard(db, ws.id)
    t = changeable(db, template_id, user)
    c = template_content.parse_content({"name": t.name, "description": t.description, **snapshot(db, ws)})
    with write_transaction(db):
        t = changeable(db, template_id, user)
        _fill(t, c, details=False)
    return t


# -- editing ---------------------------------------------------------------------------------------------


def update_template(db: Session, user: User, template_id: object, changes: Mapping[str, Any]) -> WorkshopTemplate:
    """Change what ``changes`` names: ``name``, ``description``, ``intro``, ``groups`` (names, in order: a
    list as long as the template's), ``personas`` (keys to keep, in the new order; groups of a removed
    persona keep no persona) and ``rounds`` (the whole plan, checked like a file's)."""
    t = changeable(db, template_id, user)
    data: dict[str, Any] = {
        "name": t.name,
        "description": t.description,
        "intro": t.intro,
        "personas": list(t.personas),
        "groups": [dict(g) for g in t.groups],
        "rounds": t.rounds,
        "tags": t.tags,
    }
    if "name" in changes:
        data["name"] = clean_text(changes["name"], "template_name", max_len=MAX_NAME, multiline=False)
    if "description" in changes:
        data["description"] = clean_text(changes["description"], "description", max_len=MAX_DESCRIPTION, required=False)
    if "intro" in changes:
        data["intro"] = clean_text(changes["intro"], "intro", max_len=MAX_INTRO, required=False)
    if "personas" in changes:
        keep = changes["personas"]
        by_key = {p["key"]: p for p in data["personas"]}
        if not isinstance(keep, list) or not all(isinstance(k, str) and k in by_key for k in keep) or len(set(keep)) != len(keep):
            raise ValidationFailed("personas", "unknown_persona", persona=str(keep)[:40])
        data["personas"] = [by_key[k] for k in keep]
        for g in data["groups"]:
            if g.get("persona") not in keep:
                g["persona"] = None
    if "groups" in changes:
        names = changes["groups"]
        if not isinstance(names, list) or len(names) != len(data["groups"]):
            raise ValidationFailed("groups", "not_a_list")
        for g, name in zip(data["groups"], names, strict=True):
            g["name"] = clean_text(name, "group_name", max_len=MAX_GROUP_NAME, multiline=False)
    if "rounds" in changes:
        data["rounds"] = changes["rounds"]
    c = template_content.parse_content(data)
    with write_transaction(db):
        t = changeable(db, template_id, user)
        _fill(t, c, details=True)
    return t


def delete_template(db: Session, user: User, template_id: object) -> None:
    """Delete a template; workshops made from it keep everything and forget where it came from."""
    with write_transaction(db):
        db.delete(changeable(db, template_id, user))


def copy_template(db: Session, user: User, template_id: object, name: object = None) -> WorkshopTemplate:
    """A copy of any template (a built-in one too) that ``user`` owns and may change."""
    source = get_template(db, template_id)
    the_name = clean_text(name, "template_name", max_len=MAX_NAME, multiline=False) if name not in (None, "") else f"{source.name} (kopi)"[:MAX_NAME]
    with write_transaction(db):
        t = WorkshopTemplate(
            owner_id=user.id,
            created_at=utcnow(),
            updated_at=utcnow(),
            name=the_name,
            description=source.description,
            intro=source.intro,
            personas=list(source.personas),
            groups=list(source.groups),
            rounds=list(source.rounds),
            tags=list(source.tags),
        )
        db.add(t)
    return t


# -- files -----------------------------------------------------------------------------------------------


def export_document(t: WorkshopTemplate, now: dt.datetime | None = None) -> dict[str, Any]:
    return template_content.to_document(t, now=now or utcnow())


def import_template(db: Session, user: User, doc: object) -> WorkshopTemplate:
    """A new template of ``user`` from a template file's JSON; nothing is stored when any part is wrong."""
    c = template_content.parse_document(doc)
    with write_transaction(db):
        t = WorkshopTemplate(owner_id=user.id, created_at=utcnow())
        _fill(t, c, details=True)
        db.add(t)
    return t


def import_file(db: Session, user: User, raw: bytes) -> WorkshopTemplate:
    return import_template(db, user, template_content.read_file(raw))


# -- a new workshop from a template ------------------------------------------------------------------------


def create_workshop_from_template(
    db: Session, user: User, template_id: object, *, title: object, date: object = None, place: object = ""
) -> Workshop:
    """A new draft workshop of ``user`` with copies of the template's introduction, personas, groups, plan
    of rounds and tag vocabulary (a new join code and wall link; the workshop names the template)."""
    t = get_template(db, template_id)
    details = workshops.WorkshopDetails.parse(title, date, place, t.intro)
    specs = [
        PersonaSpec(
            id=p["key"], name=p["name"], age=p["age"], role=p["role"], card=p["card"],
            background=p["background"], questions=tuple(p["questions"]), tags=(),
        )
        for p in t.personas
    ]
    custom = {p["key"] for p in t.personas if not p.get("from_library", False)}
    groups = [(g["name"], g.get("persona")) for g in t.groups]
    template_id_value, plan_rows = t.id, [dict(r) for r in t.rounds]
    vocabulary = archive_tags.ArchivedTags(tuple((v["category"], v["label"]) for v in t.tags), ())

    def then(session: Session, ws: Workshop) -> None:
        ws.template_id = template_id_value
        template_rounds.restore(session, ws.id, plan_rows)
        archive_tags.import_from_archive(session, ws, vocabulary)

    return workshops.create_workshop(db, user, details, specs, groups, custom=custom, then=then)
