"""Privacy: deleting a participant's words on request, deleting a workshop leaving no row behind,
retention with an injected clock, the privacy pages, and logs that never hold contribution text.

The "no row behind" checks are generic: they walk every table in ``Base.metadata`` (so tables added by
later features are covered as soon as they exist) and compute, independently of ``sessions/privacy.py``,
which rows belong to a workshop by following the foreign keys from it. Tables that the domain calls below
do not fill get one generated row per workshop (``fill_empty_tables``), so no table passes by being empty.
Runs on SQLite (foreign keys on) and on PostgreSQL when ``DATABASE_URL`` is set.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    client_id,
    join_participant,
    make_user,
    make_workshop,
    phone_client,
    post_form,
    post_from,
    post_json,
    settle_pushes,
)
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    Integer,
    String,
    Text,
    insert,
    select,
    update,
)
from sqlalchemy.engine import make_url

from sessions.contributions import moderation
from sessions.contributions import service as participation
from sessions.contributions.models import Contribution, Participant
from sessions.core import store
from sessions.core.base import Base, utcnow
from sessions.core.errors import NotFound, ValidationFailed
from sessions.core.store import write_transaction
from sessions.privacy import service as privacy
from sessions.report import service as report_svc
from sessions.rounds import plan as rounds_plan
from sessions.rounds import service as rounds
from sessions.rounds import voting
from sessions.rounds.models import LiveState
from sessions.series import service as series_svc
from sessions.workshops.models import Workshop, WorkshopStatus

# Tables that hold no workshop's data (facilitator accounts; their series of workshops: a series is the
# owner's and stays when one of its workshops is deleted, the membership row goes; the installation's
# workshop templates, which outlive the workshops saved as or made from them: docs/privacy.md).
GLOBAL_TABLES = {"users", "workshop_series", "workshop_templates"}


# -- generic views of the whole database -------------------------------------------------------------


def tables() -> list[Any]:
    return list(Base.metadata.sorted_tables)


def all_rows(db: Any) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, as dicts, in a fresh read."""
    db.rollback()
    out = {t.name: [dict(r._mapping) for r in db.execute(select(t))] for t in tables()}
    db.rollback()
    return out


def pk(table: Any, row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[c.name] for c in table.primary_key.columns)


def _targets() -> set[tuple[str, str]]:
    """Every (table, column) some foreign key points at."""
    return {(fk.column.table.name, fk.column.name) for t in tables() for fk in t.foreign_keys}


def _cascading(fk: Any) -> bool:
    return (fk.ondelete or "").upper() != "SET NULL"


def owned(rows: dict[str, list[dict[str, Any]]], workshop_id: int) -> dict[str, set[tuple[Any, ...]]]:
    """The rows (by primary key) that belong to the workshop: it, and every row that references a row that
    belongs to it through a reference that is not ``ON DELETE SET NULL`` (computed to a fixpoint)."""
    by_name = {t.name: t for t in tables()}
    mine: dict[str, set[tuple[Any, ...]]] = {t.name: set() for t in tables()}
    mine["workshops"] = {(workshop_id,)}
    changed = True
    while changed:
        changed = False
        values = {
            (name, col): {r[col] for r in rows[name] if pk(by_name[name], r) in mine[name]} for name, col in _targets()
        }
        for t in tables():
            for r in rows[t.name]:
                key = pk(t, r)
                if key in mine[t.name]:
                    continue
                for fk in t.foreign_keys:
                    v = r[fk.parent.name]
                    if v is not None and _cascading(fk) and v in values[(fk.column.table.name, fk.column.name)]:
                        mine[t.name].add(key)
                        changed = True
                        break
    return mine


def expected_after_delete(rows: dict[str, list[dict[str, Any]]], gone: dict[str, set[tuple[Any, ...]]]) -> dict[str, list[dict[str, Any]]]:
    """What a correct deletion of the ``gone`` rows leaves: the other rows, with SET NULL references into
    the deleted rows cleared -- and nothing else changed."""
    by_name = {t.name: t for t in tables()}
    gone_values = {(name, col): {r[col] for r in rows[name] if pk(by_name[name], r) in gone[name]} for name, col in _targets()}
    out: dict[str, list[dict[str, Any]]] = {}
    for t in tables():
        kept = []
        for r in rows[t.name]:
            if pk(t, r) in gone[t.name]:
                continue
            r = dict(r)
            for fk in t.foreign_keys:
                if not _cascading(fk) and r[fk.parent.name] in gone_values[(fk.column.table.name, fk.column.name)]:
                    r[fk.parent.name] = None
            kept.append(r)
        out[t.name] = kept
    return out


