"""Follow-up across meetings (issue 15): the status history of follow-up items and the review meeting
(sessions/followup/review.py), on the review page, in the register and the follow-up report, and through the API.

Every refusal is checked to leave the register and its history as they were.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from helpers import (
    bearer,
    client_id,
    join_participant,
    make_user,
    make_workshop,
    post_form,
)

from sessions.contributions import service as participation
from sessions.core.errors import NotFound, ValidationFailed
from sessions.followup import register as followup_register
from sessions.followup import review
from sessions.followup import service as svc
from sessions.followup.history import history
from sessions.followup.models import FollowUp, FollowUpStatus, FollowUpStatusChange


def _proposal(db: Any, ws: Any, group: Any, text: str) -> Any:
    p, _ = join_participant(db, ws, group)
    c, created = participation.submit_contribution(db, p, group.id, "solution", text, client_id())
    assert created
    return c


def _state(db: Any) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every item's status and every history step, read afresh (to show a refusal changed nothing)."""
    db.rollback()
    db.expire_all()
    items = sorted((f.id, f.status.value, f.updated_at) for f in db.query(FollowUp).all())
    steps = sorted((s.id, s.followup_id, s.to_status.value, s.meeting, s.note) for s in db.query(FollowUpStatusChange).all())
    return items, steps


@pytest.fixture
def two(db: Any, persona_library: dict[str, Any]) -> dict[str, Any]:
    """Two workshops of one owner with two items each, and a stranger's workshop with one."""
    owner = make_user(db)
    a = make_workshop(db, owner, persona_library, n_groups=2)
    b = make_workshop(db, owner, persona_library, n_groups=2)
    other = make_workshop(db, make_user(db), persona_library, n_groups=1)
    items = {
        "a1": svc.add_from_contribution(db, a, _proposal(db, a, a.groups[0], "Mentor for nye rektorer").id),
        "a2": svc.add_item(db, a, svc.parse_changes({"text": "Felles kurs i velferdsteknologi"})),
        "b1": svc.add_item(db, b, svc.parse_changes({"text": "Hospitering mellom kommunene", "status": "next_focus"})),
        "b2": svc.add_item(db, b, svc.parse_changes({"text": "Lederutvikling for nye ledere"})),
        "x": svc.add_item(db, other, svc.parse_changes({"text": "Ikke vårt"})),
    }
    return {"a": a, "b": b, "other": other, **items}


class TestHistory:
    def test_every_change_of_status_is_a_step_and_other_edits_are_not(self, db, two):
        item = two["a2"]
        assert history(db, [two["a"].id]) == {}
        svc.update_followup(db, two["a"], item.id, svc.parse_changes({"responsible": "HR"}))
        assert history(db, [two["a"].id]) == {}
        svc.set_status(db, two["a"], item.id, "not_far_enough")
        svc.set_status(db, two["a"], item.id, "not_far_enough")  # the same again: nothing happened
        svc.set_status(db, two["a"], item.id, "achieved")
        steps = history(db, [two["a"].id])[item.id]
        assert [(s.from_status, s.to_status, s.meeting) for s in steps] == [
            ("open", "not_far_enough", ""),
            ("not_far_enough", "achieved", ""),
        ]

    def test_an_item_created_with_a_status_starts_its_history(self, db, two):
        steps = history(db, [two["b"].id])[two["b1"].id]
        assert [(s.from_status, s.to_status) for s in steps] == [(None, "next_focus")]

    def test_deleting_an_item_deletes_its_history(self, db, two):
        svc.set_status(db, two["a"], two["a2"].id, "achieved")
        svc.delete_followup(db, two["a"], two["a2"].id)
        db.expire_all()
        assert db.query(FollowUpStatusChange).filter_by(followup_id=two["a2"].id).count() == 0


