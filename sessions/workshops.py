"""Workshop services: every change a facilitator or participant makes goes through one function here.

Each write function validates, checks the workshop's state (raising a named ``DomainError``) and
commits through :func:`sessions.store.write_transaction`. The web layer broadcasts only afterwards.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from .errors import (
    IllegalTransition,
    NotAllowed,
    NotFound,
    NotInGroup,
    NotYourContribution,
    UnknownJoinCode,
    ValidationFailed,
    WorkshopNotOpen,
    WrongWorkshop,
)
from .models import (
    Contribution,
    ContributionKind,
    Group,
    Participant,
    User,
    Workshop,
    WorkshopFacilitator,
    WorkshopPersona,
    WorkshopStatus,
    utcnow,
)
from .personas import PersonaSpec
from .store import write_transaction

MAX_TEXT = 1000
MAX_TITLE = 200
MAX_PLACE = 200
MAX_INTRO = 4000
MAX_GROUP_NAME = 60
MAX_DISPLAY_NAME = 60
MAX_GROUPS = 200
CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# Ids and sequence numbers are SQL INTEGER columns: a larger number names no row, and binding it would
# fail in the driver (SQLite OverflowError, PostgreSQL "integer out of range") instead of "not found".
MAX_ID = 2**31 - 1
JOIN_CODE_RE = re.compile(r"^\d{8}$")
_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))


# -- small helpers --------------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh bearer token and the hash that is stored."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def clean_text(value: object, field: str, *, max_len: int, required: bool = True, multiline: bool = True) -> str:
    """Normalise user text (NFC, no control characters, trimmed) and enforce length."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(field, "not_text")
    text = unicodedata.normalize("NFC", value).translate(_CONTROL).replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = " ".join(text.split())
    text = text.strip()
    if required and not text:
        raise ValidationFailed(field, "empty")
    if len(text) > max_len:
        raise ValidationFailed(field, "too_long", max=max_len, length=len(text))
    return text


def normalize_join_code(code: object) -> str:
    """Accept ``1234 5678``, ``1234-5678`` and the like; return the eight digits."""
    if not isinstance(code, str):
        raise UnknownJoinCode("not a code")
    digits = re.sub(r"[\s\-.]", "", code)
    if not JOIN_CODE_RE.match(digits):
        raise UnknownJoinCode("malformed code")
    return digits


def parse_kind(value: object) -> ContributionKind:
    try:
        return ContributionKind(value)
    except ValueError:
        raise ValidationFailed("kind", "unknown_kind") from None


def parse_date(value: object) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValidationFailed("date", "bad_date")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed("date", "bad_date") from None


def _next_seq(db: Session, workshop_id: int) -> int:
    """Take the workshop's next sequence number (row-locked on PostgreSQL, under the write lock on SQLite)."""
    return db.execute(
        update(Workshop)
        .where(Workshop.id == workshop_id)
        .values(last_seq=Workshop.last_seq + 1)
        .returning(Workshop.last_seq)
        .execution_options(synchronize_session=False)
    ).scalar_one()


def _unique_join_code(db: Session) -> str:
    for _ in range(50):
        code = f"{secrets.randbelow(10**8):08d}"
        if db.scalar(select(Workshop.id).where(Workshop.join_code == code)) is None:
            return code
    raise RuntimeError("could not find a free join code")  # pragma: no cover - 10^8 codes


# -- facilitators and access ----------------------------------------------------------------


def is_facilitator(db: Session, workshop: Workshop, user: User | None) -> bool:
    if user is None:
        return False
    if workshop.owner_id == user.id:
        return True
    return (
        db.scalar(
            select(WorkshopFacilitator.user_id).where(
                WorkshopFacilitator.workshop_id == workshop.id, WorkshopFacilitator.user_id == user.id
            )
        )
        is not None
    )


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def get_workshop(db: Session, workshop_id: int) -> Workshop:
    ws = db.get(Workshop, workshop_id) if _is_id(workshop_id) else None
    if ws is None:
        raise NotFound("no such workshop")
    return ws


