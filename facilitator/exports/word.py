"""The report as DOCX for Word and LibreOffice: built-in styles (Title, Heading 1-4, List Bullet, Quote),
a table-of-contents field, a table of figures and the two charts as pictures.

python-docx creates the document, the table and the pictures; the paragraphs are written as WordprocessingML
strings and parsed in one go, because python-docx's per-paragraph API needs about 8 s for 10,000 list items
and this about 0.1 s. All text is XML-escaped; nothing in a contribution or a summary becomes markup.
"""

from __future__ import annotations

import io
import re
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Cm

from sessions.report.tree import Report

from . import charts
from .document import (
    Table,
    followup_facts,
    followup_figures,
    followup_sections,
    grew_from,
    local_datetime,
    local_figures,
    optional_sections,
    role_table,
    section_numbers,
    tag_table,
    tagged_line,
    theme_facts,
    theme_item_source,
    theme_table,
    title_facts,
)
from .labels import Labels, fill, status_label
from .markup import Block, Run, blocks

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _t(text: str) -> str:
    return escape(_XML_BAD.sub("", text))


def _run(text: str, *, bold: bool = False, italic: bool = False, code: bool = False) -> str:
    props = ""
    if bold:
        props += "<w:b/>"
    if italic:
        props += "<w:i/>"
    if code:
        props += '<w:rFonts w:ascii="Courier New" w:hAnsi="Courier New" w:cs="Courier New"/>'
    rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
    parts = text.replace("\t", " ").split("\n")
    inner = "<w:br/>".join(f'<w:t xml:space="preserve">{_t(p)}</w:t>' for p in parts)
    return f"<w:r>{rpr}{inner}</w:r>"


class _Writer:
    def __init__(self) -> None:
        self.doc = Document()
        self.body = self.doc.element.body
        self.pending: list[str] = []
        self.styles = {s.name: s.style_id for s in self.doc.styles}

    def para(self, runs: str, style: str | None = None) -> None:
        ppr = f'<w:pPr><w:pStyle w:val="{self.styles[style]}"/></w:pPr>' if style else ""
        self.pending.append(f"<w:p>{ppr}{runs}</w:p>")

    def text(self, text: str, style: str | None = None, **fmt: bool) -> None:
        self.para(_run(text, **fmt), style)

    def head(self, title: str, subject: str, lab: Labels, facts: list[tuple[str, str]], author: str | None) -> None:
        """The document's properties, its title and the facts under it (place, date, organisers)."""
        props = self.doc.core_properties
        props.title = title[:255]
        props.subject = subject
        props.author = (author or "Personaverkstad")[:255]
        props.language = lab.locale
        self.text(title, "Title")
        for label, value in facts:
            self.para(_run(f"{label}: ", bold=True) + _run(value))

    def save(self) -> bytes:
        self.flush()
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()

    def flush(self) -> None:
        if not self.pending:
            return
        frag = parse_xml(f"<w:body {nsdecls('w')}>" + "".join(self.pending) + "</w:body>")
        sect = self.body[-1] if self.body[-1].tag.endswith("sectPr") else None
        for el in list(frag):
            if sect is not None:
                sect.addprevious(el)
            else:
                self.body.append(el)
        self.pending = []


def _runs_xml(runs: list[Run]) -> str:
    out = []
    for r in runs:
        text = r.text + (f" ({r.href})" if r.href and r.href != r.text else "")
        out.append(_run(text, bold=r.bold, italic=r.italic, code=r.code))
    return "".join(out)


def _markdown(w: _Writer, source: str, heading_offset: int = 1) -> None:
    """A facilitator's Markdown: its headings (level 3+ in the page) become Heading 2+ here."""
    for b in blocks(source):
        _block(w, b, heading_offset)


def _block(w: _Writer, b: Block, heading_offset: int) -> None:
    if b.kind == "h":
        w.para(_runs_xml(b.runs), f"Heading {min(9, b.level - heading_offset)}")
    elif b.kind == "li":
        depth = min(3, b.level)
        base = "List Number" if b.ordered else "List Bullet"
        w.para(_runs_xml(b.runs), base if depth == 1 else f"{base} {depth}")
    elif b.kind == "pre":
        w.para(_run(b.text.rstrip("\n"), code=True), "No Spacing")
    elif b.kind == "quote":
        w.para(_runs_xml(b.runs), "Quote")
    elif b.kind == "hr":
        w.para("", None)
    else:
        w.para(_runs_xml(b.runs))


