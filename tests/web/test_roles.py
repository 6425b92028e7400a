"""Self-declared roles (sessions/roles.py): given at join (form and API), never shown with a contribution,
and aggregated so that no group smaller than three can be singled out -- also not by subtracting the
groups shown from the workshop's totals.
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers import bearer, client_id, make_user, make_workshop, post_form, post_json
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from sessions.contributions import moderation, roles
from sessions.contributions import service as participation
from sessions.contributions.models import Participant
from sessions.contributions.roles import (
    OTHER,
    ROLES,
    RoleTally,
    choose_groups,
    role_differences,
)
from sessions.core.errors import ValidationFailed
from sessions.tags import service as tags

# -- parsing ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [(None, None), ("", None), ("none", None), ("leder", "leder"), (" HR ", "hr")])
def test_parse_role(value: Any, expected: Any) -> None:
    assert roles.parse_role(value) == expected


@pytest.mark.parametrize("value", ["sjef", 3, ["leder"], "leder; drop table"])
def test_unknown_roles_are_refused(value: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        roles.parse_role(value)
    assert (err.value.field, err.value.reason) == ("role", "unknown_role")


# -- the aggregation -------------------------------------------------------------------------------------


@pytest.fixture
def ws(db: Any, persona_library: dict[str, Any]) -> Any:
    return make_workshop(db, make_user(db, "eier@kommune.no"), persona_library, n_groups=2)


def people(db: Any, ws: Any, role: str | None, n: int, *, posts: int = 1, kind: str = "need", tag: str | None = None) -> list[Any]:
    """``n`` participants with ``role``, each posting ``posts`` contributions (tagged ``tag``)."""
    out = []
    for _ in range(n):
        p, _token = participation.join(db, ws.join_code, None, ws.groups[0].id, role)
        for i in range(posts):
            c, _ = participation.submit_contribution(db, p, ws.groups[0].id, kind, f"Innspill nummer {i}", client_id())
            if tag is not None:
                tags.set_tag(db, ws.id, c.id, next(t.id for t in tags.vocabulary(db, ws.id) if t.label == tag), True)
        out.append(p)
    return out


def shown(diff: roles.RoleDifferences) -> dict[str, int]:
    return {g.role: g.participants for g in diff.groups}


class TestRoleDifferences:
    def test_nobody_declared(self, db: Any, ws: Any) -> None:
        people(db, ws, None, 4)
        diff = role_differences(db, ws.id)
        assert not diff.declared and not diff.comparable and not diff.suppressed
        assert shown(diff) == {OTHER: 4}

    def test_fewer_than_three_people_in_all_is_suppressed(self, db: Any, ws: Any) -> None:
        people(db, ws, "leder", 1)
        people(db, ws, None, 1)
        diff = role_differences(db, ws.id)
        assert diff.groups == () and diff.suppressed and diff.declared

    def test_an_empty_workshop(self, db: Any, ws: Any) -> None:
        diff = role_differences(db, ws.id)
        assert diff.groups == () and not diff.suppressed and not diff.declared

    def test_exactly_three_leaders_are_shown(self, db: Any, ws: Any) -> None:
        people(db, ws, "leder", 3, posts=2, kind="solution", tag="lederopplæring")
        people(db, ws, None, 3)
        diff = role_differences(db, ws.id)
        assert shown(diff) == {"leder": 3, OTHER: 3} and diff.comparable
        leaders = diff.groups[0]
        assert (leaders.needs, leaders.solutions, leaders.contributions) == (0, 6, 6)
        i = diff.measures.index("lederopplæring")
        assert leaders.measure_counts[i] == 6 and leaders.measure_shares[i] == 1.0
        rest = diff.groups[1]
        assert rest.needs == 3 and rest.measure_shares[i] == 0.0
        assert sum(leaders.persona_counts) == 6 and leaders.persona_shares[0] == 1.0

    def test_two_leaders_are_counted_with_the_others(self, db: Any, ws: Any) -> None:
        people(db, ws, "leder", 2)
        people(db, ws, "ansatt", 3)
        people(db, ws, None, 1)
        diff = role_differences(db, ws.id)
        # 2 leaders + 1 who gave no role = a remainder of 3: both groups can be shown.
        assert shown(diff) == {"ansatt": 3, OTHER: 3}
        assert "leder" not in shown(diff)

    def test_a_remainder_of_one_takes_in_the_smallest_role(self, db: Any, ws: Any) -> None:
        people(db, ws, "leder", 4)
        people(db, ws, "ansatt", 3)
        people(db, ws, None, 1)
        diff = role_differences(db, ws.id)
        # Hiding the one alone would not do: totals minus leaders minus employees would be that person.
        assert shown(diff) == {"leder": 4, OTHER: 4} and not diff.suppressed
        assert sum(g.participants for g in diff.groups) == 8

    def test_two_small_roles_and_nothing_else(self, db: Any, ws: Any) -> None:
        people(db, ws, "leder", 2)
        people(db, ws, "hr", 2)
        diff = role_differences(db, ws.id)
        assert shown(diff) == {OTHER: 4} and not diff.comparable

    def test_one_small_role_next_to_one_big_one_hides_both(self, db: Any, ws: Any) -> None:
        people(db, ws, "ansatt", 5)
        people(db, ws, "hr", 1)
        diff = role_differences(db, ws.id)
        assert shown(diff) == {OTHER: 6} and not diff.comparable

    def test_three_leaders_of_whom_one_wrote_are_not_shown(self, db: Any, ws: Any) -> None:
        people(db, ws, "leder", 1)
        people(db, ws, "leder", 2, posts=0)
        people(db, ws, None, 4)
        diff = role_differences(db, ws.id)
        # The leaders' contributions would be one leader's: they go with the others.
        assert shown(diff) == {OTHER: 7}
        # Three leaders who wrote nothing at all reveal nothing: shown, with zeros.
        people(db, ws, "mellomleder", 3, posts=0)
        assert shown(role_differences(db, ws.id)) == {"mellomleder": 3, OTHER: 7}

    def test_only_visible_contributions_count(self, db: Any, ws: Any) -> None:
        leaders = people(db, ws, "leder", 3, posts=3)
        people(db, ws, None, 3)
        mine = participation.contributions(db, ws.id)
        by_leader = [c for c in mine if c.participant_id == leaders[0].id]
        moderation.hide(db, ws, by_leader[0].id)
        participation.delete_contribution(db, leaders[0], by_leader[1].id)
        diff = role_differences(db, ws.id)
        assert diff.groups[0].role == "leder" and diff.groups[0].needs == 7
        # Once that leader has nothing visible left, the leaders' figures would be two people's: merged.
        participation.delete_contribution(db, leaders[0], by_leader[2].id)
        assert shown(role_differences(db, ws.id)) == {OTHER: 6}

    def test_a_role_never_travels_with_a_contribution(self, db: Any, ws: Any) -> None:
        (p,) = people(db, ws, "tillitsvalgt", 1)
        for c in participation.contributions(db, ws.id, include_hidden=True):
            for event in (c.as_event(), c.as_event(staff=True)):
                assert "role" not in event and "tillitsvalgt" not in repr(event)
        assert db.get_one(Participant, p.id).role == "tillitsvalgt"


# -- the rule itself, over every kind of room -----------------------------------------------------------


def tally(participants: range, contributors: int) -> RoleTally:
    ids = set(participants)
    return RoleTally(participants=ids, contributors=set(sorted(ids)[:contributors]), measures=[0], personas=[0])


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=len(ROLES) + 1, max_size=len(ROLES) + 1),
    st.integers(2, 4),
)
def test_no_group_and_no_difference_is_smaller_than_k(sizes: list[tuple[int, int]], k: int) -> None:
    """For any room: every group shown, and everyone not shown on their own role, is 0 or at least k
    participants, with 0 or at least k of them contributing."""
    tallies: dict[str, RoleTally] = {}
    start = 0
    for role, (n, writing) in zip((*ROLES, OTHER), sizes, strict=True):
        tallies[role] = tally(range(start, start + n), min(writing, n))
        start += n
    snapshot = {r: (set(t.participants), set(t.contributors)) for r, t in tallies.items()}
    named, rest, suppressed = choose_groups(tallies, k)
    assert {r: (t.participants, t.contributors) for r, t in tallies.items()} == snapshot  # inputs untouched

    everyone = set().union(*(t.participants for t in tallies.values()))
    writers = set().union(*(t.contributors for t in tallies.values()))
    for r in named:
        assert len(tallies[r].participants) >= k and (not tallies[r].contributors or len(tallies[r].contributors) >= k)
    # What the totals minus the named groups reveal: the remainder.
    hidden_people = everyone - set().union(set(), *(tallies[r].participants for r in named))
    hidden_writers = writers - set().union(set(), *(tallies[r].contributors for r in named))
    assert hidden_people == rest.participants and hidden_writers == rest.contributors
    if hidden_people:
        if suppressed:
            assert not named  # suppressed only when it is everybody: nothing to subtract from
        else:
            assert len(hidden_people) >= k and (not hidden_writers or len(hidden_writers) >= k)


# -- the web: join form, API, pages --------------------------------------------------------------------------


def count_participants(app: Any) -> int:
    s = app.extensions["pv_sessionmaker"]()
    try:
        return s.scalar(select(func.count()).select_from(Participant)) or 0
    finally:
        s.close()


def role_of_last(app: Any) -> Any:
    s = app.extensions["pv_sessionmaker"]()
    try:
        return s.scalars(select(Participant.role).order_by(Participant.id.desc())).first()
    finally:
        s.close()


class TestJoin:
    def test_the_join_forms_offer_the_roles(self, client: Any, workshop: Any) -> None:
        for url in ("/join", f"/j/{workshop.join_code}"):
            html = client.get(url).get_data(as_text=True)
            assert '<select id="role" name="role" aria-describedby="role-hint">' in html
            assert '<option value="">Vil ikke oppgi</option>' in html
            for key in ROLES:
                assert f'<option value="{key}">' in html
        assert '<option value="mellomleder">Mellomleiar</option>' in client.get("/join?lang=nn").get_data(as_text=True)

    def test_join_with_and_without_a_role(self, app: Any, make_client: Any, workshop: Any) -> None:
        c = make_client()
        assert post_form(c, "/join", {"code": workshop.join_code, "role": "tillitsvalgt"}).status_code == 302
        assert role_of_last(app) == "tillitsvalgt"
        c = make_client()
        assert post_form(c, "/join", {"code": workshop.join_code, "role": ""}).status_code == 302
        assert role_of_last(app) is None

    def test_an_unknown_role_is_refused_and_nothing_is_stored(self, app: Any, make_client: Any, workshop: Any) -> None:
        before = count_participants(app)
        resp = post_form(make_client(), "/join", {"code": workshop.join_code, "role": "sjef"})
        assert resp.status_code == 422
        assert "Velg en av rollene i lista, eller «Vil ikke oppgi»." in resp.get_data(as_text=True)
        resp = make_client().post("/api/v1/join", json={"code": workshop.join_code, "role": "sjef"})
        assert resp.status_code == 422 and resp.get_json()["error"]["field"] == "role"
        assert count_participants(app) == before

    def test_the_api_takes_a_role_and_never_gives_it_back(self, app: Any, client: Any, api_token: str, workshop: Any) -> None:
        resp = client.post("/api/v1/join", json={"code": workshop.join_code, "role": "tillitsvalgt", "group_id": workshop.groups[0].id})
        assert resp.status_code == 201 and "role" not in resp.get_json() and '"tillitsvalgt"' not in resp.get_data(as_text=True)
        assert role_of_last(app) == "tillitsvalgt"
        token = resp.get_json()["token"]
        made = client.post(
            f"/api/v1/workshops/{workshop.id}/contributions",
            json={"group_id": workshop.groups[0].id, "kind": "need", "text": "Et behov", "client_id": client_id()},
            headers=bearer(token),
        )
        assert made.status_code == 201 and "role" not in made.get_json()
        for tok in (token, api_token):
            listed = client.get(f"/api/v1/workshops/{workshop.id}/contributions", headers=bearer(tok)).get_json()
            assert all("role" not in c for c in listed["contributions"])

    def test_the_vocabulary_page_shows_role_groups_only_when_big_enough(
        self, app: Any, make_client: Any, logged_in: Any, workshop: Any
    ) -> None:
        g = workshop.groups[0]

        def join_and_post(role: str) -> None:
            c = make_client()
            assert post_form(c, "/join", {"code": workshop.join_code, "role": role}).status_code == 302
            resp = post_json(c, f"/w/{workshop.id}/contributions", {"group_id": g.id, "kind": "need", "text": f"Fra {role}", "client_id": client_id()})
            assert resp.status_code == 201

        for role in ("leder", "leder", "ansatt"):
            join_and_post(role)
        html = logged_in.get(f"/workshops/{workshop.id}/tags").get_data(as_text=True)
        assert "data-role-table" not in html and "Det er for få personer i hver rollegruppe" in html
        join_and_post("leder")
        join_and_post("")
        join_and_post("")
        html = logged_in.get(f"/workshops/{workshop.id}/tags").get_data(as_text=True)
        assert 'data-role="leder"' in html and 'data-role="other"' in html and 'data-role="ansatt"' not in html
        # The dashboard never shows a role.
        live = logged_in.get(f"/workshops/{workshop.id}/live").get_data(as_text=True)
        assert "data-role=\"leder\"" not in live and ">Leder<" not in live
