"""The report's sections 3-6: cross-cutting themes, tags by persona, differences between role groups and
the follow-up register, in every format (the page and the share-link page, PDF, DOCX, Markdown, XLSX, CSV).

One workshop (:func:`_rich`) has tags, themes, self-declared roles and follow-up items, and a hidden
contribution that is tagged and in a theme. Three leaders and two HR people take part, so the HR group is
smaller than three: its figures go into "Others / not given" together with the one participant without a
role, and "HR" never appears as a group in any format. Each format is read back with a real reader
(python-docx incl. its tables, pypdf, openpyxl, csv, the Flask test client) and the figures are checked.
A workshop without any of it renders exactly as before (tests/data/report_golden_plain.md is the golden
Markdown of the example archive from before these sections existed).
"""

from __future__ import annotations

import csv
import datetime as dt
import html as htmllib
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from helpers import client_id, make_user, make_workshop, post_form

from sessions.archive import service as archive
from sessions.contributions import moderation, roles
from sessions.contributions import service as participation
from sessions.followup import service as followup
from sessions.report import build as report_build
from sessions.tags import report as tags_report
from sessions.tags import service as tags
from sessions.themes import report as themes_report
from sessions.themes import service as themeboard

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "kompetansealliansen-2019.json"
PLAIN_GOLDEN = ROOT / "tests" / "data" / "report_golden_plain.md"
FIXED_NOW = dt.datetime(2026, 3, 20, 12, 0, 0)
HIDDEN = "SKJULT innspel om kurs"
THEME = "Leiing i omstilling"
HOSTILE_THEME = "<b>Korte</b> kurs | «samling»"


def _labels(locale: str = "nb") -> Any:
    from facilitator.exports.labels import labels, translations

    return labels(translations(locale), locale)


def _render(fmt: str, report: Any, locale: str = "nb") -> bytes:
    from facilitator.exports import render

    return render(fmt, report, _labels(locale))


def _tag(db: Any, ws: Any, label: str) -> int:
    return next(t.id for t in tags.vocabulary(db, ws.id) if t.label == label)


def _rich(db: Any, owner: Any, library: Any) -> dict[str, Any]:
    """The workshop described in the module docstring; returns its parts by name."""
    ws = make_workshop(db, owner, library, n_groups=3)
    g1, g2, g3 = ws.groups

    def person(group: Any, role: str | None) -> Any:
        p, _token = participation.join(db, ws.join_code, None, group.id, role)
        return p

    def post(p: Any, group: Any, kind: str, text: str, *labels: str) -> Any:
        c, _created = participation.submit_contribution(db, p, group.id, kind, text, client_id())
        if labels:
            tags.set_tags(db, ws.id, c.id, [_tag(db, ws, label) for label in labels])
        return c

    leaders = [person(g1, "leder") for _ in range(3)]
    hr = [person(g2, "hr") for _ in range(2)]
    nobody = person(g3, None)
    c = {
        "l1": post(leaders[0], g1, "need", "Leiing i utviklings- og omstillingsprosessar", "kurs", "individ"),
        "l2": post(leaders[1], g1, "solution", "Leiaropplæring på samlingar", "samlingsbasert utdanning", "lederopplæring"),
        "l3": post(leaders[2], g1, "solution", "Mentor for nye leiarar", "mentor/veiledning"),
        "h1": post(hr[0], g2, "need", "Prosessleiing for HR-rådgjevarar", "kurs"),
        "h2": post(hr[1], g2, "solution", "Korte kurs i arbeidstida", "kurs", "organisasjon"),
        "n1": post(nobody, g3, "need", "Tid til kompetanseheving"),
        "hidden": post(leaders[0], g1, "need", HIDDEN, "kurs", "hospitering"),
    }
    themeboard.create_theme(db, ws, THEME, [c["l1"].id, c["h1"].id, c["n1"].id, c["hidden"].id])
    themeboard.create_theme(db, ws, HOSTILE_THEME, [c["h2"].id])
    gone = post(hr[0], g2, "need", "Berre skjult i eit tema")
    themeboard.create_theme(db, ws, "Tema med berre skjulte innspel", [gone.id])
    moderation.hide(db, ws, c["hidden"].id)
    moderation.hide(db, ws, gone.id)
    followup.add_from_contribution(
        db, ws, c["l2"].id, followup.parse_changes({"status": "achieved", "responsible": "kommunalsjef oppvekst", "deadline": "2026-09-01"})
    )
    followup.add_item(
        db, ws, followup.parse_changes({"text": "Rapportere tilbake til forumet", "status": "next_focus", "note": "**Viktig** <script>x()</script>"})
    )
    followup.add_item(
        db, ws, followup.parse_changes({"text": "Kartlegge behov for prosessleiing", "status": "not_far_enough", "deadline": "2026-01-15"})
    )
    followup.add_item(db, ws, followup.parse_changes({"text": "Invitere høgskulane", "responsible": "fylkeskommunen"}))
    return {"ws": ws, "c": c, "personas": [g.persona.name for g in (g1, g2, g3)]}


