"""Render heavy exports (DOCX, PDF, XLSX) in a process of their own.

    python -m facilitator.exports.worker --serve     # what the web app runs (facilitator/export_pool.py)
    python -m facilitator.exports.worker < request.json > file

A request is one JSON object: ``{"database_url", "workshop_id", "format", "locale"}``, plus
``"report": "followups"`` for the follow-up report (facilitator/exports/followups.py), or
``"report": "series"`` for a series report (facilitator/exports/series.py; ``workshop_id`` then names the series). The worker reads the
workshop itself (so the web process does no work for it) and renders. With ``--serve`` it answers each
request line with ``status (1 byte: 0 ok, 1 error) + length (8 bytes, big-endian) + body`` and goes on
until its input ends; a worker whose resident set has grown past ``MAX_RSS_KB`` exits after answering, and the web app
starts a fresh one for the next export. Without ``--serve`` it handles one request and writes the file's
bytes (exit 0) or an error line on stderr (exit 2). It lowers its own priority first (nice 19): live
traffic in the web process comes before an export.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

import sessions.models  # noqa: F401 - every mapper, so the queries below resolve their relationships
from sessions.core import store
from sessions.followup.register import followups_for_report
from sessions.report.build import build_report
from sessions.series.report import report_for_series

from . import followups, render, series
from .labels import labels, translations

T = TypeVar("T")
MAX_RSS_KB = 400_000


def read(req: dict[str, Any], build: Callable[[Session, int], T]) -> T:
    """What ``build`` reads for the request's workshop, in a connection of the worker's own."""
    url = req["database_url"]
    engine = store.make_engine(url) if url.startswith("sqlite") else create_engine(url, poolclass=NullPool)
    try:
        with store.make_session_factory(engine)() as db:
            return build(db, int(req["workshop_id"]))
    finally:
        engine.dispose()


def handle(req: dict[str, Any]) -> bytes:
    fmt, locale = req["format"], req.get("locale", "nb")
    if req.get("report") == "followups":  # the follow-up report, see facilitator/exports/followups.py
        return followups.render(fmt, read(req, followups_for_report), followups.followup_labels(translations(locale), locale))
    if req.get("report") == "series":  # a series report: the id is the series' (facilitator/exports/series.py)
        return series.render(fmt, read(req, report_for_series), series.series_labels(translations(locale), locale))
    return render(fmt, read(req, build_report), labels(translations(locale), locale))


def resident_kb() -> int:
    """This process's resident set now, in KiB.

    Not ``ru_maxrss``: Linux carries the peak of the process that forked us across ``exec``, so a worker
    started by a server of 500 MB would count as grown from its first answer and be restarted after every
    export, forking that big server each time (what the pool exists to avoid).
    """
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
    except (OSError, ValueError, IndexError):  # pragma: no cover - not Linux
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def grown() -> bool:
    """Whether this worker should make way for a fresh one after its answer."""
    return resident_kb() > MAX_RSS_KB


def serve() -> int:
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    # Anything a library prints must not corrupt the answers: stdout is for answers only.
    sys.stdout = sys.stderr
    for line in inp:
        if not line.strip():
            continue
        try:
            body, status = handle(json.loads(line.decode("utf-8"))), 0
        except Exception as err:  # noqa: BLE001 - reported to the web process, which answers 503
            body, status = f"{type(err).__name__}: {err}".encode("utf-8", "replace"), 1
        out.write(bytes([status]) + len(body).to_bytes(8, "big") + body)
        out.flush()
        if grown():
            return 0
    return 0


def main(argv: list[str]) -> int:
    try:
        os.nice(19)
    except OSError:  # pragma: no cover - not allowed on this system
        pass
    if "--serve" in argv:
        return serve()
    try:
        data = handle(json.loads(sys.stdin.buffer.read().decode("utf-8")))
    except Exception as err:  # noqa: BLE001
        print(f"export failed: {type(err).__name__}: {err}", file=sys.stderr)
        return 2
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
