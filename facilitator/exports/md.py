"""The report as Markdown (CommonMark): the same structure as the web page, everything escaped."""

from __future__ import annotations

from sessions.report.tree import Report

from .document import (
    Table,
    followup_facts,
    followup_figures,
    followup_sections,
    grew_from,
    local_datetime,
    local_figures,
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


def _inline(text: str) -> str:
    """Escaped text that follows other text on its line (so "1. september" needs no backslash)."""
    return md_escape("x" + text)[1:]


def _cell(value: object) -> str:
    return md_escape(str(value)).replace("\n", " ")


def _table(t: Table) -> list[str]:
    """A pipe table with its caption in bold above it; every cell escaped (``|`` included)."""
    out = [f"**{_cell(t.caption)}**", ""]
    out.append("| " + " | ".join(_cell(h) for h in t.head) + " |")
    out.append("|" + "".join("---:|" if t.numeric(i) else "---|" for i in range(len(t.head))))
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in t.rows]
    if t.foot:
        out.append("| " + " | ".join(f"**{_cell(c)}**" if str(c) else "" for c in t.foot) + " |")
    out.append("")
    return out


def _sections(report: Report, lab: Labels, n: dict[str, int]) -> list[str]:
    """Sections 3-7 (each only when it has content): themes, tags by persona, role groups, «Hos oss», follow-up."""
    out: list[str] = []
    if report.themes:
        out += [f"## {n['themes']}. {lab.themes}", "", lab.themes_intro, ""]
        out += _table(theme_table(report, lab))
        for t in report.themes:
            out += [f"### {md_escape(t.name)}", "", md_escape(theme_facts(t, lab)), ""]
            out += [_item(c.text, " – " + md_escape(theme_item_source(c, lab))) for c in t.contributions]
            out.append("")
    if report.tag_tables:
        out += [f"## {n['measures']}. {lab.tag_tables}", "", lab.tag_tables_intro, ""]
        for tt in report.tag_tables:
            out += _table(tag_table(tt, lab))
            out += [tagged_line(tt, lab), ""]
    if report.role_groups:
        out += [f"## {n['roles']}. {lab.role_differences}", "", lab.role_intro, ""]
        table = role_table(report, lab)
        if table is not None:
            out += _table(table)
            if len(table.rows) > 3:
                out += [lab.role_shares, ""]
        else:
            out += [f"*{lab.role_too_few}*", ""]
        out += [fill(lab.role_privacy, n=report.role_groups.min_group), ""]
    if report.local_cases:
        out += [f"## {n['local']}. {lab.local_cases}", "", lab.local_intro, "", local_figures(report, lab), ""]
        for m in report.local_cases:
            out += [f"### {md_escape(m.municipality)}", ""]
            out += [_item(e.text, f" – *{_inline(grew_from(e, lab))}*" if e.origin_text else "") for e in m.cases]
            out.append("")
    if report.followups:
        out += [f"## {n['followups']}. {lab.followup}", "", lab.followup_intro_report, "", followup_figures(report, lab), ""]
        for s in followup_sections(report):
            out += [f"### {status_label(lab, s.status)}", ""]
            if not s.items:
                out += [f"*{lab.no_items}*", ""]
            for e in s.items:
                out += [f"#### {md_escape(e.text).replace(chr(10), ' ')}", ""]
                out += [f"- **{label}:** {_inline(value)}".replace("\n", "\\\n  ") for label, value in followup_facts(e, lab)]
                out.append("")
                if e.note.strip():
                    out += [blocks_to_markdown(blocks(e.note)), ""]
    return out


def render_markdown(report: Report, lab: Labels) -> str:
    n = section_numbers(report)
    out: list[str] = [f"# {md_escape(report.title)}", ""]
    meta = [f"**{label}:** {value}" for label, value in title_facts(lab, report.place, report.date, report.organisers, md_escape)]
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

    out += _sections(report, lab, n)

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