@pytest.fixture
def rich(db: Any, persona_library: Any) -> dict[str, Any]:
    return _rich(db, make_user(db), persona_library)


@pytest.fixture
def rich_report(db: Any, rich: dict[str, Any]) -> Any:
    return report_build.build_report(db, rich["ws"].id, now=FIXED_NOW)


HEADINGS = [
    "1. Sammendrag",
    "2. Oppsummering av innspill",
    "3. Tverrgående tema",
    "4. Typer tiltak per persona",
    "5. Forskjeller mellom rollegrupper",
    "6. Oppfølging",
    "7. Deltakelse",
    "8. Metode og neste gang",
]
STATUS_HEADINGS = ["Oppnådd", "Ikkje kome langt nok", "Fokus vidare", "Ikke vurdert ennå"]


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _no_hr_group(text: str) -> None:
    """The HR group (2 people) never shows as a group: the word "HR" appears nowhere in the text."""
    assert not re.search(r"\bHR\b", text.replace("HR-rådgjevarar", "")), "a group of two is named"


# -- the data tree -----------------------------------------------------------------------------------


class TestTree:
    def test_themes(self, db, rich, rich_report):
        a, b, c = rich["personas"]
        themes = rich_report.themes
        assert [t.name for t in themes] == [THEME, HOSTILE_THEME], "a theme with only hidden contributions is left out"
        lead = themes[0]
        assert lead.personas == (a, b, c) and lead.spans == 3
        assert (lead.count, lead.needs, lead.solutions) == (3, 3, 0), "the hidden member is not counted"
        assert lead.per_persona == ((a, 1), (b, 1), (c, 1))
        assert HIDDEN not in [m.text for t in themes for m in t.contributions]
        assert themes[1].personas == (b,) and themes[1].count == 1
        # The same as the theme board's own report function (which reads the contributions again).
        board = [t for t in themes_report.themes_for_report(db, rich["ws"].id) if t.count]
        assert [(t.name, t.personas, t.per_persona, [m.id for m in t.contributions]) for t in board] == [
            (t.name, t.personas, t.per_persona, [m.id for m in t.contributions]) for t in themes
        ]

    def test_tag_tables(self, db, rich, rich_report):
        a, b, _c = rich["personas"]
        assert [t.category for t in rich_report.tag_tables] == ["measure", "level"], "need types: nobody used one"
        measures = rich_report.measures
        assert measures == tags_report.measure_kinds_by_persona(db, rich["ws"].id)
        col = {label: i for i, label in enumerate(measures.measures)}
        rows = {r.persona: r for r in measures.rows}
        assert rows[a].counts[col["kurs"]] == 1 and rows[b].counts[col["kurs"]] == 2
        assert measures.totals[col["kurs"]] == 3, "the hidden contribution's kurs is not counted"
        assert measures.totals[col["hospitering"]] == 0, "only the hidden contribution has hospitering"
        assert rows[a].contributions == 3 and rows[a].tagged == 3
        level = rich_report.tag_tables[1]
        assert [level.table.measures[i] for i in level.used] == ["individ", "organisasjon"]

    def test_role_groups(self, db, rich, rich_report):
        d = rich_report.role_groups
        assert d == roles.role_differences(db, rich["ws"].id)
        assert [g.role for g in d.groups] == ["leder", roles.OTHER]
        leader, other = d.groups
        assert (leader.participants, leader.needs, leader.solutions) == (3, 1, 2), "the hidden need is not counted"
        assert (other.participants, other.needs, other.solutions) == (3, 2, 1), "2 HR + 1 without role"
        kurs = d.measures.index("kurs")
        assert leader.measure_counts[kurs] == 1 and other.measure_counts[kurs] == 2

    def test_followups(self, rich_report):
        reg = rich_report.followups
        assert [s.status for s in reg.sections] == ["achieved", "not_far_enough", "next_focus", "open"]
        assert [len(s.items) for s in reg.sections] == [1, 1, 1, 1]
        assert reg.overdue_count == 1 and reg.today == dt.date(2026, 3, 20)

    def test_nothing_when_nothing(self, db, persona_library):
        ws = make_workshop(db, make_user(db), persona_library, n_groups=2)
        p, _t = participation.join(db, ws.join_code, None, ws.groups[0].id, None)
        participation.submit_contribution(db, p, ws.groups[0].id, "need", "Eitt innspel", client_id())
        r = report_build.build_report(db, ws.id)
        assert (r.themes, r.tag_tables, r.role_groups, r.followups, r.measures) == ((), (), None, None, None)

    @pytest.mark.parametrize(
        "people, suppressed",
        [
            (("leder", "leder", "leder", "hr"), False),  # the one HR person would be total minus leaders: all one group
            (("leder", None), True),  # fewer than three in all: nothing at all
        ],
    )
    def test_no_comparison_when_groups_are_too_small(self, db, persona_library, people, suppressed):
        ws = make_workshop(db, make_user(db), persona_library, n_groups=1)
        g = ws.groups[0]
        for role in people:
            p, _t = participation.join(db, ws.join_code, None, g.id, role)
            participation.submit_contribution(db, p, g.id, "need", f"Innspel frå {role}", client_id())
        r = report_build.build_report(db, ws.id)
        d = r.role_groups
        assert d == roles.role_differences(db, ws.id)
        assert d.suppressed is suppressed and not d.comparable
        assert [g.role for g in d.groups] == ([] if suppressed else [roles.OTHER])
        for locale, heading, too_few in (("nb", "Forskjeller mellom rollegrupper", "For få deltakere oppga hver rolle"), ("en", "Differences between role groups", "Too few participants")):
            md = _render("md", r, locale).decode()
            section = md.split(f"## 3. {heading}")[1].split("## 4. ")[0]  # no themes, no tags: roles are section 3
            assert too_few in section and "|" not in section, "no table"
            assert not re.search(r"\b(Leder|Leader|HR)\b", section)


