"""The workshop domain without Flask: state machine, joining, contributions, catch-up, access.

Runs on the store directly (``sessions.store``: engine, Alembic migrations, session factory) through the
``db`` fixture. Nothing here imports Flask.
"""

from __future__ import annotations

import unicodedata

import pytest
from helpers import client_id, join_participant, make_user, make_workshop
from sqlalchemy import func, select

from sessions.contributions import service as participation
from sessions.contributions.models import Contribution
from sessions.core.errors import (
    IllegalTransition,
    NotFound,
    NotYourContribution,
    UnknownJoinCode,
    ValidationFailed,
    WorkshopNotOpen,
    WrongWorkshop,
)
from sessions.workshops import service as svc
from sessions.workshops.models import Workshop, WorkshopStatus


def count_contributions(db) -> int:  # type: ignore[no-untyped-def]
    db.rollback()  # a fresh snapshot
    return db.scalar(select(func.count()).select_from(Contribution)) or 0


@pytest.fixture
def owner(db):  # type: ignore[no-untyped-def]
    return make_user(db, "eier@kommune.no")


@pytest.fixture
def ws(db, owner, persona_library):  # type: ignore[no-untyped-def]
    return make_workshop(db, owner, persona_library, n_groups=3)


@pytest.fixture
def member(db, ws):  # type: ignore[no-untyped-def]
    """A participant at the first group."""
    p, _token = join_participant(db, ws, ws.groups[0], name="Kari")
    return p


def post(db, participant, group, text="Mer praksis i studietiden", kind="need", cid=None):  # type: ignore[no-untyped-def]
    return participation.submit_contribution(db, participant, group.id, kind, text, cid or client_id())


# -- state machine -------------------------------------------------------------------------


class TestStateMachine:
    def test_a_new_workshop_is_a_draft_with_an_eight_digit_code(self, db, owner, persona_library):
        ws = make_workshop(db, owner, persona_library, open_it=False)
        assert ws.status == WorkshopStatus.draft
        assert ws.is_draft and not ws.accepting_contributions and not ws.joinable
        assert len(ws.join_code) == 8 and ws.join_code.isdigit()
        assert ws.join_code_display == f"{ws.join_code[:4]} {ws.join_code[4:]}"
        assert len(ws.wall_token) >= 32
        assert [g.name for g in ws.groups] == ["Bord 1", "Bord 2", "Bord 3"]
        assert all(g.persona is not None for g in ws.groups)

    def test_open_then_close(self, db, owner, persona_library):
        ws = make_workshop(db, owner, persona_library, open_it=False)
        ws = svc.open_workshop(db, ws)
        assert ws.is_open and ws.accepting_contributions and ws.opened_at is not None
        ws = svc.close_workshop(db, ws)
        assert ws.is_closed and not ws.accepting_contributions and ws.closed_at is not None
        db.rollback()
        assert db.get(Workshop, ws.id).status == WorkshopStatus.closed

    def test_open_needs_a_group(self, db, owner, persona_library):
        spec = persona_library["ine"]
        ws = svc.create_workshop(db, owner, svc.WorkshopDetails.parse("Tom", "", "", ""), [spec], [])
        with pytest.raises(IllegalTransition) as exc:
            svc.open_workshop(db, ws)
        assert exc.value.params["reason"] == "no_groups"
        db.rollback()
        assert db.get(Workshop, ws.id).status == WorkshopStatus.draft

    def test_open_needs_a_persona_for_every_group(self, db, owner, persona_library):
        spec = persona_library["ine"]
        details = svc.WorkshopDetails.parse("Halvferdig", "", "", "")
        ws = svc.create_workshop(db, owner, details, [spec], [("Bord 1", "ine"), ("Bord 2", None)])
        with pytest.raises(IllegalTransition) as exc:
            svc.open_workshop(db, ws)
        assert exc.value.params["reason"] == "group_without_persona"
        db.rollback()
        assert db.get(Workshop, ws.id).status == WorkshopStatus.draft

    def test_cannot_open_twice(self, db, ws):
        with pytest.raises(IllegalTransition):
            svc.open_workshop(db, ws)

    def test_close_only_when_open(self, db, owner, persona_library):
        draft = make_workshop(db, owner, persona_library, open_it=False)
        with pytest.raises(IllegalTransition):
            svc.close_workshop(db, draft)
        db.rollback()
        assert db.get(Workshop, draft.id).status == WorkshopStatus.draft
        opened = svc.open_workshop(db, draft)
        svc.close_workshop(db, opened)
        with pytest.raises(IllegalTransition):
            svc.close_workshop(db, opened)

    def test_closed_workshop_takes_no_structure_changes(self, db, ws):
        ws = svc.close_workshop(db, ws)
        with pytest.raises(IllegalTransition):
            svc.add_group(db, ws, "Bord 9", None)
        with pytest.raises(IllegalTransition):
            svc.update_group(db, ws, ws.groups[0].id, "Nytt namn", ws.groups[0].persona_id)

    def test_open_workshop_keeps_a_persona_on_every_group(self, db, ws):
        with pytest.raises(ValidationFailed) as exc:
            svc.update_group(db, ws, ws.groups[0].id, "Bord 1", None)
        assert exc.value.reason == "required_when_open"

    def test_details_are_validated(self):
        with pytest.raises(ValidationFailed) as exc:
            svc.WorkshopDetails.parse("   ", "", "", "")
        assert (exc.value.field, exc.value.reason) == ("title", "empty")
        with pytest.raises(ValidationFailed) as exc:
            svc.WorkshopDetails.parse("Samling", "12.03.2026", "", "")
        assert (exc.value.field, exc.value.reason) == ("date", "bad_date")
        d = svc.WorkshopDetails.parse("  Samling \n i Molde ", "2026-03-12", " Molde ", "")
        assert d.title == "Samling i Molde" and d.place == "Molde" and d.date.isoformat() == "2026-03-12"

    def test_group_persona_must_be_one_of_the_chosen(self, db, owner, persona_library):
        details = svc.WorkshopDetails.parse("Samling", "", "", "")
        with pytest.raises(ValidationFailed) as exc:
            svc.create_workshop(db, owner, details, [persona_library["ine"]], [("Bord 1", "nils")])
        assert exc.value.reason == "unknown_persona"
        db.rollback()
        assert db.scalar(select(func.count()).select_from(Workshop)) == 0


