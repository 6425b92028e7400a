"""Load benchmark: a simulated workshop against a real server process.

N phones in G groups join in a burst (HTTP join + Socket.IO connect + watch), a wall and two
facilitators watch, and a few phones post contributions at a set rate through the HTTP API.
Measured: time until all joined, join errors, post-to-wall and post-to-groupmate latency
(p50/p95/p99/max), completeness (received / expected), server CPU and memory per client.

    .venv/bin/python bench/load.py --n 300 --groups 30 --rate 5 --posts 60 --modes gevent,threading

Prints a Markdown table and writes JSON (``--json``, default bench/results/load-<date>.json).
Everything runs on loopback; request loops are bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import psutil
import socketio

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PERSONAS = ["ine", "nils", "silje", "trond", "torunn"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


class Server:
    def __init__(self, mode: str, workdir: Path) -> None:
        self.mode = mode
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = dict(
            os.environ,
            DATABASE_URL=f"sqlite:///{workdir}/bench-{mode}.sqlite",
            PV_SECRET_KEY=secrets.token_hex(16),
            PV_RATELIMIT_DISABLED="1",
        )
        self.env.pop("REDIS_URL", None)
        self.log = open(workdir / f"server-{mode}.log", "w")
        self.proc: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str) -> str:
        out = subprocess.run(
            [PY, "-m", "flask", "--app", "facilitator", *args], env=self.env, cwd=ROOT, capture_output=True, text=True, check=True
        )
        return out.stdout

    def start(self) -> None:
        cmd = [PY, "-m", "facilitator", "serve", "--port", str(self.port)]
        if self.mode == "threading":
            cmd.append("--threading")
        self.cli("db", "upgrade")
        self.proc = subprocess.Popen(cmd, env=self.env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        import urllib.request

        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"server ({self.mode}) did not start")

    @property
    def ps(self) -> psutil.Process:
        assert self.proc is not None
        return psutil.Process(self.proc.pid)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


async def run_scenario(server: Server, n: int, groups: int, rate: float, posts: int, posters: int) -> dict[str, object]:
    email = f"bench{secrets.token_hex(3)}@example.no"
    server.cli("users", "create", email, "--password", "bench-password-123")
    api_token = server.cli("users", "token", email).strip().splitlines()[-1]
    hdr = {"Authorization": f"Bearer {api_token}"}
    conn = aiohttp.TCPConnector(limit=200)
    async with aiohttp.ClientSession(server.base, connector=conn) as http:
        body = {
            "title": "Benchmark",
            "place": "Loopback",
            "groups": [{"name": f"Bord {i + 1}", "persona_id": PERSONAS[i % len(PERSONAS)]} for i in range(groups)],
        }
        async with http.post("/api/v1/workshops", json=body, headers=hdr) as r:
            ws = await r.json()
        async with http.post(f"/api/v1/workshops/{ws['id']}/open", headers=hdr) as r:
            ws = await r.json()
        group_ids = [g["id"] for g in ws["groups"]]
        wall_token = None
        # the wall token is only on the manage page; the benchmark reads it from the database instead
        import sqlalchemy as sa

        eng = sa.create_engine(server.env["DATABASE_URL"])
        with eng.connect() as c:
            wall_token = c.execute(sa.text("select wall_token from workshops where id=:i"), {"i": ws["id"]}).scalar_one()
        eng.dispose()

        cpu0 = server.ps.cpu_times()
        rss_idle = server.ps.memory_info().rss
        received_wall: dict[str, float] = {}
        received_mates: dict[str, list[float]] = {}
        phone_group: list[int] = []
        clients: list[socketio.AsyncClient] = []
        errors = 0

        def on_contribution_factory(kind: str, store: dict):  # type: ignore[no-untyped-def]
            async def handler(data):  # type: ignore[no-untyped-def]
                text = data.get("text", "")
                if text.startswith("bench:"):
                    key = text.split(":")[1]
                    now = time.time()
                    if kind == "wall":
                        store.setdefault(key, now)
                    else:
                        store.setdefault(key, []).append(now)

            return handler

        async def watcher(auth: dict, kind: str, store: dict) -> socketio.AsyncClient:
            sio = socketio.AsyncClient(reconnection=False)
            sio.on("contribution", on_contribution_factory(kind, store))
            await sio.connect(server.base, auth=auth, transports=["websocket"], wait_timeout=30)
            ack = await sio.call("watch", {"workshop_id": ws["id"], "since": 0}, timeout=30)
            if not ack.get("ok"):
                raise RuntimeError(ack)
            return sio

        wall = await watcher({"wall": wall_token}, "wall", received_wall)
        facs = [await watcher({"token": api_token}, "wall", {}) for _ in range(2)]
        phone_tokens: list[str] = []

        async def join_one(i: int) -> None:
            nonlocal errors
            gid = group_ids[i % len(group_ids)]
            try:
                async with http.post("/api/v1/join", json={"code": ws["join_code"], "group_id": gid}) as r:
                    if r.status != 201:
                        errors += 1
                        return
                    data = await r.json()
                sio = await watcher({"token": data["token"]}, "phone", received_mates)
            except Exception:  # noqa: BLE001 - counted as a join error
                errors += 1
                return
            clients.append(sio)
            phone_tokens.append(data["token"])
            phone_group.append(gid)

        t_join = time.monotonic()
        sem = asyncio.Semaphore(100)

        async def limited(i: int) -> None:
            async with sem:
                await join_one(i)

        await asyncio.gather(*(limited(i) for i in range(n)))
        join_time = time.monotonic() - t_join
        rss_conn = server.ps.memory_info().rss

        # Posters: the first `posters` phones post in turn at `rate` posts/s.
        sent: dict[str, float] = {}
        post_errors = 0
        group_of_post: dict[str, int] = {}
        interval = 1.0 / rate
        t_post = time.monotonic()

        async def post(k: int) -> None:
            nonlocal post_errors
            idx = k % min(posters, len(phone_tokens))
            key = secrets.token_hex(6)
            gid = phone_group[idx]
            group_of_post[key] = gid
            sent[key] = time.time()
            payload = {"group_id": gid, "kind": "need", "text": f"bench:{key}:" + "x" * 150, "client_id": key + "abcdef"}
            async with http.post(
                f"/api/v1/workshops/{ws['id']}/contributions", json=payload, headers={"Authorization": f"Bearer {phone_tokens[idx]}"}
            ) as r:
                if r.status != 201:
                    post_errors += 1

        tasks = []
        for k in range(posts):
            tasks.append(asyncio.create_task(post(k)))
            await asyncio.sleep(max(0.0, t_post + (k + 1) * interval - time.monotonic()))
        await asyncio.gather(*tasks)
        post_span = time.monotonic() - t_post
        # Wait (bounded) for deliveries to finish.
        members = {gid: phone_group.count(gid) for gid in set(phone_group)}
        expected_mates = sum(members.get(group_of_post[k], 0) for k in sent)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            got_mates = sum(len(v) for v in received_mates.values())
            if len(received_wall) >= len(sent) and got_mates >= expected_mates:
                break
            await asyncio.sleep(0.05)
        cpu1 = server.ps.cpu_times()
        wall_lat = [(received_wall[k] - sent[k]) * 1000 for k in sent if k in received_wall]
        mate_lat = [(t - sent[k]) * 1000 for k in sent for t in received_mates.get(k, [])]
        got_mates = sum(len(v) for v in received_mates.values())
        for c in [wall, *facs, *clients]:
            await c.disconnect()
    cpu_s = (cpu1.user + cpu1.system) - (cpu0.user + cpu0.system)
    return {
        "mode": server.mode,
        "n": n,
        "groups": groups,
        "joined": len(clients),
        "join_errors": errors,
        "join_time_s": round(join_time, 2),
        "posts": len(sent),
        "post_errors": post_errors,
        "posts_per_s": round(len(sent) / post_span, 2),
        "wall_p50_ms": round(pct(wall_lat, 50), 1),
        "wall_p95_ms": round(pct(wall_lat, 95), 1),
        "wall_p99_ms": round(pct(wall_lat, 99), 1),
        "wall_max_ms": round(max(wall_lat) if wall_lat else float("nan"), 1),
        "mate_p50_ms": round(pct(mate_lat, 50), 1),
        "mate_p99_ms": round(pct(mate_lat, 99), 1),
        "wall_complete": f"{len(received_wall)}/{len(sent)}",
        "mates_complete": f"{got_mates}/{expected_mates}",
        "server_cpu_s": round(cpu_s, 2),
        "rss_per_client_kb": round((rss_conn - rss_idle) / max(1, len(clients)) / 1024, 1),
    }


COLUMNS = [
    "mode", "n", "joined", "join_errors", "join_time_s", "posts_per_s", "wall_p50_ms", "wall_p95_ms", "wall_p99_ms",
    "wall_max_ms", "mate_p50_ms", "mate_p99_ms", "wall_complete", "mates_complete", "server_cpu_s", "rss_per_client_kb",
]


def table(rows: list[dict[str, object]]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in rows:
        lines.append("| " + " | ".join(str(r.get(c, "")) for c in COLUMNS) + " |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", default="50", help="phones; comma-separated for several sizes")
    ap.add_argument("--groups", type=int, default=0, help="groups (default: n/10)")
    ap.add_argument("--rate", type=float, default=5.0, help="posts per second")
    ap.add_argument("--posts", type=int, default=40)
    ap.add_argument("--posters", type=int, default=10)
    ap.add_argument("--modes", default="gevent")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="pv-bench-"))
    rows = []
    try:
        for n in [int(x) for x in args.n.split(",")]:
            for mode in args.modes.split(","):
                server = Server(mode, workdir)
                server.start()
                try:
                    row = asyncio.run(run_scenario(server, n, args.groups or max(1, n // 10), args.rate, args.posts, args.posters))
                finally:
                    server.stop()
                rows.append(row)
                print(table([row]).splitlines()[-1], flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print()
    print(table(rows))
    out = Path(args.json) if args.json else ROOT / "bench" / "results" / f"load-{dt.date.today().isoformat()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
                               "args": vars(args), "rows": rows}, indent=2))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
