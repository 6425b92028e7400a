"""Scale-out: two server processes with Redis as the Socket.IO message queue and PostgreSQL, behind nginx.

Everything runs on loopback: a Redis of its own on a free port (so it can be stopped and started without
touching the shared one), a PostgreSQL database of its own (``pv_scaleout_<pid>_<random>``, created and dropped here with
an AUTOCOMMIT connection, so it never clashes with the suite's ``test`` database), two
``python -m facilitator serve`` processes A and B (gevent, as in production) and nginx with the
configuration shipped in deploy/nginx/. The module runs the same way in the SQLite and the PostgreSQL pass.
"""

from __future__ import annotations

import collections
import os
import re
import secrets
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
import requests
from helpers import ROOT, LiveClient, ServerProcess, free_port, stop_process, wait_until
from sqlalchemy import bindparam, create_engine, make_url, text
from sqlalchemy.pool import NullPool

from facilitator.ratelimit import FallbackLimiter
from sessions.accounts import service as accounts
from sessions.core import store

PG_BASE = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# Unique per run: two runs at once (the SQLite and the PostgreSQL pass, or two engineers) must not share it.
DB_NAME = f"pv_scaleout_{os.getpid()}_{secrets.token_hex(3)}"
IN_CI = bool(os.environ.get("CI"))


def _missing(what: str) -> None:
    """Outside CI a developer may lack a service; in CI (scripts/setup.sh --test installs all) it is a failure."""
    (pytest.fail if IN_CI else pytest.skip)(f"scale-out test needs {what}")


# -- services --------------------------------------------------------------------------------------------


class Redis:
    """A redis-server of this test's own, which the test stops and starts on the same port."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until(self.up, "redis-server", 15)

    def up(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
            self.proc = None


class Nginx:
    """nginx with deploy/nginx/'s upstream and proxy files, the upstream pointing at the test's processes."""

    def __init__(self, workdir: Path, backends: list[ServerProcess]) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        prefix = workdir / "nginx"
        (prefix / "logs").mkdir(parents=True)
        upstream = (ROOT / "deploy/nginx/personaverkstad-upstream.conf").read_text()
        servers = "".join(f"    server 127.0.0.1:{b.port};\n" for b in backends)
        upstream, n = re.subn(r"(?m)^    server 127\.0\.0\.1:\d+;\n(?:    server 127\.0\.0\.1:\d+;\n)*", servers, upstream)
        assert n == 1, "deploy/nginx/personaverkstad-upstream.conf: no server lines found"
        (prefix / "upstream.conf").write_text(upstream)
        conf = f"""
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/upstream.conf;
    server {{
        listen 127.0.0.1:{self.port};
        location / {{
            include {ROOT}/deploy/nginx/personaverkstad-proxy.conf;
        }}
    }}
}}
"""
        (prefix / "nginx.conf").write_text(conf)
        self.proc = subprocess.Popen(["nginx", "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        self.error_log = prefix / "logs/error.log"

        def up() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"nginx exited: {self.error_log.read_text() if self.error_log.exists() else ''}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return True
            except OSError:
                return False

        wait_until(up, "nginx", 15)

    def upstream_ports(self) -> collections.Counter[int]:
        """Open connections from nginx's workers to each backend port."""
        pids = {p.pid for p in psutil.Process(self.proc.pid).children(recursive=True)}
        return collections.Counter(
            c.raddr.port for c in psutil.net_connections("tcp") if c.pid in pids and c.raddr and c.status == "ESTABLISHED"
        )


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    for binary in ("redis-server", "nginx"):
        if shutil.which(binary) is None:
            _missing(binary)
    admin = create_engine(make_url(PG_BASE).set(database="postgres"), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {DB_NAME}"))
    except Exception as exc:  # noqa: BLE001
        _missing(f"PostgreSQL at {PG_BASE} ({exc})")
    db_url = make_url(PG_BASE).set(database=DB_NAME).render_as_string(hide_password=False)
    workdir = tmp_path_factory.mktemp("scaleout")
    redis = Redis(workdir)
    redis.start()
    env = dict(REDIS_URL=redis.url, PV_SECRET_KEY=secrets.token_hex(32), PV_ALLOW_HTTP="1", PV_TRUST_PROXY="1")
    apps = [ServerProcess(db_url, workdir, name=name, extra_env=env) for name in ("A", "B")]
    nginx = None
    try:
        # Both start at once on an empty database: one migrates under the advisory lock, the other waits.
        for app in apps:
            app.launch()
        for app in apps:
            app.wait_ready()
        nginx = Nginx(workdir, apps)
        engine = store.make_engine(db_url)
        with store.make_session_factory(engine)() as db:
            user = accounts.create_user(db, f"fasilitator-{uuid.uuid4().hex[:6]}@example.no", "riktig-passord-123")
            api_token = accounts.issue_api_token(db, user)
        yield {"A": apps[0], "B": apps[1], "nginx": nginx, "redis": redis, "engine": engine, "token": api_token}
        engine.dispose()
    finally:
        if nginx:
            stop_process(nginx.proc)
        for app in apps:
            app.stop()
        redis.stop()
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)"))
        admin.dispose()


