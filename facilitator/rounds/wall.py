"""The projector wall: an unguessable link, no login; one lane per persona, live."""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from facilitator.db import get_db
from facilitator.rounds import presenters
from facilitator.workshops import qr
from facilitator.workshops.views import join_url, phones_cannot_reach
from sessions.contributions import service as participation
from sessions.workshops import service as svc

bp = Blueprint("wall", __name__)


@bp.route("/wall/<token>")
def show(token: str):  # type: ignore[no-untyped-def]
    db = get_db()
    ws = svc.load_for_dashboard(db, svc.workshop_by_wall_token(db, token).id)
    return render_template(
        "wall.html",
        ws=ws,
        contributions=participation.contributions(db, ws.id),
        seq=ws.last_seq,
        join_url=join_url(ws),
        loopback=phones_cannot_reach(),
        participant_count=participation.participant_count(db, ws.id),
        # Several tables may share a persona: the wall names the table on each card.
        group_names={g.id: g.name for g in ws.groups},
        **presenters.wall_context(db, ws),
    )


@bp.route("/wall/<token>/qr.svg")
def qr_code(token: str):  # type: ignore[no-untyped-def]
    ws = svc.workshop_by_wall_token(get_db(), token)
    return Response(qr.svg(join_url(ws), scale=10), mimetype="image/svg+xml")
