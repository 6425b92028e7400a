"""Erasing personal data, for the web pages and the command line alike (privacy/views.py, privacy/cli.py).

Each function calls the domain (sessions/privacy/service.py), which deletes and commits; then ``publish``
tells the screens (tombstones, changed cards, tallies; a deleted workshop's ``workshop`` event), and old
copies are cleared from SQLite's WAL.
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import Flask, current_app

from facilitator.db import get_db
from facilitator.realtime.publish import publish
from sessions.core import store
from sessions.core.base import utcnow
from sessions.core.changes import WorkshopDeleted
from sessions.privacy import service as privacy

log = logging.getLogger(__name__)


def purge_deleted() -> None:
    """Clear old copies of deleted rows from SQLite's WAL (nothing to do on PostgreSQL)."""
    get_db().close()  # no read snapshot of ours may hold the checkpoint up
    store.purge_deleted(current_app.extensions["pv_engine"])


def announce_erasure(erasure: privacy.Erasure) -> None:
    """After forgetting a participant: tombstones and changed cards to every screen, tallies, the wall's
    spotlight, the participant count; then clear old copies from SQLite's WAL."""
    publish(erasure)
    purge_deleted()


def forget_participant(workshop_id: int, participant_id: int) -> privacy.Erasure:
    """Delete a participant and everything they wrote, and tell every screen."""
    erasure = privacy.forget_participant(get_db(), workshop_id, participant_id)
    announce_erasure(erasure)
    return erasure


def forget_by_code(workshop_id: int, code: str) -> privacy.Erasure:
    """The same, for the participant with this deletion code (as the participant reads it out)."""
    p = privacy.participant_by_deletion_code(get_db(), workshop_id, code)
    return forget_participant(workshop_id, p.id)


def delete_workshop(workshop_id: int) -> dict[str, int] | None:
    """Delete a workshop and everything in it; its screens hear ``deleted``. ``None``: there was none."""
    rows = privacy.delete_workshop(get_db(), workshop_id)
    if rows is not None:
        publish(WorkshopDeleted(workshop_id))
        purge_deleted()
    return rows


def sweep_now(app: Flask, now: dt.datetime | None = None) -> list[privacy.Swept]:
    """Delete the workshops whose retention has run out (in an app context); tell their screens."""
    with app.app_context():
        db = app.extensions["pv_sessionmaker"]()
        try:
            swept = privacy.sweep(db, now or utcnow(), int(app.config["RETENTION_DAYS"]), engine=app.extensions["pv_engine"])
        finally:
            db.close()
        for item in swept:
            publish(WorkshopDeleted(item.workshop_id))
            log.info("retention: workshop %s deleted (%s rows)", item.workshop_id, sum(item.rows.values()))
    return swept
