"""The summary report: one data tree that every format (web page, DOCX, PDF, Markdown, CSV, XLSX) renders.

:func:`build_report` reads a workshop once and returns a :class:`Report`: the workshop's details, what the
facilitators wrote (organisers, summary, method note, who to invite next time; Markdown, rendered and
sanitized by the formats), each persona with its card, background and the groups' needs and proposals,
cross-cutting themes, and participation figures with a timeline. The visible contributions come from
:func:`sessions.participation.contributions` -- the one place that decides what is visible -- so hidden
(moderated) contributions never reach a report. Votes, tags and themes are carried (zero, empty, None)
so that the formats keep their columns when those features fill them.

Also here: the report texts (one write function) and the share links organisers get (unguessable tokens,
only their sha256 stored, revocable, optionally with a last day). Nothing here imports Flask.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import participation, voting
from .errors import NotFound, ShareLinkExpired, ShareLinkRevoked, ValidationFailed
from .models import ReportTexts, ShareLink, User, Workshop, WorkshopPersona, utcnow
from .store import write_transaction
from .validation import clean_text, hash_token, is_id, new_token, parse_date
from .workshops import load_for_dashboard

TIMEZONE = ZoneInfo("Europe/Oslo")

MAX_ORGANISERS = 300
MAX_SUMMARY = 20_000
MAX_NOTE = 5_000
MAX_LINK_LABEL = 100
MAX_LINKS = 50
# Timeline bucket sizes in minutes; the smallest that gives at most MAX_BUCKETS buckets is used.
BUCKET_SIZES = (1, 2, 5, 10, 15, 30, 60, 120, 240, 720, 1440, 10080)
MAX_BUCKETS = 40


def local_time(value: dt.datetime) -> dt.datetime:
    """A stored (naive UTC) time as wall-clock time in Norway."""
    return value.replace(tzinfo=dt.timezone.utc).astimezone(TIMEZONE)


def today_in_norway(now: dt.datetime | None = None) -> dt.date:
    return local_time(now or utcnow()).date()


# -- the report tree ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportContribution:
    id: int
    kind: str  # "need" or "solution"
    text: str
    group: str
    group_id: int
    persona: str
    persona_id: int | None
    created_at: dt.datetime  # naive UTC, like the database
    edited: bool = False
    votes: int = 0
    tags: tuple[str, ...] = ()
    theme: str | None = None
    hidden: bool = False


@dataclass(frozen=True)
class GroupSection:
    id: int
    name: str
    needs: tuple[ReportContribution, ...]
    solutions: tuple[ReportContribution, ...]


@dataclass(frozen=True)
class PersonaSection:
    id: int | None
    key: str
    name: str
    age: int | None
    role: str
    card: str
    background: tuple[str, ...]
    groups: tuple[GroupSection, ...]

    @property
    def needs(self) -> int:
        return sum(len(g.needs) for g in self.groups)

    @property
    def solutions(self) -> int:
        return sum(len(g.solutions) for g in self.groups)

    @property
    def heading(self) -> str:
        return f"{self.name}, {self.role}" if self.role else self.name


@dataclass(frozen=True)
class ThemeSection:
    """A cross-cutting theme (filled by the themes feature; empty until then)."""

    name: str
    contributions: tuple[ReportContribution, ...]


@dataclass(frozen=True)
class Figure:
    """Counts for one persona or one group."""

    name: str
    needs: int
    solutions: int
    persona: str = ""

    @property
    def total(self) -> int:
        return self.needs + self.solutions


@dataclass(frozen=True)
class TimeBucket:
    start: dt.datetime  # naive UTC
    count: int


@dataclass(frozen=True)
class Participation:
    participants: int
    contributions: int
    needs: int
    solutions: int
    per_persona: tuple[Figure, ...]
    per_group: tuple[Figure, ...]
    timeline: tuple[TimeBucket, ...]
    bucket_minutes: int


@dataclass(frozen=True)
class Report:
    workshop_id: int
    title: str
    date: dt.date | None
    place: str
    status: str
    organisers: str
    summary: str  # Markdown
    method_note: str  # Markdown
    invite_note: str  # Markdown
    personas: tuple[PersonaSection, ...]
    themes: tuple[ThemeSection, ...]
    participation: Participation
    contributions: tuple[ReportContribution, ...]  # every visible one, oldest first (CSV, XLSX)
    generated_at: dt.datetime  # naive UTC
    opened_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    last_seq: int = 0
    texts_revision: int = 0

    @functools.cached_property
    def show_votes(self) -> bool:
        """Whether any contribution has votes (asked once per item by the renderers, so computed once)."""
        return any(c.votes for c in self.contributions)

    @property
    def is_running(self) -> bool:
        return self.status == "open"


def _bucket_minutes(first: dt.datetime, last: dt.datetime) -> int:
    span = (last - first).total_seconds() / 60
    for size in BUCKET_SIZES:
        if span / size < MAX_BUCKETS:
            return size
    return BUCKET_SIZES[-1]


def timeline(times: Sequence[dt.datetime]) -> tuple[tuple[TimeBucket, ...], int]:
    """Contributions per time bucket, from the first to the last, empty buckets included."""
    if not times:
        return (), BUCKET_SIZES[0]
    first, last = min(times), max(times)
    size = _bucket_minutes(first, last)
    step = dt.timedelta(minutes=size)
    # Align to the bucket size in local time (whole hours and days start where a reader expects).
    loc = local_time(first)
    midnight = loc.replace(hour=0, minute=0, second=0, microsecond=0)
    minutes = int((loc - midnight).total_seconds() // 60)
    start_local = midnight + dt.timedelta(minutes=(minutes // size) * size) if size < 1440 else midnight
    start = start_local.astimezone(dt.timezone.utc).replace(tzinfo=None)
    n = int((last - start) // step) + 1
    counts = [0] * n
    for t in times:
        counts[int((t - start) // step)] += 1
    return tuple(TimeBucket(start + i * step, c) for i, c in enumerate(counts)), size


def texts_for(db: Session, workshop_id: int) -> ReportTexts:
    """The stored report texts, or empty ones (not stored) when nobody wrote any yet."""
    texts = db.get(ReportTexts, workshop_id)
    if texts is None:
        texts = ReportTexts(workshop_id=workshop_id, organisers="", summary="", method_note="", invite_note="", revision=0)
    return texts


def build_report(db: Session, workshop_id: int, *, now: dt.datetime | None = None) -> Report:
    """Everything a report shows, read in one go. Raises NotFound for an unknown workshop."""
    ws = load_for_dashboard(db, workshop_id)
    texts = texts_for(db, ws.id)
    personas = {p.id: p for p in ws.personas}
    groups = {g.id: g for g in ws.groups}
    items: list[ReportContribution] = []
    # Dots from the workshop's voting rounds (a merged duplicate's count for the one it was merged into).
    votes = voting.vote_counts(db, ws.id)
    for c in participation.contributions(db, ws.id):
        g = groups.get(c.group_id)
        p = personas.get(c.persona_id) if c.persona_id is not None else None  # type: ignore[arg-type]
        items.append(
            ReportContribution(
                id=c.id,
                kind=c.kind.value,
                text=c.text,
                group=g.name if g else "",
                group_id=c.group_id,
                persona=p.name if p else "",
                persona_id=c.persona_id,
                created_at=c.created_at,
                edited=c.updated_at is not None,
                votes=votes.get(c.id, 0),
            )
        )
    # One pass: contributions by (persona, group, kind); those of a removed persona under None.
    by_key: dict[tuple[int | None, int, str], list[ReportContribution]] = {}
    group_counts: dict[int, list[int]] = {gid: [0, 0] for gid in groups}
    for c in items:
        key_pid = c.persona_id if c.persona_id in personas else None
        by_key.setdefault((key_pid, c.group_id, c.kind), []).append(c)
        group_counts.setdefault(c.group_id, [0, 0])[0 if c.kind == "need" else 1] += 1
    # Personas in workshop order: those a group works on or that have contributions.
    sections: list[PersonaSection] = []
    with_items = {pid for pid, _gid, _kind in by_key}
    used = with_items | {g.persona_id for g in ws.groups if g.persona_id}
    order: list[WorkshopPersona | None] = [p for p in ws.personas if p.id in used]
    if None in with_items:
        order.append(None)  # contributions whose persona was removed
    for p in order:
        pid = p.id if p is not None else None
        group_ids = [
            g.id
            for g in ws.groups
            if (p is not None and g.persona_id == pid) or (pid, g.id, "need") in by_key or (pid, g.id, "solution") in by_key
        ]
        gsections = tuple(
            GroupSection(
                id=gid,
                name=groups[gid].name,
                needs=tuple(by_key.get((pid, gid, "need"), ())),
                solutions=tuple(by_key.get((pid, gid, "solution"), ())),
            )
            for gid in group_ids
        )
        if p is None:
            sections.append(PersonaSection(None, "", "", None, "", "", (), gsections))
        else:
            sections.append(
                PersonaSection(p.id, p.key, p.name, p.age, p.role, p.card, tuple(p.background_paragraphs), gsections)
            )
    per_persona = tuple(Figure(s.name, s.needs, s.solutions) for s in sections)
    per_group = tuple(
        Figure(g.name, group_counts[g.id][0], group_counts[g.id][1], persona=g.persona.name if g.persona else "")
        for g in ws.groups
    )
    buckets, size = timeline([c.created_at for c in items])
    needs = sum(1 for c in items if c.kind == "need")
    figures = Participation(
        participants=participation.participant_count(db, ws.id),
        contributions=len(items),
        needs=needs,
        solutions=len(items) - needs,
        per_persona=per_persona,
        per_group=per_group,
        timeline=buckets,
        bucket_minutes=size,
    )
    return Report(
        workshop_id=ws.id,
        title=ws.title,
        date=ws.date,
        place=ws.place,
        status=ws.status.value,
        organisers=texts.organisers,
        summary=texts.summary,
        method_note=texts.method_note,
        invite_note=texts.invite_note,
        personas=tuple(sections),
        themes=(),
        participation=figures,
        contributions=tuple(items),
        generated_at=now or utcnow(),
        opened_at=ws.opened_at,
        closed_at=ws.closed_at,
        last_seq=ws.last_seq,
        texts_revision=texts.revision,
    )


# -- the texts facilitators write --------------------------------------------------------------------


@dataclass(frozen=True)
class TextsInput:
    organisers: str
    summary: str
    method_note: str
    invite_note: str

    @classmethod
    def parse(cls, organisers: object, summary: object, method_note: object, invite_note: object) -> TextsInput:
        return cls(
            organisers=clean_text(organisers, "organisers", max_len=MAX_ORGANISERS, required=False, multiline=False),
            summary=_markdown(summary, "summary", MAX_SUMMARY),
            method_note=_markdown(method_note, "method_note", MAX_NOTE),
            invite_note=_markdown(invite_note, "invite_note", MAX_NOTE),
        )


def _markdown(value: object, field_name: str, max_len: int) -> str:
    # Markdown keeps its leading indentation (code, nested lists); only the end is trimmed.
    text = clean_text(value, field_name, max_len=max_len, required=False)
    return text


def save_texts(db: Session, ws: Workshop, texts: TextsInput) -> ReportTexts:
    """Store what the facilitators wrote for the report (last save wins) and bump the revision."""
    with write_transaction(db):
        ws = db.get_one(Workshop, ws.id)
        row = db.get(ReportTexts, ws.id)
        if row is None:
            row = ReportTexts(workshop_id=ws.id, revision=0)
            db.add(row)
        row.organisers = texts.organisers
        row.summary = texts.summary
        row.method_note = texts.method_note
        row.invite_note = texts.invite_note
        row.revision = (row.revision or 0) + 1
        row.updated_at = utcnow()
    return row


# -- share links -------------------------------------------------------------------------------------


def link_state(link: ShareLink, today: dt.date | None = None) -> str:
    """``active``, ``revoked`` or ``expired``."""
    if link.revoked_at is not None:
        return "revoked"
    if link.expires_on is not None and (today or today_in_norway()) > link.expires_on:
        return "expired"
    return "active"


def share_links(db: Session, workshop_id: int) -> Sequence[ShareLink]:
    return db.scalars(
        select(ShareLink).where(ShareLink.workshop_id == workshop_id).order_by(ShareLink.created_at.desc(), ShareLink.id.desc())
    ).all()


def create_share_link(
    db: Session, ws: Workshop, user: User | None, label: object = "", expires_on: object = None, *, today: dt.date | None = None
) -> tuple[ShareLink, str]:
    """A new read-only link to the report. Returns the link and its token (shown once, never stored)."""
    name = clean_text(label, "label", max_len=MAX_LINK_LABEL, required=False, multiline=False)
    last_day = parse_date(expires_on) if expires_on not in (None, "") else None
    if isinstance(expires_on, str) and expires_on.strip() and last_day is None:
        raise ValidationFailed("expires_on", "bad_date")
    if last_day is not None and last_day < (today or today_in_norway()):
        raise ValidationFailed("expires_on", "in_the_past")
    token, token_hash = new_token()
    with write_transaction(db):
        ws = db.get_one(Workshop, ws.id)
        if len(share_links(db, ws.id)) >= MAX_LINKS:
            raise ValidationFailed("label", "too_many_links", max=MAX_LINKS)
        link = ShareLink(
            workshop_id=ws.id,
            token_hash=token_hash,
            label=name,
            expires_on=last_day,
            created_by=user.id if user is not None else None,
            created_at=utcnow(),
        )
        db.add(link)
    return link, token


def revoke_share_link(db: Session, ws: Workshop, link_id: object) -> ShareLink:
    with write_transaction(db):
        link = db.get(ShareLink, link_id) if is_id(link_id) else None
        if link is None or link.workshop_id != ws.id:
            raise NotFound("no such link")
        if link.revoked_at is None:
            link.revoked_at = utcnow()
    return link


def link_by_token(db: Session, token: object) -> ShareLink | None:
    if not isinstance(token, str) or not (20 <= len(token) <= 100):
        return None
    return db.scalar(select(ShareLink).where(ShareLink.token_hash == hash_token(token)))


def workshop_for_share_token(db: Session, token: object, *, today: dt.date | None = None) -> Workshop:
    """The workshop a share link opens. NotFound for an unknown token; 410-errors for revoked or expired ones."""
    link = link_by_token(db, token)
    if link is None:
        raise NotFound("no such link")
    state = link_state(link, today)
    if state == "revoked":
        raise ShareLinkRevoked()
    if state == "expired":
        raise ShareLinkExpired(last_day=link.expires_on.isoformat() if link.expires_on else "")
    ws = db.get(Workshop, link.workshop_id)
    if ws is None:  # pragma: no cover - cascades with the workshop
        raise NotFound("no such link")
    return ws
