"""Privacy in the web layer: deletion on request, deleting a workshop, retention, and the automatic sweep.

Facilitators (of the workshop):
  ``/workshops/<id>/privacy``              retention, delete a participant's contributions by their code
  ``/workshops/<id>/privacy/retention``    POST: this workshop's retention in days ("" = the default)
  ``/workshops/<id>/privacy/participant``  POST: a deletion code -> what it would delete (numbers only);
                                           with ``confirm=1`` -> delete it
  ``/workshops/<id>/delete``               GET: offers the downloads (JSON archive first), asks for the
                                           title or the code; POST: deletes the workshop
Participants (phones):
  ``/w/<id>/personvern``                   their deletion code, what is stored about them, retention
  ``/w/<id>/forget``                       POST with ``confirm=1``: delete me and everything I wrote

The domain work is in ``sessions/privacy/service.py``; here: authorization, the pages, the broadcasts after the
commit (tombstones to phones, walls and dashboards; ``workshop`` with status ``deleted``), and the sweep
that ``python -m facilitator serve`` runs in the background (:func:`start_sweeper`).
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _

from facilitator import web
from facilitator.auth import facilitator_required, facilitator_user, participant_for
from facilitator.db import get_db
from facilitator.errors import WebError, describe
from facilitator.extensions import socketio
from facilitator.periodic import Periodic
from facilitator.privacy import erasure
from facilitator.privacy.erasure import (
    sweep_now,  # the sweeper calls it by this module's name (a test observes it)
)
from sessions.contributions import service as participation
from sessions.core.errors import DomainError
from sessions.privacy import service as privacy
from sessions.report import service as report_svc
from sessions.workshops import service as svc
from sessions.workshops.models import Workshop

bp = Blueprint("privacy", __name__)
log = logging.getLogger(__name__)
OSLO = ZoneInfo("Europe/Oslo")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["retention_for"] = retention_for


# -- retention, for templates -----------------------------------------------------------------------


def default_days() -> int:
    return int(current_app.config.get("RETENTION_DAYS") or privacy.DEFAULT_RETENTION_DAYS)


def local_date(when: dt.datetime) -> dt.date:
    return when.replace(tzinfo=dt.timezone.utc).astimezone(OSLO).date()


def retention_for(ws: Workshop) -> dict[str, Any]:
    """``days`` (this workshop's), ``own`` (set for it), ``default``, ``date`` (the deletion day in
    Europe/Oslo, once closed) and ``text`` (one sentence for the dashboard)."""
    days = privacy.retention_days(ws, default_days())
    when = privacy.delete_after(ws, default_days())
    if when is not None:
        date = local_date(when)
        text = _("Deleted automatically on %(date)s.", date=format_date(date, format="long"))
    else:
        date = None
        text = _("Deleted automatically %(days)s days after the workshop is closed.", days=days)
    return {"days": days, "own": ws.retention_days is not None, "default": default_days(), "date": date, "text": text}


# -- facilitators: the workshop's privacy page -------------------------------------------------------


def _ws(workshop_id: int) -> Workshop:
    return svc.workshop_for_facilitator(get_db(), workshop_id, facilitator_user())


def _page(ws: Workshop, status: int = 200, **extra: Any):  # type: ignore[no-untyped-def]
    context: dict[str, Any] = {
        "ws": ws,
        "retention": retention_for(ws),
        "participant_count": participation.participant_count(get_db(), ws.id),
        "code_error": None,
        "retention_error": None,
        "found": None,
        "code": "",
        "min_days": privacy.MIN_RETENTION_DAYS,
        "max_days": privacy.MAX_RETENTION_DAYS,
    }
    context.update(extra)
    return render_template("privacy/manage.html", **context), status


@bp.route("/workshops/<int:workshop_id>/privacy")
@facilitator_required
def manage(workshop_id: int):  # type: ignore[no-untyped-def]
    return _page(_ws(workshop_id))


@bp.route("/workshops/<int:workshop_id>/privacy/retention", methods=["POST"])
@facilitator_required
def retention(workshop_id: int):  # type: ignore[no-untyped-def]
    ws = _ws(workshop_id)
    return web.run(
        lambda: privacy.set_retention(get_db(), ws, request.form.get("retention_days")),
        change=web.unpublished,
        success=_("Saved."),
        refused=lambda err: _page(ws, 422, retention_error=describe(err)["message"]),
        done=lambda _ws: redirect(url_for("privacy.manage", workshop_id=ws.id)),
    )


@bp.route("/workshops/<int:workshop_id>/privacy/participant", methods=["POST"])
@facilitator_required
def forget_participant(workshop_id: int):  # type: ignore[no-untyped-def]
    """A deletion code a participant gave the facilitator: first what it would delete, then (confirm=1) delete."""
    ws = _ws(workshop_id)
    db = get_db()
    raw = request.form.get("deletion_code", "")

    def refused(err: DomainError) -> Any:
        return _page(ws, 422, code_error=describe(err)["message"], code=raw[:40])

    if request.form.get("confirm") != "1":
        try:
            p = privacy.participant_by_deletion_code(db, ws.id, raw)
        except DomainError as err:
            return refused(err)
        return _page(ws, found=privacy.footprint(db, p), code=privacy.display_code(privacy.normalize_deletion_code(raw)))
    return web.run(
        lambda: erasure.forget_by_code(ws.id, raw),
        change=web.unpublished,  # privacy/erasure.py has told the screens
        success=lambda e: _("The participant's %(n)s contributions, dots and name were deleted.", n=e.erased),
        refused=refused,
        done=lambda _e: redirect(url_for("privacy.manage", workshop_id=ws.id)),
    )


# -- facilitators: deleting the workshop -----------------------------------------------------------


def _matches(typed: str, ws: Workshop) -> bool:
    """The confirmation: the workshop's title (ignoring case, spacing and Unicode form) or its join code."""

    def norm(s: str) -> str:
        return " ".join(unicodedata.normalize("NFC", s).casefold().split())

    if not typed.strip():
        return False
    if norm(typed) == norm(ws.title):
        return True
    compact = "".join(ch for ch in typed if ch not in " -.")
    return compact.isdigit() and compact == ws.join_code


