"""Series of workshops on the web and through the API (facilitator/series/, sessions/series/).

THE key test: a series of three workshops (Nordmøre, Romsdal, Sunnmøre) with the five library personas
of the 2019 workshop, filled through the JSON API (participants join and post as the API tests do),
yields a series report in every format (page, DOCX, PDF, XLSX, JSON) whose cross-workshop table is
checked cell by cell against the stored data.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from typing import Any

import pytest
from helpers import bearer, client_id, login, make_user, post_form
from sqlalchemy import select

from sessions.accounts.service import issue_api_token
from sessions.contributions.models import Contribution
from sessions.models import Base
from sessions.series.models import SeriesWorkshop, WorkshopSeries
from sessions.workshops.models import WorkshopPersona

PERSONAS = ("ine", "nils", "silje", "torunn", "trond")
REGIONS = ("Nordmøre", "Romsdal", "Sunnmøre")
# What the tables of each region write (persona key -> texts); different per region so the counts differ.
TEXTS = {
    "Nordmøre": {
        "torunn": ["Veiledning for nye ledere i hjemmetjenesten", "Mentorordning for ledere første år"],
        "trond": ["Kompetanse på digitale verktøy i undervisningen"],
        "nils": ["Opplæring i velferdsteknologi for helsefagarbeidere", "Mer veiledning i hjemmetjenesten"],
        "ine": [],
        "silje": ["Lederutdanning for nye rektorer"],
    },
    "Romsdal": {
        "torunn": ["Mentorordning for nye ledere", "Lederstøtte i omstilling"],
        "trond": ["Digitale verktøy i klasserommet", "Kurs i vurdering for læring"],
        "nils": ["Velferdsteknologi i hjemmetjenesten"],
        "ine": ["Praksisplass i kommunen under studiet"],
        "silje": [],
    },
    "Sunnmøre": {
        "torunn": ["Mentor for ledere i helse og omsorg"],
        "trond": ["Digital kompetanse for lærere på ungdomstrinnet"],
        "nils": ["Velferdsteknologi og opplæring i hjemmetjenesten", "Fagdager for helsefagarbeidere", "Kveldskurs i sårbehandling"],
        "ine": ["Trainee-program i kommunen"],
        "silje": ["Nettverk for nye rektorer"],
    },
}


def template_2019(client: Any, token: str) -> dict[str, Any]:
    """The built-in template «Kompetansealliansen Møre og Romsdal 2019», as the API lists it."""
    resp = client.get("/api/v1/templates", headers=bearer(token))
    assert resp.status_code == 200, resp.get_json()
    return next(t for t in resp.get_json()["templates"] if t["builtin"] and "2019" in t["name"])


def make_workshop(client: Any, token: str, title: str) -> dict[str, Any]:
    """A workshop made from the built-in 2019 template (its five personas, one table each), opened."""
    template = template_2019(client, token)
    resp = client.post(
        f"/api/v1/templates/{template['id']}/workshops",
        json={"title": title, "date": "2027-02-01", "place": title},
        headers=bearer(token),
    )
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["template_id"] == template["id"]
    ws_id = resp.get_json()["id"]
    resp = client.post(f"/api/v1/workshops/{ws_id}/open", headers=bearer(token))
    assert resp.status_code == 200
    ws = resp.get_json()
    assert sorted(g["persona"]["id"] for g in ws["groups"]) == sorted(PERSONAS)
    return ws


def fill(client: Any, ws: dict[str, Any], texts: dict[str, list[str]]) -> None:
    """Each table's participant joins through the API and posts its texts (needs, the last a proposal)."""
    for group in ws["groups"]:
        items = texts[group["persona"]["id"]]
        if not items:
            continue
        resp = client.post("/api/v1/join", json={"code": ws["join_code"], "group_id": group["id"]})
        assert resp.status_code == 201, resp.get_json()
        token = resp.get_json()["token"]
        for i, text in enumerate(items):
            kind = "solution" if i and i == len(items) - 1 else "need"
            body = {"group_id": group["id"], "kind": kind, "text": text, "client_id": client_id()}
            resp = client.post(f"/api/v1/workshops/{ws['id']}/contributions", json=body, headers=bearer(token))
            assert resp.status_code == 201, resp.get_json()


