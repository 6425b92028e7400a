"""Size limits against a real server process: an oversized WebSocket message is refused as it streams in.

python-engineio checks ``max_http_buffer_size`` only after a whole message has arrived, and the
simple-websocket transport used in both gevent and threading modes buffered a 64 MB message first
(research: +100-130 MB RSS). facilitator.realtime wraps the transport so simple-websocket stops at the
limit. These tests measure the server's memory around such a message.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
import websocket
from helpers import ServerProcess


@pytest.fixture(scope="module", params=["gevent", "threading"])
def server(request, tmp_path_factory):
    """A real server in the given async mode on its own SQLite database."""
    tmp = tmp_path_factory.mktemp(f"limits-{request.param}")
    proc = ServerProcess(f"sqlite:///{tmp}/db.sqlite", tmp, args=("--threading",) if request.param == "threading" else ())
    try:
        proc.start()
        yield {"base": proc.base, "port": proc.port, "pid": proc.proc.pid, "mode": request.param}
    finally:
        proc.stop()


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
