"""The hot path, counted: the SQL statements of one post and one dot (SQLAlchemy's ``before_cursor_execute``
event), so that a change that adds a query to either fails here; and nothing is emitted before its commit.

Counted are the statements of the whole HTTP request except ``BEGIN`` (SQLite's explicit ``BEGIN`` /
``BEGIN IMMEDIATE``; PostgreSQL's is implicit), so the ceilings hold on both databases.
A post: the phone's participant by token, then the write transaction: participant + workshop + group in one
SELECT, the rounds, the sequence number (UPDATE ... RETURNING), the INSERT. A dot: the participant by token,
then participant (locked), rounds, contribution, the participant's own dots, the INSERT; the tally is
recounted only when a push is due (facilitator/realtime/tally_push.py), never per dot beyond that. A phone
joining (the burst of bench/load.py): the API join, the connect and the first ``watch``, each with a ceiling.
And a post and a dot execute the same statement objects every time (built once, not per request).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from helpers import client_id, phone_client, post_from, post_json, watch
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from facilitator.realtime import publish as publish_module
from sessions.contributions.models import Contribution
from sessions.rounds import plan as rounds_plan
from sessions.rounds import service as rounds
from sessions.rounds.models import Vote

POST_STATEMENTS = 5
DOT_STATEMENTS = 6
TALLY_STATEMENTS = 2  # the wall's view (does it show the ranking?) and the GROUP BY
# A phone joining: the API join (workshop by code, group, INSERT, the participant count pushed to the wall
# and facilitators, then the answer's workshop, personas and tables); connecting (the token); watch (the
# workshop, the participant, the rounds once, the last sequence number, the catch-up, the tables' personas).
JOIN_STATEMENTS = 7
CONNECT_STATEMENTS = 1
WATCH_STATEMENTS = 6


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config["RATELIMIT_ENABLED"] = False
    # Once the burst is used, no token comes back within a test however slow the machine: a dot then never
    # pushes (and recounts) in its own request.
    app_config["TALLY_PUSH_INTERVAL"] = 5.0
    return app_config


@contextmanager
def counted(app: Any) -> Iterator[list[str]]:
    """The statements this thread runs (the test client's requests; not a trailing tally push's thread)."""
    engine = app.extensions["pv_engine"]
    seen: list[str] = []
    me = threading.get_ident()

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if threading.get_ident() == me and not statement.lstrip().upper().startswith("BEGIN"):
            seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def post(phone: Any, workshop: Any, group: Any, text: str, cid: str | None = None) -> Any:
    body = {"group_id": group.id, "kind": "need", "text": text, "client_id": cid or client_id()}
    return post_json(phone, f"/w/{workshop.id}/contributions", body)


def test_one_post_runs_five_statements(app, make_client, workshop, sio, logged_in):
    g = workshop.groups[0]
    phone = phone_client(make_client, workshop, g)
    watch(sio(logged_in), workshop.id)
    assert post(phone, workshop, g, "Første").status_code == 201  # the participant takes the table on the first post
    with counted(app) as seen:
        resp = post(phone, workshop, g, "Mentorordning")
    assert resp.status_code == 201
    assert len(seen) <= POST_STATEMENTS, "\n".join(seen)
    assert sum(s.startswith(("INSERT", "UPDATE")) for s in seen) == 2, "\n".join(seen)


def test_a_phone_joins_connects_and_watches_in_a_fixed_number_of_statements(app, make_client, workshop, sio):
    """The join burst's cost per phone (bench/load.py: 1,000 phones join in a burst); watch reads the rounds
    once for the phone's scope, the round and its dots."""
    with counted(app) as joining:
        resp = make_client().post("/api/v1/join", json={"code": workshop.join_code, "group_id": workshop.groups[0].id})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    with counted(app) as connecting:
        phone = sio(auth={"token": resp.get_json()["token"]})
    assert phone.is_connected()
    with counted(app) as watching:
        ack = watch(phone, workshop.id)
    assert ack["ok"] and ack["role"] == "participant" and "ballot" in ack["live"], ack
    assert len(joining) <= JOIN_STATEMENTS, "\n".join(joining)
    assert len(connecting) <= CONNECT_STATEMENTS, "\n".join(connecting)
    assert len(watching) <= WATCH_STATEMENTS, "\n".join(watching)
    assert sum(" FROM rounds" in s for s in watching) == 1, "\n".join(watching)


def test_a_retry_answers_the_stored_post_and_writes_nothing(app, app_db, make_client, workshop):
    g = workshop.groups[0]
    phone = phone_client(make_client, workshop, g)
    cid = client_id()
    first = post(phone, workshop, g, "Mentorordning", cid)
    again = post(phone, workshop, g, "Mentorordning", cid)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["contribution"] == first.get_json()["contribution"]
    app_db.rollback()
    assert len(app_db.scalars(select(Contribution).where(Contribution.client_id == cid)).all()) == 1


@pytest.fixture
def voting_room(app_db: Any, make_client: Any, workshop: Any) -> dict[str, Any]:
    g = workshop.groups[0]
    phones = [phone_client(make_client, workshop, g) for _ in range(3)]
    cards = [post_from(phones[0], workshop, g, f"Innspill {i}")["id"] for i in range(40)]
    r = rounds_plan.add_round(app_db, workshop, rounds_plan.RoundSpec.parse("Prioritering", "", "5", [], True, 3, "all"))
    rounds.start_round(app_db, workshop, r.id)
    return {"phones": phones, "cards": cards}