def stored_counts(db: Any, ws_ids: list[int]) -> dict[tuple[str, int], int]:
    """(persona key, workshop id) -> visible contributions, straight from the tables."""
    rows = db.execute(
        select(WorkshopPersona.key, Contribution.workshop_id)
        .join(WorkshopPersona, WorkshopPersona.id == Contribution.persona_id)
        .where(
            Contribution.workshop_id.in_(ws_ids),
            Contribution.deleted.is_(False),
            Contribution.hidden.is_(False),
            Contribution.merged_into_id.is_(None),
        )
    ).all()
    return Counter((key, wid) for key, wid in rows)


def api(client: Any, token: str, method: str, url: str, **kw: Any) -> Any:
    return client.open(url, method=method, headers={**bearer(token), **kw.pop("headers", {})}, **kw)


@pytest.fixture
def series_world(app: Any, app_db: Any, client: Any, facilitator: Any, api_token: str) -> dict[str, Any]:
    workshops = [make_workshop(client, api_token, title) for title in REGIONS]
    for ws, title in zip(workshops, REGIONS, strict=True):
        fill(client, ws, TEXTS[title])
    resp = api(client, api_token, "POST", "/api/v1/series", json={"name": "Kompetanseløftet 2027", "description": "Tre regioner"})
    assert resp.status_code == 201, resp.get_json()
    series = resp.get_json()
    for ws in workshops:
        resp = api(client, api_token, "POST", f"/api/v1/series/{series['id']}/workshops", json={"workshop_id": ws["id"]})
        assert resp.status_code == 200, resp.get_json()
    return {"series": series, "workshops": workshops}


def _snapshot(app: Any) -> dict[str, Any]:
    session = app.extensions["pv_sessionmaker"]()
    try:
        return {t.name: sorted(map(tuple, session.execute(select(t)).all()), key=repr) for t in Base.metadata.sorted_tables}
    finally:
        session.close()


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


