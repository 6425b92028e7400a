"""The theme board («Temaer»): the facilitator's page, its controls, and the board's JSON API.

Every change is an HTTP POST by a facilitator *of that workshop* (anyone else gets 404, as for every
facilitator page) → one function in ``sessions.themes.board`` → commit → one ``themes`` event to the
workshop's staff room (``publish``, realtime/publish.py), so a second facilitator's board and the dashboard
follow without a reload. A plain form is answered with a redirect back to the board and a message (the
page works without JavaScript); ``fetch`` with ``Accept: application/json`` gets
``{"ok", "message", "board"}``. The suggester runs only when asked (``…/themes/suggestions``), in gevent's
thread pool when the server runs under gevent, so live traffic keeps flowing while it works.

The API (``/api/v1/workshops/<id>/themes`` …, bearer tokens, no CSRF) lists, creates, renames, moves and
deletes themes and puts a contribution into one; see docs/api.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Flask,
    jsonify,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext

from facilitator import web
from facilitator.auth import facilitator_required
from facilitator.db import get_db
from sessions.contributions import service as participation
from sessions.core.errors import ValidationFailed
from sessions.core.store import _off_loop
from sessions.themes import board as themes_board
from sessions.themes import service as board
from sessions.themes import suggestions as themes_suggestions
from sessions.workshops import service as svc

bp = Blueprint("themes", __name__)
api_bp = web.api_blueprint("themes_api", __name__)


# -- helpers -----------------------------------------------------------------------------------------


def _id(value: Any, field: str) -> int | None:
    """An id from a form (text) or JSON (a number); empty means none."""
    if value in (None, ""):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise ValidationFailed(field, "not_a_number")


def _ids(data: Any, field: str) -> Any:
    """A list of ids: repeated form fields (checkboxes) or a JSON list (validated by the domain)."""
    if hasattr(data, "getlist"):
        return data.getlist(field)
    return data.get(field) or []


def _text_or_none(data: Any, field: str) -> Any:
    """A name from the request; missing means "the proposed one" (the domain validates what is given)."""
    return data.get(field) if field in data else None


def _page(ws_id: int, anchor: str = "") -> Any:
    return redirect(url_for("themes.page", workshop_id=ws_id) + (f"#{anchor}" if anchor else ""))


def _run(ws_id: int, action: Callable[[], board.BoardChange], message: Callable[[board.BoardChange], str], anchor: str = "") -> Any:
    """One board change (web.run): domain → commit → one ``themes`` event; JSON ``{"ok", "message", "board"}``."""
    return web.run(
        action,
        success=lambda ch: message(ch) if ch.changed else _("Nothing changed."),
        back=lambda: _page(ws_id, anchor),
        body=lambda _ch, published: {"board": published["board"]},
    )


def run_suggester(fn: Callable[[], Any]) -> Any:
    """The suggester is pure CPU work: under gevent it runs in the hub's thread pool, so the event loop
    gets the interpreter between the worker's time slices and sockets keep being served."""
    return _off_loop(fn)


# -- the page ----------------------------------------------------------------------------------------


@bp.route("/workshops/<int:workshop_id>/themes")
@facilitator_required
def page(workshop_id: int):  # type: ignore[no-untyped-def]
    db = get_db()
    ws = svc.load_for_dashboard(db, web.facilitated(workshop_id).id)
    seq = participation.last_seq(db, ws.id)  # read before the board: catch-up from here misses nothing
    the_board = themes_board.load_board(db, ws.id)
    items = {c.id: c for c in participation.contributions(db, ws.id)}
    return render_template(
        "themes/themes.html",
        ws=ws,
        board=the_board,
        items=items,
        seq=seq,
        persona_names={p.id: p.name for p in ws.personas},
        group_names={g.id: g.name for g in ws.groups},
    )


# -- board controls ----------------------------------------------------------------------------------


