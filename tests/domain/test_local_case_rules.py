"""«Hos oss» without Flask: local cases are stored with their municipality and link, only in a round that opens
them, and a link to anything but a visible need or proposal of the same workshop stores nothing."""

from __future__ import annotations

import pytest
from helpers import client_id, join_participant, make_user, make_workshop
from sqlalchemy import func, select

from sessions.contributions import local, moderation
from sessions.contributions import service as participation
from sessions.contributions.models import Contribution, ContributionKind
from sessions.core.errors import KindNotOpen, UnknownOrigin, ValidationFailed
from sessions.followup import service as followup
from sessions.report.build import build_report
from sessions.rounds import plan as rounds_plan
from sessions.rounds import service as rounds


@pytest.fixture
def owner(db):  # type: ignore[no-untyped-def]
    return make_user(db, "hososs@kommune.no")


@pytest.fixture
def ws(db, owner, persona_library):  # type: ignore[no-untyped-def]
    return make_workshop(db, owner, persona_library, n_groups=2)


@pytest.fixture
def table(db, ws):  # type: ignore[no-untyped-def]
    """A participant at the first table, with a need and a proposal written in the first two rounds, and the
    «Hos oss» round running."""
    group = ws.groups[0]
    p, _ = join_participant(db, ws, group)
    for name, kind in (("Behov", "need"), ("Forslag", "solution"), ("Hos oss", "local")):
        rounds_plan.add_round(db, ws, rounds_plan.RoundSpec.parse(name, "", "10", [kind]))
    first, second, third = rounds.plan(db, ws.id)
    rounds.start_round(db, ws, first.id)
    need = post(db, p, group, "need", "Veiledning av nyansatte")
    rounds.end_round(db, ws, first.id)
    rounds.start_round(db, ws, second.id)
    proposal = post(db, p, group, "solution", "Mentorordning i hjemmetjenesten")
    rounds.end_round(db, ws, second.id)
    rounds.start_round(db, ws, third.id)
    return p, group, need, proposal


def post(db, p, group, kind, text, **local_fields):  # type: ignore[no-untyped-def]
    return participation.submit_contribution(
        db, p, group.id, kind, text, client_id(), None, local_fields.get("municipality"), local_fields.get("grew_from_id")
    )[0]


def count(db) -> int:  # type: ignore[no-untyped-def]
    return db.scalar(select(func.count()).select_from(Contribution)) or 0


def test_a_local_case_is_stored_with_its_municipality_and_link(db, ws, table):
    p, group, need, _proposal = table
    case = post(db, p, group, "local", "Tre nyansatte sluttet i høst", municipality="  Kristiansund ", grew_from_id=need.id)
    stored = db.get(Contribution, case.id)
    assert stored.kind == ContributionKind.local
    assert (stored.municipality, stored.grew_from_id, stored.persona_id) == ("Kristiansund", need.id, group.persona_id)
    event = case.as_event()
    assert (event["kind"], event["municipality"], event["grew_from_id"]) == ("local", "Kristiansund", need.id)
    # A form sends the id as digits; no link at all is fine too.
    assert post(db, p, group, "local", "Vikarbruk", municipality="Averøy", grew_from_id=str(need.id)).grew_from_id == need.id
    assert post(db, p, group, "local", "Turnus", municipality="Averøy").grew_from_id is None
    assert local.municipalities(db, ws.id) == ["Averøy", "Kristiansund"]


@pytest.mark.parametrize(
    ("fields", "error", "reason"),
    [
        ({"grew_from_id": None}, ValidationFailed, "empty"),  # the municipality is required
        ({"municipality": "K" * 81}, ValidationFailed, "too_long"),
        ({"municipality": "Molde", "grew_from_id": "x"}, ValidationFailed, "not_a_number"),
        ({"municipality": "Molde", "grew_from_id": True}, ValidationFailed, "not_a_number"),
        ({"municipality": "Molde", "grew_from_id": 2**31}, ValidationFailed, "not_a_number"),
        ({"municipality": "Molde", "grew_from_id": 999999}, UnknownOrigin, None),
    ],
)
def test_bad_input_stores_nothing(db, table, fields, error, reason):
    p, group, _need, _proposal = table
    before = count(db)
    with pytest.raises(error) as err:
        post(db, p, group, "local", "En sak", **fields)
    if reason:
        assert err.value.reason == reason
    assert count(db) == before


def test_a_link_to_another_workshops_need_is_refused(db, owner, persona_library, table):
    p, group, _need, _proposal = table
    other = make_workshop(db, owner, persona_library, n_groups=1, title="Romsdal")
    q, _ = join_participant(db, other, other.groups[0])
    theirs = post(db, q, other.groups[0], "need", "Språkopplæring")
    before = count(db)
    with pytest.raises(UnknownOrigin):
        post(db, p, group, "local", "En sak", municipality="Molde", grew_from_id=theirs.id)
    assert count(db) == before


