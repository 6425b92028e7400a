"""Series of workshops in the domain (sessions/series/, no Flask): the rules of membership and the series
report's tables against the stored data, deletion, and the role groups' privacy threshold."""

from __future__ import annotations

from collections import Counter

import pytest
from helpers import client_id, make_user, make_workshop
from sqlalchemy import delete, func, select

from sessions.contributions import moderation
from sessions.contributions import service as participation
from sessions.contributions.models import Contribution
from sessions.contributions.roles import OTHER
from sessions.core.errors import AlreadyInSeries, NotFound, ValidationFailed
from sessions.followup import service as followup
from sessions.followup.models import FollowUpStatus
from sessions.models import Base
from sessions.privacy.service import delete_workshop
from sessions.series import service as svc
from sessions.series.models import SeriesWorkshop, WorkshopSeries
from sessions.series.report import series_report
from sessions.tags import service as tags
from sessions.tags.models import MEASURE
from sessions.tags.report import measure_kinds_by_persona
from sessions.workshops.models import WorkshopFacilitator, WorkshopPersona


def snapshot(db):  # type: ignore[no-untyped-def]
    db.rollback()
    return {t.name: sorted(map(tuple, db.execute(select(t)).all()), key=repr) for t in Base.metadata.sorted_tables}


@pytest.fixture
def owner(db):  # type: ignore[no-untyped-def]
    return make_user(db, "eier@kommune.no")


@pytest.fixture
def three(db, owner, persona_library):  # type: ignore[no-untyped-def]
    """Three open workshops of the owner's with the same five library personas."""
    return [make_workshop(db, owner, persona_library, n_groups=5, title=t) for t in ("Nordmøre", "Romsdal", "Sunnmøre")]


@pytest.fixture
def series(db, owner, three):  # type: ignore[no-untyped-def]
    s = svc.create_series(db, owner, svc.SeriesDetails.parse({"name": "Kompetanseløftet 2027"}))
    for ws in three:
        svc.add_workshop(db, s, ws.id)
    return s


def post(db, ws, group_index, text, kind="need", role=None):  # type: ignore[no-untyped-def]
    p, _ = participation.join(db, ws.join_code, None, ws.groups[group_index].id, role)
    c, _ = participation.submit_contribution(db, p, p.group_id, kind, text, client_id())
    return p, c


class TestMembership:
    def test_details_are_checked(self):
        with pytest.raises(ValidationFailed) as e:
            svc.SeriesDetails.parse({"name": "   "})
        assert e.value.field == "name"
        assert svc.SeriesDetails.parse({"name": " Kompetanseløftet   2027 ", "description": None}) == svc.SeriesDetails("Kompetanseløftet 2027", "")

    def test_a_workshop_in_two_series_is_refused_and_nothing_changes(self, db, owner, series, three):
        other = svc.create_series(db, owner, svc.SeriesDetails("Andre runde", ""))
        before = snapshot(db)
        with pytest.raises(AlreadyInSeries) as e:
            svc.add_workshop(db, other, three[0].id)
        assert e.value.params["series"] == "Kompetanseløftet 2027"
        assert snapshot(db) == before
        svc.add_workshop(db, series, three[0].id)  # again into its own series: nothing changes
        assert snapshot(db) == before

    @pytest.mark.parametrize("bad", [None, "x", 0, -3, 2**40, True, 99999])
    def test_bad_or_unknown_workshops_are_refused(self, db, owner, bad):
        s = svc.create_series(db, owner, svc.SeriesDetails("S", ""))
        before = snapshot(db)
        with pytest.raises((NotFound, ValidationFailed)):
            svc.add_workshop(db, s, bad)
        assert snapshot(db) == before

    def test_only_workshops_the_owner_facilitates(self, db, owner, persona_library):
        stranger = make_user(db, "annen@kommune.no")
        theirs = make_workshop(db, stranger, persona_library, n_groups=1)
        s = svc.create_series(db, owner, svc.SeriesDetails("S", ""))
        with pytest.raises(NotFound):
            svc.add_workshop(db, s, theirs.id)
        with pytest.raises(NotFound):
            svc.series_for_owner(db, s.id, stranger)
        assert svc.series_for_owner(db, s.id, owner).id == s.id

    def test_deleting_a_series_keeps_its_workshops(self, db, series, three):
        svc.delete_series(db, series)
        db.rollback()
        assert db.scalar(select(func.count()).select_from(WorkshopSeries)) == 0
        assert db.scalar(select(func.count()).select_from(SeriesWorkshop)) == 0
        assert all(db.get(type(ws), ws.id) is not None for ws in three)

    def test_remove(self, db, series, three):
        svc.remove_workshop(db, series, three[1].id)
        assert [ws.title for ws in svc.workshops_of(db, series)] == ["Nordmøre", "Sunnmøre"]
        with pytest.raises(NotFound):
            svc.remove_workshop(db, series, three[1].id)


