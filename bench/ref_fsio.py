"""Reference servers for bench/load.py: bare Flask-SocketIO under gevent, no validation, no templates.

It delivers the same messages to the same clients as Personaverkstad does: a join is an HTTP POST that
hands out a token, a client connects and sends ``watch`` to join its rooms (group, wall or staff), and a
post is an HTTP POST that emits one ``contribution`` event to the group's room, the wall and the staff.

Target ``fsio`` keeps nothing. Target ``fsiodb`` (``--store URL``) adds the least a server that must not lose
a post has to do, with the driver and no ORM: a join stores the token's hash (one INSERT, one COMMIT); a
connect and a post look the token up (one SELECT); a post is stored (one INSERT, one COMMIT) before it is
emitted or acknowledged. SQLite runs as the app does (WAL, ``synchronous=FULL``, writers queued on one lock,
the fsync-ing COMMIT in gevent's thread pool); PostgreSQL through psycopg with a small connection pool.

    python bench/ref_fsio.py --port 5101 [--store sqlite:///path | --store postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import itertools
import secrets
import sys
from collections.abc import Iterator
from typing import Any

SCHEMA = [
    "DROP TABLE IF EXISTS ref_posts",
    "DROP TABLE IF EXISTS ref_tokens",
    "CREATE TABLE ref_tokens (token_hash VARCHAR(64) PRIMARY KEY, group_id INTEGER NOT NULL)",
    "CREATE TABLE ref_posts (id INTEGER PRIMARY KEY, token_hash VARCHAR(64) NOT NULL REFERENCES ref_tokens(token_hash),"
    " group_id INTEGER NOT NULL, kind VARCHAR(20) NOT NULL, text TEXT NOT NULL, created_at VARCHAR(40) NOT NULL)",
]


class Store:
    """The durable part of ``fsiodb``: one table of token hashes, one of posts."""

    def __init__(self, url: str) -> None:
        # Imported here, not at the top: main() monkey-patches first, as it does before importing Flask.
        import gevent
        from gevent.lock import BoundedSemaphore
        from gevent.queue import Queue

        self.sqlite = url.startswith("sqlite")
        self.ids = itertools.count(1)
        if self.sqlite:
            import sqlite3

            self.pool: Queue[Any] = Queue()
            conn = sqlite3.connect(url.split("///", 1)[1], check_same_thread=False, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            self.pool.put(conn)
            self.lock = BoundedSemaphore(1)
            self.threadpool = gevent.get_hub().threadpool
            self.marker = "?"
        else:
            import psycopg

            dsn = url.replace("postgresql+psycopg://", "postgresql://")
            self.pool = Queue()
            for _ in range(5):
                self.pool.put(psycopg.connect(dsn))
            self.marker = "%s"
        with self.connection() as conn:
            for sql in SCHEMA:
                conn.execute(sql)
            if not self.sqlite:  # SQLite's connection autocommits outside write()'s BEGIN IMMEDIATE
                conn.commit()

    @contextlib.contextmanager
    def connection(self) -> Iterator[Any]:
        conn = self.pool.get()
        try:
            yield conn
        finally:
            self.pool.put(conn)

    def read_one(self, sql: str, args: tuple[Any, ...] = ()) -> Any:
        with self.connection() as conn:
            row = conn.execute(sql, args).fetchone()
            if not self.sqlite:
                conn.rollback()  # READ COMMITTED: end the read transaction
            return row

    def group_of(self, token: str) -> int | None:
        row = self.read_one(f"SELECT group_id FROM ref_tokens WHERE token_hash = {self.marker}", (_hash(token),))
        return row[0] if row else None

    def write(self, sql: str, args: tuple[Any, ...]) -> None:
        with self.connection() as conn:
            if self.sqlite:
                with self.lock:
                    conn.execute("BEGIN IMMEDIATE")
                    conn.execute(sql, args)
                    self.threadpool.apply(conn.execute, ("COMMIT",))
            else:
                conn.execute(sql, args)
                conn.commit()

    def counts(self) -> dict[str, int]:
        tokens, posts = self.read_one("SELECT (SELECT count(*) FROM ref_tokens), (SELECT count(*) FROM ref_posts)")
        return {"tokens": tokens, "posts": posts}

    def join(self, group_id: int) -> str:
        token = secrets.token_urlsafe(24)
        self.write(f"INSERT INTO ref_tokens (token_hash, group_id) VALUES ({self.marker}, {self.marker})", (_hash(token), group_id))
        return token

    def post(self, token: str, data: dict[str, Any]) -> int:
        n = next(self.ids)
        m = self.marker
        self.write(f"INSERT INTO ref_posts (id, token_hash, group_id, kind, text, created_at) VALUES ({m}, {m}, {m}, {m}, {m}, {m})",
                   (n, _hash(token), data["group_id"], data["kind"], data["text"], dt.datetime.now(dt.UTC).isoformat()))
        return n


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--store", default=None, help="a database URL: store tokens and posts (target fsiodb)")
    args = ap.parse_args()

    from gevent import monkey

    monkey.patch_all()

    from flask import Flask, request
    from flask_socketio import SocketIO, join_room

    app = Flask(__name__)
    socketio = SocketIO(app, async_mode="gevent", ping_interval=20, ping_timeout=20)
    ids = itertools.count(1)
    store = Store(args.store) if args.store else None

    @app.get("/healthz")
    def health():  # type: ignore[no-untyped-def]
        return {"ok": True, "stored": store.counts() if store else None}

    @app.post("/join")
    def join():  # type: ignore[no-untyped-def]
        if store is None:
            return {"token": secrets.token_urlsafe(24)}, 201
        return {"token": store.join(int(request.get_json()["group_id"]))}, 201

    @app.post("/post")
    def post():  # type: ignore[no-untyped-def]
        data = request.get_json()
        if store is None:
            n = next(ids)
        else:
            token = request.headers.get("Authorization", "").removeprefix("Bearer ")
            if store.group_of(token) is None:
                return {"error": "unauthorized"}, 401
            n = store.post(token, data)
        payload = {
            "id": n, "seq": n, "workshop_id": 1, "group_id": data["group_id"], "persona_id": 1, "kind": data["kind"],
            "text": data["text"], "author_name": None, "created_at": "2025-01-01T00:00:00Z", "edited": False, "deleted": False,
        }
        socketio.emit("contribution", payload, to=[f"g{data['group_id']}", "wall", "staff"])
        return payload, 201

    @socketio.on("connect")
    def connect(auth=None):  # type: ignore[no-untyped-def]
        if store is None or not isinstance(auth, dict) or "token" not in auth:
            return True  # the wall and the facilitators
        return store.group_of(str(auth["token"])) is not None

    @socketio.on("watch")
    def watch(data):  # type: ignore[no-untyped-def]
        role = data.get("role")
        join_room(f"g{data['group_id']}" if role == "participant" else role)
        return {"ok": True, "role": role, "seq": 0, "status": "open", "changes": [], "more": False}

    print(f"reference fsio listening on {args.port}" + (" (storing)" if store else ""), flush=True)
    socketio.run(app, host=args.host, port=args.port, log_output=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