class TestTheSeriesReportInEveryFormat:
    def test_cross_workshop_table_matches_the_stored_data(self, app, app_db, client, api_token, series_world):
        sid = series_world["series"]["id"]
        ws_ids = [ws["id"] for ws in series_world["workshops"]]
        expected = stored_counts(app_db, ws_ids)
        names = {p.key: p.name for p in app_db.scalars(select(WorkshopPersona).where(WorkshopPersona.workshop_id == ws_ids[0]))}
        assert sum(expected.values()) == sum(len(t) for region in TEXTS.values() for t in region.values())

        def row(key: str) -> list[int]:
            return [expected.get((key, wid), 0) for wid in ws_ids]

        # JSON
        resp = api(client, api_token, "GET", f"/api/v1/series/{sid}/report")
        assert resp.status_code == 200
        body = resp.get_json()
        assert [w["title"] for w in body["workshops"]] == list(REGIONS)
        by_key = {p["key"]: p for p in body["personas"]}
        assert set(by_key) == set(PERSONAS)
        for key in PERSONAS:
            assert [by_key[key]["counts"][str(wid)] for wid in ws_ids] == row(key), key
            assert by_key[key]["total"] == sum(row(key))
        # Recurring themes name the workshops they span; the mentor theme spans all three regions' Torunn.
        assert body["themes"], "the suggester found themes over the series"
        assert all(set(t["workshops"]) <= set(REGIONS) for t in body["themes"])
        spans = [len(t["workshop_ids"]) for t in body["themes"]]
        assert spans == sorted(spans, reverse=True) and spans[0] >= 2

        # The page
        login(client, "anne.fasilitator@kommune.no")
        resp = client.get(f"/serier/{sid}/rapport")
        assert resp.status_code == 200
        html = resp.get_data(as_text=True)
        table = html[html.index('data-table="personas"') :]
        table = table[: table.index("</table>")]
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", table)]
        for key in PERSONAS:
            i = cells.index(names[key])
            assert cells[i + 1 : i + 5] == [str(n) for n in row(key)] + [str(sum(row(key)))], key
        assert "Kom opp i" in html or "Came up in" in html

        # DOCX
        from docx import Document

        resp = client.get(f"/serier/{sid}/rapport.docx")
        assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
        doc = Document(io.BytesIO(resp.get_data()))
        tables = {t.rows[0].cells[0].text: t for t in doc.tables}
        persona_table = tables["Persona"]
        assert [c.text for c in persona_table.rows[0].cells] == ["Persona", *REGIONS, "Sum"]
        docx_rows = {r.cells[0].text: [c.text for c in r.cells[1:]] for r in persona_table.rows[1:]}
        for key in PERSONAS:
            assert docx_rows[names[key]] == [str(n) for n in row(key)] + [str(sum(row(key)))], key

        # XLSX
        from openpyxl import load_workbook

        resp = client.get(f"/serier/{sid}/rapport.xlsx")
        assert resp.status_code == 200
        wb = load_workbook(io.BytesIO(resp.get_data()))
        sheet = next(ws for ws in wb.worksheets if any(r[0] == "Persona" for r in ws.iter_rows(values_only=True)))
        xrows = {r[0]: list(r[1:]) for r in sheet.iter_rows(values_only=True)}
        assert xrows["Persona"] == [*REGIONS, "Sum"]
        for key in PERSONAS:
            assert xrows[names[key]] == row(key) + [sum(row(key))], key

        # PDF (API download)
        from pypdf import PdfReader

        resp = api(client, api_token, "GET", f"/api/v1/series/{sid}/report.pdf")
        assert resp.status_code == 200 and resp.get_data().startswith(b"%PDF")
        text = _squash(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(resp.get_data())).pages))
        for key in PERSONAS:
            assert _squash(" ".join([names[key], *map(str, row(key)), str(sum(row(key)))])) in text, key

    def test_a_deleted_workshop_disappears_from_the_series_and_its_report(self, app, app_db, client, api_token, series_world):
        from sessions.privacy.service import delete_workshop

        sid = series_world["series"]["id"]
        gone = series_world["workshops"][1]
        delete_workshop(app_db, gone["id"])
        app_db.rollback()
        assert app_db.get(SeriesWorkshop, gone["id"]) is None
        body = api(client, api_token, "GET", f"/api/v1/series/{sid}/report").get_json()
        assert [w["title"] for w in body["workshops"]] == ["Nordmøre", "Sunnmøre"]
        assert all(set(p["counts"]) == {str(series_world["workshops"][0]["id"]), str(series_world["workshops"][2]["id"])} for p in body["personas"])
        assert all("Romsdal" not in t["workshops"] for t in body["themes"])
        # Adding the deleted workshop again is refused and changes nothing.
        before = _snapshot(app)
        resp = api(client, api_token, "POST", f"/api/v1/series/{sid}/workshops", json={"workshop_id": gone["id"]})
        assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"
        assert _snapshot(app) == before


