"""«Hos oss» over HTTP: the facilitator plans and starts the round, a phone posts a local case as a plain form
and as fetch (exactly once, with a clear Norwegian refusal for bad input), other screens hear of it on the
socket, the follow-up register takes one case or all of them with the municipality, and the report has its
own section in every format (tests/data/report_golden_local.md; a report without local cases is unchanged,
see test_report.py's golden files)."""

from __future__ import annotations

import copy
import io
import json
import os
import re
from typing import Any

import pytest
from helpers import (
    bearer,
    client_id,
    events,
    make_user,
    phone_client,
    post_form,
    post_json,
    watch,
)
from sqlalchemy import func, select
from test_report import EXAMPLE, FIXED_NOW, ROOT

from sessions.archive import service as archive
from sessions.contributions.models import Contribution
from sessions.followup import service as followup
from sessions.followup.models import FollowUp
from sessions.report import build as report_build
from sessions.rounds import service as rounds

# The 2019 example archive and the report's fixed clock, as test_report.py uses them for its golden file.
GOLDEN = ROOT / "tests" / "data" / "report_golden_local.md"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config["RATELIMIT_ENABLED"] = False
    return app_config


@pytest.fixture
def local_round(app_db, logged_in, workshop):  # type: ignore[no-untyped-def]
    """The plan: a needs round (run, with one need from the first table), then the «Hos oss» round, running."""
    for name, kind in (("Behov", "need"), ("Hos oss", "local")):
        resp = post_form(logged_in, f"/workshops/{workshop.id}/rounds", {"name": name, "prompt": "", "minutes": "10", "type": kind, "back": "plan"})
        assert resp.status_code == 302
    app_db.rollback()  # a fresh snapshot of what the requests committed
    first, second = rounds.plan(app_db, workshop.id)
    assert second.kinds == ["local"]
    assert post_form(logged_in, f"/workshops/{workshop.id}/rounds/{first.id}/start").status_code == 302
    return first, second


def _count(db) -> int:  # type: ignore[no-untyped-def]
    db.rollback()
    return db.scalar(select(func.count()).select_from(Contribution)) or 0


@pytest.fixture
def phone_and_need(app_db, make_client, logged_in, workshop, local_round):  # type: ignore[no-untyped-def]
    g = workshop.groups[0]
    phone = phone_client(make_client, workshop, g)
    need = post_json(phone, f"/w/{workshop.id}/contributions", {"group_id": g.id, "kind": "need", "text": "Veiledning av nyansatte", "client_id": client_id()})
    assert need.status_code == 201
    first, second = local_round
    assert post_form(logged_in, f"/workshops/{workshop.id}/rounds/{first.id}/end").status_code == 302
    assert post_form(logged_in, f"/workshops/{workshop.id}/rounds/{second.id}/start").status_code == 302
    return phone, need.get_json()["contribution"]


