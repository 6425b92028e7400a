"""Long-lived export worker processes for the heavy report formats (DOCX, PDF, XLSX).

Each worker is ``python -m facilitator.exports.worker --serve``: it reads one JSON request per line on
stdin and answers ``status (1 byte) + length (8 bytes, big-endian) + body`` on stdout. The web process
starts a worker on the first export and keeps it, because starting a process means forking the server:
under gevent that fork (and the copy-on-write faults after it) held up live events by tens of milliseconds
each time (bench/report.py: post-to-wall p99 doubled while DOCX exports ran back to back). A worker that
grew large (a 10,000-contribution PDF) exits after its job and is started again on the next one.

Under gevent the pipes are gevent's, so waiting for a worker never blocks the event loop; under threads
the request's thread waits. At most ``size`` exports run at once; the next wait for a free worker.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class ExportFailed(Exception):
    pass


class ExportBusy(Exception):
    pass


class _Worker:
    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None

    def _alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _start(self) -> subprocess.Popen[bytes]:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "facilitator.exports.worker", "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=ROOT,
        )
        return self.proc

    def _read(self, n: int) -> bytes:
        assert self.proc is not None and self.proc.stdout is not None
        chunks, got = [], 0
        while got < n:
            chunk = self.proc.stdout.read(n - got)
            if not chunk:
                raise ExportFailed("the export worker stopped")
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def run(self, request: dict[str, Any], timeout: float) -> bytes:
        proc = self.proc if self._alive() else self._start()
        assert proc.stdin is not None
        # The watchdog ends a worker that takes too long; the read below then fails.
        watchdog = threading.Timer(timeout, self.kill)
        watchdog.daemon = True
        watchdog.start()
        try:
            proc.stdin.write(json.dumps(request).encode("utf-8") + b"\n")
            proc.stdin.flush()
            head = self._read(9)
            body = self._read(int.from_bytes(head[1:], "big"))
        except (OSError, ValueError) as err:
            self.kill()
            raise ExportFailed(f"the export worker failed: {err}") from None
        except ExportFailed:
            self.kill()
            raise
        finally:
            watchdog.cancel()
        if head[0] != 0:
            raise ExportFailed(body.decode("utf-8", "replace"))
        return body

    def kill(self) -> None:
        proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.kill()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:  # pragma: no cover
                pass

    def close(self) -> None:
        proc = self.proc
        if proc is not None and proc.poll() is None:
            try:
                assert proc.stdin is not None
                proc.stdin.close()  # the worker exits at end of input
                proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.kill()


class ExportPool:
    def __init__(self, size: int) -> None:
        self.idle: queue.Queue[_Worker] = queue.Queue()
        self.workers = [_Worker() for _ in range(max(1, size))]
        for w in self.workers:
            self.idle.put(w)

    def run(self, request: dict[str, Any], *, timeout: float, queue_timeout: float) -> bytes:
        try:
            worker = self.idle.get(timeout=queue_timeout)
        except queue.Empty:
            raise ExportBusy() from None
        try:
            return worker.run(request, timeout)
        finally:
            self.idle.put(worker)

    def close(self) -> None:
        for w in self.workers:
            w.close()
