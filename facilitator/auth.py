"""Who is asking: facilitators (session cookie or API token) and participants (cookie or token).

A join code only ever makes someone a participant of that one workshop. Participant tokens are kept
per workshop in the signed session cookie of the phone's browser, or sent as a bearer token by API
clients; only their sha256 is stored.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import (
    LoginManager,
    current_user,
    login_required,
    login_user,
    logout_user,
)

from facilitator import ratelimit
from facilitator.db import get_db
from facilitator.errors import WebError
from sessions.accounts import service as accounts
from sessions.accounts.models import User
from sessions.contributions.models import Participant
from sessions.contributions.service import participant_by_token
from sessions.core.errors import NotFound

login_manager = LoginManager()
bp = Blueprint("auth", __name__)

F = TypeVar("F", bound=Callable[..., Any])


class FacilitatorUser:
    """Flask-Login wrapper around a ``User`` row."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, user: User) -> None:
        self.user = user
        self.id = user.id
        self.email = user.email

    def get_id(self) -> str:
        return str(self.user.id)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"
    app.register_blueprint(bp)


@login_manager.user_loader
def _load_user(user_id: str) -> FacilitatorUser | None:
    try:
        user = get_db().get(User, int(user_id))
    except ValueError:
        return None
    return FacilitatorUser(user) if user else None


def client_address() -> str:
    return request.remote_addr or "unknown"


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("admin.workshops"))
    error = None
    email = ""
    status = 200
    if request.method == "POST":
        email = (request.form.get("email") or "").strip()
        password = request.form.get("password") or ""
        if not (ratelimit.allow("login", "addr:" + client_address()) and ratelimit.allow("login", "email:" + email.lower())):
            error, status = _("Too many sign-in attempts. Wait a minute and try again."), 429
        else:
            user = accounts.authenticate(get_db(), email, password)
            if user is None:
                error, status = _("Wrong e-mail address or password."), 401
            else:
                session.clear()
                login_user(FacilitatorUser(user))
                return redirect(_safe_next(request.args.get("next")) or url_for("admin.workshops"))
    return render_template("login.html", error=error, email=email), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():  # type: ignore[no-untyped-def]
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


# -- the current facilitator -----------------------------------------------------------------


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


def facilitator_user() -> User | None:
    """The facilitator behind this request: API token, or the signed-in browser."""
    if "pv_user" in g:
        return g.pv_user
    user = None
    token = bearer_token()
    if token is not None:
        user = accounts.user_by_api_token(get_db(), token)
    elif current_user.is_authenticated:
        user = current_user.user
    g.pv_user = user
    return user


def api_user() -> User:
    """The facilitator behind an API request's bearer token (401 without a valid one); writes are rate limited."""
    token = bearer_token()
    user = accounts.user_by_api_token(get_db(), token) if token else None
    if user is None:
        raise WebError("unauthorized", 401)
    if request.method != "GET" and not ratelimit.allow("api_write", f"u{user.id}"):
        raise WebError("rate_limited", 429)
    return user


def facilitator_required(view: F) -> F:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if facilitator_user() is None:
            if request.path.startswith("/api/"):
                raise WebError("unauthorized", 401)
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


# -- the current participant -----------------------------------------------------------------


def remember_participant(workshop_id: int, token: str) -> None:
    tokens = dict(session.get("pt") or {})
    tokens[str(workshop_id)] = token
    session["pt"] = tokens
    session.permanent = True


def participant_token_for(workshop_id: int) -> str | None:
    tokens = session.get("pt") or {}
    return tokens.get(str(workshop_id)) if isinstance(tokens, dict) else None


def participant_for(workshop_id: int) -> Participant | None:
    """The participant of this workshop behind this request (bearer token, else the phone's cookie)."""
    token = bearer_token() or participant_token_for(workshop_id)
    if token is None:
        return None
    p = participant_by_token(get_db(), token)
    if p is None or p.workshop_id != workshop_id:
        return None
    return p


def api_participant(workshop_id: int) -> Participant:
    """The participant behind an API request's bearer token (401 without one; another workshop's: 404)."""
    token = bearer_token()
    p = participant_by_token(get_db(), token) if token else None
    if p is None:
        raise WebError("unauthorized", 401)
    if p.workshop_id != workshop_id:
        raise NotFound("no such workshop")
    return p
