"""The series report: the workshops of a series side by side, as one model of plain dataclasses.

:func:`series_report` reads everything once; the series page, the JSON API and every file format
(``facilitator/exports/series.py``: page, DOCX, PDF, XLSX) render this one model. Sections:

1. **Overview** (:class:`WorkshopColumn`): per workshop title, date, place, status, participants and
   visible contributions (needs and proposals).
2. **Contributions per persona per workshop** (:class:`PersonaTable`): rows are personas matched across
   workshops by persona *key* (workshops made from the same library personas or template share keys),
   columns the workshops, plus a total. Counts the contributions that
   :func:`sessions.contributions.visible.contributions` calls visible (no deleted, hidden or merged-away).
3. **Recurring themes** (:class:`RecurringTheme`): the theme suggester (:mod:`sessions.themes.suggest`)
   run once over the visible contributions of all the series' workshops; each theme says which workshops
   and personas it spans, most workshops first.
4. **Measure kinds per workshop** (:class:`MeasureTable`): each workshop's measure tags
   (:func:`sessions.tags.report.measure_kinds_by_persona`, summed over its personas), matched by label.
5. **Follow-up status per workshop** (:class:`FollowUpCounts`): items per status.
6. **Participants by role across the series** (:class:`RoleTable`): the workshop report's k-anonymity
   rule (:func:`sessions.contributions.roles.choose_groups`, at least three people per group shown, the
   rest folded into «Andre/ikke oppgitt» or suppressed).
7. ``followup_history``: the status history of the follow-up items across meetings (:class:`HistoryRow`,
   one per step: a change on the register page or an assessment at a review meeting), workshop by workshop.

Nothing here imports Flask.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sessions.contributions.models import PERSONA_KINDS, Participant
from sessions.contributions.roles import MIN_GROUP, OTHER, choose_groups, tally_roles
from sessions.contributions.visible import contributions as visible_contributions
from sessions.core.base import utcnow
from sessions.followup.history import Step
from sessions.followup.models import REPORT_ORDER
from sessions.followup.register import FollowUpRegister, followups_for_report
from sessions.series.models import WorkshopSeries
from sessions.series.service import workshops_of
from sessions.tags.report import measure_kinds_by_persona
from sessions.themes.suggest import ThemeInput, suggest_themes
from sessions.workshops.models import Workshop, WorkshopPersona

MAX_THEMES = 20
FOLLOWUP_STATUSES = tuple(s.value for s in REPORT_ORDER)  # achieved, not_far_enough, next_focus, open


@dataclass(frozen=True)
class WorkshopColumn:
    """One workshop of the series, as the overview shows it."""

    id: int
    title: str
    date: dt.date | None
    place: str
    status: str  # draft | open | closed
    participants: int
    needs: int
    solutions: int

    @property
    def contributions(self) -> int:
        return self.needs + self.solutions


@dataclass(frozen=True)
class PersonaRow:
    """One persona (matched by key across workshops): its visible contributions in each workshop."""

    key: str | None  # None: contributions whose persona was removed from their workshop
    name: str
    counts: tuple[int, ...]  # per workshop, in the series' order
    present: tuple[bool, ...]  # whether the workshop has this persona at all

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def workshops(self) -> int:
        """In how many workshops this persona got at least one contribution."""
        return sum(1 for n in self.counts if n)


@dataclass(frozen=True)
class PersonaTable:
    rows: tuple[PersonaRow, ...]

    def totals(self, n_workshops: int) -> tuple[int, ...]:
        return tuple(sum(r.counts[i] for r in self.rows) for i in range(n_workshops))


@dataclass(frozen=True)
class MeasureRow:
    label: str
    counts: tuple[int, ...]  # per workshop: visible contributions carrying this measure tag

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class MeasureTable:
    """Measure kinds (rows, matched by label) per workshop (columns). Only kinds in use are rows."""

    rows: tuple[MeasureRow, ...]
    tagged: tuple[int, ...]  # per workshop: visible contributions with at least one measure tag


@dataclass(frozen=True)
class FollowUpCounts:
    """A workshop's follow-up items per status (keys: FOLLOWUP_STATUSES)."""

    workshop_id: int
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class RecurringTheme:
    """A theme the suggester found over the whole series, with the workshops and personas it spans."""

    name: str
    shared_words: tuple[str, ...]
    workshop_ids: tuple[int, ...]  # in series order
    workshops: tuple[str, ...]  # their titles
    personas: tuple[str, ...]  # persona names, in persona-table order
    size: int  # contributions in it
    counts: tuple[int, ...]  # per workshop of the series: its contributions in the theme


@dataclass(frozen=True)
class RoleGroupRow:
    role: str  # a key of sessions.contributions.roles.ROLES, or OTHER
    participants: int
    needs: int
    solutions: int


