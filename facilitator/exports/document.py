"""The report as HTML: one Jinja template (templates/report/_document.html) for the web page and the PDF.

The web page renders it with the app's Jinja environment (``install`` adds the filters); the PDF worker and
the CLI use :func:`standalone_env`, which needs no Flask.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from sessions.contributions.local import LocalCaseEntry
from sessions.followup.register import FollowUpEntry, FollowUpSection
from sessions.report.service import local_time
from sessions.report.tree import Report, TagTable, ThemeSection

from . import charts
from .labels import Labels, category_label, fill, kind_label, role_label, status_label
from .markup import render_html

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATES = ROOT / "templates"
REPORT_CSS = ROOT / "facilitator" / "static" / "css" / "report.css"


def _markdown(source: str) -> Markup:
    return Markup(render_html(source or ""))  # noqa: S704 - sanitized by nh3 in render_html


def long_date(value: dt.date | None, locale: str = "nb") -> str:
    if value is None:
        return ""
    return format_date(value, format="long", locale=locale)


def local_datetime(value: dt.datetime | None, locale: str = "nb") -> str:
    if value is None:
        return ""
    return format_datetime(local_time(value), format="d. MMM y HH:mm", locale=locale)


def clock(value: dt.datetime) -> str:
    return local_time(value).strftime("%H:%M")


def install(env: Environment) -> None:
    env.filters["report_markdown"] = _markdown
    env.filters["long_date"] = long_date
    env.filters["local_datetime"] = local_datetime
    env.filters["clock"] = clock
    env.globals["report_fill"] = fill
    env.globals["report_kind_label"] = kind_label


def standalone_env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True, default_for_string=True))
    install(env)
    return env


# The optional sections after "2. Summary of contributions", in order: key, Report attribute, label key.
OPTIONAL_SECTIONS = (
    ("themes", "themes", "themes"),
    ("measures", "tag_tables", "tag_tables"),
    ("roles", "role_groups", "role_differences"),
    ("local", "local_cases", "local_cases"),
    ("followups", "followups", "followup"),
)


def section_numbers(report: Report) -> dict[str, int]:
    """Section numbers: summary and contributions first, then the optional sections that have content,
    then participation and the method note (so a report without themes, tags, roles and follow-up is
    numbered as it always was)."""
    n = {"summary": 1, "inputs": 2}
    nxt = 3
    for key, attr, _label in OPTIONAL_SECTIONS:
        if getattr(report, attr):
            n[key] = nxt
            nxt += 1
    n["participation"] = nxt
    n["method"] = nxt + 1
    return n


def optional_sections(report: Report, lab: Labels) -> list[tuple[str, str]]:
    """``(key, "N. Title")`` of the optional sections the report has, in order (for tables of contents)."""
    n = section_numbers(report)
    return [(key, f"{n[key]}. {lab[label]}") for key, attr, label in OPTIONAL_SECTIONS if getattr(report, attr)]


# -- the sections' tables and phrases, shared by every format ------------------------------------------


@dataclass(frozen=True)
class Table:
    """A small table as every format draws it: a caption, column heads, rows whose first cell is the row's
    head, and an optional footer row. The first ``text_columns`` columns are text; the rest are figures
    (right-aligned)."""

    key: str
    caption: str
    head: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    foot: tuple[Any, ...] | None = None
    text_columns: int = 1

    def numeric(self, column: int) -> bool:
        return column >= self.text_columns


def theme_spans(t: ThemeSection, lab: Labels) -> str:
    names = ", ".join(t.personas)
    if t.spans == 1:
        return fill(lab.theme_spans_one, names=names)
    return fill(lab.theme_spans, n=t.spans, names=names)


def theme_count(t: ThemeSection, lab: Labels) -> str:
    return fill(lab.theme_count, n=t.count, needs=t.needs, solutions=t.solutions)


def theme_facts(t: ThemeSection, lab: Labels) -> str:
    """"Spans 3 personas: A, B, C. 5 contributions: 3 competence needs and 2 solution proposals." """
    spans = theme_spans(t, lab)
    return f"{spans[:1].upper()}{spans[1:]}. {theme_count(t, lab)}."


def theme_item_source(c: Any, lab: Labels) -> str:
    """Where a theme's contribution came from: "Persona, Group" (the persona as the report names it)."""
    persona = c.persona or lab.unknown_persona
    where = f"{persona}, {c.group}" if c.group else persona
    return f"{where} ({kind_label(lab, c.kind).lower()})"


def theme_table(report: Report, lab: Labels) -> Table:
    rows = tuple((t.name, ", ".join(t.personas), t.needs, t.solutions, t.count) for t in report.themes)
    return Table(
        "themes",
        lab.theme_overview,
        (lab.theme, lab.personas_spanned, lab.needs, lab.solutions, lab.total),
        rows,
        (lab.total, "", sum(t.needs for t in report.themes), sum(t.solutions for t in report.themes), sum(t.count for t in report.themes)),
        text_columns=2,
    )


def tag_table(tt: TagTable, lab: Labels) -> Table:
    """One category's tags (rows, only those in use) by persona (columns, those with contributions)."""
    table = tt.table
    rows = tt.rows
    used = tt.used
    head = (lab.tags, *(r.persona or lab.removed_persona for r in rows), lab.total)
    body = tuple((table.measures[i], *(r.counts[i] for r in rows), table.totals[i]) for i in used)
    foot = (lab.contributions, *(r.contributions for r in rows), sum(r.contributions for r in rows))
    return Table(f"tags-{tt.category}", category_label(lab, tt.category), head, body, foot)