def _open_workshop(cluster: dict[str, Any]) -> dict[str, Any]:
    hdr = {"Authorization": f"Bearer {cluster['token']}"}
    a = cluster["A"].base
    body = {"title": "Regional samling", "groups": [{"name": "Bord 1", "persona_id": "ine"}, {"name": "Bord 2", "persona_id": "nils"}]}
    ws = requests.post(a + "/api/v1/workshops", json=body, headers=hdr, timeout=10).json()
    ws = requests.post(a + f"/api/v1/workshops/{ws['id']}/open", headers=hdr, timeout=10).json()
    with cluster["engine"].connect() as conn:
        ws["wall_token"] = conn.execute(text("select wall_token from workshops where id = :i"), {"i": ws["id"]}).scalar_one()
    return ws


def _join(base: str, ws: dict[str, Any], group: int = 0) -> str:
    r = requests.post(base + "/api/v1/join", json={"code": ws["join_code"], "group_id": ws["groups"][group]["id"]}, timeout=10)
    assert r.status_code == 201, r.text
    return str(r.json()["token"])


def _post(base: str, ws: dict[str, Any], token: str, body: str, group: int = 0) -> dict[str, Any]:
    r = requests.post(
        base + f"/api/v1/workshops/{ws['id']}/contributions",
        json={"group_id": ws["groups"][group]["id"], "kind": "need", "text": body, "client_id": uuid.uuid4().hex},
        headers={"Authorization": f"Bearer {token}"}, timeout=10,
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


# -- tests -----------------------------------------------------------------------------------------------


def test_a_post_on_a_reaches_the_wall_on_b_and_a_phone_reconnecting_to_b_catches_up(cluster: dict[str, Any]) -> None:
    a, b = cluster["A"].base, cluster["B"].base
    ws = _open_workshop(cluster)
    poster = _join(a, ws)
    mate = _join(b, ws)
    other_table = _join(b, ws, group=1)
    wall = LiveClient(b, ws["id"], {"wall": ws["wall_token"]}).connect()
    phone = LiveClient(b, ws["id"], {"token": mate}).connect()
    elsewhere = LiveClient(b, ws["id"], {"token": other_table}).connect()
    try:
        first = _post(a, ws, poster, "Mentor i første jobb")
        wait_until(lambda: wall.has("Mentor i første jobb") and phone.has("Mentor i første jobb"), "the post on B's wall and phone")
        assert first["id"] in wall.texts

        # The phone on B drops off; two posts are made on A meanwhile; it reconnects to B and catches up.
        phone.close()
        missed = [_post(a, ws, poster, f"Mens mobilen var borte {i}") for i in range(2)]
        back = LiveClient(b, ws["id"], {"token": mate})
        back.cursor = phone.cursor
        back.sio.connect(b, auth={"token": mate}, transports=["websocket"], wait_timeout=15)
        ack = back.watch()
        # From its cursor (acks only, so the first post may come again: clients deduplicate by id).
        assert {m["id"] for m in missed} <= {c["id"] for c in ack["changes"]}
        assert back.has("Mens mobilen var borte 0", "Mens mobilen var borte 1")
        back.close()
        wait_until(lambda: wall.has("Mens mobilen var borte 1"), "the wall on B")
        # Only the group's phones: the other table on B got none of it.
        assert elsewhere.texts == {}
    finally:
        wall.close()
        elsewhere.close()


def test_redis_going_away_loses_no_acknowledged_post_and_clients_resync(cluster: dict[str, Any]) -> None:
    a, b, redis = cluster["A"].base, cluster["B"].base, cluster["redis"]
    ws = _open_workshop(cluster)
    poster = _join(a, ws)
    mate = _join(b, ws)
    wall = LiveClient(b, ws["id"], {"wall": ws["wall_token"]}).connect()
    phone = LiveClient(b, ws["id"], {"token": mate}).connect()
    try:
        _post(a, ws, poster, "Før brottet")
        wait_until(lambda: wall.has("Før brottet") and phone.has("Før brottet"), "the post before the outage")

        redis.stop()
        # Posts, and a join, while Redis is away: acknowledged (the rate limits fall back to memory).
        during = [_post(a, ws, poster, f"Under brottet {i}")["id"] for i in range(3)]
        late = _join(b, ws)
        with cluster["engine"].connect() as conn:
            query = text("select id from contributions where id in :ids").bindparams(bindparam("ids", expanding=True))
            stored = conn.execute(query, {"ids": during}).scalars().all()
        assert sorted(stored) == sorted(during), "every acknowledged post is in PostgreSQL"
        assert not wall.has("Under brottet 0"), "nothing can carry A's events to B while Redis is down"

        redis.start()
        # B re-subscribes and tells its clients to resync; they catch up from the database.
        texts = [f"Under brottet {i}" for i in range(3)]
        wait_until(lambda: wall.has(*texts) and phone.has(*texts), "the clients on B to resync after Redis came back")
        assert wall.resyncs >= 1 and phone.resyncs >= 1

        # And the queue carries live events again.
        newcomer = LiveClient(b, ws["id"], {"token": late}).connect()
        _post(a, ws, poster, "Etter brottet")
        wait_until(lambda: wall.has("Etter brottet") and newcomer.has("Etter brottet"), "a live post after the outage")
        newcomer.close()
    finally:
        if not redis.up():
            redis.start()
        wall.close()
        phone.close()


def test_nginx_is_sticky_by_cookie_and_spreads_one_address_over_both_processes(cluster: dict[str, Any]) -> None:
    nginx, a = cluster["nginx"], cluster["A"].base
    first = requests.get(nginx.base + "/healthz", timeout=10)
    route = first.cookies.get("pv_route")
    assert first.ok and route, first.headers
    again = requests.get(nginx.base + "/healthz", headers={"Cookie": f"pv_route={route}"}, timeout=10)
    assert "pv_route" not in again.headers.get("Set-Cookie", ""), "the cookie is set once"

    ws = _open_workshop(cluster)
    poster = _join(a, ws)
    # 16 browsers from one address, each with its own route cookie, on HTTP long-polling: a polling
    # session only works when every request of it reaches the same process.
    walls = [LiveClient(nginx.base, ws["id"], {"wall": ws["wall_token"]}, polling=True,
                  cookie=secrets.token_hex(16)).connect() for _ in range(16)]
    try:
        ports = (cluster["A"].port, cluster["B"].port)
        wait_until(lambda: all(nginx.upstream_ports()[p] > 0 for p in ports), "polling clients on both processes")
        _post(a, ws, poster, "Gjennom nginx")
        wait_until(lambda: all(w.has("Gjennom nginx") for w in walls), "every wall behind nginx")
        assert all(w.sio.connected for w in walls)
    finally:
        for w in walls:
            w.close()


def test_rate_limits_fall_back_to_process_memory_while_redis_is_unreachable() -> None:
    dead = free_port()  # a port nobody listens on
    from limits import parse

    limiter = FallbackLimiter(f"redis://127.0.0.1:{dead}/0")
    three = parse("3/minute")
    assert [limiter.hit(three, "post", "p1") for _ in range(4)] == [True, True, True, False]
    assert limiter.degraded
    assert limiter.hit(three, "post", "p2"), "other keys keep their own count"


def test_resync_goes_to_the_workshops_clients_only(app: Any, app_db: Any, facilitator: Any, library: dict[str, Any],
                                                    workshop: Any) -> None:
    """In-process: ``resync_here`` reaches this process's clients of every watched workshop, each with its
    own id; ``resync_everywhere`` only the workshops whose rooms missed an event."""
    from helpers import make_workshop

    from facilitator.extensions import socketio as sio
    from facilitator.realtime import publish as broadcast

    other = make_workshop(app_db, facilitator, library, n_groups=1, title="Annen samling")
    walls = {}
    for ws in (workshop, other):
        c = sio.test_client(app, auth={"wall": ws.wall_token})
        assert c.emit("watch", {"workshop_id": ws.id, "since": 0}, callback=True)["ok"]
        c.get_received()
        walls[ws.id] = c

    def resyncs(c: Any) -> list[Any]:
        return [e["args"][0] for e in c.get_received() if e["name"] == "resync"]

    with app.app_context():
        broadcast.resync_here()
    assert resyncs(walls[workshop.id]) == [{"workshop_id": workshop.id}]
    assert resyncs(walls[other.id]) == [{"workshop_id": other.id}]

    with app.app_context():
        broadcast.resync_everywhere({f"w{workshop.id}:g{workshop.groups[0].id}", f"w{workshop.id}:wall", "nonsense"})
    assert resyncs(walls[workshop.id]) == [{"workshop_id": workshop.id}]
    assert resyncs(walls[other.id]) == []
    for c in walls.values():
        c.disconnect()
