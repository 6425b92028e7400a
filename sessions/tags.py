"""Tag vocabulary per workshop and tags on contributions (kind of measure, level, need type).

**Vocabulary.** Three categories (:data:`CATEGORIES`): ``measure`` (kind of measure, *tiltakstype*),
``level`` (*nivå*) and ``need`` (need type after Lai: *anskaffe, utvikle, mobilisere, avvikle*), from
research/domain.md sections 2.2–2.4. Every workshop has its own copy of :data:`DEFAULT_VOCABULARY`: it is
added in the same flush that inserts the workshop (a ``before_flush`` listener, so the form, the API, an
archive import and any other way of making a workshop all get it), and migration 0005 gave the workshops
that existed before the same copy. Facilitators add, rename, reorder and remove their workshop's tags;
editing one workshop's vocabulary never touches another's. Removing a tag that contributions carry needs
``confirm=True`` (:class:`TagInUse` otherwise) and removes those uses too.

**Tagging.** A participant tags their *own* visible contribution while the workshop is open; a facilitator
tags any contribution that is not deleted, in any state (also after the workshop, for the report). Every
change takes the workshop's next sequence number, like an edit, so catch-up carries it, and the
``contribution`` event carries the tags (``Contribution.as_event()["tags"]``). Renaming or removing a tag
re-sends every contribution that carries it. Tags never say who set them.

**For the report.** :func:`measure_kinds_by_persona` (the measure tags by persona, over the visible
contributions of :func:`sessions.participation.contributions`) and :func:`tags_by_contribution`.
Nothing here imports Flask.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, event, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .errors import DomainError, NotFound, NotYourContribution, ValidationFailed, WorkshopNotOpen
from .models import Base, Contribution, Participant, Workshop
from .store import write_transaction
from .validation import MAX_ID, clean_text

# Category keys in display order. The UI names them (facilitator/tagging.py); the keys are stable (API, DB).
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
    pending = list(session.new)
    seeded = {id(o.workshop) for o in pending if isinstance(o, Tag) and o.workshop_id is None}
    for obj in pending:
        if isinstance(obj, Workshop) and id(obj) not in seeded:
            for category, label, position in default_tags():
                session.add(Tag(workshop=obj, category=category, label=label, position=position))


# -- errors --------------------------------------------------------------------------------------------


class UnknownTag(DomainError):
    """The tag is not in this workshop's vocabulary (unknown, removed, or another workshop's: not told apart)."""

    code = "unknown_tag"
    status = 404


class TagExists(DomainError):
    """The category has a tag with that label already (ignoring case)."""

    code = "tag_exists"
    status = 409


class TagInUse(DomainError):
    """Removing a tag that contributions carry needs a confirmation (it removes those uses too)."""

    code = "tag_in_use"
    status = 409


# -- reading the vocabulary ----------------------------------------------------------------------------


def vocabulary(db: Session, workshop_id: int) -> list[Tag]:
    """The workshop's tags in display order: by category, then position."""
    tags = db.scalars(select(Tag).where(Tag.workshop_id == workshop_id)).all()
    return sorted(tags, key=lambda t: t.sort_key)


@dataclass(frozen=True)
class CategoryTags:
    """One category of a vocabulary with its tags in order."""

    category: str
    tags: tuple[Tag, ...]


def grouped(tags: Iterable[Tag]) -> list[CategoryTags]:
    """Tags by category, every category of :data:`CATEGORIES` present (possibly empty), in order."""
    by_cat: dict[str, list[Tag]] = {c: [] for c in CATEGORIES}
    for t in sorted(tags, key=lambda t: t.sort_key):
        by_cat.setdefault(t.category, []).append(t)
    return [CategoryTags(c, tuple(ts)) for c, ts in by_cat.items()]


def tag_uses(db: Session, workshop_id: int) -> dict[int, int]:
    """How many (not deleted) contributions carry each tag of the workshop; tags without uses are left out."""
    rows = db.execute(
        select(ContributionTag.tag_id, func.count())
        .join(Tag, Tag.id == ContributionTag.tag_id)
        .join(Contribution, Contribution.id == ContributionTag.contribution_id)
        .where(Tag.workshop_id == workshop_id, Contribution.deleted.is_(False))
        .group_by(ContributionTag.tag_id)
    ).all()
    return {tag_id: n for tag_id, n in rows}


# -- editing the vocabulary ----------------------------------------------------------------------------


