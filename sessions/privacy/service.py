"""Privacy: deleting a participant's contributions, deleting a whole workshop, and retention.

Nothing here imports Flask; the web layer (``facilitator/privacy/views.py``) broadcasts after the commits and the
CLI (``flask --app facilitator privacy ...``) calls the same functions. docs/privacy.md describes the whole.

**A participant's deletion code** (*slettekode*). Moderation never shows who wrote what, so a participant
who wants their contributions deleted needs a way to prove which ones are theirs without revealing it to
anyone else. Their phone shows a short code derived from their participant token (eight characters of
Crockford base32, 40 bits: ``7K3M-Q9XA``). The phone itself can delete everything its participant wrote;
a participant who has left gives the code to the facilitator, who enters it on the workshop's privacy page
(or ``privacy forget``). The code is computed from the stored token hash, so nothing new is stored, and it
opens nothing else: it only names a participant to a facilitator of the same workshop.

**Forgetting a participant** (:func:`forget_participant`) removes the participant row (their optional name
and role, their token hash) and scrubs every contribution they wrote: text, the text from before a
facilitator's edit, name and client id are cleared, the link to the participant is cut and the row stays as
a tombstone (``deleted``, empty text, a new sequence number), because phones, walls and dashboards that
reconnect learn about removals from tombstones (docs/api.md, "Catching up"). Rows in other tables that hang
on those contributions or on the participant are removed or unlinked the way the database would on a real
delete (``ON DELETE CASCADE``: removed; ``SET NULL``: unlinked) -- found generically through the foreign
keys in ``Base.metadata``, so tables added later (tags, themes, follow-up) are covered without a change
here. Dots they gave and dots on their contributions go; other participants' duplicates that had been
merged into one of theirs get their own card again; a spotlight on one of theirs is taken down. Copies of
their text that foreign keys do not reveal are handled in :func:`_scrub_copies` (follow-up items).

**Deleting a workshop** (:func:`delete_workshop`) deletes every row that belongs to it: every table with a
foreign-key path to the workshop (through references that would cascade), children first, found generically
as above. Nothing of it stays in the database; on SQLite ``secure_delete`` zeroes the freed space and
:func:`sessions.core.store.purge_deleted` clears old copies from the WAL.

**Retention**: a closed workshop is deleted automatically ``retention_days`` after it closed (the
workshop's own setting, else the installation's default, 90 days). :func:`sweep` deletes what is due; it
is idempotent and safe to run from several processes at once (each deletion re-checks, under the
workshop's row lock, that the workshop is still closed and due).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, func, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from sessions.contributions.models import Contribution, Participant
from sessions.core.base import Base, utcnow
from sessions.core.errors import NotFound, ValidationFailed
from sessions.core.store import purge_deleted, write_transaction
from sessions.rounds.models import LiveState, Vote
from sessions.rounds.service import lock_workshop
from sessions.workshops.models import Workshop, WorkshopStatus
from sessions.workshops.service import next_seq

DEFAULT_RETENTION_DAYS = 90
MIN_RETENTION_DAYS = 1
MAX_RETENTION_DAYS = 730

# Crockford's base32: no I, L, O or U, so the code survives being read aloud or typed from a note.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
_CODE_SALT = b"personaverkstad/slettekode/v1\x00"
_CODE_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


# -- the deletion code -------------------------------------------------------------------------------


def deletion_code(token_hash: str) -> str:
    """The participant's deletion code (8 characters) from their stored token hash."""
    digest = hashlib.sha256(_CODE_SALT + token_hash.encode("ascii")).digest()
    n = int.from_bytes(digest[:5], "big")  # 40 bits, 5 per character
    return "".join(CODE_ALPHABET[(n >> (5 * (CODE_LENGTH - 1 - i))) & 31] for i in range(CODE_LENGTH))


def display_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def normalize_deletion_code(value: object) -> str:
    """Upper-case, without spaces or dashes, with O/I/L read as 0/1; ValidationFailed unless 8 valid characters."""
    if not isinstance(value, str) or len(value) > 40:
        raise ValidationFailed("deletion_code", "bad_deletion_code")
    code = "".join(ch for ch in value.upper() if ch not in " -._\t").translate(_CODE_LOOKALIKES)
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        raise ValidationFailed("deletion_code", "bad_deletion_code")
    return code


