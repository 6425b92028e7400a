"""Reference server for bench/load.py: bare Flask-SocketIO under gevent, no database, no validation, no templates.

It delivers the same messages to the same clients as Personaverkstad does: a join is an HTTP POST that
hands out a token, a client connects and sends ``watch`` to join its rooms (group, wall or staff), and a
post is an HTTP POST that emits one ``contribution`` event to the group's room, the wall and the staff.

    python bench/ref_fsio.py --port 5101
"""

from __future__ import annotations

import argparse
import itertools
import secrets
import sys


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    args = ap.parse_args()

    from gevent import monkey

    monkey.patch_all()

    from flask import Flask, request
    from flask_socketio import SocketIO, join_room

    app = Flask(__name__)
    socketio = SocketIO(app, async_mode="gevent", ping_interval=20, ping_timeout=20)
    ids = itertools.count(1)

    @app.get("/healthz")
    def health():  # type: ignore[no-untyped-def]
        return {"ok": True}

    @app.post("/join")
    def join():  # type: ignore[no-untyped-def]
        return {"token": secrets.token_urlsafe(24)}, 201

    @app.post("/post")
    def post():  # type: ignore[no-untyped-def]
        data = request.get_json()
        n = next(ids)
        payload = {
            "id": n, "seq": n, "workshop_id": 1, "group_id": data["group_id"], "persona_id": 1, "kind": data["kind"],
            "text": data["text"], "author_name": None, "created_at": "2025-01-01T00:00:00Z", "edited": False, "deleted": False,
        }
        socketio.emit("contribution", payload, to=[f"g{data['group_id']}", "wall", "staff"])
        return payload, 201

    @socketio.on("connect")
    def connect(auth=None):  # type: ignore[no-untyped-def]
        return True

    @socketio.on("watch")
    def watch(data):  # type: ignore[no-untyped-def]
        role = data.get("role")
        join_room(f"g{data['group_id']}" if role == "participant" else role)
        return {"ok": True, "role": role, "seq": 0, "status": "open", "changes": [], "more": False}

    print(f"reference fsio listening on {args.port}", flush=True)
    socketio.run(app, host=args.host, port=args.port, log_output=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
