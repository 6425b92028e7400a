"""The report as PDF: the web page's HTML and print CSS through WeasyPrint, with every fetch refused.

The document has no external resources (the charts are inline SVG, the fonts come from the system), and
the URL fetcher refuses anything it is asked for, so Markdown or text can never make the PDF load a URL.
"""

from __future__ import annotations

from typing import Any

from sessions.report.tree import Report

from .document import REPORT_CSS, render_print_html
from .labels import Labels


class FetchRefused(Exception):
    pass


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise FetchRefused(f"the report never loads {url!r}")


def render_pdf(report: Report, lab: Labels) -> bytes:
    from weasyprint import (  # imported here: it takes half a second, and only the worker needs it
        CSS,
        HTML,
    )

    html = render_print_html(report, lab)
    css = CSS(string=REPORT_CSS.read_text(encoding="utf-8"), url_fetcher=_no_fetch)
    doc = HTML(string=html, base_url="about:blank", url_fetcher=_no_fetch)
    return doc.write_pdf(stylesheets=[css], pdf_variant=None) or b""