# -- the formats -------------------------------------------------------------------------------------


class TestMarkdown:
    def test_sections_and_figures(self, rich, rich_report):
        md = _render("md", rich_report).decode()
        a, b, c = rich["personas"]
        assert re.findall(r"^## (.+)$", md, re.M) == HEADINGS
        themes = md.split("## 3. ")[1].split("## 4. ")[0]
        assert f"| {THEME} | {a}, {b}, {c} | 3 | 0 | 3 |" in themes
        assert f"Spenner over 3 personaer: {a}, {b}, {c}. 3 innspill: 3 kompetansebehov og 0 løsningsforslag." in themes
        assert "\\<b\\>Korte\\</b\\> kurs \\| «samling»" in themes, "a theme's name is escaped, its | too"
        assert f"Gjelder én persona: {b}. 1 innspill: 0 kompetansebehov og 1 løsningsforslag." in themes
        assert f"- Prosessleiing for HR-rådgjevarar – {b}, Bord 2 (kompetansebehov)" in themes
        measures = md.split("## 4. ")[1].split("## 5. ")[0]
        assert f"**Type tiltak**\n\n| Stikkord | {a} | {b} | {c} | Sum |" in measures
        assert "| kurs | 1 | 2 | 0 | 3 |" in measures and "| **Innspill** | **3** | **2** | **1** | **6** |" in measures
        assert "hospitering" not in measures and "**Nivå**" in measures and "5 av 6 innspill har et stikkord" in measures
        role_part = md.split("## 5. ")[1].split("## 6. ")[0]
        assert "| Rolle | Leder | Andre/ikke oppgitt |" in role_part
        assert "| Deltakere | 3 | 3 |" in role_part and "| Kompetansebehov | 1 | 2 |" in role_part
        assert "| kurs | 33 % | 67 % |" in role_part and "minst 3 deltakere" in role_part
        fu = md.split("## 6. ")[1].split("## 7. ")[0]
        assert re.findall(r"^### (.+)$", fu, re.M) == STATUS_HEADINGS
        assert "4 oppfølgingspunkter, 1 av dem med passert frist. Status per 20. mars 2026." in fu
        assert "#### Leiaropplæring på samlingar" in fu and "- **Ansvarlig:** kommunalsjef oppvekst" in fu
        assert "- **Frist:** 15. januar 2026 (fristen er passert)" in fu and f"- **Persona:** {a}" in fu
        assert "**Viktig**" in fu and "<script>" not in md
        _no_hr_group(md.split("## 3. ")[1])  # (section 2 lists contributions, which may say anything)
        assert HIDDEN not in md

    def test_nynorsk_and_english_headings(self, rich_report):
        nn = _render("md", rich_report, "nn").decode()
        assert "## 3. Tverrgåande tema" in nn and "## 5. Skilnader mellom rollegrupper" in nn
        assert "Spenner over 3 personar" in nn and "### Ikkje kome langt nok" in nn and "| Rolle | Leiar | Andre/ikkje oppgjeve |" in nn
        en = _render("md", rich_report, "en").decode()
        assert "## 4. Kinds of measure by persona" in en and "### Next focus" in en and "| Role | Leader | Others / not given |" in en


