"""The report's contributions as a table: CSV (UTF-8 with BOM, comma, RFC 4180) and XLSX, one row each.

Columns: persona, group, kind, text, time (local, Europe/Oslo), votes, tags, theme, hidden. Cells that a
spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@`` first) are written as text: in the CSV with a
leading apostrophe (OWASP's advice), in the XLSX as typed string cells.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from sessions.report import Report, local_time

from .labels import Labels, kind_label

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


def render_xlsx(report: Report, lab: Labels) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(lab.contributions[:31])
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
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
