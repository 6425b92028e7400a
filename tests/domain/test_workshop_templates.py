"""Workshop templates (sessions/workshop_templates/): the snapshot, a workshop from a template, the built-in
2019 template, template files (export, strict import) and who may change what. No Flask."""

from __future__ import annotations

import json

import pytest
from helpers import client_id, join_participant, make_user, make_workshop
from sqlalchemy import delete, func, select

from sessions.accounts.models import User
from sessions.contributions import service as participation
from sessions.core.errors import NotAllowed, ValidationFailed
from sessions.followup import service as followup_svc
from sessions.rounds import plan as rounds_plan
from sessions.rounds import service as rounds_svc
from sessions.rounds.models import Round, RoundStatus
from sessions.tags import service as tags_svc
from sessions.themes import service as themes_svc
from sessions.workshop_templates import content
from sessions.workshop_templates import service as svc
from sessions.workshop_templates.builtin import builtin_2019_id
from sessions.workshop_templates.models import WorkshopTemplate
from sessions.workshops import service as workshops
from sessions.workshops.models import Workshop

CUSTOM = {
    "name": "Kari Kommunalsjef",
    "age": 52,
    "role": "Kommunalsjef for oppvekst",
    "card": "Kari leder oppvekstsektoren i en liten kommune og må finne lærere til tre skoler neste år.",
    "background": "Kari har vært kommunalsjef i seks år. " * 8,
    "questions": [
        "Hvilken kompetanse trenger Kari for å lede rekrutteringen?",
        "Hvordan kan kommunen samarbeide med nabokommunene?",
        "Hva kan høgskolen tilby Kari?",
    ],
}


@pytest.fixture
def owner(db):  # type: ignore[no-untyped-def]
    return make_user(db, "mal.eier@kommune.no")


@pytest.fixture
def other(db):  # type: ignore[no-untyped-def]
    return make_user(db, "kollega@kommune.no")


@pytest.fixture
def full_ws(db, owner, persona_library):  # type: ignore[no-untyped-def]
    """An open workshop with a custom persona, a plan of rounds (one run), a changed vocabulary, people,
    contributions, votes' targets, a theme and a follow-up item."""
    ws = make_workshop(db, owner, persona_library, n_groups=2)
    ws = workshops.update_details(db, ws, workshops.WorkshopDetails.parse(ws.title, "2026-03-12", "Molde", "Velkommen til verkstedet."))
    from sessions.personas.checks import validate_persona_dict

    custom = workshops.add_persona(db, ws, validate_persona_dict(CUSTOM, require_id=False, require_schema=False), from_library=False)
    workshops.add_group(db, ws, "Bord 3", custom.id)
    rounds_plan.add_default_plan(db, ws)
    tags_svc.add_tag(db, ws, "measure", "hospitering i nabokommunen")
    ws = workshops.load_for_dashboard(db, ws.id)
    p, _ = join_participant(db, ws, ws.groups[0], "Kari")
    need, _ = participation.submit_contribution(db, p, ws.groups[0].id, "need", "Mer praksis i studietiden", client_id())
    sol, _ = participation.submit_contribution(db, p, ws.groups[0].id, "solution", "Trainee-program i kommunen", client_id())
    themes_svc.create_theme(db, ws, "Praksis", [need.id])
    followup_svc.add_from_contribution(db, ws, sol.id)
    rounds_svc.start_round(db, ws, rounds_svc.plan(db, ws.id)[0].id)  # run state, never copied
    return workshops.load_for_dashboard(db, ws.id)


def test_the_snapshot_holds_the_structure_and_never_what_people_wrote(db, owner, full_ws):  # type: ignore[no-untyped-def]
    t = svc.save_from_workshop(db, owner, full_ws, "Vårsamling", "Til neste runde")
    text = json.dumps([t.intro, t.personas, t.groups, t.rounds, t.tags], ensure_ascii=False)
    assert "Mer praksis i studietiden" not in text and "Trainee-program" not in text and "Praksis\"" not in text
    assert "Kari\"" not in text.replace("Kari Kommunalsjef", "")  # the participant's name
    assert t.intro == "Velkommen til verkstedet."
    keys = [p["key"] for p in t.personas]
    assert len(keys) == 3 and keys[2].startswith("x-kari")
    custom = t.personas[2]
    assert custom["from_library"] is False and custom["age"] == 52 and custom["questions"] == CUSTOM["questions"]
    assert custom["background"].startswith("Kari har vært kommunalsjef")
    assert [g["name"] for g in t.groups] == ["Bord 1", "Bord 2", "Bord 3"]
    assert t.groups[2]["persona"] == keys[2]
    assert [r["name"] for r in t.rounds] == [s.name for s in rounds_plan.DEFAULT_PLAN]
    voting = t.rounds[2]
    assert voting["voting"] is True and voting["dots"] == 5 and voting["scope"] == "all"
    for r in t.rounds:  # never run state
        assert not {"status", "started_at", "deadline", "remaining_ms", "ended_at", "id", "workshop_id"} & set(r)
    assert {"category": "measure", "label": "hospitering i nabokommunen"} in t.tags


