"""Every feature's tables, in one import: what Alembic autogenerates against and what the store's users load.

Each feature keeps its tables in its own ``models.py``, which imports only ``sessions.core``; relationships
between features name their target by string. SQLAlchemy resolves those names when the mappers are first
used, so every table must be imported by then: the app (``facilitator/db.py``), the export worker, the
migrations and the tests import this module, and ``sessions.core.store.make_session_factory`` checks that
the mappers resolve.
"""

from __future__ import annotations

from sessions.accounts.models import User
from sessions.contributions.models import Contribution, ContributionKind, Participant
from sessions.core.base import Base
from sessions.followup.models import FollowUp
from sessions.report.models import ReportTexts, ShareLink
from sessions.rounds.models import LiveState, Round, RoundAssignment, Vote
from sessions.series.models import SeriesWorkshop, WorkshopSeries
from sessions.tags.models import ContributionTag, Tag
from sessions.themes.models import SuggestedTheme, Theme, ThemeBoard, ThemeMember
from sessions.workshop_templates.models import WorkshopTemplate
from sessions.workshops.models import (
    Group,
    Workshop,
    WorkshopFacilitator,
    WorkshopPersona,
)

__all__ = [
    "Base",
    "Contribution",
    "ContributionKind",
    "ContributionTag",
    "FollowUp",
    "Group",
    "LiveState",
    "Participant",
    "ReportTexts",
    "Round",
    "RoundAssignment",
    "SeriesWorkshop",
    "ShareLink",
    "SuggestedTheme",
    "Tag",
    "Theme",
    "ThemeBoard",
    "ThemeMember",
    "User",
    "Vote",
    "Workshop",
    "WorkshopFacilitator",
    "WorkshopPersona",
    "WorkshopSeries",
    "WorkshopTemplate",
]
