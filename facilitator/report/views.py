"""The summary report on the web: the page, the summary editor, the downloads and the share links.

Facilitators reach everything under ``/workshops/<id>/report``; organisers with a share link under
``/r/<token>`` (the page and the downloads, never the JSON archive, never an editor). A participant's
token or cookie opens nothing here.

Light formats (the page, Markdown, CSV, the JSON archive) are built in the request. Heavy ones (DOCX, PDF,
XLSX) run in a long-lived worker process (``facilitator/export_pool.py``), which reads the workshop itself:
under gevent its pipes are cooperative, so the event loop keeps serving sockets while a 10,000-contribution
DOCX is written, and the worker runs at a lower CPU priority than live traffic. At most
``REPORT_EXPORT_WORKERS`` exports run at once; the next wait up to ``REPORT_EXPORT_QUEUE_TIMEOUT`` seconds.
"""

from __future__ import annotations

import atexit
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale, get_translations
from flask_babel import gettext as _

from facilitator import web
from facilitator.auth import facilitator_required, facilitator_user
from facilitator.db import get_db
from facilitator.errors import WebError, describe, wants_json
from facilitator.exports import FORMATS, REPORT_FORMATS, filename, render
from facilitator.exports import document as document_mod
from facilitator.exports.labels import Labels, labels
from facilitator.exports.markup import render_html
from facilitator.exports.pool import ExportBusy, ExportFailed, ExportPool
from sessions.archive import service as archive
from sessions.core.errors import DomainError, ShareLinkExpired, ShareLinkRevoked
from sessions.report import build as report_build
from sessions.report import service as svc
from sessions.workshops import service as workshops_svc
from sessions.workshops.models import Workshop

bp = Blueprint("report", __name__)
ROOT = Path(__file__).resolve().parent.parent
FORMAT_NAMES = {"docx": "Word (DOCX)", "pdf": "PDF", "md": "Markdown", "csv": "CSV", "xlsx": "Excel (XLSX)", "json": "JSON"}
NEW_LINK_KEY = "pv_new_share_link"


def init_app(app: Flask) -> None:
    app.config.setdefault("REPORT_EXPORT_WORKERS", 1)
    app.config.setdefault("REPORT_EXPORT_TIMEOUT", 300)
    app.config.setdefault("REPORT_EXPORT_QUEUE_TIMEOUT", 120)
    document_mod.install(app.jinja_env)
    app.jinja_env.globals["report_share_links"] = _links_with_state
    app.register_blueprint(bp)


def _labels() -> Labels:
    return labels(get_translations(), str(get_locale() or "nb"))


def _facilitator_ws(workshop_id: int) -> Workshop:
    return workshops_svc.workshop_for_facilitator(get_db(), workshop_id, facilitator_user())


def shared_view(token: str, show: Callable[[Workshop], Any]) -> Any:
    """What a share link opens: ``show(workshop)``, or a page saying the link was revoked or has expired (410)."""
    try:
        ws = svc.workshop_for_share_token(get_db(), token)
    except (ShareLinkRevoked, ShareLinkExpired) as err:
        return _gone(err)
    return show(ws)


def _gone(err: DomainError) -> Any:
    """A revoked or expired share link: 410 with a page that says so (JSON for fetch)."""
    if wants_json():
        raise err
    return render_template("report/gone.html", reason=err.code, message=describe(err)["message"]), 410


def _links_with_state(workshop_id: int) -> list[tuple[Any, str]]:
    today = svc.today_in_norway()
    return [(link, svc.link_state(link, today)) for link in svc.share_links(get_db(), workshop_id)]


# -- the page ----------------------------------------------------------------------------------------


