"""What the template pages and the API show of a template (domain: sessions/workshop_templates/)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import current_app, url_for

from facilitator.exports import filename
from facilitator.workshops.personas import library
from sessions.accounts.models import User
from sessions.tags.models import CATEGORIES
from sessions.workshop_templates import service as svc
from sessions.workshop_templates.models import WorkshopTemplate


def ensure_builtins(db: Any) -> None:
    """The built-in templates, built from their files and this installation's persona library."""
    if not current_app.extensions.get("pv_templates_checked"):
        svc.ensure_builtins(db, library())
        current_app.extensions["pv_templates_checked"] = True


def file_name(t: WorkshopTemplate) -> str:
    """``mal-<name>.json``."""
    return "mal-" + filename(t.name, None, "json")


def template_json(t: WorkshopTemplate, user: User | None, *, full: bool = True) -> dict[str, Any]:
    """The template as the API gives it (``full``: with personas, groups, rounds and tags)."""
    out: dict[str, Any] = {
        "id": t.id,
        "name": t.name,
        "description": t.description,
        "builtin": t.is_builtin,
        "owner": t.owner.email if t.owner is not None else None,
        "may_change": svc.may_change(t, user),
        "created_at": t.created_at.isoformat(timespec="seconds") + "Z",
        "updated_at": t.updated_at.isoformat(timespec="seconds") + "Z",
        "persona_names": t.persona_names,
        "group_count": len(t.groups),
        "round_count": len(t.rounds),
        "file_url": url_for("workshop_templates_api.export_file", template_id=t.id),
    }
    if full:
        out |= {"intro": t.intro, "personas": t.personas, "groups": t.groups, "rounds": t.rounds, "tags": t.tags}
    return out


def tag_counts(t: WorkshopTemplate) -> list[tuple[str, int]]:
    counts = Counter(str(x.get("category")) for x in t.tags)
    return [(c, counts[c]) for c in CATEGORIES if counts[c]]
