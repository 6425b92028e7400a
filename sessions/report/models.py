"""What the facilitators write for the report, and the organisers' share links."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from sessions.core.base import Base, utcnow


class ReportTexts(Base):
    """What the facilitators write for the report: organisers, the summary, the method note, who to invite.

    Summary and notes are Markdown; every format renders them sanitized (``facilitator/exports/markup.py``).
    """

    __tablename__ = "report_texts"

    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True)
    organisers: Mapped[str] = mapped_column(String(300), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    method_note: Mapped[str] = mapped_column(Text, default="")
    invite_note: Mapped[str] = mapped_column(Text, default="")
    # Increases with every save, so an autosaving editor can tell its own save from a newer one.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None)


class ShareLink(Base):
    """A read-only link to a workshop's report for organisers: unguessable, revocable, optionally expiring.

    Only the sha256 of the token is stored; the link is shown once, when it is made.
    """

    __tablename__ = "share_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    # Last day (Europe/Oslo) on which the link works; None: until revoked.
    expires_on: Mapped[dt.date | None] = mapped_column(Date, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None)


