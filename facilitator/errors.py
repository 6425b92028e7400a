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

from sessions.core.errors import DomainError, ValidationFailed

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
    ("validation_failed", "unknown_kind"): _l("Choose competence need, solution proposal or a case from your municipality (Hos oss)."),
    ("validation_failed", "bad_client_id"): _l("The request is missing a valid client id."),
    ("validation_failed", "bad_date"): _l("Write the date as YYYY-MM-DD."),
    ("validation_failed", "unknown_persona"): _l("Unknown persona."),
    ("validation_failed", "already_added"): _l("That persona is already in the workshop."),
    ("validation_failed", "duplicate"): _l("The same persona was chosen twice."),
    ("validation_failed", "duplicate_item"): _l("The same follow-up item was assessed twice."),
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
    # The report (facilitator/report/views.py, sessions/report/, sessions/archive/).
    "share_link_revoked": _l("This link to the report has been revoked by the workshop's facilitator."),
    "share_link_expired": _l("This link to the report has expired: its last day has passed."),
    "export_busy": _l("Other reports are being made right now. Try again in a minute."),
    "export_failed": _l("The file could not be made. Try again; if it fails again, download another format."),
    ("validation_failed", "in_the_past"): _l("The last day cannot be in the past."),
    ("validation_failed", "too_many_links"): _l("This workshop has too many share links (at most %(max)s)."),
    ("validation_failed", "bad_archive"): _l("The archive is not valid (%(where)s)."),
    ("validation_failed", "unsupported_archive"): _l("This is not a Personaverkstad workshop archive this version can read."),
    # Running the room (facilitator/rounds/views.py, sessions/rounds/, sessions/contributions/moderation.py).
    "round_closed": _l("No round is open for posts right now."),
    ("round_closed", "time_up"): _l("Time is up for this round, so the post was not saved. Keep the text for the next round."),
    ("round_closed", "voting"): _l("Texts cannot be changed while the dots are being given."),
    "kind_not_open": _l("This round collects another kind of contribution."),
    "voting_closed": _l("Voting is closed: no voting round is running."),
    "already_voted": _l("You already have a dot on this contribution. Take it back to move it."),
    "no_dots_left": _l("You have used all your %(dots)s dots. Take one back to move it."),
    "contribution_hidden": _l("The facilitator has hidden this contribution."),
    "not_in_voting_scope": _l("In this round you give dots to your own table’s contributions."),
    "cannot_merge": _l("These two cannot be merged."),
    ("cannot_merge", "same"): _l("Choose another contribution to merge with."),
    ("cannot_merge", "different_kind"): _l("Only contributions of the same kind can be merged."),
    ("cannot_merge", "hidden"): _l("Show the hidden contribution again before you merge it."),
    ("cannot_merge", "merged"): _l("One of them is already merged into another contribution."),
    ("illegal_transition", "round_not_planned"): _l("This round has already been started."),
    ("illegal_transition", "another_round_running"): _l("Another round is running. End it first."),
    ("illegal_transition", "round_not_running"): _l("The round is not running."),
    ("illegal_transition", "round_not_paused"): _l("The round is not paused."),
    ("illegal_transition", "round_ended"): _l("The round has ended."),
    ("illegal_transition", "no_timer"): _l("This round has no timer."),
    ("illegal_transition", "plan_not_empty"): _l("The workshop already has a plan."),
    ("illegal_transition", "plan_finished"): _l("Every round of the plan has been run. Add a round to go on."),
    ("illegal_transition", "round_started"): _l("A round that has started keeps its duration and type; its name, prompt and voting setup can still change."),
    ("illegal_transition", "already_hidden"): _l("This contribution is already hidden."),
    ("illegal_transition", "not_hidden"): _l("This contribution is not hidden."),
    ("illegal_transition", "not_merged"): _l("This contribution is not merged."),
    ("illegal_transition", "merged"): _l("This contribution is merged into another. Undo the merge first."),
    ("validation_failed", "out_of_range"): _l("The number must be from %(min)s to %(max)s."),
    ("validation_failed", "not_a_boolean"): _l("Expected yes or no."),
    ("validation_failed", "unknown_scope"): _l("Choose their own table or every table."),
    ("validation_failed", "voting_round_takes_no_posts"): _l("A voting round takes no posts."),
    ("validation_failed", "too_many_rounds"): _l("Too many rounds (at most %(max)s)."),
    ("validation_failed", "required_for_view"): _l("Choose the persona to show."),
    ("validation_failed", "unknown_view"): _l("Unknown wall view."),
    ("validation_failed", "bad_time"): _l("The time must be milliseconds since 1970 or an ISO 8601 time."),
    # Privacy (facilitator/privacy/views.py, sessions/privacy/service.py).
    ("validation_failed", "bad_deletion_code"): _l("A deletion code has eight letters and digits, like ABCD-1234."),
    ("validation_failed", "unknown_deletion_code"): _l("No participant in this workshop has that deletion code. Check it with the participant."),
    # Tags and roles (facilitator/tags/views.py, sessions/tags/, sessions/contributions/roles.py).
    "unknown_tag": _l("That tag is not in this workshop’s list of tags."),
    "tag_in_use": _l("The tag is on %(uses)s contributions. Confirm to remove it from them too."),
    ("not_your_contribution", "tag"): _l("You can only tag your own contributions."),
    ("validation_failed", "unknown_category"): _l("Choose kind of measure, level or need type."),
    "tag_exists": _l("There is already a tag with that name in this category."),
    ("validation_failed", "too_many_tags"): _l("Too many tags (at most %(max)s)."),
    ("validation_failed", "not_a_list_of_tags"): _l("Expected a list of tag ids."),
    ("validation_failed", "unknown_role"): _l("Choose one of the roles in the list, or “Prefer not to say”."),
    # The follow-up register (facilitator/followup/views.py, sessions/followup/).
    "already_in_followup": _l("This proposal is already in the follow-up."),
    "not_a_proposal": _l("Only solution proposals and Hos oss cases can be added to the follow-up."),
    ("validation_failed", "bad_deadline"): _l("Write the deadline as a date, e.g. 2026-09-01 or 1.9.2026."),
    ("validation_failed", "unknown_status"): _l("Choose one of the statuses in the list."),
    ("validation_failed", "too_many_followups"): _l("The follow-up register is full (at most %(max)s items)."),
    # Series of workshops (facilitator/series/, sessions/series/).
    "already_in_series": _l("This workshop is already in the series “%(series)s”. A workshop can be in one series only: remove it from that series first."),
    ("validation_failed", "too_many_series_workshops"): _l("A series can hold at most %(max)s workshops."),
    # The theme board (facilitator/themes/views.py, sessions/themes/).
    "suggestion_gone": _l("This suggestion has been dealt with already, or newer suggestions have replaced it."),
    ("suggestion_gone", "accepted"): _l("This suggestion has already been accepted."),
    ("suggestion_gone", "rejected"): _l("This suggestion has already been rejected."),
    ("suggestion_gone", "superseded"): _l("Newer suggestions have replaced this one. Look at the current suggestions."),
    ("suggestion_gone", "merged"): _l("This suggestion has been merged with another one. Look at the current suggestions."),
    ("suggestion_gone", "stale"): _l("Most of this suggestion’s contributions are in themes by now. Ask for new suggestions."),
    ("validation_failed", "theme_exists"): _l("There is already a theme called “%(name)s”. Choose another name."),
    ("validation_failed", "too_many_themes"): _l("Too many themes (at most %(max)s)."),
    ("validation_failed", "split_needs_both"): _l("Tick at least one contribution for the second theme, and leave at least one in the first."),
    ("validation_failed", "not_in_suggestion"): _l("Only contributions of this suggestion can go into the second theme."),
    ("validation_failed", "same_suggestion"): _l("Choose another suggestion to merge with."),
    ("validation_failed", "not_a_list_of_ids"): _l("Expected a list of contribution ids."),
    ("validation_failed", "required"): _l("This is required."),
    # «Hos oss»: local cases (sessions/contributions/service.py, sessions/followup/).
    "unknown_origin": _l("The need or proposal the case grew from is not one of this workshop’s. Choose one from the list, or none."),
    ("kind_not_open", "no_local_round"): _l("Cases from your municipality (Hos oss) can only be written in a Hos oss round."),
    # Workshop templates (facilitator/workshop_templates/, sessions/workshop_templates/).
    ("forbidden", "builtin_template"): _l("A built-in template cannot be changed or deleted. Copy it to make a template of your own."),
    ("forbidden", "not_template_owner"): _l("Only the facilitator who made the template can change or delete it."),
    ("validation_failed", "no_file"): _l("Choose a template file to import."),
    ("validation_failed", "file_too_large"): _l("The file is too large for a template (at most %(max)s kB). Nothing was imported."),
    ("validation_failed", "empty_file"): _l("The file is empty. Nothing was imported."),
    ("validation_failed", "not_json"): _l("The file is not a template file: it is not JSON. Choose a .json file exported from Personaverkstad. Nothing was imported."),
    ("validation_failed", "not_a_template"): _l("The file is not a Personaverkstad template (“format” must be “personaverkstad-template”). Nothing was imported."),
    ("validation_failed", "unsupported_version"): _l("The template file has version %(version)s; this Personaverkstad reads version %(supported)s. Nothing was imported."),
    ("validation_failed", "missing"): _l("The template lacks “%(where)s”. Nothing was saved."),
    ("validation_failed", "unknown_field"): _l("The template has a field this version does not know: “%(where)s”. Nothing was saved."),
    ("validation_failed", "bad_value"): _l("The template has a wrong value in “%(where)s”. Nothing was saved."),
    ("validation_failed", "text_too_long"): _l("The text in “%(where)s” is too long (at most %(max)s characters). Nothing was saved."),
    ("validation_failed", "too_many_items"): _l("“%(where)s” has too many entries (at most %(max)s). Nothing was saved."),
    ("validation_failed", "bad_persona"): _l("Persona number %(n)s (“%(name)s”) in the template does not follow the rules for personas (the field “%(persona_field)s”). Nothing was saved."),
    ("validation_failed", "duplicate_persona"): _l("The persona “%(persona)s” is in the template twice. Nothing was saved."),
    ("validation_failed", "unknown_group_persona"): _l("The group “%(group)s” names the persona “%(persona)s”, which is not in the template. Nothing was saved."),
    ("validation_failed", "bad_round"): _l("Round number %(n)s in the template is not valid (the field “%(round_field)s”). Nothing was saved."),
    ("validation_failed", "bad_tag"): _l("A tag in the template is not valid (%(where)s). Nothing was saved."),
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
    "round_name": _l("Name of the round"),
    "prompt": _l("Prompt"),
    "duration": _l("Duration"),
    "dots": _l("Dots per participant"),
    "kinds": _l("What participants may do"),
    "organisers": _l("Organisers"),
    "summary": _l("Summary"),
    "method_note": _l("Method note"),
    "invite_note": _l("Who should be invited next time"),
    "label": _l("Label"),
    "expires_on": _l("Last day"),
    "theme_name": _l("Theme name"),
    "meeting": _l("Meeting"),
    "second_theme_name": _l("Name of the second theme"),
    "merge_with": _l("Merge with"),
    "theme_id": _l("Theme"),
    "position": _l("Position"),
    "role": _l("Role"),
    "deadline": _l("Deadline"),
    "responsible": _l("Responsible"),
    "note": _l("Note"),
    "status": _l("Status"),
    "deletion_code": _l("Deletion code"),
    "retention_days": _l("Days after closing"),
    "municipality": _l("Municipality"),
    "grew_from_id": _l("Grew from"),
    "template_name": _l("Name of the template"),
    "description": _l("Description"),
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
        resp = error_response(code, message, err.code or 500)
        if err.code == 405:
            # RFC 9110: a 405 lists the methods the route does support (werkzeug's own answer does).
            allow = dict(err.get_headers()).get("Allow")
            if allow:
                body, status = resp
                return body, status, {"Allow": allow}
        return resp

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):  # type: ignore[no-untyped-def]
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response("server_error", message_for("server_error"), 500)
