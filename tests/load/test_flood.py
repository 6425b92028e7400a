"""Floods are limited per participant, not per address: a whole municipality can share one address.

Every request here comes from the same address (the test client's 127.0.0.1), as at a venue behind one
NAT. Rate limiting is ON (the suite never turns it off; ``limits_on`` asserts it). The limits' clock is
the ``limits`` memory storage's ``time.time``, replaced by a clock the test moves, so the window can be
shown to slide on without sleeping through a minute.

- One participant who floods posts gets ``429 rate_limited`` after 30 in a minute, over the API and the
  phone's own endpoint alike, and nothing beyond the 30 is stored or broadcast.
- Meanwhile 60 other participants at the same address join (API and browser form) and post at a normal
  rate without a single refusal.
- Socket.IO: ``watch`` (which reads the database) is limited per connection (60 a minute), shown by
  counting SQL statements rather than time; other events from a client cost no database work at all.
  Against a real gevent server over a real WebSocket: a burst of 1,000 ``watch`` gets 60 answers and
  940 ``rate_limited``, and a malformed packet closes its connection with one log line (it used to log
  a full traceback per packet: ~1.3 KB of log for a two-byte frame).
"""

from __future__ import annotations

from typing import Any

import limits.storage.memory
import pytest
from helpers import bearer, client_id, post_form, post_json
from sqlalchemy import event, func, select

from facilitator.ratelimit import LIMITS
from sessions.contributions.models import Contribution, Participant
from sessions.contributions.service import participant_by_token

POSTS_PER_MINUTE = int(LIMITS["post"].split("/")[0])
WATCHES_PER_MINUTE = int(LIMITS["watch"].split("/")[0])


class Clock:
    """Stands in for the ``time`` module inside limits' memory storage."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    import time

    c = Clock(time.time())
    monkeypatch.setattr(limits.storage.memory, "time", c)
    return c


@pytest.fixture
def limits_on(app: Any, clock: Clock) -> Any:
    assert app.config["RATELIMIT_ENABLED"] is True, "the flood tests need the real limits"
    return app


def api_join(client: Any, ws: Any, name: str | None = None) -> tuple[str, int]:
    resp = client.post("/api/v1/join", json={"code": ws.join_code, "display_name": name, "group_id": ws.groups[0].id})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    body = resp.get_json()
    return body["token"], body["participant_id"]


def api_post(client: Any, ws: Any, token: str, text: str) -> Any:
    body = {"group_id": ws.groups[0].id, "kind": "need", "text": text, "client_id": client_id()}
    return client.post(f"/api/v1/workshops/{ws.id}/contributions", json=body, headers=bearer(token))


def stored_by(app_db: Any, participant_id: int) -> int:
    app_db.rollback()  # a fresh snapshot: the requests committed in other sessions
    return app_db.scalar(select(func.count()).select_from(Contribution).where(Contribution.participant_id == participant_id))


def assert_rate_limited(resp: Any) -> None:
    assert resp.status_code == 429, resp.get_data(as_text=True)[:300]
    err = resp.get_json()["error"]
    assert err["code"] == "rate_limited"
    assert err["message"]


def wall_socket(app: Any, ws: Any) -> Any:
    from facilitator.extensions import socketio

    sock = socketio.test_client(app, auth={"wall": ws.wall_token})
    assert sock.is_connected()
    ack = sock.emit("watch", {"workshop_id": ws.id, "since": 0}, callback=True)
    assert ack["ok"], ack
    sock.get_received()
    return sock


# -- posts -------------------------------------------------------------------------------------


def test_a_flooding_participant_is_refused_after_the_limit_and_nothing_more_is_stored(
    limits_on: Any, client: Any, workshop: Any, app_db: Any, clock: Clock
) -> None:
    wall = wall_socket(limits_on, workshop)
    token, pid = api_join(client, workshop, "Flommen")
    first = {"group_id": workshop.groups[0].id, "kind": "need", "text": "innlegg 0", "client_id": client_id()}
    url = f"/api/v1/workshops/{workshop.id}/contributions"
    assert client.post(url, json=first, headers=bearer(token)).status_code == 201
    for i in range(1, POSTS_PER_MINUTE):
        clock.advance(0.5)
        assert api_post(client, workshop, token, f"innlegg {i}").status_code == 201
    for i in range(20):
        assert_rate_limited(api_post(client, workshop, token, f"for mye {i}"))
    # A retry of a stored post is refused too while the flood lasts (it is no way around the limit; the
    # phone's outbox retries it later).
    assert_rate_limited(client.post(url, json=first, headers=bearer(token)))
    assert stored_by(app_db, pid) == POSTS_PER_MINUTE
    received = [e for e in wall.get_received() if e["name"] == "contribution"]
    assert len(received) == POSTS_PER_MINUTE, "the wall got a contribution that should have been refused"
    # Once the first post has left the moving window there is room for one more: a limit, not a ban.
    # The retry then gets the stored post back (200), not a duplicate.
    clock.advance(60 - 0.5 * (POSTS_PER_MINUTE - 1) + 0.1)
    again = client.post(url, json=first, headers=bearer(token))
    assert again.status_code == 200 and again.get_json()["text"] == "innlegg 0"
    assert_rate_limited(api_post(client, workshop, token, "fortsatt for mye"))
    clock.advance(0.5)
    assert api_post(client, workshop, token, "etter et minutt").status_code == 201
    assert stored_by(app_db, pid) == POSTS_PER_MINUTE + 1
    wall.disconnect()


def test_the_phone_endpoint_shares_the_participants_limit(
    limits_on: Any, make_client: Any, workshop: Any, app_db: Any
) -> None:
    """The browser's fetch endpoint and the API count against the same per-participant limit."""
    phone = make_client()
    assert post_form(phone, "/join", {"code": workshop.join_code}).status_code == 302
    group = workshop.groups[1]
    assert post_form(phone, f"/w/{workshop.id}/group", {"group_id": str(group.id)}).status_code == 302
    app_db.rollback()
    pid = app_db.scalar(select(Participant.id).where(Participant.workshop_id == workshop.id))

    def post(i: int) -> Any:
        return post_json(phone, f"/w/{workshop.id}/contributions", {"group_id": group.id, "kind": "need", "text": f"nr {i}", "client_id": client_id()})

    codes = [post(i).status_code for i in range(POSTS_PER_MINUTE)]
    assert codes == [201] * POSTS_PER_MINUTE
    assert_rate_limited(post(99))
    # A plain form post (no JavaScript) is refused the same way, not stored.
    resp = post_form(phone, f"/w/{workshop.id}/contributions", {"group_id": str(group.id), "kind": "need", "text": "skjema", "client_id": client_id()},
                     headers={"Accept": "application/json"})
    assert_rate_limited(resp)
    assert stored_by(app_db, pid) == POSTS_PER_MINUTE


