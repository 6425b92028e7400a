"""The follow-up report: a workshop's follow-up register (``sessions.followup.FollowUpRegister``) in every
format the summary report has -- HTML (page and PDF, one template: templates/followup/_document.html),
Markdown, DOCX, CSV and XLSX.

It reuses the report's machinery: the labels and their catalogues (labels.py), the sanitizing Markdown
(markup.py: the organisers' notes are Markdown), the DOCX writer (word.py), the PDF's refusing URL
fetcher and print CSS (pdf.py, document.py) and the formula-safe table cells (tables.py). None of this
imports Flask, so the export worker renders the heavy formats (worker.py, ``"report": "followups"``).

Sections follow ``sessions.followup.REPORT_ORDER``: *Oppnådd*, *Ikkje kome langt nok* and *Fokus vidare*
always (the headings organisers use at the next meeting, in the issue's wording also in a bokmål report),
then *Ikke vurdert ennå* when something is not assessed yet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup

from sessions.followup.register import FollowUpEntry, FollowUpRegister, FollowUpSection
from sessions.report.service import local_time

from . import Writer, utf8, writer
from . import filename as report_filename
from .document import (
    REPORT_CSS,
    followup_facts,
    local_datetime,
    long_date,
    standalone_env,
    title_facts,
)
from .labels import Gettext, Labels, fill, labels, status_label
from .markup import blocks, blocks_to_markdown, md_escape, plain, render_html
from .pdf import write_pdf
from .tables import row_sheet, workbook_bytes, write_csv
from .word import _markdown, _run, _Writer

FOLLOWUP_CSS = Path(__file__).resolve().parent.parent / "static" / "css" / "followup.css"
FOLLOWUP_FORMATS = ("docx", "pdf", "md", "csv", "xlsx")
HEADING_CONTEXT = "follow-up report heading"


def followup_labels(tr: Gettext, locale: str = "nb") -> Labels:
    """The report's labels plus the follow-up report's words, in the report's language."""
    lab = labels(tr, locale)
    _ = tr.gettext
    pgettext = tr.pgettext  # type: ignore[attr-defined]
    lab.update(
        followup_report=_("Follow-up report"),
        followup_intro=_("What the organisers followed up after the workshop: what has been achieved, what has not got far enough, and what to focus on next."),
        status_achieved=pgettext(HEADING_CONTEXT, "Achieved"),
        status_not_far_enough=pgettext(HEADING_CONTEXT, "Not far enough"),
        status_next_focus=pgettext(HEADING_CONTEXT, "Next focus"),
        status_open=pgettext(HEADING_CONTEXT, "Not assessed yet"),
        item=_("Follow-up item"),
        status=_("Status"),
        responsible=_("Responsible"),
        deadline=_("Deadline"),
        overdue=_("Overdue"),
        overdue_note=_("the deadline has passed"),
        note=_("Note"),
        proposal=_("Proposal"),
        own_item=_("Added by the organisers"),
        no_items=_("No items."),
        no_followups=_("The register is empty: no follow-up items yet."),
        as_of=_("Status as of %(date)s"),
        followup_figures=_("%(n)s follow-up items, %(overdue)s of them past their deadline."),
        created=_("Added"),
        updated=_("Changed"),
        history=_("History"),
        on_register=_("on the register page"),
    )
    return lab


def history_lines(e: FollowUpEntry, lab: Labels) -> list[str]:
    """The item's status history as short lines, oldest first: «12. mars 2027 · Oppfølgingsmøte:
    Ikke vurdert ennå → Oppnådd – comment»."""
    out = []
    for step in e.history:
        before = status_label(lab, step.from_status) + " → " if step.from_status and step.from_status != step.to_status else ""
        line = f"{long_date(local_time(step.changed_at).date(), lab.locale)} · {step.meeting or lab.on_register}: {before}{status_label(lab, step.to_status)}"
        out.append(line + (f" – {step.note}" if step.note else ""))
    return out


def visible_sections(reg: FollowUpRegister) -> tuple[FollowUpSection, ...]:
    """The three assessment headings always; "not assessed yet" only when it has items."""
    return tuple(s for s in reg.sections if s.status != "open" or s.items)


def _source_differs(e: FollowUpEntry) -> bool:
    return e.from_proposal and e.source_text.strip() != e.text.strip()


# -- HTML (the page and the PDF) ---------------------------------------------------------------------


def context(reg: FollowUpRegister, lab: Labels) -> dict[str, Any]:
    return {
        "reg": reg,
        "L": lab,
        "sections": visible_sections(reg),
        "status_label": lambda s: status_label(lab, s),
        "source_differs": _source_differs,
        "history_lines": lambda e: history_lines(e, lab),
        "note_html": lambda src: Markup(render_html(src or "")),  # noqa: S704 - sanitized by nh3 in render_html
    }


def render_print_html(reg: FollowUpRegister, lab: Labels) -> str:
    return standalone_env().get_template("followup/print.html").render(**context(reg, lab))


def render_pdf(reg: FollowUpRegister, lab: Labels) -> bytes:
    css = REPORT_CSS.read_text(encoding="utf-8") + "\n" + FOLLOWUP_CSS.read_text(encoding="utf-8")
    return write_pdf(render_print_html(reg, lab), css)


# -- Markdown ------------------------------------------------------------------------------------------


def _facts(e: FollowUpEntry, lab: Labels) -> list[tuple[str, str]]:
    """(label, plain text) pairs shown under an item, in every format: the main report's, and the proposal
    the item came from when its wording has changed (or that the organisers added it themselves)."""
    out = followup_facts(e, lab)
    if _source_differs(e):
        out.append((lab.proposal, e.source_text))
    elif not e.from_proposal:
        out.append((lab.proposal, lab.own_item))
    if e.history:
        out.append((lab.history, "\n".join(history_lines(e, lab))))
    return out