class TestApi:
    def test_crud(self, app, client, api_token, workshop):
        resp = api(client, api_token, "POST", "/api/v1/series", json={"name": "  Kompetanseløftet 2027 ", "description": ""})
        assert resp.status_code == 201
        s = resp.get_json()
        assert s["name"] == "Kompetanseløftet 2027" and s["workshops"] == []
        resp = api(client, api_token, "PATCH", f"/api/v1/series/{s['id']}", json={"name": "Kompetanseløftet 2028"})
        assert resp.status_code == 200 and resp.get_json()["name"] == "Kompetanseløftet 2028"
        resp = api(client, api_token, "POST", f"/api/v1/series/{s['id']}/workshops", json={"workshop_id": workshop.id})
        assert [w["id"] for w in resp.get_json()["workshops"]] == [workshop.id]
        assert [x["id"] for x in api(client, api_token, "GET", "/api/v1/series").get_json()["series"]] == [s["id"]]
        resp = api(client, api_token, "DELETE", f"/api/v1/series/{s['id']}/workshops/{workshop.id}")
        assert resp.status_code == 200 and resp.get_json()["workshops"] == []
        api(client, api_token, "POST", f"/api/v1/series/{s['id']}/workshops", json={"workshop_id": workshop.id})
        assert api(client, api_token, "DELETE", f"/api/v1/series/{s['id']}").status_code == 204
        assert api(client, api_token, "GET", f"/api/v1/series/{s['id']}").status_code == 404
        # Deleting the series never deletes its workshops.
        assert api(client, api_token, "GET", f"/api/v1/workshops/{workshop.id}").status_code == 200

    def test_a_workshop_in_two_series_is_refused_and_nothing_changes(self, app, client, api_token, workshop):
        a = api(client, api_token, "POST", "/api/v1/series", json={"name": "Kompetanseløftet 2027"}).get_json()
        b = api(client, api_token, "POST", "/api/v1/series", json={"name": "Andre runde"}).get_json()
        assert api(client, api_token, "POST", f"/api/v1/series/{a['id']}/workshops", json={"workshop_id": workshop.id}).status_code == 200
        before = _snapshot(app)
        resp = api(client, api_token, "POST", f"/api/v1/series/{b['id']}/workshops", json={"workshop_id": workshop.id}, headers={"Accept-Language": "nb"})
        assert resp.status_code == 409
        err = resp.get_json()["error"]
        assert err["code"] == "already_in_series" and "Kompetanseløftet 2027" in err["message"]
        assert _snapshot(app) == before
        # The same series again: nothing changes, no error.
        assert api(client, api_token, "POST", f"/api/v1/series/{a['id']}/workshops", json={"workshop_id": workshop.id}).status_code == 200
        assert _snapshot(app) == before

    @pytest.mark.parametrize(
        ("body", "status", "code"),
        [
            ({"name": ""}, 422, "validation_failed"),
            ({"name": "x" * 121}, 422, "validation_failed"),
            ({"name": 7}, 422, "validation_failed"),
            ({}, 422, "validation_failed"),
        ],
    )
    def test_bad_series_bodies(self, app, client, api_token, body, status, code):
        before = _snapshot(app)
        resp = api(client, api_token, "POST", "/api/v1/series", json=body)
        assert resp.status_code == status and resp.get_json()["error"]["code"] == code
        assert _snapshot(app) == before

    @pytest.mark.parametrize("workshop_id", [None, "abc", 0, -1, 10**12, True, [1]])
    def test_bad_workshop_ids(self, app, client, api_token, workshop_id):
        s = api(client, api_token, "POST", "/api/v1/series", json={"name": "S"}).get_json()
        before = _snapshot(app)
        resp = api(client, api_token, "POST", f"/api/v1/series/{s['id']}/workshops", json={"workshop_id": workshop_id})
        assert resp.status_code in (404, 422), resp.get_json()
        assert _snapshot(app) == before

    def test_another_facilitators_workshop_and_series(self, app, app_db, client, api_token, other_ws):
        s = api(client, api_token, "POST", "/api/v1/series", json={"name": "S"}).get_json()
        stranger = issue_api_token(app_db, make_user(app_db, "fremmed@kommune.no"))
        before = _snapshot(app)
        resp = api(client, api_token, "POST", f"/api/v1/series/{s['id']}/workshops", json={"workshop_id": other_ws.id})
        assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"
        for method, url in (("GET", f"/api/v1/series/{s['id']}"), ("GET", f"/api/v1/series/{s['id']}/report"), ("DELETE", f"/api/v1/series/{s['id']}")):
            assert api(client, stranger, method, url).status_code == 404
        assert _snapshot(app) == before


