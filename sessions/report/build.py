"""Building the report tree in one pass over the visible contributions (see report/tree.py for the tree)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from sessions.contributions import local, roles
from sessions.contributions import service as participation
from sessions.contributions.models import PERSONA_KINDS, Participant
from sessions.core.base import utcnow
from sessions.followup import register as followup_register
from sessions.report.service import local_time, texts_for
from sessions.report.tree import (
    Figure,
    GroupSection,
    Participation,
    PersonaSection,
    Report,
    ReportContribution,
    TagTable,
    ThemeSection,
    TimeBucket,
)
from sessions.rounds import voting
from sessions.tags import models as tags_models
from sessions.tags import report as tags_report
from sessions.tags import service as tags
from sessions.themes import models as themes_models
from sessions.workshops.models import WorkshopPersona
from sessions.workshops.service import load_for_dashboard

BUCKET_SIZES = (1, 2, 5, 10, 15, 30, 60, 120, 240, 720, 1440, 10080)
MAX_BUCKETS = 40
def _bucket_minutes(first: dt.datetime, last: dt.datetime) -> int:
    span = (last - first).total_seconds() / 60
    for size in BUCKET_SIZES:
        if span / size < MAX_BUCKETS:
            return size
    return BUCKET_SIZES[-1]


def timeline(times: Sequence[dt.datetime]) -> tuple[tuple[TimeBucket, ...], int]:
    """Contributions per time bucket, from the first to the last, empty buckets included."""
    if not times:
        return (), BUCKET_SIZES[0]
    first, last = min(times), max(times)
    size = _bucket_minutes(first, last)
    step = dt.timedelta(minutes=size)
    # Align to the bucket size in local time (whole hours and days start where a reader expects).
    loc = local_time(first)
    midnight = loc.replace(hour=0, minute=0, second=0, microsecond=0)
    minutes = int((loc - midnight).total_seconds() // 60)
    start_local = midnight + dt.timedelta(minutes=(minutes // size) * size) if size < 1440 else midnight
    start = start_local.astimezone(dt.timezone.utc).replace(tzinfo=None)
    n = int((last - start) // step) + 1
    counts = [0] * n
    for t in times:
        counts[int((t - start) // step)] += 1
    return tuple(TimeBucket(start + i * step, c) for i, c in enumerate(counts)), size


def build_report(db: Session, workshop_id: int, *, now: dt.datetime | None = None) -> Report:
    """Everything a report shows, read in one go. Raises NotFound for an unknown workshop."""
    ws = load_for_dashboard(db, workshop_id)
    texts = texts_for(db, ws.id)
    personas = {p.id: p for p in ws.personas}
    groups = {g.id: g for g in ws.groups}
    items: list[ReportContribution] = []
    # Dots from the workshop's voting rounds (a merged duplicate's count for the one it was merged into).
    votes = voting.vote_counts(db, ws.id)
    theme_rows, members = _theme_board(db, ws.id)
    theme_names = {tid: name for tid, name, _origin in theme_rows}
    theme_of = {cid: theme_names[tid] for tid, cid in members if tid in theme_names}
    vocab = tags.vocabulary(db, ws.id)
    counter = _TagCounter(vocab, ws.personas)
    role_of = _roles_of(db, ws.id)
    role_counter = _RoleCounter(counter, ws.personas) if role_of is not None else None
    visible = participation.contributions(db, ws.id)  # tag links come with them (Contribution.tag_links)
    for c in visible:
        if c.kind not in PERSONA_KINDS:
            continue  # «Hos oss» cases have their own section (local_cases), outside the persona counts
        g = groups.get(c.group_id)
        p = personas.get(c.persona_id) if c.persona_id is not None else None  # type: ignore[arg-type]
        links = c.tag_links
        if links:
            carried = [link.tag for link in links]
            if len(carried) > 1:
                carried.sort(key=_tag_order)
            counter.add(c.persona_id, carried)
        else:
            carried = []
        if role_counter is not None:
            key = role_of.get(c.participant_id)  # type: ignore[union-attr,arg-type]
            if key is not None:  # None: not a participant of this workshop (an imported archive's contributions)
                role_counter.add(key, c, carried)
        items.append(
            ReportContribution(
                id=c.id,
                kind=c.kind.value,
                text=c.text,
                group=g.name if g else "",
                group_id=c.group_id,
                persona=p.name if p else "",
                persona_id=c.persona_id,
                created_at=c.created_at,
                edited=c.updated_at is not None,
                votes=votes.get(c.id, 0),
                tags=tuple(t.label for t in carried) if carried else (),
                theme=theme_of.get(c.id),
            )
        )
    # One pass: contributions by (persona, group, kind); those of a removed persona under None.
    by_key: dict[tuple[int | None, int, str], list[ReportContribution]] = {}
    group_counts: dict[int, list[int]] = {gid: [0, 0] for gid in groups}
    for c in items:
        key_pid = c.persona_id if c.persona_id in personas else None
        by_key.setdefault((key_pid, c.group_id, c.kind), []).append(c)
        group_counts.setdefault(c.group_id, [0, 0])[0 if c.kind == "need" else 1] += 1
    # Personas in workshop order: those a group works on or that have contributions.
    sections: list[PersonaSection] = []
    with_items = {pid for pid, _gid, _kind in by_key}
    used = with_items | {g.persona_id for g in ws.groups if g.persona_id}
    order: list[WorkshopPersona | None] = [p for p in ws.personas if p.id in used]
    if None in with_items:
        order.append(None)  # contributions whose persona was removed
    for p in order:
        pid = p.id if p is not None else None
        group_ids = [
            g.id
            for g in ws.groups
            if (p is not None and g.persona_id == pid) or (pid, g.id, "need") in by_key or (pid, g.id, "solution") in by_key
        ]
        gsections = tuple(
            GroupSection(
                id=gid,
                name=groups[gid].name,
                needs=tuple(by_key.get((pid, gid, "need"), ())),
                solutions=tuple(by_key.get((pid, gid, "solution"), ())),
            )
            for gid in group_ids
        )
        if p is None:
            sections.append(PersonaSection(None, "", "", None, "", "", (), gsections))
        else:
            sections.append(
                PersonaSection(p.id, p.key, p.name, p.age, p.role, p.card, tuple(p.background_paragraphs), gsections)
            )
    per_persona = tuple(Figure(s.name, s.needs, s.solutions) for s in sections)
    per_group = tuple(
        Figure(g.name, group_counts[g.id][0], group_counts[g.id][1], persona=g.persona.name if g.persona else "")
        for g in ws.groups
    )
    buckets, size = timeline([c.created_at for c in items])
    needs = sum(1 for c in items if c.kind == "need")
    figures = Participation(
        participants=participation.participant_count(db, ws.id),
        contributions=len(items),
        needs=needs,
        solutions=len(items) - needs,
        per_persona=per_persona,
        per_group=per_group,
        timeline=buckets,
        bucket_minutes=size,
    )
    register = followup_register.followups_for_report(db, ws.id, now=now)
    return Report(
        workshop_id=ws.id,
        title=ws.title,
        date=ws.date,
        place=ws.place,
        status=ws.status.value,
        organisers=texts.organisers,
        summary=texts.summary,
        method_note=texts.method_note,
        invite_note=texts.invite_note,
        personas=tuple(sections),
        themes=_theme_sections(theme_rows, members, items, ws.personas),
        participation=figures,
        contributions=tuple(items),
        generated_at=now or utcnow(),
        opened_at=ws.opened_at,
        closed_at=ws.closed_at,
        last_seq=ws.last_seq,
        texts_revision=texts.revision,
        tag_tables=counter.tables(items),
        role_groups=role_counter.differences(role_of) if role_counter is not None and role_of is not None else None,
        followups=register if register.items else None,
        local_cases=local.cases_by_municipality(visible),
    )


# -- the counting pass's helpers ---------------------------------------------------------------------


def _theme_board(db: Session, workshop_id: int) -> tuple[list[tuple[int, str, str]], list[tuple[int, int]]]:
    """The themes in board order ``(id, name, origin)`` and their members ``(theme id, contribution id)`` in
    the order they were put in (as :func:`sessions.themes.board.load_board` orders them)."""
    Theme, ThemeMember = themes_models.Theme, themes_models.ThemeMember
    rows = [
        (tid, name, origin.value if hasattr(origin, "value") else str(origin))
        for tid, name, origin in db.execute(
            select(Theme.id, Theme.name, Theme.origin).where(Theme.workshop_id == workshop_id).order_by(Theme.position, Theme.id)
        ).all()
    ]
    if not rows:
        return [], []
    members = [
        (tid, cid)
        for tid, cid in db.execute(
            select(ThemeMember.theme_id, ThemeMember.contribution_id)
            .join(Theme, Theme.id == ThemeMember.theme_id)
            .where(Theme.workshop_id == workshop_id)
            .order_by(ThemeMember.added_at, ThemeMember.contribution_id)
        ).all()
    ]
    return rows, members


def _theme_sections(
    theme_rows: list[tuple[int, str, str]],
    members: list[tuple[int, int]],
    items: list[ReportContribution],
    workshop_personas: Sequence[WorkshopPersona],
) -> tuple[ThemeSection, ...]:
    """The themes with at least one visible contribution (``items``: the visible ones)."""
    if not theme_rows:
        return ()
    visible = {c.id: c for c in items}
    by_theme: dict[int, list[ReportContribution]] = {tid: [] for tid, _n, _o in theme_rows}
    for tid, cid in members:
        c = visible.get(cid)
        if c is not None and tid in by_theme:
            by_theme[tid].append(c)
    order = {p.id: i for i, p in enumerate(workshop_personas)}
    names = {p.id: p.name for p in workshop_personas}
    out = []
    for tid, name, origin in theme_rows:
        cs = by_theme[tid]
        if not cs:
            continue
        per: dict[int, int] = {}
        for c in cs:
            if c.persona_id in names:
                per[c.persona_id] = per.get(c.persona_id, 0) + 1  # type: ignore[index]
        spanned = sorted(per, key=lambda pid: (order[pid], pid))
        out.append(
            ThemeSection(
                name=name,
                contributions=tuple(cs),
                personas=tuple(names[pid] for pid in spanned),
                per_persona=tuple((names[pid], per[pid]) for pid in spanned),
                origin=origin,
            )
        )
    return tuple(out)


def _tag_order(tag: tags_models.Tag) -> tuple[int, int, int]:
    return tag.sort_key


class _TagCounter:
    """Counts the visible contributions' tags by persona, per category (the report's tag tables). Only
    tagged contributions are added; the contributions per persona are counted at the end."""

    def __init__(self, vocab: Sequence[tags_models.Tag], workshop_personas: Sequence[WorkshopPersona]) -> None:
        self.personas = list(workshop_personas)
        self.known = {p.id for p in self.personas}
        self.columns: dict[str, list[tags_models.Tag]] = {cat: [] for cat in tags_models.CATEGORIES}
        for t in vocab:
            self.columns.setdefault(t.category, []).append(t)
        # tag id -> (category, column)
        self.where = {t.id: (cat, i) for cat, ts in self.columns.items() for i, t in enumerate(ts)}
        self.counts: dict[str, dict[int | None, list[int]]] = {cat: {} for cat in self.columns}
        self.tagged: dict[str, dict[int | None, int]] = {cat: {} for cat in self.columns}
        self.contributions: dict[int | None, int] = {}

    def add(self, persona_id: int | None, carried: Sequence[tags_models.Tag]) -> None:
        pid = persona_id if persona_id in self.known else None
        seen: set[str] = set()
        for t in carried:
            hit = self.where.get(t.id)
            if hit is None:
                continue
            cat, col = hit
            row = self.counts[cat].get(pid)
            if row is None:
                row = self.counts[cat][pid] = [0] * len(self.columns[cat])
            row[col] += 1
            if cat not in seen:
                seen.add(cat)
                self.tagged[cat][pid] = self.tagged[cat].get(pid, 0) + 1

    def table(self, category: str) -> tags_report.MeasureTable:
        """One category's table, in the shape (and with the rows) of :func:`sessions.tags.measure_kinds_by_persona`."""
        cols = self.columns.get(category, [])
        counts, tagged = self.counts.get(category, {}), self.tagged.get(category, {})
        rows = [
            tags_report.MeasureRow(p.id, p.name, tuple(counts.get(p.id) or [0] * len(cols)), self.contributions.get(p.id, 0), tagged.get(p.id, 0))
            for p in self.personas
        ]
        if None in self.contributions:
            rows.append(
                tags_report.MeasureRow(None, "", tuple(counts.get(None) or [0] * len(cols)), self.contributions[None], tagged.get(None, 0))
            )
        return tags_report.MeasureTable(tuple(t.id for t in cols), tuple(t.label for t in cols), tuple(rows))

    def tables(self, items: Sequence[ReportContribution]) -> tuple[TagTable, ...]:
        """The categories some visible contribution (``items``: all of them) carries a tag of, in category order."""
        cats = [cat for cat in tags_models.CATEGORIES if any(self.tagged.get(cat, {}).values())]
        if not cats:
            return ()
        for c in items:
            pid = c.persona_id if c.persona_id in self.known else None
            self.contributions[pid] = self.contributions.get(pid, 0) + 1
        return tuple(TagTable(cat, self.table(cat)) for cat in cats)


