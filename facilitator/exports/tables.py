"""The report's contributions as a table: CSV (UTF-8 with BOM, comma, RFC 4180) and XLSX, one row each.

Columns: persona, group, kind, text, time (local, Europe/Oslo), votes, tags, theme, hidden. Cells that a
spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@`` first) are written as text: in the CSV with a
leading apostrophe (OWASP's advice), in the XLSX as typed string cells.

The XLSX has, after the contributions, one sheet per section of the report that has content: the themes
(with the personas each spans and its counts), the tags by persona (one table per category), the role
groups (k-anonymous, as in the report) and the follow-up register. The CSV stays one row per contribution.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

from sessions.report.service import local_time
from sessions.report.tree import Report

from .document import (
    Share,
    Table,
    followup_sections,
    local_rows,
    role_table,
    tag_table,
    theme_table,
)
from .labels import Labels, kind_label, status_label
from .markup import plain

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _xl() -> Any:
    """openpyxl, imported on first use: ``xl.Workbook``, ``xl.cell``, ``xl.styles``, ``xl.utils`` (its own
    ``__init__`` loads those submodules)."""
    # start-up: openpyxl takes ~0.16 s to import; the web app (~1.2 s to start) imports this module for CSV, only the worker writes XLSX
    import openpyxl

    return openpyxl


def header(lab: Labels) -> list[str]:
    return [lab.persona, lab.group, lab.kind, lab.text, lab.time, lab.votes, lab.tags, lab.theme, lab.hidden]


def rows(report: Report, lab: Labels) -> list[list[Any]]:
    return [
        [
            c.persona,
            c.group,
            kind_label(lab, c.kind),
            c.text,
            local_time(c.created_at).replace(tzinfo=None, microsecond=0),
            c.votes,
            ", ".join(c.tags),
            c.theme or "",
            lab.yes if c.hidden else lab.no,
        ]
        for c in report.contributions
    ]


# -- CSV -----------------------------------------------------------------------------------------------


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def write_csv(head: list[str], body: list[list[Any]]) -> bytes:
    """UTF-8 with a BOM (so Excel reads the letters right), comma, RFC 4180; formulas written as text."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, dialect="excel")
    writer.writerow(head)
    for row in body:
        writer.writerow([csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def render_csv(report: Report, lab: Labels) -> bytes:
    return write_csv(header(lab), rows(report, lab))


# -- XLSX ----------------------------------------------------------------------------------------------

_SHEET_BAD = str.maketrans({c: " " for c in "[]:*?/\\"})


def sheet_title(text: str, taken: set[str]) -> str:
    """A valid, unique worksheet name: at most 31 characters, none of ``[]:*?/`` nor a backslash."""
    base = " ".join(text.translate(_SHEET_BAD).split())[:31] or "Ark"
    title, i = base, 2
    while title.lower() in taken:
        suffix = f" {i}"
        title, i = base[: 31 - len(suffix)] + suffix, i + 1
    taken.add(title.lower())
    return title


def _typed(ws: Any, value: Any, *, bold: bool = False, wrap: bool = False) -> Any:
    """A cell of the value's own type: text never becomes a formula, shares are percentages, dates dates."""
    xl = _xl()
    if isinstance(value, Share):
        cell = xl.cell.WriteOnlyCell(ws, value=float(value))
        cell.number_format = "0 %"
    else:
        cell = xl.cell.WriteOnlyCell(ws, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # never a formula, whatever the text starts with
        elif isinstance(value, dt.datetime):
            cell.number_format = "yyyy-mm-dd hh:mm"
        elif isinstance(value, dt.date):
            cell.number_format = "yyyy-mm-dd"
    if bold:
        cell.font = xl.styles.Font(bold=True)
    if wrap:
        cell.alignment = xl.styles.Alignment(wrap_text=True, vertical="top")
    return cell


def _sheet(wb: Any, title: str, widths: tuple[int, ...]) -> Any:
    ws = wb.create_sheet(title)
    for i, width in enumerate(widths):
        ws.column_dimensions[_xl().utils.get_column_letter(i + 1)].width = width
    return ws


def row_sheet(wb: Any, title: str, head: list[str], body: list[list[Any]], widths: tuple[int, ...], wrap: tuple[int, ...]) -> None:
    """One sheet of records: a bold header row that stays in view, then one row each (``wrap``: the columns
    of long text)."""
    ws = _sheet(wb, title, widths)
    ws.freeze_panes = "A2"
    ws.append([_typed(ws, h, bold=True) for h in head])
    for row in body:
        ws.append([_typed(ws, v, wrap=i in wrap) for i, v in enumerate(row)])


def workbook_bytes(fill_in: Callable[[Any], None]) -> bytes:
    """A write-only workbook that ``fill_in`` adds its sheets to, saved."""
    wb = _xl().Workbook(write_only=True)
    fill_in(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _table_rows(ws: Any, t: Table, *, caption: bool) -> None:
    if caption:
        ws.append([_typed(ws, t.caption, bold=True)])
    ws.append([_typed(ws, h, bold=True) for h in t.head])
    for row in t.rows:
        ws.append([_typed(ws, v, bold=i == 0) for i, v in enumerate(row)])
    if t.foot:
        ws.append([_typed(ws, v, bold=True) for v in t.foot])


def _table_sheet(wb: Any, title: str, tables: list[Table], widths: tuple[int, ...]) -> None:
    """One sheet with one or more tables (a caption row above each when there are several)."""
    ws = _sheet(wb, title, widths)
    for i, t in enumerate(tables):
        if i:
            ws.append([])
        _table_rows(ws, t, caption=len(tables) > 1)


def _followup_rows(report: Report, lab: Labels) -> list[list[Any]]:
    return [
        [
            status_label(lab, e.status),
            e.text,
            e.responsible,
            e.deadline or "",
            lab.yes if e.overdue else lab.no,
            e.persona,
            plain(e.note) if e.note.strip() else "",
        ]
        for s in followup_sections(report)
        for e in s.items
    ]


def render_xlsx(report: Report, lab: Labels) -> bytes:
    def fill_in(wb: Any) -> None:
        taken: set[str] = set()
        row_sheet(wb, sheet_title(lab.contributions, taken), header(lab), rows(report, lab), (22, 14, 18, 70, 18, 8, 20, 18, 8), wrap=(3,))
        if report.themes:
            _table_sheet(wb, sheet_title(lab.themes, taken), [theme_table(report, lab)], (45, 45, 16, 16, 10))
        if report.tag_tables:
            tables = [tag_table(tt, lab) for tt in report.tag_tables]
            width = max(len(t.head) for t in tables)
            _table_sheet(wb, sheet_title(lab.tag_tables, taken), tables, (28, *([16] * (width - 1))))
        roles = role_table(report, lab)
        if roles is not None:
            _table_sheet(wb, sheet_title(lab.role_groups, taken), [roles], (28, *([16] * (len(roles.head) - 1))))
        if report.local_cases:
            head = [lab.municipality, lab.local_case, lab.kind, lab.grew_from_column]
            row_sheet(wb, sheet_title(lab.local, taken), head, local_rows(report, lab), (22, 60, 20, 60), wrap=(1, 3))
        if report.followups:
            head = [lab.status, lab.item, lab.responsible, lab.deadline, lab.overdue, lab.persona, lab.note]
            rows_ = _followup_rows(report, lab)
            if report.followups.has_municipalities:  # the «Kommune» column, only when «Hos oss» cases are in it
                head.insert(6, lab.municipality)
                items = [e for s in followup_sections(report) for e in s.items]
                for row, e in zip(rows_, items, strict=True):
                    row.insert(6, e.municipality)
            row_sheet(wb, sheet_title(lab.followup, taken), head, rows_, (22, 60, 24, 12, 10, 18, 18, 60)[: len(head)], wrap=(1, len(head) - 1))

    return workbook_bytes(fill_in)