def workshop_for_facilitator(db: Session, workshop_id: int, user: User | None) -> Workshop:
    """The workshop, if ``user`` may run it; otherwise NotFound (we do not confirm that it exists)."""
    ws = db.get(Workshop, workshop_id) if _is_id(workshop_id) else None
    if ws is None or not is_facilitator(db, ws, user):
        raise NotFound("no such workshop")
    return ws


def workshops_for_user(db: Session, user: User) -> Sequence[Workshop]:
    shared = select(WorkshopFacilitator.workshop_id).where(WorkshopFacilitator.user_id == user.id)
    return db.scalars(
        select(Workshop)
        .where((Workshop.owner_id == user.id) | Workshop.id.in_(shared))
        .order_by(Workshop.created_at.desc(), Workshop.id.desc())
    ).all()


def workshop_by_wall_token(db: Session, token: object) -> Workshop:
    if not isinstance(token, str) or not (20 <= len(token) <= 64):
        raise NotFound("no such wall")
    ws = db.scalar(select(Workshop).where(Workshop.wall_token == token))
    if ws is None:
        raise NotFound("no such wall")
    return ws


# -- preparing a workshop -------------------------------------------------------------------


@dataclass(frozen=True)
class WorkshopDetails:
    title: str
    date: dt.date | None
    place: str
    intro: str

    @classmethod
    def parse(cls, title: object, date: object, place: object, intro: object) -> WorkshopDetails:
        return cls(
            title=clean_text(title, "title", max_len=MAX_TITLE, multiline=False),
            date=parse_date(date),
            place=clean_text(place, "place", max_len=MAX_PLACE, required=False, multiline=False),
            intro=clean_text(intro, "intro", max_len=MAX_INTRO, required=False),
        )


def _persona_from_spec(spec: PersonaSpec, position: int, *, from_library: bool) -> WorkshopPersona:
    return WorkshopPersona(
        key=spec.id,
        name=spec.name,
        age=spec.age,
        role=spec.role,
        card=spec.card,
        background=spec.background,
        questions=list(spec.questions),
        from_library=from_library,
        position=position,
    )


def create_workshop(
    db: Session,
    owner: User,
    details: WorkshopDetails,
    personas: Iterable[PersonaSpec] = (),
    groups: Iterable[tuple[str, str | None]] = (),
) -> Workshop:
    """Create a draft workshop with copies of the chosen personas and named groups.

    ``groups`` is a list of ``(name, persona_key)``; a key must name one of ``personas``.
    """
    personas = list(personas)
    groups = list(groups)
    if len(groups) > MAX_GROUPS:
        raise ValidationFailed("groups", "too_many", max=MAX_GROUPS)
    keys = [p.id for p in personas]
    if len(set(keys)) != len(keys):
        raise ValidationFailed("personas", "duplicate")
    clean_groups = []
    for name, key in groups:
        gname = clean_text(name, "group_name", max_len=MAX_GROUP_NAME, multiline=False)
        if key is not None and key not in keys:
            raise ValidationFailed("persona_id", "unknown_persona", persona=str(key))
        clean_groups.append((gname, key))
    with write_transaction(db):
        ws = Workshop(
            title=details.title,
            date=details.date,
            place=details.place,
            intro=details.intro,
            status=WorkshopStatus.draft,
            join_code=_unique_join_code(db),
            wall_token=secrets.token_urlsafe(32),
            last_seq=0,
            owner_id=owner.id,
        )
        by_key = {}
        for i, spec in enumerate(personas):
            wp = _persona_from_spec(spec, i, from_library=True)
            ws.personas.append(wp)
            by_key[spec.id] = wp
        for i, (gname, key) in enumerate(clean_groups):
            ws.groups.append(Group(name=gname, position=i, persona=by_key.get(key) if key else None))
        db.add(ws)
        db.flush()
        db.add(WorkshopFacilitator(workshop_id=ws.id, user_id=owner.id))
    return ws