@dataclass
class TagChange:
    """A vocabulary change and the contributions whose tags changed with it (broadcast each)."""

    tag: Tag
    changed: list[Contribution] = field(default_factory=list)
    removed_uses: int = 0


def _parse_id(value: object, field_name: str) -> int:
    if isinstance(value, bool):
        raise ValidationFailed(field_name, "not_a_number")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON 51.0 is the integer 51
    if not isinstance(value, int):
        raise ValidationFailed(field_name, "not_a_number")
    return value


def _parse_category(value: object) -> str:
    if not isinstance(value, str) or value not in CATEGORIES:
        raise ValidationFailed("category", "unknown_category")
    return value


def _clean_label(value: object) -> str:
    return " ".join(clean_text(value, "label", max_len=MAX_LABEL, multiline=False).split())


def _lock(db: Session, workshop_id: int) -> Workshop:
    """The workshop row, locked for this transaction on PostgreSQL (SQLite writers are serialized)."""
    ws = db.scalar(select(Workshop).where(Workshop.id == workshop_id).with_for_update())
    if ws is None:
        raise NotFound("no such workshop")
    return ws


def _tag_of(db: Session, ws: Workshop, tag_id: int) -> Tag:
    tag = db.get(Tag, tag_id) if 0 < tag_id <= MAX_ID else None
    if tag is None or tag.workshop_id != ws.id:
        raise UnknownTag()
    return tag


def _check_unique(db: Session, ws: Workshop, category: str, label: str, except_id: int | None = None) -> None:
    for other in db.scalars(select(Tag).where(Tag.workshop_id == ws.id, Tag.category == category)):
        if other.id != except_id and other.label.casefold() == label.casefold():
            raise TagExists(label=label)


def add_tag(db: Session, ws: Workshop, category: object, label: object) -> Tag:
    """Add a tag at the end of its category."""
    cat = _parse_category(category)
    name = _clean_label(label)
    with write_transaction(db):
        ws = _lock(db, ws.id)
        count = db.scalar(select(func.count()).select_from(Tag).where(Tag.workshop_id == ws.id)) or 0
        if count >= MAX_TAGS:
            raise ValidationFailed("label", "too_many_tags", max=MAX_TAGS)
        _check_unique(db, ws, cat, name)
        last = db.scalar(select(func.max(Tag.position)).where(Tag.workshop_id == ws.id, Tag.category == cat))
        tag = Tag(workshop_id=ws.id, category=cat, label=name, position=(last + 1) if last is not None else 0)
        db.add(tag)
    return tag


def _carrying(db: Session, tag_id: int) -> list[Contribution]:
    """The (not deleted) contributions that carry the tag."""
    return list(
        db.scalars(
            select(Contribution)
            .join(ContributionTag, ContributionTag.contribution_id == Contribution.id)
            .where(ContributionTag.tag_id == tag_id, Contribution.deleted.is_(False))
            .order_by(Contribution.id)
        ).all()
    )


def rename_tag(db: Session, ws: Workshop, tag_id: object, label: object) -> TagChange:
    """Rename a tag; the contributions that carry it take a new sequence number (their chips change)."""
    tid = _parse_id(tag_id, "tag_id")
    name = _clean_label(label)
    with write_transaction(db):
        ws = _lock(db, ws.id)
        tag = _tag_of(db, ws, tid)
        if tag.label == name:
            return TagChange(tag)
        _check_unique(db, ws, tag.category, name, except_id=tag.id)
        tag.label = name
        changed = _carrying(db, tag.id)
        _bump(db, ws, changed)
    return TagChange(tag, changed)


def parse_position(value: object) -> int:
    pos = _parse_id(value, "position")
    if not 0 <= pos <= MAX_TAGS:
        raise ValidationFailed("position", "out_of_range", min=0, max=MAX_TAGS)
    return pos


def move_tag(db: Session, ws: Workshop, tag_id: object, *, offset: int = 0, position: object = None) -> TagChange:
    """Move a tag within its category: ``offset`` places up (-1) or down (+1), or to ``position`` (0-based)."""
    tid = _parse_id(tag_id, "tag_id")
    target = parse_position(position) if position is not None else None
    with write_transaction(db):
        ws = _lock(db, ws.id)
        tag = _tag_of(db, ws, tid)
        siblings = sorted(
            db.scalars(select(Tag).where(Tag.workshop_id == ws.id, Tag.category == tag.category)).all(),
            key=lambda t: t.sort_key,
        )
        i = siblings.index(tag)
        j = target if target is not None else i + offset
        j = max(0, min(len(siblings) - 1, j))
        siblings.insert(j, siblings.pop(i))
        for pos, t in enumerate(siblings):
            t.position = pos
    return TagChange(tag)


