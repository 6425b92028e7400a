"""kill -9 under load: nothing a phone was told was saved is lost, nothing is duplicated, and every
client's view equals the database once the clients have reconnected by themselves.

A real ``python -m facilitator serve`` (gevent) runs on the test's database: a copy of the migrated
SQLite template (WAL, synchronous=FULL), or the suite's PostgreSQL database when ``DATABASE_URL`` is set
(truncated by the ``database_url`` fixture, migrated already). Against it:

* ``PHONES`` phones, spread over four tables. Each has a python-socketio client with automatic
  reconnection that behaves like live.js -- on every (re)connect it sends ``watch`` with the last ``seq``
  an *ack* gave it, applies ``changes`` and live ``contribution`` events by id (the higher ``seq`` wins)
  -- and a thread that posts, edits and deletes its own contributions over HTTP through the API. Every
  write is retried with the same body (a post with the same ``client_id``) until the server
  acknowledges it; each acknowledgement goes into the ledger.
* the wall (wall token) and a facilitator (API token), same client code.

The server is killed with SIGKILL twice at random points while about 20 writes a second arrive, and
started again on the same port and database. Afterwards:

* the database holds exactly the contributions in the ledger -- each once, with the acknowledged id,
  text (the last acknowledged edit) and deleted flag -- so every post acknowledged before a kill
  survived it, and a post whose answer the kill swallowed was not stored twice when it was sent again;
* no (participant, client_id) and no sequence number appears twice; the workshop's ``last_seq`` is the
  highest ``seq``;
* every phone's view equals its table's visible contributions, the wall's and the facilitator's the
  whole workshop's (ids, texts and the newest ``seq`` of each) -- built only from events and acks;
* SQLite's ``PRAGMA integrity_check`` and ``foreign_key_check`` pass; on PostgreSQL the same
  consistency queries run (no orphans, seq unique).

Figures (writes acknowledged before each kill, seconds until every client had caught up again, how
many re-sent posts the server recognised) are printed and written to ``test-artifacts/``.
``PV_CRASH_SEED`` repeats a run's kill points; ``PV_CRASH_PHONES`` changes the number of phones.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from helpers import ARTIFACTS, SOCKET_WAIT, LiveClient, ServerProcess, wait_until
from sqlalchemy import text

from sessions.accounts import service as accounts
from sessions.contributions import service as participation
from sessions.core import store

PHONES = int(os.environ.get("PV_CRASH_PHONES", "40"))
TABLES = ["ine", "nils", "silje", "torunn"]
PERIOD = 2.1  # seconds between one phone's writes: 40 phones ≈ 19 writes/s, under the 30 posts/min limit
KILLS = 2


# -- the ledger ------------------------------------------------------------------------------------


@dataclass
class Ack:
    phone: int
    op: str  # "post", "edit", "delete"
    contribution_id: int
    client_id: str | None
    text: str | None
    status: int
    attempts: int
    at: float
    run: int  # which server start answered


class Ledger:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.acks: list[Ack] = []

    def add(self, ack: Ack) -> None:
        with self._lock:
            self.acks.append(ack)

    def count(self) -> int:
        with self._lock:
            return len(self.acks)

    def snapshot(self) -> list[Ack]:
        with self._lock:
            return list(self.acks)


# -- clients ---------------------------------------------------------------------------------------


def live_view(base: str, workshop_id: int, auth: dict[str, str], name: str, *, staff: bool = False) -> LiveClient:
    """A Socket.IO client like live.js that reconnects like a browser: watch on every connect, cursor from acks
    only, dedupe by id."""
    return LiveClient(base, workshop_id, auth, name, staff=staff, reconnect=True, wait=SOCKET_WAIT).connect()


@dataclass
class Phone:
    index: int
    base: str
    workshop_id: int
    group_id: int
    participant_id: int
    token: str
    ledger: Ledger
    server: ServerProcess
    rng: random.Random
    live: LiveClient | None = None
    own: dict[int, str] = field(default_factory=dict)  # acknowledged, not deleted: id -> text
    http: requests.Session = field(default_factory=requests.Session)
    writes: int = 0
    resent_recognised: int = 0

    def _until_acked(self, method: str, path: str, body: dict[str, Any] | None, ok: set[int]) -> tuple[requests.Response, int]:
        """Send until the server answers with one of ``ok``; the same body every time."""
        attempts = 0
        pause = 0.05
        while True:
            attempts += 1
            try:
                r = self.http.request(method, self.base + path, json=body, timeout=10,
                                      headers={"Authorization": f"Bearer {self.token}"})
            except requests.RequestException:
                r = None
            if r is not None:
                if r.status_code in ok:
                    return r, attempts
                if r.status_code != 429 and r.status_code < 500:
                    raise AssertionError(f"phone {self.index}: {method} {path} -> {r.status_code} {r.text[:300]}")
            # The server is down or restarting: try again shortly (a retry pause, not a wait for an event).
            time.sleep(pause)
            pause = min(pause * 2, 0.5)

    def write_once(self) -> None:
        self.writes += 1
        n = self.writes
        ws = f"/api/v1/workshops/{self.workshop_id}/contributions"
        if len(self.own) >= 3 and n % 7 == 3:
            cid = self.rng.choice(sorted(self.own))
            new_text = f"{self.own[cid]} (retta {n})"
            r, attempts = self._until_acked("PATCH", f"{ws}/{cid}", {"text": new_text}, {200})
            self.own[cid] = new_text
            self.ledger.add(Ack(self.index, "edit", cid, None, new_text, r.status_code, attempts, time.monotonic(), self.server.starts))
            return
        if len(self.own) >= 4 and n % 11 == 5:
            cid = self.rng.choice(sorted(self.own))
            # A delete the server committed but whose answer was lost is "no such contribution" the second time.
            r, attempts = self._until_acked("DELETE", f"{ws}/{cid}", None, {200, 404})
            if r.status_code == 404:
                assert attempts > 1, f"phone {self.index}: its own contribution {cid} was not found"
            del self.own[cid]
            self.ledger.add(Ack(self.index, "delete", cid, None, None, r.status_code, attempts, time.monotonic(), self.server.starts))
            return
        body = {
            "group_id": self.group_id,
            "kind": "need" if n % 2 else "solution",
            "text": f"Telefon {self.index:02d}, innspel {n:03d}: opplæring i velferdsteknologi",
            "client_id": uuid.uuid4().hex,
        }
        r, attempts = self._until_acked("POST", ws, body, {200, 201})
        data = r.json()
        assert data["text"] == body["text"], data
        if r.status_code == 200:
            # Sent again after a kill swallowed the answer: the server recognised the client id.
            assert attempts > 1, f"phone {self.index}: a first attempt was answered as a repeat"
            self.resent_recognised += 1
        self.own[data["id"]] = body["text"]
        self.ledger.add(Ack(self.index, "post", data["id"], body["client_id"], body["text"], r.status_code, attempts,
                            time.monotonic(), self.server.starts))

    def run(self, stop: threading.Event) -> None:
        # Start at a random point of the period so the phones do not write in lockstep.
        if stop.wait(self.rng.uniform(0, PERIOD)):
            return
        while not stop.is_set():
            self.write_once()
            stop.wait(self.rng.uniform(0.8 * PERIOD, 1.2 * PERIOD))


# -- the database side -----------------------------------------------------------------------------


def _expected_views(engine: Any, workshop_id: int) -> dict[Any, dict[int, tuple[int, str]]]:
    with store.make_session_factory(engine)() as db:
        everything = participation.contributions(db, workshop_id, include_hidden=True)
        visible = participation.contributions(db, workshop_id)
        by_group: dict[Any, dict[int, tuple[int, str]]] = {}
        for c in visible:
            by_group.setdefault(c.group_id, {})[c.id] = (c.seq, c.text)
        by_group["wall"] = {c.id: (c.seq, c.text) for c in visible}
        by_group["staff"] = {c.id: (c.seq, c.text) for c in everything}
        return by_group


def _mismatches(views: list[tuple[Any, LiveClient]], expected: dict[Any, dict[int, tuple[int, str]]]) -> list[str]:
    out = []
    for key, live in views:
        want = expected.get(key, {})
        have = live.visible()
        if have != want:
            missing = sorted(set(want) - set(have))
            extra = sorted(set(have) - set(want))
            stale = sorted(i for i in set(want) & set(have) if want[i] != have[i])
            out.append(f"{live.name}: missing {missing[:10]} extra {extra[:10]} stale {stale[:10]}")
    return out


def _db_consistency(engine: Any, workshop_id: int) -> None:
    """Integrity check on SQLite; on every database the invariants the write path promises."""
    assert store.integrity_ok(engine), "PRAGMA integrity_check / foreign_key_check failed"
    with engine.connect() as conn:
        dup_client = conn.execute(text(
            "SELECT participant_id, client_id, count(*) FROM contributions WHERE workshop_id = :w "
            "GROUP BY participant_id, client_id HAVING count(*) > 1"), {"w": workshop_id}).all()
        assert dup_client == [], f"duplicate client ids: {dup_client}"
        dup_seq = conn.execute(text(
            "SELECT seq, count(*) FROM contributions WHERE workshop_id = :w GROUP BY seq HAVING count(*) > 1"),
            {"w": workshop_id}).all()
        assert dup_seq == [], f"a sequence number was given twice: {dup_seq}"
        last_seq, max_seq = conn.execute(text(
            "SELECT w.last_seq, (SELECT max(seq) FROM contributions c WHERE c.workshop_id = w.id) "
            "FROM workshops w WHERE w.id = :w"), {"w": workshop_id}).one()
        assert last_seq == max_seq, (last_seq, max_seq)
        orphans = conn.execute(text(
            "SELECT count(*) FROM contributions c LEFT JOIN participants p ON p.id = c.participant_id "
            "LEFT JOIN groups g ON g.id = c.group_id WHERE c.workshop_id = :w AND (p.id IS NULL OR g.id IS NULL)"),
            {"w": workshop_id}).scalar_one()
        assert orphans == 0, f"{orphans} contributions without their participant or group"
        if engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def _check_ledger(engine: Any, workshop_id: int, acks: list[Ack], phones: list[Phone]) -> None:
    posts = {a.contribution_id: a for a in acks if a.op == "post"}
    assert len(posts) == sum(1 for a in acks if a.op == "post"), "two acknowledged posts got the same id"
    final_text = {cid: a.text for cid, a in posts.items()}
    deleted: set[int] = set()
    for a in acks:  # in acknowledgement order per phone; one phone's writes never overlap
        if a.op == "edit":
            final_text[a.contribution_id] = a.text
        elif a.op == "delete":
            deleted.add(a.contribution_id)
    participant_of = {p.index: p.participant_id for p in phones}
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT id, participant_id, client_id, text, deleted FROM contributions WHERE workshop_id = :w"),
            {"w": workshop_id}).all()
    in_db = {r.id: r for r in rows}
    lost = sorted(set(posts) - set(in_db))
    assert not lost, f"{len(lost)} acknowledged posts are not in the database: {lost[:20]}"
    unknown = sorted(set(in_db) - set(posts))
    assert not unknown, f"{len(unknown)} contributions in the database were never acknowledged: {unknown[:20]}"
    for cid, a in posts.items():
        r = in_db[cid]
        assert (r.participant_id, r.client_id) == (participant_of[a.phone], a.client_id), (cid, r)
        assert bool(r.deleted) == (cid in deleted), f"contribution {cid}: deleted={r.deleted}, ledger says {cid in deleted}"
        if cid not in deleted:  # (a deleted one keeps no text)
            assert r.text == final_text[cid], f"contribution {cid}: {r.text!r} != last acknowledged {final_text[cid]!r}"


# -- the test --------------------------------------------------------------------------------------


def _setup_workshop(server: ServerProcess, engine: Any) -> tuple[dict[str, Any], str]:
    with store.make_session_factory(engine)() as db:
        user = accounts.create_user(db, f"krasj-{uuid.uuid4().hex[:6]}@kommune.no", "riktig-passord-123")
        api_token = accounts.issue_api_token(db, user)
    hdr = {"Authorization": f"Bearer {api_token}"}
    body = {"title": "Krasjtest", "groups": [{"name": f"Bord {i + 1}", "persona_id": p} for i, p in enumerate(TABLES)]}
    ws = requests.post(server.base + "/api/v1/workshops", json=body, headers=hdr, timeout=30).json()
    ws = requests.post(server.base + f"/api/v1/workshops/{ws['id']}/open", headers=hdr, timeout=30).json()
    with engine.connect() as conn:
        ws["wall_token"] = conn.execute(text("SELECT wall_token FROM workshops WHERE id = :i"), {"i": ws["id"]}).scalar_one()
    return ws, api_token


def _report(figures: dict[str, Any], config: pytest.Config) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"crash-recovery-{figures['database']}.json").write_text(json.dumps(figures, indent=2))
    capman = config.pluginmanager.getplugin("capturemanager")
    line = "crash recovery: " + json.dumps(figures)
    if capman is None:
        print(line)
        return
    with capman.global_and_fixture_disabled():
        print("\n" + line, flush=True)


def _caught_up_after(lv: LiveClient, t: float) -> float | None:
    """When the client finished a catch-up on a connection made after ``t`` (a catch-up answered by the old
    server may still be read from the socket's buffer after ``t``, so it does not count)."""
    connected = lv.connected_since(t)
    return None if connected is None else lv.synced_since(connected)


def test_kill_9_under_load_loses_and_duplicates_nothing(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    seed = int(os.environ.get("PV_CRASH_SEED") or random.randrange(1 << 30))
    rng = random.Random(seed)
    engine = store.make_engine(database_url)
    server = ServerProcess(database_url, tmp_path)
    stop = threading.Event()
    threads: list[threading.Thread] = []
    lives: list[tuple[Any, LiveClient]] = []
    figures: dict[str, Any] = {"database": engine.dialect.name, "seed": seed, "phones": PHONES, "kills": []}
    try:
        figures["startup_s"] = round(server.start(), 2)
        ws, api_token = _setup_workshop(server, engine)
        groups = [g["id"] for g in ws["groups"]]
        ledger = Ledger()
        phones: list[Phone] = []
        for i in range(PHONES):
            gid = groups[i % len(groups)]
            r = requests.post(server.base + "/api/v1/join", json={"code": ws["join_code"], "group_id": gid}, timeout=30)
            assert r.status_code == 201, r.text
            j = r.json()
            phones.append(Phone(i, server.base, ws["id"], gid, j["participant_id"], j["token"], ledger, server,
                                random.Random(rng.random())))
        for p in phones:
            p.live = live_view(server.base, ws["id"], {"token": p.token}, f"phone {p.index}")
            lives.append((p.group_id, p.live))
        lives.append(("wall", live_view(server.base, ws["id"], {"wall": ws["wall_token"]}, "wall")))
        lives.append(("staff", live_view(server.base, ws["id"], {"token": api_token}, "facilitator", staff=True)))
        wait_until(lambda: all(lv.syncs for _, lv in lives), "every client's first catch-up", 60)

        for p in phones:
            t = threading.Thread(target=p.run, args=(stop,), name=f"phone-{p.index}", daemon=True)
            threads.append(t)
            t.start()

        for k in range(KILLS):
            before = ledger.count()
            target = before + rng.randrange(120, 260)
            wait_until(lambda: ledger.count() >= target, f"{target} acknowledged writes", 120)
            acked_at_kill = ledger.count()
            t_kill = time.monotonic()
            server.kill9()
            t_dead = time.monotonic()  # the old process is gone: a connect from here on is to the new one
            # Requests that reached the dead server are being retried by now; start it again on the same
            # port and database (the time to get a new process up is part of the recovery figure). A client
            # may reconnect and catch up before start() has seen /healthz answer, so the catch-ups are
            # counted from the first connect after the kill, not from "ready".
            ready_s = server.start()
            t_ready = time.monotonic()
            try:
                wait_until(lambda: all(_caught_up_after(lv, t_dead) for _, lv in lives),
                           "every client to reconnect and catch up", 90)
            except AssertionError as err:  # say which clients, what they were told, and what the server logged
                behind = [(lv.name, lv.connected_since(t_dead), lv.errors[-2:], lv.trace())
                          for _, lv in lives if not _caught_up_after(lv, t_dead)]
                raise AssertionError(f"{err}; killed at {t_kill:.2f}, ready at {t_ready:.2f}; not caught up "
                                     f"(name, connected at, errors, trace): {behind}\n{server.log()}") from None
            last_sync = max(_caught_up_after(lv, t_dead) or 0.0 for _, lv in lives)
            last_connect = max(lv.connected_since(t_dead) or 0.0 for _, lv in lives)
            wait_until(lambda: ledger.count() >= acked_at_kill + PHONES, "writes to be acknowledged again", 90)
            figures["kills"].append({
                "writes_acknowledged_before": acked_at_kill,
                "restart_s": round(ready_s, 2),
                "all_clients_caught_up_after_kill_s": round(last_sync - t_kill, 2),
                "all_clients_reconnected_after_restart_s": round(last_connect - t_ready, 2),
                "all_clients_caught_up_after_restart_s": round(last_sync - t_ready, 2),
            })

        # A little more load on the last server, then the phones finish their current write and stop.
        target = ledger.count() + 100
        wait_until(lambda: ledger.count() >= target, "writes after the last restart", 120)
        stop.set()
        for t in threads:
            t.join(60)
            assert not t.is_alive(), f"{t.name} did not finish its write"

        acks = ledger.snapshot()
        settle = wait_until(lambda: not _mismatches(lives, _expected_views(engine, ws["id"])),
                            "every view to equal the database", 60, interval=0.2)
        assert not _mismatches(lives, _expected_views(engine, ws["id"]))

        _check_ledger(engine, ws["id"], acks, phones)
        _db_consistency(engine, ws["id"])
        for _, lv in lives:
            assert not lv.errors, lv.errors
            assert lv.connects >= KILLS + 1, f"{lv.name} connected {lv.connects} times for {KILLS + 1} server runs"
        log = server.full_log()
        assert "Traceback" not in log, log[-6000:]

        posts = [a for a in acks if a.op == "post"]
        figures.update({
            "writes_acknowledged": len(acks),
            "posts": len(posts),
            "edits": sum(a.op == "edit" for a in acks),
            "deletes": sum(a.op == "delete" for a in acks),
            "writes_retried": sum(a.attempts > 1 for a in acks),
            "resent_posts_recognised": sum(p.resent_recognised for p in phones),
            "deletes_confirmed_by_404": sum(a.op == "delete" and a.status == 404 for a in acks),
            "views_settled_after_stop_s": round(settle, 2),
            "catch_ups_tried_again": sum(len(lv.retried) for _, lv in lives),
            "clients": len(lives),
        })
        _report(figures, request.config)
    finally:
        stop.set()
        # In parallel: each client waits up to 3 s for the server's answer to its close frame.
        closers = [threading.Thread(target=lv.close, daemon=True) for _, lv in lives]
        for t in closers:
            t.start()
        for t in closers:
            t.join(15)
        server.stop()
        engine.dispose()
