"""Running the room through HTTP and Socket.IO: who may press what, and which rooms each control reaches.

HTTP through ``app.test_client()`` (CSRF on); real time through Flask-SocketIO's test client, as in
tests/web/test_realtime.py: every control is checked against everybody watching -- the facilitator, the wall,
phones at two tables, and another workshop's facilitator, wall and phone -- so "reaches exactly the rooms it
should" includes "the others received nothing".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from helpers import (
    bearer,
    client_id,
    join_participant,
    login,
    make_user,
    phone_client,
    post_form,
    post_from,
    post_json,
    watch,
)

from sessions.accounts.service import issue_api_token
from sessions.contributions.models import Contribution
from sessions.core.base import utcnow
from sessions.rounds import plan as rounds_plan
from sessions.rounds import service as rounds
from sessions.rounds import voting
from sessions.rounds.models import Round, RoundStatus, Vote

# -- helpers -------------------------------------------------------------------------------------


def plan_of(app_db: Any, ws: Any) -> list[Any]:
    app_db.rollback()  # a fresh snapshot, and fresh objects
    app_db.expire_all()
    return list(rounds.plan(app_db, ws.id))


def stored(app_db: Any) -> tuple[Any, ...]:
    """Everything a control may change, to show that a refused one changed nothing."""
    app_db.rollback()  # a fresh snapshot, and fresh objects
    app_db.expire_all()
    rs = tuple((r.id, r.status, r.deadline, r.remaining_ms, r.name, r.dots) for r in app_db.query(Round).order_by(Round.id))
    cs = tuple((c.id, c.seq, c.text, c.hidden, c.merged_into_id) for c in app_db.query(Contribution).order_by(Contribution.id))
    vs = tuple(sorted((v.participant_id, v.contribution_id) for v in app_db.query(Vote)))
    return rs, cs, vs


@pytest.fixture
def with_plan(app_db: Any, workshop: Any) -> list[Any]:
    return rounds_plan.add_default_plan(app_db, workshop)


# -- who may press -------------------------------------------------------------------------------

CONTROLS = [
    ("/rounds", {"name": "Ekstra", "minutes": "3", "type": "need"}),
    ("/rounds/default", {}),
    ("/rounds/{r0}", {"name": "Ny", "minutes": "10", "type": "need"}),
    ("/rounds/{r0}/delete", {}),
    ("/rounds/{r0}/move", {"direction": "down"}),
    ("/rounds/start", {}),
    ("/rounds/{r0}/start", {}),
    ("/rounds/{r0}/pause", {}),
    ("/rounds/{r0}/resume", {}),
    ("/rounds/{r0}/extend", {}),
    ("/rounds/{r0}/end", {}),
    ("/rotation", {"rotation": "1"}),
    ("/wall", {"view": "pause"}),
    ("/spotlight", {"contribution_id": "{c}"}),
    ("/contributions/{c}/hide", {}),
    ("/contributions/{c}/unhide", {}),
    ("/contributions/{c}/edit", {"text": "Sensurert"}),
    ("/contributions/{c}/merge", {"into": "{c}"}),
    ("/contributions/{c}/unmerge", {}),
]


class TestAccess:
    @pytest.fixture
    def setup(self, app_db, workshop, with_plan):  # type: ignore[no-untyped-def]
        p, _ = join_participant(app_db, workshop, workshop.groups[0])
        from sessions.contributions import service as participation

        c, _ = participation.submit_contribution(app_db, p, workshop.groups[0].id, "need", "Tekst", client_id())
        return {"r0": with_plan[0].id, "c": c.id}

    def fill(self, path: str, data: dict[str, str], ids: dict[str, int], ws: Any) -> tuple[str, dict[str, str]]:
        url = f"/workshops/{ws.id}" + path.format(**ids)
        return url, {k: v.format(**ids) for k, v in data.items()}

    @pytest.mark.parametrize(("path", "data"), CONTROLS)
    def test_only_the_workshops_facilitators(self, make_client, app_db, workshop, setup, path, data):
        url, body = self.fill(path, data, setup, workshop)
        before = stored(app_db)
        # Not signed in: to the sign-in page.
        anonymous = make_client()
        resp = post_form(anonymous, url, body)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"]
        # A participant of this very workshop: not a facilitator either.
        phone = phone_client(make_client, workshop, workshop.groups[0])
        assert post_form(phone, url, body).status_code == 302
        assert post_json(phone, url, body).status_code in (302, 401)
        # Another facilitator: the workshop does not exist for them.
        stranger = make_client()
        login(stranger, make_user(app_db, "fremmed@kommune.no").email)
        assert post_form(stranger, url, body).status_code == 404
        resp = post_json(stranger, url, body)
        assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"
        assert stored(app_db) == before

    @pytest.mark.parametrize(("path", "data"), CONTROLS[:3])
    def test_csrf_is_checked(self, logged_in, app_db, workshop, setup, path, data):
        url, body = self.fill(path, data, setup, workshop)
        before = stored(app_db)
        assert logged_in.post(url, data=body).status_code == 400
        assert stored(app_db) == before

    def test_a_co_facilitator_may(self, make_client, app_db, workshop, with_plan):
        from sessions.core.store import write_transaction
        from sessions.workshops.models import WorkshopFacilitator

        co = make_user(app_db, "medfasilitator@kommune.no")
        with write_transaction(app_db):
            app_db.add(WorkshopFacilitator(workshop_id=workshop.id, user_id=co.id))
        browser = make_client()
        login(browser, co.email)
        resp = post_json(browser, f"/workshops/{workshop.id}/rounds/start", {})
        assert resp.status_code == 200 and resp.get_json()["round"]["round"]["status"] == "running"

    def test_the_plan_page(self, logged_in, make_client, app_db, workshop, with_plan):
        page = logged_in.get(f"/workshops/{workshop.id}/plan")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "Kompetansebehov" in html and "Oppsummering" in html
        stranger = make_client()
        login(stranger, make_user(app_db, "fremmed@kommune.no").email)
        assert stranger.get(f"/workshops/{workshop.id}/plan").status_code == 404

    def test_votes_need_a_participant(self, make_client, workshop):
        resp = post_json(make_client(), f"/w/{workshop.id}/votes", {"contribution_id": 1, "dot": True})
        assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "not_joined"


# -- forms and JSON ------------------------------------------------------------------------------


class TestControls:
    def test_a_form_redirects_back_with_a_message(self, logged_in, app_db, workshop):
        resp = post_form(logged_in, f"/workshops/{workshop.id}/rounds/default", {"back": "plan"})
        assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/workshops/{workshop.id}/plan")
        page = logged_in.get(resp.headers["Location"]).get_data(as_text=True)
        assert "flash-success" in page
        resp = post_form(logged_in, f"/workshops/{workshop.id}/rounds/start", {})
        assert resp.headers["Location"].endswith(f"/workshops/{workshop.id}/live")
        assert plan_of(app_db, workshop)[0].status == RoundStatus.running

    def test_a_refused_form_says_why_and_changes_nothing(self, logged_in, app_db, workshop, with_plan):
        post_form(logged_in, f"/workshops/{workshop.id}/rounds/start", {})
        before = stored(app_db)
        resp = post_form(logged_in, f"/workshops/{workshop.id}/rounds/{with_plan[1].id}/start", {})
        assert resp.status_code == 302
        page = logged_in.get(resp.headers["Location"]).get_data(as_text=True)
        assert "flash-error" in page
        assert stored(app_db) == before

    def test_json_errors_have_codes(self, logged_in, app_db, workshop, with_plan):
        base = f"/workshops/{workshop.id}"
        resp = post_json(logged_in, f"{base}/rounds/{with_plan[0].id}/pause", {})
        assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "illegal_transition"
        resp = post_json(logged_in, f"{base}/rounds", {"name": "", "minutes": "5", "type": "need"})
        assert resp.status_code == 422 and resp.get_json()["error"]["field"] == "round_name"
        resp = post_json(logged_in, f"{base}/rounds", {"name": "X", "minutes": "5", "type": "dance"})
        assert resp.get_json()["error"]["field"] == "kinds"
        resp = post_json(logged_in, f"{base}/wall", {"view": "persona"})
        assert resp.status_code == 422 and resp.get_json()["error"]["field"] == "persona_id"
        resp = post_json(logged_in, f"{base}/contributions/999999/hide", {})
        assert resp.status_code == 404
        resp = post_json(logged_in, f"{base}/rounds/999999/start", {})
        assert resp.status_code == 404

    def test_the_whole_cycle_by_json(self, logged_in, app_db, workshop, with_plan):
        base = f"/workshops/{workshop.id}"
        r0 = with_plan[0].id
        snap = post_json(logged_in, f"{base}/rounds/start", {}).get_json()["round"]
        assert snap["round"]["id"] == r0 and snap["round"]["status"] == "running" and snap["server_now"]
        assert post_json(logged_in, f"{base}/rounds/{r0}/pause", {}).get_json()["round"]["round"]["status"] == "paused"
        left = post_json(logged_in, f"{base}/rounds/{r0}/extend", {}).get_json()["round"]["round"]["remaining_ms"]
        assert 11 * 60_000 < left <= 12 * 60_000
        assert post_json(logged_in, f"{base}/rounds/{r0}/resume", {}).get_json()["round"]["round"]["status"] == "running"
        assert post_json(logged_in, f"{base}/rounds/{r0}/end", {}).get_json()["round"]["round"]["status"] == "ended"


# -- who hears what ------------------------------------------------------------------------------


class TestRooms:
    @pytest.fixture
    def room(self, sio, make_client, app_db, logged_in, workshop, other_ws, other_owner, with_plan):  # type: ignore[no-untyped-def]
        """The facilitator, the wall, a phone at table 1 and one at table 2; another workshop's three."""
        g1, g2, _g3 = workshop.groups
        r: dict[str, Any] = {"with_plan": with_plan}
        r["p1_browser"] = phone_client(make_client, workshop, g1)
        r["p1"] = sio(r["p1_browser"])
        r["p2_browser"] = phone_client(make_client, workshop, g2)
        r["p2"] = sio(r["p2_browser"])
        r["fac"] = sio(logged_in)
        r["wall"] = sio(auth={"wall": workshop.wall_token})
        for name in ("p1", "p2", "fac", "wall"):
            assert watch(r[name], workshop.id)["ok"] is True, name
        r["x_fac"] = sio(auth={"token": issue_api_token(app_db, other_owner)})
        r["x_wall"] = sio(auth={"wall": other_ws.wall_token})
        _px, tokx = join_participant(app_db, other_ws, other_ws.groups[0])
        r["x_phone"] = sio(auth={"token": tokx})
        for name in ("x_fac", "x_wall", "x_phone"):
            assert watch(r[name], other_ws.id)["ok"] is True, name
        r["c1"] = post_from(r["p1_browser"], workshop, g1, "Mentor for nye")
        r["c2"] = post_from(r["p2_browser"], workshop, g2, "Mentorordning")
        self.drain(r)
        return r

    CLIENTS = ("p1", "p2", "fac", "wall", "x_fac", "x_wall", "x_phone")

    def drain(self, room: dict[str, Any]) -> None:
        for name in self.CLIENTS:
            room[name].get_received()

    def heard(self, room: dict[str, Any]) -> dict[str, list[str]]:
        """Event names each client received since the last call."""
        return {name: [e["name"] for e in room[name].get_received()] for name in self.CLIENTS}

    def only(self, got: dict[str, list[str]], expected: dict[str, list[str]]) -> None:
        assert got == {name: expected.get(name, []) for name in self.CLIENTS}

    EVERYONE_HERE = ("p1", "p2", "fac", "wall")

    @pytest.mark.parametrize("action", ["start", "pause", "resume", "extend", "end", "plan"])
    def test_round_controls_reach_everyone_in_the_workshop(self, room, logged_in, workshop, action):
        base = f"/workshops/{workshop.id}"
        r0 = room["with_plan"][0].id
        steps = {
            "start": [],
            "pause": ["start"],
            "resume": ["start", "pause"],
            "extend": ["start"],
            "end": ["start"],
            "plan": [],
        }[action]
        for step in steps:
            assert post_json(logged_in, f"{base}/rounds/{r0}/{step}", {}).status_code == 200
        self.drain(room)
        if action == "plan":
            resp = post_json(logged_in, f"{base}/rounds", {"name": "Ekstra", "minutes": "2", "type": "both"})
        else:
            resp = post_json(logged_in, f"{base}/rounds/{r0}/{action}", {})
        assert resp.status_code == 200, resp.get_json()
        got = {name: room[name].get_received() for name in self.CLIENTS}
        for name in self.EVERYONE_HERE:
            assert [e["name"] for e in got[name]] == ["round"], name
            payload = got[name][0]["args"][0]
            assert set(payload) == {"workshop_id", "round", "next", "groups", "server_now"}
            assert payload == got["fac"][0]["args"][0]  # one payload for everyone
        for name in ("x_fac", "x_wall", "x_phone"):
            assert got[name] == [], name

    def test_a_refused_control_is_not_broadcast(self, room, logged_in, workshop):
        r0 = room["with_plan"][0].id
        assert post_json(logged_in, f"/workshops/{workshop.id}/rounds/{r0}/pause", {}).status_code == 409
        self.only(self.heard(room), {})

    def test_the_wall_view_reaches_walls_and_facilitators(self, room, logged_in, workshop):
        resp = post_json(logged_in, f"/workshops/{workshop.id}/wall", {"view": "pause"})
        assert resp.status_code == 200
        self.only(self.heard(room), {"fac": ["wall"], "wall": ["wall"]})
        resp = post_json(logged_in, f"/workshops/{workshop.id}/spotlight", {"contribution_id": room["c1"]["id"]})
        assert resp.get_json()["wall"]["spotlight_id"] == room["c1"]["id"]
        self.only(self.heard(room), {"fac": ["wall"], "wall": ["wall"]})

    def test_hide_reaches_the_tables_phones_the_wall_and_the_facilitators(self, room, logged_in, workshop):
        c1 = room["c1"]
        assert post_json(logged_in, f"/workshops/{workshop.id}/contributions/{c1['id']}/hide", {}).status_code == 200
        got = {name: room[name].get_received() for name in self.CLIENTS}
        assert {n: [e["name"] for e in got[n]] for n in self.CLIENTS} == {
            "p1": ["contribution"], "p2": [], "fac": ["contribution", "votes"], "wall": ["contribution"],
            "x_fac": [], "x_wall": [], "x_phone": [],
        }
        public = got["p1"][0]["args"][0]
        assert (public["hidden"], public["text"], public["author_name"]) == (True, "", None)
        assert got["wall"][0]["args"][0] == public
        staff = got["fac"][0]["args"][0]
        assert (staff["hidden"], staff["text"]) == (True, "Mentor for nye")
        assert "participant_id" not in staff and "client_id" not in staff

    @pytest.mark.parametrize("action", ["edit", "unhide", "unmerge"])
    def test_other_moderation_reaches_the_same_rooms(self, room, logged_in, workshop, action):
        c1, c2 = room["c1"], room["c2"]
        base = f"/workshops/{workshop.id}/contributions"
        target = c1
        if action == "unhide":
            post_json(logged_in, f"{base}/{c1['id']}/hide", {})
        elif action == "unmerge":
            post_json(logged_in, f"{base}/{c2['id']}/merge", {"into": c1["id"]})
            target = c2
        self.drain(room)
        body = {"text": "Mentor for alle nye"} if action == "edit" else {}
        assert post_json(logged_in, f"{base}/{target['id']}/{action}", body).status_code == 200
        got = {name: room[name].get_received() for name in self.CLIENTS}
        table = "p1" if target is c1 else "p2"
        assert [e["name"] for e in got[table]][:1] == ["contribution"]
        assert "contribution" in [e["name"] for e in got["wall"]] and "contribution" in [e["name"] for e in got["fac"]]
        for name in ("x_fac", "x_wall", "x_phone"):
            assert got[name] == [], name
        if action == "edit":
            (phone_payload,) = [e["args"][0] for e in got["p1"]]
            (staff_payload,) = [e["args"][0] for e in got["fac"] if e["name"] == "contribution"]
            assert (phone_payload["text"], phone_payload["original_text"]) == ("Mentor for alle nye", None)
            assert staff_payload["original_text"] == "Mentor for nye"
            assert got["p2"] == []

    def test_merge_reaches_both_tables(self, room, logged_in, workshop):
        c1, c2 = room["c1"], room["c2"]
        resp = post_json(logged_in, f"/workshops/{workshop.id}/contributions/{c2['id']}/merge", {"into": c1["id"]})
        assert resp.status_code == 200
        got = self.heard(room)
        assert got["p1"] == ["contribution"] and got["p2"] == ["contribution"]
        assert got["wall"] == ["contribution", "contribution"]
        assert got["fac"] == ["contribution", "contribution", "votes"]
        assert got["x_fac"] == got["x_wall"] == got["x_phone"] == []

    def test_dots_reach_the_facilitators_and_the_wall_only_with_the_ranking(self, room, logged_in, workshop):
        base = f"/workshops/{workshop.id}"
        assert post_json(logged_in, f"{base}/rounds/{room['with_plan'][2].id}/start", {}).status_code == 200
        self.drain(room)
        resp = post_json(room["p1_browser"], f"/w/{workshop.id}/votes", {"contribution_id": room["c2"]["id"], "dot": True})
        assert resp.status_code == 200 and resp.get_json()["ballot"]["used"] == 1
        got = {name: room[name].get_received() for name in self.CLIENTS}
        assert {n: [e["name"] for e in got[n]] for n in self.CLIENTS} == {
            "p1": [], "p2": [], "fac": ["votes"], "wall": [], "x_fac": [], "x_wall": [], "x_phone": []
        }
        assert got["fac"][0]["args"][0] == {"workshop_id": workshop.id, "votes": {str(room["c2"]["id"]): 1}}
        # Revealed: the wall gets the tallies with the view, and every change after.
        resp = post_json(logged_in, f"{base}/wall", {"view": "ranking"})
        assert resp.get_json()["wall"]["votes"] == {str(room["c2"]["id"]): 1}
        self.only(self.heard(room), {"fac": ["wall"], "wall": ["wall"]})
        post_json(room["p2_browser"], f"/w/{workshop.id}/votes", {"contribution_id": room["c2"]["id"], "dot": True})
        self.only(self.heard(room), {"fac": ["votes"], "wall": ["votes"]})

    def test_a_refused_dot_is_not_broadcast(self, room, logged_in, workshop):
        resp = post_json(room["p1_browser"], f"/w/{workshop.id}/votes", {"contribution_id": room["c2"]["id"], "dot": True})
        assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "voting_closed"
        self.only(self.heard(room), {})

    def test_in_a_vote_over_every_table_every_phone_follows_moderation(self, room, sio, logged_in, workshop):
        base = f"/workshops/{workshop.id}"
        assert post_json(logged_in, f"{base}/rounds/{room['with_plan'][2].id}/start", {}).status_code == 200
        # Phones reconnect (the page reloads): now they catch up on every table's contributions.
        ack = watch(room["p1"], workshop.id)
        assert {c["id"] for c in ack["changes"]} == {room["c1"]["id"], room["c2"]["id"]}
        self.drain(room)
        assert post_json(logged_in, f"{base}/contributions/{room['c2']['id']}/hide", {}).status_code == 200
        got = self.heard(room)
        assert got["p1"] == ["contribution"] and got["p2"] == ["contribution"]  # through the phones room
        assert got["wall"] == ["contribution"] and got["x_phone"] == []

    def test_a_late_post_in_a_vote_over_every_table_reaches_every_phone(self, room, logged_in, workshop, app_db):
        base = f"/workshops/{workshop.id}"
        plan = room["with_plan"]
        rounds_plan.delete_round(app_db, workshop, plan[1].id)  # straight from needs to the vote
        post_json(logged_in, f"{base}/rounds/start", {})
        post_json(logged_in, f"{base}/rounds/{plan[0].id}/end", {})
        closed = utcnow()
        post_json(logged_in, f"{base}/rounds/{plan[2].id}/start", {})
        self.drain(room)
        typed = int((closed - dt.timedelta(seconds=1)).replace(tzinfo=dt.timezone.utc).timestamp() * 1000)
        body = {"group_id": workshop.groups[0].id, "kind": "need", "text": "Sent", "client_id": client_id(), "typed_at": typed}
        resp = post_json(room["p1_browser"], f"/w/{workshop.id}/contributions", body)
        assert resp.status_code == 201 and resp.get_json()["contribution"]["late"] is True
        got = self.heard(room)
        assert got["p1"] == ["contribution"] and got["p2"] == ["contribution"] and got["x_phone"] == []