def remove_tag(db: Session, ws: Workshop, tag_id: object, *, confirm: bool = False) -> TagChange:
    """Remove a tag from the vocabulary. If contributions carry it, ``confirm`` must be true: their uses
    go too, and those contributions take a new sequence number. Raises :class:`TagInUse` otherwise."""
    tid = _parse_id(tag_id, "tag_id")
    with write_transaction(db):
        ws = _lock(db, ws.id)
        tag = _tag_of(db, ws, tid)
        changed = _carrying(db, tag.id)
        if changed and not confirm:
            raise TagInUse(uses=len(changed), label=tag.label)
        for c in changed:
            for link in [link for link in c.tag_links if link.tag_id == tag.id]:
                c.tag_links.remove(link)
        db.flush()
        # Uses on deleted contributions (tombstones) go with the tag too.
        for link in db.scalars(select(ContributionTag).where(ContributionTag.tag_id == tag.id)).all():
            db.delete(link)
        db.flush()
        db.delete(tag)
        _bump(db, ws, changed)
    return TagChange(tag, changed, removed_uses=len(changed))


# -- tagging -------------------------------------------------------------------------------------------


@dataclass
class Tagged:
    """A contribution after a tagging request; ``changed`` is False when it already was as asked."""

    contribution: Contribution
    changed: bool


def _bump(db: Session, ws: Workshop, items: Sequence[Contribution]) -> None:
    from .participation import _next_seq

    for c in items:
        c.seq = _next_seq(db, ws.id)


def _target(db: Session, ws: Workshop, contribution_id: object, participant: Participant | None) -> Contribution:
    cid = _parse_id(contribution_id, "contribution_id")
    c = db.get(Contribution, cid) if 0 < cid <= MAX_ID else None
    if c is None or c.workshop_id != ws.id or c.deleted:
        raise NotFound("no such contribution")
    if participant is not None:
        if participant.workshop_id != ws.id or c.hidden or c.merged_into_id is not None:
            raise NotFound("no such contribution")
        if c.participant_id != participant.id:
            raise NotYourContribution(reason="tag")
        if not ws.accepting_contributions:
            raise WorkshopNotOpen(state=ws.status.value)
    return c


def _apply(db: Session, ws: Workshop, c: Contribution, wanted: set[int]) -> bool:
    have = {link.tag_id for link in c.tag_links}
    if have == wanted:
        return False
    for link in [link for link in c.tag_links if link.tag_id not in wanted]:
        c.tag_links.remove(link)
    for tid in sorted(wanted - have):
        c.tag_links.append(ContributionTag(tag=db.get_one(Tag, tid)))
    db.flush()
    _bump(db, ws, [c])
    return True


def set_tag(
    db: Session, workshop_id: int, contribution_id: object, tag_id: object, on: object = True, *, participant: Participant | None = None
) -> Tagged:
    """Put one tag on a contribution (``on`` true) or take it off.

    With ``participant`` the contribution must be theirs, visible, and the workshop open; without, the
    caller is a facilitator of the workshop (the web layer checks that). Nothing changes on any error.
    """
    tid = _parse_id(tag_id, "tag_id")
    want_on = parse_on(on)
    with write_transaction(db):
        ws = _lock(db, workshop_id)
        c = _target(db, ws, contribution_id, participant)
        _tag_of(db, ws, tid)
        wanted = {link.tag_id for link in c.tag_links}
        if want_on:
            wanted.add(tid)
        else:
            wanted.discard(tid)
        changed = _apply(db, ws, c, wanted)
    return Tagged(c, changed)


def set_tags(
    db: Session, workshop_id: int, contribution_id: object, tag_ids: object, *, participant: Participant | None = None
) -> Tagged:
    """Replace a contribution's tags with ``tag_ids`` (a list of this workshop's tag ids; may be empty)."""
    if not isinstance(tag_ids, list) or len(tag_ids) > MAX_TAGS:
        raise ValidationFailed("tag_ids", "not_a_list_of_tags")
    ids = {_parse_id(t, "tag_ids") for t in tag_ids}
    with write_transaction(db):
        ws = _lock(db, workshop_id)
        c = _target(db, ws, contribution_id, participant)
        for tid in sorted(ids):
            _tag_of(db, ws, tid)
        changed = _apply(db, ws, c, ids)
    return Tagged(c, changed)


