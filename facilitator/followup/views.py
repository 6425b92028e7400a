"""The follow-up register on the web: the register page, the follow-up report with its downloads, and the
JSON API for the register (domain: ``sessions/followup/``; formats: ``facilitator/exports/followups.py``).

Facilitators of the workshop reach everything under ``/workshops/<id>/followups``: plain forms with the
CSRF token (add a proposal, add an item of one's own, edit, delete). A bad field re-renders the page with
the Norwegian message beside the field and what was typed (422); nothing is stored. ``fetch`` clients
(``Accept: application/json``) get JSON instead of the redirect, and the error shape on failure.

The follow-up report is for the next meeting. Share links for the workshop's report (``/r/<token>``) open it
too, read-only (``/r/<token>/followups``): organisers who read the report also read what became of it.
DOCX, PDF and XLSX are made in the report's export worker process (``"report": "followups"``).

The API (``/api/v1/workshops/<id>/followups``) takes a facilitator's bearer token, like the rest of /api/v1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, get_translations
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from facilitator import web
from facilitator.auth import facilitator_required
from facilitator.db import get_db
from facilitator.errors import describe
from facilitator.exports import FORMATS
from facilitator.exports import followups as exports
from facilitator.exports.labels import Labels
from facilitator.report import views as report_views
from sessions.core.errors import (
    DomainError,
    ValidationFailed,
)
from sessions.core.validation import MAX_TEXT
from sessions.followup import history as followup_history
from sessions.followup import models as followup_models
from sessions.followup import register as followup_register
from sessions.followup import service as svc
from sessions.report.service import today_in_norway
from sessions.workshops import service as workshops_svc
from sessions.workshops.models import Workshop

bp = Blueprint("followup", __name__)
api_bp = web.api_blueprint("followup_api", __name__)

# The statuses as the register page names them (bokmål UI; the report's headings keep the wording).
STATUS_LABELS = {
    "open": _l("Not assessed yet"),
    "achieved": _l("Achieved"),
    "not_far_enough": _l("Not far enough"),
    "next_focus": _l("Next focus"),
}
STATUS_ORDER = ("open", "achieved", "not_far_enough", "next_focus")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(api_bp)


def _locale() -> str:
    return str(get_locale() or "nb")


def _labels() -> Labels:
    return exports.followup_labels(get_translations(), _locale())


# -- the register page -------------------------------------------------------------------------------


def _render_register(ws: Workshop, *, error: dict[str, Any] | None = None, status: int = 200) -> Any:
    db = get_db()
    full = workshops_svc.load_for_dashboard(db, ws.id)
    html = render_template(
        "followup/page.html",
        ws=full,
        items=svc.followups(db, ws.id),
        history=followup_history.history(db, [ws.id]),
        proposal_groups=svc.proposals_by_persona(db, ws.id),
        local_cases=svc.local_cases_not_followed(db, ws.id),
        suggestions=svc.responsible_suggestions(db, ws.id),
        statuses=[(s, str(STATUS_LABELS[s])) for s in STATUS_ORDER],
        status_labels={s: str(label) for s, label in STATUS_LABELS.items()},
        today=today_in_norway(),
        locale=_locale(),
        open_id=request.args.get("open", type=int),
        error=error,
        max_text=MAX_TEXT,
        max_responsible=followup_models.MAX_RESPONSIBLE,
        max_note=followup_models.MAX_NOTE,
    )
    return html, status


def _back(ws: Workshop, anchor: str = "", open_id: int | None = None) -> Any:
    url = url_for("followup.register", workshop_id=ws.id, open=open_id) if open_id else url_for("followup.register", workshop_id=ws.id)
    return redirect(url + (f"#{anchor}" if anchor else ""))


def _field_error(ws: Workshop, form: str, err: DomainError) -> Any:
    """A refused form whose bad field is one of the item's: the page again with the message beside the
    field and the typed values (422). Anything else (``None``): a message on the page."""
    if not (isinstance(err, ValidationFailed) and err.field in svc.FIELDS):
        return None
    values = {k: request.form.get(k, "") for k in svc.FIELDS}
    message = describe(err)["message"]
    return _render_register(ws, error={"form": form, "field": err.field, "message": message, "typed": values}, status=422)


def _write(
    ws: Workshop,
    action: Callable[[], followup_models.FollowUp | None],
    message: str,
    form: str,
    *,
    status: int = 200,
    open_it: bool = False,
    fields: bool = False,
) -> Any:
    """One change to the register (web.run; the register is the organisers' own, so nothing is published):
    JSON ``{"ok", "message"[, "followup"]}``, or back to the item on the page. A refused form goes back to
    ``form``; with ``fields``, a bad field shows the page again beside the typed values."""

    def done(item: followup_models.FollowUp | None) -> Any:
        if item is None:
            return _back(ws, "register")
        return _back(ws, f"f{item.id}", item.id if open_it else None)

    return web.run(
        action,
        change=web.unpublished,
        success=message,
        status=status,
        body=lambda item, _published: {} if item is None else {"followup": item.as_json(today_in_norway())},
        back=lambda: _back(ws, form),
        refused=(lambda err: _field_error(ws, form, err)) if fields else None,
        done=done,
    )


@bp.route("/workshops/<int:workshop_id>/followups")
@facilitator_required
def register(workshop_id: int):  # type: ignore[no-untyped-def]
    return _render_register(web.facilitated(workshop_id))


@bp.route("/workshops/<int:workshop_id>/followups", methods=["POST"])
@facilitator_required
def add_item(workshop_id: int):  # type: ignore[no-untyped-def]
    """An item of the organisers' own."""
    ws = web.facilitated(workshop_id)
    return _write(
        ws,
        lambda: svc.add_item(get_db(), ws, svc.parse_changes(request.form, require_text=True)),
        _("The item was added to the follow-up."),
        "new",
        status=201,
        fields=True,
    )


@bp.route("/workshops/<int:workshop_id>/followups/from-proposal", methods=["POST"])
@facilitator_required
def add_proposal(workshop_id: int):  # type: ignore[no-untyped-def]
    """A visible solution proposal or «Hos oss» case becomes an item (its text copied, a case's municipality
    with it); the item opens for role and deadline."""
    ws = web.facilitated(workshop_id)
    local = request.form.get("from") == "local"  # the «Hos oss» list's «Legg til»
    return _write(
        ws,
        lambda: svc.add_from_contribution(get_db(), ws, request.form.get("contribution_id")),
        _("The Hos oss case was added to the follow-up with its municipality. Give it a responsible role and a deadline.")
        if local
        else _("The proposal was added to the follow-up. Give it a responsible role and a deadline."),
        "local" if local else "proposals",
        status=201,
        open_it=True,
    )


@bp.route("/workshops/<int:workshop_id>/followups/from-local-cases", methods=["POST"])
@facilitator_required
def add_local_cases(workshop_id: int):  # type: ignore[no-untyped-def]
    """Every «Hos oss» case not in the register yet becomes an item with its municipality (one at a time:
    ``from-proposal`` with the case's id)."""
    ws = web.facilitated(workshop_id)

    def add_all() -> None:  # back to the register, not to one item
        svc.add_all_local_cases(get_db(), ws)

    return _write(
        ws,
        add_all,
        _("The Hos oss cases were added to the follow-up, each with its municipality."),
        "local",
        status=201,
    )


@bp.route("/workshops/<int:workshop_id>/followups/<int:followup_id>", methods=["POST"])
@facilitator_required
def update(workshop_id: int, followup_id: int):  # type: ignore[no-untyped-def]
    ws = web.facilitated(workshop_id)
    return _write(
        ws,
        lambda: svc.update_followup(get_db(), ws, followup_id, svc.parse_changes(request.form, require_text=True)),
        _("Saved."),
        f"f{followup_id}",
        fields=True,
    )


@bp.route("/workshops/<int:workshop_id>/followups/<int:followup_id>/delete", methods=["POST"])
@facilitator_required
def delete(workshop_id: int, followup_id: int):  # type: ignore[no-untyped-def]
    ws = web.facilitated(workshop_id)

    def remove() -> None:
        svc.delete_followup(get_db(), ws, followup_id)

    return _write(ws, remove, _("The item was deleted from the follow-up."), "register")


# -- the follow-up report ----------------------------------------------------------------------------


def _report_page(ws: Workshop, *, token: str | None) -> Any:
    reg = followup_register.followups_for_report(get_db(), ws.id)
    if token:
        downloads = [(f, url_for("followup.shared_download", token=token, fmt=f)) for f in exports.FOLLOWUP_FORMATS]
    else:
        downloads = [(f, url_for("followup.download", workshop_id=ws.id, fmt=f)) for f in exports.FOLLOWUP_FORMATS]
    resp = Response(
        render_template(
            "followup/report.html",
            ws=ws,
            token=token,
            shared=token is not None,
            downloads=downloads,
            format_names=report_views.FORMAT_NAMES,
            **exports.context(reg, _labels()),
        )
    )
    resp.headers["X-Robots-Tag"] = "noindex, nofollow"
    return resp


def _download(ws: Workshop, fmt: str) -> Any:
    if FORMATS[fmt].heavy:
        data = report_views.run_worker(fmt, ws.id, _locale(), report="followups")
    else:
        data = exports.render(fmt, followup_register.followups_for_report(get_db(), ws.id), _labels())
    return report_views.attachment(data, fmt, exports.filename(ws.title, fmt))


@bp.route("/workshops/<int:workshop_id>/followups/report")
@facilitator_required
def report(workshop_id: int):  # type: ignore[no-untyped-def]
    return _report_page(web.facilitated(workshop_id), token=None)


@bp.route("/workshops/<int:workshop_id>/followups.<any(docx, pdf, md, csv, xlsx):fmt>")
@facilitator_required
def download(workshop_id: int, fmt: str):  # type: ignore[no-untyped-def]
    return _download(web.facilitated(workshop_id), fmt)


@bp.route("/r/<token>/followups")
def shared(token: str):  # type: ignore[no-untyped-def]
    return report_views.shared_view(token, lambda ws: _report_page(ws, token=token))


@bp.route("/r/<token>/followups.<any(docx, pdf, md, csv, xlsx):fmt>")
def shared_download(token: str, fmt: str):  # type: ignore[no-untyped-def]
    return report_views.shared_view(token, lambda ws: _download(ws, fmt))


# -- the API -----------------------------------------------------------------------------------------


@api_bp.route("/workshops/<int:workshop_id>/followups", methods=["GET"])
def list_followups(workshop_id: int):  # type: ignore[no-untyped-def]
    ws = web.api_facilitated(workshop_id)
    today = today_in_norway()
    return jsonify(followups=[item.as_json(today) for item in svc.followups(get_db(), ws.id)])


@api_bp.route("/workshops/<int:workshop_id>/followups", methods=["POST"])
def create_followup(workshop_id: int):  # type: ignore[no-untyped-def]
    """From a proposal (``contribution_id``; ``text`` defaults to the proposal's) or the organisers' own."""
    ws = web.api_facilitated(workshop_id)
    data = web.json_body()

    def create() -> followup_models.FollowUp:
        if "contribution_id" in data:
            return svc.add_from_contribution(get_db(), ws, data.get("contribution_id"), svc.parse_changes(data))
        return svc.add_item(get_db(), ws, svc.parse_changes(data, require_text=True))

    return _api_write(create, status=201)


@api_bp.route("/workshops/<int:workshop_id>/followups/<int:followup_id>", methods=["PATCH"])
def update_followup(workshop_id: int, followup_id: int):  # type: ignore[no-untyped-def]
    ws = web.api_facilitated(workshop_id)
    data = web.json_body()
    return _api_write(lambda: svc.update_followup(get_db(), ws, followup_id, svc.parse_changes(data)))


def _api_write(action: Callable[[], followup_models.FollowUp], status: int = 200) -> Any:
    return web.run(action, change=web.unpublished, reply=lambda item: item.as_json(today_in_norway()), status=status)


@api_bp.route("/workshops/<int:workshop_id>/followups/<int:followup_id>", methods=["DELETE"])
def delete_followup(workshop_id: int, followup_id: int):  # type: ignore[no-untyped-def]
    ws = web.api_facilitated(workshop_id)
    svc.delete_followup(get_db(), ws, followup_id)
    return "", 204