# -- joining -------------------------------------------------------------------------------


class TestJoin:
    def test_join_with_the_code(self, db, ws):
        p, token = participation.join(db, ws.join_code, "  Kari  ")
        assert p.workshop_id == ws.id and p.display_name == "Kari" and p.group_id is None
        assert len(token) >= 32
        assert participation.participant_by_token(db, token).id == p.id
        assert p.token_hash != token  # only the hash is stored

    @pytest.mark.parametrize("fmt", ["{a} {b}", "{a}-{b}", " {a}{b} ", "{a}.{b}"])
    def test_formatted_code_is_accepted(self, db, ws, fmt):
        code = fmt.format(a=ws.join_code[:4], b=ws.join_code[4:])
        p, _ = participation.join(db, code)
        assert p.workshop_id == ws.id

    @pytest.mark.parametrize("code", ["", "1234567", "123456789", "abcd efgh", "1234 567x", None, 12345678, "١٢٣٤٥٦٧٨"])
    def test_malformed_code(self, db, ws, code):
        with pytest.raises(UnknownJoinCode):
            participation.join(db, code)

    def test_unknown_code(self, db, ws):
        wrong = f"{(int(ws.join_code) + 1) % 10**8:08d}"
        with pytest.raises(UnknownJoinCode):
            participation.join(db, wrong)
        assert participation.participant_count(db, ws.id) == 0

    def test_draft_and_closed_workshops_cannot_be_joined(self, db, owner, persona_library):
        draft = make_workshop(db, owner, persona_library, open_it=False)
        with pytest.raises(WorkshopNotOpen):
            participation.join(db, draft.join_code)
        opened = svc.open_workshop(db, draft)
        svc.close_workshop(db, opened)
        with pytest.raises(WorkshopNotOpen):
            participation.join(db, draft.join_code)
        assert participation.participant_count(db, draft.id) == 0

    def test_join_straight_into_a_group(self, db, ws):
        p, _ = participation.join(db, ws.join_code, None, ws.groups[2].id)
        assert p.group_id == ws.groups[2].id

    def test_join_with_a_group_of_another_workshop_stores_nothing(self, db, ws, owner, persona_library):
        other = make_workshop(db, owner, persona_library, n_groups=1, title="Annen samling")
        with pytest.raises(WrongWorkshop):
            participation.join(db, ws.join_code, "Kari", other.groups[0].id)
        with pytest.raises(ValidationFailed):
            participation.join(db, ws.join_code, "Kari", str(ws.groups[0].id))
        assert participation.participant_count(db, ws.id) == 0

    def test_choose_a_group_of_another_workshop(self, db, ws, owner, persona_library):
        other = make_workshop(db, owner, persona_library, n_groups=1, title="Annen samling")
        p, _ = participation.join(db, ws.join_code)
        with pytest.raises(WrongWorkshop):
            participation.choose_group(db, p, other.groups[0].id)


