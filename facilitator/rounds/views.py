"""Running the room: the plan, the round controls, moderation, the wall's view, and the phones' dots.

Every control is an HTTP POST by a facilitator *of that workshop* (anyone else gets 404, as for every
facilitator page) → one domain function (``sessions.rounds``, ``sessions.moderation``,
``sessions.rounds.voting``) → commit → ``publish`` (realtime/publish.py). A plain form is answered with a
redirect back (and a flash); ``fetch`` with ``Accept: application/json`` gets JSON. Nothing here runs
a timer: the deadline is stored and every client counts down to it.

Also the context the phone, wall and dashboard templates need, and :func:`live_for`, the ``live`` part
of a ``watch`` ack (so a client that reconnects shows the right round and time).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _

from facilitator import ratelimit, web
from facilitator.auth import facilitator_required, participant_for
from facilitator.contributions.views import back_to_table
from facilitator.db import get_db
from facilitator.errors import WebError
from facilitator.rounds import presenters
from facilitator.rounds.presenters import (
    ROUND_TYPES,
    countdown,
    minutes,
    round_type,
    status_label,
)
from sessions.contributions import moderation
from sessions.core.base import utcnow
from sessions.core.changes import PlanChanged, VotesChanged
from sessions.core.errors import ValidationFailed
from sessions.rounds import plan as rounds_plan
from sessions.rounds import service as rounds
from sessions.rounds import voting
from sessions.rounds.models import VoteScope
from sessions.workshops import service as svc

bp = Blueprint("control", __name__)


def _back(ws_id: int) -> Callable[[], Any]:
    """Back to the page the form came from: the plan or the live dashboard."""
    where = request.form.get("back") if not request.is_json else None
    if where == "plan":
        return lambda: redirect(url_for("control.plan", workshop_id=ws_id))
    return lambda: redirect(url_for("admin.live", workshop_id=ws_id))


def _run(ws_id: int, action: Callable[[], Any], success: str, *, plan: bool = False) -> Any:
    """One control (see web.run); ``plan``: the change is the plan of rounds, whatever the domain returned."""
    return web.run(action, success=success, back=_back(ws_id), change=(lambda _r: PlanChanged(ws_id)) if plan else None)


def _spec(data: Any) -> rounds_plan.RoundSpec:
    kind = data.get("type", "none")
    if kind not in ROUND_TYPES:
        raise ValidationFailed("kinds", "unknown_kind")
    kinds, is_voting = ROUND_TYPES[kind]
    return rounds_plan.RoundSpec.parse(
        data.get("name"),
        data.get("prompt"),
        data.get("minutes"),
        list(kinds),
        is_voting,
        data.get("dots") or 5,
        data.get("scope") or VoteScope.all.value,
    )


def _id(value: Any, field: str) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return int(str(value))
    except ValueError:
        raise ValidationFailed(field, "not_a_number") from None


# -- the plan ----------------------------------------------------------------------------------------


@bp.route("/workshops/<int:workshop_id>/plan")
@facilitator_required
def plan(workshop_id: int):  # type: ignore[no-untyped-def]
    db = get_db()
    ws = svc.load_for_dashboard(db, web.facilitated(workshop_id).id)
    started, table = rounds.history(db, ws.id)
    return render_template(
        "rounds/plan.html",
        ws=ws,
        plan=rounds.plan(db, ws.id),
        rotation=moderation.current_wall(db, ws.id).rotation,
        started=started,
        history=table,
        persona_names=presenters._personas(ws),
        round_type=round_type,
        now=utcnow(),
    )


@bp.route("/workshops/<int:workshop_id>/rounds", methods=["POST"])
@facilitator_required
def add_round(workshop_id: int):  # type: ignore[no-untyped-def]
    ws = web.facilitated(workshop_id)
    data = web.request_data()
    return _run(ws.id, lambda: rounds_plan.add_round(get_db(), ws, _spec(data)), _("The round was added."), plan=True)


@bp.route("/workshops/<int:workshop_id>/rounds/default", methods=["POST"])
@facilitator_required
def default_plan(workshop_id: int):  # type: ignore[no-untyped-def]
    ws = web.facilitated(workshop_id)
    return _run(ws.id, lambda: rounds_plan.add_default_plan(get_db(), ws), _("The default plan was added."), plan=True)


@bp.route("/workshops/<int:workshop_id>/rounds/<int:round_id>", methods=["POST"])
@facilitator_required
def update_round(workshop_id: int, round_id: int):  # type: ignore[no-untyped-def]
    ws = web.facilitated(workshop_id)
    data = web.request_data()
    return _run(ws.id, lambda: rounds_plan.update_round(get_db(), ws, round_id, _spec(data)), _("The round was saved."), plan=True)


@bp.route("/workshops/<int:workshop_id>/rounds/<int:round_id>/delete", methods=["POST"])
@facilitator_required
def delete_round(workshop_id: int, round_id: int):  # type: ignore[no-untyped-def]
    ws = web.facilitated(workshop_id)
    return _run(ws.id, lambda: rounds_plan.delete_round(get_db(), ws, round_id), _("The round was removed."), plan=True)


@bp.route("/workshops/<int:workshop_id>/rounds/<int:round_id>/move", methods=["POST"])
@facilitator_required
def move_round(workshop_id: int, round_id: int):  # type: ignore[no-untyped-def]
    ws = web.facilitated(workshop_id)
    offset = -1 if web.request_data().get("direction") == "up" else 1
    return _run(ws.id, lambda: rounds_plan.move_round(get_db(), ws, round_id, offset), _("The plan was saved."), plan=True)


@bp.route("/workshops/<int:workshop_id>/rotation", methods=["POST"])
@facilitator_required
def rotation(workshop_id: int):  # type: ignore[no-untyped-def]
    ws = web.facilitated(workshop_id)
    on = web.request_data().get("rotation")
    # Nothing to tell the rooms now: the rotation applies when the next round starts.
    return web.run(
        lambda: rounds_plan.set_rotation(get_db(), ws, on),
        success=_("Saved."),
        back=_back(ws.id),
        change=web.unpublished,
        body=lambda state, _published: {"rotation": state.rotation},
    )


# -- running the rounds ------------------------------------------------------------------------------


@bp.route("/workshops/<int:workshop_id>/rounds/start", methods=["POST"])
@bp.route("/workshops/<int:workshop_id>/rounds/<int:round_id>/start", methods=["POST"])
@facilitator_required
def start_round(workshop_id: int, round_id: int | None = None):  # type: ignore[no-untyped-def]
    ws = web.facilitated(workshop_id)
    return _run(ws.id, lambda: rounds.start_round(get_db(), ws, round_id), _("The round has started."))


CONTROLS: dict[str, Callable[..., Any]] = {
    "pause": rounds.pause_round,
    "resume": rounds.resume_round,
    "extend": rounds.extend_round,
    "end": rounds.end_round,
}


@bp.route("/workshops/<int:workshop_id>/rounds/<int:round_id>/<any(pause, resume, extend, end):action>", methods=["POST"])
@facilitator_required
def control_round(workshop_id: int, round_id: int, action: str):  # type: ignore[no-untyped-def]
    ws = web.facilitated(workshop_id)
    fn = CONTROLS[action]
    messages = {
        "pause": _("The round is paused."),
        "resume": _("The round continues."),
        "extend": _("Two more minutes."),
        "end": _("The round has ended."),
    }
    return _run(ws.id, lambda: fn(get_db(), ws, round_id), messages[action])


# -- moderation and the wall -------------------------------------------------------------------------


@bp.route(
    "/workshops/<int:workshop_id>/contributions/<int:contribution_id>/<any(hide, unhide, edit, merge, unmerge):action>",
    methods=["POST"],
)
@facilitator_required
def moderate(workshop_id: int, contribution_id: int, action: str):  # type: ignore[no-untyped-def]
    ws = web.facilitated(workshop_id)
    data = web.request_data()
    db = get_db()
    actions: dict[str, tuple[Callable[[], Any], str]] = {
        "hide": (lambda: moderation.hide(db, ws, contribution_id), _("Hidden. It stays in the archive.")),
        "unhide": (lambda: moderation.unhide(db, ws, contribution_id), _("Shown again.")),
        "edit": (lambda: moderation.edit(db, ws, contribution_id, data.get("text")), _("Saved. The original text is kept.")),
        "merge": (
            lambda: moderation.merge(db, ws, contribution_id, _id(data.get("into"), "into")),
            _("Merged. Both texts and their dots are kept."),
        ),
        "unmerge": (lambda: moderation.unmerge(db, ws, contribution_id), _("The merge was undone.")),
    }
    action_fn, message = actions[action]
    return _run(ws.id, action_fn, message)


@bp.route("/workshops/<int:workshop_id>/spotlight", methods=["POST"])
@facilitator_required
def spotlight(workshop_id: int):  # type: ignore[no-untyped-def]
    ws = web.facilitated(workshop_id)
    target = _id(web.request_data().get("contribution_id"), "contribution_id")
    message = _("On the wall.") if target else _("The spotlight is off.")
    return _run(ws.id, lambda: moderation.set_spotlight(get_db(), ws, target), message)


@bp.route("/workshops/<int:workshop_id>/wall", methods=["POST"])
@facilitator_required
def wall_view(workshop_id: int):  # type: ignore[no-untyped-def]
    ws = web.facilitated(workshop_id)
    data = web.request_data()
    view, persona = data.get("view"), _id(data.get("persona_id"), "persona_id")
    return _run(ws.id, lambda: moderation.set_wall_view(get_db(), ws, view, persona), _("The wall was switched."))


# -- the phones' dots --------------------------------------------------------------------------------


@bp.route("/w/<int:workshop_id>/votes", methods=["POST"])
def vote(workshop_id: int):  # type: ignore[no-untyped-def]
    """A participant puts a dot on a contribution (``dot`` true) or takes it back (``dot`` false).

    JSON (the phone's fetch) answers ``{"ballot": {...}}``; a plain form redirects back to the table.
    """
    p = participant_for(workshop_id)
    if p is None:
        raise WebError("not_joined", 403)
    if not ratelimit.allow("vote", f"p{p.id}"):
        raise WebError("rate_limited", 429)
    data = web.request_data()
    target = _id(data.get("contribution_id"), "contribution_id")
    add = data.get("dot") not in (False, "false", "0", "off", "")
    db = get_db()
    return web.run(
        lambda: voting.cast(db, p, target) if add else voting.withdraw(db, p, target),
        change=lambda _ballot: VotesChanged(workshop_id),
        success=_("Your dot was placed.") if add else _("Your dot was taken back."),
        back=lambda: back_to_table(workshop_id, p.group_id),
        reply=lambda ballot: {"ballot": ballot.as_dict()},
    )


def init_app(app: Any) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["round_status_label"] = status_label
    app.jinja_env.globals["round_type"] = round_type
    app.jinja_env.filters["countdown"] = countdown
    app.jinja_env.filters["minutes"] = minutes
