"""View contexts of the series pages: the series as JSON, the report's labels, the workshop page's panel."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import get_locale, get_translations

from facilitator.auth import facilitator_user
from facilitator.db import get_db
from facilitator.exports import series as exports
from facilitator.exports.labels import Labels
from facilitator.report.views import FORMAT_NAMES
from facilitator.themes.views import run_suggester
from sessions.series import service as svc
from sessions.series.models import WorkshopSeries
from sessions.series.report import SeriesReport, series_report
from sessions.workshops.models import Workshop
from sessions.workshops.service import workshops_for_user


def locale() -> str:
    return str(get_locale() or "nb")


def labels() -> Labels:
    return exports.series_labels(get_translations(), locale())


def series_json(s: WorkshopSeries) -> dict[str, Any]:
    """The API's representation of a series (``Series`` in openapi.json)."""
    return {
        "id": s.id,
        "name": s.name,
        "description": s.description,
        "workshops": [
            {"id": ws.id, "title": ws.title, "date": ws.date.isoformat() if ws.date else None, "place": ws.place, "status": ws.status.value}
            for ws in svc.workshops_of(get_db(), s)
        ],
        "created_at": s.created_at.isoformat() + "Z",
        "updated_at": s.updated_at.isoformat() + "Z",
    }


def downloads(s: WorkshopSeries) -> list[tuple[str, str]]:
    return [(fmt, url_for("series.download", series_id=s.id, fmt=fmt)) for fmt in exports.SERIES_FORMATS]


def report(s: WorkshopSeries) -> SeriesReport:
    """The series report, its theme suggester off the event loop (as the theme board's)."""
    return series_report(get_db(), s, run=run_suggester)


def document(r: SeriesReport) -> dict[str, Any]:
    """What templates/series/_document.html needs, plus the download links' names."""
    return {**exports.context(r, labels()), "format_names": FORMAT_NAMES}


def candidates(s: WorkshopSeries) -> list[tuple[Workshop, WorkshopSeries | None]]:
    """The owner's workshops that are not in this series, each with the series it is in (if any)."""
    db = get_db()
    user = facilitator_user()
    assert user is not None
    inside = {ws.id for ws in svc.workshops_of(db, s)}
    return [(ws, svc.series_of_workshop(db, ws.id)) for ws in workshops_for_user(db, user) if ws.id not in inside]


def workshop_panel(ws: Workshop) -> dict[str, Any]:
    """The «Serie: …» panel of a workshop's page: the series it is in and the user's series to choose from."""
    db = get_db()
    user = facilitator_user()
    current = svc.series_of_workshop(db, ws.id)
    mine = list(svc.series_for_user(db, user)) if user is not None else []
    return {"current": current if current is not None and user is not None and current.owner_id == user.id else None, "other": current, "choices": mine}


def report_json(r: SeriesReport) -> dict[str, Any]:
    """The API's representation of the report (``SeriesReport`` in openapi.json)."""
    ids = [w.id for w in r.workshops]
    return {
        "id": r.id,
        "name": r.name,
        "description": r.description,
        "generated_at": r.generated_at.isoformat() + "Z",
        "workshops": [
            {
                "id": w.id,
                "title": w.title,
                "date": w.date.isoformat() if w.date else None,
                "place": w.place,
                "status": w.status,
                "participants": w.participants,
                "needs": w.needs,
                "solutions": w.solutions,
                "contributions": w.contributions,
            }
            for w in r.workshops
        ],
        "personas": [
            {"key": row.key, "name": row.name, "counts": dict(zip(map(str, ids), row.counts, strict=True)), "total": row.total}
            for row in r.personas.rows
        ],
        "themes": [
            {
                "name": t.name,
                "shared_words": list(t.shared_words),
                "workshop_ids": list(t.workshop_ids),
                "workshops": list(t.workshops),
                "personas": list(t.personas),
                "size": t.size,
            }
            for t in r.themes
        ],
        "measures": [{"label": m.label, "counts": dict(zip(map(str, ids), m.counts, strict=True)), "total": m.total} for m in r.measures.rows],
        "followups": [{"workshop_id": f.workshop_id, "counts": f.counts, "total": f.total} for f in r.followups],
        "roles": {
            "min_group": r.roles.min_group,
            "suppressed": r.roles.suppressed,
            "groups": [{"role": g.role, "participants": g.participants, "needs": g.needs, "solutions": g.solutions} for g in r.roles.groups],
        },
        "followup_history": [
            {
                "workshop_id": h.workshop_id,
                "workshop": h.workshop,
                "item": h.item,
                "followup_id": h.step.followup_id,
                "from_status": h.step.from_status,
                "to_status": h.step.to_status,
                "meeting": h.step.meeting,
                "note": h.step.note,
                "changed_at": h.step.changed_at.isoformat() + "Z",
            }
            for h in r.followup_history
        ],
    }