class TestPages:
    def test_create_add_from_the_workshop_page_and_remove(self, app, app_db, logged_in, workshop):
        resp = post_form(logged_in, "/serier", {"name": "Kompetanseløftet 2027", "description": "Tre regioner"})
        assert resp.status_code == 302
        app_db.rollback()  # end the fixture's read snapshot
        s = app_db.scalar(select(WorkshopSeries))
        assert resp.headers["Location"].endswith(f"/serier/{s.id}")
        assert "Kompetanseløftet 2027" in logged_in.get("/serier").get_data(as_text=True)
        # From the workshop's page («Serie: …»).
        assert "data-series-current" in logged_in.get(f"/workshops/{workshop.id}").get_data(as_text=True)
        resp = post_form(logged_in, f"/workshops/{workshop.id}/series", {"series_id": str(s.id)})
        assert resp.status_code == 302
        page = logged_in.get(f"/workshops/{workshop.id}").get_data(as_text=True)
        assert f'href="/serier/{s.id}"' in page
        html = logged_in.get(f"/serier/{s.id}").get_data(as_text=True)
        assert f'data-workshop-id="{workshop.id}"' in html and 'data-table="personas"' in html
        # A second series: the workshop cannot join it; the page says where it is.
        post_form(logged_in, "/serier", {"name": "Andre runde"})
        app_db.rollback()
        other = app_db.scalars(select(WorkshopSeries).where(WorkshopSeries.name == "Andre runde")).one()
        before = _snapshot(app)
        resp = post_form(logged_in, f"/serier/{other.id}/workshops", {"workshop_id": str(workshop.id)}, follow_redirects=True)
        assert "allerede i serien «Kompetanseløftet 2027»" in resp.get_data(as_text=True) or "allerede i serien “Kompetanseløftet 2027”" in resp.get_data(as_text=True)
        assert _snapshot(app) == before
        # Out again from the workshop's page.
        assert post_form(logged_in, f"/workshops/{workshop.id}/series", {"series_id": ""}).status_code == 302
        app_db.rollback()
        assert app_db.scalar(select(SeriesWorkshop)) is None

    def test_rename_and_delete(self, app_db, logged_in, workshop):
        post_form(logged_in, "/serier", {"name": "Kompetanseløftet 2027"})
        app_db.rollback()  # end the fixture's read snapshot
        sid, wid = app_db.scalar(select(WorkshopSeries)).id, workshop.id
        post_form(logged_in, f"/serier/{sid}/workshops", {"workshop_id": str(wid)})
        resp = post_form(logged_in, f"/serier/{sid}", {"name": "", "description": ""}, follow_redirects=True)
        assert resp.status_code == 200
        app_db.rollback()
        assert app_db.get(WorkshopSeries, sid).name == "Kompetanseløftet 2027"
        post_form(logged_in, f"/serier/{sid}", {"name": "Nytt navn", "description": "Ny"})
        app_db.rollback()
        assert app_db.get(WorkshopSeries, sid).name == "Nytt navn"
        assert post_form(logged_in, f"/serier/{sid}/delete").headers["Location"].endswith("/serier")
        app_db.rollback()
        assert app_db.get(WorkshopSeries, sid) is None and app_db.get(SeriesWorkshop, wid) is None
        assert logged_in.get(f"/workshops/{wid}").status_code == 200

    def test_strangers_get_nothing(self, app_db, client, make_client, logged_in, workshop):
        post_form(logged_in, "/serier", {"name": "Kompetanseløftet 2027"})
        app_db.rollback()  # end the fixture's read snapshot
        s = app_db.scalar(select(WorkshopSeries))
        stranger = make_client()
        login(stranger, make_user(app_db, "annen@kommune.no").email)
        for url in (f"/serier/{s.id}", f"/serier/{s.id}/rapport", f"/serier/{s.id}/rapport.docx"):
            assert stranger.get(url).status_code == 404
            assert make_client().get(url).status_code == 302