def _toc(w: _Writer, entries: list[tuple[int, str]], lab: Labels) -> None:
    """A TOC field (Word updates it; F9) with the headings as its current result, so it reads well unopened."""
    w.text(lab.contents, "TOC Heading")
    begin = (
        '<w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> TOC \\o "1-2" \\h \\z \\u </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
    )
    end = '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    for i, (level, text) in enumerate(entries):
        indent = f'<w:pPr><w:ind w:left="{(level - 1) * 360}"/></w:pPr>' if level > 1 else ""
        w.pending.append(
            f"<w:p>{indent}{begin if i == 0 else ''}{_run(text)}{end if i == len(entries) - 1 else ''}</w:p>"
        )


def _item(report: Report, c, lab: Labels) -> str:  # type: ignore[no-untyped-def]
    text = c.text
    if report.show_votes:
        text += " (" + fill(lab.vote_count, n=c.votes) + ")"
    if c.tags:
        text += " [" + ", ".join(c.tags) + "]"
    return _run(text)


def _table(w: _Writer, t: Table) -> None:
    """A real Word table (python-docx) with its caption, a repeated header row and right-aligned figures."""
    w.text(t.caption, "Caption")
    w.flush()
    table = w.doc.add_table(rows=1, cols=len(t.head))
    table.style = w.doc.styles["Light Grid Accent 1"]
    header = table.rows[0]
    header._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for row, values in ((header, t.head), *((None, r) for r in t.rows), *(((None, t.foot),) if t.foot else ())):
        cells = (row or table.add_row()).cells
        for i, (cell, value) in enumerate(zip(cells, values, strict=True)):
            cell.text = _XML_BAD.sub("", str(value))
            if t.numeric(i):
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _sections(w: _Writer, report: Report, lab: Labels, n: dict[str, int]) -> None:
    """Sections 3-7 (each only when it has content): themes, tags by persona, role groups, «Hos oss», follow-up."""
    if report.themes:
        w.text(f"{n['themes']}. {lab.themes}", "Heading 1")
        w.text(lab.themes_intro)
        _table(w, theme_table(report, lab))
        for t in report.themes:
            w.text(t.name, "Heading 2")
            w.text(theme_facts(t, lab), italic=True)
            style = w.styles["List Bullet"]
            w.pending.extend(
                f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr>{_run(c.text)}{_run(" – " + theme_item_source(c, lab), italic=True)}</w:p>'
                for c in t.contributions
            )
    if report.tag_tables:
        w.text(f"{n['measures']}. {lab.tag_tables}", "Heading 1")
        w.text(lab.tag_tables_intro)
        for tt in report.tag_tables:
            _table(w, tag_table(tt, lab))
            w.text(tagged_line(tt, lab))
    if report.role_groups:
        w.text(f"{n['roles']}. {lab.role_differences}", "Heading 1")
        w.text(lab.role_intro)
        table = role_table(report, lab)
        if table is not None:
            _table(w, table)
            if len(table.rows) > 3:
                w.text(lab.role_shares)
        else:
            w.text(lab.role_too_few, italic=True)
        w.text(fill(lab.role_privacy, n=report.role_groups.min_group))
    if report.local_cases:
        w.text(f"{n['local']}. {lab.local_cases}", "Heading 1")
        w.text(lab.local_intro)
        w.text(local_figures(report, lab))
        for m in report.local_cases:
            w.text(m.municipality, "Heading 2")
            for e in m.cases:
                origin = _run(" – " + grew_from(e, lab), italic=True) if e.origin_text else ""
                w.para(_run(e.text) + origin, "List Bullet")
    if report.followups:
        w.text(f"{n['followups']}. {lab.followup}", "Heading 1")
        w.text(lab.followup_intro_report)
        w.text(followup_figures(report, lab))
        for s in followup_sections(report):
            w.text(status_label(lab, s.status), "Heading 2")
            if not s.items:
                w.text(lab.no_items, italic=True)
            for e in s.items:
                w.text(e.text, "Heading 3")
                for label, value in followup_facts(e, lab):
                    w.para(_run(f"{label}: ", bold=True) + _run(value), "List Bullet")
                if e.note.strip():
                    # The note's own headings come out below the item's (Heading 4 and down).
                    _markdown(w, e.note, heading_offset=-1)


