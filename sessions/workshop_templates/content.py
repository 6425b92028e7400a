"""What a template holds, checked strictly: the file format («personaverkstad-template», version 1) and
the snapshot a template stores. One check serves a file being imported, a workshop being saved as a template
and the built-in templates, so whatever is stored can be exported and imported again.

Every refusal is ``ValidationFailed("template_file", …)`` (the file itself: too large, not JSON, not a
template, another version) or ``ValidationFailed("template", reason, where=…)`` (what it holds), whose
message in the web layer says what is wrong and where.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sessions.archive import tags as archive_tags
from sessions.core.errors import ValidationFailed
from sessions.core.validation import MAX_GROUP_NAME, MAX_GROUPS, MAX_INTRO, clean_text
from sessions.personas.checks import collect_persona_errors
from sessions.workshop_templates import rounds as template_rounds
from sessions.workshop_templates.models import (
    MAX_DESCRIPTION,
    MAX_NAME,
    WorkshopTemplate,
)

FORMAT = "personaverkstad-template"
VERSION = 1
#: A template file larger than this is refused before it is read (five full personas take ~30 KB).
MAX_FILE_BYTES = 256 * 1024
MAX_PERSONAS = 30
PERSONA_FIELDS = ("key", "name", "age", "role", "card", "background", "questions", "from_library")
REQUIRED = ("format", "version", "name", "personas", "groups", "rounds", "tags")
ALLOWED = frozenset(REQUIRED + ("description", "intro", "exported_at"))


@dataclass(frozen=True)
class TemplateContent:
    """A checked template: the fields of the file without format, version and export time."""

    name: str
    description: str
    intro: str
    personas: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    rounds: list[dict[str, Any]]
    tags: list[dict[str, str]]


def _bad(reason: str, where: str = "", **params: object) -> ValidationFailed:
    return ValidationFailed("template", reason, where=where, **params)


def _file_error(reason: str, **params: object) -> ValidationFailed:
    return ValidationFailed("template_file", reason, **params)


def _text(value: object, where: str, max_len: int, *, required: bool = False, multiline: bool = True) -> str:
    if value is None and not required:
        return ""
    try:
        return clean_text(value, where, max_len=max_len, required=required, multiline=multiline)
    except ValidationFailed as err:
        if err.reason == "too_long":
            raise _bad("text_too_long", where, max=max_len) from None
        if err.reason == "empty":
            raise _bad("missing", where) from None
        raise _bad("bad_value", where) from None


def read_file(raw: bytes) -> dict[str, Any]:
    """The JSON object of an uploaded file, or a refusal that says why it is no template file."""
    if len(raw) > MAX_FILE_BYTES:
        raise _file_error("file_too_large", max=MAX_FILE_BYTES // 1024)
    if not raw.strip():
        raise _file_error("empty_file")
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _file_error("not_json") from None
    if not isinstance(doc, dict):
        raise _file_error("not_a_template")
    return doc


def parse_document(doc: object) -> TemplateContent:
    """A template file's JSON (``read_file``, or an API body) checked strictly."""
    if not isinstance(doc, Mapping) or doc.get("format") != FORMAT:
        raise _file_error("not_a_template")
    version = doc.get("version")
    if version != VERSION or isinstance(version, bool):
        raise _file_error("unsupported_version", version=str(version)[:20], supported=VERSION)
    unknown = sorted(str(k) for k in doc if k not in ALLOWED)
    if unknown:
        raise _bad("unknown_field", unknown[0][:60])
    for key in REQUIRED:
        if key not in doc:
            raise _bad("missing", key)
    if "exported_at" in doc and (not isinstance(doc["exported_at"], str) or len(doc["exported_at"]) > 64):
        raise _bad("bad_value", "exported_at")
    return parse_content(doc)


