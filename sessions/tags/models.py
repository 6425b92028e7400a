"""Tag tables: one workshop's vocabulary (``tags``) and the tags on contributions (``contribution_tags``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

if TYPE_CHECKING:
    from sessions.workshops.models import Workshop

from sessions.core.base import Base

# Category keys in display order. The UI names them (facilitator/tags/views.py); the keys are stable (API, DB).
CATEGORIES: tuple[str, ...] = ("measure", "level", "need")
MEASURE = "measure"
MAX_LABEL = 40
MAX_TAGS = 80  # per workshop, all categories

# The built-in Norwegian vocabulary (bokmål; research/domain.md 2.2 kinds of measure, 2.4 levels, 2.3 the
# Lai/Måsøy need categories). Migration 0005 holds a frozen copy of this list for existing workshops.
DEFAULT_VOCABULARY: dict[str, tuple[str, ...]] = {
    "measure": (
        "kurs",
        "e-læring",
        "fagdag/seminar",
        "samlingsbasert utdanning",
        "videreutdanning",
        "lederopplæring",
        "fagbrev/lærling",
        "hospitering",
        "jobbrotasjon",
        "mentor/veiledning",
        "nettverk",
        "erfaringsdeling/refleksjon",
        "introduksjon for nyansatte",
        "praksis/trainee",
        "rekruttering",
        "stipend/permisjon",
        "organisatorisk grep",
    ),
    "level": ("individ", "gruppe/avdeling", "organisasjon", "interkommunalt"),
    "need": ("anskaffe", "utvikle", "mobilisere", "avvikle"),
}


# -- entities ----------------------------------------------------------------------------------------


class Tag(Base):
    """One tag of one workshop's vocabulary."""

    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("workshop_id", "category", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(MAX_LABEL))
    position: Mapped[int] = mapped_column(Integer, default=0)

    workshop: Mapped[Workshop] = relationship()

    @property
    def sort_key(self) -> tuple[int, int, int]:
        return (_category_index(self.category), self.position, self.id or 0)

    def as_chip(self) -> dict[str, Any]:
        """The tag as it travels in a contribution's payload."""
        return {"id": self.id, "label": self.label, "category": self.category}

    def as_dict(self, uses: int | None = None) -> dict[str, Any]:
        """The tag as the vocabulary API lists it."""
        out: dict[str, Any] = {"id": self.id, "category": self.category, "label": self.label, "position": self.position}
        if uses is not None:
            out["uses"] = uses
        return out


class ContributionTag(Base):
    """A tag on a contribution. Who set it is not stored."""

    __tablename__ = "contribution_tags"

    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True)

    # Loaded with the link (one query for all links of a list of contributions, see Contribution.tag_links).
    tag: Mapped[Tag] = relationship(lazy="joined", innerjoin=True)

    @property
    def sort_key(self) -> tuple[int, int, int]:
        return self.tag.sort_key

    @property
    def chip(self) -> dict[str, Any]:
        return self.tag.as_chip()


def _category_index(category: str) -> int:
    try:
        return CATEGORIES.index(category)
    except ValueError:
        return len(CATEGORIES)


def default_tags() -> list[tuple[str, str, int]]:
    """``(category, label, position)`` of the built-in vocabulary."""
    return [(cat, label, i) for cat in CATEGORIES for i, label in enumerate(DEFAULT_VOCABULARY[cat])]


@event.listens_for(Session, "before_flush")
def _seed_new_workshops(session: Session, _flush_context: Any, _instances: Any) -> None:
    """Give every workshop that is about to be inserted its copy of the built-in vocabulary."""
    # The class Tag.workshop points at (sessions.workshops.models.Workshop): named by the relationship,
    # so this module imports only the core.
    workshop_class = Tag.workshop.property.mapper.class_
    pending = list(session.new)
    seeded = {id(o.workshop) for o in pending if isinstance(o, Tag) and o.workshop_id is None}
    for obj in pending:
        if isinstance(obj, workshop_class) and id(obj) not in seeded:
            for category, label, position in default_tags():
                session.add(Tag(workshop=obj, category=category, label=label, position=position))

