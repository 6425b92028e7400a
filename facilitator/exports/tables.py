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
import io
from typing import Any

from sessions.report.service import local_time
from sessions.report.tree import Report

from .document import (
    Share,
    Table,
    followup_sections,
    role_table,
    tag_table,
    theme_table,
)
from .labels import Labels, kind_label, status_label
from .markup import plain

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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


def _csv_cell(value: Any) -> str:
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ")
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def render_csv(report: Report, lab: Labels) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, dialect="excel")
    writer.writerow(header(lab))
    for row in rows(report, lab):
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


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


def _typed(ws: Any, value: Any, *, bold: bool = False, wrap: Any = None) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    if isinstance(value, Share):
        cell = WriteOnlyCell(ws, value=float(value))
        cell.number_format = "0 %"
    else:
        cell = WriteOnlyCell(ws, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # never a formula, whatever the text starts with
    if bold:
        cell.font = Font(bold=True)
    if wrap is not None:
        cell.alignment = wrap
    return cell


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
    ws = wb.create_sheet(title)
    for i, width in enumerate(widths):
        ws.column_dimensions[_column(i)].width = width
    for i, t in enumerate(tables):
        if i:
            ws.append([])
        _table_rows(ws, t, caption=len(tables) > 1)


def _column(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(i + 1))


def _followup_sheet(wb: Any, title: str, report: Report, lab: Labels) -> None:
    ws = wb.create_sheet(title)
    ws.freeze_panes = "A2"
    for i, width in enumerate((22, 60, 24, 12, 10, 18, 60)):
        ws.column_dimensions[_column(i)].width = width
    from openpyxl.styles import Alignment

    wrap = Alignment(wrap_text=True, vertical="top")
    ws.append([_typed(ws, h, bold=True) for h in (lab.status, lab.item, lab.responsible, lab.deadline, lab.overdue, lab.persona, lab.note)])
    for s in followup_sections(report):
        for e in s.items:
            deadline = _typed(ws, e.deadline) if e.deadline else _typed(ws, "")
            if e.deadline:
                deadline.number_format = "yyyy-mm-dd"
            ws.append(
                [
                    _typed(ws, status_label(lab, e.status)),
                    _typed(ws, e.text, wrap=wrap),
                    _typed(ws, e.responsible),
                    deadline,
                    _typed(ws, lab.yes if e.overdue else lab.no),
                    _typed(ws, e.persona),
                    _typed(ws, plain(e.note) if e.note.strip() else "", wrap=wrap),
                ]
            )


def render_xlsx(report: Report, lab: Labels) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    wb = Workbook(write_only=True)
    taken: set[str] = set()
    ws = wb.create_sheet(sheet_title(lab.contributions, taken))
    ws.freeze_panes = "A2"
    for col, width in zip("ABCDEFGHI", (22, 14, 18, 70, 18, 8, 20, 18, 8), strict=True):
        ws.column_dimensions[col].width = width
    bold = Font(bold=True)
    head = []
    for text in header(lab):
        cell = WriteOnlyCell(ws, value=text)
        cell.font = bold
        head.append(cell)
    ws.append(head)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in rows(report, lab):
        cells = []
        for i, value in enumerate(row):
            cell = WriteOnlyCell(ws, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            if i == 3:
                cell.alignment = wrap
            if i == 4:
                cell.number_format = "yyyy-mm-dd hh:mm"
            cells.append(cell)
        ws.append(cells)
    if report.themes:
        _table_sheet(wb, sheet_title(lab.themes, taken), [theme_table(report, lab)], (45, 45, 16, 16, 10))
    if report.tag_tables:
        tables = [tag_table(tt, lab) for tt in report.tag_tables]
        width = max(len(t.head) for t in tables)
        _table_sheet(wb, sheet_title(lab.tag_tables, taken), tables, (28, *([16] * (width - 1))))
    roles = role_table(report, lab)
    if roles is not None:
        _table_sheet(wb, sheet_title(lab.role_groups, taken), [roles], (28, *([16] * (len(roles.head) - 1))))
    if report.followups:
        _followup_sheet(wb, sheet_title(lab.followup, taken), report, lab)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
