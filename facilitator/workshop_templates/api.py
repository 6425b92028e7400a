"""The templates' part of the JSON API (/api/v1, a facilitator's bearer token; docs/api.md, openapi.json).

The same domain calls as the pages (``views.py``), through ``web.run``; nothing is published.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, jsonify, request

from facilitator import web
from facilitator.api import dashboard_json
from facilitator.auth import api_user
from facilitator.db import get_db
from facilitator.report.views import attachment
from facilitator.workshop_templates import presenters
from sessions.core.errors import ValidationFailed
from sessions.workshop_templates import content
from sessions.workshop_templates import service as svc
from sessions.workshop_templates.models import WorkshopTemplate

bp = web.api_blueprint("workshop_templates_api", __name__)


@bp.url_value_preprocessor
def _file_limit(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    """A template file may be larger than other bodies (64 KiB); raised before anything reads the body."""
    if endpoint == "workshop_templates_api.import_template":
        request.max_content_length = content.MAX_FILE_BYTES

EDITABLE = ("name", "description", "intro", "personas", "groups", "rounds")


def file_response(t: WorkshopTemplate) -> Response:
    """The template file as a download named after the template."""
    data = json.dumps(svc.export_document(t), ensure_ascii=False, indent=2).encode("utf-8")
    return attachment(data, "json", presenters.file_name(t))


def _reply(status: int = 200) -> Any:
    return {"reply": lambda t: presenters.template_json(t, api_user()), "status": status, "change": web.unpublished}


@bp.route("/templates", methods=["GET"])
def list_templates():  # type: ignore[no-untyped-def]
    user = api_user()
    presenters.ensure_builtins(get_db())
    return jsonify(templates=[presenters.template_json(t, user, full=False) for t in svc.templates(get_db())])


@bp.route("/templates/<int:template_id>", methods=["GET"])
def get_template(template_id: int):  # type: ignore[no-untyped-def]
    user = api_user()
    return jsonify(presenters.template_json(svc.get_template(get_db(), template_id), user))


@bp.route("/templates/<int:template_id>", methods=["PATCH"])
def update_template(template_id: int):  # type: ignore[no-untyped-def]
    user = api_user()
    data = web.json_body()
    changes = {k: data[k] for k in EDITABLE if k in data}
    return web.run(lambda: svc.update_template(get_db(), user, template_id, changes), **_reply())


@bp.route("/templates/<int:template_id>", methods=["DELETE"])
def delete_template(template_id: int):  # type: ignore[no-untyped-def]
    svc.delete_template(get_db(), api_user(), template_id)
    return "", 204


@bp.route("/templates/<int:template_id>/replace", methods=["POST"])
def replace_template(template_id: int):  # type: ignore[no-untyped-def]
    """The template's contents from a workshop the token's facilitator runs (``workshop_id``)."""
    user = api_user()
    data = web.json_body()
    workshop_id = data.get("workshop_id")
    if not isinstance(workshop_id, int) or isinstance(workshop_id, bool):
        raise ValidationFailed("workshop_id", "not_a_number")
    svc.changeable(get_db(), template_id, user)  # 403 before anything about the workshop
    return web.run(
        lambda: svc.replace_from_workshop(get_db(), user, template_id, web.api_facilitated(workshop_id)), **_reply()
    )


@bp.route("/templates/<int:template_id>/file", methods=["GET"])
def export_file(template_id: int):  # type: ignore[no-untyped-def]
    api_user()
    return file_response(svc.get_template(get_db(), template_id))


@bp.route("/templates/import", methods=["POST"])
def import_template():  # type: ignore[no-untyped-def]
    """The body is a template file (what ``/file`` gives), at most 256 KiB."""
    user = api_user()
    raw = request.get_data(cache=False)
    return web.run(lambda: svc.import_file(get_db(), user, raw), **_reply(201))


@bp.route("/workshops/<int:workshop_id>/template", methods=["POST"])
def save_workshop(workshop_id: int):  # type: ignore[no-untyped-def]
    """«Lagre som mal»: a new template from the workshop (``name``, optional ``description``)."""
    user = api_user()
    ws = web.api_facilitated(workshop_id)
    data = web.json_body()
    return web.run(
        lambda: svc.save_from_workshop(get_db(), user, ws, data.get("name"), data.get("description", "")), **_reply(201)
    )


@bp.route("/templates/<int:template_id>/workshops", methods=["POST"])
def new_workshop(template_id: int):  # type: ignore[no-untyped-def]
    """«Ny workshop fra mal»: ``title``, optional ``date`` and ``place``; answers the new draft workshop."""
    user = api_user()
    data = web.json_body()
    return web.run(
        lambda: svc.create_workshop_from_template(
            get_db(), user, template_id, title=data.get("title"), date=data.get("date"), place=data.get("place", "")
        ),
        change=web.unpublished,
        reply=dashboard_json,
        status=201,
    )