class TestReport:
    def test_tables_equal_the_stored_data(self, db, series, three):
        nord, roms, sunn = three
        post(db, nord, 0, "Mentorordning for nye ledere")
        post(db, nord, 0, "Veiledning første år", "solution")
        post(db, nord, 3, "Kurs i velferdsteknologi")
        post(db, roms, 0, "Mentor for nye ledere")
        _, hidden = post(db, roms, 1, "Skjult innspill om noe")
        moderation.hide(db, roms, hidden.id)
        p, gone = post(db, sunn, 2, "Slettet innspill om noe")
        participation.delete_contribution(db, p, gone.id)
        post(db, sunn, 0, "Mentorordning i helse og omsorg")
        post(db, sunn, 4, "Digital kompetanse for lærere", "solution")
        r = series_report(db, series)
        db.rollback()
        ids = [ws.id for ws in three]
        stored = Counter(
            db.execute(
                select(WorkshopPersona.key, Contribution.workshop_id)
                .join(WorkshopPersona, WorkshopPersona.id == Contribution.persona_id)
                .where(Contribution.deleted.is_(False), Contribution.hidden.is_(False), Contribution.merged_into_id.is_(None))
            ).all()
        )
        assert [w.title for w in r.workshops] == ["Nordmøre", "Romsdal", "Sunnmøre"]
        assert {row.key for row in r.personas.rows} == {p.key for p in three[0].personas}
        for row in r.personas.rows:
            assert list(row.counts) == [stored.get((row.key, wid), 0) for wid in ids], row.key
        assert [w.contributions for w in r.workshops] == [3, 1, 2]
        assert [(w.needs, w.solutions) for w in r.workshops] == [(2, 1), (1, 0), (1, 1)]
        assert [w.participants for w in r.workshops] == [3, 2, 3]
        assert r.personas.totals(3) == (3, 1, 2)

    def test_measures_per_workshop_reuse_the_workshop_table(self, db, series, three):
        nord, roms, _ = three
        _, c = post(db, nord, 0, "Mentorordning for nye ledere")
        _, d = post(db, roms, 1, "Kurs i velferdsteknologi")
        for ws, contribution in ((nord, c), (roms, d)):
            measure = next(t for t in tags.vocabulary(db, ws.id) if t.category == MEASURE)
            tags.set_tag(db, ws.id, contribution.id, measure.id)
        r = series_report(db, series)
        for i, ws in enumerate(three):
            table = measure_kinds_by_persona(db, ws.id)
            for label, total in zip(table.measures, table.totals, strict=True):
                row = next((m for m in r.measures.rows if m.label == label), None)
                assert (row.counts[i] if row else 0) == total
        assert r.measures.tagged == (1, 1, 0)

    def test_followup_counts_per_workshop(self, db, series, three):
        followup.add_item(db, three[0], {"text": "Mentorordning"})
        item = followup.add_item(db, three[2], {"text": "Kurs"})
        followup.set_status(db, three[2], item.id, "achieved")
        r = series_report(db, series)
        assert [f.counts[FollowUpStatus.open.value] for f in r.followups] == [1, 0, 0]
        assert [f.counts[FollowUpStatus.achieved.value] for f in r.followups] == [0, 0, 1]
        # The status change is a step of the history, named by its workshop and item.
        assert [(h.workshop_id, h.item, h.step.from_status, h.step.to_status, h.step.meeting) for h in r.followup_history] == [
            (three[2].id, "Kurs", "open", "achieved", "")
        ]

    def test_recurring_themes_name_workshops_and_personas(self, db, series, three):
        for ws in three:
            post(db, ws, 0, "Mentorordning for nye ledere i kommunen")
            post(db, ws, 1, "Mentor for nyansatte ledere")
        r = series_report(db, series)
        assert r.themes
        top = r.themes[0]
        assert top.workshops == ("Nordmøre", "Romsdal", "Sunnmøre") and sum(top.counts) == top.size
        assert set(top.personas) <= {p.name for p in three[0].personas}
        assert [len(t.workshops) for t in r.themes] == sorted((len(t.workshops) for t in r.themes), reverse=True)

    def test_a_deleted_workshop_leaves_the_series_and_its_report(self, db, series, three):
        post(db, three[1], 0, "Mentorordning for nye ledere")
        delete_workshop(db, three[1].id)
        db.rollback()
        assert db.get(SeriesWorkshop, three[1].id) is None
        r = series_report(db, series)
        assert [w.title for w in r.workshops] == ["Nordmøre", "Sunnmøre"]
        assert all(len(row.counts) == 2 for row in r.personas.rows)

    def test_a_workshop_the_owner_no_longer_runs_is_left_out(self, db, owner, series, three):
        new_owner = make_user(db, "ny.eier@kommune.no")
        db.rollback()
        ws = db.get(type(three[0]), three[0].id)
        ws.owner_id = new_owner.id
        db.execute(delete(WorkshopFacilitator).where(WorkshopFacilitator.workshop_id == ws.id, WorkshopFacilitator.user_id == owner.id))
        db.commit()
        assert [w.title for w in series_report(db, series).workshops] == ["Romsdal", "Sunnmøre"]


