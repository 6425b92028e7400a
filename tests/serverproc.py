"""A real ``python -m facilitator serve`` process (gevent, as in production) that a test can kill -9 and
start again on the same port and database.

Used by tests/test_crash_recovery.py and tests/test_fault_proxy.py. The server gets none of the
developer's ``PV_*`` variables; its log (all runs appended) is in the test's temporary directory.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(predicate: Callable[[], bool], what: str, timeout: float = 30.0, interval: float = 0.02) -> float:
    """Poll ``predicate`` until it holds; return the seconds it took. Fails the test after ``timeout``."""
    start = time.monotonic()
    deadline = start + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
    return time.monotonic() - start


class ServerProcess:
    def __init__(self, database_url: str, workdir: Path, *, extra_env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "server.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("PV_") and k not in {"DATABASE_URL", "REDIS_URL"}}
        env.update(DATABASE_URL=database_url, PV_SECRET_KEY=secrets.token_hex(32), PYTHONUNBUFFERED="1")
        env.update(extra_env or {})
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> float:
        """Start the server and wait until /healthz answers; return the seconds that took."""
        assert self.proc is None or self.proc.poll() is not None, "already running"
        t0 = time.monotonic()
        with open(self.log_path, "ab") as log:
            log.write(f"\n===== start {self.starts + 1} =====\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "facilitator", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )
        self.starts += 1
        proc = self.proc

        def ready() -> bool:
            if proc.poll() is not None:
                raise AssertionError(f"the server exited with {proc.returncode}:\n{self.log()}")
            try:
                return requests.get(self.base + "/healthz", timeout=1).ok
            except requests.RequestException:
                return False

        wait_until(ready, "the server to answer /healthz", STARTUP_TIMEOUT, interval=0.05)
        return time.monotonic() - t0

    def kill9(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed or closed by the process itself."""
        assert self.proc is not None and self.proc.poll() is None, "not running"
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:] if self.log_path.exists() else ""

    def full_log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
