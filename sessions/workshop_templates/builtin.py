"""Built-in templates: data files in this folder plus the persona library, kept in the database as
read-only templates (``builtin_key``, no owner) so that workshops can name the template they came from.

:func:`ensure_builtins` builds each one from its file at run time and stores it when it is missing or its
file (or a persona it uses) changed; workshops already made from it keep their copies.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sessions.core.base import utcnow
from sessions.core.errors import NotFound
from sessions.core.store import write_transaction
from sessions.personas.library import load_library
from sessions.personas.schema import PersonaSpec
from sessions.tags.models import default_tags
from sessions.workshop_templates.content import TemplateContent, parse_content
from sessions.workshop_templates.models import WorkshopTemplate

HERE = Path(__file__).resolve().parent
#: The repository's persona library (the web app passes its own, PV_PERSONA_DIR).
PERSONA_DIR = HERE.parent.parent / "personas"
FILES = (HERE / "kompetansealliansen_2019.toml",)
KOMPETANSEALLIANSEN_2019 = "kompetansealliansen-2019"


def build(path: Path, library: Mapping[str, PersonaSpec]) -> tuple[str, TemplateContent]:
    """``(key, content)`` of one built-in template file; KeyError when a persona it names is not in the library."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    specs = [library[key] for key in data["personas"]]
    groups = data["groups"]
    tags: Any = data.get("tags", "default")
    if tags == "default":
        tags = [{"category": c, "label": label} for c, label, _ in default_tags()]
    content = parse_content(
        {
            "name": data["name"],
            "description": data.get("description", ""),
            "intro": data.get("intro", ""),
            "personas": [{**_persona(spec), "from_library": True} for spec in specs],
            "groups": [{"name": name, "persona": specs[i % len(specs)].id if specs else None} for i, name in enumerate(groups)],
            "rounds": data.get("rounds", []),
            "tags": tags,
        }
    )
    return data["key"], content


def _persona(spec: PersonaSpec) -> dict[str, Any]:
    d = spec.to_dict()
    return {"key": d["id"], **{k: d[k] for k in ("name", "age", "role", "card", "background", "questions")}}


def ensure_builtins(db: Session, library: Mapping[str, PersonaSpec] | None = None) -> None:
    """Store each built-in template that is missing or out of date (a file whose personas are missing from
    the library is left out; the library logs its bad files)."""
    if library is None:
        library, _errors = load_library(PERSONA_DIR)
    wanted = []
    for path in FILES:
        try:
            wanted.append(build(path, library))
        except KeyError:
            continue
    stored = {t.builtin_key: t for t in db.scalars(select(WorkshopTemplate).where(WorkshopTemplate.builtin_key.is_not(None)))}
    stale = [(key, c) for key, c in wanted if key not in stored or _fields(stored[key]) != _content_fields(c)]
    if not stale:
        return
    try:
        with write_transaction(db):
            for key, c in stale:
                t = db.scalar(select(WorkshopTemplate).where(WorkshopTemplate.builtin_key == key))
                if t is None:
                    t = WorkshopTemplate(builtin_key=key, owner_id=None, created_at=utcnow())
                    db.add(t)
                t.name, t.description, t.intro = c.name, c.description, c.intro
                t.personas, t.groups, t.rounds, t.tags = c.personas, c.groups, c.rounds, c.tags
                t.updated_at = utcnow()
    except IntegrityError:
        pass  # another request stored it at the same moment


def _fields(t: WorkshopTemplate) -> tuple[Any, ...]:
    return (t.name, t.description, t.intro, t.personas, t.groups, t.rounds, t.tags)


def _content_fields(c: TemplateContent) -> tuple[Any, ...]:
    return (c.name, c.description, c.intro, c.personas, c.groups, c.rounds, c.tags)


def builtin_id(db: Session, key: str, library: Mapping[str, PersonaSpec] | None = None) -> int:
    """The id of a built-in template (stored first if need be)."""
    ensure_builtins(db, library)
    found = db.scalar(select(WorkshopTemplate.id).where(WorkshopTemplate.builtin_key == key))
    if found is None:
        raise NotFound("no such built-in template")
    return found


def builtin_2019_id(db: Session, library: Mapping[str, PersonaSpec] | None = None) -> int:
    """The id of the built-in template «Kompetansealliansen Møre og Romsdal 2019»."""
    return builtin_id(db, KOMPETANSEALLIANSEN_2019, library)
