"""Report benchmark: how long each format takes for 100, 1,000 and 10,000 contributions, and whether a big
export holds up live traffic.

1. **Formats.** A workshop with N contributions (5 personas, 10 tables, texts of 40-200 characters with
   æøå, « », – and emoji) is imported into a fresh SQLite database. For each format the time is measured
   twice: *render* (in this process: read the workshop and render, as the worker does) and *http* (GET from
   a running gevent server through a share link, as an organiser gets it: the page, and each download; DOCX,
   PDF and XLSX then run in the worker process).
2. **Live traffic during an export.** A second, open workshop on the same server has a wall watching over
   Socket.IO and phones posting through the API at a steady rate. Post-to-wall latency is measured without
   exports, and again while the 10,000-contribution DOCX (then PDF) is downloaded back to back.

    .venv/bin/python bench/report.py                       # 100, 1000, 10000; all formats; latency
    .venv/bin/python bench/report.py --sizes 100 --no-latency
    .venv/bin/python bench/report.py --sections ...        # with tags, themes, roles and follow-up items

With ``--sections`` about 60 % of the contributions carry measure and level tags, 30 % are in one of eight
themes, the participants have self-declared roles and wrote the contributions (round-robin), and the
follow-up register has 20 items: the report then has its sections 3-6 (themes, tags by persona, role
groups, follow-up) to read and render.

Prints Markdown tables and writes JSON (default bench/results/report-<date>.json). Loopback only; every
loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from common import PY, ROOT, free_port, stop_process, wait_for_health

FORMATS = ("page", "md", "csv", "xlsx", "docx", "pdf")
PERSONAS = ["ine", "torunn", "nils", "trond", "silje"]
WORDS = (
    "kompetanse rettleiing mentor kurs samlingsbasert leiing omstilling velferdsteknologi praksis trainee "
    "kommunen høgskulen fagdag tillitsvalde «samarbeid» – æøå 🙂 prosjekt plan digital opplæring tid"
).split()


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


MEASURES = ["kurs", "e-læring", "samlingsbasert utdanning", "hospitering", "mentor/veiledning", "nettverk", "lederopplæring"]
LEVELS = ["individ", "gruppe/avdeling", "organisasjon", "interkommunalt"]
THEMES = [f"Tema {i + 1}: leiing og omstilling" for i in range(8)]
ROLE_KEYS = ["leder", "mellomleder", "ansatt", "tillitsvalgt", "hr", None]


def archive_with(n: int, seed: int = 7, sections: bool = False) -> dict[str, Any]:
    """A workshop archive with ``n`` contributions over two hours, in the format sessions.archive reads.

    With ``sections``: about 60 % of the contributions carry one or two measure tags and a level, 30 % are in
    one of eight themes, and the follow-up register holds 20 items (what the report's sections 3-6 read).
    """
    from sessions.personas.library import load_library

    rnd = random.Random(seed)
    lib, _ = load_library(ROOT / "personas")
    personas = [
        {"key": s.id, "name": s.name, "age": s.age, "role": s.role, "card": s.card, "background": s.background,
         "questions": list(s.questions), "from_library": True}
        for s in (lib[k] for k in PERSONAS)
    ]
    groups = [{"ref": f"g{i + 1}", "name": f"Bord {i + 1}", "persona": PERSONAS[i % 5]} for i in range(10)]
    t0 = dt.datetime(2026, 3, 12, 8, 0)
    contributions = []
    for i in range(n):
        g = i % 10
        text = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(5, 25))).capitalize()
        at = t0 + dt.timedelta(seconds=7200 * i / max(1, n))
        contributions.append({
            "group": f"g{g + 1}", "persona": PERSONAS[g % 5], "kind": "need" if rnd.random() < 0.45 else "solution",
            "text": text[:1000], "author_name": None, "created_at": at.isoformat(timespec="microseconds") + "Z",
            "updated_at": None, "votes": 0, "tags": [], "theme": None, "hidden": False,
        })
        if sections and rnd.random() < 0.6:
            picked = sorted(rnd.sample(range(len(MEASURES)), rnd.randint(1, 2)))
            contributions[-1]["tags"] = [{"category": "measure", "label": MEASURES[k]} for k in picked] + [
                {"category": "level", "label": rnd.choice(LEVELS)}]
        if sections and rnd.random() < 0.3:
            contributions[-1]["theme"] = rnd.choice(THEMES)
    extra: dict[str, Any] = {}
    if sections:
        extra["tag_vocabulary"] = [{"category": "measure", "label": m} for m in MEASURES] + [
            {"category": "level", "label": lv} for lv in LEVELS]
        extra["themes"] = [{"name": t, "origin": "manual"} for t in THEMES]
        extra["followups"] = [
            {"text": f"Tiltak {i + 1} – kortare kurs og rettleiing", "source": None, "source_text": "", "persona": None,
             "responsible": "HR", "deadline": "2026-09-01", "status": ("open", "achieved", "not_far_enough", "next_focus")[i % 4],
             "note": "Følgt opp på **neste** møte.", "created_at": "2026-03-12T12:00:00.000000Z",
             "updated_at": "2026-03-12T12:00:00.000000Z"}
            for i in range(20)
        ]
    return {
        "format": "personaverkstad-workshop", "version": 1, "exported_at": "2026-03-12T12:00:00.000000Z",
        "workshop": {"title": f"Benchmark {n}", "date": "2026-03-12", "place": "Molde", "intro": "", "status": "closed",
                     "created_at": "2026-03-01T08:00:00.000000Z", "opened_at": "2026-03-12T08:00:00.000000Z",
                     "closed_at": "2026-03-12T10:00:00.000000Z"},
        "report": {"organisers": "KS og fylket", "summary": "Kommunane kjende seg **godt** igjen.\n\n- Leiing\n- Kortare kurs",
                   "method_note": "Fem personas, ti bord.", "invite_note": "- Høgskulane og NTNU"},
        "personas": personas, "groups": groups,
        "participants": {"total": max(10, n // 20), "by_group": {f"g{g + 1}": max(1, n // 200) for g in range(10)}},
        "contributions": contributions, **extra,
    }


def assign_roles(db: Any, workshop_id: int, seed: int = 7) -> None:
    """Give the imported (anonymous) participants self-declared roles and make them the contributions'
    authors, round-robin, so that the report's role groups have something to count."""
    from sqlalchemy import select, update

    from sessions.contributions.models import Contribution, Participant

    rnd = random.Random(seed)
    people = db.scalars(select(Participant.id).where(Participant.workshop_id == workshop_id).order_by(Participant.id)).all()
    for pid in people:
        db.execute(update(Participant).where(Participant.id == pid).values(role=rnd.choice(ROLE_KEYS)))
    ids = db.scalars(select(Contribution.id).where(Contribution.workshop_id == workshop_id).order_by(Contribution.id)).all()
    for i, cid in enumerate(ids):
        db.execute(update(Contribution).where(Contribution.id == cid).values(participant_id=people[i % len(people)]))
    db.commit()


class Server:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"sqlite:///{workdir}/bench-report.sqlite"
        self.env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        self.env.update(DATABASE_URL=self.url, PV_SECRET_KEY=secrets.token_hex(16), PV_RATELIMIT_DISABLED="1")
        self.log = open(workdir / "server.log", "w")
        self.proc: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str) -> str:
        return subprocess.run([PY, "-m", "flask", "--app", "facilitator", *args], env=self.env, cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout

    def start(self) -> None:
        self.proc = subprocess.Popen([PY, "-m", "facilitator", "serve", "--port", str(self.port)], env=self.env, cwd=ROOT,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        wait_for_health(self.base)

    def stop(self) -> None:
        stop_process(self.proc)
        self.log.close()


def get(url: str, timeout: float = 600) -> tuple[float, int]:
    t = time.perf_counter()
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        body = resp.read()
    return time.perf_counter() - t, len(body)


def measure_formats(
    server: Server, sizes: list[int], repeat: int, formats: tuple[str, ...] = FORMATS, sections: bool = False
) -> tuple[list[dict[str, Any]], dict[int, str]]:
    from sqlalchemy import select

    from facilitator.exports import render
    from facilitator.exports.document import context, standalone_env
    from facilitator.exports.labels import labels, translations
    from sessions.accounts.models import User
    from sessions.archive import service as archive
    from sessions.core import store
    from sessions.report.build import build_report
    from sessions.report.service import create_share_link

    engine = store.make_engine(server.url)
    db = store.make_session_factory(engine)()
    owner = db.scalar(select(User))
    lab = labels(translations("nb"), "nb")
    env = standalone_env()
    rows, tokens = [], {}
    for n in sizes:
        ws = archive.import_archive(db, archive_with(n, sections=sections), owner)
        if sections:
            assign_roles(db, ws.id)
        _link, token = create_share_link(db, ws, owner, f"bench {n}")
        tokens[n] = token
        for fmt in formats:
            render_times = []
            size = 0
            for _ in range(repeat):
                t = time.perf_counter()
                report = build_report(db, ws.id)
                if fmt == "page":
                    data = env.get_template("report/_document.html").render(**context(report, lab)).encode()
                else:
                    data = render(fmt, report, lab)
                render_times.append(time.perf_counter() - t)
                size = len(data)
                db.rollback()
            url = f"{server.base}/r/{token}" + ("" if fmt == "page" else f"/report.{fmt}")
            http_times = [get(url)[0] for _ in range(repeat)]
            row = {"contributions": n, "format": fmt, "render_s": round(min(render_times), 3),
                   "http_s": round(min(http_times), 3), "bytes": size}
            rows.append(row)
            print(f"  {n:>6} {fmt:<5} render {row['render_s']:>7.3f} s   http {row['http_s']:>7.3f} s   {size:>10,} bytes", flush=True)
    db.close()
    engine.dispose()
    return rows, tokens


async def latency(server: Server, api_token: str, seconds: float, rate: float, export_url: str | None) -> dict[str, Any]:
    import aiohttp
    import socketio

    hdr = {"Authorization": f"Bearer {api_token}"}
    async with aiohttp.ClientSession(server.base) as http:
        body = {"title": "Live", "groups": [{"name": f"Bord {i + 1}", "persona_id": PERSONAS[i % 5]} for i in range(5)]}
        async with http.post("/api/v1/workshops", json=body, headers=hdr) as r:
            ws = await r.json()
        async with http.post(f"/api/v1/workshops/{ws['id']}/open", headers=hdr) as r:
            ws = await r.json()
        phones = []
        for i in range(20):
            async with http.post("/api/v1/join", json={"code": ws["join_code"], "group_id": ws["groups"][i % 5]["id"]}) as r:
                phones.append((await r.json()))
        seen: dict[str, float] = {}
        wall = socketio.AsyncClient(reconnection=False)

        @wall.on("contribution")
        async def _got(data: dict[str, Any]) -> None:
            text = data.get("text", "")
            if text.startswith("lat:"):
                seen.setdefault(text.split(":")[1], time.perf_counter())

        await wall.connect(server.base, auth={"token": api_token}, transports=["websocket"], wait_timeout=30)
        ack = await wall.call("watch", {"workshop_id": ws["id"], "since": 0}, timeout=30)
        assert ack.get("ok"), ack

        stop = threading.Event()
        exports: list[float] = []

        def exporter() -> None:
            while not stop.is_set():
                exports.append(get(export_url)[0])  # type: ignore[arg-type]

        thread = None
        if export_url:
            thread = threading.Thread(target=exporter, daemon=True)
            thread.start()
            await asyncio.sleep(1.5)  # let the first export get going
        sent: dict[str, float] = {}
        n_posts = int(seconds * rate)
        t_start = time.perf_counter()

        async def post(k: int) -> None:
            key = secrets.token_hex(6)
            p = phones[k % len(phones)]
            sent[key] = time.perf_counter()
            payload = {"group_id": p["group_id"], "kind": "need", "text": f"lat:{key}:" + "x" * 80, "client_id": key + "abcdef"}
            async with http.post(f"/api/v1/workshops/{ws['id']}/contributions", json=payload,
                                 headers={"Authorization": f"Bearer {p['token']}"}) as r:
                await r.read()

        tasks = []
        for k in range(n_posts):
            tasks.append(asyncio.create_task(post(k)))
            await asyncio.sleep(max(0.0, t_start + (k + 1) / rate - time.perf_counter()))
        await asyncio.gather(*tasks)
        deadline = time.perf_counter() + 20
        while len(seen) < len(sent) and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        stop.set()
        await wall.disconnect()
        if thread is not None:
            thread.join(timeout=600)
    lat = [(seen[k] - sent[k]) * 1000 for k in sent if k in seen]
    return {
        "during": "export " + export_url.rsplit(".", 1)[-1] if export_url else "no export",
        "posts": len(sent), "delivered": len(lat),
        "p50_ms": round(pct(lat, 50), 1), "p95_ms": round(pct(lat, 95), 1), "p99_ms": round(pct(lat, 99), 1),
        "max_ms": round(max(lat), 1) if lat else None,
        "exports_done": len(exports), "export_s": round(statistics.median(exports), 2) if exports else None,
        "lat": lat, "export_times": exports,
    }


def table(rows: list[dict[str, Any]], cols: list[str]) -> str:
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    out += ["| " + " | ".join(str(r.get(c, "")) for c in cols) + " |" for r in rows]
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100,1000,10000")
    ap.add_argument("--repeat", type=int, default=1, help="runs per measurement (the best is kept)")
    ap.add_argument("--formats", default=",".join(FORMATS), help="formats to time (the latency runs always export DOCX and PDF)")
    ap.add_argument("--no-latency", action="store_true")
    ap.add_argument("--seconds", type=float, default=20.0, help="length of each latency run")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of (no export, DOCX, PDF) latency runs")
    ap.add_argument("--rate", type=float, default=10.0, help="posts per second in the latency runs")
    ap.add_argument("--json", default=None)
    ap.add_argument("--sections", action="store_true",
                    help="tag, theme and role the workshops and give them a follow-up register (the report's sections 3-6)")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    workdir = Path(tempfile.mkdtemp(prefix="pv-bench-report-"))
    server = Server(workdir)
    result: dict[str, Any] = {}
    try:
        server.cli("db", "upgrade")
        email = f"bench{secrets.token_hex(3)}@example.no"
        server.cli("users", "create", email, "--password", "bench-password-123")
        api_token = server.cli("users", "token", email).strip().splitlines()[-1]
        server.start()
        print("formats:", flush=True)
        formats = tuple(f for f in args.formats.split(",") if f in FORMATS)
        rows, tokens = measure_formats(server, sizes, args.repeat, formats, args.sections)
        result["formats"] = rows
        if not args.no_latency:
            # Alternate the conditions for several rounds and pool the latencies per condition, so that
            # noise from other work on the machine falls on all conditions alike.
            big = max(sizes)
            runs: list[dict[str, Any]] = []
            pooled: dict[str, dict[str, Any]] = {}
            for rnd in range(args.rounds):
                for export in (None, "docx", "pdf"):
                    url = f"{server.base}/r/{tokens[big]}/report.{export}" if export else None
                    run = asyncio.run(latency(server, api_token, args.seconds, args.rate, url))
                    run["round"] = rnd + 1
                    runs.append(run)
                    agg = pooled.setdefault(run["during"], {"during": run["during"], "lat": [], "posts": 0, "exports": []})
                    agg["lat"] += run.pop("lat")
                    agg["posts"] += run["posts"]
                    agg["exports"] += run.pop("export_times")
                    print(f"  round {rnd + 1} latency {run['during']:<12} p50 {run['p50_ms']} ms  p99 {run['p99_ms']} ms  "
                          f"({run['delivered']}/{run['posts']}, exports {run['exports_done']} × {run['export_s']} s)", flush=True)
            summary = []
            for agg in pooled.values():
                lat = agg["lat"]
                summary.append({
                    "during": agg["during"], "posts": agg["posts"], "delivered": len(lat),
                    "p50_ms": round(pct(lat, 50), 1), "p95_ms": round(pct(lat, 95), 1), "p99_ms": round(pct(lat, 99), 1),
                    "max_ms": round(max(lat), 1) if lat else None, "exports_done": len(agg["exports"]),
                    "export_s": round(statistics.median(agg["exports"]), 2) if agg["exports"] else None,
                })
            base = next(r["p99_ms"] for r in summary if r["during"] == "no export")
            for r in summary:
                r["p99_vs_baseline"] = round(r["p99_ms"] / base, 2) if base else None
            result["latency_runs"] = runs
            result["latency"] = summary
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    print()
    pivot: dict[tuple[int, str], dict[str, Any]] = {(r["contributions"], r["format"]): r for r in result["formats"]}
    cols = ["contributions"] + [f"{f} (render / http)" for f in formats]
    lines = []
    for n in sizes:
        row: dict[str, Any] = {"contributions": f"{n:,}"}
        for f in formats:
            r = pivot[(n, f)]
            row[f"{f} (render / http)"] = f"{r['render_s']:.2f} / {r['http_s']:.2f} s"
        lines.append(row)
    print(table(lines, cols))
    if "latency" in result:
        print()
        print(table(result["latency"], ["during", "posts", "delivered", "p50_ms", "p95_ms", "p99_ms", "max_ms", "p99_vs_baseline", "exports_done", "export_s"]))
    out = Path(args.json) if args.json else ROOT / "bench" / "results" / f"report-{dt.date.today().isoformat()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "args": vars(args), **result,
    }, indent=2, ensure_ascii=False))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
