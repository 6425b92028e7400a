"""The report's formats. Every renderer takes a :class:`sessions.report.Report` and the labels in the
report's language, and returns bytes; none imports Flask, so the worker process (worker.py) and the CLI
use them directly.

=========  ==============================  =====
format     renderer                        heavy
=========  ==============================  =====
``md``     md.render_markdown              no
``csv``    tables.render_csv               no
``xlsx``   tables.render_xlsx              yes
``docx``   word.render_docx                yes
``pdf``    pdf.render_pdf                  yes
``json``   sessions.archive (not a Report) no
=========  ==============================  =====

Heavy formats run in a worker process in the web app (see worker.py), never on the event loop.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sessions.report.tree import Report

from .labels import Labels
from .md import render_markdown
from .pdf import render_pdf
from .tables import render_csv, render_xlsx
from .word import render_docx

Writer = Callable[[Any, Labels], bytes]


@dataclass(frozen=True)
class Format:
    name: str
    mimetype: str
    heavy: bool


FORMATS: dict[str, Format] = {
    "docx": Format("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", True),
    "pdf": Format("pdf", "application/pdf", True),
    "xlsx": Format("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", True),
    "md": Format("md", "text/markdown; charset=utf-8", False),
    "csv": Format("csv", "text/csv; charset=utf-8", False),
    "json": Format("json", "application/json", False),
}
REPORT_FORMATS = ("docx", "pdf", "md", "csv", "xlsx")


def utf8(render_text: Callable[[Any, Labels], str]) -> Writer:
    """A writer of bytes from a writer of text (Markdown)."""
    return lambda doc, lab: render_text(doc, lab).encode("utf-8")


REPORT_WRITERS: dict[str, Writer] = {
    "md": utf8(render_markdown),
    "csv": render_csv,
    "xlsx": render_xlsx,
    "docx": render_docx,
    "pdf": render_pdf,
}


def writer(fmt: str, writers: Mapping[str, Writer] = REPORT_WRITERS, what: str = "report") -> Writer:
    """The function that writes ``fmt``, from a table of writers (the report's, or the follow-up report's)."""
    try:
        return writers[fmt]
    except KeyError:
        raise ValueError(f"not a {what} format: {fmt!r}") from None


def render(fmt: str, report: Report, lab: Labels) -> bytes:
    return writer(fmt)(report, lab)


_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "Ae", "Ø": "O", "Å": "A"})


def filename(title: str, date: object, fmt: str) -> str:
    """An ASCII file name such as ``personalledersamling-2019-06-13.docx``."""
    text = unicodedata.normalize("NFKD", title.translate(_FOLD)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:60] or "workshop"
    if date:
        slug += f"-{date}"
    return f"{slug}.{fmt}"