# -- reconnecting shows the right time ------------------------------------------------------------


class TestWatch:
    def test_the_ack_carries_the_room_by_role(self, sio, make_client, app_db, logged_in, workshop, with_plan):
        post_json(logged_in, f"/workshops/{workshop.id}/rounds/{with_plan[2].id}/start", {})
        phone_browser = phone_client(make_client, workshop, workshop.groups[0])
        phone = watch(sio(phone_browser), workshop.id)["live"]
        wall = watch(sio(auth={"wall": workshop.wall_token}), workshop.id)["live"]
        fac = watch(sio(logged_in), workshop.id)["live"]
        for live in (phone, wall, fac):
            r = live["round"]["round"]
            assert (r["id"], r["status"], r["voting"]) == (with_plan[2].id, "running", True)
            deadline = dt.datetime.fromisoformat(r["deadline"].replace("Z", "+00:00"))
            now = dt.datetime.fromisoformat(live["round"]["server_now"].replace("Z", "+00:00"))
            assert dt.timedelta(minutes=4) < deadline - now <= dt.timedelta(minutes=5)
        assert set(phone) == {"round", "ballot"} and phone["ballot"]["dots"] == 5
        assert set(wall) == {"round", "wall"} and wall["wall"]["votes"] is None
        assert set(fac) == {"round", "wall", "votes", "themes"}

    def test_the_api_takes_typed_at(self, client, app_db, workshop, with_plan):
        p, token = join_participant(app_db, workshop, workshop.groups[0])
        rounds.start_round(app_db, workshop, now=utcnow() - dt.timedelta(minutes=10, seconds=5))
        typed = int((utcnow() - dt.timedelta(seconds=10)).replace(tzinfo=dt.timezone.utc).timestamp() * 1000)
        body = {"group_id": workshop.groups[0].id, "kind": "need", "text": "Sent", "client_id": client_id(), "typed_at": typed}
        resp = client.post(f"/api/v1/workshops/{workshop.id}/contributions", json=body, headers=bearer(token))
        assert resp.status_code == 201 and resp.get_json()["late"] is True
        body = {**body, "client_id": client_id(), "typed_at": None}
        resp = client.post(f"/api/v1/workshops/{workshop.id}/contributions", json=body, headers=bearer(token))
        assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "round_closed"


