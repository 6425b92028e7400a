"""Load benchmark: a simulated workshop against a real server process, next to three references.

For each size N: N phones in N/10 groups join in a burst (join, connect, ``watch``), a wall and two
facilitators watch, then contributions are posted at a set rate by the phones in turn. The same load runs
against four servers, each started fresh:

  app   Personaverkstad itself (``python -m facilitator serve``, gevent, SQLite unless --database-url)
  fsio  a bare Flask-SocketIO gevent server delivering the same messages to the same rooms, no database
        (bench/ref_fsio.py)
  fsiodb  the same, storing what a server that must not lose a post has to: the token's hash at a join, a token
        look-up at a connect and a post, the post itself committed before it is emitted (bench/ref_fsio.py --store)
  ws    a raw ``websockets`` asyncio server doing the same with ``broadcast()`` (bench/ref_websockets.py)

Then, against the app only (the references have no votes or moderation; their columns read n/a): a
facilitator signed in through ``/login`` (session cookie, CSRF token) adds and starts a voting round (3 dots,
scope all or own group), a share of the phones (``--voters``) cast their dots at a set rate through
``POST /w/{id}/votes`` (participant bearer token plus a CSRF token of the phones' browser session), then the
facilitator hides a few contributions and merges two.

Measured: time until all joined, join errors, post-to-wall and post-to-groupmate latency
(p50/p95/p99/max), completeness (received / expected, for the wall, the groupmates and the facilitators),
sustained posts/s, server CPU and memory per phone; votes accepted / refused, vote request latency
(p50/p99), the time from sending the last accepted vote until both facilitators' ``votes`` tallies add up
to every accepted dot, and hide-to-wall / merge-to-wall latency (control request to the wall's ``contribution``
event). Our figures are also printed as ratios to the references.

    .venv/bin/python bench/load.py                       # N = 50, 300, 1000; 20 posts/s for 40 s
    .venv/bin/python bench/load.py --n 50 --duration 2 --targets app --json /tmp/smoke.json   # smoke

The server is pinned to CPU 0 and this client process to CPU 1 (``--no-pin`` to let them share), so the
client's own work does not eat the server's core. Writes JSON and a Markdown table to bench/results/.
Everything runs on loopback; every wait is bounded in time.

Over 400 lines for a reason: the phases (join burst, posting, votes, moderation, --busy, --saturation) share
one run's servers, clients and figures; the clients, servers, reference servers, report and saturation
search are already their own modules (clients.py, servers.py, ref_*.py, load_report.py, saturation.py).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import re
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from clients import RawClient, SioClient
from export_phase import big_report_url, posting_during_export
from load_report import complete, gc_line, machine, ratio_rows, table
from saturation import Hog, saturation_table
from saturation import run as run_saturation
from servers import Server

ROOT = Path(__file__).resolve().parent.parent
PERSONAS = ["ine", "nils", "silje", "trond", "torunn"]
TEXT_PAD = "x" * 150


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return round(values[k], 1)


# -- the simulated room ----------------------------------------------------------------------------------


@dataclass
class Phone:
    index: int
    group_id: int
    token: str = ""
    client: Any = None


@dataclass
class Tally:
    """Receipt times per post key, by kind of receiver."""

    wall: dict[str, float] = field(default_factory=dict)
    mates: dict[str, list[float]] = field(default_factory=dict)
    staff: dict[str, int] = field(default_factory=dict)
    # After the posting phase the post counts freeze (moderation re-sends contributions to the same rooms).
    frozen: bool = False
    wall_hidden: dict[int, float] = field(default_factory=dict)  # contribution id -> the wall saw it hidden
    wall_merged: dict[int, float] = field(default_factory=dict)  # contribution id -> the wall saw it merged away
    tallies: dict[int, list[tuple[float, int]]] = field(default_factory=dict)  # facilitator -> (time, dots in tally)

    def handler(self, kind: str, phone: int | None = None) -> Callable[[str, Any, float], None]:
        def on_event(event: str, data: Any, now: float) -> None:
            if event == "votes":
                if kind == "staff" and isinstance(data, dict):
                    total = sum(int(v) for v in (data.get("votes") or {}).values())
                    self.tallies.setdefault(phone or 0, []).append((now, total))
                return
            if event == "contribution":
                items = [data]
            elif event == "contributions":  # a coalesced batch (the wall)
                items = data.get("items", []) if isinstance(data, dict) else []
            else:
                return
            for item in items:
                if kind == "wall" and isinstance(item, dict) and self.frozen:
                    if item.get("hidden"):
                        self.wall_hidden.setdefault(item.get("id"), now)
                    if item.get("merged_into"):
                        self.wall_merged.setdefault(item.get("id"), now)
                if self.frozen:
                    continue
                text = item.get("text", "") if isinstance(item, dict) else ""
                if not text.startswith("bench:"):
                    continue
                key, poster = text.split(":")[1:3]
                if kind == "wall":
                    self.wall.setdefault(key, now)
                elif kind == "staff":
                    self.staff[key] = self.staff.get(key, 0) + 1
                elif str(phone) != poster:
                    self.mates.setdefault(key, []).append(now)

        return on_event


class Scenario:
    """Drives one target: setup, join burst, posting phase; returns one result row."""

    phone_class = Phone  # for bench/saturation.py

    def __init__(self, server: Server, n: int, groups: int, rate: float, duration: float, concurrency: int,
                 voters: float = 0.5, vote_rate: float = 50.0, dots: int = 3, scope: str = "all", hide: int = 3,
                 export: int = 0) -> None:
        self.server = server
        self.target = server.target
        self.n = n
        self.groups = groups
        self.rate = rate
        self.duration = duration
        self.concurrency = concurrency
        self.tally = Tally()
        self.errors: list[str] = []
        self.ws_id = 0
        self.join_code = ""
        self.group_ids: list[int] = list(range(1, groups + 1))
        self.wall_auth: dict[str, Any] = {}
        self.fac_auth: dict[str, Any] = {}
        self.api_token = ""
        self.voters, self.vote_rate, self.dots, self.scope, self.hide = voters, vote_rate, dots, scope, hide
        self.email = ""
        self.csrf = ""  # the facilitator's browser session
        self.phone_csrf = ""  # the phones' browser session (votes are browser routes: CSRF even with a bearer token)
        self.post_ids: dict[str, tuple[int, int]] = {}  # post key -> (contribution id, group id)
        self.post_refusals: list[str] = []  # "status: body" of posts the server did not accept (at most 5)
        self.export = export  # contributions in the report exported during a second posting phase (0: none)

    # target-specific steps -------------------------------------------------------------------------

    def client(self, on_event: Callable[[str, Any, float], None]) -> Any:
        return RawClient(on_event) if self.target == "ws" else SioClient(on_event)

    async def setup(self, http: aiohttp.ClientSession) -> None:
        if self.target != "app":
            return
        email = self.email = f"bench{secrets.token_hex(3)}@example.no"
        self.server.cli("users", "create", email, "--password", "bench-password-123")
        self.api_token = self.server.cli("users", "token", email).strip().splitlines()[-1]
        hdr = {"Authorization": f"Bearer {self.api_token}"}
        body = {"title": "Benchmark", "place": "Loopback",
                "groups": [{"name": f"Bord {i + 1}", "persona_id": PERSONAS[i % len(PERSONAS)]} for i in range(self.groups)]}
        async with http.post("/api/v1/workshops", json=body, headers=hdr) as r:
            ws = await r.json()
        async with http.post(f"/api/v1/workshops/{ws['id']}/open", headers=hdr) as r:
            ws = await r.json()
        self.ws_id, self.join_code = ws["id"], ws["join_code"]
        self.group_ids = [g["id"] for g in ws["groups"]]
        import sqlalchemy as sa  # the wall token is only shown on the manage page; read it from the database

        eng = sa.create_engine(self.server.env["DATABASE_URL"])
        with eng.connect() as c:
            wall_token = c.execute(sa.text("select wall_token from workshops where id=:i"), {"i": self.ws_id}).scalar_one()
        eng.dispose()
        self.wall_auth = {"wall": wall_token}
        self.fac_auth = {"token": self.api_token}

    def watch_body(self, role: str, group_id: int | None = None) -> dict[str, Any]:
        if self.target == "app":
            return {"workshop_id": self.ws_id, "since": 0}
        return {"role": role, "group_id": group_id}

    async def watcher(self, http: aiohttp.ClientSession, auth: dict[str, Any], role: str, on_event: Any, group_id: int | None = None) -> Any:
        c = self.client(on_event)
        await c.connect(self.wss, self.server.base, auth)
        ack = await c.call("watch", self.watch_body(role, group_id))
        if not (isinstance(ack, dict) and ack.get("ok")):
            await c.close()
            raise RuntimeError(f"watch refused: {ack}")
        return c

    async def join(self, http: aiohttp.ClientSession, phone: Phone) -> None:
        if self.target == "app":
            async with http.post("/api/v1/join", json={"code": self.join_code, "group_id": phone.group_id}) as r:
                if r.status != 201:
                    raise RuntimeError(f"join {r.status}: {(await r.text())[:200]}")
                phone.token = (await r.json())["token"]
        elif self.target in ("fsio", "fsiodb"):
            async with http.post("/join", json={"group_id": phone.group_id}) as r:
                phone.token = (await r.json())["token"]
        phone.client = await self.watcher(http, {"token": phone.token}, "participant", self.tally.handler("phone", phone.index),
                                          phone.group_id)

    async def post(self, http: aiohttp.ClientSession, phone: Phone, key: str) -> bool:
        body = {"group_id": phone.group_id, "kind": "need", "text": f"bench:{key}:{phone.index}:{TEXT_PAD}", "client_id": key + "cid"}
        if self.target == "ws":
            ack = await phone.client.call("post", body)
            return bool(ack.get("ok"))
        url = f"/api/v1/workshops/{self.ws_id}/contributions" if self.target == "app" else "/post"
        async with http.post(url, json=body, headers={"Authorization": f"Bearer {phone.token}"}) as r:
            if r.status == 201 and self.target == "app":
                self.post_ids[key] = ((await r.json())["id"], phone.group_id)
            else:
                body = await r.read()
                if r.status != 201 and len(self.post_refusals) < 5:
                    self.post_refusals.append(f"{r.status}: {body.decode(errors='replace')[:200]}")
            return r.status == 201

    # votes and moderation (the app only) ------------------------------------------------------------

    @staticmethod
    def scrape_csrf(html: str) -> str:
        m = re.search(r'name="csrf[-_]token" (?:value|content)="([^"]+)"', html)
        if m is None:
            raise RuntimeError("no CSRF token on the page")
        return m.group(1)

    async def browser_login(self, browser: aiohttp.ClientSession) -> None:
        """Sign the facilitator in as a browser does: the sign-in form with its CSRF token, then the plan
        page's token for the controls' fetch calls."""
        async with browser.get("/login") as r:
            token = self.scrape_csrf(await r.text())
        form = {"email": self.email, "password": "bench-password-123", "csrf_token": token}
        async with browser.post("/login", data=form, allow_redirects=False) as r:
            if r.status != 302:
                raise RuntimeError(f"login {r.status}: {(await r.text())[:200]}")
        async with browser.get(f"/workshops/{self.ws_id}/plan") as r:
            if r.status != 200:
                raise RuntimeError(f"plan page {r.status}")
            self.csrf = self.scrape_csrf(await r.text())

    async def control(self, browser: aiohttp.ClientSession, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        hdr = {"Accept": "application/json", "X-CSRFToken": self.csrf}
        async with browser.post(f"/workshops/{self.ws_id}{path}", json=body or {}, headers=hdr) as r:
            data = await r.json(content_type=None)
            if r.status != 200:
                raise RuntimeError(f"{path} {r.status}: {str(data)[:200]}")
            return data

    async def vote(self, http: aiohttp.ClientSession, phone: Phone, contribution_id: int) -> int:
        hdr = {"Accept": "application/json", "X-CSRFToken": self.phone_csrf, "Authorization": f"Bearer {phone.token}"}
        async with http.post(f"/w/{self.ws_id}/votes", json={"contribution_id": contribution_id, "dot": True}, headers=hdr) as r:
            await r.read()
            return r.status

    async def votes_and_moderation(self, http: aiohttp.ClientSession, browser: aiohttp.ClientSession,
                                   joined: list[Phone]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        self.tally.frozen = True
        await self.browser_login(browser)
        async with http.get("/login") as r:  # the phones' browser session: a cookie and its CSRF token
            self.phone_csrf = self.scrape_csrf(await r.text())
        added = await self.control(browser, "/rounds", {"name": "Prioriter", "minutes": "0", "type": "voting",
                                                        "dots": str(self.dots), "scope": self.scope})
        started = await self.control(browser, "/rounds/start", {})
        out["vote_round"] = (started.get("round") or {}).get("round", {}).get("status") or str(added)[:100]

        # 1. the voters cast their dots at a set rate, dot by dot across the room
        rng = random.Random(self.n)
        ids = list(self.post_ids.values())
        voters = rng.sample(joined, round(self.voters * len(joined)))
        picks = {p.index: rng.sample([c for c, g in ids if self.scope == "all" or g == p.group_id],
                                     min(self.dots, sum(1 for _, g in ids if self.scope == "all" or g == p.group_id)))
                 for p in voters}
        jobs = [(p, picks[p.index][d]) for d in range(self.dots) for p in voters if d < len(picks[p.index])]
        lat: list[float] = []
        statuses: dict[int, int] = {}
        last_ack = last_sent = 0.0

        async def vote_one(p: Phone, cid: int) -> None:
            nonlocal last_ack, last_sent
            t = time.monotonic()
            try:
                status = await self.vote(http, p, cid)
            except Exception as exc:  # noqa: BLE001
                status = 0
                self.errors.append(f"vote: {type(exc).__name__}: {exc}"[:300])
            now = time.monotonic()
            statuses[status] = statuses.get(status, 0) + 1
            if status == 200:
                lat.append((now - t) * 1000)
                last_ack, last_sent = max(last_ack, now), max(last_sent, t)

        cpu0 = self.server.cpu_s()
        tasks = []
        t_vote = time.monotonic()
        for k, (p, cid) in enumerate(jobs):
            tasks.append(asyncio.create_task(vote_one(p, cid)))
            await asyncio.sleep(max(0.0, t_vote + (k + 1) / self.vote_rate - time.monotonic()))
        await asyncio.gather(*tasks)
        accepted = statuses.get(200, 0)
        refused = len(jobs) - accepted
        if refused:
            self.errors.append(f"votes refused: {dict(sorted(statuses.items()))}")

        # 2. until both facilitators' tallies count every accepted dot
        def reached(fac: int) -> float | None:
            return next((t for t, total in self.tally.tallies.get(fac, []) if total >= accepted), None)

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not all(reached(f) is not None for f in (0, 1)):
            await asyncio.sleep(0.02)
        done = [reached(f) for f in (0, 1)]
        tally_ms = None
        if accepted and all(d is not None for d in done):
            tally_ms = round((max(d for d in done if d is not None) - last_sent) * 1000, 1)
        if accepted and tally_ms is None:
            self.errors.append(f"tallies never reached {accepted} dots: {[self.tally.tallies.get(f, [(0, 0)])[-1][1] for f in (0, 1)]}")
        cpu1 = self.server.cpu_s()

        # 3. moderation: hide a few, merge two; time until the wall shows it
        hide_lat: list[float] = []
        merge_ms = None
        order = [c for c, _ in ids]
        to_hide, merge = order[-self.hide:] if self.hide else [], order[:2]

        async def seen(where: dict[int, float], cid: int, t: float) -> float | None:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if cid in where:
                    return round((where[cid] - t) * 1000, 1)
                await asyncio.sleep(0.002)
            self.errors.append(f"the wall never saw contribution {cid} moderated")
            return None

        try:
            for cid in to_hide:
                t = time.monotonic()
                await self.control(browser, f"/contributions/{cid}/hide")
                ms = await seen(self.tally.wall_hidden, cid, t)
                if ms is not None:
                    hide_lat.append(ms)
            if len(merge) == 2:
                t = time.monotonic()
                await self.control(browser, f"/contributions/{merge[0]}/merge", {"into": merge[1]})
                merge_ms = await seen(self.tally.wall_merged, merge[0], t)
        except Exception as exc:  # noqa: BLE001
            self.errors.append(f"moderation: {type(exc).__name__}: {exc}"[:300])
        out.update(
            voters=len(voters), votes=len(jobs), votes_ok=accepted, votes_refused=refused,
            votes_per_s=round(accepted / max(1e-9, last_ack - t_vote), 1) if accepted else 0,
            vote_p50_ms=pct(lat, 50), vote_p99_ms=pct(lat, 99), tally_ms=tally_ms, cpu_votes_s=round(cpu1 - cpu0, 2),
            hidden=len(hide_lat), hide_wall_p50_ms=pct(hide_lat, 50), hide_wall_max_ms=pct(hide_lat, 100), merge_wall_ms=merge_ms,
        )
        return out

    # the run -----------------------------------------------------------------------------------------

    async def run(self) -> dict[str, Any]:
        conn = aiohttp.TCPConnector(limit=self.concurrency)
        timeout = aiohttp.ClientTimeout(total=60)
        # WebSockets hold their connection for good: they get a session without a connection limit.
        # Cookie jars that keep cookies for 127.0.0.1: the phones' browser session (votes) and the facilitator's.
        async with aiohttp.ClientSession(self.server.base, connector=conn, timeout=timeout,
                                         cookie_jar=aiohttp.CookieJar(unsafe=True)) as http, \
                aiohttp.ClientSession(self.server.base, timeout=timeout, cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser, \
                aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), timeout=timeout) as self.wss:
            await self.setup(http)
            wall = await self.watcher(http, self.wall_auth, "wall", self.tally.handler("wall"))
            facs = [await self.watcher(http, self.fac_auth, "staff", self.tally.handler("staff", i)) for i in range(2)]
            phones = [Phone(i, self.group_ids[i % len(self.group_ids)]) for i in range(self.n)]
            rss0, cpu0 = self.server.ps.memory_info().rss, self.server.cpu_s()

            # 1. the join burst
            self.server.start_profile(f"{self.target}-{self.n}-join")
            sem = asyncio.Semaphore(self.concurrency)
            join_lat: list[float] = []

            async def join_one(p: Phone) -> None:
                async with sem:
                    t = time.monotonic()
                    try:
                        await self.join(http, p)
                        join_lat.append((time.monotonic() - t) * 1000)
                    except Exception as exc:  # noqa: BLE001 - counted and reported
                        self.errors.append(f"join: {type(exc).__name__}: {exc}"[:300])

            t_join = time.monotonic()
            await asyncio.gather(*(join_one(p) for p in phones))
            join_s = time.monotonic() - t_join
            self.server.stop_profile()
            rss1, cpu1 = self.server.ps.memory_info().rss, self.server.cpu_s()
            joined = [p for p in phones if p.client is not None]

            # 2. posting at a set rate, by the phones in turn
            self.server.start_profile(f"{self.target}-{self.n}-post")
            sent: dict[str, tuple[float, Phone]] = {}
            acked: list[float] = []
            post_errors = 0

            async def post_one(p: Phone, key: str) -> None:
                nonlocal post_errors
                sent[key] = (time.monotonic(), p)
                try:
                    ok = await self.post(http, p, key)
                except Exception as exc:  # noqa: BLE001
                    ok = False
                    self.errors.append(f"post: {type(exc).__name__}: {exc}"[:300])
                if ok:
                    acked.append(time.monotonic())
                else:
                    post_errors += 1

            count = int(self.rate * self.duration)
            tasks = []
            t_post = time.monotonic()
            for k in range(count if joined else 0):
                tasks.append(asyncio.create_task(post_one(joined[k % len(joined)], f"{k:06d}{secrets.token_hex(3)}")))
                await asyncio.sleep(max(0.0, t_post + (k + 1) / self.rate - time.monotonic()))
            await asyncio.gather(*tasks)
            post_span = (max(acked) - t_post) if acked else float("nan")

            members: dict[int, int] = {}
            for p in joined:
                members[p.group_id] = members.get(p.group_id, 0) + 1
            expected_mates = sum(members[p.group_id] - 1 for _, p in sent.values())
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                got_mates = sum(len(v) for v in self.tally.mates.values())
                if (len(self.tally.wall) >= len(sent) and got_mates >= expected_mates
                        and sum(self.tally.staff.values()) >= 2 * len(sent)):
                    break
                await asyncio.sleep(0.05)
            self.server.stop_profile()
            cpu2 = self.server.cpu_s()
            rss2 = self.server.ps.memory_info().rss
            wall_received, mates_received = len(self.tally.wall), sum(len(v) for v in self.tally.mates.values())
            staff_received = sum(self.tally.staff.values())
            stored = None
            if self.target == "fsiodb":  # what the storing reference holds: a token per join, a row per post
                async with http.get("/healthz") as r:
                    stored = (await r.json())["stored"]
            exported: dict[str, Any] = {}
            if self.target == "app" and self.export and joined:
                # 2b. the same posting while an organiser downloads the big report (bench/export_phase.py)
                url = await asyncio.to_thread(big_report_url, self.server.base, self.server.env["DATABASE_URL"], self.export)
                exported = await posting_during_export(self, http, joined, url, pct)
                self.errors.extend(exported.pop("export_errors"))
            self.tally.frozen = True
            voted: dict[str, Any] = dict.fromkeys(VOTE_KEYS)
            if self.target == "app" and joined and self.post_ids:
                self.server.start_profile(f"{self.target}-{self.n}-votes")
                try:
                    voted.update(await self.votes_and_moderation(http, browser, joined))
                except Exception as exc:  # noqa: BLE001
                    self.errors.append(f"votes/moderation: {type(exc).__name__}: {exc}"[:300])
                self.server.stop_profile()
            for c in [wall, *facs, *(p.client for p in joined)]:
                await c.close()

        wall_lat = [(self.tally.wall[k] - t) * 1000 for k, (t, _) in sent.items() if k in self.tally.wall]
        mate_lat = [(r - t) * 1000 for k, (t, _) in sent.items() for r in self.tally.mates.get(k, [])]
        return {
            "target": self.target, "n": self.n, "groups": self.groups, "joined": len(joined),
            "join_errors": self.n - len(joined), "join_s": round(join_s, 2),
            "join_p50_ms": pct(join_lat, 50), "join_p99_ms": pct(join_lat, 99),
            "posts": len(sent), "post_errors": post_errors, "posts_per_s": round(len(acked) / post_span, 1) if acked else 0,
            "wall_p50_ms": pct(wall_lat, 50), "wall_p95_ms": pct(wall_lat, 95), "wall_p99_ms": pct(wall_lat, 99),
            "wall_max_ms": pct(wall_lat, 100),
            "mate_p50_ms": pct(mate_lat, 50), "mate_p95_ms": pct(mate_lat, 95), "mate_p99_ms": pct(mate_lat, 99),
            "mate_max_ms": pct(mate_lat, 100),
            "wall_received": wall_received, "wall_expected": len(sent),
            "mates_received": mates_received, "mates_expected": expected_mates,
            "staff_received": staff_received, "staff_expected": 2 * len(sent),
            "cpu_join_s": round(cpu1 - cpu0, 2), "cpu_posts_s": round(cpu2 - cpu1, 2),
            "cpu_ms_per_join": round((cpu1 - cpu0) * 1000 / max(1, len(joined)), 2),
            "rss_mb": round(rss2 / 2**20, 1), "kb_per_phone": round((rss1 - rss0) / max(1, len(joined)) / 1024, 1),
            **voted,
            **exported,
            "export_contributions": self.export if exported else None,
            "stored": stored,
            "errors": self.errors[:10],
        }


def export_line(r: dict[str, Any]) -> str:
    return (f"posting during DOCX exports of {r.get('export_contributions')} contributions: wall p50 {r['export_wall_p50_ms']} ms, "
            f"p99 {r['export_wall_p99_ms']} ms against p50 {r['export_plain_wall_p50_ms']} / p99 {r['export_plain_wall_p99_ms']} ms "
            f"just before without exports ({r['export_p99_ratio']}× at p99); {r['export_wall_received']}/{r['export_posts']} "
            f"delivered, {r['exports_done']} exports (median {r['export_s']} s)")


VOTE_KEYS = ["vote_round", "voters", "votes", "votes_ok", "votes_refused", "votes_per_s", "vote_p50_ms", "vote_p99_ms",
             "tally_ms", "cpu_votes_s", "hidden", "hide_wall_p50_ms", "hide_wall_max_ms", "merge_wall_ms"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", default="50,300,1000", help="phones; comma-separated for several sizes")
    ap.add_argument("--group-size", type=int, default=10, help="phones per group (groups = N / this)")
    ap.add_argument("--rate", type=float, default=20.0, help="posts per second")
    # Every server pings each client every 20 s (Engine.IO), 20 s after its connect. A posting phase of a
    # whole number of ping intervals holds the same pings per phone for every target; 15 s held none for a
    # reference whose phones all joined in a second and hundreds for the app, whose burst took seven.
    ap.add_argument("--duration", type=float, default=40.0, help="seconds of posting (40: two ping intervals)")
    ap.add_argument("--targets", default="app,fsio,fsiodb,ws")
    ap.add_argument("--voters", type=float, default=0.5, help="share of the phones that cast their dots (app only)")
    ap.add_argument("--vote-rate", type=float, default=50.0, help="dots per second")
    ap.add_argument("--dots", type=int, default=3, help="dots per participant in the voting round")
    ap.add_argument("--scope", choices=["all", "group"], default="all", help="vote on every contribution or the own table's")
    ap.add_argument("--hide", type=int, default=3, help="contributions the facilitator hides (then merges two others)")
    ap.add_argument("--concurrency", type=int, default=100, help="joins in flight at once")
    ap.add_argument("--busy", action="store_true", help="a CPU hog on the server's core for the whole run (bench/saturation.py)")
    ap.add_argument("--saturation", action="store_true", help="instead of the fixed load: step the post and dot rates until p99 > 1 s")
    ap.add_argument("--sat-rates", default="10,20,40,80,160,320", help="post rates to step through (--saturation)")
    ap.add_argument("--dot-rates", default="25,50,100,200,400,800", help="dot rates to step through (--saturation, app only)")
    ap.add_argument("--sat-step", type=float, default=5.0, help="seconds per step (--saturation)")
    ap.add_argument("--export", type=int, default=0,
                    help="app only: post again while a report of this many contributions is downloaded as DOCX back to back")
    ap.add_argument("--database-url", default=None, help="for the app (default: a fresh SQLite file)")
    ap.add_argument("--no-pin", action="store_true", help="do not pin server and client to separate CPUs")
    ap.add_argument("--profile", type=Path, default=None, help="record py-spy profiles of each phase into this folder")
    ap.add_argument("--logs", type=Path, default=None, help="keep the servers' logs in this folder")
    ap.add_argument("--gc", action="store_true", help="log the servers' garbage collections (bench/gcprobe) and report their pauses")
    ap.add_argument("--json", type=Path, default=None, help="default: bench/results/load-<date>.json")
    ap.add_argument("--markdown", type=Path, default=None, help="default: next to the JSON, .md")
    args = ap.parse_args(argv)

    pin = not args.no_pin and (os.cpu_count() or 1) >= 2
    if pin:
        os.sched_setaffinity(0, {1})
    workdir = Path(tempfile.mkdtemp(prefix="pv-bench-"))
    if args.logs:
        args.logs.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    try:
        for n in [int(x) for x in args.n.split(",")]:
            for target in args.targets.split(","):
                server = Server(target, workdir, 0 if pin else None, args.database_url, args.profile, args.logs, args.gc)
                try:
                    with Hog(0 if pin and args.busy else None):
                        server.start()
                        scenario = Scenario(server, n, max(1, n // args.group_size), args.rate, args.duration, args.concurrency,
                                            args.voters, args.vote_rate, args.dots, args.scope, args.hide, args.export)
                        if args.saturation:
                            rates = [float(x) for x in args.sat_rates.split(",")]
                            dot_rates = [float(x) for x in args.dot_rates.split(",")]
                            row = asyncio.run(run_saturation(scenario, rates, dot_rates, args.sat_step))
                        else:
                            row = asyncio.run(scenario.run())
                finally:
                    server.stop()
                row["busy"] = bool(pin and args.busy)
                if args.gc:
                    row["gc"] = server.gc_pauses()
                rows.append(row)
                if args.saturation:
                    print(saturation_table([row]).splitlines()[-1], flush=True)
                    continue
                print(table([row]).splitlines()[-1], flush=True)
                if row.get("export_posts"):
                    print("    " + export_line(row), flush=True)
                if row.get("gc"):
                    print("    " + gc_line(row), flush=True)
                for err in row["errors"][:3]:
                    print("   ", err, flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    info = machine()
    info["pinned"] = "server on CPU 0, benchmark client on CPU 1" if pin else "not pinned"
    md = [f"Machine: {info['cpus']} × {info['cpu']}, {info['memory_gb']} GB, Python {info['python']}, {info['pinned']}.",
          f"Load: {args.rate:g} posts/s for {args.duration:g} s, {args.group_size} phones per group, a wall and two facilitators.",
          (f"Then (app only): a voting round ({args.dots} dots, scope {args.scope}), {args.voters:g} of the phones cast their dots "
           f"at {args.vote_rate:g}/s; the facilitator hides {args.hide} contributions and merges two."),
          "Latencies in ms; CPU and memory of the server process.", ""]
    if args.busy:
        md.insert(1, "Busy: a CPU hog spun on the server's core for the whole run (--busy).")
    md.append(saturation_table(rows) if args.saturation else table(rows + ratio_rows(rows)))
    md += ["", *(f"{r['target']} {r['n']}: {export_line(r)}" for r in rows if r.get("export_posts"))]
    md += [f"{r['target']} {r['n']}: {gc_line(r)}" for r in rows if r.get("gc")]
    print("\n" + "\n".join(md))
    out = args.json or ROOT / "bench" / "results" / f"load-{dt.date.today().isoformat()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": info, "args": {k: str(v) for k, v in vars(args).items()},
                               "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "rows": rows}, indent=2))
    mdpath = args.markdown or out.with_suffix(".md")
    mdpath.write_text("\n".join(md) + "\n")
    print(f"\nwrote {out} and {mdpath}")
    if args.saturation:
        return 1 if any(r["errors"] for r in rows) else 0
    bad = [r for r in rows if r["join_errors"] or r["post_errors"] or complete(r).split("/")[0] != complete(r).split("/")[1]
           or (r["target"] == "app" and (r["votes_refused"] or r["errors"]))
           or (r.get("export_posts") and (r["export_wall_received"] != r["export_posts"]
                                          or r["export_plain_received"] != r["export_posts"]))]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