class TestPhone:
    def test_the_plan_page_offers_the_round(self, logged_in, workshop):
        html = logged_in.get(f"/workshops/{workshop.id}/plan").get_data(as_text=True)
        assert 'value="local"' in html and "data-add-local-round" in html
        resp = post_form(logged_in, f"/workshops/{workshop.id}/rounds", {"name": "Hos oss", "minutes": "10", "type": "local"})
        assert resp.status_code == 302

    def test_the_form_shows_the_local_fields_while_the_round_runs(self, app_db, workshop, phone_and_need):
        phone, need = phone_and_need
        g = workshop.groups[0]
        html = phone.get(f"/w/{workshop.id}/g/{g.id}").get_data(as_text=True)
        assert re.search(r'id="kind-local" name="kind" value="local" checked', html)
        assert re.search(r'<fieldset class="local-fields stack" data-local-fields\s*>', html)  # shown, not hidden
        assert f'<option value="{need["id"]}">' in html and "Veiledning av nyansatte" in html

    def test_a_plain_form_posts_a_case_and_fills_the_datalist(self, app_db, workshop, phone_and_need):
        phone, need = phone_and_need
        g = workshop.groups[0]
        form = {"group_id": str(g.id), "kind": "local", "text": "Tre nyansatte sluttet", "client_id": client_id(),
                "municipality": "Kristiansund", "grew_from_id": str(need["id"])}
        resp = post_form(phone, f"/w/{workshop.id}/contributions", form)
        assert resp.status_code == 302
        app_db.rollback()
        stored = app_db.scalar(select(Contribution).where(Contribution.text == "Tre nyansatte sluttet"))
        assert (stored.municipality, stored.grew_from_id) == ("Kristiansund", need["id"])
        html = phone.get(f"/w/{workshop.id}/g/{g.id}").get_data(as_text=True)
        assert '<option value="Kristiansund">' in html and "Hos oss" in html

    def test_fetch_posts_exactly_once_and_the_socket_carries_the_case(self, app_db, sio, logged_in, workshop, phone_and_need):
        phone, need = phone_and_need
        staff = sio(logged_in)
        watch(staff, workshop.id)
        body = {"group_id": workshop.groups[0].id, "kind": "local", "text": "Vikarbruk", "client_id": client_id(),
                "municipality": "Averøy", "grew_from_id": need["id"]}
        first = post_json(phone, f"/w/{workshop.id}/contributions", body)
        again = post_json(phone, f"/w/{workshop.id}/contributions", body)
        assert (first.status_code, again.status_code) == (201, 200)
        assert first.get_json()["contribution"]["id"] == again.get_json()["contribution"]["id"]
        c = first.get_json()["contribution"]
        assert (c["kind"], c["municipality"], c["grew_from_id"]) == ("local", "Averøy", need["id"])
        sent = events(staff, "contribution")
        assert [(e["kind"], e["municipality"]) for e in sent] == [("local", "Averøy")]

    @pytest.mark.parametrize(
        ("change", "code", "words"),
        [
            ({"municipality": ""}, "validation_failed", "Kommune"),
            ({"municipality": "K" * 81}, "validation_failed", "for lang"),
            ({"grew_from_id": 987654}, "unknown_origin", "ikke en av denne workshopens"),
            ({"grew_from_id": "tolv"}, "validation_failed", "Vokste fram fra"),
        ],
    )
    def test_bad_input_is_refused_in_norwegian_and_stores_nothing(self, app_db, workshop, phone_and_need, change, code, words):
        phone, need = phone_and_need
        body = {"group_id": workshop.groups[0].id, "kind": "local", "text": "En sak", "client_id": client_id(),
                "municipality": "Molde", "grew_from_id": need["id"], **change}
        before = _count(app_db)
        resp = post_json(phone, f"/w/{workshop.id}/contributions", body)
        error = resp.get_json()["error"]
        assert resp.status_code in (404, 409, 422) and error["code"] == code and words in error["message"], error
        assert _count(app_db) == before

    def test_another_workshops_need_is_refused(self, app_db, make_client, workshop, other_ws, phone_and_need):
        phone, _need = phone_and_need
        theirs_phone = phone_client(make_client, other_ws, other_ws.groups[0])
        theirs = post_json(theirs_phone, f"/w/{other_ws.id}/contributions",
                           {"group_id": other_ws.groups[0].id, "kind": "need", "text": "Deres behov", "client_id": client_id()})
        body = {"group_id": workshop.groups[0].id, "kind": "local", "text": "En sak", "client_id": client_id(),
                "municipality": "Molde", "grew_from_id": theirs.get_json()["contribution"]["id"]}
        before = _count(app_db)
        resp = post_json(phone, f"/w/{workshop.id}/contributions", body)
        assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "unknown_origin"
        assert _count(app_db) == before

    def test_the_api_posts_a_case(self, client, app_db, workshop, phone_and_need):
        _phone, need = phone_and_need
        joined = client.post("/api/v1/join", json={"code": workshop.join_code, "group_id": workshop.groups[0].id})
        token = joined.get_json()["token"]
        body = {"group_id": workshop.groups[0].id, "kind": "local", "text": "Fra API", "client_id": client_id(),
                "municipality": "Molde", "grew_from_id": need["id"]}
        resp = client.post(f"/api/v1/workshops/{workshop.id}/contributions", json=body, headers=bearer(token))
        assert resp.status_code == 201, resp.get_data(as_text=True)
        assert resp.get_json()["municipality"] == "Molde"