# -- contributions -------------------------------------------------------------------------


class TestSubmit:
    def test_post_a_need(self, db, ws, member):
        c, created = post(db, member, ws.groups[0], "  Mentorordning for nyansatte  ")
        assert created
        assert c.text == "Mentorordning for nyansatte"
        assert c.kind.value == "need"
        assert (c.workshop_id, c.group_id, c.persona_id) == (ws.id, ws.groups[0].id, ws.groups[0].persona_id)
        assert c.author_name == "Kari"
        assert c.seq == 1 and participation.last_seq(db, ws.id) == 1
        event = c.as_event()
        assert "participant_id" not in event and "client_id" not in event
        assert event["deleted"] is False and event["edited"] is False

    def test_posting_puts_a_participant_without_group_in_that_group(self, db, ws):
        p, _ = participation.join(db, ws.join_code)
        post(db, p, ws.groups[1])
        db.rollback()
        assert db.get(type(p), p.id).group_id == ws.groups[1].id

    @pytest.mark.parametrize("text", ["", "   ", "\n\t \r\n", "\x00\x01", None])
    def test_empty_text(self, db, ws, member, text):
        with pytest.raises(ValidationFailed) as exc:
            post(db, member, ws.groups[0], text)
        assert (exc.value.field, exc.value.reason) == ("text", "empty")
        assert count_contributions(db) == 0

    def test_text_must_be_a_string(self, db, ws, member):
        with pytest.raises(ValidationFailed) as exc:
            post(db, member, ws.groups[0], ["liste"])
        assert exc.value.reason == "not_text"

    def test_length_limit(self, db, ws, member):
        with pytest.raises(ValidationFailed) as exc:
            post(db, member, ws.groups[0], "x" * 1001)
        assert (exc.value.field, exc.value.reason) == ("text", "too_long")
        assert exc.value.params["max"] == 1000
        assert count_contributions(db) == 0
        c, created = post(db, member, ws.groups[0], "æ" * 1000)
        assert created and len(c.text) == 1000

    def test_length_counts_characters_after_normalisation(self, db, ws, member):
        # 1000 × "e" + combining acute = 2000 code points before NFC, 1000 characters after.
        c, created = post(db, member, ws.groups[0], "e\u0301" * 1000)
        assert created and c.text == "é" * 1000

    @pytest.mark.parametrize("kind", ["idea", "", None, "NEED", 1])
    def test_unknown_kind(self, db, ws, member, kind):
        with pytest.raises(ValidationFailed) as exc:
            post(db, member, ws.groups[0], kind=kind)
        assert (exc.value.field, exc.value.reason) == ("kind", "unknown_kind")
        assert count_contributions(db) == 0

    def test_solution_kind(self, db, ws, member):
        c, _ = post(db, member, ws.groups[0], kind="solution")
        assert c.kind.value == "solution"

    def test_group_of_another_workshop(self, db, ws, member, owner, persona_library):
        other = make_workshop(db, owner, persona_library, n_groups=1, title="Annen samling")
        with pytest.raises(WrongWorkshop):
            post(db, member, other.groups[0])
        assert count_contributions(db) == 0
        assert participation.last_seq(db, other.id) == 0 and participation.last_seq(db, ws.id) == 0

    @pytest.mark.parametrize("group_id", [10**6, 0, -1, 2**31, 2**70, "1", None, True])
    def test_bad_group_id(self, db, ws, member, group_id):
        with pytest.raises((WrongWorkshop, ValidationFailed)):
            participation.submit_contribution(db, member, group_id, "need", "Tekst", client_id())
        assert count_contributions(db) == 0

    def test_post_only_at_ones_own_table(self, db, ws, member):
        from sessions.core.errors import NotInGroup

        with pytest.raises(NotInGroup):
            post(db, member, ws.groups[1])
        assert count_contributions(db) == 0
        moved = participation.choose_group(db, member, ws.groups[1].id)
        c, created = post(db, moved, ws.groups[1])
        assert created and c.group_id == ws.groups[1].id

    def test_closed_workshop(self, db, ws, member):
        svc.close_workshop(db, ws)
        with pytest.raises(WorkshopNotOpen):
            post(db, member, ws.groups[0])
        assert count_contributions(db) == 0

    @pytest.mark.parametrize("cid", ["", "short", "a" * 65, "has space in it", "æøå-12345", None, 12345678])
    def test_bad_client_id(self, db, ws, member, cid):
        with pytest.raises(ValidationFailed) as exc:
            participation.submit_contribution(db, member, ws.groups[0].id, "need", "Tekst", cid)
        assert exc.value.reason == "bad_client_id"

    def test_same_client_id_returns_the_first(self, db, ws, member):
        cid = client_id()
        first, created = post(db, member, ws.groups[0], "Første", cid=cid)
        again, created_again = post(db, member, ws.groups[0], "Første", cid=cid)
        assert created and not created_again
        assert again.id == first.id and again.seq == first.seq
        assert count_contributions(db) == 1
        assert participation.last_seq(db, ws.id) == 1  # a retry takes no sequence number

    def test_retry_with_different_body_still_returns_the_first(self, db, ws, member):
        cid = client_id()
        first, _ = post(db, member, ws.groups[0], "Første", cid=cid)
        again, created = post(db, member, ws.groups[1], "Endret", kind="solution", cid=cid)
        assert not created and again.id == first.id and again.text == "Første"
        assert count_contributions(db) == 1

    def test_client_ids_are_per_participant(self, db, ws, member):
        other, _ = join_participant(db, ws, ws.groups[0])
        cid = client_id()
        a, _ = post(db, member, ws.groups[0], cid=cid)
        b, created = post(db, other, ws.groups[0], cid=cid)
        assert created and a.id != b.id
        assert count_contributions(db) == 2

    def test_seq_increases_monotonically_across_groups(self, db, ws, member):
        other, _ = join_participant(db, ws, ws.groups[1])
        seqs = []
        for i in range(6):
            who, grp = (member, ws.groups[0]) if i % 2 == 0 else (other, ws.groups[1])
            c, _ = post(db, who, grp, f"Innspel {i}")
            seqs.append(c.seq)
        assert seqs == [1, 2, 3, 4, 5, 6]
        assert participation.last_seq(db, ws.id) == 6

    def test_seq_is_per_workshop(self, db, ws, member, owner, persona_library):
        other_ws = make_workshop(db, owner, persona_library, n_groups=1, title="Annen samling")
        p2, _ = join_participant(db, other_ws, other_ws.groups[0])
        post(db, member, ws.groups[0])
        post(db, member, ws.groups[0])
        c, _ = post(db, p2, other_ws.groups[0])
        assert c.seq == 1

    def test_nfc_normalisation(self, db, ws, member):
        decomposed = "Bla\u030aba\u030ar og kompetanse i re\u0301sume\u0301"
        assert unicodedata.is_normalized("NFC", decomposed) is False
        c, _ = post(db, member, ws.groups[0], decomposed)
        assert c.text == "Blåbår og kompetanse i résumé"
        assert unicodedata.is_normalized("NFC", c.text)

    def test_control_characters_are_stripped_but_lines_kept(self, db, ws, member):
        c, _ = post(db, member, ws.groups[0], "Linje\x00 1\x07\r\nLinje\x1b 2\rLinje 3\tslutt")
        assert c.text == "Linje 1\nLinje 2\nLinje 3\tslutt"

    def test_text_is_stored(self, db, ws, member):
        c, _ = post(db, member, ws.groups[0], "Lagra <b>tekst</b> & sånt")
        db.rollback()
        stored = db.get(Contribution, c.id)
        assert stored.text == "Lagra <b>tekst</b> & sånt"