def update_details(db: Session, ws: Workshop, details: WorkshopDetails) -> Workshop:
    with write_transaction(db):
        ws = db.get_one(Workshop, ws.id)
        ws.title, ws.date, ws.place, ws.intro = details.title, details.date, details.place, details.intro
    return ws


def add_persona(db: Session, ws: Workshop, spec: PersonaSpec, *, from_library: bool) -> WorkshopPersona:
    """Add a library persona (copied) or one the facilitator wrote for this workshop."""
    with write_transaction(db):
        ws = db.get_one(Workshop, ws.id)
        if not ws.editable_structure:
            raise IllegalTransition("closed", state=ws.status.value, action="add_persona")
        keys = {p.key for p in ws.personas}
        key = spec.id
        if from_library and key in keys:
            raise ValidationFailed("persona_id", "already_added", persona=key)
        if not from_library:
            base = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKD", spec.name.lower()).encode("ascii", "ignore").decode()).strip("-")[:24] or "persona"
            key, n = f"x-{base}", 2
            while key in keys:
                key, n = f"x-{base}-{n}", n + 1
        wp = _persona_from_spec(spec, len(ws.personas), from_library=from_library)
        wp.key = key
        ws.personas.append(wp)
    return wp


def remove_persona(db: Session, ws: Workshop, persona_id: int) -> None:
    with write_transaction(db):
        wp = db.get(WorkshopPersona, persona_id) if _is_id(persona_id) else None
        if wp is None or wp.workshop_id != ws.id:
            raise WrongWorkshop("persona")
        used = db.scalar(select(func.count()).select_from(Contribution).where(Contribution.persona_id == wp.id))
        if used:
            raise IllegalTransition("persona has contributions", action="remove_persona", reason="has_contributions")
        for g in db.scalars(select(Group).where(Group.persona_id == wp.id)):
            g.persona_id = None
        db.delete(wp)


def add_group(db: Session, ws: Workshop, name: object, persona_id: int | None) -> Group:
    gname = clean_text(name, "group_name", max_len=MAX_GROUP_NAME, multiline=False)
    with write_transaction(db):
        ws = db.get_one(Workshop, ws.id)
        if not ws.editable_structure:
            raise IllegalTransition("closed", state=ws.status.value, action="add_group")
        if len(ws.groups) >= MAX_GROUPS:
            raise ValidationFailed("groups", "too_many", max=MAX_GROUPS)
        persona = _persona_of(db, ws, persona_id)
        g = Group(name=gname, position=len(ws.groups), persona=persona)
        ws.groups.append(g)
    return g


def _persona_of(db: Session, ws: Workshop, persona_id: int | None) -> WorkshopPersona | None:
    if persona_id is None:
        return None
    wp = db.get(WorkshopPersona, persona_id) if _is_id(persona_id) else None
    if wp is None or wp.workshop_id != ws.id:
        raise WrongWorkshop("persona")
    return wp


def update_group(db: Session, ws: Workshop, group_id: int, name: object, persona_id: int | None) -> Group:
    gname = clean_text(name, "group_name", max_len=MAX_GROUP_NAME, multiline=False)
    with write_transaction(db):
        ws = db.get_one(Workshop, ws.id)
        g = _group_of(db, ws, group_id)
        if not ws.editable_structure:
            raise IllegalTransition("closed", state=ws.status.value, action="update_group")
        persona = _persona_of(db, ws, persona_id)
        if persona is None and ws.is_open:
            raise ValidationFailed("persona_id", "required_when_open")
        g.name, g.persona = gname, persona
    return g


def delete_group(db: Session, ws: Workshop, group_id: int) -> None:
    with write_transaction(db):
        ws = db.get_one(Workshop, ws.id)
        g = _group_of(db, ws, group_id)
        used = db.scalar(select(func.count()).select_from(Contribution).where(Contribution.group_id == g.id))
        if used:
            raise IllegalTransition("group has contributions", action="delete_group", reason="has_contributions")
        if ws.is_open and len(ws.groups) == 1:
            raise IllegalTransition("an open workshop needs a group", action="delete_group", reason="last_group")
        ws.groups.remove(g)


