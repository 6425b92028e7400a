"""Cross-origin Socket.IO connections are refused by a real server, on both transports.

A page on another site (``https://evil.example``) could otherwise open a socket to the workshop server with
the visitor's cookies (cross-site WebSocket hijacking): browsers do not apply CORS to WebSockets, they only
send the page's ``Origin``. The server must refuse every origin but its own: the engine.io handshake answers
400 over long-polling and the WebSocket upgrade is refused, so no Socket.IO session ever starts, whatever
credential comes with it. A request without ``Origin`` is not from a browser page (the JSON API's clients,
python-socketio) and is let through to the credential check. ``X-Forwarded-*`` headers only count when the
server is told it is behind a proxy (``PV_TRUST_PROXY``), so a client cannot name its own origin as ours.

The server is ``python -m facilitator serve`` (gevent, as in production; tests/helpers.py) on the test's
database (SQLite, or PostgreSQL with ``DATABASE_URL``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio
import websocket
from helpers import ServerProcess, make_user, make_workshop, socket_client

HANDSHAKE = "/socket.io/?EIO=4&transport=polling"
TIMEOUT = 10


@pytest.fixture
def workshop_server(db: Any, persona_library: dict[str, Any], database_url: str, tmp_path: Path) -> Iterator[tuple[ServerProcess, Any]]:
    ws = make_workshop(db, make_user(db), persona_library, n_groups=2)
    server = ServerProcess(database_url, tmp_path)
    server.start()
    try:
        yield server, ws
    finally:
        server.stop()


def _foreign(server: ServerProcess) -> list[tuple[str, dict[str, str]]]:
    """Origins that are not the server's own (it is reached as http://127.0.0.1:PORT), with extra headers."""
    port = server.port
    return [
        ("https://evil.example", {}),
        ("null", {}),  # a sandboxed iframe, a data: or file: page
        (f"http://127.0.0.1:{port}.evil.example", {}),  # our origin as a prefix
        (f"http://evil.example/http://127.0.0.1:{port}", {}),
        (f"https://127.0.0.1:{port}", {}),  # another scheme
        (f"http://127.0.0.1:{port + 1}", {}),  # another port
        (f"http://localhost:{port}", {}),  # another host name for the same server is another origin
        # A client naming its own origin as ours through proxy headers (the server is not behind a proxy).
        ("http://evil.example", {"X-Forwarded-Host": "evil.example"}),
        ("https://evil.example", {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}),
    ]


def _own(server: ServerProcess) -> str:
    return f"http://127.0.0.1:{server.port}"


def _handshake(server: ServerProcess, origin: str | None, extra: dict[str, str] | None = None) -> requests.Response:
    headers = dict(extra or {})
    if origin is not None:
        headers["Origin"] = origin
    return requests.get(server.base + HANDSHAKE, headers=headers, timeout=TIMEOUT)


def _opened(resp: requests.Response) -> bool:
    return resp.status_code == 200 and resp.text.startswith("0{") and '"sid"' in resp.text


def test_polling_handshake_from_another_origin_is_refused(workshop_server: tuple[ServerProcess, Any]) -> None:
    server, _ws = workshop_server
    for origin, extra in _foreign(server):
        resp = _handshake(server, origin, extra)
        assert resp.status_code == 400, (origin, extra, resp.status_code, resp.text[:200])
        assert not _opened(resp) and "Access-Control-Allow-Origin" not in resp.headers, (origin, resp.headers)

    # The same origin and no origin at all get a session; only the own origin is echoed for CORS.
    own = _handshake(server, _own(server))
    assert _opened(own), (own.status_code, own.text[:200])
    assert own.headers.get("Access-Control-Allow-Origin") == _own(server)
    none = _handshake(server, None)
    assert _opened(none), (none.status_code, none.text[:200])
    assert "Access-Control-Allow-Origin" not in none.headers