def _page(ws: Workshop, *, token: str | None) -> Any:
    report = report_build.build_report(get_db(), ws.id)
    lab = _labels()
    formats = list(REPORT_FORMATS) + ([] if token else ["json"])
    if token:
        downloads = [(f, url_for("report.shared_download", token=token, fmt=f)) for f in formats]
        fragment_url = url_for("report.shared_fragment", token=token)
    else:
        downloads = [(f, url_for("report.download", workshop_id=ws.id, fmt=f)) for f in formats]
        fragment_url = url_for("report.fragment", workshop_id=ws.id)
    ctx = document_mod.context(report, lab)
    resp = Response(
        render_template(
            "report/page.html",
            ws=ws,
            token=token,
            shared=token is not None,
            downloads=downloads,
            format_names=FORMAT_NAMES,
            fragment_url=fragment_url,
            **ctx,
        )
    )
    if token:
        resp.headers["X-Robots-Tag"] = "noindex, nofollow"
    return resp


def _fragment(ws: Workshop) -> Any:
    report = report_build.build_report(get_db(), ws.id)
    html = render_template("report/_document.html", **document_mod.context(report, _labels()))
    resp = Response(html, mimetype="text/html")
    resp.headers["X-Report-Seq"] = str(report.last_seq)
    resp.headers["X-Robots-Tag"] = "noindex, nofollow"
    return resp


@bp.route("/workshops/<int:workshop_id>/report")
@facilitator_required
def page(workshop_id: int):  # type: ignore[no-untyped-def]
    return _page(_facilitator_ws(workshop_id), token=None)


@bp.route("/workshops/<int:workshop_id>/report/fragment")
@facilitator_required
def fragment(workshop_id: int):  # type: ignore[no-untyped-def]
    return _fragment(_facilitator_ws(workshop_id))


@bp.route("/r/<token>")
def shared(token: str):  # type: ignore[no-untyped-def]
    return shared_view(token, lambda ws: _page(ws, token=token))


@bp.route("/r/<token>/fragment")
def shared_fragment(token: str):  # type: ignore[no-untyped-def]
    return shared_view(token, _fragment)


# -- downloads ---------------------------------------------------------------------------------------


def _export_pool() -> ExportPool:
    pool = current_app.extensions.get("pv_export_pool")
    if pool is None:
        # Created on first use: under gevent its queue and pipes are then gevent's.
        pool = current_app.extensions["pv_export_pool"] = ExportPool(int(current_app.config["REPORT_EXPORT_WORKERS"]))
        atexit.register(pool.close)
    return pool


def run_worker(fmt: str, workshop_id: int, locale: str, *, report: str | None = None) -> bytes:
    """Render a heavy format in an export worker process (facilitator/export_pool.py) and return the file.

    ``report`` names another document than the summary report (``"followups"``: the follow-up report)."""
    request_body = {"database_url": current_app.config["DATABASE_URL"], "workshop_id": workshop_id, "format": fmt, "locale": locale}
    if report is not None:
        request_body["report"] = report
    try:
        return _export_pool().run(
            request_body,
            timeout=float(current_app.config["REPORT_EXPORT_TIMEOUT"]),
            queue_timeout=float(current_app.config["REPORT_EXPORT_QUEUE_TIMEOUT"]),
        )
    except ExportBusy:
        raise WebError("export_busy", 503) from None
    except ExportFailed as err:
        current_app.logger.error("%s export (%s, workshop %s) failed: %s", report or "report", fmt, workshop_id, err)
        raise WebError("export_failed", 503) from None


def _download(ws: Workshop, fmt: str) -> Any:
    locale = str(get_locale() or "nb")
    db = get_db()
    if fmt == "json":
        data = json.dumps(archive.export_archive(db, ws.id), ensure_ascii=False, indent=2).encode("utf-8")
    elif FORMATS[fmt].heavy:
        data = run_worker(fmt, ws.id, locale)
    else:
        data = render(fmt, report_build.build_report(db, ws.id), _labels())
    return attachment(data, fmt, filename(ws.title, ws.date.isoformat() if ws.date else "", fmt))