def participant_by_deletion_code(db: Session, workshop_id: int, code: object) -> Participant:
    """The participant of this workshop whose deletion code this is (ValidationFailed if none)."""
    wanted = normalize_deletion_code(code)
    rows = db.execute(select(Participant.id, Participant.token_hash).where(Participant.workshop_id == workshop_id)).all()
    matches = [pid for pid, token_hash in rows if hmac.compare_digest(deletion_code(token_hash), wanted)]
    if len(matches) != 1:
        # None, or (one in about 10^12 for a workshop of 1,000) two participants with the same code.
        raise ValidationFailed("deletion_code", "unknown_deletion_code")
    return db.get_one(Participant, matches[0])


@dataclass(frozen=True)
class Footprint:
    """What a participant left in a workshop: shown before deleting it (numbers only, never the texts)."""

    contributions: int
    votes: int
    named: bool


def footprint(db: Session, participant: Participant) -> Footprint:
    n = db.scalar(
        select(func.count())
        .select_from(Contribution)
        .where(Contribution.participant_id == participant.id, Contribution.deleted.is_(False))
    )
    votes = db.scalar(select(func.count()).select_from(Vote).where(Vote.participant_id == participant.id))
    return Footprint(contributions=n or 0, votes=votes or 0, named=bool(participant.display_name))


# -- generic references ------------------------------------------------------------------------------


def _referencing(table_name: str) -> list[tuple[Table, Any, str]]:
    """Every (table, column, ondelete) in the metadata that references ``table_name``.id, but not itself."""
    out = []
    for table in Base.metadata.sorted_tables:
        if table.name == table_name:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == table_name and fk.column.name == "id":
                out.append((table, fk.parent, (fk.ondelete or "").upper()))
    return out


def _detach(db: Session, table_name: str, ids: Iterable[int]) -> dict[str, int]:
    """Do what deleting rows ``ids`` of ``table_name`` would do to the rows that reference them:
    ``SET NULL`` references are cleared; every other reference (CASCADE, or none given) is deleted.
    Returns the number of rows deleted per table."""
    id_list = sorted(set(ids))
    removed: dict[str, int] = {}
    if not id_list:
        return removed
    for table, column, ondelete in _referencing(table_name):
        if ondelete == "SET NULL":
            db.execute(update(table).where(column.in_(id_list)).values({column.name: None}))
        else:
            n = db.execute(delete(table).where(column.in_(id_list))).rowcount or 0
            if n:
                removed[table.name] = removed.get(table.name, 0) + n
    return removed


# -- forgetting a participant ------------------------------------------------------------------------


@dataclass
class Erasure:
    """What forgetting a participant did: the contributions to broadcast (tombstones, and others' cards
    whose view changed), the rows removed elsewhere, and whether the wall's spotlight was taken down."""

    workshop_id: int
    erased: int
    changed: list[Contribution] = field(default_factory=list)
    removed: dict[str, int] = field(default_factory=dict)
    spotlight_cleared: bool = False