class TestFollowUp:
    def _case(self, phone, workshop, need, text, place):  # type: ignore[no-untyped-def]
        body = {"group_id": workshop.groups[0].id, "kind": "local", "text": text, "client_id": client_id(),
                "municipality": place, "grew_from_id": need["id"]}
        return post_json(phone, f"/w/{workshop.id}/contributions", body).get_json()["contribution"]

    def test_one_case_then_all_of_them(self, app_db, logged_in, workshop, phone_and_need):
        phone, need = phone_and_need
        a = self._case(phone, workshop, need, "Tre nyansatte sluttet", "Kristiansund")
        self._case(phone, workshop, need, "Vikarbruk i helgene", "Averøy")
        page = logged_in.get(f"/workshops/{workshop.id}/followups").get_data(as_text=True)
        assert "Hos oss · Kristiansund" in page and "Legg alle Hos oss-saker i registeret" in page
        resp = post_form(logged_in, f"/workshops/{workshop.id}/followups/from-proposal", {"contribution_id": str(a["id"])})
        assert resp.status_code == 302
        app_db.rollback()
        assert [(i.text, i.municipality) for i in followup.followups(app_db, workshop.id)] == [("Tre nyansatte sluttet", "Kristiansund")]
        resp = post_form(logged_in, f"/workshops/{workshop.id}/followups/from-local-cases", follow_redirects=True)
        assert resp.status_code == 200
        app_db.rollback()
        assert sorted(i.municipality for i in followup.followups(app_db, workshop.id)) == ["Averøy", "Kristiansund"]
        page = resp.get_data(as_text=True)
        assert "Kommune: Averøy" in page and "Ingen Hos oss-saker venter" in page
        # Twice does nothing more.
        post_form(logged_in, f"/workshops/{workshop.id}/followups/from-local-cases")
        app_db.rollback()
        assert app_db.scalar(select(func.count()).select_from(FollowUp)) == 2

    def test_the_api_takes_a_case_and_shows_its_municipality(self, client, app_db, api_token, workshop, phone_and_need):
        phone, need = phone_and_need
        case = self._case(phone, workshop, need, "Turnus", "Molde")
        base = f"/api/v1/workshops/{workshop.id}/followups"
        resp = client.post(base, json={"contribution_id": case["id"]}, headers=bearer(api_token))
        assert resp.status_code == 201 and resp.get_json()["municipality"] == "Molde"
        listed = client.get(base, headers=bearer(api_token)).get_json()["followups"]
        assert [f["municipality"] for f in listed] == ["Molde"]
        # A need is still refused, and nothing is added.
        resp = client.post(base, json={"contribution_id": need["id"]}, headers=bearer(api_token))
        assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "not_a_proposal"
        assert len(client.get(base, headers=bearer(api_token)).get_json()["followups"]) == 1

    def test_the_follow_up_exports_name_the_municipality(self, logged_in, app_db, workshop, phone_and_need):
        from openpyxl import load_workbook

        phone, need = phone_and_need
        case = self._case(phone, workshop, need, "Turnus", "Molde")
        followup.add_from_contribution(app_db, workshop, case["id"])
        md = logged_in.get(f"/workshops/{workshop.id}/followups.md").get_data(as_text=True)
        assert "**Kommune:** Molde" in md
        rows = list(load_workbook(io.BytesIO(logged_in.get(f"/workshops/{workshop.id}/followups.xlsx").data)).active.iter_rows(values_only=True))
        assert rows[0][6] == "Kommune" and rows[1][6] == "Molde"
        csv = logged_in.get(f"/workshops/{workshop.id}/followups.csv").data.decode("utf-8-sig")
        assert "Kommune" in csv.splitlines()[0]


# -- the report ---------------------------------------------------------------------------------------