def test_a_workshop_from_a_template_copies_everything_and_is_a_fresh_draft(db, owner, other, full_ws):  # type: ignore[no-untyped-def]
    t = svc.save_from_workshop(db, owner, full_ws, "Vårsamling")
    ws = svc.create_workshop_from_template(db, other, t.id, title="Nordmøre", date="2027-02-01", place="Kristiansund")
    ws = workshops.load_for_dashboard(db, ws.id)
    assert ws.is_draft and ws.owner_id == other.id and ws.template_id == t.id
    assert ws.join_code != full_ws.join_code and ws.wall_token != full_ws.wall_token
    assert (ws.title, ws.place, ws.date.isoformat(), ws.intro) == ("Nordmøre", "Kristiansund", "2027-02-01", full_ws.intro)
    assert [(p.key, p.name, p.card, p.background, list(p.questions), p.from_library) for p in ws.personas] == [
        (p.key, p.name, p.card, p.background, list(p.questions), p.from_library) for p in full_ws.personas
    ]
    assert [(g.name, g.persona.key) for g in ws.groups] == [(g.name, g.persona.key) for g in full_ws.groups]
    made = rounds_svc.plan(db, ws.id)
    source = rounds_svc.plan(db, full_ws.id)
    assert [(r.name, r.prompt, r.duration_s, r.kinds, r.voting, r.dots, r.scope) for r in made] == [
        (r.name, r.prompt, r.duration_s, r.kinds, r.voting, r.dots, r.scope) for r in source
    ]
    assert all(r.status == RoundStatus.planned and r.started_at is None for r in made)
    assert [(x.category, x.label) for x in tags_svc.vocabulary(db, ws.id)] == [(x.category, x.label) for x in tags_svc.vocabulary(db, full_ws.id)]
    assert participation.contributions(db, ws.id) == []
    assert participation.participant_count(db, ws.id) == 0
    ws = workshops.open_workshop(db, ws)  # ready to run
    assert ws.is_open


def test_editing_or_deleting_the_template_never_changes_workshops_made_from_it(db, owner, other, full_ws):  # type: ignore[no-untyped-def]
    t = svc.save_from_workshop(db, owner, full_ws, "Vårsamling")
    ws = svc.create_workshop_from_template(db, other, t.id, title="Romsdal")
    before = (ws.intro, [(p.key, p.name) for p in ws.personas], [g.name for g in ws.groups], [r.name for r in rounds_svc.plan(db, ws.id)])
    svc.update_template(db, owner, t.id, {"name": "Ny", "intro": "Ny intro", "groups": ["A", "B", "C"], "personas": [t.personas[0]["key"]]})
    other_ws = make_workshop(db, owner, {}, n_groups=0, open_it=False, title="Tomt")
    svc.replace_from_workshop(db, owner, t.id, other_ws)
    db.expire_all()
    ws = workshops.load_for_dashboard(db, ws.id)
    assert (ws.intro, [(p.key, p.name) for p in ws.personas], [g.name for g in ws.groups], [r.name for r in rounds_svc.plan(db, ws.id)]) == before
    svc.delete_template(db, owner, t.id)
    db.expire_all()
    ws = workshops.load_for_dashboard(db, ws.id)
    assert ws.template_id is None
    assert (ws.intro, [(p.key, p.name) for p in ws.personas], [g.name for g in ws.groups], [r.name for r in rounds_svc.plan(db, ws.id)]) == before


