"""«Hos oss»: reading the local cases (contributions of kind ``local``) a workshop's tables wrote about their own
municipalities, each linked to the persona need or proposal it grew from.

Writing one is an ordinary post (``sessions.contributions.service.post_contribution`` with ``municipality``
and ``grew_from_id``); this module answers what the phone's form, the follow-up page and the report ask:
the municipalities already named, the needs and proposals a case may grow from, and the cases by municipality.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sessions.contributions.models import PERSONA_KINDS, Contribution, ContributionKind
from sessions.contributions.visible import contributions


def municipalities(db: Session, workshop_id: int) -> list[str]:
    """The municipalities named in this workshop's visible local cases, alphabetically (the form's datalist)."""
    names = db.scalars(
        select(Contribution.municipality)
        .where(
            Contribution.workshop_id == workshop_id,
            Contribution.kind == ContributionKind.local,
            Contribution.deleted.is_(False),
            Contribution.hidden.is_(False),
            Contribution.municipality.is_not(None),
        )
        .distinct()
    ).all()
    return sorted(names, key=str.casefold)


def origins(items: Sequence[Contribution], persona_id: int | None) -> list[Contribution]:
    """Of ``items`` (visible contributions, e.g. a table's), the needs then proposals for ``persona_id``: what a
    case may say it grew from."""
    mine = [c for c in items if c.kind in PERSONA_KINDS and not c.hidden and (persona_id is None or c.persona_id == persona_id)]
    return sorted(mine, key=lambda c: (PERSONA_KINDS.index(c.kind), c.seq))


@dataclass(frozen=True)
class LocalCaseEntry:
    """One visible local case with what it grew from (``origin_kind``/``origin_text`` "" when it names none, or
    the need or proposal is no longer visible)."""

    id: int
    text: str
    municipality: str
    group_id: int
    persona_id: int | None
    origin_id: int | None
    origin_kind: str
    origin_text: str


@dataclass(frozen=True)
class MunicipalityCases:
    municipality: str
    cases: tuple[LocalCaseEntry, ...]


def cases_by_municipality(visible: Sequence[Contribution]) -> tuple[MunicipalityCases, ...]:
    """The local cases of ``visible`` (a workshop's visible contributions, oldest first) by municipality
    (alphabetically), each case in the order written, with the text of the need or proposal it grew from."""
    by_id = {c.id: c for c in visible}
    groups: dict[str, list[LocalCaseEntry]] = {}
    for c in visible:
        if c.kind != ContributionKind.local:
            continue
        origin = by_id.get(c.grew_from_id) if c.grew_from_id is not None else None
        if origin is not None and (origin.kind not in PERSONA_KINDS or origin.hidden):
            origin = None
        groups.setdefault(c.municipality or "", []).append(
            LocalCaseEntry(
                id=c.id,
                text=c.text,
                municipality=c.municipality or "",
                group_id=c.group_id,
                persona_id=c.persona_id,
                origin_id=origin.id if origin else None,
                origin_kind=origin.kind.value if origin else "",
                origin_text=origin.text if origin else "",
            )
        )
    return tuple(MunicipalityCases(m, tuple(cs)) for m, cs in sorted(groups.items(), key=lambda kv: kv[0].casefold()))


def local_cases(db: Session, workshop_id: int) -> tuple[MunicipalityCases, ...]:
    """The workshop's visible local cases by municipality (:func:`cases_by_municipality`)."""
    return cases_by_municipality(contributions(db, workshop_id))
