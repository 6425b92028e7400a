"""Follow-up across meetings on the web: the review page and its API (domain: ``sessions/followup/review.py``).

At the next meeting a facilitator opens «Gå gjennom på møte» from the register, names the meeting, and for
every item picks the assessment agreed (a radio group per item, the current one chosen) with an optional
comment; one submit records the review. A refused review (no meeting name, a comment too long, an item that
is not in the register any more) shows the page again with the message and everything typed; nothing is
stored. The same page reviews the registers of several workshops at once (a series): :func:`render_review`
takes the workshops to go through.

The API: ``POST /api/v1/workshops/<id>/followups/review`` and ``GET …/followups/<item>/history``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import Blueprint, Flask, jsonify, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _

from facilitator import web
from facilitator.auth import facilitator_required
from facilitator.db import get_db
from facilitator.errors import WebError, describe
from facilitator.followup.views import STATUS_LABELS, STATUS_ORDER
from sessions.core.errors import DomainError
from sessions.followup import history as followup_history
from sessions.followup import review as svc
from sessions.followup.models import MAX_MEETING, MAX_REVIEW_NOTE
from sessions.followup.service import followups
from sessions.report.service import today_in_norway
from sessions.workshops.models import Workshop

bp = Blueprint("followup_review", __name__)
api_bp = web.api_blueprint("followup_review_api", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(api_bp)


def default_meeting() -> str:
    return _("Follow-up meeting %(date)s", date=format_date(today_in_norway(), "dd.MM.yyyy"))


def form_decisions() -> list[svc.Decision]:
    """The decisions of a submitted review form: ``item`` ids, ``status-<id>`` and ``note-<id>``."""
    return [
        svc.parse_decision(raw, request.form.get(f"status-{raw}"), request.form.get(f"note-{raw}", ""))
        for raw in request.form.getlist("item")
    ]


def render_review(
    workshops: Sequence[Workshop],
    *,
    title: str,
    action: str,
    back: str,
    back_label: str = "",
    error: dict[str, Any] | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> Any:
    """The review page for the registers of ``workshops`` (one, or the workshops of a series)."""
    db = get_db()
    steps = followup_history.history(db, [w.id for w in workshops])
    registers = [{"ws": w, "items": list(followups(db, w.id))} for w in workshops]
    html = render_template(
        "followup/review.html",
        title=title,
        action=action,
        back=back,
        back_label=back_label or _("Back to the follow-up"),
        registers=registers,
        history=steps,
        several=len(workshops) > 1,
        statuses=[(s, str(STATUS_LABELS[s])) for s in STATUS_ORDER],
        status_labels={s: str(label) for s, label in STATUS_LABELS.items()},
        meeting=(typed or {}).get("meeting", default_meeting()),
        typed=typed or {},
        error=error,
        max_meeting=MAX_MEETING,
        max_note=MAX_REVIEW_NOTE,
    )
    return html, status


def submit_review(workshops: Sequence[Workshop], *, again: Callable[[dict[str, Any], dict[str, str]], Any], done: str) -> Any:
    """Record the submitted review over ``workshops`` (web.run; the register is the organisers' own, nothing
    is published). A refused form: ``again(error, typed)``."""
    typed = {k: v for k, v in request.form.items() if k != "csrf_token"}

    def record() -> svc.Reviewed:
        return svc.review(get_db(), workshops, request.form.get("meeting"), form_decisions())

    def refused(err: DomainError) -> Any:
        item = err.params.get("followup_id")
        return again({"field": getattr(err, "field", ""), "item": item, "message": describe(err)["message"]}, typed)

    return web.run(
        record,
        change=web.unpublished,
        success=lambda r: ngettext(
            "The review «%(meeting)s» was recorded: %(num)d item changed status.",
            "The review «%(meeting)s» was recorded: %(num)d items changed status.",
            r.changed,
            meeting=r.meeting,
        ),
        body=lambda r, _published: {"changed": r.changed, "steps": [s.as_json() for s in r.steps]},
        refused=refused,
        done=lambda _r: redirect(done),
        back=lambda: redirect(request.url),
    )


@bp.route("/workshops/<int:workshop_id>/followups/review")
@facilitator_required
def review_page(workshop_id: int):  # type: ignore[no-untyped-def]
    ws = web.facilitated(workshop_id)
    return render_review([ws], **_workshop_urls(ws))


@bp.route("/workshops/<int:workshop_id>/followups/review", methods=["POST"])
@facilitator_required
def review(workshop_id: int):  # type: ignore[no-untyped-def]
    ws = web.facilitated(workshop_id)
    return submit_review(
        [ws],
        again=lambda error, typed: render_review([ws], error=error, typed=typed, status=422, **_workshop_urls(ws)),
        done=url_for("followup.register", workshop_id=ws.id) + "#register",
    )


def _workshop_urls(ws: Workshop) -> dict[str, str]:
    return {
        "title": ws.title,
        "action": url_for("followup_review.review", workshop_id=ws.id),
        "back": url_for("followup.register", workshop_id=ws.id),
    }


# -- the API -----------------------------------------------------------------------------------------


def api_decisions(data: dict[str, Any]) -> list[svc.Decision]:
    raw = data.get("decisions")
    if not isinstance(raw, list) or not all(isinstance(d, dict) for d in raw):
        raise WebError("bad_json", 400)
    return [svc.parse_decision(d.get("followup_id"), d.get("status"), d.get("note", "")) for d in raw]


def api_review(workshops: Sequence[Workshop], data: dict[str, Any]) -> Any:
    return web.run(
        lambda: svc.review(get_db(), workshops, data.get("meeting"), api_decisions(data)),
        change=web.unpublished,
        reply=lambda r: {"meeting": r.meeting, "changed": r.changed, "steps": [s.as_json() for s in r.steps]},
    )


@api_bp.route("/workshops/<int:workshop_id>/followups/review", methods=["POST"])
def api_review_workshop(workshop_id: int):  # type: ignore[no-untyped-def]
    ws = web.api_facilitated(workshop_id)
    return api_review([ws], web.json_body())


@api_bp.route("/workshops/<int:workshop_id>/followups/<int:followup_id>/history", methods=["GET"])
def api_history(workshop_id: int, followup_id: int):  # type: ignore[no-untyped-def]
    ws = web.api_facilitated(workshop_id)
    return jsonify(history=[s.as_json() for s in svc.item_history(get_db(), ws, followup_id)])