class TestRolePrivacyInEveryFormat:
    def test_no_role_group_under_three_people_in_the_page_json_and_docx(self, app, client, api_token):
        """Two leaders and four employees across two workshops: the employees are a group, the leaders are
        only inside «Andre/ikke oppgitt» (with the one who gave no role), in every format."""
        workshops = [make_workshop(client, api_token, title) for title in ("Nordmøre", "Romsdal")]
        people = [(workshops[0], "leder"), (workshops[1], "leder"), (workshops[0], "ansatt"), (workshops[0], "ansatt"), (workshops[1], "ansatt"), (workshops[1], "ansatt"), (workshops[1], None)]
        for ws, role in people:
            group = ws["groups"][0]
            body = {"code": ws["join_code"], "group_id": group["id"]} | ({"role": role} if role else {})
            token = client.post("/api/v1/join", json=body).get_json()["token"]
            resp = client.post(
                f"/api/v1/workshops/{ws['id']}/contributions",
                json={"group_id": group["id"], "kind": "need", "text": f"Innspill fra {role}", "client_id": client_id()},
                headers=bearer(token),
            )
            assert resp.status_code == 201
        s = api(client, api_token, "POST", "/api/v1/series", json={"name": "Roller"}).get_json()
        for ws in workshops:
            api(client, api_token, "POST", f"/api/v1/series/{s['id']}/workshops", json={"workshop_id": ws["id"]})
        roles = api(client, api_token, "GET", f"/api/v1/series/{s['id']}/report").get_json()["roles"]
        assert [(g["role"], g["participants"]) for g in roles["groups"]] == [("ansatt", 4), ("other", 3)]
        login(client, "anne.fasilitator@kommune.no")
        html = client.get(f"/serier/{s['id']}/rapport").get_data(as_text=True)
        table = html[html.index('data-table="roles"') :]
        table = table[: table.index("</table>")]
        assert "Ansatt" in table and "Andre/ikke oppgitt" in table and "Leder" not in table
        from docx import Document

        doc = Document(io.BytesIO(client.get(f"/serier/{s['id']}/rapport.docx").get_data()))
        role_rows = next(t for t in doc.tables if t.rows[0].cells[0].text == "Rolle").rows
        assert [(r.cells[0].text, r.cells[1].text) for r in role_rows[1:]] == [("Ansatt", "4"), ("Andre/ikke oppgitt", "3")]