def _docx_tables(doc: Any) -> list[list[list[str]]]:
    return [[[cell.text for cell in row.cells] for row in t.rows] for t in doc.tables]


class TestDocx:
    def test_headings_and_tables(self, rich, rich_report):
        import docx

        doc = docx.Document(io.BytesIO(_render("docx", rich_report)))
        a, b, c = rich["personas"]
        assert [p.text for p in doc.paragraphs if p.style.name == "Heading 1"] == HEADINGS
        h2 = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
        assert THEME in h2 and HOSTILE_THEME in h2 and all(s in h2 for s in STATUS_HEADINGS)
        tables = _docx_tables(doc)
        assert len(tables) == 5  # themes, measure, level, roles, participation
        themes, measure, level, role_table, _participation = tables
        assert themes[0] == ["Tema", "Personaer", "Kompetansebehov", "Løsningsforslag", "Sum"]
        assert themes[1] == [THEME, f"{a}, {b}, {c}", "3", "0", "3"] and themes[-1] == ["Sum", "", "3", "1", "4"]
        assert measure[0] == ["Stikkord", a, b, c, "Sum"] and ["kurs", "1", "2", "0", "3"] in measure
        assert ["individ", "1", "0", "0", "1"] in level and ["organisasjon", "0", "1", "0", "1"] in level
        captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
        assert captions[:4] == ["Temaene i oversikt", "Type tiltak", "Nivå", "Rollegrupper"]
        assert role_table[0] == ["Rolle", "Leder", "Andre/ikke oppgitt"] and ["Deltakere", "3", "3"] in role_table
        assert ["kurs", "33 %", "67 %"] in role_table
        body = "\n".join(p.text for p in doc.paragraphs)
        assert HIDDEN not in body and "Tema med berre skjulte innspel" not in body
        _no_hr_group("\n".join(body.split("3. Tverrgående tema")[1:]) + json.dumps(tables[:4], ensure_ascii=False))
        items = [p.text for p in doc.paragraphs if p.style.name == "Heading 3"]
        assert "Rapportere tilbake til forumet" in items
        assert any(r.bold and r.text == "Viktig" for p in doc.paragraphs for r in p.runs), "the note's Markdown"
        assert "<script>" not in doc.element.xml
        bullets = [p.text for p in doc.paragraphs if p.style.name == "List Bullet"]
        assert f"Tid til kompetanseheving – {c}, Bord 3 (kompetansebehov)" in bullets
        assert "Frist: 15. januar 2026 (fristen er passert)" in bullets
        toc = doc.element.body.xml
        assert "5. Forskjeller mellom rollegrupper" in toc.split('w:fldCharType="end"')[0]