def test_sixty_participants_behind_the_same_address_are_not_limited_by_a_flooder(
    limits_on: Any, make_client: Any, workshop: Any, app_db: Any
) -> None:
    venue = make_client()  # every request below comes from 127.0.0.1
    flooder_token, flooder_id = api_join(venue, workshop, "Flommen")
    for i in range(POSTS_PER_MINUTE):
        assert api_post(venue, workshop, flooder_token, f"flom {i}").status_code == 201

    # 60 others join the same minute: half through the API, half through the join form in a browser.
    people: list[tuple[str, Any, int]] = []  # (kind, token or browser, participant id)
    for i in range(30):
        token, pid = api_join(venue, workshop, f"Deltaker {i}")
        people.append(("api", token, pid))
    for i in range(30):
        phone = make_client()
        assert post_form(phone, "/join", {"code": workshop.join_code}).status_code == 302
        group = workshop.groups[i % len(workshop.groups)]
        assert post_form(phone, f"/w/{workshop.id}/group", {"group_id": str(group.id)}).status_code == 302
        with phone.session_transaction() as sess:
            token = sess["pt"][str(workshop.id)]
        app_db.rollback()  # a fresh snapshot
        pid = participant_by_token(app_db, token).id
        people.append(("browser", (phone, group), pid))
    assert len({pid for _, _, pid in people} | {flooder_id}) == 61

    # Three rounds of normal posting; the flooder keeps trying in between and is refused every time.
    for round_no in range(3):
        for _ in range(10):
            assert_rate_limited(api_post(venue, workshop, flooder_token, "mer flom"))
        for n, (kind, who, _pid) in enumerate(people):
            text = f"runde {round_no}, deltaker {n}"
            if kind == "api":
                resp = api_post(venue, workshop, who, text)
                assert resp.status_code == 201, resp.get_data(as_text=True)
            else:
                phone, group = who
                resp = post_json(phone, f"/w/{workshop.id}/contributions", {"group_id": group.id, "kind": "solution", "text": text, "client_id": client_id()})
                assert resp.status_code == 201, resp.get_data(as_text=True)

    assert stored_by(app_db, flooder_id) == POSTS_PER_MINUTE
    for _, _, pid in people:
        assert stored_by(app_db, pid) == 3
    app_db.rollback()
    total = app_db.scalar(select(func.count()).select_from(Contribution).where(Contribution.workshop_id == workshop.id))
    assert total == POSTS_PER_MINUTE + 3 * 60


