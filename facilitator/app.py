"""The Flask app factory: wires config, database, extensions, blueprints, Socket.IO and the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from facilitator import (
    api,
    auth,
    cli,
    config,
    db,
    errors,
    i18n,
    pages,
    ratelimit,
    security,
)
from facilitator.contributions import views as participant
from facilitator.followup import review as followup_review
from facilitator.followup import views as followup
from facilitator.privacy import cli as privacy_cli
from facilitator.privacy import views as privacy
from facilitator.realtime import sockets as realtime
from facilitator.report import cli as report_cli
from facilitator.report import views as report
from facilitator.rounds import views as control
from facilitator.rounds import wall
from facilitator.series import api as series_api
from facilitator.series import views as series
from facilitator.tags import views as tagging
from facilitator.themes import views as themeboard
from facilitator.workshop_templates import views as workshop_templates
from facilitator.workshops import personas as persona_library
from facilitator.workshops import views as admin

ROOT = Path(__file__).resolve().parent.parent



def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
    )
    config.load(app, test_config)
    if app.config["TRUST_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    db.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    ratelimit.init_app(app)
    persona_library.init_app(app)
    auth.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(participant.bp)
    app.register_blueprint(wall.bp)
    api.init_app(app)
    control.init_app(app)
    report.init_app(app)
    tagging.init_app(app)
    themeboard.init_app(app)
    followup.init_app(app)
    followup_review.init_app(app)
    workshop_templates.init_app(app)
    privacy.init_app(app)
    series.init_app(app)
    series_api.init_app(app)
    errors.init_app(app)
    realtime.init_app(app)
    cli.init_app(app)
    report_cli.init_app(app)
    privacy_cli.init_app(app)
    return app