class TestReview:
    def test_a_review_over_two_workshops_records_changes_and_comments(self, db, two):
        decisions = [
            review.parse_decision(two["a1"].id, "achieved", "Tre mentorpar i gang"),
            review.parse_decision(str(two["a2"].id), "open", ""),  # unchanged, no comment: nothing said
            review.parse_decision(two["b1"].id, "next_focus", "Fortsatt viktig"),  # kept, with a comment
            review.parse_decision(two["b2"].id, "not_far_enough"),
        ]
        done = review.review(db, [two["a"], two["b"]], "  Oppfølgingsmøte 12.03.2027 ", decisions)
        assert done.meeting == "Oppfølgingsmøte 12.03.2027" and done.changed == 2 and len(done.steps) == 3
        db.expire_all()
        assert (db.get(FollowUp, two["a1"].id).status, db.get(FollowUp, two["b2"].id).status) == (
            FollowUpStatus.achieved,
            FollowUpStatus.not_far_enough,
        )
        hist = history(db, [two["a"].id, two["b"].id])
        assert two["a2"].id not in hist
        assert [(s.from_status, s.to_status, s.meeting, s.note) for s in hist[two["b1"].id]][-1] == (
            "next_focus", "next_focus", "Oppfølgingsmøte 12.03.2027", "Fortsatt viktig"
        )
        # The follow-up report carries the history of each item.
        reg = followup_register.followups_for_report(db, two["a"].id)
        entry = next(e for e in reg.items if e.id == two["a1"].id)
        assert [(s.to_status, s.note) for s in entry.history] == [("achieved", "Tre mentorpar i gang")]

    @pytest.mark.parametrize(
        ("meeting", "decision", "error"),
        [
            ("", ("a1", "achieved", ""), ValidationFailed),
            ("x" * 121, ("a1", "achieved", ""), ValidationFailed),
            ("Møte", ("x", "achieved", ""), NotFound),  # another facilitator's item
            ("Møte", ("a1", "done", ""), ValidationFailed),
            ("Møte", ("a1", "achieved", "y" * 1001), ValidationFailed),
            ("Møte", ("nope", "achieved", ""), NotFound),
        ],
    )
    def test_a_bad_review_changes_nothing(self, db, two, meeting, decision, error):
        before = _state(db)
        with pytest.raises(error):
            key, status, note = decision
            item_id = two[key].id if key in two else key
            decisions = [review.parse_decision(two["b2"].id, "achieved"), review.parse_decision(item_id, status, note)]
            review.review(db, [two["a"], two["b"]], meeting, decisions)
        assert _state(db) == before

    def test_an_item_decided_twice_is_refused(self, db, two):
        before = _state(db)
        d = review.parse_decision(two["a1"].id, "achieved")
        with pytest.raises(ValidationFailed) as err:
            review.review(db, [two["a"]], "Møte", [d, d])
        assert err.value.reason == "duplicate_item" and _state(db) == before

    def test_a_bad_comment_names_its_item(self, two):
        with pytest.raises(ValidationFailed) as err:
            review.parse_decision(two["a1"].id, "achieved", "y" * 1001)
        assert err.value.params["followup_id"] == two["a1"].id and err.value.field == "note"


# -- the web -----------------------------------------------------------------------------------------


@pytest.fixture
def items(app_db: Any, workshop: Any) -> list[Any]:
    return [
        svc.add_item(app_db, workshop, svc.parse_changes({"text": "Mentorordning for nye rektorer"})),
        svc.add_item(app_db, workshop, svc.parse_changes({"text": "Kurs i velferdsteknologi", "status": "next_focus"})),
    ]