class TestPdf:
    def test_text(self, rich, rich_report):
        from pypdf import PdfReader

        data = _render("pdf", rich_report)
        text = _squash("\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages))
        for h in HEADINGS + STATUS_HEADINGS:
            assert h in text, h
        a, b, c = rich["personas"]
        assert f"Spenner over 3 personaer: {a}, {b}, {c}." in text
        assert "kurs 1 2 0 3" in text and "kurs 33 % 67 %" in text and "Deltakere 3 3" in text
        assert "Leiaropplæring på samlingar" in text and "fristen er passert" in text
        assert _squash(HOSTILE_THEME) in text
        assert HIDDEN not in text
        _no_hr_group(text.split("3. Tverrgående tema")[-1])


class TestTables:
    def test_xlsx_sheets(self, rich, rich_report):
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(_render("xlsx", rich_report)))
        assert wb.sheetnames == ["Innspill", "Tverrgående tema", "Typer tiltak per persona", "Rollegrupper", "Oppfølging"]
        a, b, c = rich["personas"]
        rows = {name: list(wb[name].iter_rows(values_only=True)) for name in wb.sheetnames}
        assert len(rows["Innspill"]) == 1 + 6, "one row per visible contribution"
        assert rows["Tverrgående tema"][1] == (THEME, f"{a}, {b}, {c}", 3, 0, 3)
        assert rows["Tverrgående tema"][2][0] == HOSTILE_THEME
        tagrows = rows["Typer tiltak per persona"]
        assert tagrows[0] == ("Type tiltak", None, None, None, None) and tagrows[1] == ("Stikkord", a, b, c, "Sum")
        assert ("kurs", 1, 2, 0, 3) in tagrows and ("organisasjon", 0, 1, 0, 1) in tagrows
        roles_sheet = wb["Rollegrupper"]
        roles_rows = rows["Rollegrupper"]
        assert roles_rows[0] == ("Rolle", "Leder", "Andre/ikke oppgitt") and ("Deltakere", 3, 3) in roles_rows
        kurs = next(r for r in roles_sheet.iter_rows() if r[0].value == "kurs")
        assert kurs[1].value == pytest.approx(1 / 3) and kurs[1].number_format == "0 %"
        fu = rows["Oppfølging"]
        assert fu[0][:4] == ("Status", "Oppfølgingspunkt", "Ansvarlig", "Frist")
        assert [r[0] for r in fu[1:]] == STATUS_HEADINGS
        overdue = next(r for r in fu if r[1] == "Kartlegge behov for prosessleiing")
        assert overdue[3] == dt.datetime(2026, 1, 15) and overdue[4] == "ja"
        # The note's Markdown as plain text; its raw HTML was never markup, so it stays as (inert) text.
        assert next(r for r in fu if r[1] == "Rapportere tilbake til forumet")[6] == "Viktig <script>x()</script>"
        everything = json.dumps(rows, default=str, ensure_ascii=False)
        assert HIDDEN not in everything
        _no_hr_group(json.dumps({k: v for k, v in rows.items() if k != "Innspill"}, default=str, ensure_ascii=False))

    def test_csv_one_row_per_contribution_with_tags_and_theme(self, rich_report):
        rows = list(csv.reader(io.StringIO(_render("csv", rich_report).decode("utf-8-sig"))))
        assert len(rows) == 1 + 6
        by_text = {r[3]: r for r in rows[1:]}
        assert by_text["Leiing i utviklings- og omstillingsprosessar"][6:8] == ["kurs, individ", THEME]
        assert by_text["Korte kurs i arbeidstida"][6:8] == ["kurs, organisasjon", HOSTILE_THEME]
        assert by_text["Mentor for nye leiarar"][7] == ""
        assert HIDDEN not in by_text


