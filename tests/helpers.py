"""Plain helpers for the tests of every level (tests/domain, tests/web, tests/browser, tests/load).

Imported by the conftest.py files and the test modules (``from helpers import ...``; pyproject.toml puts
tests/ on ``sys.path``). Flask is imported lazily, so the domain tests can use the factories without
loading Flask.

- the repository root (``ROOT``);
- domain factories: ``make_user``, ``make_workshop``, ``join_participant``, ``client_id``;
- browser-like requests through Flask's test client (CSRF included): ``csrf_token``, ``post_form``,
  ``post_json``, ``login``, ``bearer``, and a phone that joined a workshop (``phone_client``, ``post_from``);
- polling: ``free_port``, ``wait_until``;
- the one server starter: ``ServerProcess`` (a real ``python -m facilitator serve``), ``stop_process``;
- the one real Socket.IO client: ``socket_client`` and ``LiveClient`` (python-socketio over the network).
  Flask-SocketIO's in-process test client is the ``sio`` fixture in tests/conftest.py.
"""

from __future__ import annotations

import collections
import hashlib
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"  # screenshots and figures of the browser and load tests (gitignored)
# A phone in Chromium, and the connection state of a live page once its socket is up (browser and load tests).
PHONE: dict[str, Any] = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
ONLINE = "[data-connection][data-state=online]"
PASSWORD = "riktig-passord-123"


# -- domain factories (no Flask) -------------------------------------------------------------


def make_user(db: Any, email: str | None = None, password: str = PASSWORD) -> Any:
    from sessions.accounts import service as accounts

    return accounts.create_user(db, email or f"fasilitator-{uuid.uuid4().hex[:8]}@kommune.no", password)


def make_workshop(
    db: Any,
    owner: Any,
    library: dict[str, Any],
    *,
    n_groups: int = 3,
    open_it: bool = True,
    title: str = "Personalledersamling",
) -> Any:
    """A workshop with the first ``n_groups`` library personas, one group ("Bord N") each."""
    from sessions.workshops import service as svc

    specs = [library[k] for k in sorted(library)][:n_groups]
    details = svc.WorkshopDetails.parse(title, "2026-03-12", "Molde", "")
    ws = svc.create_workshop(db, owner, details, specs, [(f"Bord {i + 1}", s.id) for i, s in enumerate(specs)])
    if open_it:
        ws = svc.open_workshop(db, ws)
    return svc.load_for_dashboard(db, ws.id)


def join_participant(db: Any, ws: Any, group: Any | None = None, name: str | None = None) -> tuple[Any, str]:
    """Join ``ws`` by its code (domain), optionally choosing ``group``. Returns (participant, token)."""
    from sessions.contributions import service as participation

    p, token = participation.join(db, ws.join_code, name)
    if group is not None:
        p = participation.choose_group(db, p, group.id)
    return p, token


def client_id() -> str:
    return uuid.uuid4().hex


def csrf_token(client: Any) -> str:
    """A valid CSRF token for the client's session (created in its cookie if it has none yet)."""
    from flask import session
    from flask_wtf.csrf import generate_csrf

    app = client.application
    with client.session_transaction() as sess:
        if "csrf_token" not in sess:
            sess["csrf_token"] = hashlib.sha1(os.urandom(64)).hexdigest()
        raw = sess["csrf_token"]
    with app.test_request_context():
        session["csrf_token"] = raw
        return generate_csrf()


