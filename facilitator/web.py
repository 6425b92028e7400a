"""The one way a write is answered over HTTP, for a plain form and for ``fetch`` alike.

Every write endpoint works as a plain form without JavaScript (flash a message, redirect back) and as
``fetch`` with ``Accept: application/json`` (JSON, errors as ``{"error": {...}}`` from errors.py). The view
names the domain call; :func:`run` calls it, hands what it changed to ``publish`` (after the commit the
domain did) and answers in the request's transport. The API's routes (/api/v1, bearer tokens) call the same
write through :func:`run` with ``reply``, so a form post, a ``fetch`` and an API call of one action share
one write and one publish step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, jsonify, request

from facilitator.auth import api_user, facilitator_user
from facilitator.db import get_db
from facilitator.errors import WebError, describe, wants_json
from facilitator.realtime.publish import publish
from facilitator.security import csrf
from sessions.core.errors import DomainError
from sessions.workshops import service as workshops
from sessions.workshops.models import Workshop


def api_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint for a feature's part of the JSON API under /api/v1 (bearer tokens, so no CSRF token)."""
    bp = Blueprint(name, import_name, url_prefix="/api/v1")
    csrf.exempt(bp)
    return bp


def request_data() -> Any:
    """The submitted fields: the JSON object of a ``fetch``, or the form. Anything else is ``bad_json``."""
    data: Any = request.get_json(silent=True) if request.is_json else request.form
    if data is None or not hasattr(data, "get"):
        raise WebError("bad_json", 400)
    return data


def json_body() -> dict[str, Any]:
    """An API request's JSON object (anything else is ``bad_json``)."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise WebError("bad_json", 400)
    return data


def api_facilitated(workshop_id: int) -> Workshop:
    """The workshop, if the API token's facilitator runs it (no token: 401; anyone else: 404)."""
    return workshops.workshop_for_facilitator(get_db(), workshop_id, api_user())


def facilitated(workshop_id: int) -> Workshop:
    """The workshop, if the signed-in facilitator runs it (anyone else: 404, as if it did not exist)."""
    return workshops.workshop_for_facilitator(get_db(), workshop_id, facilitator_user())


def unpublished(_result: Any) -> None:
    """``change=`` for a write no other screen needs to hear about (preparing a workshop, the register)."""
    return None


def run(
    action: Callable[[], Any],
    *,
    success: str | Callable[[Any], str] = "",
    back: Callable[[], Any] | None = None,
    body: Callable[[Any, dict[str, Any]], dict[str, Any]] | None = None,
    change: Callable[[Any], Any] | None = None,
    reply: Callable[[Any], Any] | None = None,
    status: int | Callable[[Any], int] = 200,
    done: Callable[[Any], Any] | None = None,
    refused: Callable[[DomainError], Any] | None = None,
) -> Any:
    """One write: ``action()`` (the domain call), then ``publish`` what it changed; JSON for ``fetch``,
    flash + ``back()`` for a form. A domain error goes to the JSON error handler, or is flashed on the way back.

    ``change(result)`` names the change when the result is not one (a plan edit returns the round, the change
    is the plan; ``None``: nothing to tell the rooms); ``body(result, published)`` gives the JSON answer's
    fields next to ``ok`` and ``message`` (default: what ``publish`` built), or ``reply(result)`` the whole
    JSON answer (the API's shapes); ``status`` (or ``status(result)``) is its HTTP status (201 for a create). A form goes to
    ``done(result)`` after a success (default ``back()``); ``refused(err)`` may answer a refused form
    otherwise than with the message on the way back (a page shown again with the typed values).
    """
    try:
        result = action()
    except DomainError as err:
        if wants_json():
            raise
        answer = refused(err) if refused is not None else None
        if answer is not None:
            return answer
        flash(describe(err)["message"], "error")
        assert back is not None
        return back()
    value = change(result) if change is not None else result
    published = publish(value) if value is not None else {}
    code = status(result) if callable(status) else status
    if wants_json() and reply is not None:
        return jsonify(reply(result)), code
    message = success(result) if callable(success) else success
    if wants_json():
        fields = body(result, published) if body is not None else published
        return jsonify(ok=True, message=message, **fields), code
    if message:
        flash(message, "success")
    if done is not None:
        return done(result)
    assert back is not None
    return back()