class TestHostileNames:
    """Names of themes and tags are plain text: escaped in the page and the Markdown, text cells in spreadsheets."""

    def test_formula_and_markup_in_names(self, db, persona_library):
        from openpyxl import load_workbook

        ws = make_workshop(db, make_user(db), persona_library, n_groups=1)
        g = ws.groups[0]
        p, _t = participation.join(db, ws.join_code, None, g.id, None)
        c, _ = participation.submit_contribution(db, p, g.id, "solution", "Eit forslag", client_id())
        formula = '=HYPERLINK("http://evil.example","x")'
        tag = tags.add_tag(db, ws, "measure", "a|b <i>x</i>")
        tags.set_tags(db, ws.id, c.id, [tag.id])
        themeboard.create_theme(db, ws, formula, [c.id])
        r = report_build.build_report(db, ws.id)
        md = _render("md", r).decode()
        assert "| a\\|b \\<i\\>x\\</i\\> | 1 | 1 |" in md
        assert '### \\=HYPERLINK("http://evil.example","x")' in md  # escaped like any text
        wb = load_workbook(io.BytesIO(_render("xlsx", r)))
        cell = wb["Tverrgående tema"]["A2"]
        assert cell.value == formula and cell.data_type == "s"
        assert wb["Typer tiltak per persona"]["A2"].value == "a|b <i>x</i>"
        rows = list(csv.reader(io.StringIO(_render("csv", r).decode("utf-8-sig"))))
        assert rows[1][6:8] == ["a|b <i>x</i>", "'" + formula]
        from facilitator.exports.document import context, standalone_env

        page = standalone_env().get_template("report/_document.html").render(**context(r, _labels(), with_charts=False))
        assert "a|b &lt;i&gt;x&lt;/i&gt;" in page and "<i>x</i>" not in page


# -- a workshop without any of it --------------------------------------------------------------------


def _plain_example(db: Any) -> Any:
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    doc.pop("themes", None)
    doc.pop("followups", None)
    for c in doc["contributions"]:
        c["theme"] = None
    ws = archive.import_archive(db, doc, make_user(db))
    return report_build.build_report(db, ws.id, now=dt.datetime(2019, 6, 13, 12, 0, 0))


class TestUnchangedWithoutSections:
    def test_markdown_is_as_before(self, db):
        assert _render("md", _plain_example(db)).decode() == PLAIN_GOLDEN.read_text(encoding="utf-8")

    def test_docx_and_xlsx_are_as_before(self, db):
        import docx
        from openpyxl import load_workbook

        r = _plain_example(db)
        doc = docx.Document(io.BytesIO(_render("docx", r)))
        assert [p.text for p in doc.paragraphs if p.style.name == "Heading 1"] == [
            "1. Sammendrag", "2. Oppsummering av innspill", "3. Deltakelse", "4. Metode og neste gang"
        ]
        assert len(doc.tables) == 1
        assert load_workbook(io.BytesIO(_render("xlsx", r))).sheetnames == ["Innspill"]

    def test_example_archive_has_themes_and_followups(self, db):
        doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
        r = report_build.build_report(db, archive.import_archive(db, doc, make_user(db)).id, now=dt.datetime(2019, 6, 13, 12, 0, 0))
        md = _render("md", r).decode()
        assert re.findall(r"^## (.+)$", md, re.M) == [
            "1. Sammendrag", "2. Oppsummering av innspill", "3. Tverrgående tema", "4. Oppfølging", "5. Deltakelse", "6. Metode og neste gang"
        ]
        lead = r.themes[0]
        assert lead.name == "Ledelse i endrings- og omstillingsprosesser" and lead.spans == 4 and lead.count == 5