class TestEditDelete:
    def test_edit_own(self, db, ws, member):
        c, _ = post(db, member, ws.groups[0], "Før")
        edited = participation.edit_contribution(db, member, c.id, "  Etter  ")
        assert edited.text == "Etter" and edited.updated_at is not None
        assert edited.seq == 2 and edited.as_event()["edited"] is True

    def test_edit_with_the_same_text_changes_nothing(self, db, ws, member):
        c, _ = post(db, member, ws.groups[0], "Same")
        again = participation.edit_contribution(db, member, c.id, "Same")
        assert again.seq == c.seq and again.updated_at is None

    def test_edit_validates(self, db, ws, member):
        c, _ = post(db, member, ws.groups[0], "Før")
        for bad, reason in (("  ", "empty"), ("y" * 1001, "too_long")):
            with pytest.raises(ValidationFailed) as exc:
                participation.edit_contribution(db, member, c.id, bad)
            assert exc.value.reason == reason
        db.rollback()
        assert db.get(Contribution, c.id).text == "Før"

    def test_cannot_edit_or_delete_another_participants(self, db, ws, member):
        c, _ = post(db, member, ws.groups[0], "Mitt")
        stranger, _ = join_participant(db, ws, ws.groups[0])
        with pytest.raises(NotYourContribution):
            participation.edit_contribution(db, stranger, c.id, "Overtatt")
        with pytest.raises(NotYourContribution):
            participation.delete_contribution(db, stranger, c.id)
        db.rollback()
        stored = db.get(Contribution, c.id)
        assert stored.text == "Mitt" and not stored.deleted and stored.seq == 1

    def test_participant_of_another_workshop_gets_not_found(self, db, ws, member, owner, persona_library):
        c, _ = post(db, member, ws.groups[0])
        other_ws = make_workshop(db, owner, persona_library, n_groups=1, title="Annen samling")
        outsider, _ = join_participant(db, other_ws, other_ws.groups[0])
        with pytest.raises(NotFound):
            participation.edit_contribution(db, outsider, c.id, "Hack")
        with pytest.raises(NotFound):
            participation.delete_contribution(db, outsider, c.id)

    def test_delete_own_leaves_a_tombstone(self, db, ws, member):
        c, _ = post(db, member, ws.groups[0], "Slett meg")
        gone = participation.delete_contribution(db, member, c.id)
        assert gone.deleted and gone.seq == 2
        event = gone.as_event()
        assert event["deleted"] is True and event["text"] == "" and event["author_name"] is None
        assert participation.contributions(db, ws.id) == []
        with pytest.raises(NotFound):
            participation.delete_contribution(db, member, c.id)
        with pytest.raises(NotFound):
            participation.edit_contribution(db, member, c.id, "Tilbake")

    def test_no_edits_after_close(self, db, ws, member):
        c, _ = post(db, member, ws.groups[0], "Før")
        svc.close_workshop(db, ws)
        with pytest.raises(WorkshopNotOpen):
            participation.edit_contribution(db, member, c.id, "Etter")
        with pytest.raises(WorkshopNotOpen):
            participation.delete_contribution(db, member, c.id)
        db.rollback()
        assert db.get(Contribution, c.id).text == "Før"


