"""Light benchmark clients on aiohttp WebSockets: the same transport for every server under test.

``SioClient`` speaks just enough Engine.IO 4 / Socket.IO 5 over a WebSocket (open, connect with an auth
object, events, acks, ping/pong) for bench/load.py. It costs the benchmark process far less per
connection than python-socketio's ``AsyncClient``, so 1,000 of them fit on one core next to the server.
``RawClient`` speaks the JSON frames of bench/ref_websockets.py over the same kind of connection.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

import aiohttp

Handler = Callable[[str, Any, float], None]


class ConnectRefused(Exception):
    pass


class SioClient:
    """One Socket.IO connection (WebSocket transport only, default namespace)."""

    def __init__(self, on_event: Handler) -> None:
        self.on_event = on_event
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self._acks: dict[int, asyncio.Future[Any]] = {}
        self._ids = itertools.count(1)
        self._reader: asyncio.Task[None] | None = None

    async def connect(self, http: aiohttp.ClientSession, base: str, auth: dict[str, Any], timeout: float = 30) -> None:
        url = base.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        self.ws = await http.ws_connect(url, autoping=True, timeout=aiohttp.ClientWSTimeout(ws_close=5), max_msg_size=0)
        opened = await self.ws.receive(timeout=timeout)
        if not isinstance(opened.data, str) or not opened.data.startswith("0"):
            raise ConnectRefused(f"no engine.io open packet: {opened.data!r}")
        await self.ws.send_str("40" + json.dumps(auth))
        while True:
            msg = await self.ws.receive(timeout=timeout)
            if not isinstance(msg.data, str):
                raise ConnectRefused(f"closed during connect: {msg.type}")
            if msg.data == "2":
                await self.ws.send_str("3")
                continue
            if msg.data.startswith("40"):
                break
            raise ConnectRefused(msg.data)
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.ws is not None
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            data: str = msg.data
            now = time.monotonic()
            if data == "2":
                await self.ws.send_str("3")
            elif data.startswith("42"):
                event, *args = json.loads(data[2:])
                self.on_event(event, args[0] if args else None, now)
            elif data.startswith("43"):
                i = 2
                while data[i].isdigit():
                    i += 1
                fut = self._acks.pop(int(data[2:i]), None)
                if fut is not None and not fut.done():
                    payload = json.loads(data[i:])
                    fut.set_result(payload[0] if payload else None)
        for fut in self._acks.values():
            if not fut.done():
                fut.set_exception(ConnectionError("closed"))

    async def call(self, event: str, data: Any, timeout: float = 30) -> Any:
        assert self.ws is not None
        n = next(self._ids)
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._acks[n] = fut
        await self.ws.send_str(f"42{n}" + json.dumps([event, data]))
        return await asyncio.wait_for(fut, timeout)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)


class RawClient:
    """One connection to bench/ref_websockets.py: JSON frames ``{"t": ...}``."""

    def __init__(self, on_event: Handler) -> None:
        self.on_event = on_event
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self._acks: asyncio.Queue[Any] = asyncio.Queue()
        self._reader: asyncio.Task[None] | None = None

    async def connect(self, http: aiohttp.ClientSession, base: str, auth: dict[str, Any], timeout: float = 30) -> None:
        self.ws = await http.ws_connect(base.replace("http", "ws", 1) + "/", timeout=aiohttp.ClientWSTimeout(ws_close=5), max_msg_size=0)
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.ws is not None
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            now = time.monotonic()
            data = json.loads(msg.data)
            if data["t"] == "ack":
                self._acks.put_nowait(data)
            else:
                self.on_event(data["t"], data["d"], now)

    async def call(self, event: str, data: dict[str, Any], timeout: float = 30) -> Any:
        assert self.ws is not None
        await self.ws.send_str(json.dumps({"t": event, **data}))
        return await asyncio.wait_for(self._acks.get(), timeout)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
