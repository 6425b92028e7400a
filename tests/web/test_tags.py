"""Tags (sessions/tags.py, facilitator/tagging.py): the built-in vocabulary, per-workshop editing, one-tap
tagging of one's own posts and facilitators tagging any, the live ``contribution`` event with ``tags``,
the report's tables, and the JSON API. Every refused request is checked to leave the database as it was.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from helpers import (
    bearer,
    client_id,
    csrf_token,
    join_participant,
    login,
    make_user,
    make_workshop,
    phone_client,
    post_form,
    post_json,
)
from sqlalchemy import select

from sessions.contributions import moderation
from sessions.contributions import service as participation
from sessions.contributions.models import Contribution
from sessions.core.errors import (
    NotFound,
    NotYourContribution,
    TagExists,
    TagInUse,
    UnknownTag,
    ValidationFailed,
    WorkshopNotOpen,
)
from sessions.models import Base
from sessions.report.build import build_report
from sessions.tags import models as tags_models
from sessions.tags import report as tags_report
from sessions.tags import service as tags
from sessions.tags.models import ContributionTag, Tag

# -- helpers -----------------------------------------------------------------------------------------------


def snapshot(session_factory: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, read in a fresh session."""
    s = session_factory()
    try:
        return {t.name: sorted((tuple(r) for r in s.execute(select(t)).all()), key=repr) for t in Base.metadata.sorted_tables}
    finally:
        s.close()


def tag_id(db: Any, ws: Any, label: str) -> int:
    db.rollback()  # read what other sessions committed
    return next(t.id for t in tags.vocabulary(db, ws.id) if t.label == label)


def post(db: Any, p: Any, group: Any, text: str, kind: str = "need") -> Contribution:
    c, created = participation.submit_contribution(db, p, group.id, kind, text, client_id())
    assert created
    return c


def labels_of(db: Any, contribution_id: int) -> list[str]:
    db.rollback()  # a fresh read (the web requests wrote through their own sessions)
    db.expire_all()
    return [t["label"] for t in db.get_one(Contribution, contribution_id).tags]


@pytest.fixture
def owner(db: Any) -> Any:
    return make_user(db, "eier@kommune.no")


@pytest.fixture
def ws(db: Any, owner: Any, persona_library: dict[str, Any]) -> Any:
    return make_workshop(db, owner, persona_library, n_groups=3)


@pytest.fixture
def other(db: Any, persona_library: dict[str, Any]) -> Any:
    return make_workshop(db, make_user(db, "annen@kommune.no"), persona_library, n_groups=2, title="Annen samling")


# -- the vocabulary ----------------------------------------------------------------------------------------