def tagged_line(tt: TagTable, lab: Labels) -> str:
    rows = tt.rows
    return fill(lab.tagged_line, tagged=sum(r.tagged for r in rows), contributions=sum(r.contributions for r in rows))


class Share(float):
    """A share (0-1) in a table: shown as "33 %", stored in the XLSX as a number formatted as a percentage."""

    def __str__(self) -> str:
        return f"{round(self * 100)} %"


def role_table(report: Report, lab: Labels) -> Table | None:
    """The role groups side by side (None when no role can be shown as a group of its own)."""
    d = report.role_groups
    if d is None or not d.comparable:
        return None
    groups = d.groups
    rows: list[tuple[Any, ...]] = [
        (lab.participants, *(g.participants for g in groups)),
        (lab.needs, *(g.needs for g in groups)),
        (lab.solutions, *(g.solutions for g in groups)),
    ]
    totals = d.measure_totals
    rows += [(label, *(Share(g.measure_shares[i]) for g in groups)) for i, label in enumerate(d.measures) if totals[i]]
    return Table("roles", lab.role_groups, (lab.role, *(role_label(lab, g.role) for g in groups)), tuple(rows))


def followup_sections(report: Report) -> tuple[FollowUpSection, ...]:
    """The three assessment headings always; "not assessed yet" only when it has items (as the follow-up report)."""
    reg = report.followups
    if reg is None:
        return ()
    return tuple(s for s in reg.sections if s.status != "open" or s.items)


def title_facts(lab: Labels, place: str, date: dt.date | None, organisers: str, text: Any = str) -> list[tuple[str, str]]:
    """(label, value) under a report's title: place, date and organisers, those that are set. ``text`` turns
    the free text into the format's (``md_escape`` for Markdown); the date is written out in words."""
    facts = [(lab.place, text(place) if place else ""), (lab.date, long_date(date, lab.locale) if date else ""), (lab.organisers, text(organisers) if organisers else "")]
    return [(label, value) for label, value in facts if value]


def followup_facts(e: FollowUpEntry, lab: Labels) -> list[tuple[str, str]]:
    """(label, text) under a follow-up item. The proposal's original wording is left out: the main report
    shows no contribution that is not visible, and the proposal may have been hidden since."""
    out = [(lab.responsible, e.responsible or "–")]
    if e.deadline is not None:
        when = long_date(e.deadline, lab.locale)
        out.append((lab.deadline, f"{when} ({lab.overdue_note})" if e.overdue else when))
    else:
        out.append((lab.deadline, "–"))
    if e.persona:
        out.append((lab.persona, e.persona))
    if e.municipality:
        out.append((lab.municipality, e.municipality))
    return out


def local_figures(report: Report, lab: Labels) -> str:
    """«N cases from M municipalities.»"""
    return fill(lab.local_count, n=sum(len(m.cases) for m in report.local_cases), m=len(report.local_cases))


def grew_from(e: LocalCaseEntry, lab: Labels) -> str:
    """«vokste fram fra: «…» (Kompetansebehov)», or "" for a case that names no (visible) need or proposal."""
    if not e.origin_text:
        return ""
    return fill(lab.grew_from, text=f"«{e.origin_text}»") + f" ({kind_label(lab, e.origin_kind)})"


def local_rows(report: Report, lab: Labels) -> list[list[str]]:
    """The cases as rows (municipality, case, grew-from kind, grew-from text) for CSV-like sheets."""
    return [
        [m.municipality, e.text, kind_label(lab, e.origin_kind) if e.origin_kind else "", e.origin_text]
        for m in report.local_cases
        for e in m.cases
    ]


def followup_figures(report: Report, lab: Labels) -> str:
    reg = report.followups
    if reg is None:
        return ""
    return fill(lab.followup_figures, n=len(reg.items), overdue=reg.overdue_count) + " " + fill(lab.as_of, date=long_date(reg.today, lab.locale)) + "."


def context(report: Report, lab: Labels, *, with_charts: bool = True) -> dict[str, Any]:
    return {
        "r": report,
        "L": lab,
        "n": section_numbers(report),
        "sections": optional_sections(report, lab),
        "tables": {
            "themes": theme_table(report, lab) if report.themes else None,
            "tags": [(tt, tag_table(tt, lab), tagged_line(tt, lab)) for tt in report.tag_tables],
            "roles": role_table(report, lab),
        },
        "followup_sections": followup_sections(report),
        "followup_figures": followup_figures(report, lab),
        "followup_facts": lambda e: followup_facts(e, lab),
        "local_figures": local_figures(report, lab) if report.local_cases else "",
        "grew_from": lambda e: grew_from(e, lab),
        "theme_facts": lambda t: theme_facts(t, lab),
        "theme_item_source": lambda c: theme_item_source(c, lab),
        "status_label": lambda s: status_label(lab, s),
        "charts": {
            "personas": Markup(charts.persona_chart(report, lab)),  # noqa: S704 - built with escaped text
            "timeline": Markup(charts.timeline_chart(report, lab)) if report.participation.timeline else None,  # noqa: S704
        }
        if with_charts
        else {},
    }


def render_print_html(report: Report, lab: Labels, env: Environment | None = None) -> str:
    """A whole HTML document of the report for WeasyPrint (the CSS is passed separately)."""
    env = env or standalone_env()
    return env.get_template("report/print.html").render(**context(report, lab))
