"""Workshop templates on the web (facilitator/workshop_templates/): the library page, «Lagre som mal»,
«Ny workshop fra mal», editing, copying, deleting, the file download and import (form and API), and who may
do what. Every refusal leaves the templates as they were."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from helpers import bearer, csrf_token, login, make_user, post_form
from sqlalchemy import func, select

from sessions.accounts.service import issue_api_token
from sessions.rounds import plan as rounds_plan
from sessions.rounds import service as rounds_svc
from sessions.workshop_templates import service as svc
from sessions.workshop_templates.builtin import builtin_2019_id
from sessions.workshop_templates.models import WorkshopTemplate
from sessions.workshops import service as workshops


def _fresh(app_db: Any) -> None:
    """Read what the requests committed (end the session's snapshot, forget loaded rows)."""
    app_db.rollback()
    app_db.expire_all()


def _count(app_db: Any) -> int:
    _fresh(app_db)
    return app_db.scalar(select(func.count()).select_from(WorkshopTemplate).where(WorkshopTemplate.builtin_key.is_(None)))


def _upload(client: Any, raw: bytes, name: str = "mal.json") -> Any:
    return client.post(
        "/maler/import",
        data={"csrf_token": csrf_token(client), "file": (io.BytesIO(raw), name)},
        content_type="multipart/form-data",
    )


@pytest.fixture
def saved(app_db: Any, facilitator: Any, workshop: Any) -> WorkshopTemplate:
    rounds_plan.add_default_plan(app_db, workshop)
    return svc.save_from_workshop(app_db, facilitator, workshop, "Vårens mal", "Tre bord")


def test_save_as_template_from_the_workshop_page(app_db: Any, logged_in: Any, workshop: Any) -> None:
    page = logged_in.get(f"/workshops/{workshop.id}").get_data(as_text=True)
    assert "Lagre som mal" in page and f'action="/workshops/{workshop.id}/template"' in page
    resp = post_form(logged_in, f"/workshops/{workshop.id}/template", {"name": "Kopi av samlingen", "description": "Til Romsdal"})
    assert resp.status_code == 302 and "/maler/" in resp.headers["Location"]
    _fresh(app_db)
    t = app_db.scalar(select(WorkshopTemplate).where(WorkshopTemplate.name == "Kopi av samlingen"))
    assert t is not None and len(t.groups) == 3 and t.description == "Til Romsdal"
    page = logged_in.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Kopi av samlingen" in page and "Lagret som malen" in page
    # An empty name: a message, nothing stored.
    before = _count(app_db)
    resp = post_form(logged_in, f"/workshops/{workshop.id}/template", {"name": "  "})
    assert resp.status_code == 302 and _count(app_db) == before
    assert "Navn på malen" in logged_in.get(resp.headers["Location"]).get_data(as_text=True)


def test_the_library_lists_built_in_templates_first(app_db: Any, logged_in: Any, saved: Any) -> None:
    page = logged_in.get("/maler").get_data(as_text=True)
    builtin = page.index("Kompetansealliansen Møre og Romsdal 2019")
    assert builtin < page.index("Vårens mal")
    assert "Ine Innflytter" in page and "5 grupper" in page and "5 runder" in page
    assert "mal.eier" not in page and "fasilitator" in page  # who made it (the facilitator's e-mail)
    assert 'href="/maler"' in logged_in.get("/workshops").get_data(as_text=True)


def test_a_new_workshop_from_the_2019_template(app_db: Any, logged_in: Any, facilitator: Any, library: Any) -> None:
    tid = builtin_2019_id(app_db, library)
    resp = post_form(logged_in, f"/maler/{tid}/ny", {"title": "Nordmøre 2027", "date": "2027-03-01", "place": "Kristiansund"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    ws_id = int(resp.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    _fresh(app_db)
    ws = workshops.load_for_dashboard(app_db, ws_id)
    assert ws.is_draft and ws.template_id == tid and ws.owner_id == facilitator.id
    assert [g.name for g in ws.groups] == [f"Bord {i}" for i in range(1, 6)]
    assert [r.name for r in rounds_svc.plan(app_db, ws.id)][1:3] == ["Kompetansebehov", "Løsningsforslag"]
    page = logged_in.get(f"/workshops/{ws_id}").get_data(as_text=True)
    assert "Laget fra malen Kompetansealliansen Møre og Romsdal 2019" in page
    # No title: the template page again with the message; no workshop.
    n = len(workshops.workshops_for_user(app_db, facilitator))
    resp = post_form(logged_in, f"/maler/{tid}/ny", {"title": "", "place": "Molde"})
    assert resp.status_code == 422 and "Tittel" in resp.get_data(as_text=True)
    assert len(workshops.workshops_for_user(app_db, facilitator)) == n


def test_edit_copy_and_delete(app_db: Any, logged_in: Any, facilitator: Any, saved: Any, library: Any) -> None:
    keys = [p["key"] for p in saved.personas]
    form = {"name": "Ny mal", "description": "Kort", "intro": "Hei", "group-0": "Nord", "group-1": "Sør", "group-2": "Vest",
            "keep": [keys[1], keys[0]], "persona-order": ["2", "1", "3"], "rounds-shown": "1", "keep-round": ["0", "2"]}
    resp = logged_in.post(f"/maler/{saved.id}", data={**form, "csrf_token": csrf_token(logged_in)})
    assert resp.status_code == 302
    assert "Malen ble lagret" in logged_in.get(resp.headers["Location"]).get_data(as_text=True)
    _fresh(app_db)
    t = app_db.get(WorkshopTemplate, saved.id)
    assert (t.name, t.description, t.intro) == ("Ny mal", "Kort", "Hei")
    assert [p["key"] for p in t.personas] == [keys[1], keys[0]]
    assert [g["name"] for g in t.groups] == ["Nord", "Sør", "Vest"] and t.groups[2]["persona"] is None
    assert [r["name"] for r in t.rounds] == [rounds_plan.DEFAULT_PLAN[0].name, rounds_plan.DEFAULT_PLAN[2].name]
    resp = post_form(logged_in, f"/maler/{saved.id}", {"name": "", "description": "", "intro": ""})
    assert resp.status_code == 422 and "Navn på malen" in resp.get_data(as_text=True)
    builtin = builtin_2019_id(app_db, library)
    resp = post_form(logged_in, f"/maler/{builtin}/copy", {})
    assert resp.status_code == 302
    _fresh(app_db)
    copy = app_db.scalar(select(WorkshopTemplate).order_by(WorkshopTemplate.id.desc()))
    assert copy.owner_id == facilitator.id and copy.name.endswith("(kopi)")
    assert post_form(logged_in, f"/maler/{builtin}/delete", {}).status_code == 403
    assert post_form(logged_in, f"/maler/{builtin}", {"name": "x"}).status_code == 403
    saved_id = saved.id
    assert post_form(logged_in, f"/maler/{saved_id}/delete", {}).status_code == 302
    _fresh(app_db)
    assert app_db.get(WorkshopTemplate, saved_id) is None and app_db.get(WorkshopTemplate, builtin) is not None


def test_replace_from_a_workshop(app_db: Any, logged_in: Any, facilitator: Any, saved: Any, other_ws: Any) -> None:
    mine = workshops.create_workshop(app_db, facilitator, workshops.WorkshopDetails.parse("Tom", None, "", "Ny intro"))
    resp = post_form(logged_in, f"/maler/{saved.id}/replace", {"workshop_id": str(mine.id)})
    assert resp.status_code == 302
    _fresh(app_db)
    t = app_db.get(WorkshopTemplate, saved.id)
    assert t.name == "Vårens mal" and t.intro == "Ny intro" and t.groups == [] and t.rounds == []
    # Another facilitator's workshop: refused (404), nothing changed.
    assert post_form(logged_in, f"/maler/{saved.id}/replace", {"workshop_id": str(other_ws.id)}).status_code == 404


def test_another_facilitator_uses_but_cannot_change_a_template(app_db: Any, app: Any, saved: Any) -> None:
    make_user(app_db, "kollega@kommune.no")
    other = app.test_client()
    login(other, "kollega@kommune.no")
    page = other.get(f"/maler/{saved.id}").get_data(as_text=True)
    assert "Vårens mal" in page and "Rediger malen" not in page and "Slett malen" not in page
    before = app_db.get(WorkshopTemplate, saved.id).updated_at
    for url, data in ((f"/maler/{saved.id}", {"name": "Kapret"}), (f"/maler/{saved.id}/delete", {}), (f"/maler/{saved.id}/replace", {"workshop_id": "1"})):
        resp = post_form(other, url, data)
        assert resp.status_code == 403, (url, resp.status_code)
        assert "Bare fasilitatoren som laget malen" in resp.get_data(as_text=True)
    _fresh(app_db)
    assert app_db.get(WorkshopTemplate, saved.id).updated_at == before
    assert post_form(other, f"/maler/{saved.id}/ny", {"title": "Kollegaens"}).status_code == 302


def test_export_and_import_through_the_pages(app_db: Any, logged_in: Any, saved: Any) -> None:
    resp = logged_in.get(f"/maler/{saved.id}/fil")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert 'filename="mal-varens-mal.json"' in resp.headers["Content-Disposition"]
    doc = json.loads(resp.data)
    assert doc["format"] == "personaverkstad-template" and doc["version"] == 1 and doc["name"] == "Vårens mal"
    resp = _upload(logged_in, resp.data)
    assert resp.status_code == 302
    assert _count(app_db) == 2  # the saved one and the import


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"ikke json", "ikke JSON"),
        (b'{"format": "personaverkstad-workshop", "version": 1}', "ikke en mal fra Personaverkstad"),
        (b'{"format": "personaverkstad-template", "version": 7}', "versjon 7"),
        (json.dumps({"format": "personaverkstad-template", "version": 1, "name": "X", "personas": [], "rounds": [], "tags": [],
                     "groups": [{"name": "Bord 1", "persona": "ine"}]}).encode(), "«ine», som ikke er i malen"),
        (b"x" * (300 * 1024), "for stor"),
    ],
)
def test_a_bad_file_gets_a_clear_message_and_changes_nothing(app_db: Any, logged_in: Any, raw: bytes, says: str) -> None:
    before = _count(app_db)
    resp = _upload(logged_in, raw)
    text = resp.get_data(as_text=True)
    assert resp.status_code in (413, 422), resp.status_code
    assert says in text, text[:3000]
    assert _count(app_db) == before


def test_the_api(app_db: Any, client: Any, facilitator: Any, workshop: Any, library: Any) -> None:
    token = bearer(issue_api_token(app_db, facilitator))
    listed = client.get("/api/v1/templates", headers=token).get_json()["templates"]
    assert listed[0]["builtin"] is True and listed[0]["name"] == "Kompetansealliansen Møre og Romsdal 2019"
    made = client.post(f"/api/v1/workshops/{workshop.id}/template", json={"name": "API-mal"}, headers=token)
    assert made.status_code == 201, made.get_data(as_text=True)
    t = made.get_json()
    assert t["may_change"] is True and len(t["personas"]) == 3 and t["owner"] == facilitator.email
    patched = client.patch(f"/api/v1/templates/{t['id']}", json={"description": "Ny", "intro": "Hei"}, headers=token)
    assert patched.status_code == 200 and patched.get_json()["intro"] == "Hei"
    bad = client.patch(f"/api/v1/templates/{t['id']}", json={"name": ""}, headers=token)
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "template_name"
    file = client.get(f"/api/v1/templates/{t['id']}/file", headers=token)
    assert file.status_code == 200 and "attachment" in file.headers["Content-Disposition"]
    imported = client.post("/api/v1/templates/import", data=file.data, content_type="application/json", headers=token)
    assert imported.status_code == 201 and imported.get_json()["personas"] == t["personas"]
    refused = client.post("/api/v1/templates/import", data=b"[]", content_type="application/json", headers=token)
    assert refused.status_code == 422 and refused.get_json()["error"]["field"] == "template_file"
    ws = client.post(f"/api/v1/templates/{t['id']}/workshops", json={"title": "Fra API", "place": "Ålesund"}, headers=token)
    assert ws.status_code == 201 and [g["name"] for g in ws.get_json()["groups"]] == [g["name"] for g in t["groups"]]
    assert ws.get_json()["template_id"] == t["id"]
    builtin = listed[0]["id"]
    assert client.delete(f"/api/v1/templates/{builtin}", headers=token).status_code == 403
    assert client.delete(f"/api/v1/templates/{t['id']}", headers=token).status_code == 204
    assert client.get(f"/api/v1/templates/{t['id']}", headers=token).status_code == 404
    # A workshop from the 2019 template through the API (the series' starting point).
    ws = client.post(f"/api/v1/templates/{builtin}/workshops", json={"title": "Sunnmøre"}, headers=token)
    assert ws.status_code == 201 and len(ws.get_json()["groups"]) == 5


def test_participants_and_the_wall_never_see_templates(app: Any, app_db: Any, workshop: Any, saved: Any) -> None:
    from helpers import join_participant

    _, token = join_participant(app_db, workshop, workshop.groups[0])
    anon = app.test_client()
    assert anon.get("/maler").status_code == 302
    assert anon.get(f"/api/v1/templates/{saved.id}", headers=bearer(token)).status_code == 401
    wall = anon.get(f"/wall/{workshop.wall_token}").get_data(as_text=True)
    assert "Vårens mal" not in wall and "/maler" not in wall


def test_a_large_template_file_over_the_usual_request_limit_imports(app_db: Any, client: Any, logged_in: Any, facilitator: Any, library: Any) -> None:
    """Other requests stop at 64 KiB; a template file may have up to 256 KiB (form and API)."""
    tid = builtin_2019_id(app_db, library)
    doc = svc.export_document(app_db.get(WorkshopTemplate, tid))
    extra = [{**p, "key": f"{p['key']}-{i}"} for i in range(5) for p in doc["personas"]]
    doc["personas"] = doc["personas"] + extra  # 30 full personas, the most a template has
    raw = json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")  # as downloaded
    assert 64 * 1024 < len(raw) < 256 * 1024
    assert _upload(logged_in, raw).status_code == 302
    token = bearer(issue_api_token(app_db, facilitator))
    resp = client.post("/api/v1/templates/import", data=raw, content_type="application/json", headers=token)
    assert resp.status_code == 201, resp.get_data(as_text=True)[:300]
    assert len(resp.get_json()["personas"]) == 30
    assert _count(app_db) == 2