def render_markdown(reg: FollowUpRegister, lab: Labels) -> str:
    out: list[str] = [f"# {md_escape(lab.followup_report)}: {md_escape(reg.title)}", ""]
    meta = [f"**{label}:** {value}" for label, value in title_facts(lab, reg.place, reg.date, reg.organisers, md_escape)]
    meta.append(f"*{fill(lab.as_of, date=long_date(reg.today, lab.locale))}*")
    out += ["  \n".join(meta), "", lab.followup_intro, ""]
    out += [fill(lab.followup_figures, n=len(reg.items), overdue=reg.overdue_count) if reg.items else f"*{lab.no_followups}*", ""]
    for n, s in enumerate(visible_sections(reg), start=1):
        out += [f"## {n}. {status_label(lab, s.status)}", ""]
        if not s.items:
            out += [f"*{lab.no_items}*", ""]
        for e in s.items:
            title = md_escape(e.text).replace("\n", " ")
            out += [f"### {title}" + (f" — **{lab.overdue}**" if e.overdue else ""), ""]
            out += [f"- **{label}:** {md_escape(value)}".replace("\n", "\\\n  ") for label, value in _facts(e, lab)]
            out.append("")
            if e.note.strip():
                out += [blocks_to_markdown(blocks(e.note)), ""]
    out += ["---", "", f"*{lab.generated} · {local_datetime(reg.generated_at, lab.locale)}*", ""]
    return "\n".join(out)


# -- DOCX --------------------------------------------------------------------------------------------


def render_docx(reg: FollowUpRegister, lab: Labels) -> bytes:
    w = _Writer()
    w.head(f"{lab.followup_report}: {reg.title}", lab.followup_report, lab, title_facts(lab, reg.place, reg.date, reg.organisers), reg.organisers)
    w.text(fill(lab.as_of, date=long_date(reg.today, lab.locale)), italic=True)
    w.text(lab.followup_intro)
    if reg.items:
        w.text(fill(lab.followup_figures, n=len(reg.items), overdue=reg.overdue_count))
    else:
        w.text(lab.no_followups, italic=True)
    for n, s in enumerate(visible_sections(reg), start=1):
        w.text(f"{n}. {status_label(lab, s.status)}", "Heading 1")
        if not s.items:
            w.text(lab.no_items, italic=True)
        for e in s.items:
            w.text(e.text, "Heading 2")
            if e.overdue:
                w.para(_run(lab.overdue, bold=True))
            for label, value in _facts(e, lab):
                w.para(_run(f"{label}: ", bold=True) + _run(value), "List Bullet")
            if e.note.strip():
                # The note's own headings come out below the item's (Heading 3 and down).
                _markdown(w, e.note, heading_offset=0)
    w.text(f"{lab.generated} · {local_datetime(reg.generated_at, lab.locale)}", italic=True)
    return w.save()


# -- CSV and XLSX ------------------------------------------------------------------------------------


def header(lab: Labels, reg: FollowUpRegister | None = None) -> list[str]:
    """The columns; «Kommune» after the persona only when an item came from a «Hos oss» case."""
    head = [lab.status, lab.item, lab.responsible, lab.deadline, lab.overdue, lab.persona, lab.proposal, lab.note, lab.created, lab.updated, lab.history]
    if reg is not None and reg.has_municipalities:
        head.insert(6, lab.municipality)
    return head


def rows(reg: FollowUpRegister, lab: Labels) -> list[list[Any]]:
    out = []
    for s in reg.sections:  # every item, in report order (empty sections add nothing)
        for e in s.items:
            out.append(
                [
                    status_label(lab, e.status),
                    e.text,
                    e.responsible,
                    e.deadline,
                    lab.yes if e.overdue else lab.no,
                    e.persona,
                    e.source_text,
                    plain(e.note) if e.note.strip() else "",
                    local_time(e.created_at).replace(tzinfo=None, microsecond=0),
                    local_time(e.updated_at).replace(tzinfo=None, microsecond=0),
                    "\n".join(history_lines(e, lab)),
                ]
            )
            if reg.has_municipalities:
                out[-1].insert(6, e.municipality)
    return out


def render_csv(reg: FollowUpRegister, lab: Labels) -> bytes:
    return write_csv(header(lab, reg), rows(reg, lab))


def render_xlsx(reg: FollowUpRegister, lab: Labels) -> bytes:
    widths = (22, 60, 24, 12, 10, 18, 50, 50, 17, 17, 60)
    wrap = (1, 6, 7, 10)
    if reg.has_municipalities:
        widths, wrap = (*widths[:6], 18, *widths[6:]), (1, 7, 8, 11)
    return workbook_bytes(lambda wb: row_sheet(wb, lab.followup_report[:31], header(lab, reg), rows(reg, lab), widths, wrap=wrap))


WRITERS: dict[str, Writer] = {
    "md": utf8(render_markdown),
    "csv": render_csv,
    "xlsx": render_xlsx,
    "docx": render_docx,
    "pdf": render_pdf,
}


def render(fmt: str, reg: FollowUpRegister, lab: Labels) -> bytes:
    return writer(fmt, WRITERS, "follow-up report")(reg, lab)


def filename(title: str, fmt: str) -> str:
    """``oppfolging-<workshop>.<fmt>``."""
    return "oppfolging-" + report_filename(title, "", fmt)
