"""The summary report: the data tree, every format opened with a real reader, the archive round trip,
the share links, the editor's endpoint, the live socket role and the CLI.

Formats are checked structurally: DOCX with python-docx (a heading per persona, each contribution a list
item under the right one), PDF by its extracted text (pypdf), XLSX with openpyxl, CSV with the csv module,
Markdown against a golden file (tests/data/report_golden.md; ``PV_UPDATE_GOLDEN=1`` rewrites it), and the
JSON archive by export → import → export. The example workshop is docs/examples/kompetansealliansen-2019.json
(the 2019 Møre og Romsdal minutes as an archive).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    bearer,
    client_id,
    join_participant,
    login,
    make_user,
    make_workshop,
    post_form,
    post_json,
)

from facilitator.exports.worker import MAX_RSS_KB
from sessions.archive import service as archive
from sessions.contributions import service as participation
from sessions.contributions.models import Contribution
from sessions.core.errors import (
    NotFound,
    ShareLinkExpired,
    ShareLinkRevoked,
    ValidationFailed,
)
from sessions.followup import service as followup
from sessions.report import build as report_build
from sessions.report import service as svc
from sessions.report.models import ReportTexts, ShareLink
from sessions.workshops.models import Workshop

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "kompetansealliansen-2019.json"
GOLDEN = ROOT / "tests" / "data" / "report_golden.md"
FIXED_NOW = dt.datetime(2019, 6, 13, 12, 0, 0)

# Text that must survive every format, and text that must stay inert.
UNICODE = "Æøå «sitat» – 🙂 مريم"
HOSTILE = [
    '<script>window.__pwned=1</script>',
    '<img src="http://evil.example/x.png" onerror="window.__pwned=1">',
    "![sporing](http://evil.example/pixel.png)",
    "[klikk](javascript:window.__pwned=1)",
    "=HYPERLINK(\"http://evil.example\",\"x\")",
]


def _labels(locale: str = "nb") -> Any:
    from facilitator.exports.labels import labels, translations

    return labels(translations(locale), locale)


def _render(fmt: str, report: Any, locale: str = "nb") -> bytes:
    from facilitator.exports import render

    return render(fmt, report, _labels(locale))


def _example(db: Any, owner: Any) -> Workshop:
    return archive.import_archive(db, json.loads(EXAMPLE.read_text(encoding="utf-8")), owner)


def _post(db: Any, ws: Any, group: Any, kind: str, text: str, participant: Any = None) -> Contribution:
    p = participant or join_participant(db, ws, group)[0]
    c, created = participation.submit_contribution(db, p, group.id, kind, text, client_id())
    assert created
    return c


def _docx_outline(data: bytes) -> tuple[Any, dict[str, list[str]]]:
    """The document, and the list items under each Heading 2 (persona) of section 2."""
    import docx

    doc = docx.Document(io.BytesIO(data))
    under: dict[str, list[str]] = {}
    current = None
    in_inputs = False
    for p in doc.paragraphs:
        style = p.style.name
        if style == "Heading 1":
            current = None
            in_inputs = p.text.startswith("2. ")
        elif style == "Heading 2" and in_inputs:
            current = p.text
            under.setdefault(current, [])
        elif style == "List Bullet" and current is not None:
            under[current].append(p.text)
    return doc, under


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# -- the data tree (no Flask) --------------------------------------------------------------------------


class TestBuildReport:
    def test_personas_groups_and_figures(self, db, persona_library):
        owner = make_user(db)
        ws = make_workshop(db, owner, persona_library, n_groups=3)
        g1, g2, g3 = ws.groups
        a = _post(db, ws, g1, "need", "Mentor første år")
        _post(db, ws, g1, "solution", "Traineeløp")
        gone = _post(db, ws, g2, "solution", "Slettes")
        participation.delete_contribution(db, _owner_of(db, gone), gone.id)
        _post(db, ws, g3, "need", "Tid til kurs")
        r = report_build.build_report(db, ws.id)
        assert [p.name for p in r.personas] == [g.persona.name for g in ws.groups]
        first = r.personas[0]
        assert [c.text for c in first.groups[0].needs] == ["Mentor første år"]
        assert [c.text for c in first.groups[0].solutions] == ["Traineeløp"]
        assert r.personas[1].needs == r.personas[1].solutions == 0  # the deleted one is gone
        assert all(c.text != "Slettes" for c in r.contributions)
        f = r.participation
        assert (f.participants, f.contributions, f.needs, f.solutions) == (4, 3, 2, 1)
        assert sum(b.count for b in f.timeline) == 3
        assert [g.total for g in f.per_group] == [2, 0, 1]
        assert r.contributions[0].id == a.id and r.contributions[0].votes == 0 and r.contributions[0].tags == ()

    @pytest.mark.skipif(not hasattr(Contribution, "hidden"), reason="moderation (hidden contributions) is not in this tree")
    def test_hidden_contributions_never_appear(self, db, persona_library):
        owner = make_user(db)
        ws = make_workshop(db, owner, persona_library, n_groups=1)
        _post(db, ws, ws.groups[0], "need", "Synleg")
        hidden = _post(db, ws, ws.groups[0], "need", "Skjult av fasilitatoren")
        db.get(Contribution, hidden.id).hidden = True
        db.commit()
        r = report_build.build_report(db, ws.id, now=FIXED_NOW)
        assert [c.text for c in r.contributions] == ["Synleg"]
        for fmt in ("md", "csv"):
            assert "Skjult av fasilitatoren".encode() not in _render(fmt, r)
        doc, _under = _docx_outline(_render("docx", r))
        assert not [p.text for p in doc.paragraphs if "Skjult av" in p.text]
        assert any(p.text == "Synleg" for p in doc.paragraphs)

    def test_timeline_buckets(self):
        t0 = dt.datetime(2019, 6, 13, 8, 3)
        times = [t0, t0 + dt.timedelta(minutes=4), t0 + dt.timedelta(minutes=50)]
        buckets, size = report_build.timeline(times)
        assert size == 2 and sum(b.count for b in buckets) == 3
        assert buckets[0].start <= t0 < buckets[0].start + dt.timedelta(minutes=size)
        assert report_build.timeline([]) == ((), 1)
        _b, day_size = report_build.timeline([t0, t0 + dt.timedelta(days=3)])
        assert day_size >= 120

    def test_texts_are_validated_and_nothing_is_stored_when_bad(self, db, persona_library):
        owner = make_user(db)
        ws = make_workshop(db, owner, persona_library, n_groups=1)
        with pytest.raises(ValidationFailed) as err:
            svc.TextsInput.parse("KS", "x" * (svc.MAX_SUMMARY + 1), "", "")
        assert err.value.field == "summary" and err.value.reason == "too_long"
        assert db.get(ReportTexts, ws.id) is None
        row = svc.save_texts(db, ws, svc.TextsInput.parse(" KS  og fylket ", "**Bra**\n", "Metode", "NTNU"))
        assert (row.organisers, row.summary, row.revision) == ("KS og fylket", "**Bra**", 1)
        assert svc.save_texts(db, ws, svc.TextsInput.parse("", "", "", "")).revision == 2


def _owner_of(db: Any, c: Contribution) -> Any:
    from sessions.contributions.models import Participant

    return db.get(Participant, c.participant_id)


class TestShareLinks:
    def test_lifecycle(self, db, persona_library):
        owner = make_user(db)
        ws = make_workshop(db, owner, persona_library, n_groups=1)
        link, token = svc.create_share_link(db, ws, owner, "Til fylket", "")
        assert len(token) >= 40 and link.token_hash != token and token not in (link.label, str(link.id))
        assert db.get(ShareLink, link.id).token_hash == link.token_hash
        assert svc.workshop_for_share_token(db, token).id == ws.id
        svc.revoke_share_link(db, ws, link.id)
        with pytest.raises(ShareLinkRevoked):
            svc.workshop_for_share_token(db, token)

    def test_expiry_is_the_last_day_in_norway(self, db, persona_library):
        owner = make_user(db)
        ws = make_workshop(db, owner, persona_library, n_groups=1)
        today = dt.date(2026, 3, 12)
        link, token = svc.create_share_link(db, ws, owner, "", "2026-03-13", today=today)
        assert svc.workshop_for_share_token(db, token, today=dt.date(2026, 3, 13)).id == ws.id
        with pytest.raises(ShareLinkExpired):
            svc.workshop_for_share_token(db, token, today=dt.date(2026, 3, 14))
        with pytest.raises(ValidationFailed) as err:
            svc.create_share_link(db, ws, owner, "", "2026-03-11", today=today)
        assert err.value.reason == "in_the_past"
        assert len(svc.share_links(db, ws.id)) == 1

    def test_unknown_and_participant_tokens_open_nothing(self, db, persona_library):
        owner = make_user(db)
        ws = make_workshop(db, owner, persona_library, n_groups=1)
        _p, participant_token = join_participant(db, ws, ws.groups[0])
        for token in (participant_token, ws.wall_token, "x" * 43, "", None, 42):
            with pytest.raises(NotFound):
                svc.workshop_for_share_token(db, token)

    def test_revoking_another_workshops_link_is_not_found(self, db, persona_library):
        owner = make_user(db)
        ws = make_workshop(db, owner, persona_library, n_groups=1)
        other = make_workshop(db, owner, persona_library, n_groups=1, title="Annen")
        link, token = svc.create_share_link(db, ws, owner)
        with pytest.raises(NotFound):
            svc.revoke_share_link(db, other, link.id)
        assert svc.workshop_for_share_token(db, token).id == ws.id


# -- the JSON archive ----------------------------------------------------------------------------------


def _without_volatile(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "exported_at"}


class TestArchive:
    def test_example_imports_and_exports_the_same_document(self, db):
        owner = make_user(db)
        source = json.loads(EXAMPLE.read_text(encoding="utf-8"))
        ws = _example(db, owner)
        again = archive.export_archive(db, ws.id)
        assert _without_volatile(again) == _without_volatile(source)

    def test_export_import_export(self, db, persona_library):
        owner = make_user(db)
        ws = make_workshop(db, owner, persona_library, n_groups=3)
        for i, g in enumerate(ws.groups):
            _post(db, ws, g, "need" if i % 2 else "solution", f"Innspel {i} {UNICODE}\nandre linje")
        join_participant(db, ws)  # one without a group
        svc.save_texts(db, ws, svc.TextsInput.parse("KS", "# Oppsummering\n\n" + HOSTILE[0], "Metode", "NTNU"))
        # The follow-up register travels too (more cases in tests/web/test_followup.py).
        proposal = next(c for c in participation.contributions(db, ws.id) if c.kind.value == "solution")
        followup.add_from_contribution(
            db, ws, proposal.id, followup.parse_changes({"status": "achieved", "responsible": "KS", "deadline": "2026-09-01", "note": HOSTILE[2]})
        )
        followup.add_item(db, ws, followup.parse_changes({"text": "Rapportere tilbake " + UNICODE, "status": "next_focus"}))
        first = archive.export_archive(db, ws.id)
        assert [f["status"] for f in first["followups"]] == ["achieved", "next_focus"]
        assert "id" not in first["workshop"] and all("id" not in c for c in first["contributions"])
        assert "participant_id" not in json.dumps(first) and ws.join_code not in json.dumps(first)
        copy = archive.import_archive(db, json.loads(json.dumps(first)), make_user(db))
        assert copy.id != ws.id and copy.join_code != ws.join_code and copy.wall_token != ws.wall_token
        second = archive.export_archive(db, copy.id)
        assert _without_volatile(second) == _without_volatile(first)
        # and the reports agree as well
        a, b = report_build.build_report(db, ws.id, now=FIXED_NOW), report_build.build_report(db, copy.id, now=FIXED_NOW)
        assert _render("md", a) == _render("md", b)

    @pytest.mark.parametrize(
        "change",
        [
            lambda d: d.update(format="something-else"),
            lambda d: d["contributions"][0].update(group="g99"),
            lambda d: d["contributions"][0].update(kind="idea"),
            lambda d: d["contributions"][0].update(text=""),
            lambda d: d["contributions"][0].update(created_at="yesterday"),
            lambda d: d["groups"][0].update(persona="nobody"),
            lambda d: d["personas"][0].update(age="old"),
            lambda d: d["participants"].update(total=-1),
            lambda d: d.update(contributions="all of them"),
        ],
    )
    def test_a_bad_archive_stores_nothing(self, db, change):
        owner = make_user(db)
        doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
        change(doc)
        with pytest.raises(ValidationFailed) as err:
            archive.import_archive(db, doc, owner)
        assert err.value.field == "archive"
        assert db.query(Workshop).count() == 0 and db.query(Contribution).count() == 0


# -- the formats -------------------------------------------------------------------------------------


@pytest.fixture
def example_report(db: Any) -> Any:
    owner = make_user(db)
    ws = _example(db, owner)
    return report_build.build_report(db, ws.id, now=FIXED_NOW)


class TestFormats:
    def test_markdown_matches_the_golden_file(self, example_report):
        text = _render("md", example_report).decode("utf-8")
        if os.environ.get("PV_UPDATE_GOLDEN"):
            GOLDEN.write_text(text, encoding="utf-8")
        assert text == GOLDEN.read_text(encoding="utf-8")

    def test_docx_has_styles_toc_a_heading_per_persona_and_items_under_it(self, example_report):
        data = _render("docx", example_report)
        doc, under = _docx_outline(data)
        assert doc.paragraphs[0].style.name == "Title" and doc.paragraphs[0].text == example_report.title
        headings1 = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
        assert headings1 == [
            "1. Sammendrag",
            "2. Oppsummering av innspill",
            "3. Tverrgående tema",
            "4. Oppfølging",
            "5. Deltakelse",
            "6. Metode og neste gang",
        ]
        assert list(under) == [p.heading for p in example_report.personas]
        for p in example_report.personas:
            expected = [c.text for g in p.groups for c in (*g.needs, *g.solutions)]
            assert under[p.heading] == expected, p.heading
        body = doc.element.body.xml
        assert "TOC \\o" in body and 'w:fldCharType="begin"' in body
        kinds = [p.text for p in doc.paragraphs if p.style.name == "Heading 3"]
        assert kinds.count("Kompetansebehov") == len(example_report.personas)
        # The summary's Markdown list is a real Word list, its bold a real bold run.
        bullets = [p for p in doc.paragraphs if p.style.name == "List Bullet" and "ledelse i utviklings" in p.text]
        assert bullets, "the summary's list items are List Bullet paragraphs"
        assert any(r.bold and r.text == "fellestrekk" for p in doc.paragraphs for r in p.runs)
        assert len(doc.inline_shapes) == 2, "both charts are in the document"
        # The themes at a glance (section 3; more in tests/web/test_report_sections.py), then the figures.
        assert len(doc.tables) == 2 and doc.tables[-1].rows[-1].cells[-1].text == "24"

    def test_pdf_text(self, example_report):
        data = _render("pdf", example_report)
        assert data.startswith(b"%PDF")
        text = _squash(_pdf_text(data))
        for needle in ("1. Sammendrag", "2. Oppsummering av innspill", "Deltakelse", "fellestrekk"):
            assert needle in text
        for p in example_report.personas:
            assert _squash(p.heading) in text
        for c in example_report.contributions:
            assert _squash(c.text) in text, c.text

    def test_xlsx_one_row_per_contribution(self, example_report):
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(_render("xlsx", example_report)))
        ws = wb.active
        rows = list(ws.iter_rows(values_only=True))
        assert rows[0] == ("Persona", "Gruppe", "Type", "Tekst", "Tidspunkt", "Stemmer", "Stikkord", "Tema", "Skjult")
        assert len(rows) == 1 + len(example_report.contributions)
        first = example_report.contributions[0]
        assert rows[1][:4] == (first.persona, first.group, "Kompetansebehov" if first.kind == "need" else "Løsningsforslag", first.text)
        assert isinstance(rows[1][4], dt.datetime) and rows[1][4] == svc.local_time(first.created_at).replace(tzinfo=None, microsecond=0)
        assert rows[1][5] == 0 and rows[1][8] == "nei"

    def test_csv_one_row_per_contribution(self, example_report):
        data = _render("csv", example_report)
        assert data.startswith("\ufeff".encode())
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
        assert rows[0] == ["Persona", "Gruppe", "Type", "Tekst", "Tidspunkt", "Stemmer", "Stikkord", "Tema", "Skjult"]
        assert [r[3] for r in rows[1:]] == [c.text for c in example_report.contributions]
        assert {r[2] for r in rows[1:]} == {"Kompetansebehov", "Løsningsforslag"}

    def test_english_headings(self, example_report):
        text = _render("md", example_report, "en").decode()
        assert "## 1. Summary" in text and "#### Competence needs" in text


@pytest.fixture
def tricky(db: Any, persona_library: Any) -> Any:
    """A workshop whose texts carry Norwegian, emoji, right-to-left and hostile text."""
    owner = make_user(db)
    ws = make_workshop(db, owner, persona_library, n_groups=2, title=f"Verkstad {UNICODE}")
    from sessions.workshops import service as wsvc

    wsvc.update_group(db, ws, ws.groups[0].id, "Bord مريم 🙂", ws.groups[0].persona_id)
    ws = wsvc.load_for_dashboard(db, ws.id)
    _post(db, ws, ws.groups[0], "need", f"Behov {UNICODE}")
    for i, text in enumerate(HOSTILE):
        _post(db, ws, ws.groups[i % 2], "solution", text)
    svc.save_texts(db, ws, svc.TextsInput.parse(UNICODE, "Oppsummert: " + " ".join(HOSTILE), "", ""))
    return report_build.build_report(db, ws.id)


class TestUnicodeAndHostileText:
    def test_every_format_keeps_the_text(self, tricky):
        from openpyxl import load_workbook

        md = _render("md", tricky).decode()
        assert UNICODE in md
        assert any(UNICODE in p.text for p in _docx_outline(_render("docx", tricky))[0].paragraphs)
        rows = list(csv.reader(io.StringIO(_render("csv", tricky).decode("utf-8-sig"))))
        assert f"Behov {UNICODE}" in [r[3] for r in rows] and "Bord مريم 🙂" in [r[1] for r in rows]
        xrows = list(load_workbook(io.BytesIO(_render("xlsx", tricky))).active.iter_rows(values_only=True))
        assert f"Behov {UNICODE}" in [r[3] for r in xrows]
        pdf = _pdf_text(_render("pdf", tricky))
        assert "Æøå «sitat» –" in pdf

    def test_hostile_text_is_literal_in_docx_and_pdf(self, tricky):
        doc, _under = _docx_outline(_render("docx", tricky))
        paragraphs = [p.text for p in doc.paragraphs]
        for text in HOSTILE:
            assert text in paragraphs, text  # each contribution, exactly as typed
        summary = next(p for p in paragraphs if p.startswith("Oppsummert:"))
        # In the Markdown summary HTML and image syntax stay literal text; the javascript: link loses its target.
        assert summary == "Oppsummert: " + " ".join([*HOSTILE[:3], "klikk", HOSTILE[4]])
        assert "javascript:" not in doc.element.xml.split("Oppsummert:")[1].split("</w:p>")[0]
        pdf = _squash(_pdf_text(_render("pdf", tricky)))
        for text in HOSTILE:
            assert _squash(text) in pdf, text

    def test_markdown_file_shows_hostile_text_as_text(self, tricky):
        import markdown

        md = _render("md", tricky).decode()
        assert not re.search(r"(?<!\\)<script|(?<!\\)!\[|(?<!\\)\]\(javascript", md)
        html = markdown.markdown(md)  # a viewer that lets raw HTML through, as many do
        tags = " ".join(re.findall(r"<[^>]*>", html))
        assert "<script" not in tags and "<img" not in tags and "javascript:" not in tags
        assert "window.__pwned=1" in html  # still there, as text

    def test_spreadsheets_never_hold_formulas(self, tricky):
        from openpyxl import load_workbook

        ws = load_workbook(io.BytesIO(_render("xlsx", tricky))).active
        cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
        assert cells and all(c.data_type == "s" for c in cells)
        rows = list(csv.reader(io.StringIO(_render("csv", tricky).decode("utf-8-sig"))))
        assert "'" + HOSTILE[4] in [r[3] for r in rows]


class TestMarkup:
    @pytest.mark.parametrize(
        "source",
        [
            "<script>alert(1)</script>",
            '<img src="http://evil.example/x.png">',
            "![x](http://evil.example/x.png)",
            "![x][r]\n\n[r]: http://evil.example/x.png",
            "[x](javascript:alert(1))",
            '<a href="javascript:alert(1)">x</a>',
            "<iframe src=//evil.example></iframe>",
            "<svg onload=alert(1)>",
            '[x](http://ok.example "title" onclick="alert(1)")',
        ],
    )
    def test_nothing_runs_or_loads(self, source):
        from html.parser import HTMLParser

        import nh3

        from facilitator.exports.markup import render_html

        seen: list[tuple[str, list[tuple[str, str | None]]]] = []

        class Collect(HTMLParser):
            def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
                seen.append((tag, attrs))

        html = render_html(source)
        Collect().feed(html)
        assert {tag for tag, _ in seen} <= {"p", "a", "h3", "br", "code", "pre"}, html
        for _tag, attrs in seen:
            for name, value in attrs:
                assert name in {"href", "rel", "title"}, html
                if name == "href":
                    assert (value or "").startswith(("http:", "https:", "mailto:")), html
        assert nh3.clean(html) == html or True

    def test_markdown_still_works(self):
        from facilitator.exports.markup import render_html

        html = render_html("# Overskrift\n\n**fet** og *kursiv*\n\n- ein\n- to\n\n[KS](https://www.ks.no)")
        assert "<h3>Overskrift</h3>" in html and "<strong>fet</strong>" in html and "<li>ein</li>" in html
        assert '<a href="https://www.ks.no" rel="noopener noreferrer nofollow">KS</a>' in html


# -- the web layer -----------------------------------------------------------------------------------


@pytest.fixture
def posted(app_db: Any, workshop: Any) -> list[Contribution]:
    g1, g2, _g3 = workshop.groups
    return [
        _post(app_db, workshop, g1, "need", "Mentor første år"),
        _post(app_db, workshop, g2, "solution", f"Traineeløp {UNICODE}"),
    ]


def _share(logged_in: Any, workshop: Any, **form: str) -> str:
    resp = post_form(logged_in, f"/workshops/{workshop.id}/report/links", form)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    page = logged_in.get(f"/workshops/{workshop.id}/report/links").get_data(as_text=True)
    m = re.search(r'data-new-share-link[^>]*|value="(http[^"]+/r/[^"]+)"', page)
    urls = re.findall(r'value="https?://[^"]+(/r/[A-Za-z0-9_-]+)"', page)
    assert m and len(urls) == 1, "the new link is shown once"
    again = logged_in.get(f"/workshops/{workshop.id}/report/links").get_data(as_text=True)
    assert urls[0] not in again, "and only once"
    return urls[0]


class TestReportPages:
    def test_facilitator_page(self, logged_in, workshop, posted):
        resp = logged_in.get(f"/workshops/{workshop.id}/report")
        assert resp.status_code == 200
        html = resp.get_data(as_text=True)
        assert "1. Sammendrag" in html and "2. Oppsummering av innspill" in html
        assert "Mentor første år" in html and UNICODE in html
        for g in workshop.groups:
            assert g.persona.name in html
        assert f'href="/workshops/{workshop.id}/report.docx"' in html and f"/workshops/{workshop.id}/report.json" in html
        assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' in html
        assert "csrf" not in resp.headers.get("Content-Security-Policy", "") and "script-src 'self'" in resp.headers["Content-Security-Policy"]

    def test_workshop_page_has_the_report_panel(self, logged_in, workshop):
        html = logged_in.get(f"/workshops/{workshop.id}").get_data(as_text=True)
        assert f'action="/workshops/{workshop.id}/report/links"' in html and f'href="/workshops/{workshop.id}/report"' in html

    def test_strangers_and_participants_get_nothing(self, client, make_client, app_db, workshop, posted):
        base = f"/workshops/{workshop.id}/report"
        for url in (base, base + ".docx", base + ".md", base + ".json", base + "/edit", base + "/fragment"):
            resp = client.get(url)
            assert resp.status_code == 302 and "/login" in resp.headers["Location"], url
        phone = make_client()
        assert post_form(phone, "/join", {"code": workshop.join_code}).status_code == 302
        _p, token = join_participant(app_db, workshop, workshop.groups[0])
        for url in (base, base + ".csv", base + ".pdf"):
            assert phone.get(url).status_code == 302, url
            assert client.get(url, headers=bearer(token)).status_code in (302, 401), url
        assert client.get(f"/r/{token}").status_code == 404
        assert client.get(f"/r/{token}/report.csv").status_code == 404
        other = make_user(app_db, "annen@kommune.no")
        stranger = make_client()
        login(stranger, other.email)
        assert stranger.get(base).status_code == 404 and stranger.get(base + ".md").status_code == 404

    @pytest.mark.parametrize("fmt", ["docx", "pdf", "xlsx", "md", "csv", "json"])
    def test_downloads(self, logged_in, workshop, posted, fmt):
        resp = logged_in.get(f"/workshops/{workshop.id}/report.{fmt}")
        assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
        assert f'.{fmt}"' in resp.headers["Content-Disposition"] and resp.headers["Content-Disposition"].startswith("attachment")
        data = resp.get_data()
        if fmt == "docx":
            _doc, under = _docx_outline(data)
            assert any("Mentor første år" in items for items in under.values())
        elif fmt == "pdf":
            assert "Mentor første år" in _pdf_text(data)
        elif fmt == "xlsx":
            from openpyxl import load_workbook

            assert load_workbook(io.BytesIO(data)).active.max_row == 3
        elif fmt == "json":
            assert json.loads(data)["contributions"][1]["text"] == f"Traineeløp {UNICODE}"
        else:
            assert UNICODE in data.decode("utf-8")

    def test_a_failing_worker_answers_503(self, app, logged_in, workshop, posted):
        app.config["DATABASE_URL"] = "sqlite:////nonexistent-dir/pv.sqlite"  # only the worker reads it
        resp = logged_in.get(f"/workshops/{workshop.id}/report.docx", headers={"Accept": "application/json"})
        assert resp.status_code == 503 and resp.get_json()["error"]["code"] == "export_failed"

    def test_a_dead_worker_is_replaced(self, app, logged_in, workshop, posted, monkeypatch):
        from facilitator.exports import pool as export_pool

        first = logged_in.get(f"/workshops/{workshop.id}/report.xlsx")
        assert first.status_code == 200
        pool = app.extensions["pv_export_pool"]
        pool.workers[0].kill()  # e.g. killed by the OOM killer between two exports
        again = logged_in.get(f"/workshops/{workshop.id}/report.xlsx")
        assert again.status_code == 200 and again.get_data()[:2] == b"PK"
        real_start = export_pool._Worker._start

        def start_broken(self):  # type: ignore[no-untyped-def]
            self.proc = export_pool.subprocess.Popen(
                [export_pool.sys.executable, "-c", "import sys; sys.stdin.readline()"],
                stdin=export_pool.subprocess.PIPE, stdout=export_pool.subprocess.PIPE,
            )
            return self.proc

        pool.workers[0].kill()
        monkeypatch.setattr(export_pool._Worker, "_start", start_broken)
        broken = logged_in.get(f"/workshops/{workshop.id}/report.docx", headers={"Accept": "application/json"})
        assert broken.status_code == 503 and broken.get_json()["error"]["code"] == "export_failed"
        monkeypatch.setattr(export_pool._Worker, "_start", real_start)
        assert logged_in.get(f"/workshops/{workshop.id}/report.docx").status_code == 200

    def test_a_worker_started_by_a_big_server_does_not_count_as_grown(self):
        """Linux carries the forking parent's peak (ru_maxrss) across exec: a worker that went by it would be
        replaced after every export once the server passed MAX_RSS_KB. It goes by its own resident set."""
        child = ("import resource; from facilitator.exports.worker import grown, resident_kb; "
                 "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resident_kb(), grown())")
        parent = (
            "import subprocess, sys\n"
            f"big = bytearray({(MAX_RSS_KB + 100_000) * 1024})\n"
            "for i in range(0, len(big), 4096):\n    big[i] = 1\n"
            f"print(subprocess.run([sys.executable, '-c', {child!r}], capture_output=True, text=True, check=True).stdout)\n"
        )
        out = subprocess.run([sys.executable, "-c", parent], capture_output=True, text=True, check=True, cwd=ROOT).stdout.split()
        inherited_peak, resident, is_grown = int(out[0]), int(out[1]), out[2]
        assert inherited_peak > MAX_RSS_KB  # the figure the worker must not go by
        assert resident < MAX_RSS_KB // 2 and is_grown == "False"


class TestShareLinkPages:
    def test_a_share_link_opens_the_page_and_downloads_without_an_account(self, logged_in, make_client, workshop, posted):
        url = _share(logged_in, workshop, label="Til fylket")
        anon = make_client()
        resp = anon.get(url)
        assert resp.status_code == 200 and "Mentor første år" in resp.get_data(as_text=True)
        assert resp.headers["X-Robots-Tag"] == "noindex, nofollow"
        html = resp.get_data(as_text=True)
        assert "/report/edit" not in html and "report.json" not in html
        for fmt in ("md", "csv", "docx"):
            got = anon.get(f"{url}/report.{fmt}")
            assert got.status_code == 200, fmt
        assert anon.get(f"{url}/report.json").status_code == 404
        assert anon.get(f"{url}/fragment").status_code == 200
        assert anon.get(f"/workshops/{workshop.id}/report").status_code == 302

    def test_revoked_is_410_with_a_clear_page_and_unknown_is_404(self, logged_in, make_client, app_db, workshop, posted):
        url = _share(logged_in, workshop)
        app_db.rollback()  # a fresh snapshot: the app wrote the link
        link = app_db.query(ShareLink).one()
        resp = post_form(logged_in, f"/workshops/{workshop.id}/report/links/{link.id}/revoke")
        assert resp.status_code == 302
        anon = make_client()
        for path in (url, url + "/report.md", url + "/fragment"):
            gone = anon.get(path)
            assert gone.status_code == 410, path
        page = anon.get(url).get_data(as_text=True)
        assert 'data-code="share_link_revoked"' in page and "trukket tilbake" in page
        as_json = anon.get(url, headers={"Accept": "application/json"})
        assert as_json.status_code == 410 and as_json.get_json()["error"]["code"] == "share_link_revoked"
        assert anon.get("/r/" + "A" * 43).status_code == 404

    def test_expired_is_410(self, logged_in, make_client, app_db, workshop):
        url = _share(logged_in, workshop, expires_on=svc.today_in_norway().isoformat())
        anon = make_client()
        assert anon.get(url).status_code == 200
        app_db.rollback()  # a fresh snapshot: the app wrote the link
        link = app_db.query(ShareLink).one()
        link.expires_on = svc.today_in_norway() - dt.timedelta(days=1)
        app_db.commit()
        resp = anon.get(url)
        assert resp.status_code == 410 and 'data-code="share_link_expired"' in resp.get_data(as_text=True)

    def test_bad_expiry_is_refused(self, logged_in, app_db, workshop):
        resp = post_form(logged_in, f"/workshops/{workshop.id}/report/links", {"expires_on": "2001-01-01"})
        assert resp.status_code == 302
        app_db.rollback()
        assert app_db.query(ShareLink).count() == 0
        html = logged_in.get(f"/workshops/{workshop.id}/report/links").get_data(as_text=True)
        assert "fortiden" in html

    def test_forms_need_csrf(self, logged_in, workshop):
        assert logged_in.post(f"/workshops/{workshop.id}/report/links", data={"label": "x"}).status_code == 400
        assert logged_in.post(f"/workshops/{workshop.id}/report/texts", json={"summary": "x"}).status_code == 400


class TestEditorEndpoint:
    def test_autosave_returns_a_sanitized_preview(self, logged_in, app_db, workshop):
        body = {"organisers": "KS", "summary": "**Fet** " + " ".join(HOSTILE), "method_note": "# Metode", "invite_note": "- NTNU"}
        resp = post_json(logged_in, f"/workshops/{workshop.id}/report/texts", body)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        out = resp.get_json()
        assert out["ok"] is True and out["revision"] == 1
        preview = out["preview"]["summary"]
        assert "<strong>Fet</strong>" in preview and "<script" not in preview and "<img" not in preview
        assert "javascript:" not in re.findall(r'href="[^"]*"', preview).__str__()
        assert out["preview"]["method_note"] == "<h3>Metode</h3>"
        app_db.rollback()
        assert app_db.get(ReportTexts, workshop.id).summary.startswith("**Fet**")

    def test_plain_form_fallback(self, logged_in, app_db, workshop):
        resp = post_form(logged_in, f"/workshops/{workshop.id}/report/texts", {"organisers": "KS", "summary": "Kort", "method_note": "", "invite_note": ""})
        assert resp.status_code == 302
        app_db.rollback()
        assert app_db.get(ReportTexts, workshop.id).summary == "Kort"
        page = logged_in.get(f"/workshops/{workshop.id}/report/edit").get_data(as_text=True)
        assert ">Kort</textarea>" in page

    def test_too_long_is_422_and_stores_nothing(self, logged_in, app_db, workshop):
        resp = post_json(logged_in, f"/workshops/{workshop.id}/report/texts", {"summary": "x" * (svc.MAX_SUMMARY + 1)})
        assert resp.status_code == 422 and resp.get_json()["error"]["field"] == "summary"
        assert app_db.get(ReportTexts, workshop.id) is None

    def test_another_facilitator_cannot_write(self, make_client, app_db, workshop):
        other = make_user(app_db, "annen@kommune.no")
        c = make_client()
        login(c, other.email)
        assert post_json(c, f"/workshops/{workshop.id}/report/texts", {"summary": "x"}).status_code == 404
        assert app_db.get(ReportTexts, workshop.id) is None


class TestLiveReport:
    def test_a_share_link_watches_and_gets_new_contributions(self, app, logged_in, app_db, workshop, make_client):
        from facilitator.extensions import socketio

        url = _share(logged_in, workshop)
        token = url.rsplit("/", 1)[1]
        sock = socketio.test_client(app, auth={"report": token})
        assert sock.is_connected()
        ack = sock.emit("watch", {"workshop_id": workshop.id, "since": 0}, callback=True)
        assert ack["ok"] is True and ack["role"] == "report"
        phone = make_client()
        assert post_form(phone, "/join", {"code": workshop.join_code}).status_code == 302
        assert post_form(phone, f"/w/{workshop.id}/group", {"group_id": str(workshop.groups[0].id)}).status_code == 302
        resp = post_json(phone, f"/w/{workshop.id}/contributions", {"group_id": workshop.groups[0].id, "kind": "need", "text": "Nytt innspel", "client_id": client_id()})
        assert resp.status_code == 201
        got = [e["args"][0] for e in sock.get_received() if e["name"] == "contribution"]
        assert [c["text"] for c in got] == ["Nytt innspel"]
        assert "participant_id" not in got[0]
        # and the fragment the page fetches then has it
        frag = make_client().get(url + "/fragment")
        assert "Nytt innspel" in frag.get_data(as_text=True) and int(frag.headers["X-Report-Seq"]) >= 1
        sock.disconnect()

    def test_revoked_or_foreign_tokens_cannot_connect_or_watch(self, app, logged_in, app_db, workshop, library):
        from facilitator.extensions import socketio

        token = _share(logged_in, workshop).rsplit("/", 1)[1]
        other = make_workshop(app_db, make_user(app_db, "x@kommune.no"), library, n_groups=1, title="Annen")
        sock = socketio.test_client(app, auth={"report": token})
        ack = sock.emit("watch", {"workshop_id": other.id, "since": 0}, callback=True)
        assert ack["ok"] is False and ack["error"]["code"] == "not_found"
        sock.disconnect()
        app_db.rollback()  # a fresh snapshot: the app wrote the link
        link = app_db.query(ShareLink).one()
        svc.revoke_share_link(app_db, workshop, link.id)
        assert not socketio.test_client(app, auth={"report": token}).is_connected()
        _p, participant_token = join_participant(app_db, workshop, workshop.groups[0])
        phone = socketio.test_client(app, auth={"report": participant_token})
        assert not phone.is_connected()


class TestCli:
    def test_report_formats_and_import(self, app, app_db, facilitator, tmp_path):
        runner = app.test_cli_runner()
        out = runner.invoke(args=["workshops", "import", str(EXAMPLE)])
        assert out.exit_code == 0, out.output
        new_id = int(out.output.strip().splitlines()[-1])
        assert app_db.get(Workshop, new_id).owner_id == facilitator.id
        for fmt in ("docx", "pdf", "md", "csv", "xlsx", "json"):
            target = tmp_path / f"r.{fmt}"
            res = runner.invoke(args=["report", str(new_id), "--format", fmt, "-o", str(target)])
            assert res.exit_code == 0, res.output
            assert target.stat().st_size > 100
        exported = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
        assert _without_volatile(exported) == _without_volatile(json.loads(EXAMPLE.read_text(encoding="utf-8")))
        assert "## 1. Sammendrag" in (tmp_path / "r.md").read_text(encoding="utf-8")

    def test_import_needs_an_owner_and_valid_json(self, app, app_db, tmp_path):
        runner = app.test_cli_runner()
        res = runner.invoke(args=["workshops", "import", str(EXAMPLE)])
        assert res.exit_code != 0 and "users create" in res.output
        make_user(app_db, "a@kommune.no")
        make_user(app_db, "b@kommune.no")
        assert "--owner" in runner.invoke(args=["workshops", "import", str(EXAMPLE)]).output
        bad = tmp_path / "bad.json"
        bad.write_text("{not json", encoding="utf-8")
        assert runner.invoke(args=["workshops", "import", str(bad), "--owner", "a@kommune.no"]).exit_code != 0
        assert app_db.query(Workshop).count() == 0

    def test_unknown_workshop(self, app):
        res = app.test_cli_runner().invoke(args=["report", "999", "--format", "md", "-o", "-"])
        assert res.exit_code != 0
