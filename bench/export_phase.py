"""The load benchmark's export phase (``bench/load.py --export N``): live posts while an organiser downloads
a big report.

Issue 12 asks that a report export (the DOCX of 10,000 contributions) during the run moves post-to-wall p99
by less than 1.5×. After the ordinary posting phase, a second workshop with N contributions is imported into
the app's database (bench/report.py's archive) with a share link, and a thread downloads its report
(``/r/{token}/report.docx``, as an organiser's browser does) back to back while the phones post again at the
same rate for the same time, right after a phase of the same posting without exports (both after the join
burst has settled). The exports run where the app runs them (its export worker, on the server's pinned
core). Reported: post-to-wall p50/p99 of both phases, the ratio of the p99s, how many exports finished and
their median time.
"""

from __future__ import annotations

import asyncio
import secrets
import statistics
import threading
import time
from typing import Any

from report import archive_with, get  # bench/report.py

__all__ = ["big_report_url", "posting_during_export"]


def big_report_url(base: str, database_url: str, n: int, fmt: str = "docx") -> str:
    """Import a workshop with ``n`` contributions into the app's database; its report's share-link URL."""
    # Only an --export run needs the domain in the benchmark's process (as bench/report.py's measure_formats).
    from sqlalchemy import select

    import sessions.models  # noqa: F401  every table, so the archive's relationships resolve
    from sessions.accounts.models import User
    from sessions.archive import service as archive
    from sessions.core import store
    from sessions.report.service import create_share_link

    engine = store.make_engine(database_url)
    try:
        db = store.make_session_factory(engine)()
        try:
            owner = db.scalar(select(User))
            ws = archive.import_archive(db, archive_with(n), owner)
            _link, token = create_share_link(db, ws, owner, f"bench export {n}")
        finally:
            db.close()
        if engine.dialect.name == "sqlite":
            # Set-up, not measurement: the import's WAL goes into the database file now, so the server's
            # background checkpoint does not copy tens of megabytes during the phases that are measured.
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()
    return f"{base}/r/{token}/report.{fmt}"


async def posting_during_export(scenario: Any, http: Any, joined: list[Any], url: str, pct: Any) -> dict[str, Any]:
    """Post at the scenario's rate for its duration without, then with ``url`` downloaded back to back: the
    two phases in a row, after the join burst has settled, so the ratio compares like with like."""
    plain = await _posting(scenario, http, joined, None, pct, "y")
    during = await _posting(scenario, http, joined, url, pct, "x")
    return {
        **{f"export_{k}": v for k, v in during.items() if k not in ("exports_done", "export_s", "errors")},
        "exports_done": during["exports_done"],
        "export_s": during["export_s"],
        "export_plain_wall_p50_ms": plain["wall_p50_ms"],
        "export_plain_wall_p99_ms": plain["wall_p99_ms"],
        "export_plain_received": plain["wall_received"],
        "export_p99_ratio": (round(during["wall_p99_ms"] / plain["wall_p99_ms"], 2)
                             if during["wall_p99_ms"] and plain["wall_p99_ms"] else None),
        "export_errors": (plain["errors"] + during["errors"] + scenario.post_refusals)[:5],
    }


async def _posting(scenario: Any, http: Any, joined: list[Any], url: str | None, pct: Any, tag: str) -> dict[str, Any]:
    """One posting phase (the scenario's rate and duration), with ``url`` downloaded back to back if given."""
    tally = scenario.tally
    stop = threading.Event()
    exports: list[float] = []
    failures: list[str] = []

    def exporter() -> None:
        while not stop.is_set():
            try:
                exports.append(get(url)[0])
            except Exception as exc:  # noqa: BLE001 - counted and reported
                failures.append(f"export: {type(exc).__name__}: {exc}"[:300])
                return

    thread = threading.Thread(target=exporter, daemon=True)
    if url is not None:
        thread.start()
        await asyncio.sleep(1.5)  # the first export is under way
    sent: dict[str, float] = {}
    ok = 0

    async def post_one(p: Any, key: str) -> None:
        nonlocal ok
        sent[key] = time.monotonic()
        try:
            accepted = await scenario.post(http, p, key)
            # Not ``ok += bool(await …)``: that loads ``ok`` before the await, so two posts in flight at once
            # would count as one.
            ok += bool(accepted)
        except Exception as exc:  # noqa: BLE001
            failures.append(f"post during export: {type(exc).__name__}: {exc}"[:300])

    count = int(scenario.rate * scenario.duration)
    tasks = []
    t0 = time.monotonic()
    for k in range(count):
        tasks.append(asyncio.create_task(post_one(joined[k % len(joined)], f"{tag}{k:05d}{secrets.token_hex(3)}")))
        await asyncio.sleep(max(0.0, t0 + (k + 1) / scenario.rate - time.monotonic()))
    await asyncio.gather(*tasks)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(k not in tally.wall for k in sent):
        await asyncio.sleep(0.05)
    stop.set()
    if url is not None:
        await asyncio.to_thread(thread.join, 600)
    lat = [(tally.wall[k] - t) * 1000 for k, t in sent.items() if k in tally.wall]
    return {
        "posts": len(sent),
        "posts_ok": ok,
        "wall_received": len(lat),
        "wall_p50_ms": pct(lat, 50),
        "wall_p99_ms": pct(lat, 99),
        "exports_done": len(exports),
        "export_s": round(statistics.median(exports), 2) if exports else None,
        "errors": failures,
    }
