"""Participant pages (phones): join by code or QR, pick a group, post, edit and delete one's own.

One write path: the same POST endpoint serves a plain form (redirect back) and ``fetch`` with a
client-generated id (JSON). Broadcasts happen only after the domain function has committed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _

from facilitator import ratelimit, web
from facilitator.auth import client_address, participant_for, remember_participant
from facilitator.contributions.presenters import post_form
from facilitator.db import get_db
from facilitator.errors import WebError, describe
from facilitator.realtime.publish import publish
from facilitator.rounds import presenters
from sessions.contributions import service as participation
from sessions.contributions.models import Contribution, Participant
from sessions.core.errors import DomainError, NotFound, UnknownJoinCode
from sessions.workshops import service as svc

bp = Blueprint("participant", __name__)


def _participant_or_join(ws_id: int) -> Participant:
    p = participant_for(ws_id)
    if p is None:
        raise WebError("not_joined", 403)
    return p


# -- the writes both transports share (this blueprint's forms/fetch and the JSON API, facilitator/api.py) --


def join_allowed() -> bool:
    """Joins are rate-limited per address, and a wrong code counts against it (see ``join_workshop``)."""
    addr = client_address()
    return ratelimit.allow("join", addr) and not ratelimit.exhausted("join_code_miss", addr)


def join_workshop(code: object, name: object, *, group_id: object = None, role: object = None) -> tuple[Participant, str]:
    """Join with the code (after ``join_allowed``), then tell the rooms."""
    try:
        participant, token = participation.join(get_db(), code, name, group_id, role)
    except UnknownJoinCode:
        ratelimit.allow("join_code_miss", client_address())
        raise
    publish(participant)
    return participant, token


def submit(p: Participant, data: Any, group_id: object) -> tuple[Contribution, bool]:
    """Post (or, for a retry with the same client id, find) a contribution; a new one goes to the rooms."""
    if not ratelimit.allow("post", f"p{p.id}"):
        raise WebError("rate_limited", 429)
    posted = participation.post_contribution(
        get_db(),
        p,
        group_id,
        data.get("kind"),
        data.get("text"),
        data.get("client_id"),
        data.get("typed_at"),
        data.get("municipality"),
        data.get("grew_from_id"),
    )
    publish(posted)
    return posted.contribution, posted.created


def edit(p: Participant, contribution_id: int, data: Any) -> Contribution:
    c = participation.edit_contribution(get_db(), p, contribution_id, data.get("text"))
    publish(c)
    return c


def delete(p: Participant, contribution_id: int) -> Contribution:
    c = participation.delete_contribution(get_db(), p, contribution_id)
    publish(c)
    return c


def new_client_id() -> str:
    return uuid.uuid4().hex


@bp.route("/join", methods=["GET"])
def join_form():  # type: ignore[no-untyped-def]
    return render_template("contributions/join.html", code=request.args.get("code", ""), error=None)


@bp.route("/j/<code>")
def join_code(code: str):  # type: ignore[no-untyped-def]
    """Where the QR code points: one tap (and an optional name) to join."""
    db = get_db()
    addr = client_address()
    if ratelimit.exhausted("join_code_miss", addr):
        return _join_error(_("Too many attempts. Wait a minute and try again."), "", 429)
    try:
        ws = svc.workshop_by_code(db, code)
    except UnknownJoinCode as err:
        ratelimit.allow("join_code_miss", addr)
        return _join_error(describe(err)["message"], "", 404)
    existing = participant_for(ws.id)
    if existing is not None:
        return redirect(url_for("participant.workshop", workshop_id=ws.id))
    return render_template("contributions/join_confirm.html", ws=ws)


@bp.route("/join", methods=["POST"])
def join():  # type: ignore[no-untyped-def]
    code = request.form.get("code", "")
    name = request.form.get("display_name") or None
    if not join_allowed():
        return _join_error(_("Too many attempts. Wait a minute and try again."), code, 429)
    try:
        ws = svc.workshop_by_code(get_db(), code)
    except UnknownJoinCode as err:
        ratelimit.allow("join_code_miss", client_address())
        return _join_error(describe(err)["message"], code, 404)
    if participant_for(ws.id) is not None:
        return redirect(url_for("participant.workshop", workshop_id=ws.id))

    def joined(result: tuple[Participant, str]) -> Any:
        remember_participant(ws.id, result[1])
        return back_to_table(ws.id, None)

    return web.run(
        lambda: join_workshop(code, name, role=request.form.get("role") or None),
        change=web.unpublished,  # join_workshop has told the rooms
        refused=lambda err: _join_error(describe(err)["message"], code, err.status),
        done=joined,
    )


def _join_error(message: str, code: str, status: int):  # type: ignore[no-untyped-def]
    return render_template("contributions/join.html", code=code, error=message), status


@bp.route("/w/sw.js")
def service_worker():  # type: ignore[no-untyped-def]
    """The phone pages' service worker (static/js/sw.js): served under /w/ so that its scope is the phone
    pages, which it lets open from a copy when the network is gone (see the file)."""
    resp = send_from_directory(f"{current_app.static_folder}/js", "sw.js", mimetype="text/javascript", max_age=0)
    resp.headers["Cache-Control"] = "no-cache"
    return resp


@bp.route("/w/<int:workshop_id>")
def workshop(workshop_id: int):  # type: ignore[no-untyped-def]
    db = get_db()
    p = participant_for(workshop_id)
    if p is None:
        return redirect(url_for("participant.join_form"))
    ws = svc.load_for_dashboard(db, workshop_id)
    return render_template("contributions/pick_group.html", ws=ws, participant=p)


@bp.route("/w/<int:workshop_id>/group", methods=["POST"])
def choose_group(workshop_id: int):  # type: ignore[no-untyped-def]
    p = _participant_or_join(workshop_id)
    try:
        group_id = int(request.form.get("group_id", ""))
    except ValueError:
        flash(_("Choose a group."), "error")
        return redirect(url_for("participant.workshop", workshop_id=workshop_id))
    return web.run(
        lambda: participation.choose_group(get_db(), p, group_id),
        change=web.unpublished,  # a phone changing tables concerns no other screen
        back=lambda: back_to_table(workshop_id, None),
        done=lambda _p: back_to_table(workshop_id, group_id),
    )


@bp.route("/w/<int:workshop_id>/g/<int:group_id>")
def group(workshop_id: int, group_id: int):  # type: ignore[no-untyped-def]
    db = get_db()
    p = participant_for(workshop_id)
    if p is None:
        return redirect(url_for("participant.join_form"))
    ws = svc.load_for_dashboard(db, workshop_id)
    grp = next((g for g in ws.groups if g.id == group_id), None)
    if grp is None:
        raise NotFound("no such group")
    if p.group_id != grp.id:
        # Following a link to another table moves the participant there.
        try:
            participation.choose_group(db, p, grp.id)
        except DomainError as err:
            flash(describe(err)["message"], "error")
    items = participation.contributions(db, ws.id, group_id=grp.id)
    phone = presenters.phone_context(db, ws, grp, p)
    return render_template(
        "contributions/group.html",
        ws=ws,
        group=grp,
        persona=grp.persona,
        contributions=items,
        mine={c.id for c in items if c.participant_id == p.id},
        seq=ws.last_seq,
        client_id=new_client_id(),
        participant=p,
        **phone,
        **post_form(db, ws, grp, items, phone["live"]["snapshot"]),
    )


def back_to_table(workshop_id: int, group_id: int | None) -> Any:
    """A phone's form goes back to its table, or to the page where one picks a table."""
    if group_id:
        return redirect(url_for("participant.group", workshop_id=workshop_id, group_id=group_id))
    return redirect(url_for("participant.workshop", workshop_id=workshop_id))


