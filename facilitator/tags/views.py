"""Tags and roles on the web: the vocabulary page, one-tap tagging, the JSON API for both.

- ``/workshops/<id>/tags``: the facilitator edits the workshop's vocabulary (add, rename, move, remove; removing
  a tag in use asks first and removes its uses), and sees the measure kinds by persona and the role groups.
- ``POST /w/<id>/contributions/<cid>/tags``: a participant puts a tag on (or takes it off) one of their own
  posts; ``POST /workshops/<id>/contributions/<cid>/tags``: a facilitator, on any contribution. Both take a
  plain form (``add`` or ``remove`` = tag id; redirect back) or ``fetch`` JSON ``{"tag_id", "on"}``
  (answered with the contribution), and broadcast the ``contribution`` event, which carries ``tags``.
- ``/api/v1/workshops/<id>/tags...`` and ``.../contributions/<cid>/tags``: the same for API clients.

One write path as elsewhere: the domain function (sessions/tags/) validates and commits, then
``publish`` emits (realtime/publish.py). Roles are only ever shown in aggregates (sessions/contributions/roles.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Flask,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from facilitator import ratelimit, web
from facilitator.auth import (
    api_participant,
    bearer_token,
    facilitator_required,
    participant_for,
)
from facilitator.contributions.views import back_to_table, to_card
from facilitator.db import get_db
from facilitator.errors import WebError
from sessions.accounts.service import user_by_api_token
from sessions.contributions import roles
from sessions.contributions.models import Participant
from sessions.core import errors as core_errors
from sessions.core.errors import DomainError
from sessions.tags import models as tags_models
from sessions.tags import report as tags_report
from sessions.tags import service as tags
from sessions.workshops import service as svc
from sessions.workshops.models import Workshop

bp = Blueprint("tagging", __name__)
api_bp = web.api_blueprint("tags_api", __name__)

CATEGORY_LABELS: dict[str, Any] = {
    "measure": _l("Kind of measure"),
    "level": _l("Level"),
    "need": _l("Need type"),
}
ROLE_LABELS: dict[str, Any] = {
    "leder": _l("Leader"),
    "mellomleder": _l("Middle manager"),
    "ansatt": _l("Employee"),
    "tillitsvalgt": _l("Union representative"),
    "hr": _l("HR"),
    "ekstern": _l("External"),
    roles.OTHER: _l("Others / not given"),
}


def category_label(key: str) -> str:
    return str(CATEGORY_LABELS.get(key, key))


def role_label(key: str) -> str:
    return str(ROLE_LABELS.get(key, key))


def role_options() -> list[tuple[str, str]]:
    """``(value, label)`` for the join form: "prefer not to say" first, then the roles."""
    return [("", _("Prefer not to say"))] + [(key, role_label(key)) for key in roles.ROLES]


class TagPicker:
    """What a page needs to show tag toggles: the vocabulary by category, and the same as JSON for tags.js."""

    def __init__(self, vocabulary: list[tags_models.Tag]) -> None:
        self.categories = [
            {"key": g.category, "label": category_label(g.category), "tags": [{"id": t.id, "label": t.label} for t in g.tags]}
            for g in tags.grouped(vocabulary)
            if g.tags
        ]

    def __bool__(self) -> bool:
        return bool(self.categories)

    def script(self) -> Markup:
        """``<script type="application/json" id="tag-vocabulary">`` for tags.js (escaped like ``tojson``)."""
        data = {
            "categories": self.categories,
            "strings": {
                "summary": _("Add tags"),
                "tags": _("Tags"),
                "saved": _("Saved."),
                "error": _("Something went wrong. Try again."),
                "offline": _("Offline – reconnecting…"),
            },
        }
        text = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        return Markup('<script type="application/json" id="tag-vocabulary">') + Markup(text) + Markup("</script>")


def tag_picker(workshop_id: int) -> TagPicker:
    return TagPicker(tags.vocabulary(get_db(), workshop_id))


SLASH_BETWEEN_WORDS = re.compile(r"(?<=\w)/(?=\w)")


def slash_breaks(label: str) -> Markup:
    """A tag label («mentor/veiledning») that may end a line after a slash between two words: on a narrow
    phone with large text it wraps there instead of inside a word. tags.js draws live cards the same way."""
    return Markup("/<wbr>").join(escape(part) for part in SLASH_BETWEEN_WORDS.split(label))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.filters["slash_breaks"] = slash_breaks
    app.register_blueprint(api_bp)
    app.jinja_env.globals["tag_picker"] = tag_picker
    app.jinja_env.globals["tag_category_label"] = category_label
    app.jinja_env.globals["role_label"] = role_label
    app.jinja_env.globals["role_options"] = role_options


# -- helpers -------------------------------------------------------------------------------------------


def _toggle(data: Any) -> tuple[object, object]:
    """``(tag_id, on)`` from a form (``add`` or ``remove`` = tag id) or JSON (``tag_id``, ``on``)."""
    if data.get("add") not in (None, ""):
        return data.get("add"), True
    if data.get("remove") not in (None, ""):
        return data.get("remove"), False
    return data.get("tag_id"), data.get("on", True)


def _limit(p: Participant) -> None:
    """A participant's tagging is rate limited (a facilitator's is not)."""
    if not ratelimit.allow("tag", f"p{p.id}"):
        raise WebError("rate_limited", 429)


# -- the write functions, one per action, shared by the forms, fetch and the API -------------------------


def _add(ws: Workshop, data: Any) -> tags.TagChange:
    return tags.TagChange(tags.add_tag(get_db(), ws, data.get("category"), data.get("label")))


def _rename(ws: Workshop, tag_id: int, label: object) -> tags.TagChange:
    return tags.rename_tag(get_db(), ws, tag_id, label)


def _edit(ws: Workshop, tag_id: int, data: dict[str, Any]) -> tags.TagChange:
    """Rename (``label``) and/or move (``position``); the position is checked before anything is stored."""
    if "label" not in data and "position" not in data:
        raise WebError("bad_json", 400)
    if "position" in data:
        tags.parse_position(data.get("position"))
    renamed = _rename(ws, tag_id, data.get("label")) if "label" in data else None
    if "position" in data:
        moved = tags.move_tag(get_db(), ws, tag_id, position=data.get("position"))
        return tags.TagChange(moved.tag, renamed.changed if renamed else [])
    assert renamed is not None
    return renamed


def _remove(ws: Workshop, tag_id: int, confirm: object) -> tags.TagChange:
    return tags.remove_tag(get_db(), ws, tag_id, confirm=tags.parse_on(confirm or False, "confirm"))


# -- the vocabulary page -------------------------------------------------------------------------------


@bp.route("/workshops/<int:workshop_id>/tags")
@facilitator_required
def vocabulary(workshop_id: int):  # type: ignore[no-untyped-def]
    db = get_db()
    ws = svc.load_for_dashboard(db, web.facilitated(workshop_id).id)
    vocab = tags.vocabulary(db, ws.id)
    return render_template(
        "tags/vocabulary.html",
        ws=ws,
        categories=tags.grouped(vocab),
        uses=tags.tag_uses(db, ws.id),
        max_label=tags_models.MAX_LABEL,
        measures=tags_report.measure_kinds_by_persona(db, ws.id),
        differences=roles.role_differences(db, ws.id),
    )


def _back(ws_id: int, anchor: str = "") -> Any:
    return redirect(url_for("tagging.vocabulary", workshop_id=ws_id) + (f"#{anchor}" if anchor else ""))


def _vocab_write(ws_id: int, anchor: str, action: Callable[[], tags.TagChange], success: str) -> Any:
    return web.run(
        action,
        success=success,
        back=lambda: _back(ws_id, anchor),
        body=lambda r, _published: {"tag": r.tag.as_dict(), "changed": len(r.changed)},
    )


@bp.route("/workshops/<int:workshop_id>/tags", methods=["POST"])
@facilitator_required
def add(workshop_id: int):  # type: ignore[no-untyped-def]
    ws = web.facilitated(workshop_id)
    data = web.request_data()
    category = data.get("category")
    anchor = f"cat-{category}" if category in tags_models.CATEGORIES else ""
    return _vocab_write(ws.id, anchor, lambda: _add(ws, data), _("The tag was added."))


@bp.route("/workshops/<int:workshop_id>/tags/<int:tag_id>", methods=["POST"])
@facilitator_required
def rename(workshop_id: int, tag_id: int):  # type: ignore[no-untyped-def]
    ws = web.facilitated(workshop_id)
    label = web.request_data().get("label")
    return _vocab_write(ws.id, f"tag-{tag_id}", lambda: _rename(ws, tag_id, label), _("The tag was renamed."))


@bp.route("/workshops/<int:workshop_id>/tags/<int:tag_id>/move", methods=["POST"])
@facilitator_required
def move(workshop_id: int, tag_id: int):  # type: ignore[no-untyped-def]
    ws = web.facilitated(workshop_id)
    offset = -1 if web.request_data().get("direction") == "up" else 1
    return _vocab_write(ws.id, f"tag-{tag_id}", lambda: tags.move_tag(get_db(), ws, tag_id, offset=offset), _("Saved."))


@bp.route("/workshops/<int:workshop_id>/tags/<int:tag_id>/delete", methods=["POST"])
@facilitator_required
def remove(workshop_id: int, tag_id: int):  # type: ignore[no-untyped-def]
    """Remove a tag. If contributions carry it and ``confirm`` is not set, a form asks first (JSON: 409)."""
    ws = web.facilitated(workshop_id)
    confirm = web.request_data().get("confirm")

    def ask_first(err: DomainError) -> Any:
        if not isinstance(err, core_errors.TagInUse):
            return None
        return render_template(
            "tags/confirm_remove.html", ws=ws, tag_id=tag_id, label=err.params.get("label", ""), uses=err.params.get("uses", 0)
        )

    return web.run(
        lambda: _remove(ws, tag_id, confirm),
        success=_("The tag was removed."),
        back=lambda: _back(ws.id),
        body=lambda r, _published: {"removed": tag_id, "changed": len(r.changed)},
        refused=ask_first,
    )


# -- tagging ---------------------------------------------------------------------------------------------


@bp.route("/workshops/<int:workshop_id>/contributions/<int:contribution_id>/tags", methods=["POST"])
@facilitator_required
def tag_any(workshop_id: int, contribution_id: int):  # type: ignore[no-untyped-def]
    """A facilitator tags any contribution of their workshop (also hidden ones, also after the workshop)."""
    ws = web.facilitated(workshop_id)
    tag_id, on = _toggle(web.request_data())
    live = url_for("admin.live", workshop_id=ws.id)
    return web.run(
        lambda: tags.set_tag(get_db(), ws.id, contribution_id, tag_id, on),
        success=_("Saved."),
        back=lambda: redirect(live),
        body=lambda r, _published: {"contribution": r.contribution.as_event(staff=True)},
        done=lambda _r: redirect(live + f"#c{contribution_id}"),
    )


@bp.route("/w/<int:workshop_id>/contributions/<int:contribution_id>/tags", methods=["POST"])
def tag_own(workshop_id: int, contribution_id: int):  # type: ignore[no-untyped-def]
    """A participant tags one of their own visible contributions while the workshop is open."""
    p = participant_for(workshop_id)
    if p is None:
        raise WebError("not_joined", 403)
    data = web.request_data()
    _limit(p)
    tag_id, on = _toggle(data)

    return web.run(
        lambda: tags.set_tag(get_db(), workshop_id, contribution_id, tag_id, on, participant=p),
        success=_("Saved."),
        back=lambda: back_to_table(workshop_id, p.group_id),
        reply=lambda r: {"contribution": r.contribution.as_event()},
        done=lambda r: to_card(r.contribution),
    )


# -- the JSON API ----------------------------------------------------------------------------------------


def _vocab_json(ws_id: int) -> dict[str, Any]:
    db = get_db()
    uses = tags.tag_uses(db, ws_id)
    return {"categories": list(tags_models.CATEGORIES), "tags": [t.as_dict(uses.get(t.id, 0)) for t in tags.vocabulary(db, ws_id)]}


@api_bp.route("/workshops/<int:workshop_id>/tags", methods=["GET"])
def api_vocabulary(workshop_id: int):  # type: ignore[no-untyped-def]
    ws = web.api_facilitated(workshop_id)
    return jsonify(_vocab_json(ws.id))


@api_bp.route("/workshops/<int:workshop_id>/tags", methods=["POST"])
def api_add(workshop_id: int):  # type: ignore[no-untyped-def]
    ws = web.api_facilitated(workshop_id)
    data = web.json_body()
    return web.run(lambda: _add(ws, data), reply=lambda r: r.tag.as_dict(0), status=201)


@api_bp.route("/workshops/<int:workshop_id>/tags/<int:tag_id>", methods=["PATCH"])
def api_edit(workshop_id: int, tag_id: int):  # type: ignore[no-untyped-def]
    """Rename (``label``) and/or move (``position``, 0-based within the category) a tag."""
    ws = web.api_facilitated(workshop_id)
    data = web.json_body()
    return web.run(lambda: _edit(ws, tag_id, data), reply=lambda r: r.tag.as_dict(tags.tag_uses(get_db(), ws.id).get(r.tag.id, 0)))


@api_bp.route("/workshops/<int:workshop_id>/tags/<int:tag_id>", methods=["DELETE"])
def api_remove(workshop_id: int, tag_id: int):  # type: ignore[no-untyped-def]
    """Remove a tag; one in use needs ``?confirm=true`` (or ``{"confirm": true}``), else 409 ``tag_in_use``."""
    ws = web.api_facilitated(workshop_id)
    body = request.get_json(silent=True) if request.data else None
    confirm = request.args.get("confirm")
    if confirm is None and isinstance(body, dict):
        confirm = body.get("confirm")
    return web.run(lambda: _remove(ws, tag_id, confirm), reply=lambda r: {"removed": tag_id, "uses_removed": r.removed_uses})


@api_bp.route("/workshops/<int:workshop_id>/contributions/<int:contribution_id>/tags", methods=["PUT"])
def api_set_tags(workshop_id: int, contribution_id: int):  # type: ignore[no-untyped-def]
    """Replace a contribution's tags: a facilitator on any contribution, a participant on their own."""
    db = get_db()
    token = bearer_token()
    if token and user_by_api_token(db, token) is not None:
        ws = web.api_facilitated(workshop_id)
        tag_ids = web.json_body().get("tag_ids")
        return web.run(
            lambda: tags.set_tags(db, ws.id, contribution_id, tag_ids), reply=lambda r: r.contribution.as_event(staff=True)
        )
    p = api_participant(workshop_id)
    _limit(p)
    tag_ids = web.json_body().get("tag_ids")
    return web.run(
        lambda: tags.set_tags(db, workshop_id, contribution_id, tag_ids, participant=p), reply=lambda r: r.contribution.as_event()
    )