def same_rows(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> bool:
    return sorted(map(repr, (sorted(r.items()) for r in a))) == sorted(map(repr, (sorted(r.items()) for r in b)))


def text_hits(rows: dict[str, list[dict[str, Any]]], marker: str) -> list[str]:
    """Where ``marker`` occurs in any stored value (strings, JSON, anything with a str())."""
    return [
        f"{name}.{col}"
        for name, items in rows.items()
        for r in items
        for col, v in r.items()
        if v is not None and marker.lower() in str(v).lower()
    ]


def _filler_value(col: Any, marker: str, n: int) -> Any:
    t = col.type
    if isinstance(t, Enum):
        return t.enums[0]
    if isinstance(t, Boolean):
        return False
    if isinstance(t, Integer):
        return n
    if isinstance(t, DateTime):
        return utcnow()
    if isinstance(t, Date):
        return dt.date.today()
    if isinstance(t, JSON):
        return [marker]
    if isinstance(t, (String, Text)):
        text = f"{marker} {col.table.name}.{col.name} {n}"
        return text[: t.length] if getattr(t, "length", None) else text
    raise AssertionError(f"fill_empty_tables: no value for {col.table.name}.{col.name} ({t!r})")


def fill_empty_tables(db: Any, workshop_id: int, marker: str) -> list[str]:
    """One generated row, belonging to the workshop, in every table where it has none yet (tables added by
    later features included). Foreign keys point at the workshop's own rows. Returns the tables filled."""
    filled = []
    for t in tables():
        if t.name in GLOBAL_TABLES:
            continue
        rows = all_rows(db)
        mine = owned(rows, workshop_id)
        if mine[t.name]:
            continue
        values: dict[str, Any] = {}
        for col in t.columns:
            fks = list(col.foreign_keys)
            if fks:
                target = fks[0].column.table
                pool = rows[target.name] if target.name in GLOBAL_TABLES else [
                    r for r in rows[target.name] if pk(target, r) in mine[target.name]
                ]
                if not pool:
                    assert col.nullable, f"{t.name}.{col.name}: the workshop has no {target.name} row to point at"
                    continue
                values[col.name] = pool[0][fks[0].column.name]
            elif col.primary_key and isinstance(col.type, Integer) and col.autoincrement in (True, "auto"):
                continue
            elif col.default is not None or col.server_default is not None:
                continue
            elif not col.nullable:
                values[col.name] = _filler_value(col, marker, len(filled) + 1)
        with write_transaction(db):
            db.execute(insert(t).values(**values))
        filled.append(t.name)
    return filled


def fresh(db: Any, model: Any, ident: Any) -> Any:
    """The row as stored now (a new read, not the session's cached object), or None."""
    db.rollback()
    return db.execute(select(model).where(model.id == ident).execution_options(populate_existing=True)).scalar_one_or_none()


def sqlite_file(database_url: str) -> Path | None:
    url = make_url(database_url)
    return Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None


def file_bytes(path: Path) -> bytes:
    data = b""
    for suffix in ("", "-wal"):
        p = Path(str(path) + suffix)
        if p.exists():
            data += p.read_bytes()
    return data


# -- a populated workshop ----------------------------------------------------------------------------


class World:
    """A workshop with everything the running features make: participants (one named), contributions, a
    facilitator's edit, merges both ways, a hidden one, a voting round with dots, a spotlight, report texts,
    a share link, a co-facilitator; then one generated row in every table still empty."""

    def __init__(self, db: Any, owner: Any, co: Any, library: Any, tag: str) -> None:
        self.marker = f"MERKE{tag}{uuid.uuid4().hex[:6]}"
        m = self.marker
        ws = make_workshop(db, owner, library, n_groups=3, title=f"Samling {tag}")
        self.id = ws.id
        g1, g2 = ws.groups[0], ws.groups[1]
        self.p, self.p_token = join_participant(db, ws, g1, f"{m} Navn")
        self.q, _ = join_participant(db, ws, g1, None)
        self.r, _ = join_participant(db, ws, g2, "Rita")

        def post(who: Any, group: Any, kind: str, text: str) -> Contribution:
            return participation.submit_contribution(db, who, group.id, kind, text, client_id())[0]

        # P's first contribution is the workshop's first: generated rows (tags, themes, ...) point at it.
        self.c1 = post(self.p, g1, "need", f"{m} behov en, om digital kompetanse")
        self.c2 = post(self.p, g1, "solution", f"{m} forslag to, mentorordning")
        self.c3 = post(self.p, g1, "need", f"{m} behov tre, om turnus")
        self.q1 = post(self.q, g1, "need", "Behov fra Q om opplæring i nye verktøy")
        self.q2 = post(self.q, g1, "solution", "Forslag fra Q om hospitering")
        self.r1 = post(self.r, g2, "need", "Behov fra R om lederstøtte")
        gone = post(self.r, g2, "solution", f"{m} et forslag R angret")
        participation.delete_contribution(db, self.r, gone.id)
        wsx = db.get_one(Workshop, ws.id)
        moderation.edit(db, wsx, self.c1.id, "Fasilitatorens omskrivning av behov en")
        moderation.merge(db, wsx, self.q1.id, self.c1.id)  # Q's duplicate inside P's card
        moderation.merge(db, wsx, self.c2.id, self.q2.id)  # P's duplicate inside Q's card
        moderation.hide(db, wsx, self.r1.id)
        r = rounds_plan.add_round(db, wsx, rounds_plan.RoundSpec.parse("Prioritering", "", "5", [], True, 5, "all"))
        rounds.start_round(db, wsx, r.id)
        voting.cast(db, self.p, self.q2.id)
        voting.cast(db, self.q, self.c3.id)
        voting.cast(db, self.q, self.c1.id)
        voting.cast(db, self.r, self.q2.id)
        moderation.set_spotlight(db, wsx, self.c3.id)
        report_svc.save_texts(db, wsx, report_svc.TextsInput.parse("Kommunen", f"Sammendrag {tag}", "", ""))
        report_svc.create_share_link(db, wsx, owner, f"Lenke {tag}")
        from sessions.workshops.models import WorkshopFacilitator

        with write_transaction(db):
            db.add(WorkshopFacilitator(workshop_id=ws.id, user_id=co.id))
        # The workshop in the owner's series (sessions/series/): its membership row is the workshop's.
        series = series_svc.series_for_user(db, owner) or [series_svc.create_series(db, owner, series_svc.SeriesDetails("Serie", ""))]
        series_svc.add_workshop(db, series[0], ws.id)
        # Generated rows carry a marker of their own: the participant's words are only in `marker`.
        self.gen_marker = f"GEN{tag}{uuid.uuid4().hex[:6]}"
        self.generated = fill_empty_tables(db, ws.id, self.gen_marker)


@pytest.fixture
def two_worlds(db: Any, persona_library: Any) -> tuple[World, World]:
    owner = make_user(db, "eier@kommune.no")
    co = make_user(db, "medhjelper@kommune.no")
    return World(db, owner, co, persona_library, "A"), World(db, owner, co, persona_library, "B")


# -- deleting a workshop: no row behind --------------------------------------------------------------


def test_gdpr_deletion_of_a_workshop_leaves_no_row_behind(db: Any, engine: Any, database_url: str, two_worlds: tuple[World, World]) -> None:
    a, b = two_worlds
    before = all_rows(db)
    mine_a, mine_b = owned(before, a.id), owned(before, b.id)
    # Every table takes part: the check below cannot pass because a table is empty.
    empty = sorted(t.name for t in tables() if t.name not in GLOBAL_TABLES and not (mine_a[t.name] and mine_b[t.name]))
    assert not empty, f"tables without rows of both workshops: {empty}"
    assert all(not (mine_a[n] & mine_b[n]) for n in mine_a), "a row belongs to both workshops"
    assert text_hits(before, a.marker)

    counts = privacy.delete_workshop(db, a.id)

    after = all_rows(db)
    expected = expected_after_delete(before, mine_a)
    for t in tables():
        assert same_rows(after[t.name], expected[t.name]), f"table {t.name}: rows differ from 'everything of A gone, the rest unchanged'"
    # The report of what was deleted matches, table by table.
    assert counts == {name: len(keys) for name, keys in mine_a.items() if keys}
    # Nothing anywhere still names A's rows, and A's texts and names are nowhere.
    assert text_hits(after, a.marker) == [] and text_hits(after, a.gen_marker) == []
    assert text_hits(after, b.marker) and text_hits(after, b.gen_marker)
    # B's rows are row-by-row what they were.
    for t in tables():
        b_before = [r for r in before[t.name] if pk(t, r) in mine_b[t.name]]
        b_after = [r for r in after[t.name] if pk(t, r) in mine_b[t.name]]
        assert same_rows(b_before, b_after), t.name
    assert store.integrity_ok(engine)
    # Idempotent: deleting again finds nothing.
    assert privacy.delete_workshop(db, a.id) is None

    path = sqlite_file(database_url)
    if path is not None:
        # secure_delete zeroes the freed space; the purge moves the WAL in and truncates it.
        db.rollback()
        assert store.purge_deleted(engine)
        raw = file_bytes(path)
        assert a.marker.encode() not in raw, "A's text is still in the SQLite file"
        assert a.gen_marker.encode() not in raw
        assert b.marker.encode() in raw


def test_every_table_with_a_path_to_a_workshop_is_deleted_through(db: Any) -> None:
    """The generic walk knows every table of the metadata except the facilitator accounts."""
    assert set(privacy.workshop_tables()) == {t.name for t in tables()} - GLOBAL_TABLES


# -- forgetting one participant ----------------------------------------------------------------------


def test_forgetting_a_participant_removes_their_words_everywhere(db: Any, engine: Any, database_url: str, two_worlds: tuple[World, World]) -> None:
    a, b = two_worlds
    followups = Base.metadata.tables.get("followups")
    if followups is not None:
        # Follow-up items copy the proposal's text: one kept verbatim, one reworded by the organisers.
        with write_transaction(db):
            db.execute(update(followups).where(followups.c.workshop_id == a.id).values(source_id=None))
            db.execute(insert(followups).values(workshop_id=a.id, source_id=a.c2.id, source_text=a.c2.text, text=a.c2.text, position=90))
            db.execute(insert(followups).values(workshop_id=a.id, source_id=a.c3.id, source_text=a.c3.text, text="Kommunen lager en turnusplan", position=91))
    before = all_rows(db)
    mine_b = owned(before, b.id)
    seq_before = db.get_one(Workshop, a.id).last_seq
    own_ids = {a.c1.id, a.c2.id, a.c3.id}
    own_all = {c["id"] for c in before["contributions"] if c["participant_id"] == a.p.id}
    db.rollback()

    code = privacy.deletion_code(a.p.token_hash)
    found = privacy.participant_by_deletion_code(db, a.id, privacy.display_code(code).lower())
    assert found.id == a.p.id
    fp = privacy.footprint(db, found)
    assert (fp.contributions, fp.votes, fp.named) == (3, 1, True)

    erasure = privacy.forget_participant(db, a.id, a.p.id)

    after = all_rows(db)
    assert text_hits(after, a.marker) == [], "their words or name are still stored"
    assert db.get(Participant, a.p.id) is None
    stored = {c["id"]: c for c in after["contributions"]}
    for cid in own_all:
        c = stored[cid]
        assert (c["deleted"], c["text"], c["original_text"], c["author_name"], c["participant_id"]) == (True, "", None, None, None)
        assert c["merged_into_id"] is None and c["seq"] > seq_before
    # Q's duplicate that sat inside P's card has its own card again; Q's card lost P's text.
    assert stored[a.q1.id]["merged_into_id"] is None and stored[a.q1.id]["seq"] > seq_before
    assert stored[a.q2.id]["seq"] > seq_before
    visible = {c.id: c for c in participation.contributions(db, a.id, include_hidden=True)}
    assert a.q1.id in visible and not own_ids & set(visible)
    assert all(m["id"] not in own_ids for m in visible[a.q2.id].as_event()["merged"])
    # Their dots and the dots on their contributions are gone; R's dot on Q's card stays.
    assert not [v for v in after["votes"] if v["participant_id"] == a.p.id or v["contribution_id"] in own_ids]
    assert [v["contribution_id"] for v in after["votes"] if v["workshop_id"] == a.id] == [a.q2.id]
    assert voting.vote_counts(db, a.id) == {a.q2.id: 1}
    # The wall's spotlight was on one of theirs.
    assert erasure.spotlight_cleared and db.get_one(LiveState, a.id).spotlight_id is None
    # Nothing else references their contributions or them (generically, over every table).
    for t in tables():
        for fk in t.foreign_keys:
            if t.name == "contributions":
                continue
            target = (fk.column.table.name, fk.column.name)
            bad = own_all if target == ("contributions", "id") else {a.p.id} if target == ("participants", "id") else set()
            assert not [r for r in after[t.name] if r[fk.parent.name] in bad], f"{t.name}.{fk.parent.name} still points at them"
    if followups is not None:
        items = {r["position"]: r for r in after["followups"] if r["workshop_id"] == a.id}
        assert 90 not in items, "a follow-up item that was only a copy of their words stays"
        assert (items[91]["text"], items[91]["source_text"], items[91]["source_id"]) == ("Kommunen lager en turnusplan", "", None)
    # Clients that reconnect learn it from the tombstones and the changed cards.
    changes = {c.id: c.as_event() for c in participation.changes_since(db, a.id, seq_before)}
    assert set(changes) == own_all | {a.q1.id, a.q2.id}
    assert all(changes[cid]["deleted"] and changes[cid]["text"] == "" for cid in own_all)
    assert {c.id for c in erasure.changed} == set(changes)
    assert erasure.erased == len(own_all)
    # The other workshop is untouched.
    for t in tables():
        assert same_rows(
            [r for r in before[t.name] if pk(t, r) in mine_b[t.name]], [r for r in after[t.name] if pk(t, r) in mine_b[t.name]]
        ), t.name
    assert store.integrity_ok(engine)
    # A second request with the same code finds nobody.
    with pytest.raises(ValidationFailed) as err:
        privacy.participant_by_deletion_code(db, a.id, code)
    assert err.value.params["reason"] == "unknown_deletion_code"
    with pytest.raises(NotFound):
        privacy.forget_participant(db, a.id, a.p.id)

    path = sqlite_file(database_url)
    if path is not None:
        db.rollback()  # no open read of ours: the purge would wait for it
        assert store.purge_deleted(engine)
        assert a.marker.encode() not in file_bytes(path)


def test_deletion_codes(db: Any, persona_library: Any) -> None:
    owner = make_user(db)
    ws = make_workshop(db, owner, persona_library, n_groups=2)
    other = make_workshop(db, owner, persona_library, n_groups=2, title="Annen")
    p, _ = join_participant(db, ws, ws.groups[0])
    q, _ = join_participant(db, other, other.groups[0])
    code = privacy.deletion_code(p.token_hash)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{8}", code)
    assert code == privacy.deletion_code(p.token_hash)  # stable
    assert code != privacy.deletion_code(q.token_hash)
    shown = privacy.display_code(code)
    for typed in (shown, shown.lower(), f" {code[:4]} {code[4:]} ", code.replace("0", "O").replace("1", "l")):
        assert privacy.participant_by_deletion_code(db, ws.id, typed).id == p.id
    # Another workshop's code names nobody here.
    with pytest.raises(ValidationFailed) as err:
        privacy.participant_by_deletion_code(db, ws.id, privacy.deletion_code(q.token_hash))
    assert err.value.params["reason"] == "unknown_deletion_code"
    for bad in ("", "ABC", "ABCDEFGHJ", "ABCD-EFGU", "ÆØÅÆØÅÆØ", None, 12345678, "x" * 41):
        with pytest.raises(ValidationFailed) as err:
            privacy.participant_by_deletion_code(db, ws.id, bad)
        assert err.value.params["reason"] == "bad_deletion_code", bad


# -- retention -----------------------------------------------------------------------------------------

T0 = dt.datetime(2026, 11, 23, 10, 0, 0)


def _closed_at(db: Any, ws_id: int, when: dt.datetime) -> None:
    with write_transaction(db):
        ws = db.get_one(Workshop, ws_id)
        if ws.status != WorkshopStatus.closed:
            ws.close()
        ws.closed_at = when


def test_retention_sweep_with_an_injected_clock(db: Any, persona_library: Any) -> None:
    owner = make_user(db)
    a = make_workshop(db, owner, persona_library, n_groups=1, title="A")
    b = make_workshop(db, owner, persona_library, n_groups=1, title="B")
    c = make_workshop(db, owner, persona_library, n_groups=1, title="C, open")
    d = make_workshop(db, owner, persona_library, n_groups=1, title="D, draft", open_it=False)
    e = make_workshop(db, owner, persona_library, n_groups=1, title="E, a week")
    p, _ = join_participant(db, a, a.groups[0], "Per")
    participation.submit_contribution(db, p, a.groups[0].id, "need", "Skal bort etter 90 dager", client_id())
    for ws in (a, b, e):
        _closed_at(db, ws.id, T0)
    privacy.set_retention(db, db.get_one(Workshop, b.id), "365")
    privacy.set_retention(db, db.get_one(Workshop, e.id), 7)

    assert privacy.delete_after(db.get_one(Workshop, a.id)) == T0 + dt.timedelta(days=90)
    assert privacy.delete_after(db.get_one(Workshop, c.id)) is None
    assert [s.workshop_id for s in privacy.sweep(db, T0 + dt.timedelta(days=7) - dt.timedelta(seconds=1))] == []
    assert [s.workshop_id for s in privacy.sweep(db, T0 + dt.timedelta(days=7))] == [e.id]
    assert [s.workshop_id for s in privacy.sweep(db, T0 + dt.timedelta(days=90) - dt.timedelta(seconds=1))] == []
    swept = privacy.sweep(db, T0 + dt.timedelta(days=90))
    assert [s.workshop_id for s in swept] == [a.id]
    assert swept[0].rows["contributions"] == 1 and swept[0].rows["participants"] == 1
    assert privacy.sweep(db, T0 + dt.timedelta(days=90)) == []  # idempotent
    # A year and more later: B (365 days) goes; the open and the draft workshop never do.
    assert [s.workshop_id for s in privacy.sweep(db, T0 + dt.timedelta(days=3650))] == [b.id]
    db.rollback()
    assert {w.id for w in db.scalars(select(Workshop))} == {c.id, d.id}
    # The default comes from the caller (PV_RETENTION_DAYS).
    _closed_at(db, c.id, T0)
    assert privacy.sweep(db, T0 + dt.timedelta(days=29), default_days=30) == []
    assert [s.workshop_id for s in privacy.sweep(db, T0 + dt.timedelta(days=30), default_days=30)] == [c.id]


def test_a_workshop_reopened_before_the_sweep_deletes_it_is_kept(db: Any, persona_library: Any) -> None:
    owner = make_user(db)
    ws = make_workshop(db, owner, persona_library, n_groups=1)
    _closed_at(db, ws.id, T0)
    late = T0 + dt.timedelta(days=100)
    assert privacy.due_workshops(db, late) == [ws.id]
    with write_transaction(db):
        db.get_one(Workshop, ws.id).open()
    # The sweep picked it before the reopening; the deletion re-checks under the row lock.
    assert privacy.delete_workshop(db, ws.id, due_at=late) is None
    assert fresh(db, Workshop, ws.id) is not None


def test_concurrent_sweeps_delete_each_workshop_once(engine: Any, db: Any, persona_library: Any) -> None:
    owner = make_user(db)
    ids = []
    for i in range(4):
        ws = make_workshop(db, owner, persona_library, n_groups=2, title=f"W{i}")
        p, _ = join_participant(db, ws, ws.groups[0])
        participation.submit_contribution(db, p, ws.groups[0].id, "need", f"Innspill nummer {i}", client_id())
        _closed_at(db, ws.id, T0)
        ids.append(ws.id)
    factory = store.make_session_factory(engine)
    results: list[list[int]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def run() -> None:
        session = factory()
        try:
            barrier.wait(timeout=30)
            results.append([s.workshop_id for s in privacy.sweep(session, T0 + dt.timedelta(days=91))])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            session.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    deleted = sorted(i for r in results for i in r)
    assert deleted == sorted(ids), results  # each exactly once, whichever process got there first
    db.rollback()
    assert db.scalar(select(Workshop.id)) is None
    assert db.scalar(select(Contribution.id)) is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [("abc", "not_a_number"), ("0", "out_of_range"), ("731", "out_of_range"), (True, "not_a_number"), ("1.5", "not_a_number"), (-3, "out_of_range")],
)
def test_bad_retention_values_are_refused(value: Any, reason: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        privacy.parse_retention_days(value)
    assert err.value.params["reason"] == reason


def test_retention_values() -> None:
    assert privacy.parse_retention_days("") is None
    assert privacy.parse_retention_days(None) is None
    assert privacy.parse_retention_days(" 30 ") == 30
    assert privacy.parse_retention_days(730) == 730


# -- the web: pages, flows, broadcasts -------------------------------------------------------------


def watch(sock: Any, ws_id: int) -> dict[str, Any]:
    ack = sock.emit("watch", {"workshop_id": ws_id, "since": 0}, callback=True)
    assert ack["ok"], ack
    sock.get_received()
    return ack


def received(sock: Any, name: str) -> list[dict[str, Any]]:
    return [e["args"][0] for e in sock.get_received() if e["name"] == name]


def code_on_page(html: str) -> str:
    m = re.search(r'data-deletion-code>\s*([0-9A-Z]{4}-[0-9A-Z]{4})\s*<', html)
    assert m, html
    return m.group(1)


def test_a_participant_who_left_is_deleted_by_code_and_every_screen_drops_them(
    app: Any, app_db: Any, logged_in: Any, workshop: Any, make_client: Any, sio: Any
) -> None:
    g1, g2 = workshop.groups[0], workshop.groups[1]
    leaver = phone_client(make_client, workshop, g1, "Åse Ødegård")
    stays = phone_client(make_client, workshop, g1)
    elsewhere = phone_client(make_client, workshop, g2)
    mine = [post_from(leaver, workshop, g1, f"Innspill {i} fra den som går") for i in range(2)]
    theirs = post_from(stays, workshop, g1, "Innspill fra den som blir")
    # The phone shows the code (and only the participant's own).
    page = leaver.get(f"/w/{workshop.id}/personvern")
    assert page.status_code == 200
    code = code_on_page(page.get_data(as_text=True))
    assert "Åse Ødegård" in page.get_data(as_text=True)
    assert code_on_page(stays.get(f"/w/{workshop.id}/personvern").get_data(as_text=True)) != code

    settle_pushes(app, workshop.id)  # the three joins' participant count is out before anyone watches
    wall = sio(auth={"wall": workshop.wall_token})
    dashboard = sio(flask_client=logged_in)
    table = sio(flask_client=stays)
    other_table = sio(flask_client=elsewhere)
    for s in (wall, dashboard, table, other_table):
        watch(s, workshop.id)

    # Step 1: the code shows how much, never what.
    resp = post_form(logged_in, f"/workshops/{workshop.id}/privacy/participant", {"deletion_code": code.lower()})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "data-found" in html
    assert "2 innspill" in html and "fra den som går" not in html and "Ødegård" not in html
    assert not fresh(app_db, Contribution, mine[0]["id"]).deleted
    for s in (wall, dashboard, table):
        assert s.get_received() == []

    # Step 2: confirmed.
    resp = post_form(logged_in, f"/workshops/{workshop.id}/privacy/participant", {"deletion_code": code, "confirm": "1"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/workshops/{workshop.id}/privacy")
    got = {name: s.get_received() for name, s in (("wall", wall), ("dashboard", dashboard), ("table", table), ("other", other_table))}

    def of(who: str, event: str) -> list[dict[str, Any]]:
        return [e["args"][0] for e in got[who] if e["name"] == event]

    for who in ("wall", "dashboard", "table"):
        events = {e["id"]: e for e in of(who, "contribution")}
        assert set(events) == {c["id"] for c in mine}, who
        assert all(e["deleted"] and e["text"] == "" and e["author_name"] is None for e in events.values())
    assert of("other", "contribution") == []  # the other table never had them
    assert [e["count"] for e in of("dashboard", "participants")] == [2]
    assert [e["count"] for e in of("wall", "participants")] == [2]
    # The leaver's browser is no participant any more; the one who stays still is.
    assert leaver.get(f"/w/{workshop.id}").status_code == 302
    assert post_from(stays, workshop, g1, "Fortsatt med")["id"] > theirs["id"]
    # The same code again: nobody.
    resp = post_form(logged_in, f"/workshops/{workshop.id}/privacy/participant", {"deletion_code": code, "confirm": "1"})
    assert resp.status_code == 422 and "slettekoden" in resp.get_data(as_text=True)


@pytest.mark.parametrize("code", ["", "ABC", "ABCD-EFGU", "0000-0000"])
def test_a_wrong_deletion_code_changes_nothing(app: Any, app_db: Any, logged_in: Any, workshop: Any, make_client: Any, code: str) -> None:
    browser = phone_client(make_client, workshop, workshop.groups[0])
    post_from(browser, workshop, workshop.groups[0], "Et innspill som skal bli")
    before = all_rows(app_db)
    resp = post_form(logged_in, f"/workshops/{workshop.id}/privacy/participant", {"deletion_code": code, "confirm": "1"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'aria-invalid="true"' in html and "Slettekode:" in html
    assert all_rows(app_db) == before


def test_the_participant_deletes_everything_they_wrote_from_the_phone(
    app: Any, app_db: Any, logged_in: Any, workshop: Any, make_client: Any, sio: Any
) -> None:
    g1 = workshop.groups[0]
    me = phone_client(make_client, workshop, g1, "Meg Selv")
    other = phone_client(make_client, workshop, g1)
    mine = post_from(me, workshop, g1, "Dette vil jeg ha slettet")
    kept = post_from(other, workshop, g1, "Dette blir stående")
    wall = sio(auth={"wall": workshop.wall_token})
    watch(wall, workshop.id)
    page = me.get(f"/w/{workshop.id}/personvern").get_data(as_text=True)
    assert "Slett alt jeg har skrevet" in page and "Meg Selv" in page

    # Without ticking the box: nothing happens.
    before = all_rows(app_db)
    resp = post_form(me, f"/w/{workshop.id}/forget", {})
    assert resp.status_code == 422 and 'aria-invalid="true"' in resp.get_data(as_text=True)
    assert all_rows(app_db) == before
    assert wall.get_received() == []

    resp = post_form(me, f"/w/{workshop.id}/forget", {"confirm": "1"})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert f'data-forget-workshop="{workshop.id}"' in html and "js/forget.js" in html
    assert [(e["id"], e["deleted"], e["text"]) for e in received(wall, "contribution")] == [(mine["id"], True, "")]
    stored = fresh(app_db, Contribution, mine["id"])
    assert (stored.text, stored.deleted, stored.participant_id) == ("", True, None)
    assert fresh(app_db, Contribution, kept["id"]).text == "Dette blir stående"
    # This browser left the workshop: its pages send it to join again, its writes are refused.
    assert me.get(f"/w/{workshop.id}/personvern").headers["Location"].endswith("/join")
    resp = post_json(me, f"/w/{workshop.id}/contributions", {"group_id": g1.id, "kind": "need", "text": "Igjen", "client_id": client_id()})
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "not_joined"


def test_a_participant_own_delete_clears_the_text(app_db: Any, workshop: Any) -> None:
    p, _ = join_participant(app_db, workshop, workshop.groups[0])
    c, _ = participation.submit_contribution(app_db, p, workshop.groups[0].id, "need", "Angrer på dette", client_id())
    participation.delete_contribution(app_db, p, c.id)
    stored = fresh(app_db, Contribution, c.id)
    assert (stored.deleted, stored.text, stored.original_text) == (True, "", None)


def test_deleting_a_workshop_offers_the_archive_and_needs_the_title(
    app: Any, app_db: Any, logged_in: Any, workshop: Any, make_client: Any, sio: Any
) -> None:
    g1 = workshop.groups[0]
    browser = phone_client(make_client, workshop, g1, "Navn Navnesen")
    post_from(browser, workshop, g1, "Et innspill i workshopen som slettes")
    url = f"/workshops/{workshop.id}/delete"
    page = logged_in.get(url).get_data(as_text=True)
    archive = f"/workshops/{workshop.id}/report.json"
    # The archive comes first on the page, before the confirmation form; and it downloads.
    assert page.index(archive) < page.index('name="confirm_title"')
    resp = logged_in.get(archive)
    assert resp.status_code == 200 and resp.get_json()["contributions"][0]["author_name"] == "Navn Navnesen"

    before = all_rows(app_db)
    for wrong in ("", "Personalledersamling 2", "slett", workshop.join_code[:7]):
        resp = post_form(logged_in, url, {"confirm_title": wrong})
        assert resp.status_code == 422, wrong
        assert 'aria-invalid="true"' in resp.get_data(as_text=True)
        assert all_rows(app_db) == before

    wall = sio(auth={"wall": workshop.wall_token})
    table = sio(flask_client=browser)
    for s in (wall, table):
        watch(s, workshop.id)
    ws_id, wall_token = workshop.id, workshop.wall_token
    resp = post_form(logged_in, url, {"confirm_title": "  personalledersamling "})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/workshops")
    for s in (wall, table):
        assert received(s, "workshop") == [{"workshop_id": ws_id, "status": "deleted"}]
    after = all_rows(app_db)
    assert after["workshops"] == [] and after["contributions"] == [] and after["participants"] == []
    assert logged_in.get(f"/workshops/{ws_id}").status_code == 404
    assert logged_in.get(f"/wall/{wall_token}").status_code == 404


def test_the_join_code_also_confirms(app_db: Any, logged_in: Any, workshop: Any) -> None:
    resp = post_form(logged_in, f"/workshops/{workshop.id}/delete", {"confirm_title": workshop.join_code_display})
    assert resp.status_code == 302
    assert fresh(app_db, Workshop, workshop.id) is None


def test_the_dashboard_shows_when_the_workshop_is_deleted(app: Any, app_db: Any, logged_in: Any, workshop: Any) -> None:
    live = logged_in.get(f"/workshops/{workshop.id}/live").get_data(as_text=True)
    assert "Slettes automatisk 90 dager etter at workshopen er lukket." in live
    _closed_at(app_db, workshop.id, T0)
    for url in (f"/workshops/{workshop.id}/live", f"/workshops/{workshop.id}", f"/workshops/{workshop.id}/privacy"):
        html = logged_in.get(url).get_data(as_text=True)
        assert "Slettes automatisk 21. februar 2027." in html, url
    # A workshop's own retention.
    resp = post_form(logged_in, f"/workshops/{workshop.id}/privacy/retention", {"retention_days": "30"})
    assert resp.status_code == 302
    assert "Slettes automatisk 23. desember 2026." in logged_in.get(f"/workshops/{workshop.id}/live").get_data(as_text=True)
    before = all_rows(app_db)
    for bad in ("0", "abc", "9999"):
        resp = post_form(logged_in, f"/workshops/{workshop.id}/privacy/retention", {"retention_days": bad})
        assert resp.status_code == 422 and "Dager etter lukking" in resp.get_data(as_text=True)
        assert all_rows(app_db) == before
    assert "Blir sletta automatisk 23. desember 2026." in logged_in.get(f"/workshops/{workshop.id}/live?lang=nn").get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "phrases"),
    [
        ("nb", ["Personvernerklæring", "behandlingsansvarlig", "90 dager etter at den er lukket", "slettekode", "IP-adressen", "Datatilsynet"]),
        ("nn", ["Personvernerklæring", "behandlingsansvarleg", "90 dagar etter at han er lukka", "slettekode", "IP-adressa", "Datatilsynet"]),
        ("en", ["Privacy notice", "controller", "90 days after it is closed", "deletion code", "IP address", "Datatilsynet"]),
    ],
)
def test_the_privacy_notice(client: Any, lang: str, phrases: list[str]) -> None:
    html = client.get(f"/personvern?lang={lang}").get_data(as_text=True)
    for phrase in phrases:
        assert phrase in html, phrase


def test_the_notice_states_the_configured_retention(app_config: dict[str, Any], clean_env: None) -> None:
    from facilitator import create_app

    app = create_app({**app_config, "RETENTION_DAYS": 30})
    html = app.test_client().get("/personvern").get_data(as_text=True)
    assert "30 dager etter at den er lukket" in html
    app.extensions["pv_engine"].dispose()


def test_retention_setting_from_the_environment(monkeypatch: pytest.MonkeyPatch, app_config: dict[str, Any], clean_env: None) -> None:
    from facilitator import create_app

    monkeypatch.setenv("PV_RETENTION_DAYS", "45")
    app = create_app(app_config)
    assert app.config["RETENTION_DAYS"] == 45
    app.extensions["pv_engine"].dispose()
    for bad in ("0", "x"):
        monkeypatch.setenv("PV_RETENTION_DAYS", bad)
        with pytest.raises(ValueError, match="PV_RETENTION_DAYS"):
            create_app(app_config)


# -- the CLI and the sweep of the server --------------------------------------------------------------


def test_cli_sweep_forget_and_delete(app: Any, app_db: Any, workshop: Any, persona_library: Any, facilitator: Any) -> None:
    runner = app.test_cli_runner()
    other = make_workshop(app_db, facilitator, persona_library, n_groups=1, title="Annen")
    p, _ = join_participant(app_db, other, other.groups[0], "Per")
    participation.submit_contribution(app_db, p, other.groups[0].id, "need", "Per sitt innspill", client_id())
    _closed_at(app_db, workshop.id, T0)

    out = runner.invoke(args=["privacy", "sweep", "--dry-run", "--now", "2027-02-21T10:00:00Z"])
    assert out.exit_code == 0 and f"1 workshop(s) due: {workshop.id}" in out.output
    out = runner.invoke(args=["privacy", "sweep", "--now", "2027-02-21T09:59:59Z"])
    assert out.exit_code == 0 and "0 workshop(s) deleted" in out.output
    out = runner.invoke(args=["privacy", "sweep", "--now", "2027-02-21T10:00:00Z"])
    assert out.exit_code == 0 and f"deleted workshop {workshop.id}" in out.output
    assert fresh(app_db, Workshop, workshop.id) is None

    out = runner.invoke(args=["privacy", "forget", str(other.id), "ZZZZ-ZZZZ"])
    assert out.exit_code != 0 and "unknown_deletion_code" in out.output
    out = runner.invoke(args=["privacy", "forget", str(other.id), privacy.deletion_code(p.token_hash)])
    assert out.exit_code == 0 and "1 contribution(s) erased" in out.output
    assert fresh(app_db, Participant, p.id) is None

    out = runner.invoke(args=["privacy", "status"])
    assert out.exit_code == 0 and str(other.id) in out.output
    out = runner.invoke(args=["privacy", "delete-workshop", str(other.id)], input="n\n")
    assert out.exit_code != 0
    assert fresh(app_db, Workshop, other.id) is not None
    out = runner.invoke(args=["privacy", "delete-workshop", str(other.id), "--yes"])
    assert out.exit_code == 0 and "deleted workshop" in out.output
    out = runner.invoke(args=["privacy", "delete-workshop", str(other.id), "--yes"])
    assert out.exit_code != 0 and "no workshop" in out.output


def test_the_server_sweeps_in_the_background(app: Any, app_db: Any, workshop: Any, sio: Any) -> None:
    """``serve`` starts the sweeper; here its loop runs in the test's threading mode and is woken by the
    deletion it announces (no sleeping on time)."""
    from facilitator.privacy import views as web_privacy

    _closed_at(app_db, workshop.id, utcnow() - dt.timedelta(days=91))
    wall = sio(auth={"wall": workshop.wall_token})
    watch(wall, workshop.id)
    app.config["RETENTION_SWEEP_SECONDS"] = 3600
    done = threading.Event()
    real = web_privacy.sweep_now

    def observed(application: Any, now: Any = None) -> Any:
        out = real(application, now)
        done.set()
        return out

    web_privacy.sweep_now = observed  # type: ignore[assignment]
    sweeper = None
    try:
        sweeper = web_privacy.start_sweeper(app)
        assert sweeper is not None
        assert done.wait(timeout=30), "the background sweep did not run"
    finally:
        if sweeper is not None:
            sweeper.stop()
        web_privacy.sweep_now = real  # type: ignore[assignment]
    assert fresh(app_db, Workshop, workshop.id) is None
    assert received(wall, "workshop") == [{"workshop_id": workshop.id, "status": "deleted"}]


# -- logs hold no contribution text -------------------------------------------------------------------


@pytest.fixture
def every_log(caplog: pytest.LogCaptureFixture):  # type: ignore[no-untyped-def]
    """Everything logged with the root logger at DEBUG (what ``logging.basicConfig(level=DEBUG)`` gives an
    operator): every logger that has no level of its own logs at DEBUG into caplog. Loggers that hold their
    own level keep it -- ``sqlalchemy.engine`` is held at WARNING by ``sessions/store.py`` (at DEBUG it
    would log result rows), Socket.IO's at ERROR by the library."""
    caplog.set_level(logging.DEBUG)
    yield caplog


def test_no_write_path_logs_the_text(app: Any, app_db: Any, logged_in: Any, workshop: Any, make_client: Any, sio: Any, every_log: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = "LOGGMERKE" + uuid.uuid4().hex[:8]
    g1 = workshop.groups[0]
    wall = sio(auth={"wall": workshop.wall_token})
    dash = sio(flask_client=logged_in)
    for s in (wall, dash):
        watch(s, workshop.id)
    # Join with a name, post as a form and with fetch, edit, delete.
    browser = phone_client(make_client, workshop, g1, f"{marker} navn")
    resp = post_form(browser, f"/w/{workshop.id}/contributions", {"group_id": str(g1.id), "kind": "need", "text": f"{marker} skjema", "client_id": client_id()})
    assert resp.status_code == 302
    c = post_from(browser, workshop, g1, f"{marker} fetch")
    assert post_json(browser, f"/w/{workshop.id}/contributions/{c['id']}/edit", {"text": f"{marker} endret"}).status_code == 200
    d = post_from(browser, workshop, g1, f"{marker} slettes", kind="solution")
    assert post_json(browser, f"/w/{workshop.id}/contributions/{d['id']}/delete", {}).status_code == 200
    # The API: join, post, patch, delete.
    from helpers import bearer

    api = make_client()
    token = api.post("/api/v1/join", json={"code": workshop.join_code, "display_name": f"{marker} api", "group_id": g1.id}).get_json()["token"]
    e = api.post(f"/api/v1/workshops/{workshop.id}/contributions", json={"group_id": g1.id, "kind": "solution", "text": f"{marker} api post", "client_id": client_id()}, headers=bearer(token)).get_json()
    assert api.patch(f"/api/v1/workshops/{workshop.id}/contributions/{e['id']}", json={"text": f"{marker} api patch"}, headers=bearer(token)).status_code == 200
    # Refused input carrying the text: too long, wrong kind.
    assert post_json(browser, f"/w/{workshop.id}/contributions", {"group_id": g1.id, "kind": "need", "text": marker * 200, "client_id": client_id()}).status_code == 422
    assert post_json(browser, f"/w/{workshop.id}/contributions", {"group_id": g1.id, "kind": marker, "text": marker, "client_id": client_id()}).status_code == 422
    # The facilitator: moderation edit, merge, report texts (form and autosave).
    assert post_json(logged_in, f"/workshops/{workshop.id}/contributions/{c['id']}/edit", {"text": f"{marker} moderert"}).status_code == 200
    f = post_from(browser, workshop, g1, f"{marker} duplikat")
    assert post_json(logged_in, f"/workshops/{workshop.id}/contributions/{f['id']}/merge", {"into": c["id"]}).status_code == 200
    texts = {"organisers": f"{marker} arr", "summary": f"{marker} sammendrag", "method_note": marker, "invite_note": marker}
    assert post_form(logged_in, f"/workshops/{workshop.id}/report/texts", texts).status_code == 302
    assert post_json(logged_in, f"/workshops/{workshop.id}/report/texts", texts).status_code == 200
    # The report in the light formats, and the privacy flows.
    for fmt in ("md", "csv", "json"):
        assert logged_in.get(f"/workshops/{workshop.id}/report.{fmt}").status_code == 200
    code = code_on_page(browser.get(f"/w/{workshop.id}/personvern").get_data(as_text=True))
    assert post_form(logged_in, f"/workshops/{workshop.id}/privacy/participant", {"deletion_code": code, "confirm": "1"}).status_code == 302
    # A database error while posting (the unique-constraint race, forced): the server answers 500 and logs it.
    browser2 = phone_client(make_client, workshop, g1)
    same = client_id()
    post_from_id = {"group_id": g1.id, "kind": "need", "text": f"{marker} kollisjon", "client_id": same}
    assert post_json(browser2, f"/w/{workshop.id}/contributions", post_from_id).status_code == 201
    with monkeypatch.context() as mp:
        mp.setattr(participation, "_by_client_id", lambda *a, **k: None)
        assert post_json(browser2, f"/w/{workshop.id}/contributions", post_from_id).status_code == 500
    errors = [r for r in every_log.records if r.levelno >= logging.ERROR and r.exc_info]
    assert errors, "the forced error was not logged"
    assert any("SQL parameters hidden" in logging.Formatter().formatException(r.exc_info) for r in errors)
    assert any(r.levelno == logging.DEBUG for r in every_log.records), "nothing was captured at DEBUG"

    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in every_log.records)
    for r in every_log.records:
        if r.exc_info and not r.exc_text:
            logged += logging.Formatter().formatException(r.exc_info)
    assert marker.lower() not in logged.lower()


def test_database_errors_do_not_carry_the_parameters(engine: Any) -> None:
    from sqlalchemy import text as sql
    from sqlalchemy.exc import DBAPIError

    marker = "FEILMERKE" + uuid.uuid4().hex[:8]
    with pytest.raises(DBAPIError) as err:
        with engine.begin() as conn:
            conn.execute(sql("INSERT INTO users (id, email, password_hash, created_at) VALUES (:i, :e, :p, :t)"),
                         [{"i": 1, "e": marker, "p": marker, "t": utcnow()}, {"i": 1, "e": marker, "p": marker, "t": utcnow()}])
    assert marker not in str(err.value)


def test_the_server_log_holds_no_text(tmp_path: Path, database_url: str, engine: Any) -> None:
    """The real server (gevent, as in production), driven over HTTP: its whole output holds no text."""
    import requests
    from helpers import ServerProcess

    from sessions.accounts import service as accounts

    marker = "SERVERMERKE" + uuid.uuid4().hex[:8]
    factory = store.make_session_factory(engine)
    with factory() as db:
        accounts.create_user(db, "logg@kommune.no", "riktig-passord-123")
    server = ServerProcess(database_url, tmp_path, extra_env={"PV_ALLOW_HTTP": "1"})
    base = server.base
    try:
        server.start()

        def csrf(session: requests.Session, url: str) -> str:
            m = re.search(r'name="csrf-token" content="([^"]+)"', session.get(base + url, timeout=10).text)
            assert m
            return m.group(1)

        fac = requests.Session()
        fac.post(base + "/login", data={"email": "logg@kommune.no", "password": "riktig-passord-123", "csrf_token": csrf(fac, "/login")}, timeout=10)
        tok = csrf(fac, "/workshops/new")
        fac.post(base + "/workshops/new", data={"title": "Loggtest", "group_count": "2", "personas": ["ine", "nils"], "csrf_token": tok}, timeout=10)
        with factory() as db:
            ws = db.scalars(select(Workshop)).one()
            ws_id, code = ws.id, ws.join_code
        fac.post(base + f"/workshops/{ws_id}/open", data={"csrf_token": tok}, timeout=10)
        with factory() as db:
            group_id = db.get_one(Workshop, ws_id).groups[0].id
        ph = requests.Session()
        ph.post(base + "/join", data={"code": code, "display_name": f"{marker} navn", "csrf_token": csrf(ph, "/join")}, timeout=10)
        ph.post(base + f"/w/{ws_id}/group", data={"group_id": str(group_id), "csrf_token": csrf(ph, f"/w/{ws_id}")}, timeout=10)
        ptok = csrf(ph, f"/w/{ws_id}/g/{group_id}")
        hdr = {"X-CSRFToken": ptok, "Accept": "application/json"}
        r = ph.post(base + f"/w/{ws_id}/contributions", json={"group_id": group_id, "kind": "need", "text": f"{marker} post", "client_id": client_id()}, headers=hdr, timeout=10)
        assert r.status_code == 201, r.text
        cid = r.json()["contribution"]["id"]
        assert ph.post(base + f"/w/{ws_id}/contributions/{cid}/edit", json={"text": f"{marker} edit"}, headers=hdr, timeout=10).status_code == 200
        assert ph.post(base + f"/w/{ws_id}/contributions", json={"group_id": group_id, "kind": "need", "text": marker * 300, "client_id": client_id()}, headers=hdr, timeout=10).status_code in (413, 422)
        fhdr = {"X-CSRFToken": csrf(fac, f"/workshops/{ws_id}/live"), "Accept": "application/json"}
        assert fac.post(base + f"/workshops/{ws_id}/contributions/{cid}/edit", json={"text": f"{marker} moderert"}, headers=fhdr, timeout=10).status_code == 200
        assert fac.post(base + f"/workshops/{ws_id}/report/texts", json={"organisers": "", "summary": f"{marker} sammendrag", "method_note": "", "invite_note": ""}, headers=fhdr, timeout=10).status_code == 200
        assert fac.get(base + f"/workshops/{ws_id}/report.docx", timeout=120).status_code == 200
        page = ph.get(base + f"/w/{ws_id}/personvern", timeout=10).text
        assert ph.post(base + f"/w/{ws_id}/forget", data={"confirm": "1", "csrf_token": csrf(ph, f"/w/{ws_id}/personvern")}, timeout=10).status_code == 200
        assert code_on_page(page)
    finally:
        server.stop()
    output = server.full_log()
    assert "listening on" in output
    assert marker.lower() not in output.lower(), output[-2000:]