def parse_on(value: object, field_name: str = "on") -> bool:
    """Yes or no from JSON (``true``/``false``) or a form or query (``1``/``0``, ``true``/``false``, ...)."""
    if isinstance(value, bool):
        return value
    if value in (None, 1, "1", "true", "on", "yes"):
        return True
    if value in (0, "0", "false", "off", "no", ""):
        return False
    raise ValidationFailed(field_name, "not_a_boolean")


# -- for the report ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureRow:
    """One persona's row of :class:`MeasureTable`."""

    persona_id: int | None  # None: contributions whose persona was removed from the workshop
    persona: str  # the persona's name ("" for those contributions)
    counts: tuple[int, ...]  # per measure tag (the table's columns): visible contributions carrying it
    contributions: int  # all visible contributions for this persona, tagged or not
    tagged: int  # of those, how many carry at least one measure tag

    @property
    def total(self) -> int:
        """Measure tags placed on this persona's contributions (a contribution may carry several)."""
        return sum(self.counts)


@dataclass(frozen=True)
class MeasureTable:
    """Kinds of measure by persona: a table with one column per measure tag and one row per persona.

    Counts only the contributions that :func:`sessions.participation.contributions` calls visible (no
    deleted, hidden or merged-away ones). Columns are the workshop's measure tags in vocabulary order.
    """

    measure_ids: tuple[int, ...]
    measures: tuple[str, ...]  # the column labels
    rows: tuple[MeasureRow, ...]  # personas in workshop order (+ a row for a removed persona's contributions)

    @property
    def totals(self) -> tuple[int, ...]:
        """Per column: visible contributions carrying the tag, over all personas."""
        return tuple(sum(r.counts[i] for r in self.rows) for i in range(len(self.measures)))

    @property
    def is_empty(self) -> bool:
        """No visible contribution carries a measure tag."""
        return not any(self.totals)


def measure_kinds_by_persona(db: Session, workshop_id: int) -> MeasureTable:
    """The measure tags by persona over the workshop's visible contributions."""
    from .participation import contributions
    from .models import WorkshopPersona

    measures = [t for t in vocabulary(db, workshop_id) if t.category == MEASURE]
    col = {t.id: i for i, t in enumerate(measures)}
    personas = db.scalars(
        select(WorkshopPersona).where(WorkshopPersona.workshop_id == workshop_id).order_by(WorkshopPersona.position, WorkshopPersona.id)
    ).all()
    known = {p.id for p in personas}
    counts: dict[int | None, list[int]] = {p.id: [0] * len(measures) for p in personas}
    totals: dict[int | None, int] = {p.id: 0 for p in personas}
    tagged: dict[int | None, int] = {p.id: 0 for p in personas}
    for c in contributions(db, workshop_id):
        pid = c.persona_id if c.persona_id in known else None
        row = counts.setdefault(pid, [0] * len(measures))
        totals[pid] = totals.get(pid, 0) + 1
        hits = [col[link.tag_id] for link in c.tag_links if link.tag_id in col]
        for i in hits:
            row[i] += 1
        if hits:
            tagged[pid] = tagged.get(pid, 0) + 1
    rows = [MeasureRow(p.id, p.name, tuple(counts[p.id]), totals[p.id], tagged[p.id]) for p in personas]
    if None in counts:
        rows.append(MeasureRow(None, "", tuple(counts[None]), totals.get(None, 0), tagged.get(None, 0)))
    return MeasureTable(tuple(t.id for t in measures), tuple(t.label for t in measures), tuple(rows))


def tags_by_contribution(db: Session, workshop_id: int) -> dict[int, tuple[str, ...]]:
    """The tag labels (vocabulary order) of every tagged, not deleted contribution of the workshop, by id."""
    rows = db.execute(
        select(ContributionTag.contribution_id, Tag)
        .join(Tag, Tag.id == ContributionTag.tag_id)
        .join(Contribution, Contribution.id == ContributionTag.contribution_id)
        .where(Tag.workshop_id == workshop_id, Contribution.deleted.is_(False))
    ).all()
    out: dict[int, list[Tag]] = {}
    for cid, tag in rows:
        out.setdefault(cid, []).append(tag)
    return {cid: tuple(t.label for t in sorted(tags, key=lambda t: t.sort_key)) for cid, tags in out.items()}


# -- the workshop archive (sessions/archive.py) ------------------------------------------------------------


