"""The JSON archive of a whole workshop, which another installation can import.

The archive holds no database ids, tokens or participant identities: personas are named by their key,
groups by a reference (``g1``, ``g2``, ... in workshop order), and participants only as counts per group.
Importing creates a new workshop (new id, join code and wall token) owned by the given facilitator, with
the same details, status, texts, personas, groups and contributions (renumbered in their original order).
Exporting the imported workshop gives the same document again, apart from ``exported_at``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sessions.accounts.models import User
from sessions.archive import followup as archive_followup
from sessions.archive import local as archive_local
from sessions.archive import tags as archive_tags
from sessions.archive import themes as archive_themes
from sessions.archive.fields import bad, parse_time
from sessions.contributions import service as participation
from sessions.contributions.models import Contribution, ContributionKind, Participant
from sessions.core.base import utcnow
from sessions.core.errors import ValidationFailed
from sessions.core.store import write_transaction
from sessions.core.validation import (
    MAX_DISPLAY_NAME,
    MAX_GROUP_NAME,
    MAX_GROUPS,
    MAX_INTRO,
    MAX_PLACE,
    MAX_TEXT,
    MAX_TITLE,
    clean_text,
    hash_token,
    parse_date,
)
from sessions.report.models import ReportTexts
from sessions.report.service import MAX_NOTE, MAX_ORGANISERS, MAX_SUMMARY, texts_for
from sessions.themes import report as themes_report
from sessions.workshops.models import (
    Group,
    Workshop,
    WorkshopFacilitator,
    WorkshopPersona,
    WorkshopStatus,
)
from sessions.workshops.service import _unique_join_code, load_for_dashboard

FORMAT = "personaverkstad-workshop"
VERSION = 1
MAX_CONTRIBUTIONS = 200_000
MAX_PARTICIPANTS = 100_000


def _time(value: dt.datetime | None) -> str | None:
    return value.isoformat(timespec="microseconds") + "Z" if value is not None else None


def export_archive(db: Session, workshop_id: int, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The whole workshop as a JSON-ready dict."""
    ws = load_for_dashboard(db, workshop_id)
    texts = texts_for(db, ws.id)
    refs = {g.id: f"g{i + 1}" for i, g in enumerate(ws.groups)}
    keys = {p.id: p.key for p in ws.personas}
    counts = dict(
        db.execute(
            select(Participant.group_id, func.count()).where(Participant.workshop_id == ws.id).group_by(Participant.group_id)
        ).all()
    )
    # The moderation feature decides visibility in participation.contributions(); hidden ones are archived
    # flagged ``hidden`` so that the other installation keeps the moderation (and never shows them).
    items = participation.contributions(db, ws.id, include_hidden=True)
    theme_names = themes_report.theme_names_by_contribution(db, ws.id)
    tags_of = archive_tags.archive_tags_by_contribution(db, ws.id)
    index = {c.id: i for i, c in enumerate(items)}
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _time(now or utcnow()),
        "workshop": {
            "title": ws.title,
            "date": ws.date.isoformat() if ws.date else None,
            "place": ws.place,
            "intro": ws.intro,
            "status": ws.status.value,
            "created_at": _time(ws.created_at),
            "opened_at": _time(ws.opened_at),
            "closed_at": _time(ws.closed_at),
        },
        "report": {
            "organisers": texts.organisers,
            "summary": texts.summary,
            "method_note": texts.method_note,
            "invite_note": texts.invite_note,
        },
        "personas": [p.as_dict() for p in ws.personas],
        "groups": [{"ref": refs[g.id], "name": g.name, "persona": keys.get(g.persona_id) if g.persona_id else None} for g in ws.groups],
        "participants": {
            "total": sum(counts.values()),
            "by_group": {refs[gid]: n for gid, n in sorted(counts.items(), key=lambda kv: refs.get(kv[0], "")) if gid in refs},
        },
        "contributions": [
            {
                "group": refs[c.group_id],
                "persona": keys.get(c.persona_id) if c.persona_id else None,
                "kind": c.kind.value,
                "text": c.text,
                "author_name": c.author_name,
                "created_at": _time(c.created_at),
                "updated_at": _time(c.updated_at),
                "votes": 0,
                "tags": tags_of.get(c.id, []),
                "theme": theme_names.get(c.id),
                "hidden": bool(c.hidden),
                **archive_local.export_fields(c, index),
            }
            for c in items
        ],
        # The follow-up register (sessions/followup/): items name their proposal by its index above.
        "followups": archive_followup.export_for_archive(db, ws.id, [c.id for c in items], keys),
        # The theme board (sessions/themes/): the themes in board order; each contribution names its own.
        "themes": archive_themes.export_for_archive(db, ws.id),
        # The tag vocabulary (sessions/tags/) in order; each contribution names its tags ({"category", "label"}).
        "tag_vocabulary": archive_tags.export_for_archive(db, ws.id),
    }


