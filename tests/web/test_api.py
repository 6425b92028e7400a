"""The JSON API (/api/v1) through ``app.test_client()``: happy paths, and every bad input with its code.

After each rejected request the stored data is compared with a snapshot taken before it: a rejected
request must not change a single row.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from helpers import bearer, client_id, make_user
from sqlalchemy import select

from sessions.accounts.service import issue_api_token
from sessions.models import Base

ROOT = Path(__file__).resolve().parents[2]
NB_CATALOGUE = ROOT / "facilitator" / "translations" / "nb" / "LC_MESSAGES" / "messages.mo"


# -- helpers -------------------------------------------------------------------------------


def snapshot(app: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a fresh session."""
    session = app.extensions["pv_sessionmaker"]()
    try:
        out = {}
        for table in Base.metadata.sorted_tables:
            rows = session.execute(select(table)).all()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
        return out
    finally:
        session.close()


def assert_error(resp: Any, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:300])
    assert resp.is_json, resp.content_type
    body = resp.get_json()
    assert set(body) == {"error"}
    err = body["error"]
    assert err["code"] == code, err
    assert isinstance(err["message"], str) and err["message"].strip(), err
    if field is not None:
        assert err.get("field") == field, err
    return err


class Rejected:
    """``with Rejected(app): ...`` asserts the block leaves every table exactly as it was."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __enter__(self) -> Rejected:
        self.before = snapshot(self.app)
        return self

    def __exit__(self, *exc: Any) -> None:
        if exc[0] is None:
            assert snapshot(self.app) == self.before, "a rejected request changed stored data"


GROUPS = [
    {"name": "Bord 1", "persona_id": "ine"},
    {"name": "Bord 2", "persona_id": "nils"},
    {"name": "Bord 3", "persona_id": "silje"},
]


def create(client: Any, token: str, **overrides: Any) -> Any:
    body = {"title": "Personalledersamling", "date": "2026-03-12", "place": "Molde", "groups": GROUPS}
    body.update(overrides)
    return client.post("/api/v1/workshops", json=body, headers=bearer(token))


@pytest.fixture
def ws(client: Any, api_token: str) -> dict[str, Any]:
    """An open workshop created through the API."""
    resp = create(client, api_token)
    assert resp.status_code == 201
    resp = client.post(f"/api/v1/workshops/{resp.get_json()['id']}/open", headers=bearer(api_token))
    assert resp.status_code == 200
    return resp.get_json()


def join(client: Any, code: str, name: str | None = None) -> Any:
    body: dict[str, Any] = {"code": code}
    if name is not None:
        body["display_name"] = name
    return client.post("/api/v1/join", json=body)


def joined(client: Any, ws: dict[str, Any]) -> str:
    resp = join(client, ws["join_code"])
    assert resp.status_code == 201
    return resp.get_json()["token"]


def post(client: Any, ws: dict[str, Any], token: str, group: int = 0, text: str = "Mer praksis", **kw: Any) -> Any:
    body = {"group_id": ws["groups"][group]["id"], "kind": "need", "text": text, "client_id": client_id()}
    body.update(kw)
    return client.post(f"/api/v1/workshops/{ws['id']}/contributions", json=body, headers=bearer(token))


def listing(client: Any, ws: dict[str, Any], token: str) -> Any:
    return client.get(f"/api/v1/workshops/{ws['id']}/contributions", headers=bearer(token))


# -- facilitator: create, open, close ------------------------------------------------------


class TestWorkshops:
    def test_create(self, client, api_token):
        resp = create(client, api_token)
        assert resp.status_code == 201
        body = resp.get_json()
        assert isinstance(body["id"], int)
        assert len(body["join_code"]) == 8 and body["join_code"].isdigit()
        assert body["status"] == "draft"
        assert (body["title"], body["date"], body["place"]) == ("Personalledersamling", "2026-03-12", "Molde")
        assert [(g["name"], g["persona"]["id"]) for g in body["groups"]] == [(g["name"], g["persona_id"]) for g in GROUPS]
        persona = body["groups"][0]["persona"]
        assert persona["name"] and persona["card"] and 3 <= len(persona["questions"]) <= 4
        assert body["join_url"].endswith("/j/" + body["join_code"])
        got = client.get(f"/api/v1/workshops/{body['id']}", headers=bearer(api_token))
        assert got.status_code == 200 and got.get_json() == body

    def test_two_groups_may_share_a_persona(self, client, api_token):
        groups = [{"name": "Bord 1", "persona_id": "ine"}, {"name": "Bord 2", "persona_id": "ine"}]
        resp = create(client, api_token, groups=groups)
        assert resp.status_code == 201
        assert [g["persona"]["id"] for g in resp.get_json()["groups"]] == ["ine", "ine"]

    def test_open_and_close(self, client, api_token):
        ws_id = create(client, api_token).get_json()["id"]
        opened = client.post(f"/api/v1/workshops/{ws_id}/open", headers=bearer(api_token))
        assert opened.status_code == 200 and opened.get_json()["status"] == "open"
        closed = client.post(f"/api/v1/workshops/{ws_id}/close", headers=bearer(api_token))
        assert closed.status_code == 200 and closed.get_json()["status"] == "closed"

    def test_illegal_transitions(self, app, client, api_token):
        ws_id = create(client, api_token).get_json()["id"]
        with Rejected(app):
            assert_error(client.post(f"/api/v1/workshops/{ws_id}/close", headers=bearer(api_token)), 409, "illegal_transition")
        client.post(f"/api/v1/workshops/{ws_id}/open", headers=bearer(api_token))
        with Rejected(app):
            assert_error(client.post(f"/api/v1/workshops/{ws_id}/open", headers=bearer(api_token)), 409, "illegal_transition")

    def test_cannot_open_without_groups(self, app, client, api_token):
        ws_id = create(client, api_token, groups=[]).get_json()["id"]
        with Rejected(app):
            assert_error(client.post(f"/api/v1/workshops/{ws_id}/open", headers=bearer(api_token)), 409, "illegal_transition")

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"title": ""}, "title"),
            ({"title": "   "}, "title"),
            ({"title": "x" * 201}, "title"),
            ({"title": 42}, "title"),
            ({"date": "12.03.2026"}, "date"),
            ({"groups": "Bord 1"}, "groups"),
            ({"groups": ["Bord 1"]}, "groups"),
            ({"groups": [{"name": "Bord 1", "persona_id": "finnes-ikke"}]}, "persona_id"),
            ({"groups": [{"name": "  ", "persona_id": "ine"}]}, "group_name"),
            ({"groups": [{"name": "Bord 1", "persona_id": ["ine"]}]}, "persona_id"),
            ({"groups": [{"name": "Bord 1", "persona_id": {"id": "ine"}}]}, "persona_id"),
            ({"groups": [{"name": "Bord 1", "persona_id": 1}]}, "persona_id"),
        ],
    )
    def test_create_rejects_bad_input(self, app, client, api_token, overrides, field):
        with Rejected(app):
            assert_error(create(client, api_token, **overrides), 422, "validation_failed", field)

    def test_list_personas(self, client, api_token, library):
        resp = client.get("/api/v1/personas", headers=bearer(api_token))
        assert resp.status_code == 200
        assert {p["id"] for p in resp.get_json()["personas"]} == set(library)


# -- participants: join, post, edit, delete ------------------------------------------------


class TestParticipants:
    def test_join(self, client, ws):
        resp = join(client, ws["join_code"], "Kari")
        assert resp.status_code == 201
        body = resp.get_json()
        assert len(body["token"]) >= 32 and isinstance(body["participant_id"], int)
        assert body["workshop"]["id"] == ws["id"]
        assert [g["id"] for g in body["workshop"]["groups"]] == [g["id"] for g in ws["groups"]]
        assert all(g["persona"]["name"] for g in body["workshop"]["groups"])
        assert "join_url" not in body["workshop"]
        assert "wall_token" not in body["workshop"]

    def test_the_join_answer_is_the_workshop_as_the_facilitator_sees_it(self, client, api_token, ws, app_db):
        """The join answer reads plain rows (sessions.workshops.joining), the facilitator's the ORM workshop: the same
        workshop and tables in the same order, a table without a persona included, less the join link and
        the template."""
        from sessions.workshops import service as svc

        svc.add_group(app_db, svc.get_workshop(app_db, ws["id"]), "Bord uten persona", None)
        facilitator = client.get(f"/api/v1/workshops/{ws['id']}", headers=bearer(api_token)).get_json()
        assert facilitator["groups"][-1] == {"id": facilitator["groups"][-1]["id"], "name": "Bord uten persona", "persona": None}
        body = join(client, ws["join_code"]).get_json()["workshop"]
        assert body == {k: v for k, v in facilitator.items() if k not in ("join_url", "template_id")}

    def test_the_join_answer_is_encoded_once_and_follows_every_change(self, app, client, ws, app_db):
        """The workshop part of the answer is encoded once per workshop as it stands (facilitator/api.py,
        ``_join_workshop_json``): the second phone gets the first's encoding, and a renamed table or a table
        given another persona shows in the very next answer. The bytes are what jsonify makes."""
        from facilitator.api import _join_workshop_json
        from sessions.workshops import service as svc

        first = join(client, ws["join_code"])
        hits = _join_workshop_json.cache_info().hits
        second = join(client, ws["join_code"])
        assert _join_workshop_json.cache_info().hits == hits + 1
        assert second.get_json()["workshop"] == first.get_json()["workshop"]
        with app.app_context():
            assert second.get_data() == app.json.response(second.get_json()).get_data()
        gid = ws["groups"][1]["id"]
        workshop = svc.get_workshop(app_db, ws["id"])
        svc.update_group(app_db, workshop, gid, "Bord to", workshop.groups[0].persona_id)  # table 1's persona
        third = join(client, ws["join_code"]).get_json()
        assert third["workshop"]["groups"][1] == {"id": gid, "name": "Bord to", "persona": ws["groups"][0]["persona"]}
        assert third["workshop"]["groups"][0] == first.get_json()["workshop"]["groups"][0]
        assert third["token"] != second.get_json()["token"]

    def test_join_straight_into_a_group(self, client, ws):
        gid = ws["groups"][1]["id"]
        resp = client.post("/api/v1/join", json={"code": ws["join_code"], "group_id": gid})
        assert resp.status_code == 201 and resp.get_json()["group_id"] == gid
        token = resp.get_json()["token"]
        assert post(client, ws, token, group=1).status_code == 201

    def test_join_with_a_bad_group_stores_nothing(self, app, client, api_token, ws):
        other = create(client, api_token, title="Annen samling").get_json()
        with Rejected(app):
            resp = client.post("/api/v1/join", json={"code": ws["join_code"], "group_id": other["groups"][0]["id"]})
            assert_error(resp, 404, "wrong_workshop")
            resp = client.post("/api/v1/join", json={"code": ws["join_code"], "group_id": "1"})
            assert_error(resp, 422, "validation_failed", "group_id")

    def test_change_group(self, app, client, ws):
        token = joined(client, ws)
        assert post(client, ws, token, group=0).status_code == 201  # the first post seats the participant
        with Rejected(app):
            assert_error(post(client, ws, token, group=1), 409, "not_in_group")
        url = f"/api/v1/workshops/{ws['id']}/group"
        resp = client.put(url, json={"group_id": ws["groups"][1]["id"]}, headers=bearer(token))
        assert resp.status_code == 200 and resp.get_json()["group_id"] == ws["groups"][1]["id"]
        assert post(client, ws, token, group=1).status_code == 201
        with Rejected(app):
            assert_error(post(client, ws, token, group=0), 409, "not_in_group")
            assert_error(client.put(url, json={"group_id": 10**6}, headers=bearer(token)), 404, "wrong_workshop")
            assert_error(client.put(url, json=[1], headers=bearer(token)), 400, "bad_json")
            assert_error(client.put(url, json={"group_id": ws["groups"][0]["id"]}), 401, "unauthorized")

    def test_join_with_a_formatted_code(self, client, ws):
        code = ws["join_code"]
        assert join(client, f"{code[:4]} {code[4:]}").status_code == 201

    def test_post_and_retry(self, app, client, ws):
        token = joined(client, ws)
        cid = client_id()
        first = post(client, ws, token, text="  Mentorordning  ", client_id=cid)
        assert first.status_code == 201
        c = first.get_json()
        assert c["text"] == "Mentorordning" and c["kind"] == "need" and c["group_id"] == ws["groups"][0]["id"]
        assert c["seq"] == 1 and c["deleted"] is False and "participant_id" not in c
        with Rejected(app):  # a retry is answered, but stores nothing new
            again = post(client, ws, token, text="  Mentorordning  ", client_id=cid)
        assert again.status_code == 200 and again.get_json()["id"] == c["id"]
        assert len(listing(client, ws, token).get_json()["contributions"]) == 1

    def test_an_integral_number_written_with_a_fraction_is_an_id(self, client, ws):
        """JSON has one number type: ``"group_id": 7.0`` is group 7 (found by fuzzing: it was refused)."""
        token = joined(client, ws)
        gid = ws["groups"][1]["id"]
        raw = f'{{"group_id": {gid}.0, "kind": "need", "text": "Veiledning", "client_id": "{client_id()}"}}'
        resp = client.post(
            f"/api/v1/workshops/{ws['id']}/contributions", data=raw, content_type="application/json", headers=bearer(token)
        )
        assert resp.status_code == 201, resp.get_json()
        assert resp.get_json()["group_id"] == gid
        raw = f'{{"group_id": {gid}.5, "kind": "need", "text": "Veiledning", "client_id": "{client_id()}"}}'
        resp = client.post(
            f"/api/v1/workshops/{ws['id']}/contributions", data=raw, content_type="application/json", headers=bearer(token)
        )
        assert resp.status_code == 422 and resp.get_json()["error"]["field"] == "group_id"

    def test_edit_and_delete_own(self, client, ws):
        token = joined(client, ws)
        c = post(client, ws, token, text="Før").get_json()
        url = f"/api/v1/workshops/{ws['id']}/contributions/{c['id']}"
        edited = client.patch(url, json={"text": "Etter"}, headers=bearer(token))
        assert edited.status_code == 200
        assert edited.get_json()["text"] == "Etter" and edited.get_json()["edited"] is True
        assert edited.get_json()["seq"] > c["seq"]
        deleted = client.delete(url, headers=bearer(token))
        assert deleted.status_code == 200 and deleted.get_json()["deleted"] is True
        assert listing(client, ws, token).get_json()["contributions"] == []

    def test_another_participants_contribution(self, app, client, ws):
        owner_token, other_token = joined(client, ws), joined(client, ws)
        c = post(client, ws, owner_token, text="Mitt").get_json()
        url = f"/api/v1/workshops/{ws['id']}/contributions/{c['id']}"
        with Rejected(app):
            assert_error(client.patch(url, json={"text": "Overtatt"}, headers=bearer(other_token)), 403, "not_your_contribution")
            assert_error(client.delete(url, headers=bearer(other_token)), 403, "not_your_contribution")

    def test_edit_missing_contribution(self, app, client, ws):
        token = joined(client, ws)
        with Rejected(app):
            assert_error(
                client.patch(f"/api/v1/workshops/{ws['id']}/contributions/999999", json={"text": "x"}, headers=bearer(token)),
                404,
                "not_found",
            )

    def test_listing_facilitator_sees_all_participant_own_group(self, client, api_token, ws):
        t1, t2 = joined(client, ws), joined(client, ws)
        a = post(client, ws, t1, group=0, text="Bord 1 sitt").get_json()
        b = post(client, ws, t2, group=1, text="Bord 2 sitt").get_json()
        staff = listing(client, ws, api_token).get_json()
        assert [c["id"] for c in staff["contributions"]] == [a["id"], b["id"]] and staff["seq"] == 2
        assert [c["id"] for c in listing(client, ws, t1).get_json()["contributions"]] == [a["id"]]
        assert [c["id"] for c in listing(client, ws, t2).get_json()["contributions"]] == [b["id"]]
        t3 = joined(client, ws)  # no group yet
        assert listing(client, ws, t3).get_json()["contributions"] == []


# -- bad input: code 4xx, nothing stored ---------------------------------------------------


class TestRejected:
    @pytest.mark.parametrize("text", ["", "   ", "\n\t", None])
    def test_empty_text(self, app, client, ws, text):
        token = joined(client, ws)
        with Rejected(app):
            assert_error(post(client, ws, token, text=text), 422, "validation_failed", "text")

    def test_too_long(self, app, client, ws):
        token = joined(client, ws)
        with Rejected(app):
            err = assert_error(post(client, ws, token, text="x" * 1001), 422, "validation_failed", "text")
        assert "1000" in err["message"]
        assert post(client, ws, token, text="x" * 1000).status_code == 201

    def test_edit_to_empty_or_too_long(self, app, client, ws):
        token = joined(client, ws)
        c = post(client, ws, token, text="Før").get_json()
        url = f"/api/v1/workshops/{ws['id']}/contributions/{c['id']}"
        with Rejected(app):
            assert_error(client.patch(url, json={"text": " "}, headers=bearer(token)), 422, "validation_failed", "text")
            assert_error(client.patch(url, json={"text": "y" * 1001}, headers=bearer(token)), 422, "validation_failed", "text")

    @pytest.mark.parametrize("kind", ["idea", "", None])
    def test_unknown_kind(self, app, client, ws, kind):
        token = joined(client, ws)
        with Rejected(app):
            assert_error(post(client, ws, token, kind=kind), 422, "validation_failed", "kind")

    @pytest.mark.parametrize("cid", [None, "", "kort", "ugyldig id med mellomrom"])
    def test_bad_client_id(self, app, client, ws, cid):
        token = joined(client, ws)
        with Rejected(app):
            assert_error(post(client, ws, token, client_id=cid), 422, "validation_failed", "client_id")

    def test_unknown_join_code(self, app, client, ws):
        wrong = f"{(int(ws['join_code']) + 1) % 10**8:08d}"
        with Rejected(app):
            assert_error(join(client, wrong), 404, "unknown_join_code")

    @pytest.mark.parametrize("code", ["1234567", "123 456 789", "abcdefgh", "", 12345678, None])
    def test_mistyped_join_code(self, app, client, ws, code):
        with Rejected(app):
            assert_error(client.post("/api/v1/join", json={"code": code}), 404, "unknown_join_code")

    def test_join_a_draft_workshop(self, app, client, api_token):
        draft = create(client, api_token).get_json()
        with Rejected(app):
            assert_error(join(client, draft["join_code"]), 409, "workshop_not_open")

    def test_join_a_closed_workshop(self, app, client, api_token, ws):
        client.post(f"/api/v1/workshops/{ws['id']}/close", headers=bearer(api_token))
        with Rejected(app):
            assert_error(join(client, ws["join_code"]), 409, "workshop_not_open")

    def test_post_to_a_closed_workshop(self, app, client, api_token, ws):
        token = joined(client, ws)
        c = post(client, ws, token).get_json()
        client.post(f"/api/v1/workshops/{ws['id']}/close", headers=bearer(api_token))
        url = f"/api/v1/workshops/{ws['id']}/contributions/{c['id']}"
        with Rejected(app):
            assert_error(post(client, ws, token), 409, "workshop_not_open")
            assert_error(client.patch(url, json={"text": "Etter"}, headers=bearer(token)), 409, "workshop_not_open")
            assert_error(client.delete(url, headers=bearer(token)), 409, "workshop_not_open")

    def test_group_of_another_workshop(self, app, client, api_token, ws):
        other = create(client, api_token, title="Annen samling").get_json()
        token = joined(client, ws)
        with Rejected(app):
            assert_error(post(client, ws, token, group_id=other["groups"][0]["id"]), 404, "wrong_workshop")
            assert_error(post(client, ws, token, group_id=10**6), 404, "wrong_workshop")
            assert_error(post(client, ws, token, group_id="1"), 422, "validation_failed", "group_id")

    def test_participant_token_on_another_workshop(self, app, client, api_token, ws):
        other_ws = create(client, api_token, title="Annen samling").get_json()
        client.post(f"/api/v1/workshops/{other_ws['id']}/open", headers=bearer(api_token))
        token = joined(client, ws)
        with Rejected(app):
            assert_error(post(client, other_ws, token), 404, "not_found")
            assert_error(listing(client, other_ws, token), 404, "not_found")

    @pytest.mark.parametrize(
        ("data", "content_type"),
        [
            ("{not json", "application/json"),
            ('["a", "list"]', "application/json"),
            ('"text"', "application/json"),
            ("null", "application/json"),
            ("42", "application/json"),
            ("text=hei&kind=need", "application/x-www-form-urlencoded"),
            ("", "application/json"),
        ],
    )
    def test_malformed_json(self, app, client, api_token, ws, data, content_type):
        token = joined(client, ws)
        url = f"/api/v1/workshops/{ws['id']}/contributions"
        with Rejected(app):
            assert_error(client.post(url, data=data, content_type=content_type, headers=bearer(token)), 400, "bad_json")
            assert_error(client.post("/api/v1/join", data=data, content_type=content_type), 400, "bad_json")
            assert_error(
                client.post("/api/v1/workshops", data=data, content_type=content_type, headers=bearer(api_token)),
                400,
                "bad_json",
            )

    def test_too_large_body(self, app, client, ws):
        token = joined(client, ws)
        with Rejected(app):
            resp = post(client, ws, token, text="x" * (70 * 1024))
        assert resp.status_code == 413
        assert_error(resp, 413, "too_large")

    @pytest.mark.parametrize(
        "headers",
        [
            {},
            {"Authorization": "Bearer "},
            {"Authorization": "Bearer feil-token-som-ikke-finnes-000000000"},
            {"Authorization": "Basic dXNlcjpwYXNz"},
            {"Authorization": "Bearer " + "x" * 500},
        ],
    )
    def test_missing_or_wrong_token(self, app, client, ws, headers):
        ws_id = ws["id"]
        with Rejected(app):
            assert_error(client.post("/api/v1/workshops", json={"title": "X", "groups": []}, headers=headers), 401, "unauthorized")
            assert_error(client.get(f"/api/v1/workshops/{ws_id}", headers=headers), 401, "unauthorized")
            assert_error(client.post(f"/api/v1/workshops/{ws_id}/close", headers=headers), 401, "unauthorized")
            assert_error(client.get("/api/v1/personas", headers=headers), 401, "unauthorized")
            body = {"group_id": ws["groups"][0]["id"], "kind": "need", "text": "Hei", "client_id": client_id()}
            assert_error(client.post(f"/api/v1/workshops/{ws_id}/contributions", json=body, headers=headers), 401, "unauthorized")
            assert_error(client.get(f"/api/v1/workshops/{ws_id}/contributions", headers=headers), 401, "unauthorized")

    def test_participant_token_is_not_a_facilitator_token(self, app, client, ws):
        token = joined(client, ws)
        with Rejected(app):
            assert_error(client.post(f"/api/v1/workshops/{ws['id']}/close", headers=bearer(token)), 401, "unauthorized")
            assert_error(create(client, token), 401, "unauthorized")

    def test_facilitator_of_another_workshop(self, app, app_db, client, ws):
        stranger = make_user(app_db, "fremmed@kommune.no")
        token = issue_api_token(app_db, stranger)
        ws_id = ws["id"]
        with Rejected(app):
            assert_error(client.get(f"/api/v1/workshops/{ws_id}", headers=bearer(token)), 404, "not_found")
            assert_error(client.post(f"/api/v1/workshops/{ws_id}/close", headers=bearer(token)), 404, "not_found")
            assert_error(client.post(f"/api/v1/workshops/{ws_id}/open", headers=bearer(token)), 404, "not_found")
            assert_error(listing(client, ws, token), 404, "not_found")
        # ... and the answer is the same as for a workshop that does not exist.
        assert_error(client.get("/api/v1/workshops/999999", headers=bearer(token)), 404, "not_found")

    def test_a_reissued_token_replaces_the_old_one(self, app, app_db, client, facilitator, api_token):
        new = issue_api_token(app_db, facilitator)
        assert_error(create(client, api_token), 401, "unauthorized")
        assert create(client, new).status_code == 201

    def test_the_api_ignores_the_browser_session(self, app, logged_in, ws):
        """A signed-in browser cannot use the API without a token (so the API needs no CSRF check)."""
        with Rejected(app):
            assert_error(logged_in.post("/api/v1/workshops", json={"title": "X", "groups": []}), 401, "unauthorized")
            assert_error(logged_in.post(f"/api/v1/workshops/{ws['id']}/close"), 401, "unauthorized")

    def test_ids_beyond_the_integer_range(self, app, client, api_token, ws):
        """Numbers no INTEGER column can hold are "not found", never a driver error (500)."""
        token = joined(client, ws)
        big = 2**70
        with Rejected(app):
            assert_error(client.get(f"/api/v1/workshops/{big}", headers=bearer(api_token)), 404, "not_found")
            assert_error(client.post(f"/api/v1/workshops/{2**31}/open", headers=bearer(api_token)), 404, "not_found")
            assert_error(post(client, ws, token, group_id=big), 404, "wrong_workshop")
            url = f"/api/v1/workshops/{ws['id']}/contributions/{big}"
            assert_error(client.patch(url, json={"text": "x"}, headers=bearer(token)), 404, "not_found")
            assert_error(client.delete(url, headers=bearer(token)), 404, "not_found")
            assert_error(listing(client, {"id": big}, api_token), 404, "not_found")

    def test_unknown_route_and_method(self, client, api_token):
        assert_error(client.get("/api/v1/finnes-ikke", headers=bearer(api_token)), 404, "not_found")
        assert_error(client.put("/api/v1/workshops", headers=bearer(api_token)), 405, "method_not_allowed")


def test_rate_limit_on_wrong_codes(app, client, ws):
    """Guessing codes is cut off after the configured number of misses per client address."""
    from facilitator.ratelimit import LIMITS

    misses = int(LIMITS["join_code_miss"].split("/")[0])
    wrong = f"{(int(ws['join_code']) + 1) % 10**8:08d}"
    for _ in range(misses):
        assert join(client, wrong).status_code == 404
    assert_error(join(client, ws["join_code"]), 429, "rate_limited")


def test_post_rate_limit_is_per_participant(app, client, ws):
    from facilitator.ratelimit import LIMITS

    limit = int(LIMITS["post"].split("/")[0])
    token, other = joined(client, ws), joined(client, ws)
    for i in range(limit):
        assert post(client, ws, token, text=f"Innspel {i}").status_code == 201
    with Rejected(app):
        assert_error(post(client, ws, token), 429, "rate_limited")
    assert post(client, ws, other).status_code == 201


def test_error_messages_are_norwegian(client, api_token, ws):
    """Bokmål by default (the catalogues are compiled by conftest's session fixture)."""
    assert NB_CATALOGUE.exists()
    token = joined(client, ws)
    messages = [
        post(client, ws, token, text=" ").get_json()["error"]["message"],
        post(client, ws, token, text="x" * 1001).get_json()["error"]["message"],
        join(client, "0000 000").get_json()["error"]["message"],
        client.post("/api/v1/join", data="{", content_type="application/json").get_json()["error"]["message"],
        client.get("/api/v1/personas").get_json()["error"]["message"],
        client.post(f"/api/v1/workshops/{ws['id']}/open", headers=bearer(api_token)).get_json()["error"]["message"],
    ]
    bokmal = {"ikke", "kan", "må", "og", "med", "fant", "koden", "teksten", "skriv", "være", "er", "en", "et", "på", "for"}
    english = {"the", "is", "not", "must", "with", "we", "found", "write", "sign"}
    for msg in messages:
        words = set(re.findall(r"[a-zæøå]+", msg.lower()))
        assert words & bokmal, msg
        assert not words & english, msg