class TestVocabulary:
    def test_the_default_is_complete_and_in_order(self, db: Any, ws: Any) -> None:
        vocab = tags.vocabulary(db, ws.id)
        by_cat = {c: [t.label for t in vocab if t.category == c] for c in tags_models.CATEGORIES}
        # research/domain.md 2.2 (kinds of measure named in the issue), 2.4 (levels), 2.3 (Lai's need types)
        for label in (
            "kurs", "samlingsbasert utdanning", "e-læring", "hospitering", "jobbrotasjon", "mentor/veiledning",
            "nettverk", "praksis/trainee", "rekruttering", "lederopplæring", "organisatorisk grep",
        ):
            assert label in by_cat["measure"], label
        assert by_cat["level"] == ["individ", "gruppe/avdeling", "organisasjon", "interkommunalt"]
        assert by_cat["need"] == ["anskaffe", "utvikle", "mobilisere", "avvikle"]
        assert by_cat["measure"] == list(tags_models.DEFAULT_VOCABULARY["measure"])
        assert [t.category for t in vocab] == sorted((t.category for t in vocab), key=tags_models.CATEGORIES.index)
        assert all(1 <= len(t.label) <= tags_models.MAX_LABEL for t in vocab)

    def test_every_way_of_making_a_workshop_gets_its_own_copy(self, db: Any, ws: Any, other: Any, owner: Any) -> None:
        from sessions.archive import service as archive

        imported = archive.import_archive(db, archive.export_archive(db, ws.id), owner)
        for w in (ws, other, imported):
            assert [(t.category, t.label) for t in tags.vocabulary(db, w.id)] == [(c, lab) for c, lab, _ in tags_models.default_tags()]
        ids = [{t.id for t in tags.vocabulary(db, w.id)} for w in (ws, other, imported)]
        assert not (ids[0] & ids[1]) and not (ids[0] & ids[2])

    def test_add_rename_move_remove(self, db: Any, ws: Any) -> None:
        new = tags.add_tag(db, ws, "measure", "  studiebesøk  ")
        assert (new.category, new.label) == ("measure", "studiebesøk")
        assert [t.label for t in tags.vocabulary(db, ws.id) if t.category == "measure"][-1] == "studiebesøk"
        tags.rename_tag(db, ws, new.id, "Studiebesøk og ekskursjon")
        tags.move_tag(db, ws, new.id, offset=-1)
        measure = [t.label for t in tags.vocabulary(db, ws.id) if t.category == "measure"]
        assert measure[-2:] == ["Studiebesøk og ekskursjon", "organisatorisk grep"]
        tags.move_tag(db, ws, new.id, position=0)
        assert [t.label for t in tags.vocabulary(db, ws.id) if t.category == "measure"][:2] == ["Studiebesøk og ekskursjon", "kurs"]
        tags.remove_tag(db, ws, new.id)
        assert "Studiebesøk og ekskursjon" not in [t.label for t in tags.vocabulary(db, ws.id)]

    def test_editing_one_workshop_leaves_the_other_alone(self, db: Any, ws: Any, other: Any) -> None:
        before = [(t.id, t.category, t.label, t.position) for t in tags.vocabulary(db, other.id)]
        tags.add_tag(db, ws, "level", "region")
        tags.rename_tag(db, ws, tag_id(db, ws, "kurs"), "kortkurs")
        tags.remove_tag(db, ws, tag_id(db, ws, "avvikle"))
        tags.move_tag(db, ws, tag_id(db, ws, "individ"), offset=1)
        db.expire_all()
        assert [(t.id, t.category, t.label, t.position) for t in tags.vocabulary(db, other.id)] == before
        # Another workshop's tag cannot be edited through this one.
        with pytest.raises(UnknownTag):
            tags.rename_tag(db, ws, tag_id(db, other, "kurs"), "x")
        with pytest.raises(UnknownTag):
            tags.remove_tag(db, ws, tag_id(db, other, "kurs"), confirm=True)

    @pytest.mark.parametrize(
        ("category", "label", "field", "reason"),
        [
            ("measure", "", "label", "empty"),
            ("measure", "x" * 41, "label", "too_long"),
            ("measure", 42, "label", "not_text"),
            ("measure", " \n\t ", "label", "empty"),
            ("sector", "helse", "category", "unknown_category"),
            (None, "helse", "category", "unknown_category"),
        ],
    )
    def test_bad_vocabulary_input_changes_nothing(self, db: Any, engine: Any, ws: Any, category: Any, label: str, field: str, reason: str) -> None:
        from sessions.core.store import make_session_factory

        before = snapshot(make_session_factory(engine))
        with pytest.raises(ValidationFailed) as err:
            tags.add_tag(db, ws, category, label)
        assert (err.value.field, err.value.reason) == (field, reason)
        assert snapshot(make_session_factory(engine)) == before

    def test_labels_are_unique_within_a_category_ignoring_case(self, db: Any, engine: Any, ws: Any) -> None:
        from sessions.core.store import make_session_factory

        before = snapshot(make_session_factory(engine))
        with pytest.raises(TagExists):
            tags.add_tag(db, ws, "measure", "  KURS ")
        kurs = tag_id(db, ws, "kurs")
        with pytest.raises(TagExists):
            tags.rename_tag(db, ws, kurs, "e-LÆRING")
        assert snapshot(make_session_factory(engine)) == before
        # The same label in another category is fine, and so is renaming a tag to itself in other case.
        tags.add_tag(db, ws, "need", "kurs")
        assert tags.rename_tag(db, ws, kurs, "Kurs").tag.label == "Kurs"

    def test_a_workshop_has_at_most_max_tags(self, db: Any, ws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(tags, "MAX_TAGS", len(tags.vocabulary(db, ws.id)) + 1)
        tags.add_tag(db, ws, "level", "region")
        with pytest.raises(ValidationFailed) as err:
            tags.add_tag(db, ws, "level", "stat")
        assert err.value.reason == "too_many_tags"

    def test_removing_a_tag_in_use_asks_first_then_removes_its_uses(self, db: Any, ws: Any) -> None:
        p, _ = join_participant(db, ws, ws.groups[0])
        c1 = post(db, p, ws.groups[0], "Mentorordning for nyansatte")
        c2 = post(db, p, ws.groups[0], "Kurs i velferdsteknologi", "solution")
        kurs = tag_id(db, ws, "kurs")
        tags.set_tag(db, ws.id, c1.id, kurs, True)
        tags.set_tag(db, ws.id, c2.id, kurs, True)
        tags.set_tag(db, ws.id, c2.id, tag_id(db, ws, "individ"), True)
        seq = participation.last_seq(db, ws.id)
        with pytest.raises(TagInUse) as err:
            tags.remove_tag(db, ws, kurs)
        assert err.value.params["uses"] == 2
        assert participation.last_seq(db, ws.id) == seq
        assert labels_of(db, c2.id) == ["kurs", "individ"]
        result = tags.remove_tag(db, ws, kurs, confirm=True)
        assert sorted(c.id for c in result.changed) == [c1.id, c2.id]
        assert all(c.seq > seq for c in result.changed)
        assert labels_of(db, c1.id) == [] and labels_of(db, c2.id) == ["individ"]
        assert db.scalar(select(Tag).where(Tag.id == kurs)) is None
        assert db.scalars(select(ContributionTag).where(ContributionTag.tag_id == kurs)).all() == []
        # The changes reach a client catching up.
        caught = {c.id: c.as_event()["tags"] for c in participation.changes_since(db, ws.id, seq)}
        assert caught == {c1.id: [], c2.id: [{"id": tag_id(db, ws, "individ"), "label": "individ", "category": "level"}]}

    def test_renaming_a_tag_in_use_renews_the_contributions_that_carry_it(self, db: Any, ws: Any) -> None:
        p, _ = join_participant(db, ws, ws.groups[0])
        c = post(db, p, ws.groups[0], "Hospitering i nabokommunen", "solution")
        tags.set_tag(db, ws.id, c.id, tag_id(db, ws, "hospitering"), True)
        seq = participation.last_seq(db, ws.id)
        result = tags.rename_tag(db, ws, tag_id(db, ws, "hospitering"), "hospitering/jobbskygging")
        assert [x.id for x in result.changed] == [c.id]
        assert [x.as_event()["tags"][0]["label"] for x in participation.changes_since(db, ws.id, seq)] == ["hospitering/jobbskygging"]


# -- tagging -------------------------------------------------------------------------------------------


class TestTagging:
    def test_a_participant_tags_their_own_post(self, db: Any, ws: Any) -> None:
        p, _ = join_participant(db, ws, ws.groups[0])
        c = post(db, p, ws.groups[0], "Lederopplæring i endringsledelse", "solution")
        seq = c.seq
        result = tags.set_tag(db, ws.id, c.id, str(tag_id(db, ws, "lederopplæring")), "1", participant=p)
        assert result.changed and result.contribution.seq > seq
        assert result.contribution.updated_at is None  # tagging is not an edit of the text
        tags.set_tag(db, ws.id, c.id, tag_id(db, ws, "organisasjon"), True, participant=p)
        assert labels_of(db, c.id) == ["lederopplæring", "organisasjon"]
        # The same again changes nothing and takes no sequence number.
        last = participation.last_seq(db, ws.id)
        again = tags.set_tag(db, ws.id, c.id, tag_id(db, ws, "organisasjon"), True, participant=p)
        assert not again.changed and participation.last_seq(db, ws.id) == last
        tags.set_tag(db, ws.id, c.id, tag_id(db, ws, "organisasjon"), "false", participant=p)
        assert labels_of(db, c.id) == ["lederopplæring"]

    def test_refusals_change_nothing(self, db: Any, engine: Any, ws: Any, other: Any) -> None:
        from sessions.core.store import make_session_factory

        fresh = make_session_factory(engine)
        me, _ = join_participant(db, ws, ws.groups[0])
        you, _ = join_participant(db, ws, ws.groups[0])
        mine = post(db, me, ws.groups[0], "Mitt behov for veiledning")
        yours = post(db, you, ws.groups[0], "Ditt behov for nettverk")
        hidden = post(db, me, ws.groups[0], "Et innspill som blir skjult")
        moderation.hide(db, ws, hidden.id)
        kurs = tag_id(db, ws, "kurs")
        before = snapshot(fresh)
        cases: list[tuple[Any, type[Exception]]] = [
            (lambda: tags.set_tag(db, ws.id, yours.id, kurs, True, participant=me), NotYourContribution),
            (lambda: tags.set_tag(db, ws.id, mine.id, 999_999, True, participant=me), UnknownTag),
            (lambda: tags.set_tag(db, ws.id, mine.id, tag_id(db, other, "kurs"), True, participant=me), UnknownTag),
            (lambda: tags.set_tag(db, ws.id, mine.id, tag_id(db, other, "kurs"), True), UnknownTag),
            (lambda: tags.set_tag(db, ws.id, hidden.id, kurs, True, participant=me), NotFound),
            (lambda: tags.set_tag(db, ws.id, 999_999, kurs, True, participant=me), NotFound),
            (lambda: tags.set_tag(db, other.id, mine.id, tag_id(db, other, "kurs"), True), NotFound),
            (lambda: tags.set_tag(db, ws.id, mine.id, "kurs", True, participant=me), ValidationFailed),
            (lambda: tags.set_tag(db, ws.id, mine.id, True, True, participant=me), ValidationFailed),
            (lambda: tags.set_tag(db, ws.id, mine.id, kurs, "kanskje", participant=me), ValidationFailed),
            (lambda: tags.set_tags(db, ws.id, mine.id, "kurs", participant=me), ValidationFailed),
            (lambda: tags.set_tags(db, ws.id, mine.id, [kurs, tag_id(db, other, "individ")], participant=me), UnknownTag),
        ]
        for action, error in cases:
            with pytest.raises(error):
                action()
            assert snapshot(fresh) == before, error
        err = pytest.raises(NotYourContribution, tags.set_tag, db, ws.id, yours.id, kurs, True, participant=me).value
        assert err.params.get("reason") == "tag"

    def test_a_participant_cannot_tag_after_the_workshop_but_a_facilitator_can(self, db: Any, ws: Any) -> None:
        from sessions.workshops import service as svc

        p, _ = join_participant(db, ws, ws.groups[0])
        c = post(db, p, ws.groups[0], "Praksisplasser for studenter", "solution")
        svc.close_workshop(db, ws)
        with pytest.raises(WorkshopNotOpen):
            tags.set_tag(db, ws.id, c.id, tag_id(db, ws, "praksis/trainee"), True, participant=p)
        assert tags.set_tag(db, ws.id, c.id, tag_id(db, ws, "praksis/trainee"), True).changed

    def test_a_facilitator_tags_any_contribution_also_a_hidden_one(self, db: Any, ws: Any) -> None:
        p, _ = join_participant(db, ws, ws.groups[1])
        c = post(db, p, ws.groups[1], "Rekruttere flere sykepleiere", "solution")
        moderation.hide(db, ws, c.id)
        result = tags.set_tags(db, ws.id, c.id, [tag_id(db, ws, "rekruttering"), tag_id(db, ws, "anskaffe")])
        assert result.changed
        # Staff see the chips on the hidden card; phones and walls get it masked, without tags.
        assert [t["label"] for t in result.contribution.as_event(staff=True)["tags"]] == ["rekruttering", "anskaffe"]
        assert result.contribution.as_event()["tags"] == []
        assert tags.set_tags(db, ws.id, c.id, []).contribution.tags == []

    def test_deleted_contributions_cannot_be_tagged_and_carry_no_tags(self, db: Any, ws: Any) -> None:
        p, _ = join_participant(db, ws, ws.groups[0])
        c = post(db, p, ws.groups[0], "Snart slettet")
        tags.set_tag(db, ws.id, c.id, tag_id(db, ws, "kurs"), True, participant=p)
        gone = participation.delete_contribution(db, p, c.id)
        assert gone.as_event(staff=True)["tags"] == []
        with pytest.raises(NotFound):
            tags.set_tag(db, ws.id, c.id, tag_id(db, ws, "individ"), True)
        assert tags_report.tags_by_contribution(db, ws.id) == {}


# -- for the report ------------------------------------------------------------------------------------------


class TestReportTables:
    def test_measure_kinds_by_persona_counts_visible_contributions_only(self, db: Any, ws: Any) -> None:
        g1, g2, _g3 = ws.groups
        p1, _ = join_participant(db, ws, g1)
        p2, _ = join_participant(db, ws, g2)
        kurs, mentor, individ = (tag_id(db, ws, x) for x in ("kurs", "mentor/veiledning", "individ"))
        a = post(db, p1, g1, "Kurs i dokumentasjon", "solution")
        b = post(db, p1, g1, "Mentor for nye ledere", "solution")
        c = post(db, p2, g2, "Kurs og mentor", "solution")
        hidden = post(db, p2, g2, "Skjult kurs", "solution")
        deleted = post(db, p2, g2, "Slettet kurs", "solution")
        dup = post(db, p1, g1, "Et kurs til (duplikat)", "solution")
        untagged = post(db, p1, g1, "Uten stikkord")
        for x, ids in ((a, [kurs, individ]), (b, [mentor]), (c, [kurs, mentor]), (hidden, [kurs]), (deleted, [kurs]), (dup, [kurs])):
            tags.set_tags(db, ws.id, x.id, ids)
        moderation.hide(db, ws, hidden.id)
        participation.delete_contribution(db, p2, deleted.id)
        moderation.merge(db, ws, dup.id, a.id)

        table = tags_report.measure_kinds_by_persona(db, ws.id)
        assert table.measures == tags_models.DEFAULT_VOCABULARY["measure"]
        assert [r.persona_id for r in table.rows] == [p.id for p in ws.personas]
        k, m = table.measures.index("kurs"), table.measures.index("mentor/veiledning")
        row1, row2 = table.rows[0], table.rows[1]
        assert (row1.persona, row1.counts[k], row1.counts[m], row1.contributions, row1.tagged) == (g1.persona.name, 1, 1, 3, 2)
        assert (row2.counts[k], row2.counts[m], row2.contributions, row2.tagged) == (1, 1, 1, 1)
        assert table.totals[k] == 2 and table.totals[m] == 2 and row1.total == 2
        assert not table.is_empty
        assert sum(table.totals) == 4  # the level tag "individ" is not a kind of measure

        labels = tags_report.tags_by_contribution(db, ws.id)
        assert labels[a.id] == ("kurs", "individ") and labels[c.id] == ("kurs", "mentor/veiledning")
        assert untagged.id not in labels and deleted.id not in labels
        report = build_report(db, ws.id)
        by_id = {rc.id: rc for rc in report.contributions}
        assert by_id[a.id].tags == ("kurs", "individ") and by_id[untagged.id].tags == ()
        assert hidden.id not in by_id

    def test_an_empty_table_and_a_renamed_measure(self, db: Any, ws: Any) -> None:
        table = tags_report.measure_kinds_by_persona(db, ws.id)
        assert table.is_empty and all(r.contributions == 0 for r in table.rows)
        tags.rename_tag(db, ws, tag_id(db, ws, "kurs"), "kortkurs")
        tags.remove_tag(db, ws, tag_id(db, ws, "nettverk"))
        measures = tags_report.measure_kinds_by_persona(db, ws.id).measures
        assert measures[0] == "kortkurs" and "nettverk" not in measures


# -- the workshop archive ----------------------------------------------------------------------------------


class TestArchive:
    def test_vocabulary_and_tags_travel_export_import_export(self, db: Any, ws: Any, owner: Any) -> None:
        from sessions.archive import service as archive

        p, _ = join_participant(db, ws, ws.groups[0])
        a = post(db, p, ws.groups[0], "Kurs og mentor", "solution")
        b = post(db, p, ws.groups[0], "Uten stikkord")
        tags.rename_tag(db, ws, tag_id(db, ws, "kurs"), "kortkurs")
        extra = tags.add_tag(db, ws, "level", "region")
        tags.remove_tag(db, ws, tag_id(db, ws, "avvikle"))
        tags.move_tag(db, ws, tag_id(db, ws, "mentor/veiledning"), position=0)
        tags.set_tags(db, ws.id, a.id, [tag_id(db, ws, "kortkurs"), tag_id(db, ws, "mentor/veiledning"), extra.id])
        first = archive.export_archive(db, ws.id)
        by_text = {c["text"]: c["tags"] for c in first["contributions"]}
        assert by_text["Kurs og mentor"] == [
            {"category": "measure", "label": "mentor/veiledning"},
            {"category": "measure", "label": "kortkurs"},
            {"category": "level", "label": "region"},
        ]
        assert by_text["Uten stikkord"] == [] and b.id
        assert first["tag_vocabulary"][0] == {"category": "measure", "label": "mentor/veiledning"}
        copy = archive.import_archive(db, first, make_user(db, "ny@kommune.no"))
        second = archive.export_archive(db, copy.id)
        assert {k: v for k, v in second.items() if k != "exported_at"} == {k: v for k, v in first.items() if k != "exported_at"}
        assert [t.label for t in tags.vocabulary(db, copy.id)] == [x["label"] for x in first["tag_vocabulary"]]

    def test_older_archives_get_the_default_and_bad_ones_store_nothing(self, db: Any, ws: Any, owner: Any, engine: Any) -> None:
        from sessions.archive import service as archive
        from sessions.core.store import make_session_factory

        p, _ = join_participant(db, ws, ws.groups[0])
        post(db, p, ws.groups[0], "Et innspill")
        doc = archive.export_archive(db, ws.id)
        old = {k: v for k, v in doc.items() if k != "tag_vocabulary"}
        old["contributions"][0]["tags"] = [{"category": "need", "label": "omstille"}]  # written by hand
        copy = archive.import_archive(db, old, owner)
        assert [t.label for t in tags.vocabulary(db, copy.id)] == [lab for _c, lab, _p in tags_models.default_tags()] + ["omstille"]
        assert tags_report.tags_by_contribution(db, copy.id) == {participation.contributions(db, copy.id)[0].id: ("omstille",)}
        before = snapshot(make_session_factory(engine))
        for change in (
            lambda d: d.update(tag_vocabulary="kurs"),
            lambda d: d.update(tag_vocabulary=[{"category": "sektor", "label": "helse"}]),
            lambda d: d.update(tag_vocabulary=[{"category": "measure", "label": "kurs"}, {"category": "measure", "label": "KURS"}]),
            lambda d: d["contributions"][0].update(tags="kurs"),
            lambda d: d["contributions"][0].update(tags=[{"category": "measure", "label": ""}]),
        ):
            bad = archive.export_archive(db, ws.id)
            change(bad)
            with pytest.raises(ValidationFailed) as err:
                archive.import_archive(db, bad, owner)
            assert err.value.reason == "bad_archive"
        assert snapshot(make_session_factory(engine)) == before


# -- existing workshops (migration 0005) -------------------------------------------------------------------


def test_the_migration_gives_existing_workshops_the_default_vocabulary(tmp_path: Any) -> None:
    from alembic import command
    from sqlalchemy import text

    from sessions.core.store import alembic_config, make_engine, upgrade

    engine = make_engine(f"sqlite:///{tmp_path}/old.sqlite")
    cfg = alembic_config(str(engine.url))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004")
        conn.execute(text("INSERT INTO users (email, password_hash, created_at) VALUES ('a@b.no', 'x', :t)"), {"t": dt.datetime(2025, 1, 1)})
        for code in ("11112222", "33334444"):
            conn.execute(
                text(
                    "INSERT INTO workshops (title, place, intro, status, join_code, wall_token, last_seq, owner_id, created_at) "
                    "VALUES ('Gammel', '', '', 'closed', :code, :code, 0, 1, :t)"
                ),
                {"code": code, "t": dt.datetime(2025, 1, 1)},
            )
    upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT workshop_id, category, label, position FROM tags ORDER BY workshop_id, id")).all()
        roles = conn.execute(text("SELECT role FROM participants")).all()
    engine.dispose()
    expected = [(c, lab, pos) for c, lab, pos in tags_models.default_tags()]
    assert [r[1:] for r in rows if r[0] == 1] == expected
    assert [r[1:] for r in rows if r[0] == 2] == expected
    assert roles == []


# -- HTTP: the phone, the dashboard, the vocabulary page ---------------------------------------------------


def phone_post(c: Any, ws: Any, group: Any, text: str, kind: str = "need") -> int:
    resp = post_json(c, f"/w/{ws.id}/contributions", {"group_id": group.id, "kind": kind, "text": text, "client_id": client_id()})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return int(resp.get_json()["contribution"]["id"])


@pytest.fixture
def sessions_(app: Any) -> Any:
    return app.extensions["pv_sessionmaker"]


class TestPhone:
    def test_one_tap_as_a_form_and_as_fetch(self, app: Any, app_db: Any, make_client: Any, workshop: Any) -> None:
        g = workshop.groups[0]
        c = phone_client(make_client, workshop, g)
        cid = phone_post(c, workshop, g, "Kurs i velferdsteknologi", "solution")
        kurs, indiv = tag_id(app_db, workshop, "kurs"), tag_id(app_db, workshop, "individ")
        page = c.get(f"/w/{workshop.id}/g/{g.id}").get_data(as_text=True)
        assert f'action="/w/{workshop.id}/contributions/{cid}/tags"' in page
        assert f'name="add" value="{kurs}" aria-pressed="false"' in page
        # Without JavaScript: the button is a submit of a plain form.
        resp = post_form(c, f"/w/{workshop.id}/contributions/{cid}/tags", {"add": str(kurs)})
        assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/w/{workshop.id}/g/{g.id}#c{cid}")
        assert labels_of(app_db, cid) == ["kurs"]
        page = c.get(f"/w/{workshop.id}/g/{g.id}").get_data(as_text=True)
        assert f'name="remove" value="{kurs}" aria-pressed="true"' in page
        assert f'<li class="tag-chip tag-measure" data-tag-id="{kurs}">kurs</li>' in page
        # With JavaScript: fetch and JSON, answered with the contribution.
        resp = post_json(c, f"/w/{workshop.id}/contributions/{cid}/tags", {"tag_id": indiv, "on": True})
        assert resp.status_code == 200
        assert [t["label"] for t in resp.get_json()["contribution"]["tags"]] == ["kurs", "individ"]
        resp = post_json(c, f"/w/{workshop.id}/contributions/{cid}/tags", {"tag_id": kurs, "on": False})
        assert [t["label"] for t in resp.get_json()["contribution"]["tags"]] == ["individ"]
        resp = post_form(c, f"/w/{workshop.id}/contributions/{cid}/tags", {"remove": str(indiv)})
        assert resp.status_code == 302 and labels_of(app_db, cid) == []

    def test_toggles_only_under_ones_own_cards(self, app_db: Any, make_client: Any, workshop: Any) -> None:
        g = workshop.groups[0]
        me, you = phone_client(make_client, workshop, g), phone_client(make_client, workshop, g)
        mine = phone_post(me, workshop, g, "Mitt innspill")
        yours = phone_post(you, workshop, g, "Ditt innspill")
        page = me.get(f"/w/{workshop.id}/g/{g.id}").get_data(as_text=True)
        assert f"/contributions/{mine}/tags" in page and f"/contributions/{yours}/tags" not in page
        assert 'id="tag-vocabulary"' in page and "js/tags.js" in page

    def test_refusals_answer_with_a_code_and_change_nothing(
        self, app: Any, app_db: Any, sessions_: Any, make_client: Any, workshop: Any, library: Any
    ) -> None:
        g = workshop.groups[0]
        me, you = phone_client(make_client, workshop, g), phone_client(make_client, workshop, g)
        mine = phone_post(me, workshop, g, "Mitt innspill")
        yours = phone_post(you, workshop, g, "Ditt innspill")
        elsewhere = make_workshop(app_db, make_user(app_db, "b@kommune.no"), library, n_groups=1, title="B")
        kurs = tag_id(app_db, workshop, "kurs")
        before = snapshot(sessions_)
        url = f"/w/{workshop.id}/contributions"
        for body, status, code in (
            ({"tag_id": kurs, "on": True}, 403, "not_your_contribution"),
            ({"tag_id": tag_id(app_db, elsewhere, "kurs"), "on": True}, 404, "unknown_tag"),
            ({"tag_id": 987654, "on": True}, 404, "unknown_tag"),
            ({"tag_id": "kurs", "on": True}, 422, "validation_failed"),
            ({"tag_id": kurs, "on": "kanskje"}, 422, "validation_failed"),
        ):
            target = yours if code == "not_your_contribution" else mine
            resp = post_json(me, f"{url}/{target}/tags", body)
            assert resp.status_code == status, (body, resp.get_data(as_text=True))
            assert resp.get_json()["error"]["code"] == code
            assert resp.get_json()["error"]["message"]
        msg = post_json(me, f"{url}/{yours}/tags", {"tag_id": kurs}).get_json()["error"]["message"]
        assert msg == "Du kan bare sette stikkord på dine egne innspill."
        # The plain form: a redirect back with the message, nothing stored.
        resp = post_form(me, f"{url}/{yours}/tags", {"add": str(kurs)})
        assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/w/{workshop.id}/g/{g.id}")
        # No CSRF token: refused before anything happens.
        resp = me.post(f"{url}/{mine}/tags", data={"add": str(kurs)})
        assert resp.status_code == 400 and "csrf" in resp.get_data(as_text=True).lower()
        resp = me.post(f"{url}/{mine}/tags", json={"tag_id": kurs}, headers={"Accept": "application/json"})
        assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "csrf_failed"
        # Not joined, or joined another workshop: refused.
        stranger = make_client()
        resp = post_json(stranger, f"{url}/{mine}/tags", {"tag_id": kurs})
        assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "not_joined"
        assert snapshot(sessions_) == before

    def test_rate_limited_like_posting(self, app: Any, app_db: Any, make_client: Any, workshop: Any) -> None:
        from facilitator.ratelimit import LIMITS

        g = workshop.groups[0]
        c = phone_client(make_client, workshop, g)
        cid = phone_post(c, workshop, g, "Mange trykk")
        kurs = tag_id(app_db, workshop, "kurs")
        per_minute = int(LIMITS["tag"].split("/")[0])
        token = csrf_token(c)
        headers = {"Accept": "application/json", "X-CSRFToken": token}
        for i in range(per_minute):
            resp = c.post(f"/w/{workshop.id}/contributions/{cid}/tags", json={"tag_id": kurs, "on": i % 2 == 0}, headers=headers)
            assert resp.status_code == 200, i
        resp = c.post(f"/w/{workshop.id}/contributions/{cid}/tags", json={"tag_id": kurs, "on": True}, headers=headers)
        assert resp.status_code == 429 and resp.get_json()["error"]["code"] == "rate_limited"

    def test_closed_workshop_refuses_participants(self, app_db: Any, make_client: Any, workshop: Any, logged_in: Any) -> None:
        g = workshop.groups[0]
        c = phone_client(make_client, workshop, g)
        cid = phone_post(c, workshop, g, "Før stengning")
        assert post_form(logged_in, f"/workshops/{workshop.id}/close").status_code == 302
        resp = post_json(c, f"/w/{workshop.id}/contributions/{cid}/tags", {"tag_id": tag_id(app_db, workshop, "kurs")})
        assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "workshop_not_open"
        assert "tag-picker" not in c.get(f"/w/{workshop.id}/g/{g.id}").get_data(as_text=True)


class TestDashboard:
    def test_a_facilitator_tags_any_card(self, app_db: Any, make_client: Any, workshop: Any, logged_in: Any) -> None:
        g = workshop.groups[1]
        c = phone_client(make_client, workshop, g)
        cid = phone_post(c, workshop, g, "Jobbrotasjon mellom avdelinger", "solution")
        page = logged_in.get(f"/workshops/{workshop.id}/live").get_data(as_text=True)
        assert f'action="/workshops/{workshop.id}/contributions/{cid}/tags"' in page
        assert f'href="/workshops/{workshop.id}/tags"' in page
        rot = tag_id(app_db, workshop, "jobbrotasjon")
        resp = post_json(logged_in, f"/workshops/{workshop.id}/contributions/{cid}/tags", {"tag_id": rot, "on": True})
        assert resp.status_code == 200 and resp.get_json()["ok"] is True
        assert [t["label"] for t in resp.get_json()["contribution"]["tags"]] == ["jobbrotasjon"]
        resp = post_form(logged_in, f"/workshops/{workshop.id}/contributions/{cid}/tags", {"remove": str(rot)})
        assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/workshops/{workshop.id}/live#c{cid}")
        assert labels_of(app_db, cid) == []

    def test_another_facilitator_is_refused(self, app_db: Any, sessions_: Any, make_client: Any, workshop: Any) -> None:
        g = workshop.groups[0]
        cid = phone_post(phone_client(make_client, workshop, g), workshop, g, "Et innspill")
        make_user(app_db, "frammed@kommune.no")
        stranger = make_client()
        assert login(stranger, "frammed@kommune.no").status_code == 302
        before = snapshot(sessions_)
        kurs = tag_id(app_db, workshop, "kurs")
        assert post_json(stranger, f"/workshops/{workshop.id}/contributions/{cid}/tags", {"tag_id": kurs}).status_code == 404
        assert stranger.get(f"/workshops/{workshop.id}/tags").status_code == 404
        assert post_form(stranger, f"/workshops/{workshop.id}/tags", {"category": "level", "label": "stat"}).status_code == 404
        assert snapshot(sessions_) == before

    def test_the_wall_shows_chips(self, app_db: Any, make_client: Any, workshop: Any) -> None:
        g = workshop.groups[0]
        cid = phone_post(phone_client(make_client, workshop, g), workshop, g, "Nettverk for helsesykepleiere", "solution")
        tags.set_tag(app_db, workshop.id, cid, tag_id(app_db, workshop, "nettverk"), True)
        html = make_client().get(f"/wall/{workshop.wall_token}").get_data(as_text=True)
        assert '<li class="tag-chip tag-measure"' in html and ">nettverk</li>" in html
        assert "tag-picker" not in html


def test_markup_in_a_tag_label_stays_text(app_db: Any, make_client: Any, workshop: Any, logged_in: Any) -> None:
    evil = '</script><img src=x onerror=alert(1)>'
    tag = tags.add_tag(app_db, workshop, "measure", evil)
    g = workshop.groups[0]
    c = phone_client(make_client, workshop, g)
    cid = phone_post(c, workshop, g, "Et innspill")
    assert post_json(c, f"/w/{workshop.id}/contributions/{cid}/tags", {"tag_id": tag.id}).status_code == 200
    for html in (
        c.get(f"/w/{workshop.id}/g/{g.id}").get_data(as_text=True),
        logged_in.get(f"/workshops/{workshop.id}/live").get_data(as_text=True),
        logged_in.get(f"/workshops/{workshop.id}/tags").get_data(as_text=True),
        make_client().get(f"/wall/{workshop.wall_token}").get_data(as_text=True),
    ):
        assert "<img src=x" not in html
        assert "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in html


class TestVocabularyPage:
    def test_reachable_from_the_workshop_page(self, logged_in: Any, workshop: Any) -> None:
        page = logged_in.get(f"/workshops/{workshop.id}").get_data(as_text=True)
        assert f'href="/workshops/{workshop.id}/tags"' in page
        html = logged_in.get(f"/workshops/{workshop.id}/tags").get_data(as_text=True)
        for heading in ("Type tiltak", "Nivå", "Behovstype", "Typer tiltak per persona", "Rollegrupper"):
            assert heading in html
        assert 'value="samlingsbasert utdanning"' in html

    def test_forms_add_rename_move_remove(self, app_db: Any, logged_in: Any, workshop: Any) -> None:
        base = f"/workshops/{workshop.id}/tags"
        resp = post_form(logged_in, base, {"category": "level", "label": "region"})
        assert resp.status_code == 302 and resp.headers["Location"].endswith(f"{base}#cat-level")
        region = tag_id(app_db, workshop, "region")
        assert post_form(logged_in, f"{base}/{region}", {"label": "regionalt"}).status_code == 302
        assert post_form(logged_in, f"{base}/{region}/move", {"direction": "up"}).status_code == 302
        app_db.rollback()
        assert [t.label for t in tags.vocabulary(app_db, workshop.id) if t.category == "level"][-2:] == ["regionalt", "interkommunalt"]
        assert post_form(logged_in, f"{base}/{region}/delete").status_code == 302
        app_db.rollback()
        assert "regionalt" not in [t.label for t in tags.vocabulary(app_db, workshop.id)]

    def test_bad_input_says_why_and_changes_nothing(self, sessions_: Any, logged_in: Any, workshop: Any, app_db: Any) -> None:
        base = f"/workshops/{workshop.id}/tags"
        before = snapshot(sessions_)
        resp = post_form(logged_in, base, {"category": "measure", "label": "Kurs"}, follow_redirects=True)
        assert "Det finnes allerede et stikkord med det navnet i denne kategorien." in resp.get_data(as_text=True)
        resp = post_json(logged_in, base, {"category": "sektor", "label": "helse"})
        assert resp.status_code == 422 and resp.get_json()["error"]["field"] == "category"
        resp = post_json(logged_in, f"{base}/{tag_id(app_db, workshop, 'kurs')}", {"label": ""})
        assert resp.status_code == 422 and resp.get_json()["error"]["field"] == "label"
        resp = logged_in.post(base, data={"category": "level", "label": "uten csrf"})
        assert resp.status_code == 400
        assert snapshot(sessions_) == before

    def test_removing_a_tag_in_use_asks_first(self, app_db: Any, sessions_: Any, make_client: Any, logged_in: Any, workshop: Any) -> None:
        g = workshop.groups[0]
        cid = phone_post(phone_client(make_client, workshop, g), workshop, g, "Kurs for alle", "solution")
        kurs = tag_id(app_db, workshop, "kurs")
        tags.set_tag(app_db, workshop.id, cid, kurs, True)
        url = f"/workshops/{workshop.id}/tags/{kurs}/delete"
        before = snapshot(sessions_)
        resp = post_form(logged_in, url)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200 and 'name="confirm" value="1"' in html and "Det er brukt på 1 innspill" in html
        resp = post_json(logged_in, url, {})
        assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "tag_in_use"
        assert snapshot(sessions_) == before
        resp = post_form(logged_in, url, {"confirm": "1"})
        assert resp.status_code == 302
        assert labels_of(app_db, cid) == []


# -- Socket.IO -----------------------------------------------------------------------------------------------


def watch(sock: Any, workshop_id: int, since: int = 0) -> dict[str, Any]:
    ack = sock.emit("watch", {"workshop_id": workshop_id, "since": since}, callback=True)
    assert ack["ok"], ack
    sock.get_received()
    return ack


def contribution_events(sock: Any) -> list[dict[str, Any]]:
    return [e["args"][0] for e in sock.get_received() if e["name"] == "contribution"]


def test_a_tag_reaches_the_table_the_wall_and_the_dashboard_and_nobody_else(
    app: Any, app_db: Any, make_client: Any, workshop: Any, logged_in: Any, library: Any, sio: Any
) -> None:
    g1, g2 = workshop.groups[0], workshop.groups[1]
    me, mate, elsewhere = phone_client(make_client, workshop, g1), phone_client(make_client, workshop, g1), phone_client(make_client, workshop, g2)
    cid = phone_post(me, workshop, g1, "Samlingsbasert videreutdanning", "solution")
    other = make_workshop(app_db, make_user(app_db, "b@kommune.no"), library, n_groups=1, title="B")
    socks = {
        "me": sio(me), "mate": sio(mate), "other table": sio(elsewhere), "wall": sio(auth={"wall": workshop.wall_token}),
        "dashboard": sio(logged_in), "other wall": sio(auth={"wall": other.wall_token}),
    }
    for name, s in socks.items():
        watch(s, other.id if name == "other wall" else workshop.id)
    tid = tag_id(app_db, workshop, "samlingsbasert utdanning")
    resp = post_json(me, f"/w/{workshop.id}/contributions/{cid}/tags", {"tag_id": tid, "on": True})
    assert resp.status_code == 200
    chip = {"id": tid, "label": "samlingsbasert utdanning", "category": "measure"}
    for name in ("me", "mate", "wall", "dashboard"):
        got = contribution_events(socks[name])
        assert [(e["id"], e["tags"]) for e in got] == [(cid, [chip])], name
        assert "role" not in got[0] and "participant_id" not in got[0]
    assert socks["other table"].get_received() == []
    assert socks["other wall"].get_received() == []
    # The same again changes nothing and sends nothing.
    assert post_json(me, f"/w/{workshop.id}/contributions/{cid}/tags", {"tag_id": tid, "on": True}).status_code == 200
    # (The joins' participant count may still arrive: its trailing push is coalesced and timed, not ours.)
    heard = {name: [e["name"] for e in s.get_received() if e["name"] != "participants"] for name, s in socks.items()}
    assert heard == dict.fromkeys(socks, []), heard
    # A renamed tag reaches every screen that shows the card; a phone that reconnects catches up.
    seq = resp.get_json()["contribution"]["seq"]
    assert post_form(logged_in, f"/workshops/{workshop.id}/tags/{tid}", {"label": "samlingsbasert"}).status_code == 302
    for name in ("me", "mate", "wall", "dashboard"):
        assert [e["tags"][0]["label"] for e in contribution_events(socks[name])] == ["samlingsbasert"], name
    assert socks["other table"].get_received() == [] and socks["other wall"].get_received() == []
    late = sio(mate)
    ack = late.emit("watch", {"workshop_id": workshop.id, "since": seq}, callback=True)
    assert [c["tags"][0]["label"] for c in ack["changes"]] == ["samlingsbasert"]


# -- the JSON API ------------------------------------------------------------------------------------------


class TestApi:
    def test_vocabulary_crud(self, client: Any, api_token: str, workshop: Any, app_db: Any) -> None:
        base = f"/api/v1/workshops/{workshop.id}/tags"
        body = client.get(base, headers=bearer(api_token)).get_json()
        assert body["categories"] == ["measure", "level", "need"]
        assert [t["label"] for t in body["tags"]][:3] == ["kurs", "e-læring", "fagdag/seminar"]
        assert all(t["uses"] == 0 for t in body["tags"])
        resp = client.post(base, json={"category": "need", "label": "omstille"}, headers=bearer(api_token))
        assert resp.status_code == 201
        new = resp.get_json()
        assert (new["category"], new["label"], new["position"], new["uses"]) == ("need", "omstille", 4, 0)
        resp = client.patch(f"{base}/{new['id']}", json={"label": "omstille", "position": 0}, headers=bearer(api_token))
        assert resp.status_code == 200 and resp.get_json()["position"] == 0
        assert client.patch(f"{base}/{new['id']}", json={}, headers=bearer(api_token)).status_code == 400
        resp = client.delete(f"{base}/{new['id']}", headers=bearer(api_token))
        assert resp.status_code == 200 and resp.get_json() == {"removed": new["id"], "uses_removed": 0}
        assert client.delete(f"{base}/{new['id']}", headers=bearer(api_token)).get_json()["error"]["code"] == "unknown_tag"

    def test_tagging_by_facilitator_and_participant(self, client: Any, api_token: str, workshop: Any, app_db: Any) -> None:
        join = client.post("/api/v1/join", json={"code": workshop.join_code, "group_id": workshop.groups[0].id}).get_json()
        other = client.post("/api/v1/join", json={"code": workshop.join_code, "group_id": workshop.groups[0].id}).get_json()
        pt, ot = join["token"], other["token"]
        made = client.post(
            f"/api/v1/workshops/{workshop.id}/contributions",
            json={"group_id": workshop.groups[0].id, "kind": "solution", "text": "E-læring på storskjerm", "client_id": client_id()},
            headers=bearer(pt),
        ).get_json()
        url = f"/api/v1/workshops/{workshop.id}/contributions/{made['id']}/tags"
        el, org = tag_id(app_db, workshop, "e-læring"), tag_id(app_db, workshop, "organisasjon")
        resp = client.put(url, json={"tag_ids": [el]}, headers=bearer(pt))
        assert resp.status_code == 200 and [t["label"] for t in resp.get_json()["tags"]] == ["e-læring"]
        resp = client.put(url, json={"tag_ids": [org]}, headers=bearer(ot))
        assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "not_your_contribution"
        resp = client.put(url, json={"tag_ids": [el, org]}, headers=bearer(api_token))
        assert resp.status_code == 200 and [t["label"] for t in resp.get_json()["tags"]] == ["e-læring", "organisasjon"]
        assert "original_text" in resp.get_json()
        uses = {t["label"]: t["uses"] for t in client.get(f"/api/v1/workshops/{workshop.id}/tags", headers=bearer(api_token)).get_json()["tags"]}
        assert uses["e-læring"] == 1 and uses["organisasjon"] == 1
        listed = client.get(f"/api/v1/workshops/{workshop.id}/contributions", headers=bearer(pt)).get_json()
        assert [t["label"] for t in listed["contributions"][0]["tags"]] == ["e-læring", "organisasjon"]
        # Deleting a tag in use needs confirm.
        resp = client.delete(f"/api/v1/workshops/{workshop.id}/tags/{org}", headers=bearer(api_token))
        assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "tag_in_use"
        resp = client.delete(f"/api/v1/workshops/{workshop.id}/tags/{org}?confirm=true", headers=bearer(api_token))
        assert resp.get_json() == {"removed": org, "uses_removed": 1}

    def test_refusals_change_nothing(self, app: Any, client: Any, api_token: str, workshop: Any, app_db: Any, library: Any) -> None:
        sessions_ = app.extensions["pv_sessionmaker"]
        join = client.post("/api/v1/join", json={"code": workshop.join_code, "group_id": workshop.groups[0].id}).get_json()
        made = client.post(
            f"/api/v1/workshops/{workshop.id}/contributions",
            json={"group_id": workshop.groups[0].id, "kind": "need", "text": "Behov", "client_id": client_id()},
            headers=bearer(join["token"]),
        ).get_json()
        owner_b = make_user(app_db, "b@kommune.no")
        ws_b = make_workshop(app_db, owner_b, library, n_groups=1, title="B")
        from sessions.accounts.service import issue_api_token

        token_b = issue_api_token(app_db, owner_b)
        before = snapshot(sessions_)
        base = f"/api/v1/workshops/{workshop.id}"
        kurs_b = tag_id(app_db, ws_b, "kurs")
        checks = [
            (client.put(f"{base}/contributions/{made['id']}/tags", json={"tag_ids": [kurs_b]}, headers=bearer(api_token)), 404, "unknown_tag"),
            (client.put(f"{base}/contributions/{made['id']}/tags", json={"tag_ids": "kurs"}, headers=bearer(api_token)), 422, "validation_failed"),
            (client.put(f"{base}/contributions/{made['id']}/tags", json={"tag_ids": [1]}, headers=bearer(token_b)), 404, "not_found"),
            (client.put(f"{base}/contributions/{made['id']}/tags", json={"tag_ids": [1]}), 401, "unauthorized"),
            (client.get(f"{base}/tags", headers=bearer(token_b)), 404, "not_found"),
            (client.get(f"{base}/tags", headers=bearer(join["token"])), 401, "unauthorized"),
            (client.post(f"{base}/tags", json={"category": "measure", "label": "KURS"}, headers=bearer(api_token)), 409, "tag_exists"),
            (client.post(f"{base}/tags", json={"category": "measure", "label": "x" * 41}, headers=bearer(api_token)), 422, "validation_failed"),
            (client.post(f"{base}/tags", data="[]", content_type="application/json", headers=bearer(api_token)), 400, "bad_json"),
            (client.patch(f"{base}/tags/{kurs_b}", json={"label": "x"}, headers=bearer(api_token)), 404, "unknown_tag"),
            (client.patch(f"{base}/tags/{tag_id(app_db, workshop, 'kurs')}", json={"label": "nytt", "position": -1}, headers=bearer(api_token)), 422, "validation_failed"),
            (client.delete(f"{base}/tags/{kurs_b}?confirm=true", headers=bearer(api_token)), 404, "unknown_tag"),
        ]
        for resp, status, code in checks:
            assert (resp.status_code, resp.get_json()["error"]["code"]) == (status, code), resp.get_data(as_text=True)
        assert snapshot(sessions_) == before


def test_a_tag_label_may_end_a_line_after_a_slash_between_words(make_client: Any, workshop: Any, logged_in: Any) -> None:
    g = workshop.groups[0]
    phone_post(phone_client(make_client, workshop, g), workshop, g, "Et innspill")
    html = logged_in.get(f"/workshops/{workshop.id}/live").get_data(as_text=True)
    assert ">mentor/<wbr>veiledning</button>" in html
    assert ">e-læring</button>" in html  # a hyphen is a break already; no slash, nothing added