# -- the web pages -----------------------------------------------------------------------------------


class _Tables(HTMLParser):
    """The report page's tables by their data-table key: rows of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.current: list[list[str]] | None = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and a.get("data-table"):
            self.current = self.tables.setdefault(str(a["data-table"]), [])
        elif tag == "tr" and self.current is not None:
            self.current.append([])
        elif tag in ("td", "th") and self.current is not None:
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.current is not None and self.cell is not None:
            self.current[-1].append(_squash("".join(self.cell)))
            self.cell = None
        elif tag == "table":
            self.current = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


class TestPages:
    def test_facilitator_page_and_share_link_page(self, app_db, logged_in, make_client, facilitator, library):
        parts = _rich(app_db, facilitator, library)
        ws = parts["ws"]
        a, b, c = parts["personas"]
        html = logged_in.get(f"/workshops/{ws.id}/report").get_data(as_text=True)
        resp = post_form(logged_in, f"/workshops/{ws.id}/report/links", {"label": "Til fylket"})
        assert resp.status_code == 302
        page = logged_in.get(f"/workshops/{ws.id}/report/links").get_data(as_text=True)
        share = re.findall(r'value="https?://[^"]+(/r/[A-Za-z0-9_-]+)"', page)[0]
        shared = make_client().get(share).get_data(as_text=True)
        for text in (html, shared):
            headings = [_squash(htmllib.unescape(re.sub(r"<[^>]+>", "", h))) for h in re.findall(r"<h2 id=\"[a-z]+-h\">(.*?)</h2>", text)]
            assert headings == HEADINGS
            toc = text.split('class="report-toc"')[1].split("</nav>")[0]
            assert 'href="#roles">5. Forskjeller mellom rollegrupper' in toc and 'href="#followups">6. Oppfølging' in toc
            parser = _Tables()
            parser.feed(text)
            t = parser.tables
            assert t["themes"][1] == [THEME, f"{a}, {b}, {c}", "3", "0", "3"]
            assert ["kurs", "1", "2", "0", "3"] in t["tags-measure"] and ["organisasjon", "0", "1", "0", "1"] in t["tags-level"]
            assert '<caption>Type tiltak</caption>' in text and '<caption>Nivå</caption>' in text
            assert t["roles"][0] == ["Rolle", "Leder", "Andre/ikke oppgitt"] and ["kurs", "33 %", "67 %"] in t["roles"]
            assert "&lt;b&gt;Korte&lt;/b&gt; kurs | «samling»" in text and "<b>Korte</b>" not in text
            assert "<strong>Viktig</strong>" in text and "<script>x()" not in text
            assert HIDDEN not in text and "Tema med berre skjulte innspel" not in text
            for status in ("achieved", "not_far_enough", "next_focus", "open"):
                assert f'data-status="{status}"' in text
            _no_hr_group(re.sub(r"<[^>]+>", " ", text.split('id="themes"')[1]))

    def test_role_group_of_two_is_never_named_even_in_english(self, app_db, logged_in, facilitator, library):
        ws = _rich(app_db, facilitator, library)["ws"]
        text = logged_in.get(f"/workshops/{ws.id}/report?lang=en").get_data(as_text=True)
        assert "Differences between role groups" in text and "Others / not given" in text
        _no_hr_group(re.sub(r"<[^>]+>", " ", text.split('id="themes"')[1]))
        for fmt in ("md", "csv"):
            data = logged_in.get(f"/workshops/{ws.id}/report.{fmt}").get_data(as_text=True)
            assert HIDDEN not in data