class TestChangesSince:
    def test_changes_in_order_with_tombstones(self, db, ws, member):
        a, _ = post(db, member, ws.groups[0], "A")  # seq 1
        b, _ = post(db, member, ws.groups[0], "B")  # seq 2
        c, _ = post(db, member, ws.groups[0], "C")  # seq 3
        participation.edit_contribution(db, member, a.id, "A2")  # a: seq 4
        participation.delete_contribution(db, member, b.id)  # b: seq 5
        changes = participation.changes_since(db, ws.id, 0)
        assert [(x.id, x.seq) for x in changes] == [(c.id, 3), (a.id, 4), (b.id, 5)]
        assert changes[-1].deleted
        later = participation.changes_since(db, ws.id, 3)
        assert [x.id for x in later] == [a.id, b.id]
        assert [x.as_event()["text"] for x in later] == ["A2", ""]
        assert participation.changes_since(db, ws.id, 5) == []
        assert [x.id for x in participation.contributions(db, ws.id)] == [c.id, a.id]

    def test_filter_by_group(self, db, ws, member):
        other, _ = join_participant(db, ws, ws.groups[1])
        mine = [post(db, member, ws.groups[0], f"G1 {i}")[0].id for i in range(2)]
        theirs = post(db, other, ws.groups[1], "G2")[0]
        participation.delete_contribution(db, other, theirs.id)
        assert [x.id for x in participation.changes_since(db, ws.id, 0, group_id=ws.groups[0].id)] == mine
        g2 = participation.changes_since(db, ws.id, 0, group_id=ws.groups[1].id)
        assert [(x.id, x.deleted) for x in g2] == [(theirs.id, True)]
        assert participation.changes_since(db, ws.id, 0, group_id=ws.groups[2].id) == []
        assert len(participation.changes_since(db, ws.id, 0)) == 3

    def test_other_workshops_are_not_included(self, db, ws, member, owner, persona_library):
        other_ws = make_workshop(db, owner, persona_library, n_groups=1, title="Annen samling")
        p2, _ = join_participant(db, other_ws, other_ws.groups[0])
        post(db, p2, other_ws.groups[0])
        assert participation.changes_since(db, ws.id, 0) == []

    @pytest.mark.parametrize("since", [-1, "3", None, 1.5, True, 2**31, 2**70])
    def test_bad_since(self, db, ws, since):
        with pytest.raises(ValidationFailed) as exc:
            participation.changes_since(db, ws.id, since)
        assert exc.value.reason == "bad_since"