@dataclass(frozen=True)
class RoleTable:
    """Participants by self-declared role across the series; no group shown has fewer than ``min_group``."""

    min_group: int
    groups: tuple[RoleGroupRow, ...]
    declared: bool  # someone gave a role
    suppressed: bool  # the remainder was too small to show, so nothing is shown

    @property
    def comparable(self) -> bool:
        return any(g.role != OTHER for g in self.groups)


@dataclass(frozen=True)
class SeriesReport:
    id: int
    name: str
    description: str
    workshops: tuple[WorkshopColumn, ...]
    personas: PersonaTable
    themes: tuple[RecurringTheme, ...]
    measures: MeasureTable
    followups: tuple[FollowUpCounts, ...]  # one per workshop, in series order
    roles: RoleTable
    generated_at: dt.datetime  # naive UTC
    # The status history of follow-up items across meetings (followup_history()).
    followup_history: tuple[HistoryRow, ...] = field(default=())

    @property
    def participants(self) -> int:
        return sum(w.participants for w in self.workshops)

    @property
    def contributions(self) -> int:
        return sum(w.contributions for w in self.workshops)


# -- building ----------------------------------------------------------------------------------------


def _personas(db: Session, workshops: Sequence[Workshop]) -> dict[int, list[WorkshopPersona]]:
    out: dict[int, list[WorkshopPersona]] = {ws.id: [] for ws in workshops}
    rows = db.scalars(
        select(WorkshopPersona).where(WorkshopPersona.workshop_id.in_(list(out))).order_by(WorkshopPersona.position, WorkshopPersona.id)
    ).all()
    for p in rows:
        out[p.workshop_id].append(p)
    return out


def _persona_table(workshops: Sequence[Workshop], personas: dict[int, list[WorkshopPersona]], visible: dict[int, Sequence[Any]]) -> PersonaTable:
    order: dict[str | None, str] = {}  # key -> name, first workshop's name, in first-seen order
    for ws in workshops:
        for p in personas[ws.id]:
            order.setdefault(p.key, p.name)
    counts: dict[str | None, list[int]] = {k: [0] * len(workshops) for k in order}
    for i, ws in enumerate(workshops):
        key_of = {p.id: p.key for p in personas[ws.id]}
        for c in visible[ws.id]:
            key = key_of.get(c.persona_id) if c.persona_id is not None else None
            counts.setdefault(key, [0] * len(workshops))[i] += 1
    rows = [
        PersonaRow(k, name, tuple(counts[k]), tuple(any(p.key == k for p in personas[ws.id]) for ws in workshops)) for k, name in order.items()
    ]
    if None in counts:
        rows.append(PersonaRow(None, "", tuple(counts[None]), tuple(False for _ in workshops)))
    return PersonaTable(tuple(rows))


def _measures(db: Session, workshops: Sequence[Workshop]) -> MeasureTable:
    labels: dict[str, str] = {}  # casefolded -> label as first written
    per_ws: list[dict[str, int]] = []
    tagged: list[int] = []
    for ws in workshops:
        table = measure_kinds_by_persona(db, ws.id)
        found: dict[str, int] = {}
        for label, total in zip(table.measures, table.totals, strict=True):
            labels.setdefault(label.casefold(), label)
            found[label.casefold()] = found.get(label.casefold(), 0) + total
        per_ws.append(found)
        tagged.append(sum(r.tagged for r in table.rows))
    rows = [MeasureRow(label, tuple(f.get(key, 0) for f in per_ws)) for key, label in labels.items()]
    return MeasureTable(tuple(r for r in rows if r.total), tuple(tagged))


def _themes(
    workshops: Sequence[Workshop],
    personas: dict[int, list[WorkshopPersona]],
    visible: dict[int, Sequence[Any]],
    table: PersonaTable,
    run: Callable[[Callable[[], Any]], Any],
) -> tuple[RecurringTheme, ...]:
    where: dict[int, tuple[int, str | None]] = {}  # contribution id -> (workshop index, persona key)
    items: list[ThemeInput] = []
    names: set[str] = set()
    for i, ws in enumerate(workshops):
        key_of = {p.id: p.key for p in personas[ws.id]}
        names |= {p.name for p in personas[ws.id]}
        for c in visible[ws.id]:
            key = key_of.get(c.persona_id) if c.persona_id is not None else None
            where[c.id] = (i, key)
            items.append(ThemeInput(id=c.id, text=c.text, persona=key or f"p{c.persona_id}", kind=c.kind.value))
    row_of = {r.key: n for n, r in enumerate(table.rows)}
    out = []
    key = (tuple(items), tuple(sorted(names)))
    for s in run(lambda: _suggest(*key)):
        counts = [0] * len(workshops)
        keys: set[str | None] = set()
        for cid in s.member_ids:
            i, key = where[int(cid)]  # type: ignore[call-overload]
            counts[i] += 1
            keys.add(key)
        idx = tuple(i for i, n in enumerate(counts) if n)
        rows = sorted(row_of[k] for k in keys if k in row_of)
        out.append(
            RecurringTheme(
                name=s.name,
                shared_words=tuple(s.shared_words),
                workshop_ids=tuple(workshops[i].id for i in idx),
                workshops=tuple(workshops[i].title for i in idx),
                personas=tuple(table.rows[n].name for n in rows if table.rows[n].key is not None),
                size=s.size,
                counts=tuple(counts),
            )
        )
    out.sort(key=lambda t: (-len(t.workshop_ids), -len(t.personas), -t.size))
    return tuple(out[:MAX_THEMES])


