"""Series of workshops on the web: the list of series (/serier), a series' page (its workshops side by
side, the cross-workshop tables and the recurring themes), its report page and files, and the «Serie»
panel of a workshop's page. Domain: ``sessions/series/``; formats: ``facilitator/exports/series.py``.

Only the owner of a series reaches it (anyone else: 404, as for a workshop they do not run). Forms carry
the CSRF token and answer with a flash and a redirect; ``fetch`` clients get JSON. A series is the
organisers' own, so nothing is published to other screens. The DOCX, PDF and XLSX are made in the
export worker process (``"report": "series"``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, redirect, render_template, request, url_for
from flask_babel import gettext as _

from facilitator import web
from facilitator.auth import facilitator_required, facilitator_user
from facilitator.db import get_db
from facilitator.exports import series as exports
from facilitator.followup import review as followup_review
from facilitator.report import views as report_views
from facilitator.series import presenters
from sessions.series import service as svc
from sessions.series.models import MAX_DESCRIPTION, MAX_NAME, WorkshopSeries

bp = Blueprint("series", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["series_panel"] = presenters.workshop_panel


def owned(series_id: int) -> WorkshopSeries:
    """The series, if the signed-in facilitator owns it (anyone else: 404)."""
    return svc.series_for_owner(get_db(), series_id, facilitator_user())


def _to_series(s: WorkshopSeries, anchor: str = "") -> Any:
    return redirect(url_for("series.page", series_id=s.id) + (f"#{anchor}" if anchor else ""))


def _write(action: Callable[[], Any], message: str, back: Callable[[], Any], *, done: Callable[[Any], Any] | None = None, status: int = 200) -> Any:
    return web.run(action, change=web.unpublished, success=message, back=back, done=done, status=status, body=lambda _r, _p: {})


@bp.route("/serier")
@facilitator_required
def index():  # type: ignore[no-untyped-def]
    db = get_db()
    items = svc.series_for_user(db, facilitator_user())  # type: ignore[arg-type]
    counts = svc.workshop_counts(db, [s.id for s in items])
    return render_template("series/index.html", items=items, counts=counts, max_name=MAX_NAME, max_description=MAX_DESCRIPTION)


@bp.route("/serier", methods=["POST"])
@facilitator_required
def create():  # type: ignore[no-untyped-def]
    return _write(
        lambda: svc.create_series(get_db(), facilitator_user(), svc.SeriesDetails.parse(request.form)),  # type: ignore[arg-type]
        _("The series was created. Add its workshops."),
        lambda: redirect(url_for("series.index") + "#new"),
        done=_to_series,
        status=201,
    )


@bp.route("/serier/<int:series_id>")
@facilitator_required
def page(series_id: int):  # type: ignore[no-untyped-def]
    s = owned(series_id)
    report = presenters.report(s)
    return render_template(
        "series/page.html",
        s=s,
        candidates=presenters.candidates(s),
        downloads=presenters.downloads(s),
        max_name=MAX_NAME,
        max_description=MAX_DESCRIPTION,
        **presenters.document(report),
    )


@bp.route("/serier/<int:series_id>", methods=["POST"])
@facilitator_required
def update(series_id: int):  # type: ignore[no-untyped-def]
    s = owned(series_id)
    return _write(
        lambda: svc.update_series(get_db(), s, svc.SeriesDetails.parse(request.form)),
        _("Saved."),
        lambda: _to_series(s, "details"),
    )


@bp.route("/serier/<int:series_id>/delete", methods=["POST"])
@facilitator_required
def delete(series_id: int):  # type: ignore[no-untyped-def]
    s = owned(series_id)
    return _write(
        lambda: svc.delete_series(get_db(), s),
        _("The series was deleted. Its workshops are unchanged."),
        lambda: _to_series(s, "delete"),
        done=lambda _r: redirect(url_for("series.index")),
    )


@bp.route("/serier/<int:series_id>/workshops", methods=["POST"])
@facilitator_required
def add_workshop(series_id: int):  # type: ignore[no-untyped-def]
    s = owned(series_id)
    return _write(
        lambda: svc.add_workshop(get_db(), s, request.form.get("workshop_id")),
        _("The workshop was added to the series."),
        lambda: _to_series(s),
    )


@bp.route("/serier/<int:series_id>/workshops/<int:workshop_id>/remove", methods=["POST"])
@facilitator_required
def remove_workshop(series_id: int, workshop_id: int):  # type: ignore[no-untyped-def]
    s = owned(series_id)
    return _write(
        lambda: svc.remove_workshop(get_db(), s, workshop_id),
        _("The workshop was taken out of the series. The workshop itself is unchanged."),
        lambda: _to_series(s),
    )


@bp.route("/workshops/<int:workshop_id>/series", methods=["POST"])
@facilitator_required
def set_workshop_series(workshop_id: int):  # type: ignore[no-untyped-def]
    """From the workshop's page: put it into one of the user's series, or (empty choice) out of its series."""
    ws = web.facilitated(workshop_id)
    back = lambda: redirect(url_for("admin.manage", workshop_id=ws.id))  # noqa: E731
    chosen = request.form.get("series_id", "")
    if chosen == "":
        current = svc.series_of_workshop(get_db(), ws.id)
        if current is None or current.owner_id != facilitator_user().id:  # type: ignore[union-attr]
            return back()
        return _write(lambda: svc.remove_workshop(get_db(), current, ws.id), _("The workshop was taken out of the series."), back)

    def add() -> Any:
        s = svc.series_for_owner(get_db(), int(chosen) if chosen.isdigit() else None, facilitator_user())
        return svc.add_workshop(get_db(), s, ws.id)

    return _write(add, _("The workshop was added to the series."), back)


@bp.route("/serier/<int:series_id>/rapport")
@facilitator_required
def report(series_id: int):  # type: ignore[no-untyped-def]
    s = owned(series_id)
    html = render_template("series/report.html", s=s, downloads=presenters.downloads(s), **presenters.document(presenters.report(s)))
    return html, 200, {"X-Robots-Tag": "noindex, nofollow"}


def download_file(s: WorkshopSeries, fmt: str) -> Any:
    """A heavy format of the series report, made in the export worker (shared with the API)."""
    data = report_views.run_worker(fmt, s.id, presenters.locale(), report="series")
    return report_views.attachment(data, fmt, exports.filename(s.name, fmt))


@bp.route("/serier/<int:series_id>/rapport.<any(docx, pdf, xlsx):fmt>")
@facilitator_required
def download(series_id: int, fmt: str):  # type: ignore[no-untyped-def]
    return download_file(owned(series_id), fmt)


# -- follow-up across meetings: the registers of every workshop of the series, reviewed at once --------


def _review_urls(s: WorkshopSeries) -> dict[str, str]:
    return {
        "title": s.name,
        "action": url_for("series.review", series_id=s.id),
        "back": url_for("series.page", series_id=s.id),
        "back_label": _("Back to the series"),
    }


@bp.route("/serier/<int:series_id>/gjennomgang")
@facilitator_required
def review_page(series_id: int):  # type: ignore[no-untyped-def]
    s = owned(series_id)
    return followup_review.render_review(svc.workshops_of(get_db(), s), **_review_urls(s))


@bp.route("/serier/<int:series_id>/gjennomgang", methods=["POST"])
@facilitator_required
def review(series_id: int):  # type: ignore[no-untyped-def]
    s = owned(series_id)
    workshops = svc.workshops_of(get_db(), s)
    return followup_review.submit_review(
        workshops,
        again=lambda error, typed: followup_review.render_review(workshops, error=error, typed=typed, status=422, **_review_urls(s)),
        done=url_for("series.page", series_id=s.id) + "#followups",
    )
