"""JSON API under /api/v1 with bearer tokens (facilitator token from the CLI, participant token from /join).

Errors are ``{"error": {"code", "message"[, "field"]}}`` with a 4xx status; see docs/api.md.
Cookies are ignored here, so the API needs no CSRF token.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, jsonify

from facilitator import web
from facilitator.auth import api_participant, api_user, bearer_token
from facilitator.contributions import views as contributions
from facilitator.db import get_db
from facilitator.errors import WebError
from facilitator.web import api_facilitated, json_body
from facilitator.workshops import views as admin
from facilitator.workshops.personas import library
from facilitator.workshops.views import join_url
from sessions.accounts.service import user_by_api_token
from sessions.contributions import service as participation
from sessions.core.errors import ValidationFailed
from sessions.workshops import service as svc
from sessions.workshops.joining import JoinView, join_view
from sessions.workshops.models import Workshop

bp = web.api_blueprint("api", __name__)

OPENAPI = Path(__file__).with_name("openapi.json")
COMPACT = (",", ":")  # jsonify's separators outside debug mode


def _workshop_json(ws: Workshop | JoinView) -> dict[str, Any]:
    # Each persona's card once, however many tables have it (100 tables share five personas).
    cards = {id(grp.persona): _persona_json(grp.persona) for grp in ws.groups if grp.persona}
    return {
        "id": ws.id,
        "title": ws.title,
        "date": ws.date.isoformat() if ws.date else None,
        "place": ws.place,
        "status": ws.status.value,
        "join_code": ws.join_code,
        "join_url": join_url(ws),
        # The template it was made from (sessions/workshop_templates/), while that exists.
        "template_id": ws.template_id,
        "groups": [
            {
                "id": grp.id,
                "name": grp.name,
                "persona": cards[id(grp.persona)] if grp.persona else None,
            }
            for grp in ws.groups
        ],
    }


def _persona_json(p: Any) -> dict[str, Any]:
    return {
        "id": p.key,
        "name": p.name,
        "age": p.age,
        "role": p.role,
        "card": p.card,
        "questions": list(p.questions),
    }


@bp.route("/openapi.json")
def openapi():  # type: ignore[no-untyped-def]
    return Response(OPENAPI.read_text(encoding="utf-8"), mimetype="application/json")


@bp.route("/personas")
def personas():  # type: ignore[no-untyped-def]
    api_user()
    return jsonify(personas=[spec.to_dict() for spec in library().values()])


@bp.route("/workshops", methods=["POST"])
def create_workshop():  # type: ignore[no-untyped-def]
    user = api_user()
    data = json_body()
    details = svc.WorkshopDetails.parse(data.get("title"), data.get("date"), data.get("place", ""), data.get("intro", ""))
    groups_in = data.get("groups", [])
    if not isinstance(groups_in, list):
        raise ValidationFailed("groups", "not_a_list")
    lib = library()
    keys: list[str] = []
    groups: list[tuple[str, str | None]] = []
    for item in groups_in:
        if not isinstance(item, dict):
            raise ValidationFailed("groups", "not_a_list")
        key = item.get("persona_id")
        if key is not None and (not isinstance(key, str) or key not in lib):
            raise ValidationFailed("persona_id", "unknown_persona", persona=str(key))
        if key is not None and key not in keys:
            keys.append(key)
        groups.append((item.get("name"), key))
    return web.run(
        lambda: svc.create_workshop(get_db(), user, details, [lib[k] for k in keys], groups),
        change=web.unpublished,  # a draft: no screen watches it yet
        reply=dashboard_json,
        status=201,
    )


@bp.route("/workshops/<int:workshop_id>", methods=["GET"])
def get_workshop(workshop_id: int):  # type: ignore[no-untyped-def]
    ws = api_facilitated(workshop_id)
    return jsonify(dashboard_json(ws))


@bp.route("/workshops/<int:workshop_id>/open", methods=["POST"])
def open_workshop(workshop_id: int):  # type: ignore[no-untyped-def]
    return admin.open_it(api_facilitated(workshop_id), reply=dashboard_json)


@bp.route("/workshops/<int:workshop_id>/close", methods=["POST"])
def close_workshop(workshop_id: int):  # type: ignore[no-untyped-def]
    return admin.close_it(api_facilitated(workshop_id), reply=dashboard_json)


def dashboard_json(ws: Workshop) -> dict[str, Any]:
    return _workshop_json(svc.load_for_dashboard(get_db(), ws.id))


@bp.route("/join", methods=["POST"])
def join():  # type: ignore[no-untyped-def]
    data = json_body()
    if not contributions.join_allowed():
        raise WebError("rate_limited", 429)
    participant, token = contributions.join_workshop(
        data.get("code"), data.get("display_name"), group_id=data.get("group_id"), role=data.get("role")
    )
    json = current_app.json
    head = json.dumps({"group_id": participant.group_id, "participant_id": participant.id, "token": token}, separators=COMPACT)
    # Sorted keys, "workshop" last: the same answer as jsonify would make of all four.
    body = f'{head[:-1]},"workshop":{_join_workshop_json(join_view(get_db(), participant.workshop_id), json)}}}\n'
    return Response(body, 201, mimetype="application/json")


@functools.lru_cache(maxsize=64)
def _join_workshop_json(view: JoinView, provider: Any) -> str:
    """The ``workshop`` of a join answer, encoded once per workshop as it stands (``view`` is a frozen value:
    a renamed table or an edited persona is another key). With 100 tables each carrying its persona's card
    the answer is about 200 KB, and encoding it for every phone of a join burst was an eighth of the
    burst's CPU (py-spy, docs/performance.md)."""
    body = _workshop_json(view)
    body.pop("join_url", None)
    body.pop("template_id", None)  # participants never see templates
    return str(provider.dumps(body, separators=COMPACT))


