"""The summary report: one data tree that every format (web page, DOCX, PDF, Markdown, CSV, XLSX) renders.

:func:`build_report` reads a workshop once and returns a :class:`Report`: the workshop's details, what the
facilitators wrote (organisers, summary, method note, who to invite next time; Markdown, rendered and
sanitized by the formats), each persona with its card, background and the groups' needs and proposals,
cross-cutting themes (the theme board's, with the personas each spans), the tags by persona (kinds of
measure, levels, need types), where self-declared role groups differ (k-anonymous, from
:mod:`sessions.contributions.roles`), the follow-up register (:mod:`sessions.followup`), and participation figures with a
timeline. The visible contributions come from :func:`sessions.contributions.visible.contributions` -- the one place
that decides what is visible -- so hidden (moderated) contributions never reach a report, nor any count.

The contributions are read once: the themes, the tag tables and the role groups are counted in the same
pass (``tests/web/test_report_sections.py`` checks that they equal what :func:`sessions.tags.report.measure_kinds_by_persona`,
:func:`sessions.themes.report.themes_for_report` and :func:`sessions.contributions.roles.role_differences` return, each of
which reads the contributions again).

Also here: the report texts (one write function) and the share links organisers get (unguessable tokens,
only their sha256 stored, revocable, optionally with a last day). Nothing here imports Flask.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from sessions.accounts.models import User
from sessions.core.base import utcnow
from sessions.core.errors import (
    NotFound,
    ShareLinkExpired,
    ShareLinkRevoked,
    ValidationFailed,
)
from sessions.core.store import write_transaction
from sessions.core.validation import (
    clean_text,
    hash_token,
    is_id,
    new_token,
    parse_date,
)
from sessions.report.models import ReportTexts, ShareLink
from sessions.workshops.models import Workshop

TIMEZONE = ZoneInfo("Europe/Oslo")

MAX_ORGANISERS = 300
MAX_SUMMARY = 20_000
MAX_NOTE = 5_000
MAX_LINK_LABEL = 100
MAX_LINKS = 50
# Timeline bucket sizes in minutes; the smallest that gives at most MAX_BUCKETS buckets is used.


def local_time(value: dt.datetime) -> dt.datetime:
    """A stored (naive UTC) time as wall-clock time in Norway."""
    return value.replace(tzinfo=dt.timezone.utc).astimezone(TIMEZONE)


def today_in_norway(now: dt.datetime | None = None) -> dt.date:
    return local_time(now or utcnow()).date()


def texts_for(db: Session, workshop_id: int) -> ReportTexts:
    """The stored report texts, or empty ones (not stored) when nobody wrote any yet."""
    texts = db.get(ReportTexts, workshop_id)
    if texts is None:
        texts = ReportTexts(workshop_id=workshop_id, organisers="", summary="", method_note="", invite_note="", revision=0)
    return texts


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