def attachment(data: bytes, fmt: str, name: str) -> Response:
    """A download: never cached, never indexed."""
    resp = Response(data, mimetype=FORMATS[fmt].mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Robots-Tag"] = "noindex, nofollow"
    return resp


@bp.route("/workshops/<int:workshop_id>/report.<any(docx, pdf, md, csv, xlsx, json):fmt>")
@facilitator_required
def download(workshop_id: int, fmt: str):  # type: ignore[no-untyped-def]
    return _download(_facilitator_ws(workshop_id), fmt)


@bp.route("/r/<token>/report.<any(docx, pdf, md, csv, xlsx):fmt>")
def shared_download(token: str, fmt: str):  # type: ignore[no-untyped-def]
    return shared_view(token, lambda ws: _download(ws, fmt))


# -- the summary editor ------------------------------------------------------------------------------


@bp.route("/workshops/<int:workshop_id>/report/edit")
@facilitator_required
def edit(workshop_id: int):  # type: ignore[no-untyped-def]
    ws = _facilitator_ws(workshop_id)
    texts = svc.texts_for(get_db(), ws.id)
    return render_template("report/editor.html", ws=ws, texts=texts, L=_labels(), max_summary=svc.MAX_SUMMARY, max_note=svc.MAX_NOTE)


@bp.route("/workshops/<int:workshop_id>/report/texts", methods=["POST"])
@facilitator_required
def save_texts(workshop_id: int):  # type: ignore[no-untyped-def]
    """Save organisers, summary, method note and invite note: a plain form, or the editor's autosave (JSON)."""
    ws = _facilitator_ws(workshop_id)
    data = web.request_data()

    def save() -> Any:
        texts = svc.TextsInput.parse(data.get("organisers"), data.get("summary"), data.get("method_note"), data.get("invite_note"))
        return svc.save_texts(get_db(), ws, texts)

    return web.run(
        save,
        change=web.unpublished,  # the report page reloads its document itself
        success=_("Saved."),
        back=lambda: redirect(url_for("report.edit", workshop_id=ws.id)),
        reply=lambda row: {
            "ok": True,
            "revision": row.revision,
            "saved_at": (row.updated_at or dt.datetime.now()).isoformat() + "Z",
            "preview": {k: render_html(getattr(row, k)) for k in ("summary", "method_note", "invite_note")},
        },
    )


# -- share links -------------------------------------------------------------------------------------


def share_url(token: str) -> str:
    base = current_app.config.get("PUBLIC_URL")
    path = url_for("report.shared", token=token)
    return base.rstrip("/") + path if base else url_for("report.shared", token=token, _external=True)


@bp.route("/workshops/<int:workshop_id>/report/links")
@facilitator_required
def links(workshop_id: int):  # type: ignore[no-untyped-def]
    ws = _facilitator_ws(workshop_id)
    new = session.pop(NEW_LINK_KEY, None)
    new_link = new.get("url") if isinstance(new, dict) and new.get("workshop_id") == ws.id else None
    return render_template("report/links.html", ws=ws, new_link=new_link)


@bp.route("/workshops/<int:workshop_id>/report/links", methods=["POST"])
@facilitator_required
def create_link(workshop_id: int):  # type: ignore[no-untyped-def]
    ws = _facilitator_ws(workshop_id)
    back = url_for("report.links", workshop_id=ws.id)

    def made(result: tuple[Any, str]) -> Any:
        session[NEW_LINK_KEY] = {"workshop_id": ws.id, "url": share_url(result[1])}
        return redirect(back + "#new-link")

    return web.run(
        lambda: svc.create_share_link(get_db(), ws, facilitator_user(), request.form.get("label", ""), request.form.get("expires_on", "")),
        change=web.unpublished,
        success=_("The share link was made. Copy it now: it is shown only once."),
        back=lambda: redirect(back),
        done=made,
    )


@bp.route("/workshops/<int:workshop_id>/report/links/<int:link_id>/revoke", methods=["POST"])
@facilitator_required
def revoke_link(workshop_id: int, link_id: int):  # type: ignore[no-untyped-def]
    ws = _facilitator_ws(workshop_id)
    return web.run(
        lambda: svc.revoke_share_link(get_db(), ws, link_id),
        change=web.unpublished,
        success=_("The share link was revoked. It no longer opens the report."),
        back=lambda: redirect(url_for("report.links", workshop_id=ws.id)),
    )
