"""Size limits against a real server process: an oversized WebSocket message is refused as it streams in.

python-engineio checks ``max_http_buffer_size`` only after a whole message has arrived, and the
simple-websocket transport used in both gevent and threading modes buffered a 64 MB message first
(research: +100-130 MB RSS). facilitator.realtime wraps the transport so simple-websocket stops at the
limit. These tests measure the server's memory around such a message.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import websocket

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module", params=["gevent", "threading"])
def server(request, tmp_path_factory):
    """A real server in the given async mode on its own SQLite database."""
    tmp = tmp_path_factory.mktemp(f"limits-{request.param}")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PV_") and k not in {"REDIS_URL", "DATABASE_URL"}}
    env.update(DATABASE_URL=f"sqlite:///{tmp}/db.sqlite", PV_SECRET_KEY=secrets.token_hex(16))
    cmd = [sys.executable, "-m", "facilitator", "serve", "--port", str(port)]
    if request.param == "threading":
        cmd.append("--threading")
    log = open(tmp / "server.log", "w")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                log.close()
                pytest.fail("server did not start:\n" + (tmp / "server.log").read_text())
            time.sleep(0.05)
    yield {"base": base, "port": port, "pid": proc.pid, "mode": request.param}
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def _engineio_socket(port: int) -> websocket.WebSocket:
    """A raw engine.io v4 WebSocket, past the open packet (no Socket.IO connect: no credentials needed)."""
    ws = websocket.create_connection(f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket", timeout=10)
    opened = ws.recv()
    assert opened.startswith("0"), opened
    json.loads(opened[1:])
    return ws


def _peak_rss(pid: int) -> int:
    """The process's resident-set high-water mark (VmHWM): a buffer freed again still shows here."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc")


def test_oversized_message_is_refused_without_buffering_it(server):
    before = _peak_rss(server["pid"])
    ws = _engineio_socket(server["port"])
    ws.settimeout(5)
    payload = "4" + "x" * (64 * 1024 * 1024)
    closed_early = False
    try:
        ws.send(payload)
    except (
        BrokenPipeError,
        ConnectionResetError,
        websocket.WebSocketConnectionClosedException,
        websocket.WebSocketTimeoutException,
        OSError,
    ):
        # Refused mid-stream: the server closed, or stopped reading so that our send blocked and timed out.
        closed_early = True
    del payload
    # The server must close the connection (1009 "message too big") rather than accept the message.
    if not closed_early:
        with pytest.raises((websocket.WebSocketException, ConnectionResetError, OSError)):
            while True:
                frame = ws.recv()
                if frame == "":
                    raise websocket.WebSocketConnectionClosedException("closed")
    grown = _peak_rss(server["pid"]) - before
    # Buffering the message would cost over 64 MB (the research measured +100-130 MB).
    assert grown < 16 * 1024 * 1024, f"server RSS grew by {grown / 1e6:.1f} MB in {server['mode']} mode"
    # And the server still serves others.
    assert urllib.request.urlopen(server["base"] + "/healthz", timeout=5).status == 200
