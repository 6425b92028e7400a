"""Garbage-collection pauses of a server under ``bench/load.py --gc``.

Python imports ``sitecustomize`` at start-up from ``sys.path``; ``bench/load.py --gc`` puts this folder on
the servers' ``PYTHONPATH`` and names a log file in ``PV_BENCH_GC_LOG``. Each collection then appends one
line, ``<unix time> <generation> <milliseconds> <objects collected>``, written at once (a server is stopped
with a signal, so nothing may wait for exit). Without ``PV_BENCH_GC_LOG`` this does nothing.
"""

from __future__ import annotations

import gc
import os
import time

_PATH = os.environ.get("PV_BENCH_GC_LOG")

if _PATH:
    _started = [0.0]
    _log = open(f"{_PATH}.{os.getpid()}", "a", buffering=1)  # noqa: SIM115 - open for the process's life

    def _record(phase: str, info: dict) -> None:  # type: ignore[type-arg]
        if phase == "start":
            _started[0] = time.perf_counter()
            return
        ms = (time.perf_counter() - _started[0]) * 1000
        _log.write(f"{time.time():.3f} {info['generation']} {ms:.2f} {info.get('collected', 0)}\n")

    gc.callbacks.append(_record)
