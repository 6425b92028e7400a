"""Languages: bokmål by default; the participant or facilitator may switch with ?lang=."""

from __future__ import annotations

from flask import Flask, current_app, request, session
from flask_babel import Babel, get_locale

babel = Babel()

# Languages with a catalogue in facilitator/translations (English is the source text).
OFFERED = ("nb", "nn", "en")


def select_locale() -> str:
    wanted = request.args.get("lang") if request else None
    if wanted in OFFERED:
        session["lang"] = wanted
        return wanted
    stored = session.get("lang") if request else None
    if stored in OFFERED:
        return stored
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def remember_language() -> None:
    """``?lang=`` is kept even when the page answers with a redirect and renders no text (Babel asks
    select_locale only when something is translated)."""
    wanted = request.args.get("lang")
    if wanted in OFFERED and session.get("lang") != wanted:
        session["lang"] = wanted


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, default_translation_directories="translations")
    app.before_request(remember_language)
    app.jinja_env.globals["offered_languages"] = OFFERED
    app.jinja_env.globals["get_locale"] = get_locale
