"""Tallies after dots (facilitator/realtime/tally_push.py): pushed coalesced, and what was pushed last always
equals a full recount from the database, whatever dots, hides and merges came before (Hypothesis)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from helpers import (
    phone_client,
    post_form,
    post_from,
    post_json,
    settle_pushes,
    watch,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, update

from sessions.contributions import service as participation
from sessions.contributions.models import Contribution
from sessions.core.changes import VotesChanged
from sessions.core.store import write_transaction
from sessions.rounds import plan as rounds_plan
from sessions.rounds import service as rounds
from sessions.rounds import voting
from sessions.rounds.models import Vote


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # Hundreds of dots from three phones within a test: the per-participant limit is tested in test_control.py.
    app_config["RATELIMIT_ENABLED"] = False
    return app_config


@pytest.fixture
def room(app: Any, app_db: Any, make_client: Any, logged_in: Any, workshop: Any, sio: Any) -> dict[str, Any]:
    """Three phones, four contributions, a running vote over every table (3 dots each), a watching facilitator."""
    g1, g2, _g3 = workshop.groups
    phones = [phone_client(make_client, workshop, g) for g in (g1, g2, g1)]
    cards = [post_from(phones[i % 2], workshop, (g1, g2)[i % 2], f"Innspill {i}")["id"] for i in range(4)]
    r = rounds_plan.add_round(app_db, workshop, rounds_plan.RoundSpec.parse("Prioritering", "", "5", [], True, 3, "all"))
    rounds.start_round(app_db, workshop, r.id)
    fac = sio(logged_in)
    assert watch(fac, workshop.id)["ok"] is True
    fac.get_received()
    return {"phones": phones, "cards": cards, "fac": fac}


def pushes(fac: Any) -> list[dict[str, int]]:
    return [e["args"][0]["votes"] for e in fac.get_received() if e["name"] == "votes"]


def recount(app_db: Any, workshop_id: int) -> dict[str, int]:
    app_db.rollback()
    return {str(k): v for k, v in voting.vote_counts(app_db, workshop_id).items()}


def test_many_quick_dots_give_few_pushes_and_the_last_is_exact(app, app_db, workshop, room):
    interval = app.config["TALLY_PUSH_INTERVAL"]
    started = time.monotonic()
    n = 0
    for _ in range(4):  # put on and take back, three phones, four cards: 96 dots in well under a second
        for give in (True, False):
            for phone in room["phones"]:
                for card in room["cards"][:3]:
                    resp = post_json(phone, f"/w/{workshop.id}/votes", {"contribution_id": card, "dot": give})
                    assert resp.status_code == 200, resp.get_json()
                    n += 1
    for phone in room["phones"]:
        post_json(phone, f"/w/{workshop.id}/votes", {"contribution_id": room["cards"][3], "dot": True})
    elapsed = time.monotonic() - started
    settle_pushes(app, workshop.id)
    got = pushes(room["fac"])
    allowed = app.config["TALLY_PUSH_BURST"] + elapsed / interval + 2
    assert 1 <= len(got) <= allowed, (len(got), n, elapsed)
    assert got[-1] == recount(app_db, workshop.id) == {str(room["cards"][3]): 3}


def test_a_single_dot_in_a_quiet_room_is_pushed_at_once(app, app_db, workshop, room):
    resp = post_json(room["phones"][0], f"/w/{workshop.id}/votes", {"contribution_id": room["cards"][0], "dot": True})
    assert resp.status_code == 200
    assert pushes(room["fac"]) == [{str(room["cards"][0]): 1}]


def test_a_join_burst_gives_few_participant_counts_and_the_last_is_exact(app, app_db, workshop, room, make_client):
    """Joins ask for a participant-count push through the same throttle (publish.PARTICIPANT_PUSH): a burst
    of joins gives at most the burst plus one a tick, and the count last pushed is the real one."""
    settle_pushes(app, workshop.id)
    room["fac"].get_received()
    interval = app.config["TALLY_PUSH_INTERVAL"]
    started = time.monotonic()
    for _ in range(20):
        assert post_form(make_client(), "/join", {"code": workshop.join_code}).status_code == 302
    elapsed = time.monotonic() - started
    settle_pushes(app, workshop.id)
    got = [e["args"][0]["count"] for e in room["fac"].get_received() if e["name"] == "participants"]
    assert 1 <= len(got) <= app.config["TALLY_PUSH_BURST"] + elapsed / interval + 2, (len(got), elapsed)
    app_db.rollback()
    assert got[-1] == participation.participant_count(app_db, workshop.id) == 23  # the room's three and 20


# (step, phone or card, card): a dot put on or taken back by a phone, or a facilitator's hide/unhide/merge/unmerge.
STEPS = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["cast", "withdraw"]), st.integers(0, 2), st.integers(0, 3)),
        st.tuples(st.sampled_from(["hide", "unhide", "unmerge"]), st.integers(0, 3), st.just(0)),
        st.tuples(st.just("merge"), st.integers(0, 3), st.integers(0, 3)),
    ),
    min_size=1,
    max_size=14,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_the_pushed_tally_always_equals_a_recount(app, app_db, logged_in, workshop, room, steps):
    # One workshop for all examples, with the push interval short so that waiting for the trailing push is quick.
    push_cfg = app.config["TALLY_PUSH_INTERVAL"]
    app.config["TALLY_PUSH_INTERVAL"] = 0.02
    app.extensions.pop("pv_tally_push", None)
    try:
        with write_transaction(app_db):
            app_db.execute(delete(Vote).where(Vote.workshop_id == workshop.id))
            app_db.execute(
                update(Contribution).where(Contribution.workshop_id == workshop.id).values(hidden=False, merged_into_id=None)
            )
        from facilitator.realtime.publish import publish

        with app.test_request_context():
            publish(VotesChanged(workshop.id))
        settle_pushes(app, workshop.id)
        last = (pushes(room["fac"]) or [None])[-1]
        assert last == recount(app_db, workshop.id) == {}
        cards, base = room["cards"], f"/workshops/{workshop.id}/contributions"
        for step, a, b in steps:
            if step in ("cast", "withdraw"):
                body = {"contribution_id": cards[b], "dot": step == "cast"}
                post_json(room["phones"][a], f"/w/{workshop.id}/votes", body)
            elif step == "merge":
                post_json(logged_in, f"{base}/{cards[a]}/merge", {"into": cards[b]})
            else:
                post_json(logged_in, f"{base}/{cards[a]}/{step}", {})
            settle_pushes(app, workshop.id)
            last = ([last, *pushes(room["fac"])])[-1]
            assert last == recount(app_db, workshop.id), (step, a, b)
    finally:
        app.config["TALLY_PUSH_INTERVAL"] = push_cfg
        app.extensions.pop("pv_tally_push", None)
