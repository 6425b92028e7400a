"""Workshop templates on the web: the library (``/maler``), a template's page with «Ny workshop fra mal»,
editing, copying, deleting and the file download, importing a file, and «Lagre som mal» on a workshop.

Every signed-in facilitator sees and uses every template; only the owner changes or deletes one (403
otherwise, ``forbidden``); built-in templates are read-only. Preparing is nobody else's screen, so nothing
is published. The JSON API for the same writes is in ``api.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from facilitator import web
from facilitator.auth import facilitator_required, facilitator_user
from facilitator.db import get_db
from facilitator.errors import describe
from facilitator.workshop_templates import api, presenters
from sessions.core.errors import DomainError, ValidationFailed
from sessions.workshop_templates import content
from sessions.workshop_templates import service as svc
from sessions.workshop_templates.models import (
    MAX_DESCRIPTION,
    MAX_NAME,
    WorkshopTemplate,
)
from sessions.workshops import service as workshops

bp = Blueprint("workshop_templates", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(api.bp)


@bp.url_value_preprocessor
def _file_limit(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    """A template file may be larger than other requests (64 KiB). URL value preprocessors run before
    every ``before_request`` (the CSRF check reads the form), so the limit is raised here."""
    if endpoint == "workshop_templates.import_file":
        request.max_content_length = content.MAX_FILE_BYTES + 16 * 1024


def _library_page(error: str | None = None, status: int = 200) -> Any:
    db = get_db()
    presenters.ensure_builtins(db)
    user = facilitator_user()
    items = svc.templates(db)
    html = render_template(
        "workshop_templates/library.html",
        builtins=[t for t in items if t.is_builtin],
        own=[t for t in items if not t.is_builtin],
        user=user,
        may_change=lambda t: svc.may_change(t, user),
        import_error=error,
        max_kb=content.MAX_FILE_BYTES // 1024,
    )
    return html, status


@bp.route("/maler")
@facilitator_required
def library():  # type: ignore[no-untyped-def]
    return _library_page()


@bp.route("/maler/import", methods=["POST"])
@facilitator_required
def import_file():  # type: ignore[no-untyped-def]
    """Upload a template file (``file``); a file that is no template shows the library again with why (422)."""
    upload = request.files.get("file")

    def read() -> WorkshopTemplate:
        if upload is None or not upload.filename:
            raise ValidationFailed("template_file", "no_file")
        return svc.import_file(get_db(), facilitator_user(), upload.stream.read(content.MAX_FILE_BYTES + 1))

    return web.run(
        read,
        change=web.unpublished,
        success=lambda t: _("The template “%(name)s” was imported.", name=t.name),
        refused=lambda err: _library_page(describe(err)["message"], 422),
        done=lambda t: redirect(url_for("workshop_templates.show", template_id=t.id)),
    )


def _template_page(t: WorkshopTemplate, *, error: dict[str, str] | None = None, status: int = 200) -> Any:
    db = get_db()
    user = facilitator_user()
    html = render_template(
        "workshop_templates/template.html",
        t=t,
        may_change=svc.may_change(t, user),
        mine=list(workshops.workshops_for_user(db, user)) if user is not None else [],
        made=svc.workshops_made_from(db, t.id),
        tag_counts=presenters.tag_counts(t),
        file_name=presenters.file_name(t),
        error=error or {},
        form=request.form if request.method == "POST" else None,
        max_name=MAX_NAME,
        max_description=MAX_DESCRIPTION,
    )
    return html, status


def _back(t_id: int, anchor: str = "") -> Response:
    return redirect(url_for("workshop_templates.show", template_id=t_id) + (f"#{anchor}" if anchor else ""))


def _no_access(err: DomainError) -> None:
    """Someone who may not change the template (or names one that does not exist) gets the error page
    (403/404), not a message on the way back."""
    if err.status in (403, 404):
        raise err


def _refused_on_page(template_id: int, form: str) -> Any:
    """A refused form on a template's page: the page again, the message beside the form that was sent."""

    def answer(err: DomainError) -> Any:
        _no_access(err)
        t = svc.get_template(get_db(), template_id)
        return _template_page(t, error={"form": form, "message": describe(err)["message"]}, status=err.status)

    return answer


@bp.route("/maler/<int:template_id>")
@facilitator_required
def show(template_id: int):  # type: ignore[no-untyped-def]
    presenters.ensure_builtins(get_db())
    return _template_page(svc.get_template(get_db(), template_id))


