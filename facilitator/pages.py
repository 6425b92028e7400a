"""Public pages: the front page and the privacy notice."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

bp = Blueprint("pages", __name__)


@bp.route("/")
def home():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("admin.workshops"))
    return render_template("home.html")


@bp.route("/personvern")
def privacy():  # type: ignore[no-untyped-def]
    return render_template("privacy.html")


@bp.route("/favicon.ico")
def favicon():  # type: ignore[no-untyped-def]
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.route("/healthz")
def health():  # type: ignore[no-untyped-def]
    return {"ok": True}
