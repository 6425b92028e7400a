"""What running the room costs per write: posts without a plan and during a round, dots, tallies.

The domain functions directly (no HTTP, no Socket.IO), on SQLite (a temporary file, synchronous=FULL) and,
with --database-url, PostgreSQL (a database whose name contains "bench"; it is dropped and made again):

- a post with no plan started, and a post during a running round (``rounds.posting_slot`` reads the
  workshop's rounds once per post),
- a dot in a voting round (budget check under a row lock, one insert),
- ``voting.vote_counts`` over every contribution (what the dashboard and the wall's ranking get after
  each dot).

    .venv/bin/python bench/rounds.py
    .venv/bin/python bench/rounds.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_rounds

Prints a table and writes bench/results/rounds.json. No targets: these are figures to compare over time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import ROOT, client_id, latency_ms, seeded_workshop

from sessions.contributions import service as participation
from sessions.core import store
from sessions.rounds import plan as rounds_plan
from sessions.rounds import service as rounds
from sessions.rounds import voting


def measure(url: str, posts: int, groups: int) -> dict[str, Any]:
    engine = store.make_engine(url)
    store.upgrade(engine)
    db = store.make_session_factory(engine)()
    ws, people = seeded_workshop(db, groups)

    def post_many(n: int) -> list[float]:
        took = []
        for i in range(n):
            p = people[i % len(people)]
            start = time.perf_counter()
            participation.submit_contribution(db, p, p.group_id, "need", f"Innspill {i}", client_id(), int(time.time() * 1000))
            took.append((time.perf_counter() - start) * 1000)
        return took

    free = post_many(posts)
    plan = rounds_plan.add_default_plan(db, ws)
    rounds.start_round(db, ws)
    in_round = post_many(posts)
    rounds.end_round(db, ws, plan[0].id)
    rounds.start_round(db, ws, plan[2].id)
    visible = participation.contributions(db, ws.id)
    dots = []
    for i, p in enumerate(people):
        for c in visible[i * 5 : i * 5 + 5]:
            start = time.perf_counter()
            voting.cast(db, p, c.id)
            dots.append((time.perf_counter() - start) * 1000)
    tallies = []
    for _ in range(20):
        start = time.perf_counter()
        voting.vote_counts(db, ws.id)
        tallies.append((time.perf_counter() - start) * 1000)
    db.close()
    engine.dispose()
    return {
        "post_without_plan": latency_ms(free),
        "post_in_a_round": latency_ms(in_round),
        "dot": latency_ms(dots),
        "vote_counts": {**latency_ms(tallies), "contributions": len(visible)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=300, help="posts per phase (default 300)")
    parser.add_argument("--groups", type=int, default=5)
    parser.add_argument("--database-url", help="also PostgreSQL (a database named *bench*, dropped and re-made)")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "rounds.json")
    args = parser.parse_args()

    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = measure(f"sqlite:///{tmp}/bench.sqlite", args.posts, args.groups)
    if args.database_url:
        from sqlalchemy import create_engine, make_url, text
        from sqlalchemy.pool import NullPool

        url = make_url(args.database_url)
        if "bench" not in (url.database or ""):
            sys.exit("--database-url must name a database whose name contains 'bench' (it is dropped)")
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
        try:
            results["postgresql"] = measure(args.database_url, args.posts, args.groups)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            admin.dispose()

    print(f"{'database':<12} {'operation':<20} {'n':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for db_name, ops in results.items():
        for op, figures in ops.items():
            print(f"{db_name:<12} {op:<20} {figures['n']:>5} {figures['p50_ms']:>8} {figures['p99_ms']:>8} {figures['max_ms']:>8}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    doc = {"measured_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "posts": args.posts, "groups": args.groups, "results": results}
    args.json.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