def render_docx(report: Report, lab: Labels) -> bytes:
    w = _Writer()
    n = section_numbers(report)
    w.head(report.title, lab.report, lab, title_facts(lab, report.place, report.date, report.organisers), report.organisers)
    if report.is_running:
        w.text(lab.running, italic=True)

    entries = [(1, f"{n['summary']}. {lab.summary}"), (1, f"{n['inputs']}. {lab.inputs}")]
    entries += [(2, p.heading or lab.unknown_persona) for p in report.personas]
    entries += [(1, title) for _key, title in optional_sections(report, lab)]
    entries += [(1, f"{n['participation']}. {lab.participation}"), (1, f"{n['method']}. {lab.method}")]
    _toc(w, entries, lab)

    w.text(f"{n['summary']}. {lab.summary}", "Heading 1")
    if report.summary.strip():
        _markdown(w, report.summary)
    else:
        w.text(lab.not_written, italic=True)

    w.text(f"{n['inputs']}. {lab.inputs}", "Heading 1")
    if report.personas:
        w.text(f"{lab.the_personas}:")
        for p in report.personas:
            w.text(p.heading or lab.unknown_persona, "List Bullet")
    for p in report.personas:
        w.text(p.heading or lab.unknown_persona, "Heading 2")
        if p.card:
            w.text(p.card, italic=True)
        for para in p.background:
            w.text(para)
        if p.groups:
            w.para(_run(f"{lab.groups}: ", bold=True) + _run(", ".join(g.name for g in p.groups)))
        multi = len(p.groups) > 1
        for kind, title in (("needs", lab.needs), ("solutions", lab.solutions)):
            w.text(title, "Heading 3")
            groups = [g for g in p.groups if getattr(g, kind)]
            if not groups:
                w.text(lab.no_inputs, italic=True)
            for g in groups:
                if multi:
                    w.text(g.name, "Heading 4")
                style = w.styles["List Bullet"]
                w.pending.extend(
                    f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr>{_item(report, c, lab)}</w:p>' for c in getattr(g, kind)
                )

    _sections(w, report, lab, n)

    f = report.participation
    w.text(f"{n['participation']}. {lab.participation}", "Heading 1")
    w.text(fill(lab.figures_line, participants=f.participants, contributions=f.contributions, needs=f.needs, solutions=f.solutions))
    w.flush()
    table = w.doc.add_table(rows=1, cols=5)
    table.style = w.doc.styles["Light Grid Accent 1"]
    for cell, text in zip(table.rows[0].cells, (lab.group, lab.persona, lab.needs, lab.solutions, lab.total), strict=True):
        cell.text = text
    for g in list(f.per_group) + [None]:
        row = table.add_row().cells
        values = (g.name, g.persona, g.needs, g.solutions, g.total) if g else (lab.total, "", f.needs, f.solutions, f.contributions)
        for cell, value in zip(row, values, strict=True):
            cell.text = str(value)
    for title, svg in ((lab.per_persona, charts.persona_chart(report, lab)), (lab.timeline, charts.timeline_chart(report, lab) if f.timeline else None)):
        if svg is None:
            continue
        picture = charts.png(svg)
        if picture is None:
            continue
        w.text(title, "Caption")
        w.flush()
        w.doc.add_picture(io.BytesIO(picture), width=Cm(16))

    w.text(f"{n['method']}. {lab.method}", "Heading 1")
    w.text(lab.method_auto)
    if report.method_note.strip():
        _markdown(w, report.method_note)
    if report.invite_note.strip():
        w.text(lab.invite, "Heading 2")
        _markdown(w, report.invite_note)
    w.text(f"{lab.generated} · {local_datetime(report.generated_at, lab.locale)}", italic=True)
    return w.save()
