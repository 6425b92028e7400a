"""A workshop template: a snapshot of a workshop's structure (migration 0011).

The snapshot is a document, not rows: the introduction, the personas (every field, library copies and
custom ones), the groups (name and persona key), the plan of rounds (each round's plan columns, never its
run state) and the tag vocabulary, in the same shape as the template file (``content.py``). A workshop made
from a template copies the document, so editing or deleting the template never changes it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sessions.core.base import Base, utcnow

if TYPE_CHECKING:
    from sessions.accounts.models import User

MAX_NAME = 120
MAX_DESCRIPTION = 2000


class WorkshopTemplate(Base):
    __tablename__ = "workshop_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Built-in templates (data files in sessions/workshop_templates/) have a key and no owner; nobody edits them.
    builtin_key: Mapped[str | None] = mapped_column(String(40), unique=True, default=None)
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    description: Mapped[str] = mapped_column(Text, default="")
    intro: Mapped[str] = mapped_column(Text, default="")
    personas: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    groups: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    rounds: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    tags: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The facilitator who made it; NULL for built-ins and once the owner's account is deleted (docs/privacy.md).
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    owner: Mapped[User | None] = relationship()

    @property
    def is_builtin(self) -> bool:
        return self.builtin_key is not None

    @property
    def persona_names(self) -> list[str]:
        return [str(p.get("name", "")) for p in self.personas or []]
