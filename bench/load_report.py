"""Tables for bench/load.py: the Markdown table, ratios to the references, and the machine it ran on."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil

COLUMNS = [
    ("target", "target"), ("n", "phones"), ("join_s", "all joined (s)"), ("join_errors", "join errors"),
    ("posts_per_s", "posts/s"), ("wall_p50_ms", "wall p50"), ("wall_p95_ms", "p95"), ("wall_p99_ms", "p99"),
    ("wall_max_ms", "max"), ("mate_p50_ms", "groupmate p50"), ("mate_p95_ms", "p95"), ("mate_p99_ms", "p99"),
    ("mate_max_ms", "max"), ("complete", "received / expected"), ("cpu_ms_per_join", "CPU ms/join"),
    ("cpu_posts_s", "CPU s (posts)"), ("kb_per_phone", "KB/phone"),
    ("votes_ok_refused", "votes ok / refused"), ("vote_p50_ms", "vote p50"), ("vote_p99_ms", "p99"),
    ("tally_ms", "tally lag"), ("hide_wall_p50_ms", "hide→wall p50"), ("hide_wall_max_ms", "max"), ("merge_wall_ms", "merge→wall"),
]
# Votes and moderation run against the app only: the references have neither.
APP_ONLY = {"votes_ok_refused", "vote_p50_ms", "vote_p99_ms", "tally_ms", "hide_wall_p50_ms", "hide_wall_max_ms", "merge_wall_ms"}
# bare Flask-SocketIO, the same storing what it must (bench/ref_fsio.py), raw websockets
REFERENCES = ("fsio", "fsiodb", "ws")
RATIOS = ["join_s", "wall_p50_ms", "wall_p99_ms", "mate_p50_ms", "mate_p99_ms", "cpu_ms_per_join", "cpu_posts_s", "kb_per_phone"]


def complete(r: dict[str, Any]) -> str:
    got = r["wall_received"] + r["mates_received"] + r["staff_received"]
    want = r["wall_expected"] + r["mates_expected"] + r["staff_expected"]
    return f"{got}/{want}"


def ratio_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        if r["target"] != "app":
            continue
        for ref in REFERENCES:
            base = next((x for x in rows if x["target"] == ref and x["n"] == r["n"]), None)
            if base is None:
                continue
            row: dict[str, Any] = {"target": f"app ÷ {ref}", "n": r["n"]}
            for k in RATIOS:
                a, b = r.get(k), base.get(k)
                row[k] = f"{a / b:.2f}×" if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b else "–"
            out.append(row)
    return out


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| " + " | ".join(h for _, h in COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in rows:
        cells = []
        for k, _ in COLUMNS:
            v = complete(r) if k == "complete" and "wall_received" in r else r.get(k, "")
            if k == "votes_ok_refused" and "votes_ok" in r:
                v = f"{r['votes_ok']}/{r['votes_refused']}" if r["votes_ok"] is not None else None
            if k in APP_ONLY and r["target"] in REFERENCES:
                v = "n/a"
            cells.append("–" if v is None else str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    model = ""
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    versions = {}
    for pkg in ("flask", "flask-socketio", "python-socketio", "python-engineio", "gevent", "sqlalchemy", "websockets", "aiohttp"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return {"cpu": model, "cpus": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "platform": platform.platform(), "versions": versions}


def gc_line(r: dict[str, Any]) -> str:
    """``--gc``: the server's garbage collections while it served (bench/gcprobe)."""
    g = r["gc"]
    return (f"garbage collections while serving: {g['gen0']} / {g['gen1']} / {g['gen2']} (generation 0 / 1 / 2), "
            f"{g['total_ms']} ms in all, longest {g['max_ms']} ms, {g['over_50ms']} over 50 ms")
