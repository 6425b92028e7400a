"""The persona library: the files in personas/, loaded and validated once at startup.

A bad file is logged with its name and field and left out; it never stops the app, and workshops
hold their own copies of the personas they use, so nothing that runs depends on the files.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from sessions.personas.library import load_library
from sessions.personas.schema import PersonaFileError, PersonaSpec


def init_app(app: Flask) -> None:
    specs, errors = load_library(Path(app.config["PERSONA_DIR"]))
    for err in errors:
        app.logger.error("persona file rejected: %s", err)
    app.extensions["pv_personas"] = specs
    app.extensions["pv_persona_errors"] = errors


def library() -> dict[str, PersonaSpec]:
    return current_app.extensions["pv_personas"]


def library_errors() -> list[PersonaFileError]:
    return current_app.extensions["pv_persona_errors"]
