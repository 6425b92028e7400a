"""The report as Markdown (CommonMark): the same structure as the web page, everything escaped."""

from __future__ import annotations

from sessions.report import Report

from .document import local_datetime, long_date, section_numbers
from .labels import Labels, fill
from .markup import blocks, blocks_to_markdown, md_escape


def _item(text: str, suffix: str = "") -> str:
    body = md_escape(text).replace("\n", "\\\n  ")
    return f"- {body}{suffix}"


def _suffix(report: Report, c, lab: Labels) -> str:  # type: ignore[no-untyped-def]
    out = ""
    if report.show_votes:
        out += " (" + fill(lab.vote_count, n=c.votes) + ")"
    if c.tags:
        out += " [" + md_escape(", ".join(c.tags)) + "]"
    return out


def render_markdown(report: Report, lab: Labels) -> str:
    n = section_numbers(report)
    out: list[str] = [f"# {md_escape(report.title)}", ""]
    meta = []
    if report.place:
        meta.append(f"**{lab.place}:** {md_escape(report.place)}")
    if report.date:
        meta.append(f"**{lab.date}:** {long_date(report.date, lab.locale)}")
    if report.organisers:
        meta.append(f"**{lab.organisers}:** {md_escape(report.organisers)}")
    if meta:
        out += ["  \n".join(meta), ""]
    if report.is_running:
        out += [f"*{lab.running}*", ""]

    out += [f"## {n['summary']}. {lab.summary}", ""]
    out += [blocks_to_markdown(blocks(report.summary)) if report.summary.strip() else f"*{lab.not_written}*", ""]

    out += [f"## {n['inputs']}. {lab.inputs}", ""]
    if report.personas:
        out += [f"{lab.the_personas}:", ""]
        out += [f"- {md_escape(p.heading or lab.unknown_persona)}" for p in report.personas]
        out.append("")
    for p in report.personas:
        out += [f"### {md_escape(p.heading or lab.unknown_persona)}", ""]
        if p.card:
            out += [f"*{md_escape(p.card)}*", ""]
        for para in p.background:
            out += [md_escape(para), ""]
        if p.groups:
            out += [f"{lab.groups}: " + md_escape(", ".join(g.name for g in p.groups)), ""]
        multi = len(p.groups) > 1
        for kind, title in (("needs", lab.needs), ("solutions", lab.solutions)):
            out += [f"#### {title}", ""]
            groups = [g for g in p.groups if getattr(g, kind)]
            if not groups:
                out += [f"*{lab.no_inputs}*", ""]
                continue
            for g in groups:
                if multi:
                    out += [f"##### {md_escape(g.name)}", ""]
                out += [_item(c.text, _suffix(report, c, lab)) for c in getattr(g, kind)]
                out.append("")

    if report.themes:
        out += [f"## {n['themes']}. {lab.themes}", ""]
        for t in report.themes:
            out += [f"### {md_escape(t.name)}", ""]
            out += [_item(c.text, _suffix(report, c, lab)) for c in t.contributions]
            out.append("")

    f = report.participation
    out += [f"## {n['participation']}. {lab.participation}", ""]
    out += [fill(lab.figures_line, participants=f.participants, contributions=f.contributions, needs=f.needs, solutions=f.solutions), ""]
    out += [
        f"| {lab.group} | {lab.persona} | {lab.needs} | {lab.solutions} | {lab.total} |",
        "|---|---|---:|---:|---:|",
    ]
    for g in f.per_group:
        out.append(f"| {md_escape(g.name)} | {md_escape(g.persona)} | {g.needs} | {g.solutions} | {g.total} |")
    out += [f"| **{lab.total}** | | **{f.needs}** | **{f.solutions}** | **{f.contributions}** |", ""]
    if f.timeline:
        out += [f"{lab.timeline} ({fill(lab.timeline_bucket, n=f.bucket_minutes)}):", ""]
        out += [f"- {b.start and local_datetime(b.start, lab.locale)}: {b.count}" for b in f.timeline if b.count]
        out.append("")

    out += [f"## {n['method']}. {lab.method}", "", lab.method_auto, ""]
    if report.method_note.strip():
        out += [blocks_to_markdown(blocks(report.method_note)), ""]
    if report.invite_note.strip():
        out += [f"### {lab.invite}", "", blocks_to_markdown(blocks(report.invite_note)), ""]
    out += ["---", "", f"*{lab.generated} · {local_datetime(report.generated_at, lab.locale)}*", ""]
    return "\n".join(out)