def export_for_archive(db: Session, workshop_id: int) -> list[dict[str, str]]:
    """The vocabulary in display order, ``[{"category", "label"}]``."""
    return [{"category": t.category, "label": t.label} for t in vocabulary(db, workshop_id)]


def archive_tags_by_contribution(db: Session, workshop_id: int) -> dict[int, list[dict[str, str]]]:
    """Each tagged (not deleted) contribution's tags as the archive names them, ``[{"category", "label"}]``."""
    out: dict[int, list[Tag]] = {}
    rows = db.execute(
        select(ContributionTag.contribution_id, Tag).join(Tag, Tag.id == ContributionTag.tag_id).where(Tag.workshop_id == workshop_id)
    ).all()
    for cid, tag in rows:
        out.setdefault(cid, []).append(tag)
    return {cid: [{"category": t.category, "label": t.label} for t in sorted(ts, key=lambda t: t.sort_key)] for cid, ts in out.items()}


@dataclass(frozen=True)
class ArchivedTags:
    """Tags read from an archive: the vocabulary (category, label) in order, and each contribution's tags
    as indexes into it (per contribution, in archive order)."""

    vocabulary: tuple[tuple[str, str], ...]
    tags_of: tuple[tuple[int, ...], ...]


def parse_archive(vocab: object, contribution_tags: Sequence[object]) -> ArchivedTags:
    """Validate the archive's ``tag_vocabulary`` and the contributions' ``tags`` (nothing is stored here).

    Without a vocabulary (an archive from before tags) the built-in one is used. A contribution may name a
    tag the vocabulary lacks (an archive written by hand): it is added at the end of its category.
    """

    def bad(where: str) -> ValidationFailed:
        return ValidationFailed("archive", "bad_archive", where=where)

    def entry(value: object, where: str) -> tuple[str, str]:
        if not isinstance(value, dict):
            raise bad(where)
        try:
            return _parse_category(value.get("category")), _clean_label(value.get("label"))
        except ValidationFailed:
            raise bad(where) from None

    if vocab is None:
        vocab = [{"category": c, "label": lab} for c, lab, _ in default_tags()]
    if not isinstance(vocab, list) or len(vocab) > MAX_TAGS:
        raise bad("tag_vocabulary")
    out: list[tuple[str, str]] = []
    index: dict[tuple[str, str], int] = {}
    for i, v in enumerate(vocab):
        cat, label = entry(v, f"tag_vocabulary[{i}]")
        if (cat, label.casefold()) in index:
            raise bad(f"tag_vocabulary[{i}].label")
        index[(cat, label.casefold())] = len(out)
        out.append((cat, label))
    tags_of: list[tuple[int, ...]] = []
    for i, given in enumerate(contribution_tags):
        if given is None:
            given = []
        if not isinstance(given, list) or len(given) > MAX_TAGS:
            raise bad(f"contributions[{i}].tags")
        picked: list[int] = []
        for j, g in enumerate(given):
            cat, label = entry(g, f"contributions[{i}].tags[{j}]")
            if (cat, label.casefold()) not in index:
                if len(out) >= MAX_TAGS:
                    raise bad(f"contributions[{i}].tags[{j}]")
                index[(cat, label.casefold())] = len(out)
                out.append((cat, label))
            if index[(cat, label.casefold())] not in picked:
                picked.append(index[(cat, label.casefold())])
        tags_of.append(tuple(picked))
    return ArchivedTags(tuple(out), tuple(tags_of))


def import_from_archive(db: Session, ws: Workshop, archived: ArchivedTags) -> None:
    """Inside the import's transaction: the archive's vocabulary instead of the built-in copy, and the
    imported contributions (numbered 1, 2, … in archive order by ``seq``) tagged."""
    db.flush()
    for old in db.scalars(select(Tag).where(Tag.workshop_id == ws.id)).all():
        db.delete(old)
    db.flush()
    positions: dict[str, int] = {}
    made: list[Tag] = []
    for category, label in archived.vocabulary:
        tag = Tag(workshop_id=ws.id, category=category, label=label, position=positions.get(category, 0))
        positions[category] = positions.get(category, 0) + 1
        db.add(tag)
        made.append(tag)
    db.flush()
    by_seq = dict(db.execute(select(Contribution.seq, Contribution.id).where(Contribution.workshop_id == ws.id)).all())
    for seq, picked in enumerate(archived.tags_of, start=1):
        for which in picked:
            db.add(ContributionTag(contribution_id=by_seq[seq], tag_id=made[which].id))