def test_editing_a_template(db, owner, full_ws):  # type: ignore[no-untyped-def]
    t = svc.save_from_workshop(db, owner, full_ws, "Vårsamling")
    keys = [p["key"] for p in t.personas]
    t = svc.update_template(db, owner, t.id, {"personas": [keys[2], keys[0]], "groups": ["Nord", "Sør", "Vest"], "description": "Kort"})
    assert [p["key"] for p in t.personas] == [keys[2], keys[0]]
    assert [(g["name"], g["persona"]) for g in t.groups] == [("Nord", keys[0]), ("Sør", None), ("Vest", keys[2])]
    assert t.description == "Kort"
    with pytest.raises(ValidationFailed):
        svc.update_template(db, owner, t.id, {"name": ""})
    with pytest.raises(ValidationFailed):
        svc.update_template(db, owner, t.id, {"groups": ["bare én"]})
    with pytest.raises(ValidationFailed):
        svc.update_template(db, owner, t.id, {"rounds": [{"name": "Stemme og skrive", "voting": True, "kinds": ["need"]}]})
    plan = [{"name": "Bare behov", "duration_s": 600, "kinds": ["need"]}, *t.rounds[2:3]]
    t = svc.update_template(db, owner, t.id, {"rounds": plan})
    assert [(r["name"], r["kinds"], r["voting"]) for r in t.rounds] == [("Bare behov", ["need"], False), ("Prioritering", [], True)]
    db.expire_all()
    assert db.get(WorkshopTemplate, t.id).name == "Vårsamling"


def test_only_the_owner_changes_a_template_and_nobody_the_built_in_one(db, owner, other, full_ws, persona_library):  # type: ignore[no-untyped-def]
    t = svc.save_from_workshop(db, owner, full_ws, "Vårsamling")
    for action in (
        lambda: svc.update_template(db, other, t.id, {"name": "Kapret"}),
        lambda: svc.delete_template(db, other, t.id),
        lambda: svc.replace_from_workshop(db, other, t.id, full_ws),
    ):
        with pytest.raises(NotAllowed):
            action()
    builtin = builtin_2019_id(db, persona_library)
    for user in (owner, other):
        with pytest.raises(NotAllowed):
            svc.update_template(db, user, builtin, {"name": "Endret"})
        with pytest.raises(NotAllowed):
            svc.delete_template(db, user, builtin)
    copy = svc.copy_template(db, other, builtin)
    assert copy.owner_id == other.id and copy.personas == db.get(WorkshopTemplate, builtin).personas
    assert svc.update_template(db, other, copy.id, {"name": "Vår egen"}).name == "Vår egen"


def test_deleting_the_owner_account_keeps_the_template_for_the_others(db, owner, other, full_ws):  # type: ignore[no-untyped-def]
    t = svc.save_from_workshop(db, owner, full_ws, "Vårsamling")
    tid = t.id
    db.execute(delete(Workshop).where(Workshop.owner_id == owner.id))
    db.execute(delete(User).where(User.id == owner.id))
    db.commit()
    db.expire_all()
    kept = db.get(WorkshopTemplate, tid)
    assert kept is not None and kept.owner_id is None and kept.personas
    assert svc.may_change(kept, other)
    svc.delete_template(db, other, tid)
    assert db.get(WorkshopTemplate, tid) is None


def test_the_2019_template(db, owner, persona_library):  # type: ignore[no-untyped-def]
    tid = builtin_2019_id(db, persona_library)
    assert builtin_2019_id(db, persona_library) == tid  # stored once
    t = db.get(WorkshopTemplate, tid)
    assert t.name == "Kompetansealliansen Møre og Romsdal 2019" and t.is_builtin and t.owner_id is None
    assert [p["name"].split()[0] for p in t.personas] == ["Ine", "Nils", "Silje", "Trond", "Torunn"]
    assert [p["card"] for p in t.personas] == [persona_library[k].card for k in ("ine", "nils", "silje", "trond", "torunn")]
    assert [g["name"] for g in t.groups] == [f"Bord {i}" for i in range(1, 6)]
    assert len({g["persona"] for g in t.groups}) == 5
    kinds = [(tuple(r["kinds"]), r["voting"]) for r in t.rounds]
    assert kinds.index((("need",), False)) < kinds.index((("solution",), False)) < kinds.index(((), True))
    from sessions.tags.models import default_tags

    assert [(x["category"], x["label"]) for x in t.tags] == [(c, label) for c, label, _ in default_tags()]
    made = [svc.create_workshop_from_template(db, owner, tid, title=f"Region {i}") for i in range(3)]
    assert len({w.join_code for w in made}) == 3
    assert all(len(workshops.load_for_dashboard(db, w.id).groups) == 5 for w in made)
    # Without a library given, the repository's persona files are used.
    assert builtin_2019_id(db) == tid


