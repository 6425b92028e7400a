"""«Hos oss» cases in the workshop archive: a local case keeps its municipality and names the need or
proposal it grew from by its index among the archive's contributions (keys left out for other kinds, so an
archive without local cases is the same as before)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sessions.archive.fields import bad
from sessions.contributions.models import (
    MAX_MUNICIPALITY,
    PERSONA_KINDS,
    Contribution,
    ContributionKind,
)
from sessions.core.errors import ValidationFailed
from sessions.core.validation import clean_text


def export_fields(c: Contribution, index: Mapping[int, int]) -> dict[str, Any]:
    """``municipality`` and ``grew_from`` (an index, or None) for a local case; {} for the other kinds."""
    if c.kind != ContributionKind.local:
        return {}
    return {"municipality": c.municipality, "grew_from": index.get(c.grew_from_id) if c.grew_from_id is not None else None}


def parse_fields(entry: Mapping[str, Any], kind: ContributionKind, kinds: Sequence[ContributionKind], where: str) -> tuple[str | None, int | None]:
    """A local case's (municipality, grew_from index); ``kinds`` are the kinds of every contribution of the
    archive in order. Another kind's entry gives (None, None). Raises ValidationFailed (``archive``)."""
    if kind != ContributionKind.local:
        return None, None
    try:
        municipality = clean_text(entry.get("municipality"), "municipality", max_len=MAX_MUNICIPALITY, multiline=False)
    except ValidationFailed as err:
        raise bad(f"{where}.municipality", err.reason) from None
    source = entry.get("grew_from")
    if source is not None and (
        not isinstance(source, int) or isinstance(source, bool) or not 0 <= source < len(kinds) or kinds[source] not in PERSONA_KINDS
    ):
        raise bad(f"{where}.grew_from")
    return municipality, source


def link(added: Sequence[Contribution], sources: Sequence[int | None]) -> None:
    """After the import's flush: point each local case at the contribution it grew from."""
    for c, source in zip(added, sources, strict=True):
        if source is not None:
            c.grew_from_id = added[source].id
