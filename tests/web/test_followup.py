"""The follow-up register (issue 5): the domain (sessions/followup.py), the register page and its forms,
the follow-up report in every format (opened with a real reader), the API, and the archive round trip.

Domain tests use a plain session (``db``); HTTP tests the app (``app_db``, ``logged_in``). Every refusal is
checked to leave the database as it was.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from typing import Any

import pytest
from helpers import (
    bearer,
    client_id,
    join_participant,
    login,
    make_user,
    make_workshop,
    post_form,
)

from sessions.archive import service as archive
from sessions.contributions import moderation
from sessions.contributions import service as participation
from sessions.contributions.models import Contribution
from sessions.core.errors import (
    AlreadyFollowedUp,
    ContributionHidden,
    NotAProposal,
    NotFound,
    ValidationFailed,
    WrongWorkshop,
)
from sessions.followup import register as followup_register
from sessions.followup import service as svc
from sessions.followup.models import FollowUp, FollowUpStatus
from sessions.report import service as report_svc
from sessions.rounds import plan as rounds_plan
from sessions.rounds import service as rounds
from sessions.rounds import voting

TODAY = dt.date(2026, 6, 1)
FIXED_NOW = dt.datetime(2026, 6, 1, 10, 0, 0)


def _post(db: Any, ws: Any, group: Any, kind: str, text: str) -> Contribution:
    p, _ = join_participant(db, ws, group)
    c, created = participation.submit_contribution(db, p, group.id, kind, text, client_id())
    assert created
    return c


def _rows(db: Any) -> list[tuple[Any, ...]]:
    """Every follow-up row, to show that a refusal changed nothing (read afresh: no old snapshot)."""
    db.rollback()
    db.expire_all()
    return sorted(
        (f.id, f.workshop_id, f.source_id, f.text, f.responsible, f.deadline, f.status, f.note, f.persona_id, f.updated_at)
        for f in db.query(FollowUp).all()
    )


def _one(db: Any) -> FollowUp:
    db.rollback()
    return db.query(FollowUp).one()


@pytest.fixture
def ws(db: Any, persona_library: dict[str, Any]) -> Any:
    owner = make_user(db)
    return make_workshop(db, owner, persona_library, n_groups=3)


@pytest.fixture
def posts(db: Any, ws: Any) -> dict[str, Contribution]:
    g1, g2, _g3 = ws.groups
    return {
        "need": _post(db, ws, g1, "need", "Kunnskap om velferdsteknologi"),
        "short": _post(db, ws, g1, "solution", "Kortere kurs, for eksempel «Velferdsteknologiens ABC» (KS)"),
        "time": _post(db, ws, g1, "solution", "Frigjøre tid til å øke kompetansen"),
        "mentor": _post(db, ws, g2, "solution", "En mentor som støtte i omstillingsarbeidet"),
    }


# -- the domain ----------------------------------------------------------------------------------------


class TestDomain:
    def test_a_proposal_becomes_an_item_with_its_text_and_persona(self, db, ws, posts):
        c = posts["short"]
        item = svc.add_from_contribution(db, ws, c.id)
        assert item.source_id == c.id and item.source_text == c.text and item.text == c.text
        assert item.persona_id == c.persona_id and item.persona_id is not None
        assert item.status == FollowUpStatus.open and item.responsible == "" and item.deadline is None
        assert item.from_proposal and item.position == 1
        # With fields set at once (the API), and the next one goes below.
        other = svc.add_from_contribution(db, ws, posts["mentor"].id, svc.parse_changes({"responsible": "rektor", "deadline": "1.9.2026"}))
        assert other.responsible == "rektor" and other.deadline == dt.date(2026, 9, 1) and other.position == 2

    @pytest.mark.parametrize(
        ("which", "error"),
        [("need", NotAProposal), ("hidden", ContributionHidden), ("deleted", NotFound), ("merged", NotFound), ("unknown", NotFound)],
    )
    def test_only_a_visible_proposal_can_be_added(self, db, ws, posts, which, error):
        target = posts["short"]
        if which == "need":
            target = posts["need"]
        elif which == "hidden":
            moderation.hide(db, ws, target.id)
        elif which == "deleted":
            p = db.get(Contribution, target.id)
            participation.delete_contribution(db, db.get(participation.Participant, p.participant_id), target.id)
        elif which == "merged":
            moderation.merge(db, ws, target.id, posts["time"].id)
        before = _rows(db)
        with pytest.raises(error) as err:
            svc.add_from_contribution(db, ws, 999_999 if which == "unknown" else target.id)
        assert err.value.code == {"need": "not_a_proposal", "hidden": "contribution_hidden"}.get(which, "not_found")
        assert _rows(db) == before == []

    def test_another_workshops_proposal_is_not_found(self, db, ws, posts, persona_library):
        other = make_workshop(db, make_user(db), persona_library, n_groups=1, title="Annen")
        with pytest.raises(NotFound):
            svc.add_from_contribution(db, other, posts["short"].id)
        assert _rows(db) == []

    def test_each_proposal_at_most_once(self, db, ws, posts):
        svc.add_from_contribution(db, ws, posts["short"].id)
        before = _rows(db)
        with pytest.raises(AlreadyFollowedUp):
            svc.add_from_contribution(db, ws, posts["short"].id)
        assert _rows(db) == before

    def test_the_unique_constraint_settles_a_double_click(self, db, ws, posts):
        """Two adds that both passed the check: the database keeps one, the other gets already_in_followup."""
        svc.add_from_contribution(db, ws, posts["short"].id)
        real = svc.select  # the check reads through select(); make it see nothing once

        calls = {"n": 0}

        def blind_select(*args: Any, **kw: Any) -> Any:
            q = real(*args, **kw)
            if args and args[0] is FollowUp.id and calls["n"] == 0:
                calls["n"] += 1
                return real(FollowUp.id).where(FollowUp.id < 0)
            return q

        svc.select = blind_select  # type: ignore[assignment]
        try:
            with pytest.raises(AlreadyFollowedUp):
                svc.add_from_contribution(db, ws, posts["short"].id)
        finally:
            svc.select = real  # type: ignore[assignment]
        assert calls["n"] == 1 and len(_rows(db)) == 1

    def test_every_status_may_follow_every_other(self, db, ws, posts):
        item = svc.add_from_contribution(db, ws, posts["short"].id)
        for a in FollowUpStatus:
            for b in FollowUpStatus:
                svc.set_status(db, ws, item.id, a.value)
                moved = svc.set_status(db, ws, item.id, b.value)
                assert moved.status == b
                db.expire_all()
                assert db.get(FollowUp, item.id).status == b

    def test_the_same_status_again_changes_nothing_and_a_bad_one_is_refused(self, db, ws, posts):
        item = svc.add_from_contribution(db, ws, posts["short"].id)
        svc.set_status(db, ws, item.id, "achieved")
        before = _rows(db)
        svc.set_status(db, ws, item.id, "achieved")
        assert _rows(db) == before  # updated_at included
        for bad in ("done", "", None, 3, "ACHIEVED"):
            with pytest.raises(ValidationFailed) as err:
                svc.set_status(db, ws, item.id, bad)
            assert err.value.field == "status" and err.value.reason == "unknown_status"
        assert _rows(db) == before

    def test_the_text_copy_survives_moderation_and_deletion_of_the_proposal(self, db, ws, posts):
        c = posts["short"]
        item = svc.add_from_contribution(db, ws, c.id, svc.parse_changes({"text": "Kurs i velferdsteknologi for hjemmetjenesten"}))
        moderation.edit(db, ws, c.id, "Noe helt annet")
        moderation.hide(db, ws, c.id)
        db.expire_all()
        kept = db.get(FollowUp, item.id)
        assert kept.source_text == "Kortere kurs, for eksempel «Velferdsteknologiens ABC» (KS)"
        assert kept.text == "Kurs i velferdsteknologi for hjemmetjenesten"
        # The proposal row itself goes (ON DELETE SET NULL): the item stays, with its copy and persona.
        persona = kept.persona_id
        db.delete(db.get(Contribution, c.id))
        db.commit()
        db.expire_all()
        kept = db.get(FollowUp, item.id)
        assert kept is not None and kept.source_id is None
        assert kept.source_text.startswith("Kortere kurs") and kept.persona_id == persona and kept.from_proposal
        reg = followup_register.followups_for_report(db, ws.id, today=TODAY)
        assert [e.text for e in reg.items] == ["Kurs i velferdsteknologi for hjemmetjenesten"]

    @pytest.mark.parametrize(
        ("changes", "field", "reason"),
        [
            ({"deadline": "31.02.2026"}, "deadline", "bad_deadline"),
            ({"deadline": "i morgen"}, "deadline", "bad_deadline"),
            ({"deadline": 20260901}, "deadline", "bad_deadline"),
            ({"text": "x" * 1001}, "text", "too_long"),
            ({"text": "   "}, "text", "empty"),
            ({"responsible": "r" * 121}, "responsible", "too_long"),
            ({"note": "n" * 5001}, "note", "too_long"),
            ({"persona_id": "abc"}, "persona_id", "not_a_number"),
        ],
    )
    def test_bad_input_is_refused_before_anything_is_written(self, db, ws, posts, changes, field, reason):
        item = svc.add_from_contribution(db, ws, posts["short"].id)
        before = _rows(db)
        with pytest.raises(ValidationFailed) as err:
            svc.update_followup(db, ws, item.id, svc.parse_changes({"text": "Ny tekst", "responsible": "HR", **changes}))
        assert (err.value.field, err.value.reason) == (field, reason)
        assert _rows(db) == before

    def test_a_persona_of_another_workshop_is_refused(self, db, ws, posts, persona_library):
        other = make_workshop(db, make_user(db), persona_library, n_groups=1, title="Annen")
        item = svc.add_item(db, ws, svc.parse_changes({"text": "Eget punkt"}))
        before = _rows(db)
        with pytest.raises(WrongWorkshop):
            svc.update_followup(db, ws, item.id, svc.parse_changes({"persona_id": str(other.personas[0].id)}))
        with pytest.raises(WrongWorkshop):
            svc.add_item(db, ws, svc.parse_changes({"text": "Til", "persona_id": other.personas[0].id}))
        assert _rows(db) == before

    def test_deadlines(self):
        assert svc.parse_deadline("2026-09-01") == dt.date(2026, 9, 1)
        assert svc.parse_deadline(" 1.9.2026 ") == dt.date(2026, 9, 1)
        assert svc.parse_deadline("01.09.2026") == dt.date(2026, 9, 1)
        assert svc.parse_deadline("") is None and svc.parse_deadline(None) is None
        with pytest.raises(ValidationFailed):
            svc.parse_deadline("   ")  # like the API's other dates: empty or a date, nothing in between

    def test_items_of_another_workshop_are_not_found(self, db, ws, posts, persona_library):
        other = make_workshop(db, make_user(db), persona_library, n_groups=1, title="Annen")
        item = svc.add_from_contribution(db, ws, posts["short"].id)
        before = _rows(db)
        with pytest.raises(NotFound):
            svc.update_followup(db, other, item.id, {"text": "Kapret"})
        with pytest.raises(NotFound):
            svc.delete_followup(db, other, item.id)
        assert _rows(db) == before

    @pytest.mark.parametrize("state", ["draft", "open", "closed"])
    def test_works_whatever_the_workshops_state(self, db, persona_library, state):
        from sessions.workshops import service as workshops

        ws = make_workshop(db, make_user(db), persona_library, n_groups=2, open_it=state != "draft")
        c = _post(db, ws, ws.groups[0], "solution", "Hospitering i nabokommunen") if state != "draft" else None
        if state == "closed":
            workshops.close_workshop(db, ws)
        if c is not None:
            item = svc.add_from_contribution(db, ws, c.id)
        else:
            item = svc.add_item(db, ws, {"text": "Planlegge neste samling"})
        svc.update_followup(db, ws, item.id, svc.parse_changes({"status": "next_focus", "deadline": "2026-12-01"}))
        svc.delete_followup(db, ws, item.id)
        assert _rows(db) == []

    def test_proposals_by_persona_follow_the_visibility_rule_and_sort_by_dots(self, db, ws, posts):
        g1 = ws.groups[0]
        moderation.hide(db, ws, posts["mentor"].id)
        # Dots: "time" gets two, "short" none.
        r = rounds_plan.add_round(db, ws, rounds_plan.RoundSpec.parse("Prioriter", "", "5", [], voting="1", dots="3", scope="all"))
        rounds.start_round(db, ws, r.id)
        for _ in range(2):
            voter, _ = join_participant(db, ws, g1)
            voting.cast(db, voter, posts["time"].id)
        svc.add_from_contribution(db, ws, posts["short"].id)
        groups = svc.proposals_by_persona(db, ws.id)
        assert [g.persona_id for g in groups] == [g1.persona_id]  # the hidden one's persona has nothing left
        got = [(p.text, p.votes, p.followup_id is not None) for p in groups[0].proposals]
        assert got == [(posts["time"].text, 2, False), (posts["short"].text, 0, True)]

    def test_followups_for_report_groups_by_status_and_marks_overdue(self, db, ws, posts):
        a = svc.add_from_contribution(db, ws, posts["short"].id, svc.parse_changes({"status": "achieved", "deadline": "2026-01-01"}))
        b = svc.add_from_contribution(db, ws, posts["time"].id, svc.parse_changes({"status": "not_far_enough", "deadline": "2026-05-31", "responsible": "kommunalsjef helse"}))
        c = svc.add_item(db, ws, svc.parse_changes({"text": "Rapportere tilbake til forumet", "status": "next_focus", "deadline": "2026-06-01"}))
        d = svc.add_from_contribution(db, ws, posts["mentor"].id)
        reg = followup_register.followups_for_report(db, ws.id, today=TODAY)
        assert [s.status for s in reg.sections] == ["achieved", "not_far_enough", "next_focus", "open"]
        assert [[e.id for e in s.items] for s in reg.sections] == [[a.id], [b.id], [c.id], [d.id]]
        # Achieved is never overdue; the day of the deadline is not overdue yet.
        assert [e.overdue for e in reg.items] == [False, True, False, False]
        assert reg.overdue_count == 1
        entry = reg.section("not_far_enough").items[0]
        assert entry.persona == ws.groups[0].persona.name and entry.responsible == "kommunalsjef helse"
        assert reg.section(FollowUpStatus.next_focus).items[0].from_proposal is False
        with pytest.raises(NotFound):
            followup_register.followups_for_report(db, 999_999)


# -- the archive ----------------------------------------------------------------------------------------


class TestArchive:
    def test_export_import_export_keeps_the_register(self, db, ws, posts):
        svc.add_from_contribution(db, ws, posts["short"].id, svc.parse_changes({"status": "achieved", "note": "**Gjennomført** i tre kommuner", "deadline": "2026-03-01", "responsible": "KS"}))
        hidden = svc.add_from_contribution(db, ws, posts["mentor"].id, svc.parse_changes({"text": "Mentorordning for nye rektorer"}))
        moderation.hide(db, ws, posts["mentor"].id)  # hidden later: stays in the archive, flagged
        svc.add_item(db, ws, svc.parse_changes({"text": "Invitere høgskolene", "persona_id": ws.personas[1].id, "status": "next_focus"}))
        gone = svc.add_from_contribution(db, ws, posts["time"].id)
        p = db.get(Contribution, posts["time"].id)
        participation.delete_contribution(db, db.get(participation.Participant, p.participant_id), p.id)

        first = archive.export_archive(db, ws.id)
        entries = first["followups"]
        assert [e["text"] for e in entries] == [
            posts["short"].text, "Mentorordning for nye rektorer", "Invitere høgskolene", "Frigjøre tid til å øke kompetansen",
        ]
        texts = [c["text"] for c in first["contributions"]]
        assert texts[entries[0]["source"]] == posts["short"].text
        assert texts[entries[1]["source"]] == posts["mentor"].text and first["contributions"][entries[1]["source"]]["hidden"]
        assert entries[2]["source"] is None and entries[2]["persona"] == ws.personas[1].key
        assert entries[3]["source"] is None and entries[3]["source_text"] == "Frigjøre tid til å øke kompetansen"  # deleted
        assert not [k for e in entries for k in e if k.endswith("id")]  # no database ids in the archive
        # The status history travels with the items (compared whole by the round trip below).
        assert [(h["from_status"], h["to_status"]) for h in entries[0]["history"]] == [(None, "achieved")]
        assert "history" not in entries[1]

        copy = archive.import_archive(db, json.loads(json.dumps(first)), make_user(db))
        second = archive.export_archive(db, copy.id)
        assert {k: v for k, v in second.items() if k != "exported_at"} == {k: v for k, v in first.items() if k != "exported_at"}
        # The copy's items point at the copy's contributions, and the report reads the same.
        a = followup_register.followups_for_report(db, ws.id, today=TODAY)
        b = followup_register.followups_for_report(db, copy.id, today=TODAY)
        strip = lambda reg: [(e.text, e.status, e.responsible, e.deadline, e.note, e.persona, e.source_text) for e in reg.items]  # noqa: E731
        assert strip(a) == strip(b)
        copied = db.query(FollowUp).filter(FollowUp.workshop_id == copy.id, FollowUp.source_id.is_not(None)).all()
        assert copied and all(db.get(Contribution, f.source_id).workshop_id == copy.id for f in copied)
        assert hidden.id not in {f.id for f in copied} and gone.source_id is not None

    @pytest.mark.parametrize(
        "change",
        [
            lambda d: d.update(followups="many"),
            lambda d: d["followups"][0].update(status="done"),
            lambda d: d["followups"][0].update(deadline="someday"),
            lambda d: d["followups"][0].update(text=""),
            lambda d: d["followups"][0].update(source=99),
            lambda d: d["followups"][0].update(source=0),  # a need
            lambda d: d["followups"][0].update(persona="nobody"),
            lambda d: d["followups"][0].update(created_at=None),
            lambda d: d["followups"].append(dict(d["followups"][0])),  # the same proposal twice
            lambda d: d["followups"][0].update(history="all"),
            lambda d: d["followups"][0].update(history=[{"to_status": "done", "changed_at": "2026-06-01T10:00:00Z"}]),
            lambda d: d["followups"][0].update(history=[{"to_status": "achieved", "meeting": "m" * 121, "changed_at": "2026-06-01T10:00:00Z"}]),
            lambda d: d["followups"][0].update(history=[{"to_status": "achieved", "changed_at": "yesterday"}]),
        ],
    )
    def test_a_bad_register_stores_nothing(self, db, ws, posts, change):
        svc.add_from_contribution(db, ws, posts["short"].id)
        doc = archive.export_archive(db, ws.id)
        assert doc["contributions"][0]["kind"] == "need"
        change(doc)
        owner = make_user(db)
        counts = (db.query(FollowUp).count(), db.query(Contribution).count())
        with pytest.raises(ValidationFailed) as err:
            archive.import_archive(db, doc, owner)
        assert err.value.field == "archive"
        assert (db.query(FollowUp).count(), db.query(Contribution).count()) == counts

    def test_an_archive_without_a_register_imports(self, db, ws, posts):
        doc = archive.export_archive(db, ws.id)
        del doc["followups"]
        copy = archive.import_archive(db, doc, make_user(db))
        assert archive.export_archive(db, copy.id)["followups"] == []


# -- the formats ----------------------------------------------------------------------------------------


def _labels(locale: str = "nb") -> Any:
    from facilitator.exports.followups import followup_labels
    from facilitator.exports.labels import translations

    return followup_labels(translations(locale), locale)


@pytest.fixture
def register(db: Any, ws: Any, posts: dict[str, Contribution]) -> Any:
    """One item per heading (one overdue), with a hostile note."""
    svc.add_from_contribution(db, ws, posts["short"].id, svc.parse_changes({"status": "achieved", "responsible": "KS", "deadline": "2026-03-01", "note": "Tilbudt i **tre** kommuner.\n\n<script>alert(1)</script>"}))
    svc.add_from_contribution(db, ws, posts["time"].id, svc.parse_changes({"status": "not_far_enough", "responsible": "kommunalsjef helse", "deadline": "2026-05-01", "text": "Frigjøre tid til kompetanseheving"}))
    svc.add_item(db, ws, svc.parse_changes({"text": "=Rapportere tilbake til forumet", "status": "next_focus", "responsible": "fylkeskommunen"}))
    svc.add_from_contribution(db, ws, posts["mentor"].id)
    return followup_register.followups_for_report(db, ws.id, today=TODAY, now=FIXED_NOW)


def _render(fmt: str, reg: Any, locale: str = "nb") -> bytes:
    from facilitator.exports.followups import render

    return render(fmt, reg, _labels(locale))


HEADINGS_NB = ["Oppnådd", "Ikkje kome langt nok", "Fokus vidare", "Ikke vurdert ennå"]


def _expected(posts: dict[str, Contribution]) -> dict[str, list[str]]:
    return {
        "Oppnådd": [posts["short"].text],
        "Ikkje kome langt nok": ["Frigjøre tid til kompetanseheving"],
        "Fokus vidare": ["=Rapportere tilbake til forumet"],
        "Ikke vurdert ennå": [posts["mentor"].text],
    }


class TestFormats:
    def test_markdown(self, register, posts):
        text = _render("md", register).decode("utf-8")
        under: dict[str, list[str]] = {}
        current = None
        for line in text.splitlines():
            if line.startswith("## "):
                current = re.sub(r"^## \d+\. ", "", line)
                under[current] = []
            elif line.startswith("### ") and current:
                under[current].append(line[4:])
        assert list(under) == HEADINGS_NB
        unescape = lambda s: re.sub(r"\\(.)", r"\1", s.split(" — ")[0])  # noqa: E731
        assert {k: [unescape(t) for t in v] for k, v in under.items()} == _expected(posts)
        assert "— **Fristen er passert**" in text and "(fristen er passert)" in text
        assert "**Ansvarlig:** kommunalsjef helse" in text and "<script>" not in text
        assert "Tilbudt i **tre** kommuner." in text

    def test_docx_items_under_the_right_headings(self, register, posts):
        import docx

        doc = docx.Document(io.BytesIO(_render("docx", register)))
        under: dict[str, list[str]] = {}
        current = None
        for p in doc.paragraphs:
            if p.style.name == "Heading 1":
                current = re.sub(r"^\d+\. ", "", p.text)
                under[current] = []
            elif p.style.name == "Heading 2" and current:
                under[current].append(p.text)
        assert under == _expected(posts)
        body = "\n".join(p.text for p in doc.paragraphs)
        assert "Ansvarlig: kommunalsjef helse" in body and "fristen er passert" in body
        assert "Persona: " + posts["short"].persona.name in body
        assert "<script>alert(1)</script>" in body  # raw HTML in a note is plain text in the document
        assert "Tilbudt i tre kommuner." in body
        assert doc.paragraphs[0].style.name == "Title" and doc.core_properties.title.startswith("Oppfølgingsrapport")

    def test_pdf(self, register, posts):
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(_render("pdf", register)))
        text = re.sub(r"\s+", " ", "\n".join(page.extract_text() or "" for page in reader.pages))
        positions = [text.index(h) for h in HEADINGS_NB]
        assert positions == sorted(positions)
        for heading, items in _expected(posts).items():
            start = text.index(heading)
            following = [text.index(h) for h in HEADINGS_NB if text.index(h) > start]
            end = min(following) if following else len(text)
            for item in items:
                assert item in text[start:end], (heading, item)
        assert "fristen er passert" in text
        assert "<script>alert(1)</script>" in text  # raw HTML in a note is shown as text, never run

    def test_xlsx(self, register, posts):
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(_render("xlsx", register)))
        sheet = wb.worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][:4] == ("Status", "Oppfølgingspunkt", "Ansvarlig", "Frist")
        got: dict[str, list[str]] = {}
        for r in rows[1:]:
            got.setdefault(r[0], []).append(r[1])
        assert got == {k: v for k, v in _expected(posts).items()}
        by_text = {r[1]: r for r in rows[1:]}
        assert by_text["Frigjøre tid til kompetanseheving"][4] == "ja"  # overdue
        assert by_text["Frigjøre tid til kompetanseheving"][3] == dt.datetime(2026, 5, 1)
        # Never a formula, whatever the text starts with.
        cell = next(c for row in sheet.iter_rows() for c in row if c.value == "=Rapportere tilbake til forumet")
        assert cell.data_type == "s"

    def test_csv(self, register, posts):
        data = _render("csv", register).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(data)))
        assert rows[0][:4] == ["Status", "Oppfølgingspunkt", "Ansvarlig", "Frist"]
        got: dict[str, list[str]] = {}
        for r in rows[1:]:
            got.setdefault(r[0], []).append(r[1])
        expected = _expected(posts)
        expected["Fokus vidare"] = ["'=Rapportere tilbake til forumet"]  # formula-safe
        assert got == expected
        assert {r[1]: r[3] for r in rows[1:]}["Frigjøre tid til kompetanseheving"] == "2026-05-01"

    def test_nynorsk_and_english_headings(self, register):
        nn = _render("md", register, "nn").decode("utf-8")
        assert "## 1. Oppnådd" in nn and "## 2. Ikkje kome langt nok" in nn and "## 4. Ikkje vurdert enno" in nn
        en = _render("md", register, "en").decode("utf-8")
        assert "## 2. Not far enough" in en and "## 3. Next focus" in en

    def test_an_empty_register_keeps_the_three_headings(self, db, ws):
        text = _render("md", followup_register.followups_for_report(db, ws.id, today=TODAY)).decode("utf-8")
        assert re.findall(r"^## \d+\. (.*)$", text, re.M) == HEADINGS_NB[:3]
        assert "ingen punkter ennå" in text


# -- the web: register page, forms, report, downloads -----------------------------------------------------


@pytest.fixture
def web(app_db: Any, workshop: Any) -> dict[str, Any]:
    g1, g2, _ = workshop.groups
    return {
        "ws": workshop,
        "need": _post(app_db, workshop, g1, "need", "Lederopplæring i omstilling"),
        "short": _post(app_db, workshop, g1, "solution", "Kortere kurs i velferdsteknologi"),
        "mentor": _post(app_db, workshop, g2, "solution", "Mentor for nye rektorer"),
    }


def _snapshot(app_db: Any) -> list[tuple[Any, ...]]:
    return _rows(app_db)


class TestWeb:
    def test_the_register_page_lists_visible_proposals_by_persona(self, logged_in, app_db, web):
        ws = web["ws"]
        moderation.hide(app_db, ws, web["mentor"].id)
        html = logged_in.get(f"/workshops/{ws.id}/followups").get_data(as_text=True)
        assert "Oppfølging" in html and "Løsningsforslag fra workshopen" in html
        assert web["short"].text in html and web["mentor"].text not in html and web["need"].text not in html
        assert ws.groups[0].persona.name in html and "Prikker: 0" in html
        assert 'list="followup-roles"' in html and "kommunalsjef helse" in html
        # The workshop page links here.
        assert f'/workshops/{ws.id}/followups' in logged_in.get(f"/workshops/{ws.id}").get_data(as_text=True)

    def test_add_a_proposal_then_edit_and_delete_it(self, logged_in, app_db, web):
        ws = web["ws"]
        resp = post_form(logged_in, f"/workshops/{ws.id}/followups/from-proposal", {"contribution_id": str(web["short"].id)})
        assert resp.status_code == 302, resp.status_code
        item = _one(app_db)
        assert resp.headers["Location"].endswith(f"/workshops/{ws.id}/followups?open={item.id}#f{item.id}")
        html = logged_in.get(resp.headers["Location"]).get_data(as_text=True)
        assert "Løsningsforslaget er lagt til i oppfølgingen" in html and "I oppfølgingen" in html
        assert re.search(rf'id="f{item.id}"[^>]*>\s*<details open', html)

        form = {"text": "Kurs i velferdsteknologi", "responsible": "kommunalsjef helse", "deadline": "2026-09-01", "status": "not_far_enough", "note": "Utsatt til *våren*", "persona_id": str(item.persona_id)}
        resp = post_form(logged_in, f"/workshops/{ws.id}/followups/{item.id}", form)
        assert resp.status_code == 302
        item = _one(app_db)
        assert (item.text, item.responsible, item.deadline, item.status.value, item.note) == (
            "Kurs i velferdsteknologi", "kommunalsjef helse", dt.date(2026, 9, 1), "not_far_enough", "Utsatt til *våren*"
        )
        assert item.source_text == "Kortere kurs i velferdsteknologi"

        resp = post_form(logged_in, f"/workshops/{ws.id}/followups/{item.id}/delete")
        assert resp.status_code == 302 and _rows(app_db) == []

    def test_an_item_of_ones_own(self, logged_in, app_db, web):
        ws = web["ws"]
        form = {"text": "Rapportere tilbake til forumet", "responsible": "fylkeskommunen", "deadline": "15.11.2026", "status": "next_focus", "note": "", "persona_id": ""}
        resp = post_form(logged_in, f"/workshops/{ws.id}/followups", form)
        assert resp.status_code == 302
        item = _one(app_db)
        assert item.deadline == dt.date(2026, 11, 15) and item.source_id is None and item.persona_id is None

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("deadline", "31.02.2026", "Frist: Skriv fristen som en dato, for eksempel 2026-09-01 eller 1.9.2026."),
            ("text", "x" * 1001, "Tekst: Teksten er for lang (maks 1000 tegn)."),
            ("status", "ferdig", "Status: Velg en av statusene i listen."),
        ],
    )
    def test_bad_input_re_renders_with_a_norwegian_message_and_changes_nothing(self, logged_in, app_db, web, field, value, message):
        ws = web["ws"]
        item = svc.add_from_contribution(app_db, ws, web["short"].id)
        before = _snapshot(app_db)
        form = {"text": "Ny tekst", "responsible": "HR", "deadline": "2026-09-01", "status": "achieved", "note": "", "persona_id": ""}
        form[field] = value
        for url, key in ((f"/workshops/{ws.id}/followups/{item.id}", f"f{item.id}"), (f"/workshops/{ws.id}/followups", "new")):
            resp = post_form(logged_in, url, form)
            assert resp.status_code == 422
            html = resp.get_data(as_text=True)
            assert html.count(message) == 2  # in the summary and beside the field
            assert f'id="{key}-{field}" aria-invalid="true"' in html
            if field == "deadline":
                assert 'value="31.02.2026"' in html  # what was typed is kept
            assert _snapshot(app_db) == before

    def test_hidden_or_repeated_proposals_are_refused_with_a_message(self, logged_in, app_db, web):
        ws = web["ws"]
        svc.add_from_contribution(app_db, ws, web["short"].id)
        moderation.hide(app_db, ws, web["mentor"].id)
        before = _snapshot(app_db)
        for cid, text in ((web["short"].id, "allerede i oppfølgingen"), (web["mentor"].id, "skjult"), (web["need"].id, "Bare løsningsforslag")):
            resp = post_form(logged_in, f"/workshops/{ws.id}/followups/from-proposal", {"contribution_id": str(cid)}, follow_redirects=True)
            assert resp.status_code == 200 and text in resp.get_data(as_text=True), text
        assert _snapshot(app_db) == before

    def test_forms_need_csrf(self, logged_in, app_db, web):
        ws = web["ws"]
        item = svc.add_from_contribution(app_db, ws, web["short"].id)
        before = _snapshot(app_db)
        for url, data in (
            (f"/workshops/{ws.id}/followups", {"text": "Uten token"}),
            (f"/workshops/{ws.id}/followups/from-proposal", {"contribution_id": str(web["mentor"].id)}),
            (f"/workshops/{ws.id}/followups/{item.id}", {"text": "Uten token"}),
            (f"/workshops/{ws.id}/followups/{item.id}/delete", {}),
        ):
            resp = logged_in.post(url, data=data)
            assert resp.status_code == 400 and "Skjemaet er utløpt" in resp.get_data(as_text=True), url
        assert _snapshot(app_db) == before

    def test_participants_and_other_facilitators_are_refused(self, app, app_db, make_client, web):
        ws = web["ws"]
        item = svc.add_from_contribution(app_db, ws, web["short"].id)
        make_user(app_db, "annen@kommune.no")
        other = make_client()
        assert login(other, "annen@kommune.no").status_code == 302
        phone = make_client()
        assert post_form(phone, "/join", {"code": ws.join_code}).status_code == 302
        before = _snapshot(app_db)
        form = {"text": "Kapret", "status": "achieved", "contribution_id": str(web["mentor"].id)}
        for client in (other, phone, make_client()):
            assert client.get(f"/workshops/{ws.id}/followups").status_code in (302, 404)
            assert client.get(f"/workshops/{ws.id}/followups/report").status_code in (302, 404)
            assert client.get(f"/workshops/{ws.id}/followups.md").status_code in (302, 404)
            for url in (
                f"/workshops/{ws.id}/followups",
                f"/workshops/{ws.id}/followups/from-proposal",
                f"/workshops/{ws.id}/followups/{item.id}",
                f"/workshops/{ws.id}/followups/{item.id}/delete",
            ):
                resp = post_form(client, url, form)
                assert resp.status_code in (302, 404), url
                if resp.status_code == 302:  # to the sign-in page, never back to the register
                    assert resp.headers["Location"].split("?")[0].endswith("/login"), resp.headers["Location"]
        assert _snapshot(app_db) == before

    def test_report_page_and_light_downloads(self, logged_in, app_db, web):
        ws = web["ws"]
        svc.add_from_contribution(app_db, ws, web["short"].id, svc.parse_changes({"status": "achieved", "responsible": "KS"}))
        svc.add_item(app_db, ws, svc.parse_changes({"text": "Invitere høgskolene", "deadline": "2020-01-01"}))
        html = logged_in.get(f"/workshops/{ws.id}/followups/report").get_data(as_text=True)
        for heading in ("Oppnådd", "Ikkje kome langt nok", "Fokus vidare", "Ikke vurdert ennå"):
            assert heading in html
        assert "fristen er passert" in html and "css/followup.css" in html
        for fmt in ("md", "csv"):
            resp = logged_in.get(f"/workshops/{ws.id}/followups.{fmt}")
            assert resp.status_code == 200, fmt
            assert resp.headers["Content-Disposition"].startswith('attachment; filename="oppfolging-')
        assert "Invitere høgskolene" in logged_in.get(f"/workshops/{ws.id}/followups.md").get_data(as_text=True)

    def test_heavy_downloads_come_from_the_export_worker(self, logged_in, app_db, web):
        from openpyxl import load_workbook

        ws = web["ws"]
        svc.add_from_contribution(app_db, ws, web["short"].id, svc.parse_changes({"status": "next_focus"}))
        resp = logged_in.get(f"/workshops/{ws.id}/followups.xlsx?lang=nn")
        assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
        rows = list(load_workbook(io.BytesIO(resp.data)).worksheets[0].iter_rows(values_only=True))
        assert rows[1][:2] == ("Fokus vidare", "Kortere kurs i velferdsteknologi")
        resp = logged_in.get(f"/workshops/{ws.id}/followups.pdf")
        assert resp.status_code == 200 and resp.data.startswith(b"%PDF")

    def test_share_links_open_the_follow_up_report_read_only(self, app_db, make_client, web):
        ws = web["ws"]
        svc.add_from_contribution(app_db, ws, web["short"].id)
        link, token = report_svc.create_share_link(app_db, ws, None, "Forumet")
        anon = make_client()
        assert f'href="/r/{token}/followups"' in anon.get(f"/r/{token}").get_data(as_text=True)  # linked from the report
        html = anon.get(f"/r/{token}/followups").get_data(as_text=True)
        assert "Kortere kurs i velferdsteknologi" in html and "/followups/from-proposal" not in html
        assert anon.get(f"/r/{token}/followups.csv").status_code == 200
        report_svc.revoke_share_link(app_db, ws, link.id)
        assert anon.get(f"/r/{token}/followups").status_code == 410
        assert anon.get(f"/r/{token}/followups.md").status_code == 410
        assert anon.get(f"/r/{'x' * 43}/followups").status_code == 404


# -- the API --------------------------------------------------------------------------------------------


class TestApi:
    def test_create_list_update_delete(self, client, app_db, api_token, web):
        ws = web["ws"]
        base = f"/api/v1/workshops/{ws.id}/followups"
        resp = client.post(base, json={"contribution_id": web["short"].id, "responsible": "HR", "deadline": "2026-09-01"}, headers=bearer(api_token))
        assert resp.status_code == 201, resp.get_json()
        item = resp.get_json()
        assert item["source_text"] == "Kortere kurs i velferdsteknologi" and item["persona_name"] == ws.groups[0].persona.name
        assert item["status"] == "open" and item["deadline"] == "2026-09-01"
        own = client.post(base, json={"text": "Eget punkt", "status": "next_focus"}, headers=bearer(api_token)).get_json()
        assert own["source_id"] is None and own["source_text"] is None
        listed = client.get(base, headers=bearer(api_token)).get_json()["followups"]
        assert [x["id"] for x in listed] == [item["id"], own["id"]]
        resp = client.patch(f"{base}/{item['id']}", json={"status": "achieved", "note": "Ferdig"}, headers=bearer(api_token))
        assert resp.status_code == 200 and resp.get_json()["status"] == "achieved" and resp.get_json()["responsible"] == "HR"
        assert client.delete(f"{base}/{own['id']}", headers=bearer(api_token)).status_code == 204
        assert client.delete(f"{base}/{own['id']}", headers=bearer(api_token)).status_code == 404

    @pytest.mark.parametrize(
        ("body", "status", "code"),
        [
            ({"contribution_id": "need"}, 409, "not_a_proposal"),
            ({"contribution_id": 0}, 422, "validation_failed"),
            ({"text": ""}, 422, "validation_failed"),
            ({"text": "Ok", "deadline": "2026-13-01"}, 422, "validation_failed"),
            ({"text": "Ok", "status": "done"}, 422, "validation_failed"),
            ({"contribution_id": "short"}, 409, "already_in_followup"),
            ({"contribution_id": "hidden"}, 409, "contribution_hidden"),
            ({"contribution_id": 999_999}, 404, "not_found"),
        ],
    )
    def test_errors_have_stable_codes_and_change_nothing(self, client, app_db, api_token, web, body, status, code):
        ws = web["ws"]
        svc.add_from_contribution(app_db, ws, web["short"].id)
        moderation.hide(app_db, ws, web["mentor"].id)
        ids = {"need": web["need"].id, "short": web["short"].id, "hidden": web["mentor"].id}
        if isinstance(body.get("contribution_id"), str):
            body = {**body, "contribution_id": ids[body["contribution_id"]]}
        before = _snapshot(app_db)
        resp = client.post(f"/api/v1/workshops/{ws.id}/followups", json=body, headers=bearer(api_token))
        assert resp.status_code == status and resp.get_json()["error"]["code"] == code
        assert _snapshot(app_db) == before
        if code == "validation_failed":
            assert resp.get_json()["error"]["field"] in ("contribution_id", "text", "deadline", "status")
        if code == "not_a_proposal":
            assert resp.get_json()["error"]["message"] == "Bare løsningsforslag og Hos oss-saker kan legges til i oppfølgingen."

    def test_participants_and_other_facilitators_are_refused(self, client, app_db, api_token, web):
        from sessions.accounts.service import issue_api_token

        ws = web["ws"]
        item = svc.add_from_contribution(app_db, ws, web["short"].id)
        other = issue_api_token(app_db, make_user(app_db, "annen@kommune.no"))
        _p, part = join_participant(app_db, ws, ws.groups[0])
        before = _snapshot(app_db)
        base = f"/api/v1/workshops/{ws.id}/followups"
        for token, expected in ((other, 404), (part, 401), (None, 401)):
            headers = bearer(token) if token else {}
            assert client.get(base, headers=headers).status_code == expected
            assert client.post(base, json={"text": "Kapret"}, headers=headers).status_code == expected
            assert client.patch(f"{base}/{item.id}", json={"text": "Kapret"}, headers=headers).status_code == expected
            assert client.delete(f"{base}/{item.id}", headers=headers).status_code == expected
        assert _snapshot(app_db) == before
