"""One error handler per transport.

HTTP answers JSON ``{"error": {"code", "message"}}`` to the API and to ``fetch`` (``Accept: application/json``),
and an HTML page otherwise. Socket.IO handlers use :func:`ack_error`. Messages are translated (bokmål
by default); codes are stable and documented in docs/api.md.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from sessions.errors import DomainError, ValidationFailed

# Messages by code, or by (code, reason) for finer ones.
MESSAGES: dict[Any, Any] = {
    "not_found": _l("We could not find that."),
    "unknown_join_code": _l("We found no workshop with that code. Check the eight digits on the screen and try again."),
    "workshop_not_open": _l("This workshop is not open for contributions right now."),
    "workshop_not_draft": _l("This can only be changed before the workshop is opened."),
    "illegal_transition": _l("That is not possible in the workshop's current state."),
    ("illegal_transition", "no_groups"): _l("Add at least one group before you open the workshop."),
    ("illegal_transition", "group_without_persona"): _l("Give every group a persona before you open the workshop."),
    ("illegal_transition", "has_contributions"): _l("This cannot be removed because it already has contributions."),
    ("illegal_transition", "last_group"): _l("An open workshop needs at least one group."),
    "wrong_workshop": _l("That group or persona does not belong to this workshop."),
    "not_in_group": _l("You are at another table. Choose this group first, then post."),
    "not_your_contribution": _l("You can only change your own contributions."),
    "forbidden": _l("You do not have access to this."),
    "validation_failed": _l("Something in the form is not valid."),
    ("validation_failed", "empty"): _l("Write something first: the text cannot be empty."),
    ("validation_failed", "too_long"): _l("The text is too long (at most %(max)s characters)."),
    ("validation_failed", "not_text"): _l("The value must be text."),
    ("validation_failed", "unknown_kind"): _l("Choose either competence need or solution proposal."),
    ("validation_failed", "bad_client_id"): _l("The request is missing a valid client id."),
    ("validation_failed", "bad_date"): _l("Write the date as YYYY-MM-DD."),
    ("validation_failed", "unknown_persona"): _l("Unknown persona."),
    ("validation_failed", "already_added"): _l("That persona is already in the workshop."),
    ("validation_failed", "duplicate"): _l("The same persona was chosen twice."),
    ("validation_failed", "too_many"): _l("Too many groups (at most %(max)s)."),
    ("validation_failed", "not_a_number"): _l("Expected a number."),
    ("validation_failed", "not_a_list"): _l("Expected a list of groups, each with a name and a persona id."),
    ("validation_failed", "required_when_open"): _l("Every group needs a persona while the workshop is open."),
    ("validation_failed", "bad_email"): _l("Write a valid e-mail address."),
    ("validation_failed", "too_short"): _l("The password must have at least %(min)s characters."),
    ("validation_failed", "taken"): _l("There is already an account with that e-mail address."),
    ("validation_failed", "bad_since"): _l("The sequence number must be a whole number of 0 or more."),
    ("validation_failed", "invalid_persona"): _l("The persona is not valid: %(problem)s"),
    # Codes raised by the web layer itself.
    "no_group": _l("Choose a group first."),
    "not_joined": _l("Join the workshop with the code first."),
    "bad_json": _l("The request body must be a JSON object."),
    "unauthorized": _l("Sign in or send a valid token."),
    "rate_limited": _l("Too many attempts. Wait a minute and try again."),
    "csrf_failed": _l("The form has expired. Reload the page and try again."),
    "too_large": _l("The request is too large."),
    "method_not_allowed": _l("That method is not allowed here."),
    "server_error": _l("Something went wrong on the server. Your data is safe; try again."),
}

FIELD_LABELS: dict[str, Any] = {
    "title": _l("Title"),
    "text": _l("Text"),
    "place": _l("Place"),
    "intro": _l("Introduction"),
    "date": _l("Date"),
    "group_name": _l("Group name"),
    "display_name": _l("Name"),
    "email": _l("E-mail"),
    "password": _l("Password"),
}


class WebError(Exception):
    """An error raised by the web layer (not the domain) with a stable code."""

    def __init__(self, code: str, status: int, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.params = params


def message_for(code: str, reason: str | None = None, **params: Any) -> str:
    msg = MESSAGES.get((code, reason)) if reason else None
    if msg is None:
        msg = MESSAGES.get(code, MESSAGES["server_error"])
    text = str(msg)
    try:
        return text % params if params else text
    except (KeyError, TypeError, ValueError):
        return text


def describe(err: DomainError) -> dict[str, Any]:
    """``{"code", "message"[, "field"]}`` for a domain error, in the current language."""
    reason = err.params.get("reason") if isinstance(err, ValidationFailed) else err.params.get("reason")
    params = {k: v for k, v in err.params.items() if k not in {"reason", "field"}}
    body: dict[str, Any] = {"code": err.code, "message": message_for(err.code, reason, **params)}
    if isinstance(err, ValidationFailed):
        body["field"] = err.field
        label = FIELD_LABELS.get(err.field)
        if label is not None:
            body["message"] = f"{label}: {body['message']}"
    return body


def ack_error(err: DomainError | WebError) -> dict[str, Any]:
    if isinstance(err, DomainError):
        return {"ok": False, "error": describe(err)}
    return {"ok": False, "error": {"code": err.code, "message": message_for(err.code, **err.params)}}


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes["application/json"] > request.accept_mimetypes["text/html"]


def error_response(code: str, message: str, status: int, field: str | None = None):  # type: ignore[no-untyped-def]
    if wants_json():
        body: dict[str, Any] = {"code": code, "message": message}
        if field:
            body["field"] = field
        return jsonify(error=body), status
    return render_template("error.html", code=code, message=message, status=status), status


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(err: DomainError):  # type: ignore[no-untyped-def]
        d = describe(err)
        return error_response(d["code"], d["message"], err.status, d.get("field"))

    @app.errorhandler(WebError)
    def _web(err: WebError):  # type: ignore[no-untyped-def]
        return error_response(err.code, message_for(err.code, **err.params), err.status)

    @app.errorhandler(CSRFError)
    def _csrf(_err: CSRFError):  # type: ignore[no-untyped-def]
        return error_response("csrf_failed", message_for("csrf_failed"), 400)

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):  # type: ignore[no-untyped-def]
        code = {
            404: "not_found",
            405: "method_not_allowed",
            413: "too_large",
            429: "rate_limited",
            401: "unauthorized",
            403: "forbidden",
        }.get(err.code or 500, "bad_request" if (err.code or 500) < 500 else "server_error")
        message = message_for(code) if code in MESSAGES else _("The request could not be handled.")
        return error_response(code, message, err.code or 500)

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):  # type: ignore[no-untyped-def]
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response("server_error", message_for("server_error"), 500)