def test_wrong_codes_from_the_venue_do_not_stop_a_correct_join_below_the_guessing_limit(
    limits_on: Any, make_client: Any, workshop: Any
) -> None:
    """A few people mistyping the code does not lock the room out; the guessing limit is per address."""
    venue = make_client()
    for _ in range(int(LIMITS["join_code_miss"].split("/")[0]) - 1):
        resp = venue.post("/api/v1/join", json={"code": "0000 0000"})
        assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "unknown_join_code"
    api_join(venue, workshop)
    # One more miss uses up the address's budget: now guessing is refused, whatever the code.
    assert venue.post("/api/v1/join", json={"code": "0000 0001"}).status_code == 404
    assert_rate_limited(venue.post("/api/v1/join", json={"code": "0000 0002"}))


# -- Socket.IO ---------------------------------------------------------------------------------


class SqlCounter:
    """Counts the SQL statements the app's engine executes (work done, not time taken)."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.count = 0

    def __enter__(self) -> SqlCounter:
        event.listen(self.engine, "before_cursor_execute", self._hit)
        return self

    def __exit__(self, *exc: Any) -> None:
        event.remove(self.engine, "before_cursor_execute", self._hit)

    def _hit(self, *args: Any) -> None:
        self.count += 1


def test_watch_spam_from_one_connection_is_limited_and_others_are_not(
    limits_on: Any, client: Any, workshop: Any
) -> None:
    from facilitator.extensions import socketio

    token, _ = api_join(client, workshop, "Spammer")
    other_token, _ = api_join(client, workshop, "Vanlig")
    spammer = socketio.test_client(limits_on, auth={"token": token})
    other = socketio.test_client(limits_on, auth={"token": other_token})
    assert spammer.is_connected() and other.is_connected()
    msg = {"workshop_id": workshop.id, "since": 0}

    acks = [spammer.emit("watch", msg, callback=True) for _ in range(WATCHES_PER_MINUTE)]
    assert all(a["ok"] for a in acks), [a for a in acks if not a["ok"]][:1]
    engine = limits_on.extensions["pv_engine"]
    with SqlCounter(engine) as sql:
        refused = [spammer.emit("watch", msg, callback=True) for _ in range(500)]
    assert all(a == {"ok": False, "error": {"code": "rate_limited", "message": a["error"]["message"]}} for a in refused)
    assert sql.count == 0, f"refused watches still ran {sql.count} SQL statements"

    # Another phone on the same address (and the same workshop) is not affected.
    ack = other.emit("watch", msg, callback=True)
    assert ack["ok"] and ack["role"] == "participant"
    spammer.disconnect()
    other.disconnect()


def test_other_socket_events_cost_no_database_work(limits_on: Any, client: Any, workshop: Any) -> None:
    """Events without a handler, and junk payloads, are dropped before any database work."""
    from facilitator.extensions import socketio

    token, _ = api_join(client, workshop)
    sock = socketio.test_client(limits_on, auth={"token": token})
    assert sock.is_connected()
    with SqlCounter(limits_on.extensions["pv_engine"]) as sql:
        for i in range(300):
            sock.emit("contribution", {"workshop_id": workshop.id, "text": "x" * 1000, "i": i})
            sock.emit("finnes-ikke", i)
            sock.emit("post", ["\u0000" * 100])
    assert sql.count == 0
    assert sock.is_connected()
    assert sock.emit("watch", {"workshop_id": workshop.id}, callback=True)["ok"]
    sock.disconnect()


def test_watch_limit_is_per_connection_not_per_participant(limits_on: Any, client: Any, workshop: Any) -> None:
    """A phone whose connection was limited gets a fresh budget when it reconnects (a new connection),
    so a participant on flaky Wi-Fi is never locked out by its own reconnects."""
    from facilitator.extensions import socketio

    token, _ = api_join(client, workshop)
    first = socketio.test_client(limits_on, auth={"token": token})
    msg = {"workshop_id": workshop.id}
    for _ in range(WATCHES_PER_MINUTE):
        assert first.emit("watch", msg, callback=True)["ok"]
    assert first.emit("watch", msg, callback=True)["error"]["code"] == "rate_limited"
    first.disconnect()
    second = socketio.test_client(limits_on, auth={"token": token})
    assert second.emit("watch", msg, callback=True)["ok"]
    second.disconnect()


# -- a real server: one client's burst of socket events over a real WebSocket --------------------


@pytest.fixture
def live_server(tmp_path: Any, persona_library: dict[str, Any]) -> Any:
    """A real gevent server (``python -m facilitator serve``), rate limits on, with an open workshop."""
    import json
    import urllib.request

    from helpers import ServerProcess, make_user, make_workshop

    from sessions.core import store

    url = f"sqlite:///{tmp_path}/live.sqlite"
    engine = store.make_engine(url)
    store.upgrade(engine)
    db = store.make_session_factory(engine)()
    ws = make_workshop(db, make_user(db, "live@kommune.no"), persona_library, n_groups=2)
    code, ws_id = ws.join_code, ws.id
    db.close()
    engine.dispose()

    server = ServerProcess(url, tmp_path)
    try:
        server.start()
        base, port = server.base, server.port

        def join() -> str:
            req = urllib.request.Request(base + "/api/v1/join", data=json.dumps({"code": code}).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
            body = json.loads(urllib.request.urlopen(req, timeout=10).read())
            group = body["workshop"]["groups"][0]["id"]
            req = urllib.request.Request(f"{base}/api/v1/workshops/{ws_id}/group", data=json.dumps({"group_id": group}).encode(),
                                         headers={"Content-Type": "application/json", "Authorization": f"Bearer {body['token']}"}, method="PUT")
            urllib.request.urlopen(req, timeout=10).read()
            return body["token"]

        yield {"base": base, "port": port, "workshop_id": ws_id, "join": join, "log": server.log_path}
    finally:
        server.stop()


def _raw_socket(port: int, token: str) -> Any:
    """A raw engine.io/Socket.IO v4 WebSocket, connected to the default namespace with ``token``."""
    import json

    import websocket

    raw = websocket.create_connection(f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket", timeout=30)
    assert raw.recv().startswith("0")
    raw.send("40" + json.dumps({"token": token}))
    while not (msg := raw.recv()).startswith("40"):
        assert not msg.startswith("44"), f"connect refused: {msg}"
    return raw


def test_a_burst_of_socket_events_over_a_real_websocket_is_limited(live_server: Any) -> None:
    """1,000 `watch` events sent at once from one real WebSocket: 60 are served, the rest are answered
    `rate_limited` without database work; another phone at the same address is served as usual."""
    import json

    import socketio as sio_client

    port, ws_id = live_server["port"], live_server["workshop_id"]
    raw = _raw_socket(port, live_server["join"]())
    burst = 1000
    watch = json.dumps({"workshop_id": ws_id, "since": 0})
    for i in range(burst):
        raw.send(f'42{i}["watch",{watch}]')
    acks: dict[int, Any] = {}
    while len(acks) < burst:
        msg = raw.recv()
        if msg == "2":  # engine.io ping
            raw.send("3")
        elif msg.startswith("43"):
            head, _, payload = msg[2:].partition("[")
            acks[int(head)] = json.loads("[" + payload)[0]
    ok = [i for i, a in acks.items() if a["ok"]]
    limited = [i for i, a in acks.items() if not a["ok"] and a["error"]["code"] == "rate_limited"]
    assert len(ok) == WATCHES_PER_MINUTE
    assert len(ok) + len(limited) == burst
    raw.close()

    other = sio_client.Client(reconnection=False)
    other.connect(live_server["base"], auth={"token": live_server["join"]()}, transports=["websocket"], wait_timeout=10)
    ack = other.call("watch", {"workshop_id": ws_id, "since": 0}, timeout=10)
    assert ack["ok"] and ack["role"] == "participant"
    other.disconnect()


MALFORMED_PACKETS = [
    '42["watch",' + "[" * 5000 + "]" * 5000 + "]",  # nested deeper than the recursion limit
    "42[not json",
    '42["watch"',
    "42{}",  # an event that is not a list
    "42[1]",  # an event without a name
    "4",
    "49x",
]


def test_a_malformed_packet_closes_its_connection_with_one_log_line(live_server: Any) -> None:
    """Each malformed packet used to cost a full traceback in the log (about 1.3 KB for two bytes, as
    often as a client liked); now the connection is closed and the log gets one line."""
    import websocket

    port = live_server["port"]
    token = live_server["join"]()
    for frame in MALFORMED_PACKETS:
        raw = _raw_socket(port, token)
        raw.send(frame)
        closed = False
        try:
            while (msg := raw.recv()) not in ("1", ""):
                if msg == "2":
                    raw.send("3")
            closed = True
        except (websocket.WebSocketConnectionClosedException, ConnectionError):
            closed = True
        assert closed, frame
        raw.close()
    log = live_server["log"].read_text()
    assert "Traceback" not in log, log[-3000:]
    assert log.count("malformed Socket.IO packet") == len(MALFORMED_PACKETS)
    # A well-formed client on the same credential still works.
    raw = _raw_socket(port, token)
    raw.send('421["watch",{"workshop_id":%d}]' % live_server["workshop_id"])
    while not (msg := raw.recv()).startswith("431"):
        pass
    assert '"ok":true' in msg.replace(" ", "")
    raw.close()