# -- the pages -----------------------------------------------------------------------------------


class TestPages:
    def test_phone_wall_and_dashboard_render_every_state(self, make_client, app_db, logged_in, workshop, with_plan):
        phone = phone_client(make_client, workshop, workshop.groups[0])
        c = post_from(phone, workshop, workshop.groups[0], "Mentor")
        other = phone_client(make_client, workshop, workshop.groups[1])
        d = post_from(other, workshop, workshop.groups[1], "Mentorordning")
        base = f"/workshops/{workshop.id}"
        phone_url = f"/w/{workshop.id}/g/{workshop.groups[0].id}"
        post_json(logged_in, f"{base}/rounds/start", {})
        assert "Kompetansebehov" in phone.get(phone_url).get_data(as_text=True)
        post_json(logged_in, f"{base}/contributions/{d['id']}/edit", {"text": "Mentorordning for alle"})
        post_json(logged_in, f"{base}/rounds/{with_plan[0].id}/end", {})
        post_json(logged_in, f"{base}/rounds/{with_plan[2].id}/start", {})
        html = phone.get(phone_url).get_data(as_text=True)
        assert "ballot-board" in html and "Mentorordning for alle" in html  # every table's, for the vote
        post_json(phone, f"/w/{workshop.id}/votes", {"contribution_id": d["id"], "dot": True})
        post_json(logged_in, f"{base}/contributions/{c['id']}/hide", {})
        for view in ("personas", "persona", "ranking", "pause"):
            post_json(logged_in, f"{base}/wall", {"view": view, "persona_id": workshop.groups[0].persona_id})
            wall_html = make_client().get(f"/wall/{workshop.wall_token}").get_data(as_text=True)
            assert f'data-view="{view}"' in wall_html
            assert ">Mentor<" not in wall_html  # hidden
        dash = logged_in.get(f"{base}/live").get_data(as_text=True)
        assert "is-hidden" in dash and ">Mentor<" in dash and 'data-votes="1"' in dash
        assert "Mentorordning" in dash  # the original text, for the facilitator
        plan_page = logged_in.get(f"{base}/plan").get_data(as_text=True)
        assert "history-table" in plan_page

    def test_a_vote_by_form_without_javascript(self, make_client, app_db, logged_in, workshop, with_plan):
        phone = phone_client(make_client, workshop, workshop.groups[0])
        c = post_from(phone, workshop, workshop.groups[0], "Mentor")
        post_json(logged_in, f"/workshops/{workshop.id}/rounds/{with_plan[2].id}/start", {})
        resp = post_form(phone, f"/w/{workshop.id}/votes", {"contribution_id": str(c["id"]), "dot": "1"})
        assert resp.status_code == 302
        assert "flash-success" in phone.get(resp.headers["Location"]).get_data(as_text=True)
        app_db.rollback()
        assert voting.vote_counts(app_db, workshop.id) == {c["id"]: 1}
        resp = post_form(phone, f"/w/{workshop.id}/votes", {"contribution_id": str(c["id"]), "dot": "1"})
        assert resp.status_code == 302  # refused (already voted), said in a flash
        assert "flash-error" in phone.get(resp.headers["Location"]).get_data(as_text=True)
        app_db.rollback()
        assert voting.vote_counts(app_db, workshop.id) == {c["id"]: 1}


def test_dots_are_rate_limited_per_participant(make_client, app_db, logged_in, workshop, with_plan):
    from facilitator.ratelimit import LIMITS

    phone = phone_client(make_client, workshop, workshop.groups[0])
    c = post_from(phone, workshop, workshop.groups[0], "Mentor")
    post_json(logged_in, f"/workshops/{workshop.id}/rounds/{with_plan[2].id}/start", {})
    allowed = int(LIMITS["vote"].split("/")[0])
    for i in range(allowed):
        resp = post_json(phone, f"/w/{workshop.id}/votes", {"contribution_id": c["id"], "dot": i % 2 == 0})
        assert resp.status_code == 200, (i, resp.get_json())
    resp = post_json(phone, f"/w/{workshop.id}/votes", {"contribution_id": c["id"], "dot": True})
    assert resp.status_code == 429 and resp.get_json()["error"]["code"] == "rate_limited"
    other = phone_client(make_client, workshop, workshop.groups[1])  # another participant is not affected
    assert post_json(other, f"/w/{workshop.id}/votes", {"contribution_id": c["id"], "dot": True}).status_code == 200
