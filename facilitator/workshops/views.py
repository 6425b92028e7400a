"""Facilitator pages: list, create and prepare workshops, open and close them, follow them live."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from facilitator import lan, web
from facilitator.auth import facilitator_required, facilitator_user
from facilitator.db import get_db
from facilitator.errors import describe
from facilitator.rounds import presenters
from facilitator.workshops import qr
from facilitator.workshops.personas import library
from sessions.contributions import service as participation
from sessions.core import validation
from sessions.core.errors import ValidationFailed
from sessions.personas.checks import collect_persona_errors
from sessions.personas.schema import PersonaFileError
from sessions.workshop_templates import service as templates
from sessions.workshops import service as svc
from sessions.workshops.models import Workshop

bp = Blueprint("admin", __name__)


def public_url(endpoint: str, **values: Any) -> str:
    """An absolute URL for phones and the projector (PV_PUBLIC_URL if set, else this request's host)."""
    base = current_app.config.get("PUBLIC_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def join_url(ws: Any) -> str:
    return public_url("participant.join_code", code=ws.join_code)


def phones_cannot_reach() -> bool:
    """Whether join links name this machine only (PV_PUBLIC_URL, else this request's host is 127.x, ::1 or
    localhost): no phone can follow them, and the dashboard and the wall say so (workshops/_loopback.html)."""
    return lan.is_loopback(current_app.config.get("PUBLIC_URL") or request.host)


def _ws(workshop_id: int) -> Workshop:
    return web.facilitated(workshop_id)


def _int_or_none(value: str | None) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise ValidationFailed("persona_id", "not_a_number") from None


def _back(ws_id: int, anchor: str = "") -> Response:
    return redirect(url_for("admin.manage", workshop_id=ws_id) + (f"#{anchor}" if anchor else ""))


def _attempt(
    ws_id: int, anchor: str, action: Callable[[], Any], success: str, change: Callable[[Any], Any] = web.unpublished
) -> Any:
    """One change on the workshop page (web.run): flash the outcome and go back there. Preparing a workshop
    concerns no screen but the facilitator's, so by default nothing is published."""
    return web.run(action, success=success, back=lambda: _back(ws_id, anchor), change=change)


@bp.route("/workshops")
@facilitator_required
def workshops():  # type: ignore[no-untyped-def]
    items = svc.workshops_for_user(get_db(), facilitator_user())
    return render_template("workshops/workshops.html", workshops=items)


@bp.route("/workshops/new", methods=["GET", "POST"])
@facilitator_required
def new_workshop():  # type: ignore[no-untyped-def]
    lib = library()
    form = request.form if request.method == "POST" else None
    if form is None:
        return _new_workshop_page(lib, None, None)
    chosen = [k for k in form.getlist("personas") if k in lib]

    def create() -> Any:
        details = svc.WorkshopDetails.parse(form.get("title"), form.get("date"), form.get("place"), form.get("intro"))
        try:
            n_groups = int(form.get("group_count") or len(chosen) or 1)
        except ValueError:
            raise ValidationFailed("groups", "not_a_number") from None
        if not 1 <= n_groups <= validation.MAX_GROUPS:
            raise ValidationFailed("groups", "too_many", max=validation.MAX_GROUPS)
        specs = [lib[k] for k in chosen]
        groups = [(_("Table %(n)s", n=i + 1), specs[i % len(specs)].id if specs else None) for i in range(n_groups)]
        return svc.create_workshop(get_db(), facilitator_user(), details, specs, groups)

    return web.run(
        create,
        change=web.unpublished,
        success=_("The workshop was created as a draft. Check the groups and open it when you are ready."),
        refused=lambda err: _new_workshop_page(lib, form, describe(err)["message"]),
        done=lambda ws: redirect(url_for("admin.manage", workshop_id=ws.id)),
    )


def _new_workshop_page(lib: Any, form: Any, error: str | None) -> Any:
    status = 422 if error else 200
    return render_template("workshops/new_workshop.html", library=lib, form=form, error=error, status=status), status


@bp.route("/workshops/<int:workshop_id>")
@facilitator_required
def manage(workshop_id: int):  # type: ignore[no-untyped-def]
    ws = _ws(workshop_id)
    ws = svc.load_for_dashboard(get_db(), ws.id)
    used = {p.key for p in ws.personas}
    available = [spec for key, spec in library().items() if key not in used]
    return render_template(
        "workshops/manage.html",
        ws=ws,
        available=available,
        join_url=join_url(ws),
        loopback=phones_cannot_reach(),
        wall_url=public_url("wall.show", token=ws.wall_token),
        participant_count=participation.participant_count(get_db(), ws.id),
        made_from=templates.template_of(get_db(), ws),
    )


@bp.route("/workshops/<int:workshop_id>/details", methods=["POST"])
@facilitator_required
def update_details(workshop_id: int):  # type: ignore[no-untyped-def]
    ws = _ws(workshop_id)
    f = request.form
    return _attempt(
        ws.id,
        "details",
        lambda: svc.update_details(
            get_db(), ws, svc.WorkshopDetails.parse(f.get("title"), f.get("date"), f.get("place"), f.get("intro"))
        ),
        _("Saved."),
    )


@bp.route("/workshops/<int:workshop_id>/personas", methods=["POST"])
@facilitator_required
def add_library_persona(workshop_id: int):  # type: ignore[no-untyped-def]
    ws = _ws(workshop_id)
    spec = library().get(request.form.get("persona_key", ""))
    if spec is None:
        flash(_("Choose a persona from the library."), "error")
        return _back(ws.id, "personas")
    return _attempt(
        ws.id,
        "personas",
        lambda: svc.add_persona(get_db(), ws, spec, from_library=True),
        _("%(name)s was added.", name=spec.name),
    )


@bp.route("/workshops/<int:workshop_id>/personas/new", methods=["GET", "POST"])
@facilitator_required
def new_persona(workshop_id: int):  # type: ignore[no-untyped-def]
    ws = _ws(workshop_id)
    errors: dict[str, str] = {}
    form = request.form if request.method == "POST" else None
    if form is not None:
        data: dict[str, Any] = {
            "name": form.get("name", ""),
            "role": form.get("role", ""),
            "card": form.get("card", ""),
            "background": form.get("background", ""),
            "questions": [q for q in (form.get("questions", "").splitlines()) if q.strip()],
        }
        try:
            data["age"] = int(form.get("age", ""))
        except ValueError:
            data["age"] = form.get("age", "")
        spec, problems = collect_persona_errors(data, "", require_id=False, require_schema=False)
        for p in problems:
            errors.setdefault(p.field or "form", _persona_problem(p))
        if spec is not None and not errors:
            return web.run(
                lambda: svc.add_persona(get_db(), ws, spec, from_library=False),
                change=web.unpublished,
                success=_("%(name)s was added.", name=spec.name),
                refused=lambda err: _new_persona_page(ws, form, {"form": describe(err)["message"]}),
                done=lambda _p: _back(ws.id, "personas"),
            )
    return _new_persona_page(ws, form, errors)


def _new_persona_page(ws: Any, form: Any, errors: dict[str, str]) -> Any:
    status = 422 if errors else 200
    return render_template("workshops/new_persona.html", ws=ws, form=form, errors=errors), status


PERSONA_RULES = {
    "name": _l("Write a name (1–80 characters, one line)."),
    "age": _l("The age must be a whole number between 16 and 80."),
    "role": _l("Write a role (1–120 characters, one line)."),
    "card": _l("The card text must have 40–400 characters."),
    "background": _l("The background must have 200–3000 characters."),
    "questions": _l("Write 3–4 questions, one per line, each 10–200 characters and ending with “?”."),
}


def _persona_problem(err: PersonaFileError) -> str:
    # The validator's messages are English admin text; the UI states the rule for the field instead.
    rule = PERSONA_RULES.get(err.field or "")
    return str(rule) if rule is not None else _("Check the persona's fields.")


@bp.route("/workshops/<int:workshop_id>/personas/<int:persona_id>/delete", methods=["POST"])
@facilitator_required
def delete_persona(workshop_id: int, persona_id: int):  # type: ignore[no-untyped-def]
    ws = _ws(workshop_id)
    return _attempt(ws.id, "personas", lambda: svc.remove_persona(get_db(), ws, persona_id), _("The persona was removed."))


@bp.route("/workshops/<int:workshop_id>/groups", methods=["POST"])
@facilitator_required
def add_group(workshop_id: int):  # type: ignore[no-untyped-def]
    ws = _ws(workshop_id)
    f = request.form
    return _attempt(
        ws.id,
        "groups",
        lambda: svc.add_group(get_db(), ws, f.get("name"), _int_or_none(f.get("persona_id"))),
        _("The group was added."),
    )


@bp.route("/workshops/<int:workshop_id>/groups/<int:group_id>", methods=["POST"])
@facilitator_required
def update_group(workshop_id: int, group_id: int):  # type: ignore[no-untyped-def]
    ws = _ws(workshop_id)
    f = request.form
    return _attempt(
        ws.id,
        "groups",
        lambda: svc.update_group(get_db(), ws, group_id, f.get("name"), _int_or_none(f.get("persona_id"))),
        _("The group was saved."),
    )


@bp.route("/workshops/<int:workshop_id>/groups/<int:group_id>/delete", methods=["POST"])
@facilitator_required
def delete_group(workshop_id: int, group_id: int):  # type: ignore[no-untyped-def]
    ws = _ws(workshop_id)
    return _attempt(ws.id, "groups", lambda: svc.delete_group(get_db(), ws, group_id), _("The group was removed."))


@bp.route("/workshops/<int:workshop_id>/open", methods=["POST"])
@facilitator_required
def open_workshop(workshop_id: int):  # type: ignore[no-untyped-def]
    return open_it(_ws(workshop_id))


@bp.route("/workshops/<int:workshop_id>/close", methods=["POST"])
@facilitator_required
def close_workshop(workshop_id: int):  # type: ignore[no-untyped-def]
    return close_it(_ws(workshop_id))


def open_it(ws: Workshop, reply: Callable[[Workshop], Any] | None = None) -> Any:
    """Open the workshop and tell every screen: the one write of the form, ``fetch`` and the API (``reply``)."""
    return web.run(
        lambda: svc.open_workshop(get_db(), ws),
        success=_("The workshop is open. Show the wall on the projector so people can join."),
        back=lambda: _back(ws.id),
        reply=reply,
    )


def close_it(ws: Workshop, reply: Callable[[Workshop], Any] | None = None) -> Any:
    """Close the workshop and tell every screen (form, ``fetch`` and the API alike)."""
    return web.run(
        lambda: svc.close_workshop(get_db(), ws),
        success=_("The workshop is closed. Contributions are kept."),
        back=lambda: _back(ws.id),
        reply=reply,
    )


@bp.route("/workshops/<int:workshop_id>/live")
@facilitator_required
def live(workshop_id: int):  # type: ignore[no-untyped-def]
    ws = svc.load_for_dashboard(get_db(), _ws(workshop_id).id)
    items = participation.contributions(get_db(), ws.id, include_hidden=True)
    return render_template(
        "workshops/live.html",
        ws=ws,
        contributions=items,
        seq=ws.last_seq,
        join_url=join_url(ws),
        loopback=phones_cannot_reach(),
        wall_url=public_url("wall.show", token=ws.wall_token),
        participant_count=participation.participant_count(get_db(), ws.id),
        group_names={g.id: g.name for g in ws.groups},
        persona_names={p.id: p.name for p in ws.personas},
        **presenters.dashboard_context(get_db(), ws),
    )


@bp.route("/workshops/<int:workshop_id>/qr.svg")
@facilitator_required
def qr_code(workshop_id: int):  # type: ignore[no-untyped-def]
    ws = _ws(workshop_id)
    return Response(qr.svg(join_url(ws)), mimetype="image/svg+xml")


