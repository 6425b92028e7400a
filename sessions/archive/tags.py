"""The tag vocabulary and the tags on contributions in the workshop archive."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import (
    select,
)
from sqlalchemy.orm import Session

from sessions.contributions.models import Contribution
from sessions.core.errors import ValidationFailed
from sessions.tags.models import MAX_TAGS, ContributionTag, Tag, default_tags
from sessions.tags.service import _clean_label, _parse_category, vocabulary
from sessions.workshops.models import Workshop

# -- the workshop archive (sessions/archive/) ------------------------------------------------------------


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
