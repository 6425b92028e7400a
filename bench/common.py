"""What the bench scripts share: the repository root, a free port, starting and stopping a server process,
latency figures, and a seeded workshop for the in-process benchmarks.

The bench scripts run on their own (``python bench/<script>.py``) and never import from tests/.
"""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes], what: str, log_path: Path | None = None, timeout: float = 60) -> None:
    """Wait until something listens on ``port``; fail at once if ``proc`` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited:\n{log_path.read_text()[-3000:] if log_path else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not start")


def wait_for_health(base: str, timeout: float = 60) -> None:
    """Wait until ``base``/healthz answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def stop_process(proc: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM, then SIGKILL if it has not gone within 10 s."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def latency_ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(ordered[max(0, int(len(ordered) * 0.99) - 1)], 2),
        "max_ms": round(ordered[-1], 2),
    }


def client_id() -> str:
    return uuid.uuid4().hex


def seeded_workshop(db: Any, n_groups: int) -> tuple[Any, list[Any]]:
    """An open workshop with the first ``n_groups`` library personas and one participant per group."""
    from sessions.accounts import service as accounts
    from sessions.contributions import service as participation
    from sessions.personas.library import load_library
    from sessions.workshops import service as workshops

    library, _ = load_library(ROOT / "personas")
    owner = accounts.create_user(db, f"bench-{uuid.uuid4().hex[:8]}@kommune.no", "riktig-passord-123")
    specs = [library[k] for k in sorted(library)][:n_groups]
    details = workshops.WorkshopDetails.parse("Personalledersamling", "2026-03-12", "Molde", "")
    ws = workshops.create_workshop(db, owner, details, specs, [(f"Bord {i + 1}", s.id) for i, s in enumerate(specs)])
    ws = workshops.load_for_dashboard(db, workshops.open_workshop(db, ws).id)
    people = []
    for g in ws.groups:
        p, _token = participation.join(db, ws.join_code, None)
        people.append(participation.choose_group(db, p, g.id))
    return ws, people