def _with_local_cases() -> dict[str, Any]:
    """The 2019 example archive plus three «Hos oss» cases from two tables, one without a link."""
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    doc = copy.deepcopy(doc)
    when = "2019-06-13T10:30:00.000000Z"
    doc["contributions"] += [
        {"group": "g1", "persona": "ine", "kind": "local", "text": "Vi mister studenter til byene etter praksis", "author_name": None,
         "created_at": when, "updated_at": None, "votes": 0, "tags": [], "theme": None, "hidden": False,
         "municipality": "Kristiansund", "grew_from": 3},
        {"group": "g2", "persona": "torunn", "kind": "local", "text": "Ingen fast mentor for nyansatte i hjemmetjenesten",
         "author_name": None, "created_at": when, "updated_at": None, "votes": 0, "tags": [], "theme": None, "hidden": False,
         "municipality": "Averøy", "grew_from": 0},
        {"group": "g2", "persona": "torunn", "kind": "local", "text": "Turnus som passer for småbarnsforeldre", "author_name": None,
         "created_at": when, "updated_at": None, "votes": 0, "tags": [], "theme": None, "hidden": False,
         "municipality": "Averøy", "grew_from": None},
    ]
    return doc


@pytest.fixture
def local_report(db: Any) -> Any:
    from facilitator.exports.labels import labels, translations

    ws = archive.import_archive(db, _with_local_cases(), make_user(db))
    return report_build.build_report(db, ws.id, now=FIXED_NOW), labels(translations("nb"), "nb")


class TestReport:
    def test_markdown_matches_the_golden_file(self, local_report):
        from facilitator.exports import render

        report, lab = local_report
        text = render("md", report, lab).decode("utf-8")
        if os.environ.get("PV_UPDATE_GOLDEN"):
            GOLDEN.write_text(text, encoding="utf-8")
        assert text == GOLDEN.read_text(encoding="utf-8")
        assert "## 4. Fra persona til egen kommune" in text
        assert "### Averøy" in text and "vokste fram fra: «Mer kontakt med arbeidslivet" in text

    def test_docx_pdf_xlsx_and_the_page(self, local_report):
        import docx
        from openpyxl import load_workbook
        from pypdf import PdfReader

        from facilitator.exports import render
        from facilitator.exports.document import render_print_html

        report, lab = local_report
        doc = docx.Document(io.BytesIO(render("docx", report, lab)))
        heads = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
        i = heads.index("4. Fra persona til egen kommune")
        assert heads[i + 1 : i + 3] == ["Averøy", "Kristiansund"]
        bullets = [p.text for p in doc.paragraphs if "vokste fram fra" in p.text]
        assert any(b.startswith("Ingen fast mentor") for b in bullets)
        pdf = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(render("pdf", report, lab))).pages)
        assert "Fra persona til egen kommune" in re.sub(r"\s+", " ", pdf) and "Kristiansund" in pdf
        wb = load_workbook(io.BytesIO(render("xlsx", report, lab)))
        rows = list(wb["Hos oss"].iter_rows(values_only=True))
        assert rows[0] == ("Kommune", "Hos oss-sak", "Type", "Vokste fram fra")
        assert [r[0] for r in rows[1:]] == ["Averøy", "Averøy", "Kristiansund"]
        html = render_print_html(report, lab)
        assert 'id="local"' in html and "Averøy" in html


def test_a_case_costs_one_statement_more_than_a_post(app, make_client, workshop, phone_and_need):
    """tests/web/test_hot_path.py keeps a normal post at five statements; a local case adds the one lookup
    of what it grew from."""
    from test_hot_path import POST_STATEMENTS, counted

    phone, need = phone_and_need
    body = {"group_id": workshop.groups[0].id, "kind": "local", "text": "Sak", "client_id": client_id(),
            "municipality": "Molde", "grew_from_id": need["id"]}
    post_json(phone, f"/w/{workshop.id}/contributions", {**body, "client_id": client_id()})  # warm: the table is taken
    with counted(app) as seen:
        resp = post_json(phone, f"/w/{workshop.id}/contributions", body)
    assert resp.status_code == 201
    assert len(seen) <= POST_STATEMENTS + 1, "\n".join(seen)