def test_a_case_grows_only_from_a_visible_need_or_proposal(db, ws, table):
    p, group, need, proposal = table
    case = post(db, p, group, "local", "Første sak", municipality="Molde", grew_from_id=proposal.id)
    with pytest.raises(UnknownOrigin):  # not from another local case
        post(db, p, group, "local", "Andre sak", municipality="Molde", grew_from_id=case.id)
    moderation.hide(db, ws, need.id)
    with pytest.raises(UnknownOrigin):  # nor from a hidden need
        post(db, p, group, "local", "Tredje sak", municipality="Molde", grew_from_id=need.id)


def test_a_round_takes_only_its_kinds(db, ws, table):
    p, group, _need, _proposal = table
    with pytest.raises(KindNotOpen):  # the «Hos oss» round takes no needs
        post(db, p, group, "need", "Et behov til")
    rounds.end_round(db, ws, rounds.plan(db, ws.id)[2].id)


def test_no_local_cases_before_the_plan_starts(db, ws):
    p, _ = join_participant(db, ws, ws.groups[0])
    with pytest.raises(KindNotOpen) as err:
        post(db, p, ws.groups[0], "local", "En sak", municipality="Molde")
    assert err.value.params["reason"] == "no_local_round"
    # A workshop without a plan still takes needs and proposals, and ignores local fields on them.
    need = post(db, p, ws.groups[0], "need", "Et behov", municipality="Molde", grew_from_id=12)
    assert (need.municipality, need.grew_from_id) == (None, None)


def test_deleting_the_origin_keeps_the_case(db, ws, table):
    p, group, need, _proposal = table
    case = post(db, p, group, "local", "Sak", municipality="Molde", grew_from_id=need.id)
    participation.delete_contribution(db, p, need.id)
    cases = local.local_cases(db, ws.id)
    assert [(m.municipality, [(c.id, c.origin_text) for c in m.cases]) for m in cases] == [("Molde", [(case.id, "")])]


def test_local_cases_by_municipality_and_in_the_report(db, ws, table):
    p, group, need, proposal = table
    a = post(db, p, group, "local", "Sak i Molde", municipality="Molde", grew_from_id=need.id)
    b = post(db, p, group, "local", "Sak på Averøy", municipality="Averøy", grew_from_id=proposal.id)
    report = build_report(db, ws.id)
    assert [(m.municipality, [(c.id, c.origin_kind, c.origin_text) for c in m.cases]) for m in report.local_cases] == [
        ("Averøy", [(b.id, "solution", proposal.text)]),
        ("Molde", [(a.id, "need", need.text)]),
    ]
    # The persona sections and the figures count needs and proposals only, as before.
    assert (report.participation.needs, report.participation.solutions, report.participation.contributions) == (1, 1, 2)
    assert all(c.kind != "local" for c in report.contributions)


def test_a_local_case_goes_into_the_follow_up_register_with_its_municipality(db, ws, table):
    p, group, need, _proposal = table
    case = post(db, p, group, "local", "Tre nyansatte sluttet", municipality="Kristiansund", grew_from_id=need.id)
    item = followup.add_from_contribution(db, ws, case.id)
    assert (item.municipality, item.source_id, item.text) == ("Kristiansund", case.id, case.text)
    assert item.as_json(item.created_at.date())["municipality"] == "Kristiansund"
    assert followup.local_cases_not_followed(db, ws.id) == []
    with pytest.raises(Exception) as err:
        followup.add_from_contribution(db, ws, need.id)
    assert getattr(err.value, "code", "") == "not_a_proposal"


def test_local_cases_and_their_follow_up_survive_the_archive(db, owner, ws, table):
    from sessions.archive.service import export_archive, import_archive

    p, group, need, _proposal = table
    case = post(db, p, group, "local", "Sak", municipality="Molde", grew_from_id=need.id)
    followup.add_from_contribution(db, ws, case.id)
    doc = export_archive(db, ws.id)
    kinds = [c["kind"] for c in doc["contributions"]]
    assert "municipality" not in doc["contributions"][kinds.index("need")]
    copy = import_archive(db, doc, owner)
    cases = local.local_cases(db, copy.id)
    assert [(m.municipality, [(c.text, c.origin_text) for c in m.cases]) for m in cases] == [("Molde", [("Sak", need.text)])]
    assert [i.municipality for i in followup.followups(db, copy.id)] == ["Molde"]
    # A case that claims to grow from another case (or from nowhere) is refused, and nothing is imported.
    doc["contributions"][kinds.index("local")]["grew_from"] = kinds.index("local")
    with pytest.raises(ValidationFailed):
        import_archive(db, doc, owner)


def test_deleting_a_case_clears_its_municipality_too(db, ws, table):
    p, group, need, _proposal = table
    case = post(db, p, group, "local", "Sak", municipality="Molde", grew_from_id=need.id)
    participation.delete_contribution(db, p, case.id)
    stored = db.get(Contribution, case.id)
    assert (stored.deleted, stored.text, stored.municipality) == (True, "", None)
    assert local.municipalities(db, ws.id) == []
