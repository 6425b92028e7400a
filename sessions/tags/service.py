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
contributions of :func:`sessions.contributions.visible.contributions`) and :func:`tags_by_contribution`.
Nothing here imports Flask.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import (
    func,
    select,
)
from sqlalchemy.orm import Session

from sessions.contributions.models import Contribution, Participant
from sessions.core.errors import (
    NotFound,
    NotYourContribution,
    TagExists,
    TagInUse,
    UnknownTag,
    ValidationFailed,
    WorkshopNotOpen,
)
from sessions.core.store import write_transaction
from sessions.core.validation import MAX_ID, as_id, clean_text
from sessions.rounds.service import lock_workshop
from sessions.tags.models import CATEGORIES, MAX_LABEL, MAX_TAGS, ContributionTag, Tag
from sessions.workshops.models import Workshop
from sessions.workshops.service import next_seq

# -- errors --------------------------------------------------------------------------------------------

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
    value = as_id(value)  # a form's digits, JSON's 51.0
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed(field_name, "not_a_number")
    return value


def _parse_category(value: object) -> str:
    if not isinstance(value, str) or value not in CATEGORIES:
        raise ValidationFailed("category", "unknown_category")
    return value


def _clean_label(value: object) -> str:
    return " ".join(clean_text(value, "label", max_len=MAX_LABEL, multiline=False).split())


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
        ws = lock_workshop(db, ws.id)
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
        ws = lock_workshop(db, ws.id)
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
        ws = lock_workshop(db, ws.id)
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
        ws = lock_workshop(db, ws.id)
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
    for c in items:
        c.seq = next_seq(db, ws.id)


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
        ws = lock_workshop(db, workshop_id)
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
        ws = lock_workshop(db, workshop_id)
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