# -- import ------------------------------------------------------------------------------------------


def _obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise bad(where)
    return value


def _list(value: Any, where: str, limit: int) -> list[Any]:
    if not isinstance(value, list) or len(value) > limit:
        raise bad(where)
    return value


def _text(value: Any, where: str, max_len: int, *, required: bool = True, multiline: bool = True) -> str:
    try:
        return clean_text(value, where, max_len=max_len, required=required, multiline=multiline)
    except ValidationFailed as err:
        raise bad(where, err.reason) from None


def import_archive(db: Session, data: Any, owner: User) -> Workshop:
    """Create a new workshop from an archive made by :func:`export_archive`. Nothing is stored if any part is invalid."""
    doc = _obj(data, "archive")
    if doc.get("format") != FORMAT or doc.get("version") != VERSION:
        raise bad("format", "unsupported_archive")
    w = _obj(doc.get("workshop"), "workshop")
    rep = _obj(doc.get("report") or {}, "report")
    try:
        status = WorkshopStatus(w.get("status", "closed"))
    except ValueError:
        raise bad("workshop.status") from None
    try:
        date = parse_date(w.get("date"))
    except ValidationFailed:
        raise bad("workshop.date") from None
    personas: list[WorkshopPersona] = []
    by_key: dict[str, WorkshopPersona] = {}
    for i, p in enumerate(_list(doc.get("personas", []), "personas", 500)):
        p = _obj(p, f"personas[{i}]")
        key = _text(p.get("key"), f"personas[{i}].key", 32, multiline=False)
        if key in by_key:
            raise bad(f"personas[{i}].key", "duplicate")
        age = p.get("age")
        if not isinstance(age, int) or isinstance(age, bool) or not 0 < age < 150:
            raise bad(f"personas[{i}].age")
        questions = _list(p.get("questions", []), f"personas[{i}].questions", 20)
        wp = WorkshopPersona(
            key=key,
            name=_text(p.get("name"), f"personas[{i}].name", 80, multiline=False),
            age=age,
            role=_text(p.get("role"), f"personas[{i}].role", 120, required=False, multiline=False),
            card=_text(p.get("card"), f"personas[{i}].card", 2000, required=False),
            background=_text(p.get("background", ""), f"personas[{i}].background", 10_000, required=False),
            questions=[_text(q, f"personas[{i}].questions", 300) for q in questions],
            from_library=bool(p.get("from_library", False)),
            position=i,
        )
        personas.append(wp)
        by_key[key] = wp
    groups: list[Group] = []
    by_ref: dict[str, Group] = {}
    for i, g in enumerate(_list(doc.get("groups", []), "groups", MAX_GROUPS)):
        g = _obj(g, f"groups[{i}]")
        ref = g.get("ref")
        if not isinstance(ref, str) or ref in by_ref:
            raise bad(f"groups[{i}].ref")
        persona_key = g.get("persona")
        if persona_key is not None and persona_key not in by_key:
            raise bad(f"groups[{i}].persona")
        grp = Group(
            name=_text(g.get("name"), f"groups[{i}].name", MAX_GROUP_NAME, multiline=False),
            position=i,
            persona=by_key[persona_key] if persona_key is not None else None,
        )
        groups.append(grp)
        by_ref[ref] = grp
    people = _obj(doc.get("participants") or {"total": 0, "by_group": {}}, "participants")
    total = people.get("total", 0)
    by_group = _obj(people.get("by_group") or {}, "participants.by_group")
    if not isinstance(total, int) or isinstance(total, bool) or not 0 <= total <= MAX_PARTICIPANTS:
        raise bad("participants.total")
    for ref, n in by_group.items():
        if ref not in by_ref or not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise bad("participants.by_group")
    if sum(by_group.values()) > total:
        raise bad("participants.total")
    items = []
    for i, c in enumerate(_list(doc.get("contributions", []), "contributions", MAX_CONTRIBUTIONS)):
        c = _obj(c, f"contributions[{i}]")
        grp = by_ref.get(c.get("group"))
        if grp is None:
            raise bad(f"contributions[{i}].group")
        persona_key = c.get("persona")
        if persona_key is not None and persona_key not in by_key:
            raise bad(f"contributions[{i}].persona")
        try:
            kind = ContributionKind(c.get("kind"))
        except ValueError:
            raise bad(f"contributions[{i}].kind") from None
        author = c.get("author_name")
        items.append(
            (
                grp,
                by_key.get(persona_key) if persona_key is not None else None,
                kind,
                _text(c.get("text"), f"contributions[{i}].text", MAX_TEXT),
                _text(author, f"contributions[{i}].author_name", MAX_DISPLAY_NAME, required=False, multiline=False) or None
                if author is not None
                else None,
                parse_time(c.get("created_at"), f"contributions[{i}].created_at", required=True),
                parse_time(c.get("updated_at"), f"contributions[{i}].updated_at"),
                c.get("hidden", False) is True,
            )
        )
    kinds = [kind for _g, _p, kind, *_rest in items]
    local_fields = [
        archive_local.parse_fields(c, kinds[i], kinds, f"contributions[{i}]") for i, c in enumerate(doc.get("contributions", []))
    ]
    followups = archive_followup.parse_archive(doc.get("followups"), [kind.value for kind in kinds], set(by_key))
    themes = archive_themes.parse_archive(doc.get("themes"), [c.get("theme") for c in doc.get("contributions", [])])
    tag_set = archive_tags.parse_archive(doc.get("tag_vocabulary"), [c.get("tags") for c in doc.get("contributions", [])])
    with write_transaction(db):
        ws = Workshop(
            title=_text(w.get("title"), "workshop.title", MAX_TITLE, multiline=False),
            date=date,
            place=_text(w.get("place", ""), "workshop.place", MAX_PLACE, required=False, multiline=False),
            intro=_text(w.get("intro", ""), "workshop.intro", MAX_INTRO, required=False),
            status=status,
            join_code=_unique_join_code(db),
            wall_token=secrets.token_urlsafe(32),
            last_seq=len(items),
            owner_id=owner.id,
            created_at=parse_time(w.get("created_at"), "workshop.created_at") or utcnow(),
            opened_at=parse_time(w.get("opened_at"), "workshop.opened_at"),
            closed_at=parse_time(w.get("closed_at"), "workshop.closed_at"),
        )
        ws.personas.extend(personas)
        ws.groups.extend(groups)
        db.add(ws)
        db.flush()
        db.add(WorkshopFacilitator(workshop_id=ws.id, user_id=owner.id))
        db.add(
            ReportTexts(
                workshop_id=ws.id,
                organisers=_text(rep.get("organisers", ""), "report.organisers", MAX_ORGANISERS, required=False, multiline=False),
                summary=_text(rep.get("summary", ""), "report.summary", MAX_SUMMARY, required=False),
                method_note=_text(rep.get("method_note", ""), "report.method_note", MAX_NOTE, required=False),
                invite_note=_text(rep.get("invite_note", ""), "report.invite_note", MAX_NOTE, required=False),
                revision=1,
                updated_at=utcnow(),
            )
        )
        # Participants come back as anonymous placeholders (counts per group); their tokens are unknown to
        # everybody, so nobody can act as them.
        placeholders = []
        for ref, n in by_group.items():
            placeholders += [by_ref[ref].id] * n
        placeholders += [None] * (total - len(placeholders))
        for gid in placeholders:
            db.add(Participant(workshop_id=ws.id, group_id=gid, token_hash=hash_token(secrets.token_urlsafe(32))))
        added = []
        for seq, (grp, wp, kind, text, author, created, updated, hidden) in enumerate(items, start=1):
            added.append(
                Contribution(
                    workshop_id=ws.id,
                    group_id=grp.id,
                    persona_id=wp.id if wp is not None else None,
                    participant_id=None,
                    author_name=author,
                    kind=kind,
                    text=text,
                    client_id=f"import-{seq:08d}",
                    seq=seq,
                    created_at=created,
                    updated_at=updated,
                    hidden=hidden,
                    municipality=local_fields[seq - 1][0],
                )
            )
        db.add_all(added)
        if any(source is not None for _m, source in local_fields):
            db.flush()
            archive_local.link(added, [source for _m, source in local_fields])
        archive_followup.import_from_archive(db, ws, followups, by_key)
        archive_themes.import_from_archive(db, ws, themes)
        archive_tags.import_from_archive(db, ws, tag_set)
    return ws
