"""Facilitators' Markdown, made safe for every format.

``render_html`` turns Markdown into HTML that cannot run script or load anything: raw HTML in the source is
shown as text (Python-Markdown's HTML processors are switched off), images are not Markdown at all (``![x](y)``
stays literal text), headings start at level 3 (the report's sections are level 2), and nh3 then keeps only a
short list of tags, ``http``/``https``/``mailto`` links with ``rel="noopener noreferrer nofollow"``, and no
attributes besides ``href``. ``blocks`` parses that safe HTML into a small block model which the DOCX and
Markdown renderers use, so every format shows the same thing.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from html.parser import HTMLParser

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

ALLOWED_TAGS = {"p", "br", "strong", "em", "a", "ul", "ol", "li", "h3", "h4", "h5", "h6", "blockquote", "code", "pre", "hr"}
URL_SCHEMES = {"http", "https", "mailto"}


class _ShiftHeadings(Treeprocessor):
    def run(self, root: etree.Element) -> None:
        for el in root.iter():
            if re.fullmatch(r"h[1-6]", el.tag):
                el.tag = f"h{min(6, int(el.tag[1]) + 2)}"


class _SafeMarkdown(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - the library's name
        md.preprocessors.deregister("html_block")
        for name in ("html", "image_link", "image_reference", "short_image_ref"):
            md.inlinePatterns.deregister(name)
        md.treeprocessors.register(_ShiftHeadings(md), "shift_headings", 5)


def _converter() -> markdown.Markdown:
    return markdown.Markdown(extensions=[_SafeMarkdown(), "sane_lists"], output_format="html")


def sanitize(fragment: str) -> str:
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href"}},
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render_html(source: str) -> str:
    """Safe HTML for a facilitator's Markdown (an empty string for empty input)."""
    if not source or not source.strip():
        return ""
    return sanitize(_converter().convert(source))


# -- a small block model for DOCX and Markdown ----------------------------------------------------------


@dataclass
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    href: str | None = None


@dataclass
class Block:
    kind: str  # "h", "p", "li", "pre", "quote", "hr"
    runs: list[Run] = field(default_factory=list)
    level: int = 0  # heading level (3-6) or list depth (1-...)
    ordered: bool = False

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


class _BlockParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.current: Block | None = None
        self.lists: list[bool] = []  # ordered? per open list
        self.bold = self.italic = self.code = 0
        self.href: list[str | None] = []
        self.in_pre = False
        self.quote = 0

    def _open(self, kind: str, **kw: object) -> Block:
        block = Block(kind, **kw)  # type: ignore[arg-type]
        self.blocks.append(block)
        self.current = block
        return block

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h3", "h4", "h5", "h6"):
            self._open("h", level=int(tag[1]))
        elif tag == "p":
            if self.current is not None and self.current.kind == "li" and not self.current.runs:
                return  # a loose list item's first paragraph
            if self.lists and self.current is not None and self.current.kind == "li":
                self._open("li", level=len(self.lists), ordered=self.lists[-1])
                return
            self._open("quote" if self.quote else "p")
        elif tag in ("ul", "ol"):
            self.lists.append(tag == "ol")
            self.current = None
        elif tag == "li":
            self._open("li", level=len(self.lists), ordered=bool(self.lists and self.lists[-1]))
        elif tag == "pre":
            self.in_pre = True
            self._open("pre")
        elif tag == "blockquote":
            self.quote += 1
        elif tag == "hr":
            self._open("hr")
            self.current = None
        elif tag == "br":
            self._text("\n")
        elif tag == "strong":
            self.bold += 1
        elif tag == "em":
            self.italic += 1
        elif tag == "code":
            self.code += 1
        elif tag == "a":
            self.href.append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h3", "h4", "h5", "h6", "p", "pre"):
            if tag == "pre":
                self.in_pre = False
            if not (tag == "p" and self.current is not None and self.current.kind == "li"):
                self.current = None
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self.current = None
        elif tag == "li":
            self.current = None
        elif tag == "blockquote":
            self.quote = max(0, self.quote - 1)
        elif tag == "strong":
            self.bold = max(0, self.bold - 1)
        elif tag == "em":
            self.italic = max(0, self.italic - 1)
        elif tag == "code":
            self.code = max(0, self.code - 1)
        elif tag == "a":
            if self.href:
                self.href.pop()

    def _text(self, data: str) -> None:
        if self.current is None:
            if not data.strip():
                return
            self._open("quote" if self.quote else "p")
        assert self.current is not None
        if not self.in_pre and self.current.kind != "pre":
            data = re.sub(r"[ \t\r\f\v]*\n[ \t\r\f\v]*", "\n", data) if data == "\n" else re.sub(r"\s+", " ", data)
        run = Run(data, bool(self.bold), bool(self.italic), bool(self.code), self.href[-1] if self.href else None)
        last = self.current.runs[-1] if self.current.runs else None
        if last is not None and (last.bold, last.italic, last.code, last.href) == (run.bold, run.italic, run.code, run.href):
            last.text += run.text
        else:
            self.current.runs.append(run)

    def handle_data(self, data: str) -> None:
        self._text(data)