def forget_participant(db: Session, workshop_id: int, participant_id: int) -> Erasure:
    """Delete a participant and scrub everything they wrote in the workshop (see the module's docstring).

    Works in every state of the workshop (also after it closed). NotFound if the participant is not (any
    longer) one of the workshop's.
    """
    now = utcnow()
    with write_transaction(db):
        ws = lock_workshop(db, workshop_id)
        p = db.get(Participant, participant_id)
        if p is None or p.workshop_id != ws.id:
            raise NotFound("no such participant")
        own = list(db.scalars(select(Contribution).where(Contribution.participant_id == p.id).order_by(Contribution.id)))
        own_ids = {c.id for c in own}
        # Others' duplicates merged into one of theirs become cards of their own again; a card one of theirs
        # was merged into shows one text fewer.
        children = list(
            db.scalars(
                select(Contribution).where(Contribution.merged_into_id.in_(own_ids), Contribution.id.not_in(own_ids))
            )
        ) if own_ids else []
        for child in children:
            child.merged_into_id = None
        roots = {c.merged_into_id for c in own if c.merged_into_id is not None} - own_ids
        state = db.get(LiveState, ws.id)
        spotlight_cleared = state is not None and state.spotlight_id in own_ids
        if spotlight_cleared:
            assert state is not None
            state.spotlight_id = None
        for c in own:
            c.text = ""
            c.original_text = None
            c.municipality = None  # a «Hos oss» case's: what was written goes, whatever it was
            c.author_name = None
            c.participant_id = None
            c.client_id = f"erased-{c.id}"
            c.merged_into_id = None
            c.hidden = False
            c.deleted = True
            c.updated_at = now
            c.seq = next_seq(db, ws.id)
        touched = [db.get_one(Contribution, cid) for cid in sorted({ch.id for ch in children} | roots)]
        for c in touched:
            c.seq = next_seq(db, ws.id)
        db.flush()
        removed = _scrub_copies(db, own_ids)
        for table, n in _detach(db, "contributions", own_ids).items():
            removed[table] = removed.get(table, 0) + n
        for table, n in _detach(db, "participants", [p.id]).items():
            removed[table] = removed.get(table, 0) + n
        db.execute(delete(Participant).where(Participant.id == p.id))
        db.expunge(p)
        changed_ids = [c.id for c in own] + [c.id for c in touched]
    changed = _fresh(db, changed_ids)
    return Erasure(ws.id, len(own), changed, removed, spotlight_cleared)


def _scrub_copies(db: Session, ids: Iterable[int]) -> dict[str, int]:
    """Copies of their texts kept elsewhere (not found through foreign keys alone).

    Follow-up items (``sessions/followup/``) keep a copy of the proposal they were made from
    (``source_text``) and start with its text. An item the organisers reworded stays -- it is their measure --
    without the copy and without the link; an item whose text is still the proposal's is deleted.
    """
    id_list = sorted(set(ids))
    table = Base.metadata.tables.get("followups")
    if not id_list or table is None or not {"source_id", "source_text", "text"} <= set(table.c.keys()):
        return {}
    c = table.c
    n = db.execute(delete(table).where(c.source_id.in_(id_list), c.text == c.source_text)).rowcount or 0
    db.execute(update(table).where(c.source_id.in_(id_list)).values(source_text="", source_id=None))
    return {"followups": n} if n else {}


def _fresh(db: Session, ids: Sequence[int]) -> list[Contribution]:
    """The contributions as stored now (with their merged duplicates), in sequence order, for the broadcast."""
    if not ids:
        return []
    rows = db.scalars(
        select(Contribution)
        .where(Contribution.id.in_(ids))
        .options(selectinload(Contribution.merged))
        .order_by(Contribution.seq)
        .execution_options(populate_existing=True)
    ).all()
    return list(rows)


# -- deleting a workshop -----------------------------------------------------------------------------


def _owned_by_workshop(table: Table, workshop_id: int, path: frozenset[str] = frozenset()) -> ColumnElement[bool] | None:
    """A condition selecting the rows of ``table`` that belong to the workshop: those that reference (through
    a reference that is not ``SET NULL``) the workshop or a row that belongs to it. None if there is no path."""
    if table.name == "workshops":
        return table.c.id == workshop_id
    conditions = []
    for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name):
        parent = fk.column.table
        if parent is table or parent.name in path or (fk.ondelete or "").upper() == "SET NULL":
            continue
        if parent.name == "workshops":
            conditions.append(fk.parent == workshop_id)
            continue
        owned = _owned_by_workshop(parent, workshop_id, path | {table.name})
        if owned is not None:
            conditions.append(fk.parent.in_(select(fk.column).where(owned)))
    return or_(*conditions) if conditions else None


def workshop_tables() -> list[str]:
    """Names of the tables whose rows can belong to a workshop (every one with a path to it)."""
    return [t.name for t in Base.metadata.sorted_tables if _owned_by_workshop(t, 0) is not None]


