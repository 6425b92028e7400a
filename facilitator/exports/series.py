"""The series report (``sessions.series.report.SeriesReport``) in every format it has: HTML (the page and
the PDF, one template: templates/series/_document.html), DOCX and XLSX.

Every format draws the same :class:`~facilitator.exports.document.Table` values (:func:`tables`), with the
report's writers: the DOCX writer (word.py), the PDF's refusing URL fetcher and print CSS (pdf.py,
document.py) and the typed, formula-safe cells of the XLSX (tables.py). None of this imports Flask, so
the export worker renders the heavy formats (worker.py, ``"report": "series"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sessions.report.service import local_time
from sessions.series.report import FOLLOWUP_STATUSES, RecurringTheme, SeriesReport

from . import Writer, writer
from . import filename as report_filename
from .document import REPORT_CSS, Table, local_datetime, standalone_env
from .labels import Gettext, Labels, fill, labels, role_label, status_label
from .pdf import write_pdf
from .tables import _table_sheet, sheet_title, workbook_bytes
from .word import _run, _table, _Writer

SERIES_FORMATS = ("docx", "pdf", "xlsx")


def series_labels(tr: Gettext, locale: str = "nb") -> Labels:
    """The report's labels plus the series report's words, in the report's language."""
    lab = labels(tr, locale)
    _ = tr.gettext
    lab.update(
        series_report=_("Series report"),
        series_intro=_("The workshops of the series side by side. Hidden and deleted contributions are not counted."),
        overview=_("The workshops side by side"),
        workshop=_("Workshop"),
        status_col=_("Status"),
        ws_draft=_("Draft"),
        ws_open=_("Open"),
        ws_closed=_("Closed"),
        per_persona_per_workshop=_("Contributions per persona per workshop"),
        per_persona_intro=_("Personas are matched across workshops by the persona they were made from."),
        not_in_workshop="–",
        recurring_themes=_("Themes that recur across workshops"),
        recurring_intro=_("Theme suggestions computed over the contributions of every workshop in the series, those that span the most workshops first."),
        theme_in_workshops=_("Came up in %(n)s of %(total)s workshops: %(names)s"),
        theme_personas=_("personas: %(names)s"),
        shared_words=_("Shared words"),
        workshops_spanned=_("Workshops"),
        no_themes=_("No recurring themes were found."),
        measures_per_workshop=_("Kinds of measure per workshop"),
        measure_kind=_("Kind of measure"),
        tagged_contributions=_("Contributions with a kind of measure"),
        no_measures=_("No contribution has a kind of measure yet."),
        followup_per_workshop=_("Follow-up status per workshop"),
        followup_history=_("Status history of the follow-up"),
        followup_history_intro=_("Every change of a follow-up item's status, and what each review meeting assessed, oldest first."),
        followup_item=_("Follow-up item"),
        meeting=_("Meeting"),
        assessment=_("Assessment"),
        comment=_("Comment"),
        on_register=_("on the register page"),
        roles_across=_("Participants by role across the series"),
        no_workshops=_("The series has no workshops yet."),
    )
    return lab


def _ws_status(lab: Labels, status: str) -> str:
    return lab.get(f"ws_{status}", status)


def theme_line(t: RecurringTheme, r: SeriesReport, lab: Labels) -> str:
    """«Kom opp i 3 av 3 workshops: Nordmøre, Romsdal, Sunnmøre · personas: Torunn, Trond»."""
    line = fill(lab.theme_in_workshops, n=len(t.workshops), total=len(r.workshops), names=", ".join(t.workshops))
    if t.personas:
        line += " · " + fill(lab.theme_personas, names=", ".join(t.personas))
    return line


@dataclass(frozen=True)
class SeriesTables:
    overview: Table
    personas: Table
    themes: Table | None
    measures: Table | None
    followups: Table
    roles: Table | None
    history: Table | None