def test_export_import_round_trip_gives_the_same_structure(db, owner, other, full_ws):  # type: ignore[no-untyped-def]
    t = svc.save_from_workshop(db, owner, full_ws, "Vårsamling", "Beskrivelse")
    raw = json.dumps(svc.export_document(t), ensure_ascii=False).encode("utf-8")
    doc = json.loads(raw)
    assert doc["format"] == "personaverkstad-template" and doc["version"] == 1
    copy = svc.import_file(db, other, raw)
    assert copy.id != t.id and copy.owner_id == other.id
    assert (copy.name, copy.description, copy.intro, copy.personas, copy.groups, copy.rounds, copy.tags) == (
        t.name, t.description, t.intro, t.personas, t.groups, t.rounds, t.tags
    )
    a = workshops.load_for_dashboard(db, svc.create_workshop_from_template(db, other, t.id, title="A").id)
    b = workshops.load_for_dashboard(db, svc.create_workshop_from_template(db, other, copy.id, title="B").id)

    def structure(ws):  # type: ignore[no-untyped-def]
        return (
            ws.intro,
            [(p.key, p.name, p.age, p.role, p.card, p.background, list(p.questions), p.from_library) for p in ws.personas],
            [(g.name, g.persona.key if g.persona else None) for g in ws.groups],
            [(r.name, r.prompt, r.duration_s, list(r.kinds), r.voting, r.dots, r.scope) for r in rounds_svc.plan(db, ws.id)],
            [(x.category, x.label) for x in tags_svc.vocabulary(db, ws.id)],
        )

    assert structure(a) == structure(b) != structure(workshops.load_for_dashboard(db, make_workshop(db, owner, {}, n_groups=0, open_it=False).id))


def _good(db, owner, full_ws):  # type: ignore[no-untyped-def]
    return svc.export_document(svc.save_from_workshop(db, owner, full_ws, "Mal"))


BAD_FILES = [
    (b"dette er ikke json", "not_json"),
    (b"", "empty_file"),
    (b"[1, 2]", "not_a_template"),
    (b"\xff\xfe{}", "not_json"),
    (b"[" * 5000 + b"]" * 5000, "not_json"),
    (b'{"format": "personaverkstad-workshop", "version": 1}', "not_a_template"),
    (b"x" * (content.MAX_FILE_BYTES + 1), "file_too_large"),
]


@pytest.mark.parametrize(("raw", "reason"), BAD_FILES)
def test_a_file_that_is_no_template_is_refused_and_nothing_is_stored(db, owner, raw, reason):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as err:
        svc.import_file(db, owner, raw)
    assert err.value.field == "template_file" and err.value.reason == reason
    assert db.scalar(select(func.count()).select_from(WorkshopTemplate)) == 0


def _breakers():  # type: ignore[no-untyped-def]
    def with_(**kw):  # type: ignore[no-untyped-def]
        return lambda d: {**d, **kw}

    def persona(i, **kw):  # type: ignore[no-untyped-def]
        def change(d):  # type: ignore[no-untyped-def]
            ps = [dict(p) for p in d["personas"]]
            ps[i].update(kw)
            return {**d, "personas": ps}

        return change

    def drop(key):  # type: ignore[no-untyped-def]
        return lambda d: {k: v for k, v in d.items() if k != key}

    return [
        (with_(version=2), "template_file", "unsupported_version"),
        (with_(version="1"), "template_file", "unsupported_version"),
        (drop("personas"), "template", "missing"),
        (drop("name"), "template", "missing"),
        (with_(name="x" * 121), "template", "text_too_long"),
        (with_(intro="x" * 4001), "template", "text_too_long"),
        (with_(extra=1), "template", "unknown_field"),
        (with_(groups=[{"name": "Bord 1", "persona": "finnes-ikke"}]), "template", "unknown_group_persona"),
        (with_(groups=[{"name": "", "persona": None}]), "template", "missing"),
        (persona(0, age=12), "template", "bad_persona"),
        (persona(1, card="for kort"), "template", "bad_persona"),
        (persona(2, questions=["Bare ett spørsmål?"]), "template", "bad_persona"),
        (persona(0, key="Ugyldig Nøkkel"), "template", "bad_persona"),
        (persona(0, secret="x"), "template", "bad_persona"),
        (lambda d: {**d, "personas": d["personas"] + [d["personas"][0]]}, "template", "duplicate_persona"),
        (with_(rounds=[{"name": "Runde", "kinds": ["ukjent"]}]), "template", "bad_round"),
        (with_(rounds=[{"name": "Runde", "status": "running"}]), "template", "bad_round"),
        (with_(rounds=[{"name": "Runde", "voting": True, "kinds": ["need"]}]), "template", "bad_round"),
        (with_(rounds=[{"name": "Runde", "duration_s": "lenge"}]), "template", "bad_round"),
        (with_(rounds=[{"name": "R"}] * 31), "template", "too_many_items"),
        (with_(tags=[{"category": "ukjent", "label": "x"}]), "template", "bad_tag"),
        (with_(tags="alle"), "template", "bad_value"),
        (with_(personas={"a": 1}), "template", "bad_value"),
    ]