def _group_of(db: Session, ws: Workshop, group_id: object) -> Group:
    if not isinstance(group_id, int) or isinstance(group_id, bool):
        raise ValidationFailed("group_id", "not_a_number")
    g = db.get(Group, group_id) if _is_id(group_id) else None
    if g is None or g.workshop_id != ws.id:
        raise WrongWorkshop("group")
    return g


def open_workshop(db: Session, ws: Workshop) -> Workshop:
    with write_transaction(db):
        ws = db.get_one(Workshop, ws.id)
        ws.open()
    return ws


def close_workshop(db: Session, ws: Workshop) -> Workshop:
    with write_transaction(db):
        ws = db.get_one(Workshop, ws.id)
        ws.close()
    return ws


# -- participants ---------------------------------------------------------------------------


def workshop_by_code(db: Session, code: object) -> Workshop:
    digits = normalize_join_code(code)
    ws = db.scalar(select(Workshop).where(Workshop.join_code == digits))
    if ws is None:
        raise UnknownJoinCode("unknown code")
    return ws


def join(db: Session, code: object, display_name: object = None, group_id: object = None) -> tuple[Participant, str]:
    """Join an open workshop by its code (optionally straight into a group).

    Returns the participant and their bearer token; nothing is stored when any part is invalid.
    """
    name = clean_text(display_name, "display_name", max_len=MAX_DISPLAY_NAME, required=False, multiline=False) or None
    ws = workshop_by_code(db, code)
    if not ws.joinable:
        raise WorkshopNotOpen(state=ws.status.value)
    token, token_hash = new_token()
    with write_transaction(db):
        ws = db.get_one(Workshop, ws.id)
        group = _group_of(db, ws, group_id) if group_id is not None else None
        p = Participant(workshop_id=ws.id, display_name=name, token_hash=token_hash, group_id=group.id if group else None)
        db.add(p)
    return p, token


def participant_by_token(db: Session, token: object) -> Participant | None:
    if not isinstance(token, str) or not (20 <= len(token) <= 100):
        return None
    return db.scalar(select(Participant).where(Participant.token_hash == hash_token(token)))


def choose_group(db: Session, participant: Participant, group_id: object) -> Participant:
    with write_transaction(db):
        p = db.get_one(Participant, participant.id)
        ws = db.get_one(Workshop, p.workshop_id)
        if ws.is_closed:
            raise WorkshopNotOpen(state=ws.status.value)
        g = _group_of(db, ws, group_id)
        p.group_id = g.id
    return p


def participant_count(db: Session, workshop_id: int) -> int:
    return db.scalar(select(func.count()).select_from(Participant).where(Participant.workshop_id == workshop_id)) or 0


# -- contributions --------------------------------------------------------------------------


def submit_contribution(
    db: Session,
    participant: Participant,
    group_id: object,
    kind: object,
    text: object,
    client_id: object,
) -> tuple[Contribution, bool]:
    """Post a need or a solution for a group's persona.

    Idempotent on ``client_id``: the same participant sending the same id again gets the first
    contribution back and ``created`` False, so a retry after a lost answer never duplicates.
    """
    if not isinstance(client_id, str) or not CLIENT_ID_RE.match(client_id):
        raise ValidationFailed("client_id", "bad_client_id")
    existing = _by_client_id(db, participant.id, client_id)
    if existing is not None:
        return existing, False
    the_kind = parse_kind(kind)
    body = clean_text(text, "text", max_len=MAX_TEXT)
    try:
        with write_transaction(db):
            p = db.get_one(Participant, participant.id)
            ws = db.get_one(Workshop, p.workshop_id)
            g = _group_of(db, ws, group_id)
            if not ws.accepting_contributions:
                raise WorkshopNotOpen(state=ws.status.value)
            again = _by_client_id(db, p.id, client_id)
            if again is not None:
                return again, False
            if p.group_id is not None and p.group_id != g.id:
                # A phone only receives its own group's events: posting elsewhere would vanish from its view.
                raise NotInGroup(group_id=g.id)
            c = Contribution(
                workshop_id=ws.id,
                group_id=g.id,
                persona_id=g.persona_id,
                participant_id=p.id,
                author_name=p.display_name,
                kind=the_kind,
                text=body,
                client_id=client_id,
                seq=_next_seq(db, ws.id),
                created_at=utcnow(),
            )
            db.add(c)
            if p.group_id is None:
                p.group_id = g.id
    except IntegrityError:
        # Two copies of the same post raced; the other one won. Hand that one back.
        existing = _by_client_id(db, participant.id, client_id)
        if existing is None:
            raise
        return existing, False
    return c, True


