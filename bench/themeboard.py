"""What the theme board costs: reading the board, a card moved, suggestions on request.

The domain functions directly (no HTTP, no Socket.IO), on SQLite (a temporary file, synchronous=FULL) and,
with --database-url, PostgreSQL (a database whose name contains "bench"; its schema is dropped and made again).
A workshop with five tables gets N contributions written from the labelled set in tests/data/themes_nb.json
(cycled, with a running number so no two are the same), and T themes that hold half of them:

- ``load_board``: what the board page, every ``themes`` event and a facilitator's ``watch`` ack read;
- ``assign``: a card moved into a theme (one short write transaction under the board's row lock);
- ``refresh_suggestions``: the suggester over the visible contributions in no theme, plus storing them (the
  facilitator asks for it; it never runs on a board change).

    .venv/bin/python bench/themeboard.py
    .venv/bin/python bench/themeboard.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_themes

Prints a table and writes bench/results/themeboard.json. No targets here; the suggester's own target
(under 2 s for 1,000 contributions) is bench/themes.py's.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import ROOT, client_id, latency_ms, seeded_workshop

from sessions.contributions import service as participation
from sessions.core import store
from sessions.themes import board as themes_board
from sessions.themes import service as tb
from sessions.themes import suggestions as themes_suggestions


def _timed(fn: Any) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def measure(url: str, n: int, themes: int) -> dict[str, Any]:
    engine = store.make_engine(url)
    store.upgrade(engine)
    db = store.make_session_factory(engine)()
    ws, people = seeded_workshop(db, 5)
    texts = [it["text"] for it in json.loads((ROOT / "tests" / "data" / "themes_nb.json").read_text())["items"]]
    ids = []
    for i in range(n):
        table = i % 5
        c, _ = participation.submit_contribution(
            db, people[table], ws.groups[table].id, "need" if i % 2 else "solution", f"{texts[i % len(texts)]} ({i})", client_id()
        )
        ids.append(c.id)
    made = [tb.create_theme(db, ws, f"Tema {k + 1}").theme for k in range(themes)]
    for i, cid in enumerate(ids[: n // 2]):
        tb.assign(db, ws, cid, made[i % themes].id)  # type: ignore[union-attr]
    load = [_timed(lambda: (db.rollback(), themes_board.load_board(db, ws.id))) for _ in range(30)]
    moves = []
    for i, cid in enumerate(ids[n // 2 : n // 2 + 200]):
        moves.append(_timed(lambda cid=cid, i=i: tb.assign(db, ws, cid, made[(i * 7) % themes].id)))  # type: ignore[union-attr]
    db.rollback()
    ungrouped = len(themes_board.load_board(db, ws.id).ungrouped)
    refresh = [_timed(lambda: themes_suggestions.refresh_suggestions(db, ws)) for _ in range(3)]
    found = len(themes_board.load_board(db, ws.id).suggestions)
    db.close()
    engine.dispose()
    return {
        "contributions": n,
        "themes": themes,
        "ungrouped_when_suggesting": ungrouped,
        "suggestions": found,
        "load_board": latency_ms(load),
        "assign": latency_ms(moves),
        "refresh_suggestions": latency_ms(refresh),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--themes", type=int, default=30)
    parser.add_argument("--json", default=str(ROOT / "bench" / "results" / "themeboard.json"))
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        runs.append(("sqlite", measure(f"sqlite:///{tmp}/bench.sqlite", args.n, args.themes)))
    if args.database_url:
        from sqlalchemy import create_engine, make_url, text
        from sqlalchemy.pool import NullPool

        if "bench" not in (make_url(args.database_url).database or ""):
            sys.exit("--database-url must name a database whose name contains 'bench' (its schema is dropped)")
        admin = create_engine(args.database_url, poolclass=NullPool)
        with admin.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        admin.dispose()
        runs.append(("postgresql", measure(args.database_url, args.n, args.themes)))
    print(f"{'database':<11} {'n':>5} {'load_board p50/p99':>20} {'assign p50/p99':>16} {'suggest p50/max':>17} {'suggestions':>11}")
    for name, r in runs:
        print(
            f"{name:<11} {r['contributions']:>5} {r['load_board']['p50_ms']:>9.1f} / {r['load_board']['p99_ms']:>6.1f} ms"
            f" {r['assign']['p50_ms']:>6.1f} / {r['assign']['p99_ms']:>5.1f} ms"
            f" {r['refresh_suggestions']['p50_ms']:>7.0f} / {r['refresh_suggestions']['max_ms']:>5.0f} ms {r['suggestions']:>11}"
        )
    Path(args.json).write_text(json.dumps({name: r for name, r in runs}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