@bp.route("/workshops/<int:workshop_id>/themes", methods=["POST"])
@facilitator_required
def create(workshop_id: int):  # type: ignore[no-untyped-def]
    """A new theme; with ``contribution_id`` (a card dropped on «New theme») that card goes straight into it.
    Without a name, the theme is called «Theme N»."""
    ws = web.facilitated(workshop_id)
    data = web.request_data()
    first = _id(data.get("contribution_id"), "contribution_id")
    name = data.get("name")
    if isinstance(name, str) and not name.strip() and first is not None:
        name = None  # a card dropped on «New theme»: the proposed name
    return _run(
        ws.id,
        lambda: board.create_theme(get_db(), ws, name, [first] if first else None, default_name=_default_name),
        lambda ch: _("The theme “%(name)s” was created.", name=ch.theme.name),  # type: ignore[union-attr]
    )


def _default_name(n: int) -> str:
    return _("Theme %(n)s", n=n)


@bp.route("/workshops/<int:workshop_id>/themes/<int:theme_id>", methods=["POST"])
@facilitator_required
def rename(workshop_id: int, theme_id: int):  # type: ignore[no-untyped-def]
    ws = web.facilitated(workshop_id)
    name = web.request_data().get("name")
    return _run(
        ws.id,
        lambda: board.rename_theme(get_db(), ws, theme_id, name),
        lambda ch: _("The theme is now called “%(name)s”.", name=ch.theme.name),  # type: ignore[union-attr]
        f"theme-{theme_id}",
    )


@bp.route("/workshops/<int:workshop_id>/themes/<int:theme_id>/delete", methods=["POST"])
@facilitator_required
def delete(workshop_id: int, theme_id: int):  # type: ignore[no-untyped-def]
    ws = web.facilitated(workshop_id)
    return _run(
        ws.id,
        lambda: board.delete_theme(get_db(), ws, theme_id),
        lambda ch: _("The theme “%(name)s” was deleted. Its contributions are ungrouped again.", name=ch.theme.name),  # type: ignore[union-attr]
    )


@bp.route("/workshops/<int:workshop_id>/themes/<int:theme_id>/move", methods=["POST"])
@facilitator_required
def move(workshop_id: int, theme_id: int):  # type: ignore[no-untyped-def]
    """``direction`` up or down (the board's buttons), or ``position`` (0 = first)."""
    ws = web.facilitated(workshop_id)
    data = web.request_data()
    db = get_db()
    direction = data.get("direction")

    def action() -> board.BoardChange:
        if direction in ("up", "down"):
            return board.shift_theme(db, ws, theme_id, -1 if direction == "up" else 1)
        return board.move_theme(db, ws, theme_id, _id(data.get("position"), "position"))

    return _run(ws.id, action, lambda ch: _("The order of the themes was saved."), f"theme-{theme_id}")


@bp.route("/workshops/<int:workshop_id>/themes/assign", methods=["POST"])
@facilitator_required
def assign(workshop_id: int):  # type: ignore[no-untyped-def]
    """Put ``contribution_id`` into ``theme_id`` (empty: back to ungrouped). Drag and drop, the card's
    «Move to» menu and the form without JavaScript all send this."""
    ws = web.facilitated(workshop_id)
    data = web.request_data()
    cid = _id(data.get("contribution_id"), "contribution_id")
    tid = _id(data.get("theme_id"), "theme_id")

    def message(ch: board.BoardChange) -> str:
        if ch.theme is None:
            return _("Moved back to the ungrouped contributions.")
        return _("Moved to “%(name)s”.", name=ch.theme.name)

    return _run(ws.id, lambda: board.assign(get_db(), ws, cid, tid), message, f"c{cid}" if cid else "")


# -- suggestions -------------------------------------------------------------------------------------


@bp.route("/workshops/<int:workshop_id>/themes/suggestions", methods=["POST"])
@facilitator_required
def suggest(workshop_id: int):  # type: ignore[no-untyped-def]
    """Run the suggester on the visible contributions in no theme (only when asked)."""
    ws = web.facilitated(workshop_id)

    def message(ch: board.BoardChange) -> str:
        n = int(ch.detail or 0)
        if not n:
            return _("No new suggestions. Group the contributions by hand, or ask again when more have come in.")
        return ngettext("%(num)d suggestion. Accept, rename, split or reject it.", "%(num)d suggestions. Accept, rename, split, merge or reject each.", n)

    return _run(ws.id, lambda: themes_suggestions.refresh_suggestions(get_db(), ws, run_suggester), message, "suggestions")