def blocks(source: str) -> list[Block]:
    """The block structure of a facilitator's Markdown, after sanitizing."""
    parser = _BlockParser()
    parser.feed(render_html(source))
    parser.close()
    out = []
    for b in parser.blocks:
        if b.kind != "pre":
            for r in b.runs:
                r.text = r.text.replace(" \n", "\n")
            if b.runs:
                b.runs[0].text = b.runs[0].text.lstrip(" ")
                b.runs[-1].text = b.runs[-1].text.rstrip(" ")
        if b.kind == "hr" or b.text.strip():
            out.append(b)
    return out


# -- plain text as Markdown ------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")
_LINE_START = re.compile(r"^(\s*)([-+=]|\d+[.)])", re.M)
_ENTITY = re.compile(r"&(?=#?\w+;)")


def md_escape(text: str) -> str:
    """Text that shows literally in any CommonMark renderer: no markup, no links, no images, no HTML."""
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = _ENTITY.sub(r"\\&", text)
    return _LINE_START.sub(lambda m: m.group(1) + (m.group(2)[:-1] + "\\" + m.group(2)[-1] if m.group(2)[0].isdigit() else "\\" + m.group(2)), text)


def md_runs(runs: list[Run]) -> str:
    out = []
    for r in runs:
        if r.code:
            ticks = "``" if "`" in r.text else "`"
            piece = f"{ticks} {r.text} {ticks}" if ticks == "``" else f"`{r.text}`"
        else:
            piece = md_escape(r.text)
            if r.bold and r.italic:
                piece = f"***{piece}***"
            elif r.bold:
                piece = f"**{piece}**"
            elif r.italic:
                piece = f"*{piece}*"
        if r.href:
            url = r.href.replace("(", "%28").replace(")", "%29").replace(" ", "%20")
            piece = f"[{piece}]({url})"
        out.append(piece)
    return "".join(out).replace("\n", "\\\n")


def blocks_to_markdown(items: list[Block]) -> str:
    """Markdown for the block model (used for the report's Markdown file)."""
    lines: list[str] = []
    prev: Block | None = None
    for b in items:
        if b.kind == "li":
            if prev is not None and prev.kind != "li":
                lines.append("")
            indent = "   " * (b.level - 1)
            marker = "1." if b.ordered else "-"
            lines.append(indent + marker + " " + md_runs(b.runs).replace("\\\n", "\\\n" + indent + "   "))
        else:
            if lines:
                lines.append("")
            if b.kind == "h":
                lines.append("#" * b.level + " " + md_runs(b.runs).replace("\\\n", " "))
            elif b.kind == "pre":
                fence = "~" * max(3, 1 + max((len(m) for m in re.findall(r"~+", b.text)), default=0))
                lines += [fence, b.text.rstrip("\n"), fence]
            elif b.kind == "quote":
                lines.append("> " + md_runs(b.runs).replace("\\\n", "\\\n> "))
            elif b.kind == "hr":
                lines.append("---")
            else:
                lines.append(md_runs(b.runs))
        prev = b
    return "\n".join(lines)


def plain(source: str) -> str:
    """The text of a facilitator's Markdown without markup (for places that show one line)."""
    return html.unescape(re.sub(r"<[^>]+>", "", render_html(source))).strip()