class TestWeb:
    def test_the_review_page_records_a_meeting_and_the_register_shows_the_history(self, logged_in, app_db, workshop, items):
        a, b = items
        page = logged_in.get(f"/workshops/{workshop.id}/followups/review")
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "Gjennomgang på møte" in html
        assert re.search(rf'id="status-{b.id}-next_focus"[^>]*checked', html)  # the current assessment is chosen
        assert 'name="meeting"' in html and "Oppfølgingsmøte" in html
        # The register links to the review.
        assert f"/workshops/{workshop.id}/followups/review" in logged_in.get(f"/workshops/{workshop.id}/followups").get_data(as_text=True)

        form = {
            "meeting": "Oppfølgingsmøte mars",
            "item": [str(a.id), str(b.id)],
            f"status-{a.id}": "achieved",
            f"note-{a.id}": "Alle nye rektorer har mentor",
            f"status-{b.id}": "next_focus",
            f"note-{b.id}": "",
        }
        resp = post_form(logged_in, f"/workshops/{workshop.id}/followups/review", form)
        assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/workshops/{workshop.id}/followups#register")
        app_db.expire_all()
        assert app_db.get(FollowUp, a.id).status == FollowUpStatus.achieved
        register = logged_in.get(f"/workshops/{workshop.id}/followups").get_data(as_text=True)
        assert "Gjennomgangen «Oppfølgingsmøte mars» er lagret" in register
        assert "Oppfølgingsmøte mars" in register and "Alle nye rektorer har mentor" in register
        report = logged_in.get(f"/workshops/{workshop.id}/followups/report").get_data(as_text=True)
        assert "Historikk" in report and "Oppfølgingsmøte mars" in report
        md = logged_in.get(f"/workshops/{workshop.id}/followups.md").get_data(as_text=True)
        assert "**Historikk:**" in md and "Alle nye rektorer har mentor" in md

    def test_a_refused_review_keeps_what_was_typed_and_changes_nothing(self, logged_in, app_db, workshop, items):
        a, b = items
        before = _state(app_db)
        form = {
            "meeting": "Møte",
            "item": [str(a.id), str(b.id)],
            f"status-{a.id}": "achieved",
            f"note-{a.id}": "Skrevet på møtet",
            f"status-{b.id}": "achieved",
            f"note-{b.id}": "z" * 1001,
        }
        resp = post_form(logged_in, f"/workshops/{workshop.id}/followups/review", form)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 422 and "Ingenting ble lagret" in html
        assert f'href="#i{b.id}"' in html and f'id="note-{b.id}-err"' in html
        assert "Skrevet på møtet" in html and re.search(rf'id="status-{a.id}-achieved"[^>]*checked', html)
        assert _state(app_db) == before
        form.update({"meeting": "", f"note-{b.id}": ""})
        resp = post_form(logged_in, f"/workshops/{workshop.id}/followups/review", form)
        assert resp.status_code == 422 and 'id="meeting-err"' in resp.get_data(as_text=True)
        assert _state(app_db) == before

    def test_another_facilitator_cannot_review(self, client, app_db, workshop, items):
        from helpers import login

        stranger = make_user(app_db)
        login(client, stranger.email)
        before = _state(app_db)
        assert client.get(f"/workshops/{workshop.id}/followups/review").status_code == 404
        form = {"meeting": "Møte", "item": [str(items[0].id)], f"status-{items[0].id}": "achieved"}
        assert post_form(client, f"/workshops/{workshop.id}/followups/review", form).status_code == 404
        assert _state(app_db) == before


class TestApi:
    def test_review_and_history(self, client, app_db, workshop, items, api_token):
        a, b = items
        body = {"meeting": "Møte 2", "decisions": [{"followup_id": a.id, "status": "not_far_enough", "note": "Mangler midler"}]}
        resp = client.post(f"/api/v1/workshops/{workshop.id}/followups/review", json=body, headers=bearer(api_token))
        assert resp.status_code == 200, resp.get_json()
        data = resp.get_json()
        assert data["meeting"] == "Møte 2" and data["changed"] == 1
        assert [(s["from_status"], s["to_status"], s["note"]) for s in data["steps"]] == [("open", "not_far_enough", "Mangler midler")]
        hist = client.get(f"/api/v1/workshops/{workshop.id}/followups/{a.id}/history", headers=bearer(api_token)).get_json()
        assert [s["meeting"] for s in hist["history"]] == ["Møte 2"]
        assert client.get(f"/api/v1/workshops/{workshop.id}/followups/999999/history", headers=bearer(api_token)).status_code == 404

    @pytest.mark.parametrize(
        "body",
        [
            {"meeting": "M"},
            {"meeting": "M", "decisions": "all"},
            {"meeting": "M", "decisions": [1]},
            {"meeting": "", "decisions": []},
            {"meeting": "M", "decisions": [{"followup_id": "x", "status": "achieved"}]},
            {"meeting": "M", "decisions": [{"followup_id": 1, "status": None}]},
        ],
    )
    def test_bad_bodies_get_a_stable_code_and_change_nothing(self, client, app_db, workshop, items, api_token, body):
        before = _state(app_db)
        if body.get("decisions") == [{"followup_id": 1, "status": None}]:
            body = {"meeting": "M", "decisions": [{"followup_id": items[0].id, "status": None}]}
        resp = client.post(f"/api/v1/workshops/{workshop.id}/followups/review", json=body, headers=bearer(api_token))
        assert resp.status_code in (400, 404, 422) and resp.get_json()["error"]["code"] in {"bad_json", "validation_failed", "not_found"}
        assert _state(app_db) == before
