"""The workshop plan without Flask: the round state machine, the clock, posting windows, late posts, rotation.

The clock is an argument (``now``) everywhere in ``sessions.rounds``; posting reads the real clock, so
those tests start rounds "in the past" to put the deadline where they need it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import client_id, join_participant, make_user, make_workshop
from hypothesis import given, settings
from hypothesis import strategies as st

from sessions.contributions import service as participation
from sessions.contributions.models import Contribution
from sessions.core.base import utcnow
from sessions.core.errors import (
    IllegalTransition,
    KindNotOpen,
    RoundClosed,
    ValidationFailed,
    WorkshopNotOpen,
)
from sessions.rounds import plan as rounds_plan
from sessions.rounds import service as rounds
from sessions.rounds.models import Round, RoundStatus, VoteScope

T0 = dt.datetime(2030, 5, 20, 9, 0, 0)
MIN = dt.timedelta(minutes=1)
SEC = dt.timedelta(seconds=1)


@pytest.fixture
def owner(db):  # type: ignore[no-untyped-def]
    return make_user(db, "plan@kommune.no")


@pytest.fixture
def ws(db, owner, persona_library):  # type: ignore[no-untyped-def]
    return make_workshop(db, owner, persona_library, n_groups=3)


@pytest.fixture
def plan(db, ws):  # type: ignore[no-untyped-def]
    return rounds_plan.add_default_plan(db, ws)


def spec(name="Runde", minutes="10", kinds=("need",), voting=False, dots=5, scope="all"):  # type: ignore[no-untyped-def]
    return rounds_plan.RoundSpec.parse(name, "Skriv ned", minutes, list(kinds), voting, dots, scope)


def post(db, p, group, kind="need", text="Et innspill", typed_at=None):  # type: ignore[no-untyped-def]
    return participation.submit_contribution(db, p, group.id, kind, text, client_id(), typed_at)[0]


def epoch_ms(when: dt.datetime) -> int:
    return int(when.replace(tzinfo=dt.timezone.utc).timestamp() * 1000)


# -- the plan -----------------------------------------------------------------------------------


class TestPlan:
    def test_the_default_plan(self, db, ws, plan):
        assert [(r.name, r.duration_s, r.kinds, r.voting) for r in rounds.plan(db, ws.id)] == [
            ("Kompetansebehov", 600, ["need"], False),
            ("Løsningsforslag", 900, ["solution"], False),
            ("Prioritering", 300, [], True),
            ("Oppsummering", 0, [], False),
        ]
        assert all(r.status == RoundStatus.planned for r in plan)

    def test_the_default_plan_only_for_an_empty_plan(self, db, ws, plan):
        with pytest.raises(IllegalTransition) as err:
            rounds_plan.add_default_plan(db, ws)
        assert err.value.params["reason"] == "plan_not_empty"
        assert len(rounds.plan(db, ws.id)) == 4

    def test_add_rounds_in_order(self, db, ws):
        a = rounds_plan.add_round(db, ws, spec("A"))
        b = rounds_plan.add_round(db, ws, spec("B", minutes="0.5", kinds=("need", "solution")))
        assert [r.name for r in rounds.plan(db, ws.id)] == ["A", "B"]
        assert (a.position, b.position, b.duration_s, b.kinds) == (0, 1, 30, ["need", "solution"])

    @pytest.mark.parametrize(
        ("args", "field", "reason"),
        [
            ({"name": ""}, "round_name", "empty"),
            ({"name": "x" * 81}, "round_name", "too_long"),
            ({"minutes": "-1"}, "duration", "out_of_range"),
            ({"minutes": "241"}, "duration", "out_of_range"),
            ({"minutes": "ti"}, "duration", "not_a_number"),
            ({"minutes": "nan"}, "duration", "not_a_number"),
            ({"kinds": ("idea",)}, "kinds", "unknown_kind"),
            ({"voting": True}, "kinds", "voting_round_takes_no_posts"),
            ({"kinds": (), "voting": True, "dots": 0}, "dots", "out_of_range"),
            ({"kinds": (), "voting": True, "dots": 21}, "dots", "out_of_range"),
            ({"kinds": (), "voting": True, "scope": "everyone"}, "scope", "unknown_scope"),
            ({"voting": "kanskje"}, "voting", "not_a_boolean"),
        ],
    )
    def test_bad_rounds_are_refused(self, args, field, reason):
        with pytest.raises(ValidationFailed) as err:
            spec(**args)
        assert (err.value.field, err.value.reason) == (field, reason)

    def test_started_rounds_keep_their_shape(self, db, ws, plan):
        rounds.start_round(db, ws)
        running = plan[0]
        renamed = rounds_plan.update_round(db, ws, running.id, spec("Behov", minutes="10", kinds=("need",)))
        assert renamed.name == "Behov"
        with pytest.raises(IllegalTransition) as err:
            rounds_plan.update_round(db, ws, running.id, spec("Behov", minutes="20", kinds=("need",)))
        assert err.value.params["reason"] == "round_started"
        with pytest.raises(IllegalTransition):
            rounds_plan.delete_round(db, ws, running.id)
        rounds.end_round(db, ws, running.id)
        with pytest.raises(IllegalTransition) as err:
            rounds_plan.update_round(db, ws, running.id, spec("Behov"))
        assert err.value.params["reason"] == "round_ended"

    def test_voting_setup_may_change_while_the_vote_runs(self, db, ws, plan):
        vote = plan[2]
        rounds.start_round(db, ws, vote.id)
        changed = rounds_plan.update_round(db, ws, vote.id, spec("Prioritering", minutes="5", kinds=(), voting=True, dots=3, scope="group"))
        assert (changed.dots, changed.scope) == (3, VoteScope.group)

    def test_delete_and_move_planned_rounds(self, db, ws, plan):
        rounds_plan.move_round(db, ws, plan[3].id, -1)
        assert [r.name for r in rounds.plan(db, ws.id)] == ["Kompetansebehov", "Løsningsforslag", "Oppsummering", "Prioritering"]
        rounds_plan.delete_round(db, ws, plan[1].id)
        assert [r.name for r in rounds.plan(db, ws.id)] == ["Kompetansebehov", "Oppsummering", "Prioritering"]

    def test_rounds_of_another_workshop_are_not_found(self, db, ws, plan, persona_library):
        other = make_workshop(db, make_user(db), persona_library, n_groups=1)
        from sessions.core.errors import NotFound

        with pytest.raises(NotFound):
            rounds.start_round(db, other, plan[0].id)
        with pytest.raises(NotFound):
            rounds_plan.delete_round(db, other, plan[0].id)


# -- the state machine --------------------------------------------------------------------------


def fresh_round(duration_s: int = 600) -> Round:
    return Round(id=1, name="R", prompt="", duration_s=duration_s, kinds=["need"], voting=False, dots=5, status=RoundStatus.planned)


class TestStateMachine:
    def test_start_stores_a_deadline(self):
        r = fresh_round()
        r.start(T0)
        assert (r.status, r.started_at, r.deadline) == (RoundStatus.running, T0, T0 + 10 * MIN)
        assert r.remaining(T0 + MIN) == 9 * MIN

    def test_pause_keeps_what_is_left_and_resume_sets_a_new_deadline(self):
        r = fresh_round()
        r.start(T0)
        r.pause(T0 + 4 * MIN)
        assert (r.status, r.deadline, r.remaining_ms) == (RoundStatus.paused, None, 6 * 60_000)
        assert r.remaining(T0 + 30 * MIN) == 6 * MIN  # the clock stands still
        r.resume(T0 + 30 * MIN)
        assert (r.status, r.deadline) == (RoundStatus.running, T0 + 36 * MIN)

    def test_extend_adds_two_minutes_running_or_paused(self):
        r = fresh_round()
        r.start(T0)
        r.extend(T0 + MIN, rounds.EXTENSION)
        assert r.deadline == T0 + 12 * MIN
        r.pause(T0 + 2 * MIN)
        r.extend(T0 + 3 * MIN, rounds.EXTENSION)
        assert r.remaining_ms == 12 * 60_000

    def test_time_is_up_without_a_timer_thread(self):
        r = fresh_round()
        r.start(T0)
        assert r.effective_status(T0 + 10 * MIN - SEC) == RoundStatus.running
        assert r.effective_status(T0 + 10 * MIN) == RoundStatus.ended
        assert r.status == RoundStatus.running  # nothing happened in the database yet
        assert r.settle(T0 + 11 * MIN) is True
        assert (r.status, r.ended_at) == (RoundStatus.ended, T0 + 10 * MIN)

    @pytest.mark.parametrize(
        ("action", "reason"),
        [("pause", "round_ended"), ("extend", "round_ended"), ("end", "round_ended"), ("start", "round_not_planned")],
    )
    def test_nothing_after_time_is_up(self, action, reason):
        r = fresh_round()
        r.start(T0)
        with pytest.raises(IllegalTransition) as err:
            if action == "extend":
                r.extend(T0 + 11 * MIN, rounds.EXTENSION)
            else:
                getattr(r, action)(T0 + 11 * MIN)
        assert err.value.params["reason"] == reason

    @pytest.mark.parametrize(
        ("setup", "action", "reason"),
        [
            ([], "pause", "round_not_running"),
            ([], "resume", "round_not_paused"),
            ([], "end", "round_not_running"),
            (["start"], "resume", "round_not_paused"),
            (["start", "pause"], "pause", "round_not_running"),
            (["start", "end"], "end", "round_ended"),
            (["start", "end"], "start", "round_not_planned"),
            (["start", "end"], "resume", "round_ended"),
        ],
    )
    def test_illegal_transitions_are_named(self, setup, action, reason):
        r = fresh_round()
        for i, step in enumerate(setup):
            getattr(r, step)(T0 + i * SEC)
        before = (r.status, r.deadline, r.remaining_ms, r.ended_at)
        with pytest.raises(IllegalTransition) as err:
            getattr(r, action)(T0 + MIN)
        assert err.value.params["reason"] == reason
        assert (r.status, r.deadline, r.remaining_ms, r.ended_at) == before

    def test_a_round_without_a_timer(self):
        r = fresh_round(duration_s=0)
        r.start(T0)
        assert r.deadline is None and r.remaining(T0) is None
        assert r.effective_status(T0 + 24 * 60 * MIN) == RoundStatus.running
        with pytest.raises(IllegalTransition) as err:
            r.extend(T0, rounds.EXTENSION)
        assert err.value.params["reason"] == "no_timer"
        r.end(T0 + MIN)
        assert r.closes_at == T0 + MIN

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.tuples(st.sampled_from(["start", "pause", "resume", "extend", "end"]), st.integers(0, 400)), max_size=12))
    def test_any_sequence_of_controls_keeps_the_round_consistent(self, steps):
        """Whatever facilitators press, and whenever: legal moves follow the machine, illegal ones change nothing."""
        r = fresh_round(duration_s=300)
        now = T0
        for action, gap in steps:
            now += dt.timedelta(seconds=gap)
            before = (r.status, r.deadline, r.remaining_ms, r.ended_at, r.effective_status(now))
            try:
                if action == "extend":
                    r.extend(now, rounds.EXTENSION)
                else:
                    getattr(r, action)(now)
            except IllegalTransition:
                r_after = (r.status, r.deadline, r.remaining_ms, r.ended_at)
                # A refused control may only have stored what the clock had decided (settle).
                assert r_after == before[:4] or (before[4] == RoundStatus.ended and r.status == RoundStatus.ended)
                continue
            status = r.effective_status(now)
            assert status in RoundStatus
            if r.status == RoundStatus.running:
                assert r.deadline is not None and r.remaining_ms is None
            if r.status == RoundStatus.paused:
                assert r.deadline is None and r.remaining_ms is not None and r.remaining_ms >= 0
            if r.status == RoundStatus.ended:
                assert r.ended_at is not None and r.ended_at <= now
            if action == "extend" and before[0] == RoundStatus.running:
                assert r.deadline == before[1] + rounds.EXTENSION


class TestRunning:
    def test_only_one_round_at_a_time(self, db, ws, plan):
        rounds.start_round(db, ws)
        with pytest.raises(IllegalTransition) as err:
            rounds.start_round(db, ws)
        assert err.value.params["reason"] == "another_round_running"

    def test_the_next_round_after_time_is_up(self, db, ws, plan):
        first = rounds.start_round(db, ws, now=T0).round
        second = rounds.start_round(db, ws, now=T0 + 10 * MIN + SEC).round
        assert second.id == plan[1].id
        db.refresh(first)
        assert (first.status, first.ended_at) == (RoundStatus.ended, T0 + 10 * MIN)

    def test_the_plan_can_finish(self, db, ws):
        only = rounds_plan.add_round(db, ws, spec())
        rounds.start_round(db, ws)
        rounds.end_round(db, ws, only.id)
        with pytest.raises(IllegalTransition) as err:
            rounds.start_round(db, ws)
        assert err.value.params["reason"] == "plan_finished"

    def test_only_an_open_workshop_runs_rounds(self, db, owner, persona_library):
        draft = make_workshop(db, owner, persona_library, open_it=False)
        rounds_plan.add_round(db, draft, spec())  # planning before the workshop opens is fine
        with pytest.raises(WorkshopNotOpen):
            rounds.start_round(db, draft)

    def test_the_snapshot_tells_clients_everything_they_need(self, db, ws, plan):
        rounds.start_round(db, ws, now=T0)
        snap = rounds.snapshot(db, ws, now=T0 + MIN)
        assert snap["server_now"] == "2030-05-20T09:01:00.000Z"
        assert snap["next"] == {"id": plan[1].id, "name": "Løsningsforslag"}
        assert snap["groups"] == {str(g.id): g.persona_id for g in ws.groups}
        r = snap["round"]
        assert (r["status"], r["deadline"], r["remaining_ms"], r["kinds"]) == ("running", "2030-05-20T09:10:00.000Z", 540_000, ["need"])
        later = rounds.snapshot(db, ws, now=T0 + 11 * MIN)["round"]
        assert (later["status"], later["timed_out"], later["remaining_ms"]) == ("ended", True, 0)


# -- posting --------------------------------------------------------------------------------------


class TestPosting:
    @pytest.fixture
    def people(self, db, ws):  # type: ignore[no-untyped-def]
        return [join_participant(db, ws, g)[0] for g in ws.groups]

    def test_before_the_plan_starts_both_kinds_are_welcome(self, db, ws, plan, people):
        c = post(db, people[0], ws.groups[0], "solution")
        assert (c.round_id, c.late) == (None, False)

    def test_a_round_takes_its_kinds(self, db, ws, plan, people):
        rounds.start_round(db, ws)
        c = post(db, people[0], ws.groups[0], "need")
        assert (c.round_id, c.late) == (plan[0].id, False)
        with pytest.raises(KindNotOpen):
            post(db, people[0], ws.groups[0], "solution")

    def test_a_paused_round_still_takes_posts(self, db, ws, plan, people):
        rounds.start_round(db, ws)
        rounds.pause_round(db, ws, plan[0].id)
        assert post(db, people[0], ws.groups[0]).round_id == plan[0].id

    def test_between_rounds_and_in_a_vote_nothing_is_posted(self, db, ws, plan, people):
        rounds.start_round(db, ws)
        rounds.end_round(db, ws, plan[0].id)
        with pytest.raises(RoundClosed) as err:
            post(db, people[0], ws.groups[0])
        assert err.value.params["reason"] == "closed"
        rounds.start_round(db, ws, plan[2].id)
        with pytest.raises(KindNotOpen):
            post(db, people[0], ws.groups[0])

    def test_time_is_up_at_the_deadline(self, db, ws, plan, people):
        rounds.start_round(db, ws, now=utcnow() - 10 * MIN - SEC)
        with pytest.raises(RoundClosed) as err:
            post(db, people[0], ws.groups[0])
        assert err.value.params["reason"] == "time_up"
        assert db.query(Contribution).count() == 0

    def test_a_post_typed_before_the_deadline_arrives_late_and_is_kept(self, db, ws, plan, people):
        started = utcnow() - 10 * MIN - 30 * SEC
        rounds.start_round(db, ws, now=started)
        deadline = started + 10 * MIN
        c = post(db, people[1], ws.groups[1], typed_at=epoch_ms(deadline - 2 * SEC))
        assert (c.late, c.round_id, c.persona_id) == (True, plan[0].id, ws.groups[1].persona_id)
        assert c.as_event()["late"] is True
        iso = (deadline - SEC).isoformat() + "Z"
        assert post(db, people[1], ws.groups[1], typed_at=iso).late is True

    @pytest.mark.parametrize("typed", ["after", "none"])
    def test_a_post_typed_after_the_deadline_is_refused(self, db, ws, plan, people, typed):
        started = utcnow() - 10 * MIN - 30 * SEC
        rounds.start_round(db, ws, now=started)
        typed_at = epoch_ms(started + 10 * MIN + SEC) if typed == "after" else None
        with pytest.raises(RoundClosed):
            post(db, people[0], ws.groups[0], typed_at=typed_at)

    def test_the_grace_period_ends(self, db, ws, plan, people):
        started = utcnow() - 10 * MIN - rounds.GRACE - SEC
        rounds.start_round(db, ws, now=started)
        with pytest.raises(RoundClosed):
            post(db, people[0], ws.groups[0], typed_at=epoch_ms(started + MIN))

    def test_a_late_need_still_lands_in_the_next_round(self, db, ws, plan, people):
        """The needs round ended and solutions started at once: a late need belongs to the needs round."""
        rounds.start_round(db, ws)
        rounds.end_round(db, ws, plan[0].id)
        closed_at = utcnow()
        rounds.start_round(db, ws)
        c = post(db, people[0], ws.groups[0], "need", typed_at=epoch_ms(closed_at - SEC))
        assert (c.late, c.round_id) == (True, plan[0].id)
        assert post(db, people[0], ws.groups[0], "solution").round_id == plan[1].id

    @pytest.mark.parametrize("value", ["i går", True, [], {"t": 1}, -5, float("inf"), "x" * 50])
    def test_typed_at_must_be_a_time(self, db, ws, plan, people, value):
        with pytest.raises(ValidationFailed) as err:
            post(db, people[0], ws.groups[0], typed_at=value)
        assert err.value.field == "typed_at"

    def test_a_future_typed_at_counts_as_now(self):
        now = utcnow()
        assert rounds.parse_client_time(epoch_ms(now + 60 * MIN), now) == now

    def test_participants_cannot_change_texts_while_votes_are_cast(self, db, ws, plan, people):
        c = post(db, people[0], ws.groups[0])
        rounds.start_round(db, ws, plan[2].id)
        with pytest.raises(RoundClosed) as err:
            participation.edit_contribution(db, people[0], c.id, "Noe annet")
        assert err.value.params["reason"] == "voting"
        with pytest.raises(RoundClosed):
            participation.delete_contribution(db, people[0], c.id)
        rounds.end_round(db, ws, plan[2].id)
        assert participation.edit_contribution(db, people[0], c.id, "Noe annet").text == "Noe annet"


# -- rotation -------------------------------------------------------------------------------------


class TestRotation:
    def personas(self, db, ws):  # type: ignore[no-untyped-def]
        db.expire_all()
        return [g.persona_id for g in sorted(ws.groups, key=lambda g: g.position)]

    def test_groups_move_on_to_the_next_persona_at_each_posting_round(self, db, ws, plan):
        order = [p.id for p in sorted(ws.personas, key=lambda p: p.position)]
        start = self.personas(db, ws)
        assert start == order  # group i has persona i
        rounds_plan.set_rotation(db, ws, True)
        assert rounds.start_round(db, ws).rotated is False  # the first round keeps the start
        rounds.end_round(db, ws, plan[0].id)
        assert rounds.start_round(db, ws).rotated is True
        assert self.personas(db, ws) == [order[(i + 1) % 3] for i in range(3)]
        rounds.end_round(db, ws, plan[1].id)
        assert rounds.start_round(db, ws).rotated is False  # a vote is not a posting round
        assert self.personas(db, ws) == [order[(i + 1) % 3] for i in range(3)]

    def test_the_history_says_which_group_had_which_persona(self, db, ws, plan):
        rounds_plan.set_rotation(db, ws, True)
        before = self.personas(db, ws)
        for r in plan[:2]:
            rounds.start_round(db, ws, r.id)
            rounds.end_round(db, ws, r.id)
        after = self.personas(db, ws)
        started, table = rounds.history(db, ws.id)
        assert [r.id for r in started] == [plan[0].id, plan[1].id]
        for g, was, now in zip(sorted(ws.groups, key=lambda g: g.position), before, after, strict=True):
            assert table[g.id] == {plan[0].id: was, plan[1].id: now}

    def test_contributions_keep_their_persona(self, db, ws, plan):
        p, _ = join_participant(db, ws, ws.groups[0])
        rounds_plan.set_rotation(db, ws, True)
        rounds.start_round(db, ws)
        first = post(db, p, ws.groups[0], "need")
        rounds.end_round(db, ws, plan[0].id)
        rounds.start_round(db, ws)
        second = post(db, p, ws.groups[0], "solution")
        db.refresh(first)
        assert first.persona_id != second.persona_id
        assert first.group_id == second.group_id

    def test_without_rotation_groups_stay(self, db, ws, plan):
        before = self.personas(db, ws)
        for r in plan[:2]:
            rounds.start_round(db, ws, r.id)
            rounds.end_round(db, ws, r.id)
        assert self.personas(db, ws) == before
