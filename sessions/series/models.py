"""A series of workshops (e.g. «Kompetanseløftet 2027»): a name, a description, an owner, and its workshops.

A series holds no personal data beyond its owner: it points at workshops, and everything the series page
and report show is read from those workshops when asked. A workshop is in at most one series (the unique
constraint on ``series_workshops.workshop_id``). Deleting a workshop deletes its membership row
(``ON DELETE CASCADE``, which ``sessions.privacy.service.delete_workshop`` follows); deleting a series
never deletes its workshops; deleting the owner's account deletes the owner's series.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sessions.core.base import Base, utcnow

MAX_NAME = 120
MAX_DESCRIPTION = 2_000
MAX_SERIES_WORKSHOPS = 50


class WorkshopSeries(Base):
    """A series: only its owner sees and edits it (docs/privacy.md, "Series")."""

    __tablename__ = "workshop_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class SeriesWorkshop(Base):
    """A workshop's place in a series (a workshop is in at most one: the primary key is the workshop)."""

    __tablename__ = "series_workshops"

    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("workshop_series.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    added_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
