"""Servers under test for bench/load.py: Personaverkstad and the references, as pinned subprocesses."""

from __future__ import annotations

import os
import secrets
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import psutil
from common import PY, ROOT, free_port, stop_process, wait_for_port

BENCH = Path(__file__).resolve().parent


def _pin(cpu: int | None) -> Callable[[], None] | None:
    if cpu is None:
        return None
    return lambda: os.sched_setaffinity(0, {cpu})


class Server:
    """One server under test as a subprocess (optionally on one CPU, optionally under py-spy)."""

    def __init__(self, target: str, workdir: Path, cpu: int | None, database_url: str | None, profile: Path | None,
                 logs: Path | None = None, gc_log: bool = False) -> None:
        self.target = target
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.cpu = cpu
        self.profile = profile
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PV_") and k not in {"REDIS_URL", "DATABASE_URL"}}
        self.env.update(
            DATABASE_URL=database_url or f"sqlite:///{workdir}/bench-{secrets.token_hex(4)}.sqlite",
            PV_SECRET_KEY=secrets.token_hex(16),
            PV_ALLOW_HTTP="1",
        )
        self.log_path = (logs or workdir) / f"server-{target}-{self.port}.log"
        # --gc: every garbage collection of the server (and of its start-up commands) is logged (bench/gcprobe).
        self.gc_log = (logs or workdir) / f"gc-{target}-{self.port}.log" if gc_log else None
        if self.gc_log is not None:
            self.env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BENCH / "gcprobe"), self.env.get("PYTHONPATH")]))
            self.env["PV_BENCH_GC_LOG"] = str(self.gc_log)
        self.ready_at = 0.0
        self.proc: subprocess.Popen[bytes] | None = None
        self._spy: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str) -> str:
        out = subprocess.run([PY, "-m", "flask", "--app", "facilitator", *args], env=self.env, cwd=ROOT,
                             capture_output=True, text=True, check=True, timeout=120)
        return out.stdout

    def command(self) -> list[str]:
        if self.target == "app":
            return [PY, "-m", "facilitator", "serve", "--port", str(self.port)]
        script = {"fsio": "ref_fsio.py", "fsiodb": "ref_fsio.py", "ws": "ref_websockets.py"}[self.target]
        store = ["--store", self.env["DATABASE_URL"]] if self.target == "fsiodb" else []
        return [PY, str(BENCH / script), "--port", str(self.port), *store]

    def start(self) -> None:
        if self.target == "app":
            self.cli("db", "upgrade")
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(self.command(), env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                         preexec_fn=_pin(self.cpu))
        wait_for_port(self.port, self.proc, f"{self.target} server", self.log_path)
        if self.target != "ws":
            urllib.request.urlopen(self.base + "/healthz", timeout=10).read()
        self.ready_at = time.time()

    def gc_pauses(self) -> dict[str, float] | None:
        """--gc: the server process's collections from ready until stopped: how many per generation, their
        milliseconds in all, the longest, and how many took over 50 ms."""
        if self.gc_log is None or self.proc is None:
            return None
        path = self.gc_log.with_name(f"{self.gc_log.name}.{self.proc.pid}")
        rows = [line.split() for line in path.read_text().splitlines()] if path.exists() else []
        serving = [(int(g), float(ms)) for t, g, ms, _ in rows if float(t) >= self.ready_at]
        out: dict[str, float] = {f"gen{g}": sum(1 for x, _ in serving if x == g) for g in range(3)}
        out["total_ms"] = round(sum(ms for _, ms in serving), 1)
        out["max_ms"] = round(max((ms for _, ms in serving), default=0.0), 1)
        out["over_50ms"] = sum(1 for _, ms in serving if ms > 50)
        return out

    def start_profile(self, name: str) -> None:
        if self.profile is None or self.proc is None:
            return
        self.profile.mkdir(parents=True, exist_ok=True)
        out = self.profile / f"{name}.txt"
        self._spy = subprocess.Popen([str(Path(PY).with_name("py-spy")), "record", "--pid", str(self.proc.pid), "--rate", "250", "--format", "raw",
                                      "--output", str(out), "--nonblocking"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop_profile(self) -> None:
        if self._spy is not None:
            self._spy.send_signal(2)
            try:
                self._spy.wait(30)
            except subprocess.TimeoutExpired:
                self._spy.kill()
            self._spy = None

    @property
    def ps(self) -> psutil.Process:
        assert self.proc is not None
        return psutil.Process(self.proc.pid)

    def cpu_s(self) -> float:
        t = self.ps.cpu_times()
        return float(t.user + t.system)

    def stop(self) -> None:
        self.stop_profile()
        stop_process(self.proc)