def delete_workshop(
    db: Session,
    workshop_id: int,
    *,
    due_at: dt.datetime | None = None,
    default_days: int = DEFAULT_RETENTION_DAYS,
) -> dict[str, int] | None:
    """Delete the workshop and every row that belongs to it. Returns the rows deleted per table, or None
    when there was nothing to delete (already deleted -- so this is idempotent -- or, with ``due_at``,
    no longer due for automatic deletion: reopened, or its retention changed).

    The caller offers the JSON archive first (the web page does); nothing of the workshop is kept.
    """
    with write_transaction(db):
        ws = db.scalar(select(Workshop).where(Workshop.id == workshop_id).with_for_update())
        if ws is None:
            return None
        if due_at is not None and not is_due(ws, due_at, default_days):
            return None
        counts: dict[str, int] = {}
        for table in reversed(Base.metadata.sorted_tables):
            if table.name == "workshops":
                continue
            owned = _owned_by_workshop(table, ws.id)
            if owned is None:
                continue
            n = db.execute(delete(table).where(owned)).rowcount or 0
            if n:
                counts[table.name] = n
        # Whatever still references the workshop's rows through SET NULL is unlinked by the database.
        db.execute(delete(Workshop).where(Workshop.id == ws.id))
        counts["workshops"] = 1
    # Objects of the deleted rows that this session still holds are gone from the database: expire them all
    # (others reload on their next use; a deleted one raises ObjectDeletedError instead of showing stale data).
    db.expire_all()
    return counts


# -- retention ---------------------------------------------------------------------------------------


def parse_retention_days(value: object) -> int | None:
    """A per-workshop retention from a form or JSON: whole days in range, or None ("" / None: the default)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValidationFailed("retention_days", "not_a_number")
    try:
        days = int(value.strip()) if isinstance(value, str) else value
    except ValueError:
        raise ValidationFailed("retention_days", "not_a_number") from None
    if not isinstance(days, int):
        raise ValidationFailed("retention_days", "not_a_number")
    if not MIN_RETENTION_DAYS <= days <= MAX_RETENTION_DAYS:
        raise ValidationFailed("retention_days", "out_of_range", min=MIN_RETENTION_DAYS, max=MAX_RETENTION_DAYS)
    return days


def set_retention(db: Session, ws: Workshop, value: object) -> Workshop:
    days = parse_retention_days(value)
    with write_transaction(db):
        ws = db.get_one(Workshop, ws.id)
        ws.retention_days = days
    return ws


def retention_days(ws: Workshop, default_days: int = DEFAULT_RETENTION_DAYS) -> int:
    return ws.retention_days or default_days


def delete_after(ws: Workshop, default_days: int = DEFAULT_RETENTION_DAYS) -> dt.datetime | None:
    """When a closed workshop will be deleted automatically (UTC, naive); None while it is not closed."""
    if ws.status != WorkshopStatus.closed or ws.closed_at is None:
        return None
    return ws.closed_at + dt.timedelta(days=retention_days(ws, default_days))


def is_due(ws: Workshop, now: dt.datetime, default_days: int = DEFAULT_RETENTION_DAYS) -> bool:
    when = delete_after(ws, default_days)
    return when is not None and when <= now


def due_workshops(db: Session, now: dt.datetime, default_days: int = DEFAULT_RETENTION_DAYS) -> list[int]:
    """Ids of the closed workshops whose retention has run out at ``now``, oldest first."""
    closed = db.scalars(
        select(Workshop).where(Workshop.status == WorkshopStatus.closed, Workshop.closed_at.is_not(None)).order_by(Workshop.closed_at)
    ).all()
    return [ws.id for ws in closed if is_due(ws, now, default_days)]


@dataclass(frozen=True)
class Swept:
    workshop_id: int
    rows: dict[str, int]


def sweep(db: Session, now: dt.datetime, default_days: int = DEFAULT_RETENTION_DAYS, *, engine: Engine | None = None) -> list[Swept]:
    """Delete every workshop whose retention has run out at ``now``; returns what was deleted.

    Idempotent: a workshop another process deleted meanwhile, or that was reopened, is skipped.
    ``engine``: purge the SQLite WAL afterwards, on every pass (see :func:`sessions.core.store.purge_deleted`).
    """
    out = []
    for ws_id in due_workshops(db, now, default_days):
        rows = delete_workshop(db, ws_id, due_at=now, default_days=default_days)
        if rows is not None:
            out.append(Swept(ws_id, rows))
    if engine is not None:
        # Also after a pass with nothing due: completes a purge that readers held up earlier.
        purge_deleted(engine)
    return out
