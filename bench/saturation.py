"""For bench/load.py: a CPU hog on the server's core (``--busy``) and the saturation search (``--saturation``).

``--busy``: a process that spins on the server's CPU for the whole run (pinned there with
``os.sched_setaffinity``, same priority), as a browser or a video call would on the facilitator's laptop.
The server then gets about half of its core.

``--saturation``: after the join burst, posts are sent in steps of rising rate (``--sat-rates``, a few
seconds each, by the phones in turn) until the step's post-to-wall p99 passes 1 s (or something is lost);
against the app, dots follow the same way: every voter puts a dot on and takes it back, so any rate can be
held, and a step counts as passed when the vote request p99 stays under 1 s and both facilitators' tallies
are exact within 1 s of the last dot. The saturation point is the last rate that passed (and the first that
did not).
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import time
from typing import Any

import aiohttp

LIMIT_MS = 1000.0


class Hog:
    """A busy loop pinned to one CPU, for as long as the ``with`` lasts (nothing when ``cpu`` is None)."""

    def __init__(self, cpu: int | None) -> None:
        self.cpu = cpu
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Hog:
        if self.cpu is not None:
            cpu = self.cpu
            self.proc = subprocess.Popen([sys.executable, "-c", "while True: pass"],
                                         preexec_fn=lambda: os.sched_setaffinity(0, {cpu}))
        return self

    def __exit__(self, *_exc: Any) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))], 1)


async def post_steps(sc: Any, http: aiohttp.ClientSession, joined: list[Any], rates: list[float], step_s: float) -> list[dict[str, Any]]:
    """Posts at each rate for ``step_s`` seconds; stops after the first step over the limit."""
    steps: list[dict[str, Any]] = []
    members: dict[int, int] = {}
    for p in joined:
        members[p.group_id] = members.get(p.group_id, 0) + 1
    k = 0
    for rate in rates:
        sent: dict[str, float] = {}
        errors = 0
        cpu0 = sc.server.cpu_s()

        async def one(p: Any, key: str) -> None:
            nonlocal errors
            sent[key] = time.monotonic()
            try:
                ok = await sc.post(http, p, key)
            except Exception:  # noqa: BLE001 - counted
                ok = False
            errors += not ok

        tasks = []
        t0 = time.monotonic()
        count = max(1, round(rate * step_s))
        for i in range(count):
            key = f"sat{rate:g}-{i:06d}".replace(".", "_")  # a client id: letters, digits, - and _
            tasks.append(asyncio.create_task(one(joined[k % len(joined)], key)))
            k += 1
            await asyncio.sleep(max(0.0, t0 + (i + 1) / rate - time.monotonic()))
        await asyncio.gather(*tasks)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not all(key in sc.tally.wall for key in sent):
            await asyncio.sleep(0.05)
        lat = [(sc.tally.wall[key] - t) * 1000 for key, t in sent.items() if key in sc.tally.wall]
        p99 = pct(lat, 99)
        lost = len(sent) - len(lat)
        steps.append({"rate": rate, "posts": len(sent), "errors": errors, "lost": lost, "wall_p50_ms": pct(lat, 50),
                      "wall_p99_ms": p99, "cpu_ms_per_post": round((sc.server.cpu_s() - cpu0) * 1000 / len(sent), 2)})
        print(f"    posts {rate:g}/s: p99 {p99} ms, lost {lost}, errors {errors}", flush=True)
        if errors or lost or p99 is None or p99 > LIMIT_MS:
            break
    return steps


async def dot_steps(sc: Any, http: aiohttp.ClientSession, browser: aiohttp.ClientSession, joined: list[Any],
                    rates: list[float], step_s: float) -> list[dict[str, Any]]:
    """Dots at each rate (put on, then taken back, phone after phone); stops after the first step over the limit."""
    await sc.browser_login(browser)
    async with http.get("/login") as r:
        sc.phone_csrf = sc.scrape_csrf(await r.text())
    await sc.control(browser, "/rounds", {"name": "Metning", "minutes": "0", "type": "voting", "dots": "3", "scope": "all"})
    await sc.control(browser, "/rounds/start", {})
    ids = [c for c, _g in sc.post_ids.values()]
    rng = random.Random(7)
    mine: dict[int, int | None] = {p.index: None for p in joined}  # phone -> the card its dot is on
    standing = 0
    steps: list[dict[str, Any]] = []
    k = 0
    for rate in rates:
        lat: list[float] = []
        bad = 0
        last_sent = 0.0
        cpu0 = sc.server.cpu_s()

        async def one(p: Any) -> None:
            nonlocal bad, standing, last_sent
            on = mine[p.index]
            cid = on if on is not None else rng.choice(ids)
            mine[p.index] = None if on is not None else cid  # claimed now: the next job for this phone does the opposite
            hdr = {"Accept": "application/json", "X-CSRFToken": sc.phone_csrf, "Authorization": f"Bearer {p.token}"}
            t = last_sent = time.monotonic()
            try:
                async with http.post(f"/w/{sc.ws_id}/votes", json={"contribution_id": cid, "dot": on is None}, headers=hdr) as r:
                    await r.read()
                    ok = r.status == 200
            except Exception:  # noqa: BLE001 - counted
                ok = False
            if ok:
                lat.append((time.monotonic() - t) * 1000)
                standing += 1 if on is None else -1
            else:
                bad += 1
                mine[p.index] = on

        tasks = []
        t0 = time.monotonic()
        count = max(1, round(rate * step_s))
        for i in range(count):
            tasks.append(asyncio.create_task(one(joined[k % len(joined)])))
            k += 1
            await asyncio.sleep(max(0.0, t0 + (i + 1) / rate - time.monotonic()))
        await asyncio.gather(*tasks)

        def exact() -> float | None:
            ends = [sc.tally.tallies.get(f, [(0.0, -1)])[-1] for f in (0, 1)]
            return max(t for t, _ in ends) if all(total == standing for _, total in ends) else None

        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and exact() is None:
            await asyncio.sleep(0.01)
        done = exact()
        tally_ms = round((done - last_sent) * 1000, 1) if done is not None else None
        p99 = pct(lat, 99)
        pushes = sum(1 for t, _ in sc.tally.tallies.get(0, []) if t >= t0)
        steps.append({"rate": rate, "dots": count, "errors": bad, "vote_p50_ms": pct(lat, 50), "vote_p99_ms": p99,
                      "tally_ms": tally_ms, "tally_pushes_per_s": round(pushes / max(1e-9, time.monotonic() - t0), 1),
                      "cpu_ms_per_dot": round((sc.server.cpu_s() - cpu0) * 1000 / count, 2)})
        print(f"    dots {rate:g}/s: p99 {p99} ms, tally lag {tally_ms} ms, errors {bad}", flush=True)
        if bad or p99 is None or p99 > LIMIT_MS or tally_ms is None or tally_ms > LIMIT_MS:
            break
    return steps


def saturation_point(steps: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """The last rate under the limit and the first over it (None: never reached / never passed)."""
    def ok(s: dict[str, Any]) -> bool:
        values = [s.get(key), s.get("tally_ms", 0)]
        return not s.get("errors") and not s.get("lost") and all(v is not None and v <= LIMIT_MS for v in values)

    good = [s["rate"] for s in steps if ok(s)]
    bad = [s["rate"] for s in steps if not ok(s)]
    return {"held": max(good) if good else None, "failed_at": min(bad) if bad else None}


def saturation_table(rows: list[dict[str, Any]]) -> str:
    lines = ["| target | posts/s held (p99 ≤ 1 s) | first over | CPU ms/post at that rate | dots/s held (p99 and tally ≤ 1 s) | first over | tally pushes/s |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        sp, sd = r["sat_posts"], r.get("sat_dots") or {}
        held = next((s for s in r["post_steps"] if s["rate"] == sp["held"]), {})
        dheld = next((s for s in r.get("dot_steps", []) if s["rate"] == sd.get("held")), {})
        lines.append(f"| {r['target']} | {sp['held'] or '–'} | {sp['failed_at'] or 'not reached'} | {held.get('cpu_ms_per_post', '–')} | "
                     f"{sd.get('held') or ('n/a' if r['target'] != 'app' else '–')} | {sd.get('failed_at') or ('n/a' if r['target'] != 'app' else 'not reached')} | "
                     f"{dheld.get('tally_pushes_per_s', '–')} |")
    return "\n".join(lines)


async def run(sc: Any, post_rates: list[float], dot_rates: list[float], step_s: float) -> dict[str, Any]:
    """One target: the join burst (as bench/load.py's Scenario.run), then the post steps and (app) the dot steps."""
    conn = aiohttp.TCPConnector(limit=sc.concurrency)
    timeout = aiohttp.ClientTimeout(total=60)
    jar = aiohttp.CookieJar
    async with aiohttp.ClientSession(sc.server.base, connector=conn, timeout=timeout, cookie_jar=jar(unsafe=True)) as http, \
            aiohttp.ClientSession(sc.server.base, timeout=timeout, cookie_jar=jar(unsafe=True)) as browser, \
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), timeout=timeout) as sc.wss:
        await sc.setup(http)
        wall = await sc.watcher(http, sc.wall_auth, "wall", sc.tally.handler("wall"))
        facs = [await sc.watcher(http, sc.fac_auth, "staff", sc.tally.handler("staff", i)) for i in range(2)]
        phones = [type(sc).phone_class(i, sc.group_ids[i % len(sc.group_ids)]) for i in range(sc.n)]
        sem = asyncio.Semaphore(sc.concurrency)

        async def join_one(p: Any) -> None:
            async with sem:
                try:
                    await sc.join(http, p)
                except Exception as exc:  # noqa: BLE001 - counted
                    sc.errors.append(f"join: {type(exc).__name__}: {exc}"[:300])

        t = time.monotonic()
        await asyncio.gather(*(join_one(p) for p in phones))
        join_s = round(time.monotonic() - t, 2)
        joined = [p for p in phones if p.client is not None]
        row: dict[str, Any] = {"target": sc.target, "n": sc.n, "joined": len(joined), "join_s": join_s}
        row["post_steps"] = await post_steps(sc, http, joined, post_rates, step_s)
        row["sat_posts"] = saturation_point(row["post_steps"], "wall_p99_ms")
        if sc.target == "app":
            sc.tally.frozen = True
            try:
                row["dot_steps"] = await dot_steps(sc, http, browser, joined, dot_rates, step_s)
                row["sat_dots"] = saturation_point(row["dot_steps"], "vote_p99_ms")
            except Exception as exc:  # noqa: BLE001 - reported
                sc.errors.append(f"dots: {type(exc).__name__}: {exc}"[:300])
        for c in [wall, *facs, *(p.client for p in joined)]:
            await c.close()
    row["errors"] = sc.errors[:10]
    return row