@bp.route("/workshops/<int:workshop_id>/group", methods=["PUT"])
def choose_group(workshop_id: int):  # type: ignore[no-untyped-def]
    """A participant moves to a group (table) of their workshop."""
    p = api_participant(workshop_id)
    data = json_body()
    p = participation.choose_group(get_db(), p, data.get("group_id"))
    return jsonify(participant_id=p.id, group_id=p.group_id)


@bp.route("/workshops/<int:workshop_id>/contributions", methods=["POST"])
def post_contribution(workshop_id: int):  # type: ignore[no-untyped-def]
    p = api_participant(workshop_id)
    data = json_body()
    c, created = contributions.submit(p, data, data.get("group_id"))
    return jsonify(c.as_event()), (201 if created else 200)


@bp.route("/workshops/<int:workshop_id>/contributions/<int:contribution_id>", methods=["PATCH"])
def patch_contribution(workshop_id: int, contribution_id: int):  # type: ignore[no-untyped-def]
    p = api_participant(workshop_id)
    data = json_body()
    c = contributions.edit(p, contribution_id, data)
    return jsonify(c.as_event())


@bp.route("/workshops/<int:workshop_id>/contributions/<int:contribution_id>", methods=["DELETE"])
def delete_contribution(workshop_id: int, contribution_id: int):  # type: ignore[no-untyped-def]
    p = api_participant(workshop_id)
    c = contributions.delete(p, contribution_id)
    return jsonify(c.as_event())


@bp.route("/workshops/<int:workshop_id>/contributions", methods=["GET"])
def list_contributions(workshop_id: int):  # type: ignore[no-untyped-def]
    """Facilitators see every contribution; a participant sees their own group's.

    ``seq`` is read before the list, so a client that later catches up from it misses nothing.
    """
    db = get_db()
    token = bearer_token()
    user = user_by_api_token(db, token) if token else None
    if user is not None:
        ws = svc.workshop_for_facilitator(db, workshop_id, user)
        seq = participation.last_seq(db, ws.id)
        items = participation.contributions(db, ws.id)
    else:
        p = api_participant(workshop_id)
        seq = participation.last_seq(db, workshop_id)
        items = [] if p.group_id is None else participation.contributions(db, workshop_id, group_id=p.group_id)
    return jsonify(seq=seq, contributions=[c.as_event() for c in items])


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
