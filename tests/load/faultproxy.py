"""A small TCP fault proxy on loopback, for tests that take a client's network away (toxiproxy-style).

``FaultProxy(upstream_port)`` listens on ``127.0.0.1:<free port>`` and forwards every connection to the
server. A test switches it between three states:

* ``pass``      -- bytes flow both ways (the start state; ``resume()`` returns to it).
* ``refuse``    -- ``drop()``: every open connection is reset (RST to both ends) and every new one is
                   accepted and reset at once. What a phone sees in flight mode: requests fail fast.
* ``blackhole`` -- ``blackhole()``: nothing moves any more in either direction, but nothing is closed
                   either; new connections are accepted and held without reaching the server. What a
                   phone sees on a dead Wi-Fi: requests hang. On ``resume()`` the frozen connections
                   carry on (bytes held meanwhile are delivered, unless an end gave up and closed) and
                   the held ones are connected to the server then -- so a request a client already gave
                   up on may still reach the server late, which is exactly the hazard an idempotent
                   write path has to survive.

Threads, one pair per connection; the proxy is for tests on loopback and never for production.
"""

from __future__ import annotations

import socket
import struct
import threading
from dataclasses import dataclass, field

PASS = "pass"
REFUSE = "refuse"
BLACKHOLE = "blackhole"


def _reset(sock: socket.socket) -> None:
    """Close with RST (SO_LINGER 0) instead of FIN: the peer sees ECONNRESET, as after a lost network.

    ``shutdown(SHUT_RD)`` first: a close() alone does not take effect while a pump thread is blocked in
    recv() on the socket (Linux keeps it open until that call returns), so the peer would notice nothing.
    """
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RD)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


@dataclass
class _Pair:
    client: socket.socket
    upstream: socket.socket | None = None
    closed: bool = False
    threads: list[threading.Thread] = field(default_factory=list)


class FaultProxy:
    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(256)
        self.port: int = self._listener.getsockname()[1]
        self.mode = PASS
        self._lock = threading.Lock()
        self._flowing = threading.Event()  # set while bytes may move (pass)
        self._flowing.set()
        self._pairs: list[_Pair] = []
        self._held: list[socket.socket] = []  # accepted during a blackhole, not yet connected upstream
        self._stopped = False
        # Figures for the test's report.
        self.accepted = 0
        self.refused = 0
        self.reset_on_drop = 0
        self.bytes_up = 0
        self.bytes_down = 0
        self._acceptor = threading.Thread(target=self._accept_loop, name=f"faultproxy-{self.port}", daemon=True)
        self._acceptor.start()

    # -- control -----------------------------------------------------------------------------------

    def drop(self) -> None:
        """Reset every open connection and refuse new ones until ``resume()``."""
        with self._lock:
            self.mode = REFUSE
            self._flowing.clear()
            pairs, self._pairs = self._pairs, []
            held, self._held = self._held, []
        for pair in pairs:
            self._close_pair(pair)
            self.reset_on_drop += 1
        for sock in held:
            _reset(sock)

    def blackhole(self) -> None:
        """Freeze every open connection and hold new ones until ``resume()``."""
        with self._lock:
            self.mode = BLACKHOLE
            self._flowing.clear()

    def resume(self) -> None:
        """Let bytes flow again; connections held during a blackhole now reach the server."""
        with self._lock:
            self.mode = PASS
            held, self._held = self._held, []
            self._flowing.set()
        for sock in held:
            self._connect(sock)

    def close(self) -> None:
        self._stopped = True
        self.drop()
        try:
            self._listener.close()
        except OSError:
            pass
        self._flowing.set()  # wake any pump so it sees its sockets closed

    @property
    def held(self) -> int:
        """Connections accepted during the blackhole and not yet passed on."""
        with self._lock:
            return len(self._held)

    @property
    def open_connections(self) -> int:
        with self._lock:
            return sum(1 for p in self._pairs if not p.closed)

    # -- the machinery -----------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self._stopped:
            try:
                sock, _addr = self._listener.accept()
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                mode = self.mode
                if mode == BLACKHOLE:
                    self._held.append(sock)
                    continue
            if mode == REFUSE:
                self.refused += 1
                _reset(sock)
                continue
            self._connect(sock)

    def _connect(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.upstream, timeout=10)
        except OSError:
            # The server is down: the client sees what it would see without the proxy.
            _reset(client)
            return
        upstream.settimeout(None)
        upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pair = _Pair(client, upstream)
        with self._lock:
            if self.mode == REFUSE:
                _reset(client)
                _reset(upstream)
                return
            self._pairs.append(pair)
            self.accepted += 1
        for src, dst, up in ((client, upstream, True), (upstream, client, False)):
            t = threading.Thread(target=self._pump, args=(pair, src, dst, up), daemon=True)
            pair.threads.append(t)
            t.start()

    def _pump(self, pair: _Pair, src: socket.socket, dst: socket.socket, up: bool) -> None:
        try:
            while True:
                self._flowing.wait()
                data = src.recv(65536)
                # A blackhole that began while this thread waited in recv holds the chunk here.
                self._flowing.wait()
                if pair.closed:
                    return
                if not data:
                    # One end closed: pass the half-close on, the other pump ends the pair.
                    try:
                        dst.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
                    return
                dst.sendall(data)
                if up:
                    self.bytes_up += len(data)
                else:
                    self.bytes_down += len(data)
        except OSError:
            self._close_pair(pair)
        finally:
            if all(not t.is_alive() or t is threading.current_thread() for t in pair.threads):
                self._close_pair(pair, graceful=True)

    def _close_pair(self, pair: _Pair, graceful: bool = False) -> None:
        with self._lock:
            if pair.closed:
                return
            pair.closed = True
            if pair in self._pairs:
                self._pairs.remove(pair)
        for sock in (pair.client, pair.upstream):
            if sock is None:
                continue
            if graceful:
                try:
                    sock.close()
                except OSError:
                    pass
            else:
                _reset(sock)
