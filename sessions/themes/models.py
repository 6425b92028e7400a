"""Theme board tables: themes, their members, the suggester's proposals and each board's revision."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    JSON,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from sessions.core.base import Base, utcnow

MAX_THEME_NAME = 80
MAX_THEMES = 100
# A new suggestion whose members overlap a rejected one's this much (|A ∩ B| / |A ∪ B|) is left out.
REJECTED_OVERLAP = 0.5
# Suggestions with fewer members that are still visible and ungrouped are not shown (nor accepted).
MIN_SUGGESTION_MEMBERS = 2


class ThemeOrigin(str, enum.Enum):
    manual = "manual"
    suggested = "suggested"


class SuggestionStatus(str, enum.Enum):
    pending = "pending"
    accepted = "accepted"
    rejected = "rejected"
    superseded = "superseded"  # a newer refresh replaced it
    merged = "merged"  # a facilitator merged it with another pending one into a new suggestion


class Theme(Base):
    """A named theme on a workshop's board."""

    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(MAX_THEME_NAME))
    position: Mapped[int] = mapped_column(Integer, default=0)
    origin: Mapped[ThemeOrigin] = mapped_column(
        Enum(ThemeOrigin, native_enum=False, length=16), default=ThemeOrigin.manual
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ThemeMember(Base):
    """A contribution in a theme; the contribution is the key, so it is in at most one theme."""

    __tablename__ = "theme_members"

    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id", ondelete="CASCADE"), primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"), index=True)
    # Members are listed in the order they were put into the theme.
    added_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class SuggestedTheme(Base):
    """A theme the suggester proposed: its name and members as proposed, and what became of it."""

    __tablename__ = "suggested_themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    batch: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(MAX_THEME_NAME))
    # Contribution ids as proposed (kept as they were: a rejected set is compared with later ones).
    member_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Why it was suggested (words two or more members wrote) and how sure the suggester is (0-1).
    shared_words: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    confidence: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    # The existing theme it resembles, if any (sessions.themes.nearest), and the words both use.
    near_theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"), default=None)
    near_words: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    status: Mapped[SuggestionStatus] = mapped_column(
        Enum(SuggestionStatus, native_enum=False, length=16), default=SuggestionStatus.pending
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None)


class ThemeBoard(Base):
    """Per workshop: the board's revision (one step per change) and the latest suggestion batch."""

    __tablename__ = "theme_boards"

    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    batch: Mapped[int] = mapped_column(Integer, default=0)
    suggested_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None)