def test_one_dot_runs_a_constant_number_of_statements(app, workshop, voting_room, sio, logged_in):
    watch(sio(logged_in), workshop.id)
    phone, cards = voting_room["phones"][0], voting_room["cards"]
    url = f"/w/{workshop.id}/votes"
    with counted(app) as first:  # a quiet room: the tally goes out at once
        assert post_json(phone, url, {"contribution_id": cards[0], "dot": True}).status_code == 200
    assert len(first) <= DOT_STATEMENTS + TALLY_STATEMENTS, "\n".join(first)
    for card in cards[1:3]:  # the burst is used up
        post_json(voting_room["phones"][1], url, {"contribution_id": card, "dot": True})
    with counted(app) as busy:  # a busy room: the push is coalesced, the dot recounts nothing
        resp = post_json(phone, url, {"contribution_id": cards[5], "dot": True})
        assert resp.status_code == 200
        resp = post_json(phone, url, {"contribution_id": cards[0], "dot": False})
        assert resp.status_code == 200 and resp.get_json()["ballot"]["voted"] == [cards[5]]
    assert len(busy) <= 2 * DOT_STATEMENTS, "\n".join(busy)
    assert not [s for s in busy if "GROUP BY" in s], "\n".join(busy)


@pytest.fixture
def emits_checked(app: Any, workshop: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every event is checked as it is emitted: another connection must already see its rows."""
    other = app.extensions["pv_sessionmaker"]()
    checked: list[str] = []
    emit = publish_module.socketio.emit

    def emit_after_commit(name: str, payload: Any, **kw: Any) -> Any:
        other.rollback()
        if name == "contribution":
            assert other.get(Contribution, payload["id"]) is not None
        if name == "votes":
            stored = other.scalars(select(Vote.contribution_id).where(Vote.workshop_id == workshop.id)).all()
            assert sorted(map(int, payload["votes"])) == sorted(set(stored))
        checked.append(name)
        return emit(name, payload, **kw)

    monkeypatch.setattr(publish_module.socketio, "emit", emit_after_commit)
    yield checked
    other.close()


def test_a_post_is_emitted_after_its_commit(make_client, workshop, sio, logged_in, emits_checked):
    watch(sio(logged_in), workshop.id)
    phone = phone_client(make_client, workshop, workshop.groups[0])
    assert post(phone, workshop, workshop.groups[0], "Mentorordning").status_code == 201
    assert emits_checked[-2:] == ["contribution", "contribution"]


def test_a_dot_is_emitted_after_its_commit(workshop, voting_room, sio, logged_in, emits_checked):
    watch(sio(logged_in), workshop.id)
    phone = voting_room["phones"][2]
    assert post_json(phone, f"/w/{workshop.id}/votes", {"contribution_id": voting_room["cards"][1], "dot": True}).status_code == 200
    assert emits_checked == ["votes"]


@contextmanager
def statements_made() -> Iterator[list[Any]]:
    """The statement objects the ORM executes in this thread (``do_orm_execute``; a flush's INSERT is not one)."""
    seen: list[Any] = []
    me = threading.get_ident()

    def on_execute(state: Any) -> None:
        if threading.get_ident() == me:
            seen.append(state.statement)

    event.listen(Session, "do_orm_execute", on_execute)
    try:
        yield seen
    finally:
        event.remove(Session, "do_orm_execute", on_execute)


def twice(action: Any) -> tuple[list[Any], list[Any]]:
    runs = []
    for i in range(2):
        with statements_made() as seen:
            action(i)
        runs.append(seen)
    return runs[0], runs[1]


def test_a_post_executes_the_same_statement_objects_every_time(make_client, workshop):
    """Making a statement and its cache key costs 25–110 µs each time, a fifth of a post's CPU in process
    (docs/performance.md, seventh round): the hot path's statements are built once."""
    g = workshop.groups[0]
    phone = phone_client(make_client, workshop, g)
    assert post(phone, workshop, g, "Første").status_code == 201  # the participant takes the table

    def one_post(i: int) -> None:
        assert post(phone, workshop, g, f"Hospitering {i}").status_code == 201

    first, second = twice(one_post)
    # token, poster, rounds, sequence number, and the INSERT (Core: not a flush of the unit of work)
    assert len(first) == len(second) == 5, [str(s) for s in second]
    assert str(second[-1]).startswith("INSERT INTO contributions"), str(second[-1])
    assert all(a is b for a, b in zip(first, second, strict=True)), [str(s) for s in second]


def test_a_dot_executes_the_same_statement_objects_every_time(workshop, voting_room):
    phone, cards = voting_room["phones"][0], voting_room["cards"]

    def one_dot(i: int) -> None:
        assert post_json(phone, f"/w/{workshop.id}/votes", {"contribution_id": cards[i], "dot": True}).status_code == 200

    first, second = twice(one_dot)
    assert len(first) == len(second) >= 4, [str(s) for s in second]
    # A look-up by primary key (Session.get: the voted contribution; the wall's state for a tally push) makes
    # its statement from the mapper's cached clause; every other one is the same object each time.
    made_again = [str(b) for a, b in zip(first, second, strict=True) if a is not b and ":pk_1" not in str(b)]
    assert made_again == [], made_again