def post_form(client: Any, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
    """POST a form the way a browser would: with the CSRF token in the form."""
    body = dict(data or {})
    body.setdefault("csrf_token", csrf_token(client))
    return client.post(url, data=body, **kw)


def post_json(client: Any, url: str, payload: Any, **kw: Any) -> Any:
    """POST like the page's fetch(): JSON body, Accept JSON, CSRF token in the X-CSRFToken header."""
    headers = {"Accept": "application/json", "X-CSRFToken": csrf_token(client)}
    headers.update(kw.pop("headers", {}))
    return client.post(url, json=payload, headers=headers, **kw)


def phone_client(make_client: Any, ws: Any, group: Any, name: str | None = None) -> Any:
    """A browser that joined ``ws`` with the form (as ``name``, if given) and sat down at ``group``."""
    c = make_client()
    data = {"code": ws.join_code}
    if name:
        data["display_name"] = name
    assert post_form(c, "/join", data).status_code == 302
    assert post_form(c, f"/w/{ws.id}/group", {"group_id": str(group.id)}).status_code == 302
    return c


def post_from(browser: Any, ws: Any, group: Any, text: str, kind: str = "need") -> dict[str, Any]:
    """Post ``text`` from a phone's browser the way its page does; returns the stored contribution."""
    resp = post_json(browser, f"/w/{ws.id}/contributions", {"group_id": group.id, "kind": kind, "text": text, "client_id": client_id()})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return resp.get_json()["contribution"]


# -- Flask-SocketIO's test client (the ``sio`` fixture of tests/conftest.py) -------------------------


def watch(sock: Any, workshop_id: Any, since: Any = 0) -> dict[str, Any]:
    ack = sock.emit("watch", {"workshop_id": workshop_id, "since": since}, callback=True)
    assert isinstance(ack, dict), ack
    return ack


def events(sock: Any, name: str | None = None) -> list[dict[str, Any]]:
    """Payloads received since the last call (optionally only events called ``name``)."""
    got = sock.get_received()
    return [e["args"][0] for e in got if name is None or e["name"] == name]


def login(client: Any, email: str, password: str = PASSWORD) -> Any:
    return post_form(client, "/login", {"email": email, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- polling ---------------------------------------------------------------------------------


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


def settle_pushes(app: Any, workshop_id: int, timeout: float = 10.0) -> None:
    """Wait until no coalesced push (tallies, participant count; facilitator/realtime/tally_push.py) of the
    workshop is scheduled or being sent: what a socket received by then is final."""
    for name in ("pv_tally_push", "pv_participant_push"):
        push = app.extensions.get(name)
        if push is not None:
            wait_until(lambda push=push: not push.busy(workshop_id), f"the last {name}", timeout=timeout)


# -- a real server ---------------------------------------------------------------------------

STARTUP_TIMEOUT = 60.0


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


class ServerProcess:
    """A real ``python -m facilitator serve`` process (gevent, as in production, unless ``args`` says
    ``--threading``) on a free port and the given database, which a test can kill -9 and start again on the
    same port and database.

    The server gets none of the developer's ``PV_*`` variables (nor ``DATABASE_URL``/``REDIS_URL``), only
    ``extra_env``; its log (all runs appended) is ``workdir/server[-name].log``. ``host`` is the name in
    ``base`` (``localhost`` for a browser, which treats it as a secure origin); the server listens on
    127.0.0.1 either way (``--lan`` in ``args`` overrides that).
    """

    def __init__(
        self,
        database_url: str,
        workdir: Path,
        *,
        extra_env: dict[str, str] | None = None,
        args: tuple[str, ...] = (),
        name: str = "",
        host: str = "127.0.0.1",
        prefix: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.prefix = prefix  # a command the server runs under, e.g. ("ip", "netns", "exec", "ns")
        self.port = free_port()
        self.base = f"http://{host}:{self.port}"
        self.log_path = workdir / (f"server-{name}.log" if name else "server.log")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PV_") and k not in {"DATABASE_URL", "REDIS_URL"}}
        env.update(DATABASE_URL=database_url, PV_SECRET_KEY=secrets.token_hex(32), PYTHONUNBUFFERED="1")
        env.update(extra_env or {})
        self.env = env
        self.args = args
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def launch(self) -> None:
        """Start the process without waiting for it (``wait_ready`` waits)."""
        assert self.proc is None or self.proc.poll() is not None, "already running"
        with open(self.log_path, "ab") as log:
            log.write(f"\n===== start {self.starts + 1} =====\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                [*self.prefix, sys.executable, "-m", "facilitator", "serve", "--host", "127.0.0.1", "--port", str(self.port), *self.args],
                cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )
        self.starts += 1

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT) -> float:
        """Wait until /healthz answers; fails at once if the process exits. Returns the seconds it took."""
        import requests

        proc = self.proc
        assert proc is not None, "not launched"

        def ready() -> bool:
            if proc.poll() is not None:
                raise AssertionError(f"the server{' ' + self.name if self.name else ''} exited with {proc.returncode}:\n{self.log()}")
            try:
                return requests.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).ok
            except requests.RequestException:
                return False

        return wait_until(ready, f"the server{' ' + self.name if self.name else ''} to answer /healthz", timeout, interval=0.05)

    def start(self) -> float:
        """Start the server and wait until /healthz answers; return the seconds that took."""
        t0 = time.monotonic()
        self.launch()
        self.wait_ready()
        return time.monotonic() - t0

    def kill9(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed or closed by the process itself."""
        assert self.proc is not None and self.proc.poll() is None, "not running"
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        stop_process(self.proc)

    def log(self) -> str:
        return self.full_log()[-6000:]

    def full_log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


# -- a real Socket.IO client -----------------------------------------------------------------

SOCKET_WAIT = 20.0  # socket.io-client's default ``timeout``: how long a browser waits for a connection


def socket_client(*, reconnect: bool = False, cookie: str | None = None, **options: Any) -> Any:
    """A python-socketio client for a real server.

    ``reconnect=False``: one connection, as a test wants it. ``reconnect=True``: like a browser's
    socket.io-client, it reconnects forever (0.2 to 1 s apart) and gives the server ``SOCKET_WAIT`` to accept
    each connection (python-socketio gives 1 s to a *re*connection, then drops it and tries again, which
    thrashes under a reconnect storm). ``cookie`` is a ``pv_route`` cookie sent with every polling request,
    as a browser's cookie jar would. Other ``options`` go to ``socketio.Client``.
    """
    import requests
    import socketio

    class PatientClient(socketio.Client):  # type: ignore[misc]
        def connect(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("wait_timeout", SOCKET_WAIT)
            super().connect(*args, **kwargs)

    if cookie:
        http = requests.Session()
        http.cookies.set("pv_route", cookie)
        options["http_session"] = http
    if reconnect:
        options = {
            "reconnection": True, "reconnection_attempts": 0, "reconnection_delay": 0.2, "reconnection_delay_max": 1.0,
            "randomization_factor": 0.5, "handle_sigint": False, **options,
        }
        return PatientClient(**options)
    return socketio.Client(reconnection=False, **options)


# The `watch` refusals live.js tries again (docs/api.md): they pass by waiting.
RETRIED_WATCH_ERRORS = {"server_error", "rate_limited"}


class _TraceHandler(logging.Handler):
    def __init__(self, lines: collections.deque[str]) -> None:
        super().__init__(logging.INFO)
        self.lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{time.monotonic():.2f} {record.getMessage()}")


class LiveClient:
    """A Socket.IO client that behaves like live.js: ``watch`` the workshop, apply changes by id (the newer
    ``seq`` wins), take the cursor from acks only, and watch again when the server says ``resync``.

    Without ``reconnect`` it watches once when ``connect`` returns (an ack that is not ok fails the test).
    With ``reconnect`` it reconnects like a browser and catches up after every (re)connect in the
    background; refusals are kept in ``errors`` (those that pass are tried again, as live.js does, and kept
    in ``retried``); ``syncs`` and ``connected_at`` hold the monotonic times of completed catch-ups and of
    connects.
    """

    def __init__(
        self,
        base: str,
        workshop_id: int,
        auth: dict[str, str],
        name: str = "",
        *,
        staff: bool = False,
        polling: bool = False,
        cookie: str | None = None,
        reconnect: bool = False,
        wait: float = 15.0,
    ) -> None:
        self.base = base
        self.workshop_id = workshop_id
        self.auth = auth
        self.name = name
        self.staff = staff
        self.reconnect = reconnect
        self.wait = wait
        self.transports = ["polling"] if polling else ["websocket"]
        # A reconnecting client keeps its library's last log lines, so a test that waits for it in vain can
        # say what its reconnect loop did (``trace()``).
        self._trace: collections.deque[str] = collections.deque(maxlen=40)
        extra: dict[str, Any] = {}
        if reconnect:
            logger = logging.getLogger(f"pv.test.live.{uuid.uuid4().hex}")
            logger.propagate = False
            logger.setLevel(logging.INFO)
            logger.addHandler(_TraceHandler(self._trace))
            extra = {"logger": logger, "engineio_logger": logger}
        self.sio = socket_client(reconnect=reconnect, cookie=cookie, **extra)
        self._lock = threading.Lock()
        self.events: dict[int, dict[str, Any]] = {}
        self.cursor = 0
        self.resyncs = 0
        self.connects = 0
        self.connected_at: list[float] = []
        self.syncs: list[float] = []
        self.errors: list[str] = []
        self.retried: list[str] = []  # refusals that pass (server_error, rate_limited), tried again
        self.sio.on("connect", self._on_connect)
        self.sio.on("contribution", self._apply)
        self.sio.on("resync", self._resync)

    def connect(self) -> LiveClient:
        self.sio.connect(self.base, auth=self.auth, transports=self.transports, wait_timeout=self.wait)
        if not self.reconnect:
            self.watch()
        return self

    def watch(self) -> dict[str, Any]:
        """One ``watch`` from the cursor; the ack must be ok."""
        ack = self.sio.call("watch", {"workshop_id": self.workshop_id, "since": self.cursor}, timeout=self.wait)
        assert ack["ok"], ack
        self._take(ack)
        return ack

    def _take(self, ack: dict[str, Any]) -> None:
        for c in ack["changes"]:
            self._apply(c)
        with self._lock:
            self.cursor = max(self.cursor, ack["seq"])

    def _on_connect(self) -> None:
        self.connects += 1
        self.connected_at.append(time.monotonic())
        if self.reconnect:
            # Not on the reader thread: the watch call waits for an ack that thread has to read.
            self.sio.start_background_task(self._catch_up)

    def _catch_up(self) -> None:
        import socketio

        delay = 1.0
        try:
            while True:
                ack = self.sio.call("watch", {"workshop_id": self.workshop_id, "since": self.cursor}, timeout=self.wait)
                if not ack.get("ok"):
                    if (ack.get("error") or {}).get("code") in RETRIED_WATCH_ERRORS and self.sio.connected:
                        # As live.js: a refusal that passes is tried again, later each time.
                        self.retried.append(f"{self.name}: watch refused: {ack}")
                        time.sleep(delay)
                        delay = min(delay * 2, 30.0)
                        continue
                    self.errors.append(f"{self.name}: watch refused: {ack}")
                    return
                self._take(ack)
                if not ack["more"]:
                    break
        except socketio.exceptions.SocketIOError:
            if self.sio.connected and not self.reconnect:
                raise
            return  # the server went away mid-call; the next connect catches up again
        self.syncs.append(time.monotonic())

    def _resync(self, data: dict[str, Any]) -> None:
        if data.get("workshop_id") == self.workshop_id:
            self.resyncs += 1
            # Not on the client's reader thread: watch waits for an ack that thread has to read.
            self.sio.start_background_task(self._catch_up)

    def _apply(self, c: dict[str, Any]) -> None:
        if c.get("workshop_id") != self.workshop_id:
            return
        with self._lock:
            old = self.events.get(c["id"])
            if old is None or old["seq"] < c["seq"]:
                self.events[c["id"]] = c

    @property
    def texts(self) -> dict[int, str]:
        with self._lock:
            return {i: c["text"] for i, c in self.events.items()}

    def has(self, *texts: str) -> bool:
        seen = set(self.texts.values())
        return all(t in seen for t in texts)

    def visible(self) -> dict[int, tuple[int, str]]:
        """What the page shows: ``{id: (seq, text)}`` without deleted and merged posts (and hidden ones
        unless ``staff``)."""
        with self._lock:
            return {
                i: (c["seq"], c["text"])
                for i, c in self.events.items()
                if not (c["deleted"] or c["merged_into"] or (c["hidden"] and not self.staff))
            }

    def synced_since(self, t: float) -> float | None:
        later = [s for s in self.syncs if s >= t]
        return later[0] if later else None

    def trace(self) -> dict[str, Any]:
        """The client's state and its library's last log lines (reconnecting clients only)."""
        task = getattr(self.sio, "_reconnect_task", None)
        return {
            "connected": self.sio.connected,
            "eio_state": getattr(self.sio.eio, "state", None),
            "reconnect_task_alive": bool(task) and task.is_alive(),
            "log": [*self._trace][-15:],
        }

    def connected_since(self, t: float) -> float | None:
        later = [s for s in self.connected_at if s >= t]
        return later[0] if later else None

    def close(self) -> None:
        if self.reconnect:
            try:
                self.sio.shutdown()  # stops reconnecting, too
            except Exception:  # noqa: BLE001 - best effort at teardown
                pass
        else:
            self.sio.disconnect()
