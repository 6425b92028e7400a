"""Reference server for bench/load.py: a raw ``websockets`` (asyncio) server, the floor of what Python can do.

No Socket.IO, no HTTP join, no database: a client connects, sends ``{"t": "watch", "role", "group_id"}``
and is added to a set; a poster sends ``{"t": "post", ...}`` over its own connection and the server
delivers the same ``contribution`` payload to the group's set, the walls and the staff with
``websockets.broadcast`` (compression off), then answers the poster ``{"t": "ack", "key"}``.

    python bench/ref_websockets.py --port 5102
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
from collections import defaultdict

from websockets.asyncio.server import ServerConnection, broadcast, serve


async def main_async(host: str, port: int) -> None:
    rooms: dict[str, set[ServerConnection]] = defaultdict(set)
    ids = itertools.count(1)

    async def handler(ws: ServerConnection) -> None:
        mine: list[str] = []
        try:
            async for raw in ws:
                msg = json.loads(raw)
                if msg["t"] == "watch":
                    room = f"g{msg['group_id']}" if msg["role"] == "participant" else msg["role"]
                    rooms[room].add(ws)
                    mine.append(room)
                    await ws.send(json.dumps({"t": "ack", "ok": True}))
                elif msg["t"] == "post":
                    n = next(ids)
                    payload = {
                        "id": n, "seq": n, "workshop_id": 1, "group_id": msg["group_id"], "persona_id": 1, "kind": msg["kind"],
                        "text": msg["text"], "author_name": None, "created_at": "2025-01-01T00:00:00Z", "edited": False,
                        "deleted": False,
                    }
                    frame = json.dumps({"t": "contribution", "d": payload})
                    broadcast(rooms[f"g{msg['group_id']}"] | rooms["wall"] | rooms["staff"], frame)
                    await ws.send(json.dumps({"t": "ack", "ok": True}))
        finally:
            for room in mine:
                rooms[room].discard(ws)

    async with serve(handler, host, port, compression=None, max_queue=64, ping_interval=20, ping_timeout=20):
        print(f"reference websockets listening on {port}", flush=True)
        await asyncio.get_running_loop().create_future()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    args = ap.parse_args()
    asyncio.run(main_async(args.host, args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
