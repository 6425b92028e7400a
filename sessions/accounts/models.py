"""Facilitator accounts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    DateTime,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from sessions.core.base import Base, utcnow


class User(Base):
    """A facilitator account."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    api_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


