"""Socket.IO through ``socketio.test_client(app, flask_test_client=...)``: who may connect, who receives
what, and catching up after a missed stretch. The test client is synchronous: an emit made while
handling an HTTP request is in the receiving clients' queues when the request returns.

"The other group received nothing" is asserted with ``get_received() == []`` on every client that
must not see an event.
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers import (
    bearer,
    client_id,
    events,
    join_participant,
    make_user,
    phone_client,
    post_form,
    post_from,
    post_json,
    settle_pushes,
    watch,
)

from sessions.accounts.service import issue_api_token
from sessions.contributions import service as participation

# -- connecting ----------------------------------------------------------------------------


class TestConnect:
    def test_refused_without_credentials(self, sio, client):
        assert not sio().is_connected()
        assert not sio(client).is_connected()  # a browser with no session

    @pytest.mark.parametrize(
        "auth",
        [
            {"token": "feil-token-som-ikke-finnes-0000000000"},
            {"wall": "feil-veggtoken-som-ikke-finnes-000000"},
            {"token": 42, "wall": ["x"]},
            {"token": ""},
            {},
        ],
    )
    def test_refused_with_bad_credentials(self, sio, workshop, auth):
        assert not sio(auth=auth).is_connected()

    def test_an_unexpected_error_refuses_with_server_error(self, sio, api_token, workshop, monkeypatch, caplog):
        # Unanswered, a browser would wait for its namespace for good; refused with the code, it connects
        # again later (pv.js keepTrying). A refused credential carries no code.
        from facilitator.realtime import sockets

        handler = sockets.socketio.default_exception_handler
        refusals: list[Any] = []

        def spy(err: Exception) -> Any:
            try:
                return handler(err)
            except Exception as refusal:
                refusals.append(refusal)
                raise

        monkeypatch.setattr(sockets.socketio, "default_exception_handler", spy)
        assert not sio(auth={"token": "feil-token-som-ikke-finnes-0000000000"}).is_connected()
        assert refusals == []  # refused by the handler's answer, not by an error

        def fails(*_args: Any) -> Any:
            raise RuntimeError("the database went away")

        monkeypatch.setattr(sockets, "_identity_from_connect", fails)
        assert not sio(auth={"token": api_token}).is_connected()  # refused, not raised out of the server
        (refusal,) = refusals
        assert refusal.error_args["data"] == {"code": "server_error"}, refusal.error_args
        assert "the database went away" not in str(refusal.error_args)
        assert any("socket event 'connect' failed" in r.getMessage() and r.exc_info for r in caplog.records)
        monkeypatch.undo()
        assert sio(auth={"token": api_token}).is_connected()

    def test_facilitator_by_cookie(self, sio, logged_in, workshop):
        sock = sio(logged_in)
        assert sock.is_connected()
        ack = watch(sock, workshop.id)
        assert ack["ok"] is True and ack["role"] == "facilitator" and ack["status"] == "open"

    def test_facilitator_by_token(self, sio, api_token, workshop):
        sock = sio(auth={"token": api_token})
        assert sock.is_connected()
        assert watch(sock, workshop.id)["role"] == "facilitator"

    def test_wall(self, sio, workshop):
        sock = sio(auth={"wall": workshop.wall_token})
        assert sock.is_connected()
        assert watch(sock, workshop.id)["role"] == "wall"

    def test_phone_by_cookie_and_by_token(self, sio, make_client, app_db, workshop):
        by_cookie = sio(phone_client(make_client, workshop, workshop.groups[0]))
        assert by_cookie.is_connected()
        assert watch(by_cookie, workshop.id)["role"] == "participant"
        _p, token = join_participant(app_db, workshop, workshop.groups[1])
        by_token = sio(auth={"token": token})
        assert by_token.is_connected()
        assert watch(by_token, workshop.id)["role"] == "participant"

    def test_phone_without_a_group_must_choose_first(self, sio, app_db, workshop):
        _p, token = join_participant(app_db, workshop)
        sock = sio(auth={"token": token})
        ack = watch(sock, workshop.id)
        assert ack["ok"] is False and ack["error"]["code"] == "no_group" and ack["error"]["message"]


# -- what a watch returns ------------------------------------------------------------------


class TestWatch:
    @pytest.fixture
    def posted(self, app_db, workshop):  # type: ignore[no-untyped-def]
        """Five contributions: groups 1, 2, 1, 3, 2 (seq 1..5)."""
        people = [join_participant(app_db, workshop, g)[0] for g in workshop.groups]
        order = [0, 1, 0, 2, 1]
        out = []
        for i, gi in enumerate(order):
            c, _ = participation.submit_contribution(app_db, people[gi], workshop.groups[gi].id, "need", f"Innspel {i + 1}", client_id())
            out.append(c.as_event())
        return out

    def test_facilitator_gets_everything_missed_since_n(self, sio, api_token, workshop, posted):
        sock = sio(auth={"token": api_token})
        ack = watch(sock, workshop.id, since=2)
        assert ack["seq"] == 5
        assert [c["seq"] for c in ack["changes"]] == [3, 4, 5]
        assert ack["changes"] == posted[2:]
        assert watch(sock, workshop.id, since=5)["changes"] == []

    def test_wall_gets_every_group(self, sio, workshop, posted):
        ack = watch(sio(auth={"wall": workshop.wall_token}), workshop.id)
        assert [c["text"] for c in ack["changes"]] == [f"Innspel {i}" for i in range(1, 6)]
        assert {c["group_id"] for c in ack["changes"]} == {g.id for g in workshop.groups}

    def test_phone_gets_only_its_group(self, sio, make_client, app_db, workshop, posted):
        g1 = workshop.groups[0]
        ack = watch(sio(phone_client(make_client, workshop, g1)), workshop.id)
        assert [c["text"] for c in ack["changes"]] == ["Innspel 1", "Innspel 3"]
        assert ack["seq"] == 5  # the workshop's sequence, so the next catch-up starts after everything
        _p, token = join_participant(app_db, workshop, workshop.groups[1])
        ack = watch(sio(auth={"token": token}), workshop.id, since=2)
        assert [c["text"] for c in ack["changes"]] == ["Innspel 5"]

    def test_payload_carries_no_author_identity(self, sio, api_token, workshop, posted):
        change = watch(sio(auth={"token": api_token}), workshop.id)["changes"][0]
        assert "participant_id" not in change and "client_id" not in change

    def test_workshop_the_client_may_not_see(self, sio, app_db, api_token, workshop, other_ws):
        # Facilitator of another workshop, a wall of another workshop, a phone of another workshop.
        _p, token = join_participant(app_db, workshop, workshop.groups[0])
        clients = [sio(auth={"token": api_token}), sio(auth={"wall": workshop.wall_token}), sio(auth={"token": token})]
        for sock in clients:
            ack = watch(sock, other_ws.id)
            assert ack["ok"] is False and ack["error"]["code"] == "not_found", ack
            # A workshop that does not exist looks the same (also beyond the INTEGER range).
            for missing in (999999, 0, -1, 2**31, 2**70):
                ack = watch(sock, missing)
                assert ack["ok"] is False and ack["error"]["code"] == "not_found", ack

    def test_a_stranger_facilitator(self, sio, app_db, workshop):
        stranger = make_user(app_db, "fremmed@kommune.no")
        sock = sio(auth={"token": issue_api_token(app_db, stranger)})
        assert sock.is_connected()
        assert watch(sock, workshop.id)["error"]["code"] == "not_found"

    @pytest.mark.parametrize(
        "payload",
        [
            None,
            "workshop",
            42,
            [1, 2],
            {},
            {"workshop_id": "1"},
            {"workshop_id": True},
            {"workshop_id": None},
            {"workshop_id": 1.5},
            {"workshop_id": "__WS__", "since": -1},
            {"workshop_id": "__WS__", "since": "3"},
            {"workshop_id": "__WS__", "since": None},
            {"workshop_id": "__WS__", "since": True},
            {"workshop_id": "__WS__", "since": 2.5},
            {"workshop_id": "__WS__", "since": 2**31},
            {"workshop_id": "__WS__", "since": 2**70},
        ],
    )
    def test_malformed_payloads(self, sio, api_token, workshop, payload):
        if isinstance(payload, dict) and payload.get("workshop_id") == "__WS__":
            payload = {**payload, "workshop_id": workshop.id}
        sock = sio(auth={"token": api_token})
        ack = sock.emit("watch", payload, callback=True)
        assert isinstance(ack, dict) and ack["ok"] is False, ack
        assert ack["error"]["code"] in {"bad_json", "validation_failed"} and ack["error"]["message"]
        assert sock.is_connected()
        # A failed watch joins no room: a post does not reach this client.
        assert sock.get_received() == []

    def test_watch_without_payload(self, sio, api_token, workshop):
        sock = sio(auth={"token": api_token})
        ack = sock.emit("watch", callback=True)
        assert isinstance(ack, dict) and ack["ok"] is False

    def test_an_unexpected_error_is_answered_and_the_next_watch_works(self, sio, api_token, workshop, posted, monkeypatch, caplog):
        # Without an answer live.js would wait for this catch-up for ever; with server_error it tries again.
        from facilitator.realtime import sockets

        real = sockets.changes_since
        calls = []

        def fails_once(*args, **kwargs):
            calls.append(1)
            if len(calls) == 1:
                raise RuntimeError("the database went away")
            return real(*args, **kwargs)

        monkeypatch.setattr(sockets, "changes_since", fails_once)
        sock = sio(auth={"token": api_token})
        ack = sock.emit("watch", {"workshop_id": workshop.id, "since": 0}, callback=True)
        assert ack["ok"] is False and ack["error"]["code"] == "server_error", ack
        assert "the database went away" not in str(ack)  # the message is the UI's, not the exception's
        assert any("socket event 'watch' failed" in r.getMessage() and r.exc_info for r in caplog.records)
        assert sock.is_connected()
        again = watch(sock, workshop.id)
        assert again["ok"] and [c["id"] for c in again["changes"]] == [c["id"] for c in posted]


# -- live events ---------------------------------------------------------------------------


class TestLive:
    @pytest.fixture
    def room(self, app, sio, make_client, app_db, logged_in, workshop, other_ws, other_owner):  # type: ignore[no-untyped-def]
        """Everybody watching: facilitator, wall, two phones at group 1, one at group 2, one with a token
        at group 3, and the other workshop's facilitator, wall and phone."""
        g1, g2, g3 = workshop.groups
        r: dict[str, Any] = {}
        r["p1_browser"] = phone_client(make_client, workshop, g1)
        r["p1"] = sio(r["p1_browser"])
        r["p1b"] = sio(phone_client(make_client, workshop, g1))
        r["p2_browser"] = phone_client(make_client, workshop, g2)
        r["p2"] = sio(r["p2_browser"])
        _p, tok3 = join_participant(app_db, workshop, g3)
        r["p3"] = sio(auth={"token": tok3})
        r["fac"] = sio(logged_in)
        r["wall"] = sio(auth={"wall": workshop.wall_token})
        for name in ("p1", "p1b", "p2", "p3", "fac", "wall"):
            assert watch(r[name], workshop.id)["ok"] is True, name
        r["x_fac"] = sio(auth={"token": issue_api_token(app_db, other_owner)})
        r["x_wall"] = sio(auth={"wall": other_ws.wall_token})
        _px, tokx = join_participant(app_db, other_ws, other_ws.groups[0])
        r["x_phone"] = sio(auth={"token": tokx})
        for name in ("x_fac", "x_wall", "x_phone"):
            assert watch(r[name], other_ws.id)["ok"] is True, name
        settle_pushes(app, workshop.id)  # the phones' joins: their participant count is out
        for name, sock in r.items():
            if not name.endswith("_browser"):
                sock.get_received()  # drop anything from setting up
        return r

    def silent(self, room: dict[str, Any], *who: str) -> None:
        for name in who:
            assert room[name].get_received() == [], f"{name} received something it must not see"

    def test_post_reaches_its_group_wall_and_facilitator_only(self, room, workshop):
        c = post_from(room["p1_browser"], workshop, workshop.groups[0], "Mentorordning")
        for name in ("p1", "p1b", "wall", "fac"):
            got = room[name].get_received()
            assert [e["name"] for e in got] == ["contribution"], name
            assert got[0]["args"][0] == c, name
        self.silent(room, "p2", "p3", "x_fac", "x_wall", "x_phone")

    def test_post_in_group_2(self, room, workshop):
        c = post_from(room["p2_browser"], workshop, workshop.groups[1], "Hospitering")
        assert events(room["p2"], "contribution") == [c]
        assert events(room["wall"], "contribution") == [c]
        assert events(room["fac"], "contribution") == [c]
        self.silent(room, "p1", "p1b", "p3", "x_fac", "x_wall", "x_phone")

    def test_post_through_the_api(self, room, client, app_db, workshop):
        _p, token = join_participant(app_db, workshop, workshop.groups[2])
        for name in ("wall", "fac"):
            room[name].get_received()
        body = {"group_id": workshop.groups[2].id, "kind": "solution", "text": "Kurs", "client_id": client_id()}
        resp = client.post(f"/api/v1/workshops/{workshop.id}/contributions", json=body, headers=bearer(token))
        assert resp.status_code == 201
        assert [e["id"] for e in events(room["p3"], "contribution")] == [resp.get_json()["id"]]
        assert len(events(room["wall"], "contribution")) == 1
        self.silent(room, "p1", "p1b", "p2", "x_fac", "x_wall", "x_phone")

    def test_retry_is_not_broadcast_again(self, room, workshop):
        body = {"group_id": workshop.groups[0].id, "kind": "need", "text": "Ein gong", "client_id": client_id()}
        assert post_json(room["p1_browser"], f"/w/{workshop.id}/contributions", body).status_code == 201
        for name in ("p1", "p1b", "wall", "fac"):
            assert len(events(room[name], "contribution")) == 1, name
        assert post_json(room["p1_browser"], f"/w/{workshop.id}/contributions", body).status_code == 200
        self.silent(room, "p1", "p1b", "wall", "fac")

    def test_rejected_post_is_not_broadcast(self, room, workshop):
        body = {"group_id": workshop.groups[0].id, "kind": "need", "text": "   ", "client_id": client_id()}
        assert post_json(room["p1_browser"], f"/w/{workshop.id}/contributions", body).status_code == 422
        self.silent(room, "p1", "p1b", "p2", "p3", "fac", "wall", "x_fac", "x_wall", "x_phone")

    def test_edit_and_delete_events(self, room, workshop):
        c = post_from(room["p1_browser"], workshop, workshop.groups[0], "Før")
        for name in ("p1", "p1b", "fac", "wall"):
            room[name].get_received()
        resp = post_json(room["p1_browser"], f"/w/{workshop.id}/contributions/{c['id']}/edit", {"text": "Etter"})
        assert resp.status_code == 200
        for name in ("p1", "p1b", "fac", "wall"):
            (e,) = events(room[name], "contribution")
            assert (e["id"], e["text"], e["edited"], e["deleted"]) == (c["id"], "Etter", True, False)
            assert e["seq"] > c["seq"]
        resp = post_json(room["p1_browser"], f"/w/{workshop.id}/contributions/{c['id']}/delete", {})
        assert resp.status_code == 200
        for name in ("p1", "p1b", "fac", "wall"):
            (e,) = events(room[name], "contribution")
            assert (e["id"], e["deleted"], e["text"], e["author_name"]) == (c["id"], True, "", None)
        self.silent(room, "p2", "p3", "x_fac", "x_wall", "x_phone")

    def test_join_updates_the_count_for_wall_and_facilitator(self, app, room, make_client, workshop):
        c = make_client()
        assert post_form(c, "/join", {"code": workshop.join_code}).status_code == 302
        settle_pushes(app, workshop.id)  # at once, or coalesced a moment later: one exact count
        for name in ("wall", "fac"):
            assert events(room[name], "participants") == [{"workshop_id": workshop.id, "count": 5}], name
        self.silent(room, "p1", "p1b", "p2", "p3", "x_fac", "x_wall", "x_phone")

    def test_close_reaches_everyone_in_the_workshop(self, room, logged_in, workshop):
        assert post_form(logged_in, f"/workshops/{workshop.id}/close").status_code == 302
        for name in ("p1", "p1b", "p2", "p3", "fac", "wall"):
            assert events(room[name], "workshop") == [{"workshop_id": workshop.id, "status": "closed"}], name
        self.silent(room, "x_fac", "x_wall", "x_phone")

    def test_catch_up_after_a_missed_stretch(self, sio, room, make_client, workshop):
        """A phone that was away gets exactly what it missed, in order, tombstones included."""
        g1 = workshop.groups[0]
        author = room["p1_browser"]
        first = post_from(author, workshop, g1, "Sett")
        away_browser = phone_client(make_client, workshop, g1)
        away = sio(away_browser)
        ack = watch(away, workshop.id)
        assert [c["id"] for c in ack["changes"]] == [first["id"]]
        last_seen = ack["seq"]
        away.disconnect()

        a = post_from(author, workshop, g1, "A")
        post_from(room["p2_browser"], workshop, workshop.groups[1], "Anna bord")  # not for group 1
        b = post_from(author, workshop, g1, "B")
        assert post_json(author, f"/w/{workshop.id}/contributions/{a['id']}/edit", {"text": "A2"}).status_code == 200
        assert post_json(author, f"/w/{workshop.id}/contributions/{first['id']}/delete", {}).status_code == 200

        back = sio(away_browser)
        ack = watch(back, workshop.id, since=last_seen)
        got = [(c["id"], c["text"], c["deleted"]) for c in ack["changes"]]
        assert got == [(b["id"], "B", False), (a["id"], "A2", False), (first["id"], "", True)]
        seqs = [c["seq"] for c in ack["changes"]]
        assert seqs == sorted(seqs) and seqs[0] > last_seen
        assert ack["seq"] == seqs[-1]
        assert watch(back, workshop.id, since=ack["seq"])["changes"] == []
        # ... and is live again afterwards.
        c = post_from(author, workshop, g1, "Live igjen")
        assert events(back, "contribution") == [c]

    def test_moving_to_another_group_moves_the_room(self, sio, room, make_client, app_db, workshop):
        browser = phone_client(make_client, workshop, workshop.groups[0])
        sock = sio(browser)
        assert watch(sock, workshop.id)["ok"]
        assert post_form(browser, f"/w/{workshop.id}/group", {"group_id": str(workshop.groups[1].id)}).status_code == 302
        assert watch(sock, workshop.id)["ok"]
        sock.get_received()
        post_from(room["p1_browser"], workshop, workshop.groups[0], "Til bord 1")
        assert sock.get_received() == []
        c = post_from(room["p2_browser"], workshop, workshop.groups[1], "Til bord 2")
        assert events(sock, "contribution") == [c]