def to_card(c: Contribution) -> Any:
    """A phone's form after a change to a card: its table, scrolled to the card."""
    return redirect(url_for("participant.group", workshop_id=c.workshop_id, group_id=c.group_id) + f"#c{c.id}")


def _write(action: Callable[[], Any], message: str, back: Callable[[], Any], status: Callable[[Any], int] | int = 200) -> Any:
    """A phone's write (web.run): the write functions above publish themselves; JSON ``{"contribution"}``."""
    return web.run(
        action,
        change=web.unpublished,
        success=message,
        back=back,
        reply=lambda r: {"contribution": _card(r).as_event()},
        status=status,
        done=lambda r: to_card(_card(r)),
    )


def _card(result: Any) -> Contribution:
    return result[0] if isinstance(result, tuple) else result


@bp.route("/w/<int:workshop_id>/contributions", methods=["POST"])
def post_contribution(workshop_id: int):  # type: ignore[no-untyped-def]
    """Post a contribution: plain form (redirect) or fetch with a client id (JSON, 201 or 200 on a retry)."""
    p = _participant_or_join(workshop_id)
    data = web.request_data()
    group_raw = data.get("group_id")
    try:
        group_id = int(group_raw) if group_raw not in (None, "") else -1
    except (TypeError, ValueError):
        group_id = -1
    # A refused form goes back to the participant's own table (opening another table's page would move them there).
    return _write(
        lambda: submit(p, data, group_id),
        _("Saved."),
        lambda: back_to_table(workshop_id, p.group_id or (group_id if group_id > 0 else 0)),
        status=lambda r: 201 if r[1] else 200,
    )


@bp.route("/w/<int:workshop_id>/contributions/<int:contribution_id>/edit", methods=["GET", "POST"])
def edit_contribution(workshop_id: int, contribution_id: int):  # type: ignore[no-untyped-def]
    p = _participant_or_join(workshop_id)
    db = get_db()
    if request.method == "GET":
        c = next((c for c in participation.contributions(db, workshop_id) if c.id == contribution_id and c.participant_id == p.id), None)
        if c is None:
            raise NotFound("no such contribution")
        return render_template("contributions/edit.html", ws=svc.get_workshop(db, workshop_id), c=c)
    data = web.request_data()
    return _write(
        lambda: edit(p, contribution_id, data),
        _("Saved."),
        lambda: redirect(url_for("participant.edit_contribution", workshop_id=workshop_id, contribution_id=contribution_id)),
    )


@bp.route("/w/<int:workshop_id>/contributions/<int:contribution_id>/delete", methods=["POST"])
def delete_contribution(workshop_id: int, contribution_id: int):  # type: ignore[no-untyped-def]
    p = _participant_or_join(workshop_id)
    return _write(lambda: delete(p, contribution_id), _("Deleted."), lambda: back_to_table(workshop_id, None))