@bp.route("/workshops/<int:workshop_id>/delete", methods=["GET", "POST"])
@facilitator_required
def delete_workshop(workshop_id: int):  # type: ignore[no-untyped-def]
    ws = svc.load_for_dashboard(get_db(), _ws(workshop_id).id)
    error = None
    if request.method == "POST":
        typed = request.form.get("confirm_title", "")
        if _matches(typed, ws):
            title, ws_id, user_id = ws.title, ws.id, facilitator_user_id()
            rows = erasure.delete_workshop(ws_id)
            if rows is not None:
                log.info("workshop %s deleted by facilitator %s (%s rows)", ws_id, user_id, sum(rows.values()))
            flash(_("“%(title)s” and everything in it were deleted.", title=title), "success")
            return redirect(url_for("admin.workshops"))
        error = _("Type the workshop’s title (or its eight-digit code) exactly to confirm.")
    return render_template(
        "privacy/delete_workshop.html",
        ws=ws,
        error=error,
        retention=retention_for(ws),
        participant_count=participation.participant_count(get_db(), ws.id),
        contribution_count=len(participation.contributions(get_db(), ws.id, include_hidden=True)),
    ), (422 if error else 200)


def facilitator_user_id() -> int | None:
    user = facilitator_user()
    return user.id if user is not None else None


# -- participants: their own privacy page ----------------------------------------------------------


def _participant(workshop_id: int) -> Any:
    p = participant_for(workshop_id)
    if p is None:
        raise WebError("not_joined", 403)
    return p


def _participant_page(workshop_id: int, p: Any, status: int = 200, error: str | None = None):  # type: ignore[no-untyped-def]
    db = get_db()
    ws = svc.get_workshop(db, workshop_id)
    return render_template(
        "privacy/participant.html",
        ws=ws,
        participant=p,
        code=privacy.display_code(privacy.deletion_code(p.token_hash)),
        found=privacy.footprint(db, p),
        retention=retention_for(ws),
        organisers=report_svc.texts_for(db, ws.id).organisers,
        error=error,
    ), status


@bp.route("/w/<int:workshop_id>/personvern")
def participant_page(workshop_id: int):  # type: ignore[no-untyped-def]
    p = participant_for(workshop_id)
    if p is None:
        return redirect(url_for("participant.join_form"))
    return _participant_page(workshop_id, p)


@bp.route("/w/<int:workshop_id>/forget", methods=["POST"])
def forget_me(workshop_id: int):  # type: ignore[no-untyped-def]
    """The participant deletes themselves and everything they wrote; this browser forgets the workshop."""
    p = _participant(workshop_id)
    if request.form.get("confirm") != "1":
        return _participant_page(workshop_id, p, 422, _("Tick the box to confirm that everything you wrote should be deleted."))

    def forgotten(erased: privacy.Erasure) -> Any:
        tokens = dict(session.get("pt") or {})
        tokens.pop(str(workshop_id), None)
        session["pt"] = tokens
        return render_template("privacy/forgotten.html", workshop_id=workshop_id, erased=erased.erased)

    return web.run(
        lambda: erasure.forget_participant(workshop_id, p.id),
        change=web.unpublished,  # privacy/erasure.py has told the screens
        refused=lambda err: _participant_page(workshop_id, p, err.status, describe(err)["message"]),
        done=forgotten,
    )


# -- the automatic deletion --------------------------------------------------------------------------


def start_sweeper(app: Flask) -> Periodic | None:
    """Sweep now and then every ``RETENTION_SWEEP_SECONDS`` in a background task of the server (a greenlet
    under gevent). Several processes may all run one: each deletion re-checks under a row lock."""
    interval = int(app.config.get("RETENTION_SWEEP_SECONDS") or 0)
    if interval <= 0:
        return None
    # ``sweep_now`` is looked up here at each step (a test observes it by this module's name).
    sweeper = Periodic(lambda: sweep_now(app), interval, "retention sweep")
    socketio.start_background_task(sweeper.run)
    return sweeper
