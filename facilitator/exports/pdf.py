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


def write_pdf(html: str, css: str) -> bytes:
    """A PDF of a standalone HTML document and its print CSS, loading nothing from anywhere."""
    # start-up: weasyprint takes ~0.9 s to import and only the export worker renders PDF
    from weasyprint import CSS, HTML

    doc = HTML(string=html, base_url="about:blank", url_fetcher=_no_fetch)
    return doc.write_pdf(stylesheets=[CSS(string=css, url_fetcher=_no_fetch)], pdf_variant=None) or b""


def render_pdf(report: Report, lab: Labels) -> bytes:
    return write_pdf(render_print_html(report, lab), REPORT_CSS.read_text(encoding="utf-8"))
