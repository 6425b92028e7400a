"""The report as HTML: one Jinja template (templates/report/_document.html) for the web page and the PDF.

The web page renders it with the app's Jinja environment (``install`` adds the filters); the PDF worker and
the CLI use :func:`standalone_env`, which needs no Flask.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from sessions.report import Report, local_time

from . import charts
from .labels import Labels, fill, kind_label
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


def section_numbers(report: Report) -> dict[str, int]:
    n = {"summary": 1, "inputs": 2}
    nxt = 3
    if report.themes:
        n["themes"] = nxt
        nxt += 1
    n["participation"] = nxt
    n["method"] = nxt + 1
    return n


def context(report: Report, lab: Labels, *, with_charts: bool = True) -> dict[str, Any]:
    return {
        "r": report,
        "L": lab,
        "n": section_numbers(report),
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