# -- facilitator access --------------------------------------------------------------------


class TestAccess:
    def test_owner_gets_the_workshop(self, db, ws, owner):
        assert svc.workshop_for_facilitator(db, ws.id, owner).id == ws.id
        assert [w.id for w in svc.workshops_for_user(db, owner)] == [ws.id]

    def test_stranger_gets_not_found(self, db, ws):
        stranger = make_user(db, "fremmed@kommune.no")
        with pytest.raises(NotFound):
            svc.workshop_for_facilitator(db, ws.id, stranger)
        with pytest.raises(NotFound):
            svc.workshop_for_facilitator(db, ws.id, None)
        assert svc.workshops_for_user(db, stranger) == []

    @pytest.mark.parametrize("workshop_id", [424242, 0, -5, 2**31, 2**70])
    def test_missing_workshop_is_the_same_not_found(self, db, owner, workshop_id):
        """Ids outside the INTEGER column's range are "not found" too, not a driver error."""
        with pytest.raises(NotFound):
            svc.workshop_for_facilitator(db, workshop_id, owner)
        with pytest.raises(NotFound):
            svc.get_workshop(db, workshop_id)
        with pytest.raises(NotFound):
            svc.load_for_dashboard(db, workshop_id)

    def test_out_of_range_ids_are_not_found(self, db, ws, member):
        for big in (2**31, 2**70):
            with pytest.raises(NotFound):
                participation.edit_contribution(db, member, big, "x")
            with pytest.raises(NotFound):
                participation.delete_contribution(db, member, big)
            with pytest.raises(WrongWorkshop):
                participation.choose_group(db, member, big)
            with pytest.raises(WrongWorkshop):
                svc.add_group(db, ws, "Bord", big)
            with pytest.raises(WrongWorkshop):
                svc.remove_persona(db, ws, big)

    def test_wall_token(self, db, ws):
        assert svc.workshop_by_wall_token(db, ws.wall_token).id == ws.id
        for bad in ("", "x" * 30, ws.wall_token[:-1] + ("A" if ws.wall_token[-1] != "A" else "B"), None, 5):
            with pytest.raises(NotFound):
                svc.workshop_by_wall_token(db, bad)

    def test_participant_token_lookup(self, db, ws):
        _p, token = participation.join(db, ws.join_code)
        assert participation.participant_by_token(db, token) is not None
        for bad in (None, "", "short", token + "x", 42):
            assert participation.participant_by_token(db, bad) is None