def _roles_of(db: Session, workshop_id: int) -> dict[int, str] | None:
    """Participant id -> role group key (a key of :data:`sessions.contributions.roles.ROLES`, or ``roles.OTHER``); None when
    no participant gave a role (then the report has no role section and nothing is counted)."""
    role_of: dict[int, str] = {}
    declared = False
    for pid, role in db.execute(select(Participant.id, Participant.role).where(Participant.workshop_id == workshop_id)).all():
        key = role if role in roles.ROLES else roles.OTHER
        declared = declared or key != roles.OTHER
        role_of[pid] = key
    return role_of if declared else None


class _RoleCounter:
    """Tallies per role group in the report's pass, then :func:`sessions.contributions.roles.choose_groups` decides what
    may be shown -- the same counting and the same k-anonymity rule as :func:`sessions.contributions.roles.role_differences`."""

    def __init__(self, counter: _TagCounter, workshop_personas: Sequence[WorkshopPersona]) -> None:
        self.measures = counter.columns.get(tags_models.MEASURE, [])
        self.mcol = {t.id: i for i, t in enumerate(self.measures)}
        self.personas = list(workshop_personas)
        self.pcol = {p.id: i for i, p in enumerate(self.personas)}
        self.tallies = {
            r: roles.RoleTally(measures=[0] * len(self.measures), personas=[0] * len(self.personas)) for r in (*roles.ROLES, roles.OTHER)
        }

    def add(self, key: str, c: object, carried: Sequence[tags_models.Tag]) -> None:
        t = self.tallies[key]
        t.contributors.add(c.participant_id)  # type: ignore[attr-defined]
        if c.kind.value == "need":  # type: ignore[attr-defined]
            t.needs += 1
        else:
            t.solutions += 1
        if carried:
            for i in {self.mcol[tag.id] for tag in carried if tag.id in self.mcol}:  # each measure once
                t.measures[i] += 1
        pcol = self.pcol.get(c.persona_id)  # type: ignore[attr-defined]
        if pcol is not None:
            t.personas[pcol] += 1

    def differences(self, role_of: dict[int, str], min_group: int = roles.MIN_GROUP) -> roles.RoleDifferences:
        for pid, key in role_of.items():
            self.tallies[key].participants.add(pid)
        shown, rest, suppressed = roles.choose_groups(self.tallies, min_group)

        def group(role: str, t: roles.RoleTally) -> roles.RoleGroup:
            return roles.RoleGroup(role, len(t.participants), t.needs, t.solutions, tuple(t.measures), tuple(t.personas))

        groups = [group(r, self.tallies[r]) for r in shown]
        if rest.participants and not suppressed:
            groups.append(group(roles.OTHER, rest))
        return roles.RoleDifferences(
            min_group=min_group,
            measures=tuple(t.label for t in self.measures),
            personas=tuple(p.name for p in self.personas),
            groups=tuple(groups),
            declared=True,
            suppressed=suppressed,
        )