@pytest.mark.parametrize(("breaker", "field", "reason"), _breakers())
def test_a_broken_template_file_is_refused_saying_what_is_wrong(db, owner, full_ws, breaker, field, reason):  # type: ignore[no-untyped-def]
    good = _good(db, owner, full_ws)
    before = db.scalar(select(func.count()).select_from(WorkshopTemplate))
    with pytest.raises(ValidationFailed) as err:
        svc.import_file(db, owner, json.dumps(breaker(good)).encode())
    assert (err.value.field, err.value.reason) == (field, reason)
    assert db.scalar(select(func.count()).select_from(WorkshopTemplate)) == before
    # The unbroken file imports.
    assert svc.import_file(db, owner, json.dumps(good).encode()).name == "Mal"


def test_a_new_plan_column_is_copied_without_a_change_here(db, owner, full_ws):  # type: ignore[no-untyped-def]
    """Plan columns come from the rounds table; a column another feature adds travels along."""
    from sessions.workshop_templates import rounds as template_rounds

    names = {c.name for c in template_rounds.plan_columns()}
    assert {"name", "prompt", "duration_s", "kinds", "voting", "dots", "scope"} <= names
    assert not names & {"id", "workshop_id", "status", "started_at", "deadline", "remaining_ms", "ended_at"}
    rows = template_rounds.snapshot(rounds_svc.plan(db, full_ws.id))
    assert all(set(r) == names for r in rows)
    assert db.scalar(select(func.count()).select_from(Round).where(Round.workshop_id == full_ws.id)) == len(rows)


def test_deleting_workshops_leaves_their_templates(db, owner, full_ws):  # type: ignore[no-untyped-def]
    """A template is not part of a workshop (docs/privacy.md): GDPR deletion of the workshop it was saved
    from, or of one made from it, leaves it whole."""
    from sessions.privacy.service import delete_workshop

    t = svc.save_from_workshop(db, owner, full_ws, "Vårsamling")
    tid, kept = t.id, (t.name, t.intro, t.personas, t.groups, t.rounds, t.tags)
    made = svc.create_workshop_from_template(db, owner, tid, title="Fra malen")
    assert delete_workshop(db, full_ws.id) and delete_workshop(db, made.id)
    db.expire_all()
    t = db.get(WorkshopTemplate, tid)
    assert (t.name, t.intro, t.personas, t.groups, t.rounds, t.tags) == kept


def test_a_hos_oss_round_travels_in_a_template_and_its_file(db, owner, other, full_ws):  # type: ignore[no-untyped-def]
    """The «Hos oss» round kind (local cases) is copied like any other plan row: saved, made, exported, imported."""
    spec = rounds_plan.RoundSpec.parse("Hos oss", "Gå fra personaen til egen kommune", 10, ["local"])
    rounds_plan.add_round(db, full_ws, spec)
    t = svc.save_from_workshop(db, owner, workshops.load_for_dashboard(db, full_ws.id), "Med Hos oss")
    assert t.rounds[-1]["kinds"] == ["local"] and t.rounds[-1]["name"] == "Hos oss"
    ws = svc.create_workshop_from_template(db, other, t.id, title="Romsdal")
    assert rounds_svc.plan(db, ws.id)[-1].kinds == ["local"]
    again = svc.import_file(db, other, json.dumps(svc.export_document(t)).encode("utf-8"))
    made = svc.create_workshop_from_template(db, other, again.id, title="Sunnmøre")
    assert [(r.name, r.kinds) for r in rounds_svc.plan(db, made.id)] == [(r.name, r.kinds) for r in rounds_svc.plan(db, ws.id)]
