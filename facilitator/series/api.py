"""The series part of the JSON API (/api/v1/series, a facilitator's bearer token; docs/api.md, "Series").

The same domain calls as the pages (``sessions/series/``) through ``web.run``; only the owner of a series
reaches it (anyone else: 404 ``not_found``).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify

from facilitator import web
from facilitator.auth import api_user
from facilitator.db import get_db
from facilitator.followup import review as followup_review
from facilitator.series import presenters
from facilitator.series.views import download_file
from sessions.series import service as svc
from sessions.series.models import WorkshopSeries

bp = web.api_blueprint("series_api", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _owned(series_id: int) -> WorkshopSeries:
    return svc.series_for_owner(get_db(), series_id, api_user())


def _reply(action: Any, status: int = 200) -> Any:
    return web.run(action, change=web.unpublished, reply=presenters.series_json, status=status)


@bp.route("/series", methods=["GET"])
def list_series():  # type: ignore[no-untyped-def]
    return jsonify(series=[presenters.series_json(s) for s in svc.series_for_user(get_db(), api_user())])


@bp.route("/series", methods=["POST"])
def create_series():  # type: ignore[no-untyped-def]
    user = api_user()
    data = web.json_body()
    return _reply(lambda: svc.create_series(get_db(), user, svc.SeriesDetails.parse(data)), 201)


@bp.route("/series/<int:series_id>", methods=["GET"])
def get_series(series_id: int):  # type: ignore[no-untyped-def]
    return jsonify(presenters.series_json(_owned(series_id)))


@bp.route("/series/<int:series_id>", methods=["PATCH"])
def update_series(series_id: int):  # type: ignore[no-untyped-def]
    s = _owned(series_id)
    data = web.json_body()
    merged = {"name": data.get("name", s.name), "description": data.get("description", s.description)}
    return _reply(lambda: svc.update_series(get_db(), s, svc.SeriesDetails.parse(merged)))


@bp.route("/series/<int:series_id>", methods=["DELETE"])
def delete_series(series_id: int):  # type: ignore[no-untyped-def]
    svc.delete_series(get_db(), _owned(series_id))
    return "", 204


@bp.route("/series/<int:series_id>/workshops", methods=["POST"])
def add_workshop(series_id: int):  # type: ignore[no-untyped-def]
    s = _owned(series_id)
    data = web.json_body()

    def add() -> WorkshopSeries:
        svc.add_workshop(get_db(), s, data.get("workshop_id"))
        return s

    return _reply(add)


@bp.route("/series/<int:series_id>/workshops/<int:workshop_id>", methods=["DELETE"])
def remove_workshop(series_id: int, workshop_id: int):  # type: ignore[no-untyped-def]
    s = _owned(series_id)

    def remove() -> WorkshopSeries:
        svc.remove_workshop(get_db(), s, workshop_id)
        return s

    return _reply(remove)


@bp.route("/series/<int:series_id>/report", methods=["GET"])
def report(series_id: int):  # type: ignore[no-untyped-def]
    return jsonify(presenters.report_json(presenters.report(_owned(series_id))))


@bp.route("/series/<int:series_id>/report.<any(docx, pdf, xlsx):fmt>", methods=["GET"])
def report_file(series_id: int, fmt: str):  # type: ignore[no-untyped-def]
    return download_file(_owned(series_id), fmt)


@bp.route("/series/<int:series_id>/followups/review", methods=["POST"])
def review_followups(series_id: int):  # type: ignore[no-untyped-def]
    """A review meeting over the follow-up registers of every workshop of the series (facilitator/followup/review.py)."""
    s = _owned(series_id)
    return followup_review.api_review(svc.workshops_of(get_db(), s), web.json_body())
