"""The follow-up register in the workshop archive."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    select,
)
from sqlalchemy.orm import Session

from sessions.archive.fields import bad, parse_time
from sessions.contributions.models import (
    MAX_MUNICIPALITY,
    Contribution,
    ContributionKind,
)
from sessions.core.errors import ValidationFailed
from sessions.core.validation import MAX_TEXT, clean_text
from sessions.followup.history import history
from sessions.followup.models import (
    MAX_FOLLOWUPS,
    MAX_MEETING,
    MAX_REVIEW_NOTE,
    FollowUp,
    FollowUpStatusChange,
)
from sessions.followup.service import followups, parse_changes, parse_status
from sessions.workshops.models import Workshop, WorkshopPersona

# -- the workshop archive (sessions/archive/) -----------------------------------------------------


def _time(value: dt.datetime) -> str:
    return value.isoformat(timespec="microseconds") + "Z"


def export_for_archive(db: Session, workshop_id: int, contribution_ids: Sequence[int], persona_keys: Mapping[int, str]) -> list[dict[str, Any]]:
    """The register as archive entries. ``contribution_ids`` are the archive's contributions in order:
    an item names its proposal by the index there (None when the proposal is not in the archive)."""
    index = {cid: i for i, cid in enumerate(contribution_ids)}
    steps = history(db, [workshop_id])
    taken: set[int] = set()
    out = []
    for item in followups(db, workshop_id):
        source = index.get(item.source_id) if item.source_id is not None else None
        if source in taken:
            source = None
        if source is not None:
            taken.add(source)
        out.append(
            {
                "text": item.text,
                "source": source,
                "source_text": item.source_text,
                "persona": persona_keys.get(item.persona_id) if item.persona_id else None,
                "responsible": item.responsible,
                "deadline": item.deadline.isoformat() if item.deadline else None,
                "status": item.status.value,
                "note": item.note,
                **({"municipality": item.municipality} if item.municipality else {}),
                "created_at": _time(item.created_at),
                "updated_at": _time(item.updated_at),
            }
        )
        if item.id in steps:  # only then: an archive of a register without history reads as before 0014
            out[-1]["history"] = [
                {
                    "from_status": step.from_status,
                    "to_status": step.to_status,
                    "meeting": step.meeting,
                    "note": step.note,
                    "changed_at": _time(step.changed_at),
                }
                for step in steps[item.id]
            ]
    return out


MAX_HISTORY = 1_000  # steps per item in an archive


def _parse_history(value: Any, where: str) -> list[dict[str, Any]]:
    """An item's status history in the archive (missing: none; archives before migration 0014 have none)."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_HISTORY:
        raise bad(f"{where}.history")
    out = []
    for j, step in enumerate(value):
        at = f"{where}.history[{j}]"
        if not isinstance(step, dict):
            raise bad(at)
        try:
            before = step.get("from_status")
            out.append(
                {
                    "from_status": parse_status(before) if before is not None else None,
                    "to_status": parse_status(step.get("to_status")),
                    "meeting": clean_text(step.get("meeting", ""), "meeting", max_len=MAX_MEETING, required=False, multiline=False),
                    "note": clean_text(step.get("note", ""), "note", max_len=MAX_REVIEW_NOTE, required=False),
                    "changed_at": parse_time(step.get("changed_at"), f"{at}.changed_at", required=True),
                }
            )
        except ValidationFailed as err:
            if err.field == "archive":
                raise
            raise bad(f"{at}.{err.field}", err.reason) from None
    return out


def parse_archive(value: Any, kinds: Sequence[str], persona_keys: set[str]) -> list[dict[str, Any]]:
    """Validate the archive's ``followups`` (missing: none). ``kinds`` are the archive's contributions'
    kinds in order. Returns plain values for :func:`import_from_archive`; raises ValidationFailed
    (field ``archive``) for anything wrong, before anything is stored."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_FOLLOWUPS:
        raise bad("followups")
    out: list[dict[str, Any]] = []
    sources: set[int] = set()
    for i, entry in enumerate(value):
        where = f"followups[{i}]"
        if not isinstance(entry, dict):
            raise bad(where)
        try:
            fields = parse_changes(
                {k: entry.get(k, "") for k in ("text", "responsible", "deadline", "status", "note")}, require_text=True
            )
            source_text = clean_text(entry.get("source_text", ""), "source_text", max_len=MAX_TEXT, required=False)
            municipality = clean_text(entry.get("municipality"), "municipality", max_len=MAX_MUNICIPALITY, required=False, multiline=False)
        except ValidationFailed as err:
            raise bad(f"{where}.{err.field}", err.reason) from None
        source = entry.get("source")
        if source is not None:
            if not isinstance(source, int) or isinstance(source, bool) or not 0 <= source < len(kinds) or source in sources:
                raise bad(f"{where}.source")
            if kinds[source] not in (ContributionKind.solution.value, ContributionKind.local.value):
                raise bad(f"{where}.source")  # only proposals and «Hos oss» cases are followed up
            sources.add(source)
        persona = entry.get("persona")
        if persona is not None and persona not in persona_keys:
            raise bad(f"{where}.persona")
        fields.update(
            source=source,
            source_text=source_text,
            municipality=municipality or None,
            persona=persona,
            created_at=parse_time(entry.get("created_at"), f"{where}.created_at", required=True),
            updated_at=parse_time(entry.get("updated_at"), f"{where}.updated_at", required=True),
            history=_parse_history(entry.get("history"), where),
        )
        out.append(fields)
    return out


def import_from_archive(db: Session, ws: Workshop, parsed: Sequence[dict[str, Any]], personas: Mapping[str, WorkshopPersona]) -> None:
    """Add the parsed items to ``ws`` inside the archive import's transaction (its contributions are
    added already, numbered 1.. in archive order)."""
    if not parsed:
        return
    db.flush()
    ids = db.scalars(select(Contribution.id).where(Contribution.workshop_id == ws.id).order_by(Contribution.seq)).all()
    for position, fields in enumerate(parsed, start=1):
        f = dict(fields)
        source = f.pop("source")
        persona = f.pop("persona")
        steps = f.pop("history")
        item = FollowUp(
            workshop_id=ws.id,
            source_id=ids[source] if source is not None else None,
            persona_id=personas[persona].id if persona is not None else None,
            position=position,
            **f,
        )
        db.add(item)
        if steps:
            db.flush()
            db.add_all(FollowUpStatusChange(followup_id=item.id, workshop_id=ws.id, **step) for step in steps)