def parse_content(data: Mapping[str, Any]) -> TemplateContent:
    """Check a template's fields (from a file or a workshop's snapshot) and return them normalised."""
    personas = _personas(data.get("personas"))
    keys = {p["key"] for p in personas}
    groups = _groups(data.get("groups"), keys)
    vocabulary = data.get("tags")
    if not isinstance(vocabulary, list):
        raise _bad("bad_value", "tags")
    for i, tag in enumerate(vocabulary):
        if not isinstance(tag, Mapping) or any(k not in ("category", "label") for k in tag):
            raise _bad("bad_tag", f"tags[{i}]")
    try:
        tags = archive_tags.parse_archive(vocabulary, [])
    except ValidationFailed as err:
        raise _bad("bad_tag", str(err.params.get("where", "tags")).replace("tag_vocabulary", "tags")) from None
    return TemplateContent(
        name=_text(data.get("name"), "name", MAX_NAME, required=True, multiline=False),
        description=_text(data.get("description"), "description", MAX_DESCRIPTION),
        intro=_text(data.get("intro"), "intro", MAX_INTRO),
        personas=personas,
        groups=groups,
        rounds=template_rounds.parse(data.get("rounds")),
        tags=[{"category": c, "label": label} for c, label in tags.vocabulary],
    )


def _personas(items: object) -> list[dict[str, Any]]:
    if not isinstance(items, list):
        raise _bad("bad_value", "personas")
    if len(items) > MAX_PERSONAS:
        raise _bad("too_many_items", "personas", max=MAX_PERSONAS)
    out: list[dict[str, Any]] = []
    for n, item in enumerate(items, start=1):
        where = f"personas[{n - 1}]"
        if not isinstance(item, Mapping):
            raise _bad("bad_value", where)
        name = str(item.get("name", ""))[:80]
        unknown = sorted(str(k) for k in item if k not in PERSONA_FIELDS)
        if unknown:
            raise _bad("bad_persona", where, n=n, name=name, persona_field=unknown[0][:40])
        from_library = item.get("from_library", False)
        if not isinstance(from_library, bool):
            raise _bad("bad_persona", where, n=n, name=name, persona_field="from_library")
        # The same checks as a persona file or a persona written on the workshop page (sessions/personas).
        fields = {k: item[k] for k in PERSONA_FIELDS[1:-1] if k in item}
        fields["id"] = item.get("key")
        spec, errors = collect_persona_errors(fields, "", require_schema=False)
        if errors or spec is None:
            field = errors[0].field if errors else None
            raise _bad("bad_persona", where, n=n, name=name, persona_field="key" if field == "id" else (field or "-"))
        if any(p["key"] == spec.id for p in out):
            raise _bad("duplicate_persona", where, persona=spec.id)
        out.append(
            {
                "key": spec.id,
                "name": spec.name,
                "age": spec.age,
                "role": spec.role,
                "card": spec.card,
                "background": spec.background,
                "questions": list(spec.questions),
                "from_library": from_library,
            }
        )
    return out


def _groups(items: object, keys: set[str]) -> list[dict[str, Any]]:
    if not isinstance(items, list):
        raise _bad("bad_value", "groups")
    if len(items) > MAX_GROUPS:
        raise _bad("too_many_items", "groups", max=MAX_GROUPS)
    out = []
    for i, item in enumerate(items):
        where = f"groups[{i}]"
        if not isinstance(item, Mapping) or any(k not in ("name", "persona") for k in item):
            raise _bad("bad_value", where)
        name = _text(item.get("name"), f"{where}.name", MAX_GROUP_NAME, required=True, multiline=False)
        persona = item.get("persona")
        if persona is not None and (not isinstance(persona, str) or persona not in keys):
            raise _bad("unknown_group_persona", where, group=name, persona=str(persona)[:40])
        out.append({"name": name, "persona": persona})
    return out


def to_document(t: WorkshopTemplate, *, now: dt.datetime) -> dict[str, Any]:
    """The template as a file: what :func:`parse_document` reads back."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": now.isoformat(timespec="seconds") + "Z",
        "name": t.name,
        "description": t.description,
        "intro": t.intro,
        "personas": t.personas,
        "groups": t.groups,
        "rounds": [{**r, "position": i} for i, r in enumerate(t.rounds)],
        "tags": t.tags,
    }
