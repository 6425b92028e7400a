"""The report's two charts as SVG (web page, PDF) and PNG (DOCX): contributions per persona, and a timeline.

The SVG is written here by hand (no browser, no plotting library); text is escaped and the fonts are the
ones the page and WeasyPrint use. PNG comes from the same SVG through ``rsvg-convert`` (librsvg, which lays
text out with Pango, so æøå, emoji and right-to-left names come out as in the PDF).
"""

from __future__ import annotations

import shutil
import subprocess
from xml.sax.saxutils import escape

from sessions.report.service import local_time
from sessions.report.tree import Report

from .labels import Labels, fill

NEED = "#0b5394"
SOLUTION = "#1e6b34"
INK = "#1b1f24"
MUTED = "#4a5260"
GRID = "#c9ced6"
FONT = "DejaVu Sans, Noto Sans, sans-serif"  # emoji come by fallback; listing an emoji font makes Pango draw digits with it
WIDTH = 680


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})


def _short(name: str, limit: int = 26) -> str:
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def _svg(width: int, height: int, title: str, body: list[str], chart_id: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-labelledby="{chart_id}-title" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" font-family="{_attr(FONT)}" font-size="13">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>' + "".join(body) + "</svg>"
    )


def persona_chart(report: Report, lab: Labels) -> str:
    """Horizontal stacked bars: needs and proposals for each persona."""
    rows = [f for f in report.participation.per_persona]
    label_w, right = 210, 50
    row_h, top = 30, 34
    height = top + max(1, len(rows)) * row_h + 16
    biggest = max([f.total for f in rows] + [1])
    scale = (WIDTH - label_w - right) / biggest
    body = [
        f'<rect x="{label_w}" y="8" width="12" height="12" fill="{NEED}"/>',
        f'<text x="{label_w + 18}" y="19" fill="{INK}">{escape(lab.needs)}</text>',
        f'<rect x="{label_w + 200}" y="8" width="12" height="12" fill="{SOLUTION}"/>',
        f'<text x="{label_w + 218}" y="19" fill="{INK}">{escape(lab.solutions)}</text>',
    ]
    for i, f in enumerate(rows):
        y = top + i * row_h
        name = f.name or lab.unknown_persona
        body.append(f'<text x="{label_w - 8}" y="{y + 18}" text-anchor="end" fill="{INK}">{escape(_short(name))}</text>')
        w_need, w_sol = f.needs * scale, f.solutions * scale
        body.append(f'<rect x="{label_w}" y="{y + 4}" width="{w_need:.1f}" height="20" fill="{NEED}"/>')
        body.append(f'<rect x="{label_w + w_need:.1f}" y="{y + 4}" width="{w_sol:.1f}" height="20" fill="{SOLUTION}"/>')
        body.append(f'<text x="{label_w + w_need + w_sol + 6:.1f}" y="{y + 18}" fill="{INK}">{f.total}</text>')
    return _svg(WIDTH, height, lab.per_persona, body, "chart-personas")


def timeline_chart(report: Report, lab: Labels) -> str:
    """Columns: contributions per time bucket, with local clock times below."""
    buckets = list(report.participation.timeline)
    left, right, top, bottom = 44, 16, 28, 40
    height = 220
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    biggest = max([b.count for b in buckets] + [1])
    n = max(1, len(buckets))
    col = plot_w / n
    caption = fill(lab.timeline_bucket, n=report.participation.bucket_minutes)
    body = [
        f'<text x="{left}" y="16" fill="{MUTED}">{escape(caption)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="{GRID}"/>',
        f'<line x1="{left}" y1="{top}" x2="{left + plot_w}" y2="{top}" stroke="{GRID}" stroke-dasharray="3 3"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" fill="{MUTED}">{biggest}</text>',
        f'<text x="{left - 6}" y="{top + plot_h + 4}" text-anchor="end" fill="{MUTED}">0</text>',
    ]
    every = max(1, round(n / 6))
    for i, b in enumerate(buckets):
        h = b.count / biggest * plot_h
        x = left + i * col
        body.append(f'<rect x="{x + col * 0.12:.1f}" y="{top + plot_h - h:.1f}" width="{col * 0.76:.1f}" height="{h:.1f}" fill="{NEED}"/>')
        if i % every == 0:
            t = local_time(b.start)
            label = t.strftime("%H:%M") if report.participation.bucket_minutes < 1440 else t.strftime("%d.%m")
            body.append(f'<text x="{x + col / 2:.1f}" y="{top + plot_h + 18}" text-anchor="middle" fill="{MUTED}">{label}</text>')
    return _svg(WIDTH, height, lab.timeline, body, "chart-timeline")


def png(svg: str, *, zoom: float = 2.0, timeout: float = 30) -> bytes | None:
    """The SVG as PNG (rsvg-convert), or None when librsvg's tool is not installed."""
    tool = shutil.which("rsvg-convert")
    if tool is None:
        return None
    done = subprocess.run(
        [tool, "--format=png", f"--zoom={zoom}"], input=svg.encode("utf-8"), capture_output=True, timeout=timeout, check=False
    )
    return done.stdout if done.returncode == 0 and done.stdout.startswith(b"\x89PNG") else None