class TestFollowUpAcrossMeetings:
    """The next meeting reviews the registers of every workshop of the series at once; the series report
    shows each item's status history in every format."""

    def test_a_series_review_and_the_history_in_the_report(self, app, app_db, client, api_token, series_world):
        sid = series_world["series"]["id"]
        nordmore, romsdal, _sunnmore = series_world["workshops"]
        items = {}
        for ws, text in ((nordmore, "Mentorordning for nye ledere"), (romsdal, "Felles kurs i velferdsteknologi")):
            resp = api(client, api_token, "POST", f"/api/v1/workshops/{ws['id']}/followups", json={"text": text, "responsible": "KS"})
            assert resp.status_code == 201, resp.get_json()
            items[ws["title"]] = resp.get_json()["id"]
        # Changed on the register page first (a step without a meeting) …
        resp = api(client, api_token, "PATCH", f"/api/v1/workshops/{romsdal['id']}/followups/{items['Romsdal']}", json={"status": "next_focus"})
        assert resp.status_code == 200
        # … then the series' review meeting over both registers at once.
        body = {
            "meeting": "Oppfølgingsmøte mars 2027",
            "decisions": [
                {"followup_id": items["Nordmøre"], "status": "achieved", "note": "Tolv mentorpar"},
                {"followup_id": items["Romsdal"], "status": "not_far_enough", "note": "Mangler midler"},
            ],
        }
        resp = api(client, api_token, "POST", f"/api/v1/series/{sid}/followups/review", json=body)
        assert resp.status_code == 200, resp.get_json()
        assert resp.get_json()["changed"] == 2

        # An item of a workshop outside the series is refused, and nothing changes.
        other = make_workshop(client, api_token, "Utenfor serien")
        resp = api(client, api_token, "POST", f"/api/v1/workshops/{other['id']}/followups", json={"text": "Ikke i serien"})
        outside = resp.get_json()["id"]
        before = _snapshot(app)
        bad = {"meeting": "Møte", "decisions": [{"followup_id": items["Nordmøre"], "status": "open"}, {"followup_id": outside, "status": "achieved"}]}
        resp = api(client, api_token, "POST", f"/api/v1/series/{sid}/followups/review", json=bad)
        assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"
        assert _snapshot(app) == before

        expected = [
            ("Nordmøre", "Mentorordning for nye ledere", "Oppfølgingsmøte mars 2027", "open", "achieved", "Tolv mentorpar"),
            ("Romsdal", "Felles kurs i velferdsteknologi", "", "open", "next_focus", ""),
            ("Romsdal", "Felles kurs i velferdsteknologi", "Oppfølgingsmøte mars 2027", "next_focus", "not_far_enough", "Mangler midler"),
        ]
        report = api(client, api_token, "GET", f"/api/v1/series/{sid}/report").get_json()
        got = [(h["workshop"], h["item"], h["meeting"], h["from_status"], h["to_status"], h["note"]) for h in report["followup_history"]]
        assert got == expected
        assert {f["workshop_id"]: f["counts"]["achieved"] for f in report["followups"]}[nordmore["id"]] == 1

        login(client, "anne.fasilitator@kommune.no")
        html = client.get(f"/serier/{sid}/rapport").get_data(as_text=True)
        section = html[html.index('id="followup-history"') :]
        assert "Statushistorikk for oppfølgingen" in section
        # The report's headings keep the organisers' wording («Fokus vidare», «Ikkje kome langt nok»).
        assert "Ikke vurdert ennå → Oppnådd" in section and "Fokus vidare → Ikkje kome langt nok" in section
        assert "i registeret" in section and "Mangler midler" in section

        from docx import Document

        doc = Document(io.BytesIO(client.get(f"/serier/{sid}/rapport.docx").get_data()))
        hist = next(t for t in doc.tables if "Møte" in [c.text for c in t.rows[0].cells])
        rows = [[c.text for c in r.cells] for r in hist.rows[1:]]
        assert [(r[0], r[1], r[3], r[5]) for r in rows] == [
            ("Nordmøre", "Mentorordning for nye ledere", "Oppfølgingsmøte mars 2027", "Tolv mentorpar"),
            ("Romsdal", "Felles kurs i velferdsteknologi", "i registeret", ""),
            ("Romsdal", "Felles kurs i velferdsteknologi", "Oppfølgingsmøte mars 2027", "Mangler midler"),
        ]

        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(client.get(f"/serier/{sid}/rapport.xlsx").get_data()))
        sheet = next(s for s in wb.worksheets if s.title.startswith("Statushistorikk"))
        values = [r for r in sheet.iter_rows(values_only=True) if r[0] in ("Nordmøre", "Romsdal")]
        assert [(r[0], r[4]) for r in values] == [("Nordmøre", "Ikke vurdert ennå → Oppnådd"), ("Romsdal", "Ikke vurdert ennå → Fokus vidare"), ("Romsdal", "Fokus vidare → Ikkje kome langt nok")]

        # The review page of the series lists both workshops' registers; a form review records it too.
        page = client.get(f"/serier/{sid}/gjennomgang").get_data(as_text=True)
        assert "Gjennomgang på møte" in page and "Nordmøre" in page and "Romsdal" in page and "Ikke i serien" not in page
        form = {"meeting": "Mai-møtet", "item": [str(items["Nordmøre"])], f"status-{items['Nordmøre']}": "next_focus", f"note-{items['Nordmøre']}": ""}
        resp = post_form(client, f"/serier/{sid}/gjennomgang", form)
        assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/serier/{sid}#followups")
        report = api(client, api_token, "GET", f"/api/v1/series/{sid}/report").get_json()
        assert report["followup_history"][1]["meeting"] == "Mai-møtet"