@functools.lru_cache(maxsize=8)
def _suggest(items: tuple[ThemeInput, ...], names: tuple[str, ...]) -> list[Any]:
    """The suggester over the series' contributions, remembered for the same input (ids, texts, personas):
    it takes seconds for a thousand contributions on a busy machine, and the series page, its report and
    the files ask again for the same set. Any change to a visible contribution changes the input."""
    return suggest_themes(items, persona_names=names)


def _followups(registers: Sequence[FollowUpRegister]) -> tuple[FollowUpCounts, ...]:
    return tuple(FollowUpCounts(reg.workshop_id, {sec.status: len(sec.items) for sec in reg.sections}) for reg in registers)


def _roles(db: Session, workshops: Sequence[Workshop], visible: dict[int, Sequence[Any]], min_group: int) -> RoleTable:
    """The workshop report's rule (roles.choose_groups) over every participant of the series."""
    ids = [ws.id for ws in workshops]
    people = db.execute(select(Participant.id, Participant.role).where(Participant.workshop_id.in_(ids))).all()
    tallies, declared = tally_roles(people, (c for ws in workshops for c in visible[ws.id]))
    shown, rest, suppressed = choose_groups(tallies, min_group)
    groups = [RoleGroupRow(r, len(tallies[r].participants), tallies[r].needs, tallies[r].solutions) for r in shown]
    if rest.participants and not suppressed:
        groups.append(RoleGroupRow(OTHER, len(rest.participants), rest.needs, rest.solutions))
    return RoleTable(min_group, tuple(groups), declared, suppressed)


@dataclass(frozen=True)
class HistoryRow:
    """One step of a follow-up item's status history (sessions/followup/history.py), with its workshop."""

    workshop_id: int
    workshop: str
    item: str
    step: Step


def followup_history(registers: Sequence[FollowUpRegister]) -> tuple[HistoryRow, ...]:
    """The status history of the series' follow-up items, workshop by workshop in register order, each
    item's steps oldest first (the renderers show the section when it is not empty)."""
    return tuple(
        HistoryRow(reg.workshop_id, reg.title, entry.text, step)
        for reg in registers
        for entry in sorted(reg.items, key=lambda e: e.id)
        for step in entry.history
    )


def series_report(
    db: Session,
    s: WorkshopSeries,
    *,
    min_group: int = MIN_GROUP,
    now: dt.datetime | None = None,
    run: Callable[[Callable[[], Any]], Any] | None = None,
) -> SeriesReport:
    """The report of series ``s``: its owner's workshops in it (:func:`sessions.series.service.workshops_of`).

    ``run(fn)`` runs the theme suggester (pure CPU work; the web layer passes one that keeps it off the
    event loop, as for the theme board); by default it runs here."""
    workshops = workshops_of(db, s)
    personas = _personas(db, workshops)
    # Needs and proposals: «Hos oss» cases are the workshops' own, not the personas' (as in the workshop report).
    visible = {ws.id: [c for c in visible_contributions(db, ws.id) if c.kind in PERSONA_KINDS] for ws in workshops}
    registers = [followups_for_report(db, ws.id) for ws in workshops]
    participants = dict.fromkeys((ws.id for ws in workshops), 0)
    for (wid,) in db.execute(select(Participant.workshop_id).where(Participant.workshop_id.in_(list(participants)))).all():
        participants[wid] += 1
    columns = tuple(
        WorkshopColumn(
            id=ws.id,
            title=ws.title,
            date=ws.date,
            place=ws.place,
            status=ws.status.value,
            participants=participants[ws.id],
            needs=sum(1 for c in visible[ws.id] if c.kind.value == "need"),
            solutions=sum(1 for c in visible[ws.id] if c.kind.value != "need"),
        )
        for ws in workshops
    )
    table = _persona_table(workshops, personas, visible)
    return SeriesReport(
        id=s.id,
        name=s.name,
        description=s.description,
        workshops=columns,
        personas=table,
        themes=_themes(workshops, personas, visible, table, run or (lambda fn: fn())),
        measures=_measures(db, workshops),
        followups=_followups(registers),
        roles=_roles(db, workshops, visible, min_group),
        generated_at=now or utcnow(),
        followup_history=followup_history(registers),
    )


def report_for_series(db: Session, series_id: int) -> SeriesReport:
    """The report of the series with this id (the export worker's entry; the web layer checked the owner)."""
    return series_report(db, db.get_one(WorkshopSeries, series_id))