class TestRolePrivacy:
    def test_no_role_group_under_three_people(self, db, series, three):
        # Two HR people (one in each of two workshops), four employees, one leader, one without a role.
        for ws, role in ((three[0], "hr"), (three[1], "hr"), (three[0], "ansatt"), (three[1], "ansatt"), (three[2], "ansatt"), (three[2], "ansatt"), (three[0], "leder"), (three[1], None)):
            post(db, ws, 0, f"Innspill fra en med rollen {role}", role=role)
        r = series_report(db, series)
        assert all(g.participants >= 3 for g in r.roles.groups)
        roles = {g.role: g for g in r.roles.groups}
        assert roles["ansatt"].participants == 4
        assert "hr" not in roles and "leder" not in roles
        assert roles[OTHER].participants == 4 and sum(g.participants for g in r.roles.groups) == 8

    def test_three_across_the_series_make_a_group_and_a_small_remainder_is_folded(self, db, series, three):
        for ws in three:
            post(db, ws, 0, "Innspill fra en leder", role="leder")
        post(db, three[0], 1, "Innspill fra en uten rolle")
        r = series_report(db, series)
        # Three leaders across the series, one other: the remainder of one cannot stand alone, so the leaders
        # are folded into it, and the only group shown has all four.
        assert [(g.role, g.participants) for g in r.roles.groups] == [(OTHER, 4)]
        assert not r.roles.comparable

    def test_too_few_people_shows_nothing(self, db, series, three):
        post(db, three[0], 0, "Innspill", role="leder")
        post(db, three[1], 0, "Innspill", role="hr")
        r = series_report(db, series)
        assert r.roles.groups == () and r.roles.suppressed
