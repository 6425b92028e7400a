"""Public pages: the front page, the privacy notice and the accessibility statement."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_babel import get_locale
from flask_login import current_user

bp = Blueprint("pages", __name__)
NOTICE_LANGUAGES = ("nb", "nn", "en")


@bp.route("/")
def home():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("admin.workshops"))
    return render_template("home.html")


@bp.route("/personvern")
def privacy():  # type: ignore[no-untyped-def]
    """The privacy notice. Legal prose is kept per language (templates/privacy/notice.<lang>.html)."""
    lang = str(get_locale() or "nb")
    return render_template(
        "privacy.html",
        notice_lang=lang if lang in NOTICE_LANGUAGES else "nb",
        days=current_app.config["RETENTION_DAYS"],
    )


@bp.route("/tilgjengelighet")
def accessibility():  # type: ignore[no-untyped-def]
    """The accessibility statement (tilgjengelighetserklæring, in Uutilsynet's structure). Kept per language like
    the privacy notice (templates/accessibility/statement.<lang>.html)."""
    lang = str(get_locale() or "nb")
    return render_template(
        "accessibility.html", statement_lang=lang if lang in NOTICE_LANGUAGES else "nb"
    )


@bp.route("/accessibility")
def accessibility_en():  # type: ignore[no-untyped-def]
    return redirect(url_for("pages.accessibility"), code=301)


@bp.route("/favicon.ico")
def favicon():  # type: ignore[no-untyped-def]
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.route("/healthz")
def health():  # type: ignore[no-untyped-def]
    return {"ok": True}