def history_table(r: SeriesReport, lab: Labels) -> Table | None:
    """One row per step of a follow-up item's history: workshop, item, when, the meeting (or the register
    page), the assessment (from → to) and the meeting's comment."""
    if not r.followup_history:
        return None

    def assessment(before: str | None, after: str) -> str:
        if before is None or before == after:
            return status_label(lab, after)
        return f"{status_label(lab, before)} → {status_label(lab, after)}"

    return Table(
        "history",
        lab.followup_history,
        (lab.workshop, lab.followup_item, lab.date, lab.meeting, lab.assessment, lab.comment),
        tuple(
            (
                h.workshop,
                h.item,
                local_time(h.step.changed_at).date().isoformat(),
                h.step.meeting or lab.on_register,
                assessment(h.step.from_status, h.step.to_status),
                h.step.note,
            )
            for h in r.followup_history
        ),
        text_columns=6,
    )


def tables(r: SeriesReport, lab: Labels) -> SeriesTables:
    titles = tuple(w.title for w in r.workshops)
    overview = Table(
        "overview",
        lab.overview,
        (lab.workshop, lab.date, lab.place, lab.status_col, lab.participants, lab.needs, lab.solutions),
        tuple(
            (w.title, w.date.isoformat() if w.date else "", w.place, _ws_status(lab, w.status), w.participants, w.needs, w.solutions)
            for w in r.workshops
        ),
        (lab.total, "", "", "", r.participants, sum(w.needs for w in r.workshops), sum(w.solutions for w in r.workshops)),
        text_columns=4,
    )
    totals = r.personas.totals(len(r.workshops))
    personas = Table(
        "personas",
        lab.per_persona_per_workshop,
        (lab.persona, *titles, lab.total),
        tuple(
            (row.name or lab.removed_persona, *(n if (n or present) else lab.not_in_workshop for n, present in zip(row.counts, row.present, strict=True)), row.total)
            for row in r.personas.rows
        ),
        (lab.total, *totals, sum(totals)),
    )
    themes = None
    if r.themes:
        themes = Table(
            "themes",
            lab.recurring_themes,
            (lab.theme, lab.workshops_spanned, lab.personas_spanned, lab.shared_words, lab.contributions),
            tuple(
                (t.name, f"{len(t.workshops)}/{len(r.workshops)}: {', '.join(t.workshops)}", ", ".join(t.personas), ", ".join(t.shared_words), t.size)
                for t in r.themes
            ),
            text_columns=4,
        )
    measures = None
    if r.measures.rows:
        measures = Table(
            "measures",
            lab.measures_per_workshop,
            (lab.measure_kind, *titles, lab.total),
            tuple((m.label, *m.counts, m.total) for m in r.measures.rows),
            (lab.tagged_contributions, *r.measures.tagged, sum(r.measures.tagged)),
        )
    followups = Table(
        "followups",
        lab.followup_per_workshop,
        (lab.workshop, *(status_label(lab, s) for s in FOLLOWUP_STATUSES), lab.total),
        tuple((w.title, *(f.counts.get(s, 0) for s in FOLLOWUP_STATUSES), f.total) for w, f in zip(r.workshops, r.followups, strict=True)),
    )
    roles = None
    if r.roles.comparable:
        roles = Table(
            "roles",
            lab.roles_across,
            (lab.role, lab.participants, lab.needs, lab.solutions),
            tuple((role_label(lab, g.role), g.participants, g.needs, g.solutions) for g in r.roles.groups),
        )
    return SeriesTables(overview, personas, themes, measures, followups, roles, history_table(r, lab))


# -- HTML (the page and the PDF) ---------------------------------------------------------------------


def context(r: SeriesReport, lab: Labels) -> dict[str, Any]:
    return {"r": r, "L": lab, "tables": tables(r, lab), "theme_line": lambda t: theme_line(t, r, lab)}


def render_print_html(r: SeriesReport, lab: Labels) -> str:
    return standalone_env().get_template("series/print.html").render(**context(r, lab))


def render_pdf(r: SeriesReport, lab: Labels) -> bytes:
    return write_pdf(render_print_html(r, lab), REPORT_CSS.read_text(encoding="utf-8"))


# -- DOCX --------------------------------------------------------------------------------------------