@bp.route(
    "/workshops/<int:workshop_id>/themes/suggestions/<int:suggestion_id>/<any(accept, split, merge, add, reject):action>",
    methods=["POST"],
)
@facilitator_required
def decide(workshop_id: int, suggestion_id: int, action: str):  # type: ignore[no-untyped-def]
    """Accept a suggestion (``name``: the theme's name, changed or as proposed), split it (``split``: the
    members for a second theme, ``second_name``), merge another pending one into it (``merge_with``, ``name``)
    or add it to an existing theme (``theme_id``), or reject it."""
    ws = web.facilitated(workshop_id)
    data = web.request_data()
    db = get_db()
    if action == "merge":
        return web.run(
            lambda: themes_suggestions.merge_suggestions(
                db, ws, suggestion_id, _id(data.get("merge_with"), "merge_with"), _text_or_none(data, "name")
            ),
            success=_merged_message,
            back=lambda: _page(ws.id, "suggestions"),
            body=lambda ch, published: {"board": published["board"], "suggestion_id": int(ch.detail)},
        )
    if action == "accept":
        return _run(
            ws.id,
            lambda: themes_suggestions.accept_suggestion(db, ws, suggestion_id, _text_or_none(data, "name")),
            lambda ch: _("Accepted as the theme “%(name)s”.", name=ch.theme.name),  # type: ignore[union-attr]
            "suggestions",
        )
    if action == "add":
        return _run(
            ws.id,
            lambda: themes_suggestions.add_suggestion_to_theme(db, ws, suggestion_id, _id(data.get("theme_id"), "theme_id")),
            lambda ch: ngettext(
                "%(num)d contribution added to the theme “%(name)s”.",
                "%(num)d contributions added to the theme “%(name)s”.",
                int(ch.detail),
                name=ch.theme.name,  # type: ignore[union-attr]
            ),
            "suggestions",
        )
    if action == "split":
        return _run(
            ws.id,
            lambda: themes_suggestions.split_suggestion(
                db, ws, suggestion_id, _ids(data, "split"), _text_or_none(data, "name"), data.get("second_name")
            ),
            lambda ch: _("Split into the themes “%(first)s” and “%(second)s”.", first=ch.themes[0].name, second=ch.themes[1].name),
            "suggestions",
        )
    return _run(
        ws.id,
        lambda: themes_suggestions.reject_suggestion(db, ws, suggestion_id),
        lambda ch: _("Rejected. It will not be suggested again."),
        "suggestions",
    )


def _merged_message(ch: board.BoardChange) -> str:
    s = themes_board.load_board(get_db(), ch.workshop_id).suggestion(int(ch.detail))
    return _("Merged into one suggestion, “%(name)s”. Accept, split or reject it.", name=s.name if s else "")


# -- the JSON API ------------------------------------------------------------------------------------


def _api_board(ws_id: int) -> dict[str, Any]:
    b = themes_board.load_board(get_db(), ws_id)
    return {**b.payload(), "ungrouped": list(b.ungrouped)}


def _api_theme(ws_id: int, theme_id: int) -> dict[str, Any]:
    b = themes_board.load_board(get_db(), ws_id)
    view = b.theme(theme_id)
    return {"theme": view.as_dict() if view else None, "revision": b.revision}


@api_bp.route("/workshops/<int:workshop_id>/themes", methods=["GET"])
def api_list(workshop_id: int):  # type: ignore[no-untyped-def]
    ws = web.api_facilitated(workshop_id)
    return jsonify(_api_board(ws.id))


@api_bp.route("/workshops/<int:workshop_id>/themes", methods=["POST"])
def api_create(workshop_id: int):  # type: ignore[no-untyped-def]
    ws = web.api_facilitated(workshop_id)
    data = web.json_body()
    return web.run(
        lambda: board.create_theme(get_db(), ws, data.get("name"), data.get("contribution_ids")),
        reply=lambda ch: _api_theme(ws.id, ch.theme.id),
        status=201,
    )