def _by_client_id(db: Session, participant_id: int, client_id: str) -> Contribution | None:
    return db.scalar(
        select(Contribution).where(Contribution.participant_id == participant_id, Contribution.client_id == client_id)
    )


def _own_contribution(db: Session, participant: Participant, contribution_id: object) -> tuple[Workshop, Contribution]:
    if not isinstance(contribution_id, int) or isinstance(contribution_id, bool):
        raise ValidationFailed("contribution_id", "not_a_number")
    c = db.get(Contribution, contribution_id) if _is_id(contribution_id) else None
    if c is None or c.workshop_id != participant.workshop_id or c.deleted:
        raise NotFound("no such contribution")
    if c.participant_id != participant.id:
        raise NotYourContribution()
    ws = db.get_one(Workshop, c.workshop_id)
    if not ws.accepting_contributions:
        raise WorkshopNotOpen(state=ws.status.value)
    return ws, c


def edit_contribution(db: Session, participant: Participant, contribution_id: object, text: object) -> Contribution:
    body = clean_text(text, "text", max_len=MAX_TEXT)
    with write_transaction(db):
        ws, c = _own_contribution(db, participant, contribution_id)
        if c.text != body:
            c.text = body
            c.updated_at = utcnow()
            c.seq = _next_seq(db, ws.id)
    return c


def delete_contribution(db: Session, participant: Participant, contribution_id: object) -> Contribution:
    """Delete one's own contribution. A tombstone stays so that clients catching up remove it too."""
    with write_transaction(db):
        ws, c = _own_contribution(db, participant, contribution_id)
        c.deleted = True
        c.updated_at = utcnow()
        c.seq = _next_seq(db, ws.id)
    return c


def contributions(db: Session, workshop_id: int, group_id: int | None = None) -> Sequence[Contribution]:
    """Visible contributions, oldest first, optionally for one group."""
    q = select(Contribution).where(Contribution.workshop_id == workshop_id, Contribution.deleted.is_(False))
    if group_id is not None:
        q = q.where(Contribution.group_id == group_id)
    return db.scalars(q.order_by(Contribution.seq)).all()


def changes_since(db: Session, workshop_id: int, since: object, group_id: int | None = None, limit: int = 5000) -> Sequence[Contribution]:
    """Everything that changed after sequence number ``since`` (tombstones included), in order."""
    if not isinstance(since, int) or isinstance(since, bool) or not 0 <= since <= MAX_ID:
        raise ValidationFailed("since", "bad_since")
    q = select(Contribution).where(Contribution.workshop_id == workshop_id, Contribution.seq > since)
    if group_id is not None:
        q = q.where(Contribution.group_id == group_id)
    return db.scalars(q.order_by(Contribution.seq).limit(limit)).all()


def last_seq(db: Session, workshop_id: int) -> int:
    return db.scalar(select(Workshop.last_seq).where(Workshop.id == workshop_id)) or 0


def load_for_dashboard(db: Session, workshop_id: int) -> Workshop:
    if not _is_id(workshop_id):
        raise NotFound("no such workshop")
    ws = db.scalar(
        select(Workshop)
        .where(Workshop.id == workshop_id)
        .options(selectinload(Workshop.groups).selectinload(Group.persona), selectinload(Workshop.personas))
    )
    if ws is None:
        raise NotFound("no such workshop")
    return ws


def ensure_participant_in(participant: Participant, ws: Workshop) -> None:
    if participant.workshop_id != ws.id:
        raise NotAllowed("participant of another workshop")