def test_an_open_polling_session_refuses_requests_from_another_origin(workshop_server: tuple[ServerProcess, Any]) -> None:
    """Every request is checked, not only the first: a foreign page cannot ride a session it learned the id of."""
    server, ws = workshop_server
    opened = _handshake(server, _own(server))
    assert _opened(opened)
    sid = requests.models.complexjson.loads(opened.text[1:])["sid"]
    url = f"{server.base}/socket.io/?EIO=4&transport=polling&sid={sid}"
    connect = '40{"wall":"%s"}' % ws.wall_token  # Socket.IO CONNECT with a valid credential
    for method in ("POST", "GET"):
        resp = requests.request(method, url, data=connect if method == "POST" else None,
                                headers={"Origin": "https://evil.example"}, timeout=TIMEOUT)
        assert resp.status_code == 400, (method, resp.status_code, resp.text[:200])
    # The session itself is untouched: from its own origin it connects and is accepted.
    assert requests.post(url, data=connect, headers={"Origin": _own(server)}, timeout=TIMEOUT).text == "OK"
    answer = requests.get(url, headers={"Origin": _own(server)}, timeout=TIMEOUT).text
    assert answer.startswith("40{") and '"sid"' in answer, answer[:200]


def test_websocket_upgrade_from_another_origin_is_refused(workshop_server: tuple[ServerProcess, Any]) -> None:
    server, _ws = workshop_server
    url = f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket"
    for origin, extra in _foreign(server):
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(url, origin=origin, header=extra, timeout=TIMEOUT).close()
        assert refused.value.status_code == 400, (origin, extra, refused.value.status_code)

    for options in ({"origin": _own(server)}, {"suppress_origin": True}):
        sock = websocket.create_connection(url, timeout=TIMEOUT, **options)
        try:
            opened = sock.recv()
            assert opened.startswith("0{") and '"sid"' in opened, (options, opened)
        finally:
            sock.close()


@pytest.mark.parametrize("transport", ["polling", "websocket"])
def test_socketio_client_with_a_valid_credential_is_refused_from_another_origin(
    workshop_server: tuple[ServerProcess, Any], transport: str
) -> None:
    """A real python-socketio client holding the wall's token: refused from evil.example, accepted from the
    server's own origin and without an origin, where ``watch`` then works."""
    server, ws = workshop_server
    auth = {"wall": ws.wall_token}

    def client(origin: str | None) -> socketio.Client:
        ws_options: dict[str, Any] = {"suppress_origin": True} if origin is None else {"origin": origin}
        return socket_client(websocket_extra_options=ws_options)

    def headers(origin: str | None) -> dict[str, str]:
        return {} if origin is None or transport == "websocket" else {"Origin": origin}

    for origin in ("https://evil.example", "null"):
        sio = client(origin)
        with pytest.raises(socketio.exceptions.ConnectionError):
            sio.connect(server.base, auth=auth, headers=headers(origin), transports=[transport], wait_timeout=TIMEOUT)
        assert not sio.connected
        sio.disconnect()

    for origin in (_own(server), None):
        sio = client(origin)
        sio.connect(server.base, auth=auth, headers=headers(origin), transports=[transport], wait_timeout=TIMEOUT)
        try:
            assert sio.connected and sio.transport() == transport
            ack = sio.call("watch", {"workshop_id": ws.id, "since": 0}, timeout=TIMEOUT)
            assert ack["ok"] and ack["role"] == "wall", ack
        finally:
            sio.disconnect()


def test_behind_a_trusted_proxy_the_forwarded_origin_counts(db: Any, persona_library: dict[str, Any], database_url: str, tmp_path: Path) -> None:
    """With ``PV_TRUST_PROXY=1`` (nginx in front, deploy/nginx/) the origin nginx forwards is the server's
    own; another is still refused; and ``PV_PUBLIC_URL``'s origin is accepted as well."""
    make_workshop(db, make_user(db), persona_library, n_groups=1)
    server = ServerProcess(database_url, tmp_path, extra_env={"PV_TRUST_PROXY": "1", "PV_PUBLIC_URL": "https://verkstad.kommune.example"})
    server.start()
    try:
        proxied = {"Host": "verkstad.kommune.example", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "verkstad.kommune.example"}
        assert _opened(_handshake(server, "https://verkstad.kommune.example", proxied))
        assert _handshake(server, "https://evil.example", proxied).status_code == 400
        assert _handshake(server, "http://verkstad.kommune.example", proxied).status_code == 400  # not the scheme nginx forwarded
        # The public URL's origin, also when the proxy passes another Host.
        assert _opened(_handshake(server, "https://verkstad.kommune.example"))
        assert _handshake(server, "https://evil.example").status_code == 400
    finally:
        server.stop()
