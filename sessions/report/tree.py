"""The report tree: the frozen dataclasses every format is rendered from (page, PDF, DOCX, Markdown, CSV, XLSX)."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from sessions.contributions import local, roles
from sessions.followup import register as followup_register
from sessions.tags import models as tags_models
from sessions.tags import report as tags_report
from sessions.themes.report import KindCounts

# -- the report tree ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportContribution:
    id: int
    kind: str  # "need" or "solution" (a «Hos oss» case is in Report.local_cases)
    text: str
    group: str
    group_id: int
    persona: str
    persona_id: int | None
    created_at: dt.datetime  # naive UTC, like the database
    edited: bool = False
    votes: int = 0
    tags: tuple[str, ...] = ()
    theme: str | None = None
    hidden: bool = False


@dataclass(frozen=True)
class GroupSection:
    id: int
    name: str
    needs: tuple[ReportContribution, ...]
    solutions: tuple[ReportContribution, ...]


@dataclass(frozen=True)
class PersonaSection:
    id: int | None
    key: str
    name: str
    age: int | None
    role: str
    card: str
    background: tuple[str, ...]
    groups: tuple[GroupSection, ...]

    @property
    def needs(self) -> int:
        return sum(len(g.needs) for g in self.groups)

    @property
    def solutions(self) -> int:
        return sum(len(g.solutions) for g in self.groups)

    @property
    def heading(self) -> str:
        return f"{self.name}, {self.role}" if self.role else self.name


@dataclass(frozen=True)
class ThemeSection(KindCounts):
    """A theme of the theme board with its visible contributions (in the order they were put in), the
    personas they span (workshop order) and how many each persona has. Themes without a visible
    contribution are left out of the report."""

    name: str
    contributions: tuple[ReportContribution, ...]
    personas: tuple[str, ...] = ()  # names of the personas spanned ("" personas, i.e. removed ones, left out)
    per_persona: tuple[tuple[str, int], ...] = ()  # (persona name, contributions), same order as ``personas``
    origin: str = "manual"  # "manual" or "suggested"

    @property
    def spans(self) -> int:
        return len(self.personas)


@dataclass(frozen=True)
class TagTable:
    """The tags of one category (``measure``, ``level``, ``need``) by persona, over the visible contributions.

    ``table`` has the shape of :class:`sessions.tags.MeasureTable` (columns: the category's tags in vocabulary
    order; rows: every persona in workshop order, plus one for a removed persona's contributions).
    """

    category: str
    table: tags_report.MeasureTable

    @property
    def used(self) -> tuple[int, ...]:
        """Indexes of the columns some visible contribution carries (the report shows only those)."""
        return tuple(i for i, n in enumerate(self.table.totals) if n)

    @property
    def rows(self) -> tuple[tags_report.MeasureRow, ...]:
        """Rows of personas with visible contributions."""
        return tuple(r for r in self.table.rows if r.contributions)


@dataclass(frozen=True)
class Figure:
    """Counts for one persona or one group."""

    name: str
    needs: int
    solutions: int
    persona: str = ""

    @property
    def total(self) -> int:
        return self.needs + self.solutions


@dataclass(frozen=True)
class TimeBucket:
    start: dt.datetime  # naive UTC
    count: int


@dataclass(frozen=True)
class Participation:
    participants: int
    contributions: int
    needs: int
    solutions: int
    per_persona: tuple[Figure, ...]
    per_group: tuple[Figure, ...]
    timeline: tuple[TimeBucket, ...]
    bucket_minutes: int


@dataclass(frozen=True)
class Report:
    workshop_id: int
    title: str
    date: dt.date | None
    place: str
    status: str
    organisers: str
    summary: str  # Markdown
    method_note: str  # Markdown
    invite_note: str  # Markdown
    personas: tuple[PersonaSection, ...]
    themes: tuple[ThemeSection, ...]
    participation: Participation
    contributions: tuple[ReportContribution, ...]  # every visible need and proposal, oldest first (CSV, XLSX)
    generated_at: dt.datetime  # naive UTC
    opened_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    last_seq: int = 0
    texts_revision: int = 0
    # Tags by persona, one table per category that some visible contribution carries (vocabulary order).
    tag_tables: tuple[TagTable, ...] = ()
    # Role groups (k-anonymous, sessions/contributions/roles.py); None when no participant gave a role.
    role_groups: roles.RoleDifferences | None = None
    # The follow-up register; None when it has no items.
    followups: followup_register.FollowUpRegister | None = None
    # «Fra persona til egen kommune»: the visible «Hos oss» cases by municipality, each with the need or
    # proposal it grew from; () when there are none (the section is left out). Not in ``contributions``.
    local_cases: tuple[local.MunicipalityCases, ...] = ()

    @property
    def measures(self) -> tags_report.MeasureTable | None:
        """The kinds of measure by persona (None when no visible contribution has one)."""
        return next((t.table for t in self.tag_tables if t.category == tags_models.MEASURE), None)

    @functools.cached_property
    def show_votes(self) -> bool:
        """Whether any contribution has votes (asked once per item by the renderers, so computed once)."""
        return any(c.votes for c in self.contributions)

    @property
    def is_running(self) -> bool:
        return self.status == "open"


