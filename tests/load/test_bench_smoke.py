"""The load benchmark in its smallest size, as a smoke run: it must work end to end, not be fast.

bench/load.py with 50 phones in 5 groups, a wall and two facilitators, 20 posts, against Personaverkstad
and the three references (bare Flask-SocketIO, the same storing tokens and posts, raw websockets).
Asserted: every phone joined, every post was acknowledged and every expected delivery arrived (wall, groupmates, facilitators), and how many garbage collections each server ran (``--gc``). No
timing is asserted; the full run is by hand (docs/performance.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# The bench scripts start their own servers on SQLite (DATABASE_URL is dropped), so scripts/test.sh runs
# this once, in the PostgreSQL pass.
pytestmark = pytest.mark.one_pass

ROOT = Path(__file__).resolve().parents[2]


def test_load_benchmark_smoke_run(tmp_path: Path) -> None:
    out = tmp_path / "load.json"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    proc = subprocess.run(
        [sys.executable, "bench/load.py", "--n", "50", "--rate", "20", "--duration", "1", "--targets", "app,fsio,fsiodb,ws",
         "--gc", "--json", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = json.loads(out.read_text())["rows"]
    assert [r["target"] for r in rows] == ["app", "fsio", "fsiodb", "ws"]
    for r in rows:
        assert (r["joined"], r["join_errors"], r["post_errors"], r["errors"]) == (50, 0, 0, []), r
        assert r["posts"] == 20
        assert r["wall_received"] == r["wall_expected"] == 20
        assert r["mates_received"] == r["mates_expected"] == 20 * 9
        assert r["staff_received"] == r["staff_expected"] == 40
    assert "| app ÷ fsio |" in out.with_suffix(".md").read_text()
    assert "| app ÷ fsiodb |" in out.with_suffix(".md").read_text()
    # The storing reference holds what it acknowledged: a token per phone, a row per post.
    assert [r["stored"] for r in rows] == [None, None, {"tokens": 50, "posts": 20}, None]
    # --gc: each server's collections while it served. `serve` froze what start-up built and collects the
    # youngest generation after 50,000 new objects (facilitator/__main__.py), so 50 phones cause next to no
    # collection; the reference, with Python's defaults, shows that the probe does count them.
    gcs = {r["target"]: r["gc"] for r in rows}
    assert gcs["app"]["gen0"] + gcs["app"]["gen1"] + gcs["app"]["gen2"] <= 2, gcs
    assert gcs["fsio"]["gen0"] >= 5, gcs
    assert "garbage collections while serving" in out.with_suffix(".md").read_text()


def test_posting_during_a_report_export_smoke_run(tmp_path: Path) -> None:
    """``--export``: after the posting phase the app's phones post again, once plainly and once while a
    300-contribution report is downloaded as DOCX back to back (bench/export_phase.py); every post of both
    phases reaches the wall, at least one export finishes, and the ratio of the two p99s is reported."""
    out = tmp_path / "export.json"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    proc = subprocess.run(
        [sys.executable, "bench/load.py", "--n", "30", "--rate", "20", "--duration", "1", "--targets", "app",
         "--export", "300", "--json", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (r,) = json.loads(out.read_text())["rows"]
    assert r["errors"] == [] and r["export_contributions"] == 300, r
    counts = {k: r[k] for k in ("export_posts", "export_posts_ok", "export_wall_received", "export_plain_received")}
    assert set(counts.values()) == {20}, (counts, r["errors"], r["post_errors"])
    assert r["exports_done"] >= 1 and r["export_p99_ratio"] > 0, r
    assert "posting during DOCX exports of 300 contributions" in out.with_suffix(".md").read_text()


def test_saturation_search_with_a_busy_core_smoke_run(tmp_path: Path) -> None:
    """``--saturation --busy``: two post steps and one dot step against the app and Flask-SocketIO, with the
    CPU hog on the server's core; the search must report its steps and a saturation point for each target."""
    out = tmp_path / "sat.json"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    proc = subprocess.run(
        [sys.executable, "bench/load.py", "--n", "30", "--targets", "app,fsio", "--saturation", "--busy",
         "--sat-rates", "5,10", "--dot-rates", "10", "--sat-step", "1", "--json", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = json.loads(out.read_text())["rows"]
    assert [r["target"] for r in rows] == ["app", "fsio"]
    for r in rows:
        assert r["joined"] == 30 and r["errors"] == [] and r["busy"] is ((os.cpu_count() or 1) >= 2), r
        assert [s["rate"] for s in r["post_steps"]][:1] == [5.0] and all(s["lost"] == 0 for s in r["post_steps"])
        assert r["sat_posts"]["held"] is not None
    assert rows[0]["dot_steps"][0]["errors"] == 0 and rows[0]["sat_dots"]["held"] == 10.0
    assert "posts/s held" in out.with_suffix(".md").read_text()