@bp.route("/maler/<int:template_id>/ny", methods=["POST"])
@facilitator_required
def new_workshop(template_id: int):  # type: ignore[no-untyped-def]
    """«Ny workshop fra mal»: title, date and place; the rest comes from the template."""
    f = request.form
    svc.get_template(get_db(), template_id)
    return web.run(
        lambda: svc.create_workshop_from_template(
            get_db(), facilitator_user(), template_id, title=f.get("title"), date=f.get("date"), place=f.get("place", "")
        ),
        change=web.unpublished,
        success=_("The workshop was created from the template as a draft. Check it and open it when you are ready."),
        refused=_refused_on_page(template_id, "new"),
        back=lambda: _back(template_id, "new"),
        done=lambda ws: redirect(url_for("admin.manage", workshop_id=ws.id)),
    )


@bp.route("/maler/<int:template_id>", methods=["POST"])
@facilitator_required
def update(template_id: int):  # type: ignore[no-untyped-def]
    """Name, description, introduction, group names and which personas to keep, in which order."""
    f = request.form
    db = get_db()
    t = svc.get_template(db, template_id)
    changes: dict[str, Any] = {k: f.get(k, "") for k in ("name", "description", "intro")}
    if "group-0" in f or not t.groups:
        changes["groups"] = [f.get(f"group-{i}", "") for i in range(len(t.groups))]
    if "persona-order" in f:
        keep = set(f.getlist("keep"))
        order = f.getlist("persona-order")
        ranked = []
        for i, (p, rank) in enumerate(zip(t.personas, order, strict=False)):
            try:
                n = int(rank)
            except ValueError:
                n = i + 1
            if p["key"] in keep:
                ranked.append((n, i, p["key"]))
        changes["personas"] = [key for _n, _i, key in sorted(ranked)]
    if "rounds-shown" in f:
        kept = set(f.getlist("keep-round"))
        changes["rounds"] = [r for i, r in enumerate(t.rounds) if str(i) in kept]
    return _change(template_id, "edit", lambda: svc.update_template(db, facilitator_user(), template_id, changes), _("The template was saved."))


def _change(template_id: int, form: str, action: Callable[[], WorkshopTemplate], message: str) -> Any:
    """An owner's change on the template's page: back to the form that was sent, or the page again with why."""
    return web.run(
        action,
        change=web.unpublished,
        success=message,
        refused=_refused_on_page(template_id, form),
        back=lambda: _back(template_id, form),
    )


@bp.route("/maler/<int:template_id>/replace", methods=["POST"])
@facilitator_required
def replace(template_id: int):  # type: ignore[no-untyped-def]
    """Replace the template's contents with a workshop of one's own (name and description stay)."""
    db = get_db()
    try:
        workshop_id = int(request.form.get("workshop_id", ""))
    except ValueError:
        workshop_id = 0

    def action() -> WorkshopTemplate:
        svc.changeable(db, template_id, facilitator_user())  # 403 before anything about the workshop
        return svc.replace_from_workshop(db, facilitator_user(), template_id, web.facilitated(workshop_id))

    return _change(template_id, "replace", action, _("The template’s contents were replaced by the workshop’s."))


@bp.route("/maler/<int:template_id>/copy", methods=["POST"])
@facilitator_required
def copy(template_id: int):  # type: ignore[no-untyped-def]
    return web.run(
        lambda: svc.copy_template(get_db(), facilitator_user(), template_id, request.form.get("name")),
        change=web.unpublished,
        success=_("A copy was made. It is yours to change."),
        refused=_no_access,
        back=lambda: _back(template_id),
        done=lambda t: redirect(url_for("workshop_templates.show", template_id=t.id)),
    )


@bp.route("/maler/<int:template_id>/delete", methods=["POST"])
@facilitator_required
def delete(template_id: int):  # type: ignore[no-untyped-def]
    return web.run(
        lambda: svc.delete_template(get_db(), facilitator_user(), template_id),
        change=web.unpublished,
        success=_("The template was deleted. Workshops made from it are unchanged."),
        refused=_no_access,
        back=lambda: _back(template_id),
        done=lambda _none: redirect(url_for("workshop_templates.library")),
    )


@bp.route("/maler/<int:template_id>/fil")
@facilitator_required
def download(template_id: int):  # type: ignore[no-untyped-def]
    return api.file_response(svc.get_template(get_db(), template_id))


@bp.route("/workshops/<int:workshop_id>/template", methods=["POST"])
@facilitator_required
def save_workshop(workshop_id: int):  # type: ignore[no-untyped-def]
    """«Lagre som mal» on a workshop's page (any status)."""
    ws = web.facilitated(workshop_id)
    f = request.form
    return web.run(
        lambda: svc.save_from_workshop(get_db(), facilitator_user(), ws, f.get("name"), f.get("description", "")),
        change=web.unpublished,
        success=lambda t: _("Saved as the template “%(name)s”.", name=t.name),
        back=lambda: redirect(url_for("admin.manage", workshop_id=ws.id) + "#save-template"),
        done=lambda t: redirect(url_for("workshop_templates.show", template_id=t.id)),
    )