def render_docx(r: SeriesReport, lab: Labels) -> bytes:
    w = _Writer()
    w.head(f"{lab.series_report}: {r.name}", lab.series_report, lab, [], None)
    if r.description:
        w.text(r.description)
    w.text(lab.series_intro, italic=True)
    t = tables(r, lab)
    if not r.workshops:
        w.text(lab.no_workshops, italic=True)
    sections: list[tuple[str, Any]] = [
        (lab.overview, lambda: _table(w, t.overview)),
        (lab.per_persona_per_workshop, lambda: (w.text(lab.per_persona_intro), _table(w, t.personas))),
        (lab.recurring_themes, lambda: _themes_docx(w, r, t, lab)),
        (lab.measures_per_workshop, lambda: _table(w, t.measures) if t.measures else w.text(lab.no_measures, italic=True)),
        (lab.followup_per_workshop, lambda: _table(w, t.followups)),
        (lab.roles_across, lambda: _roles_docx(w, r, t, lab)),
    ]
    if t.history is not None:
        sections.append((lab.followup_history, lambda: (w.text(lab.followup_history_intro), _table(w, t.history))))
    for n, (title, body) in enumerate(sections, start=1):
        w.text(f"{n}. {title}", "Heading 1")
        body()
    w.text(f"{lab.generated} · {local_datetime(r.generated_at, lab.locale)}", italic=True)
    return w.save()


def _themes_docx(w: _Writer, r: SeriesReport, t: SeriesTables, lab: Labels) -> None:
    if not r.themes:
        w.text(lab.no_themes, italic=True)
        return
    w.text(lab.recurring_intro)
    for theme in r.themes:
        w.text(theme.name, "Heading 2")
        w.text(theme_line(theme, r, lab))
        if theme.shared_words:
            w.para(_run(f"{lab.shared_words}: ", bold=True) + _run(", ".join(theme.shared_words)))
    assert t.themes is not None
    _table(w, t.themes)


def _roles_docx(w: _Writer, r: SeriesReport, t: SeriesTables, lab: Labels) -> None:
    if t.roles is not None:
        _table(w, t.roles)
    elif r.roles.declared:
        w.text(lab.role_too_few, italic=True)
    w.text(fill(lab.role_privacy, n=r.roles.min_group), italic=True)


# -- XLSX --------------------------------------------------------------------------------------------


def render_xlsx(r: SeriesReport, lab: Labels) -> bytes:
    t = tables(r, lab)

    def fill_in(wb: Any) -> None:
        taken: set[str] = set()
        wide = (28, *([16] * (len(r.workshops) + 1)))
        _table_sheet(wb, sheet_title(lab.overview, taken), [t.overview], (28, 12, 18, 12, 14, 18, 18))
        _table_sheet(wb, sheet_title(lab.per_persona_per_workshop, taken), [t.personas], wide)
        if t.themes is not None:
            _table_sheet(wb, sheet_title(lab.recurring_themes, taken), [t.themes], (36, 50, 40, 40, 14))
        if t.measures is not None:
            _table_sheet(wb, sheet_title(lab.measures_per_workshop, taken), [t.measures], wide)
        _table_sheet(wb, sheet_title(lab.followup_per_workshop, taken), [t.followups], (28, 16, 16, 16, 16, 10))
        if t.roles is not None:
            _table_sheet(wb, sheet_title(lab.roles_across, taken), [t.roles], (28, 14, 18, 18))
        if t.history is not None:
            _table_sheet(wb, sheet_title(lab.followup_history, taken), [t.history], (28, 50, 12, 30, 36, 50))

    return workbook_bytes(fill_in)


WRITERS: dict[str, Writer] = {"xlsx": render_xlsx, "docx": render_docx, "pdf": render_pdf}


def render(fmt: str, r: SeriesReport, lab: Labels) -> bytes:
    return writer(fmt, WRITERS, "series report")(r, lab)


def filename(name: str, fmt: str) -> str:
    """``serie-<name>.<fmt>``."""
    return "serie-" + report_filename(name, "", fmt)