@api_bp.route("/workshops/<int:workshop_id>/themes/<int:theme_id>", methods=["PATCH"])
def api_update(workshop_id: int, theme_id: int):  # type: ignore[no-untyped-def]
    """``name`` renames, ``position`` (0 = first) moves; both may be given (checked before anything is stored)."""
    ws = web.api_facilitated(workshop_id)
    data = web.json_body()
    if "name" not in data and "position" not in data:
        raise ValidationFailed("name", "required")
    fields = {k: data[k] for k in ("name", "position") if k in data}
    return web.run(lambda: board.update_theme(get_db(), ws, theme_id, **fields), reply=lambda _ch: _api_theme(ws.id, theme_id))


@api_bp.route("/workshops/<int:workshop_id>/themes/<int:theme_id>", methods=["DELETE"])
def api_delete(workshop_id: int, theme_id: int):  # type: ignore[no-untyped-def]
    ws = web.api_facilitated(workshop_id)
    return web.run(lambda: board.delete_theme(get_db(), ws, theme_id), reply=lambda ch: {"deleted": theme_id, "revision": ch.revision})


@api_bp.route("/workshops/<int:workshop_id>/contributions/<int:contribution_id>/theme", methods=["PUT"])
def api_assign(workshop_id: int, contribution_id: int):  # type: ignore[no-untyped-def]
    """``{"theme_id": 5}`` puts the contribution into theme 5 (out of any other); ``null`` ungroups it."""
    ws = web.api_facilitated(workshop_id)
    data = web.json_body()
    if "theme_id" not in data:
        raise ValidationFailed("theme_id", "required")
    tid = data.get("theme_id")
    if tid is not None and (not isinstance(tid, int) or isinstance(tid, bool)):
        raise ValidationFailed("theme_id", "not_a_number")
    return web.run(
        lambda: board.assign(get_db(), ws, contribution_id, tid),
        reply=lambda ch: {"contribution_id": contribution_id, "theme_id": tid, "revision": ch.revision},
    )


@api_bp.route("/workshops/<int:workshop_id>/themes/suggestions/<int:suggestion_id>/merge", methods=["POST"])
def api_merge_suggestions(workshop_id: int, suggestion_id: int):  # type: ignore[no-untyped-def]
    """``{"merge_with": 7, "name": "…"}`` merges pending suggestion 7 into this one: a new pending suggestion
    (201) with both's members; ``name`` is optional (this one's name otherwise)."""
    ws = web.api_facilitated(workshop_id)
    data = web.json_body()

    def reply(ch: board.BoardChange) -> dict[str, Any]:
        b = themes_board.load_board(get_db(), ws.id)
        view = b.suggestion(int(ch.detail))
        return {"suggestion": view.as_dict() if view else None, "revision": b.revision}

    return web.run(
        lambda: themes_suggestions.merge_suggestions(get_db(), ws, suggestion_id, data.get("merge_with"), data.get("name")),
        reply=reply,
        status=201,
    )


@api_bp.route("/workshops/<int:workshop_id>/themes/suggestions/<int:suggestion_id>/add", methods=["POST"])
def api_add_suggestion(workshop_id: int, suggestion_id: int):  # type: ignore[no-untyped-def]
    """``{"theme_id": 5}`` puts the pending suggestion's contributions (those still visible and in no theme)
    into existing theme 5 and accepts the suggestion; the answer is the theme as it is now."""
    ws = web.api_facilitated(workshop_id)
    data = web.json_body()
    return web.run(
        lambda: themes_suggestions.add_suggestion_to_theme(get_db(), ws, suggestion_id, data.get("theme_id")),
        reply=lambda ch: {**_api_theme(ws.id, ch.theme.id), "added": int(ch.detail)},
    )


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(api_bp)

    @app.template_global()
    def theme_board_for(workshop_id: int) -> themes_board.Board:
        """The board for the dashboard's themes panel (templates/themes/_themes_panel.html)."""
        return themes_board.load_board(get_db(), workshop_id)
