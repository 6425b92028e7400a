"""Socket.IO: authenticate on connect, subscribe with ``watch``, catch up from a sequence number.

Socket.IO only fans out; every write is an HTTP POST (realtime/publish.py emits what follows a write).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, request, session
from flask_login import current_user
from flask_socketio import ConnectionRefusedError as RefusedConnection
from flask_socketio import join_room, leave_room
from socketio import packet as sio_packet

from facilitator import ratelimit
from facilitator.db import get_db
from facilitator.errors import WebError, ack_error, message_for
from facilitator.extensions import socketio
from facilitator.realtime.publish import (
    all_room,
    group_room,
    phones_room,
    resync_everywhere,
    resync_here,
    staff_room,
    wall_room,
)
from facilitator.realtime.queue import ResyncingRedisManager
from facilitator.rounds.presenters import live_for
from sessions.accounts import service as accounts
from sessions.accounts.models import User
from sessions.contributions.models import Participant
from sessions.contributions.service import changes_since, participant_by_token
from sessions.contributions.service import last_seq as workshop_last_seq
from sessions.core.base import utcnow
from sessions.core.errors import DomainError, NotFound, ValidationFailed
from sessions.core.validation import MAX_ID
from sessions.report.service import workshop_for_share_token
from sessions.rounds import service as rounds
from sessions.rounds.voting import is_workshop_wide
from sessions.workshops.service import (
    get_workshop,
    is_facilitator,
    workshop_by_wall_token,
)

log = logging.getLogger(__name__)
IDENTITY_KEY = "pv.identity"
ROOMS_KEY = "pv.rooms"  # the rooms this connection was put in by ``watch``

# name -> (sender, what follows); docs/api.md's event table is checked against this by a test.
CLIENT_EVENTS: dict[str, str] = {
    "watch": "any authenticated client; ack carries the missed changes, then live events follow",
}


def init_app(app: Flask) -> None:
    options: dict[str, Any] = {
        "max_http_buffer_size": app.config["SOCKETIO_MAX_MESSAGE"],
        "manage_session": True,
        # Same origin only (never "*"): see same_origin_check.
        "cors_allowed_origins": same_origin_check(app.config.get("PUBLIC_URL"), bool(app.config.get("TRUST_PROXY"))),
        "ping_interval": 20,
        "ping_timeout": 20,
    }
    if app.config.get("SOCKETIO_ASYNC_MODE"):
        options["async_mode"] = app.config["SOCKETIO_ASYNC_MODE"]
    if app.config.get("REDIS_URL"):
        # Several processes: Redis pub/sub carries the emits; clients resync after a gap (messagequeue.py).
        options["client_manager"] = ResyncingRedisManager(
            app.config["REDIS_URL"],
            channel="personaverkstad",
            on_subscribed=resync_here,
            on_publish_recovered=resync_everywhere,
        )
    socketio.init_app(app, **options)
    _limit_websocket_messages(app.config["SOCKETIO_MAX_MESSAGE"])
    _close_on_malformed_packets()


def _origin(scheme: str, host: str) -> str:
    scheme, host = scheme.strip().lower(), host.strip().lower()
    default = {"http": ":80", "https": ":443"}.get(scheme)
    if default and host.endswith(default):
        host = host[: -len(default)]
    return f"{scheme}://{host}"


def same_origin_check(public_url: str | None, trust_proxy: bool) -> Callable[[str | None, dict[str, Any]], bool]:
    """engine.io's origin check: a browser page may open a socket only from this server's own origin.

    Own means the origin the request was made to (``Host`` and the scheme; behind a proxy that
    ``PV_TRUST_PROXY`` trusts, the last ``X-Forwarded-Proto``/``-Host`` value, as ProxyFix reads them) or
    ``PV_PUBLIC_URL``'s origin. engine.io's default trusts ``X-Forwarded-*`` from any client, so a
    client could name its own origin as ours; here those headers count only behind a trusted proxy.
    engine.io refuses a request whose ``Origin`` fails with 400 (the handshake, every later poll, and
    the WebSocket upgrade); a request without ``Origin`` does not come from a browser page and goes on
    to the credential check (tests/web/test_socket_origin.py).
    """
    public = None
    if public_url:
        parts = urlsplit(public_url)
        public = _origin(parts.scheme, parts.netloc)

    def allowed(origin: str | None, environ: dict[str, Any]) -> bool:
        if not origin:
            return False
        scheme, host = environ.get("wsgi.url_scheme", "http"), environ.get("HTTP_HOST", "")
        if trust_proxy:
            scheme = (environ.get("HTTP_X_FORWARDED_PROTO") or scheme).split(",")[-1]
            host = (environ.get("HTTP_X_FORWARDED_HOST") or host).split(",")[-1]
        parts = urlsplit(origin)
        if not parts.scheme or not parts.netloc or origin.rstrip("/") != f"{parts.scheme}://{parts.netloc}":
            return False
        theirs = _origin(parts.scheme, parts.netloc)
        return (bool(host) and theirs == _origin(scheme, host)) or theirs == public

    return allowed


def _close_on_malformed_packets() -> None:
    """A malformed Socket.IO packet closes its connection, with one line in the log.

    python-socketio raises while handling such a packet (broken JSON, nesting deeper than the recursion
    limit, an event without a name) and engine.io logs each with a full traceback: about 1.3 KB of log
    for a two-byte frame, as often as a client cares to send one. No Socket.IO client sends them, so the
    connection is closed instead. Valid packets go on to python-socketio unchanged (decoded twice: they
    are a few hundred bytes at most).
    """
    server = socketio.server
    handle = server._handle_eio_message  # noqa: SLF001 - engine.io's "message" handler, wrapped below

    def checked(eio_sid: str, data: Any) -> Any:
        if isinstance(data, str) and eio_sid not in server._binary_packet:  # noqa: SLF001
            try:
                pkt = server.packet_class(encoded_packet=data)
                ok = pkt.packet_type != sio_packet.EVENT or (
                    isinstance(pkt.data, list) and bool(pkt.data) and isinstance(pkt.data[0], str)
                )
            except Exception:  # noqa: BLE001 - whatever the decoder raises, the packet is malformed
                ok = False
            if not ok:
                log.warning("malformed Socket.IO packet (%d characters); closing the connection", len(data))
                server.eio.disconnect(eio_sid)
                return None
        return handle(eio_sid, data)

    server.eio.on("message", checked)


def _limit_websocket_messages(limit: int) -> None:
    """Refuse an oversized WebSocket message while it streams in, instead of after buffering it whole.

    ``max_http_buffer_size`` is only checked once python-engineio has the complete message; with the
    simple-websocket transport (threading and gevent modes) a 64 MB frame would sit in memory first.
    simple-websocket can stop at ``max_message_size`` as the bytes arrive, but engine.io never passes it,
    so the transport class is wrapped here. Closing code 1009 (message too big) ends the connection.
    """
    eio = socketio.server.eio
    base = eio._async.get("websocket")  # noqa: SLF001 - no public hook for transport options
    if base is None or getattr(base, "_pv_limited", False):
        return

    class LimitedWebSocket(base):  # type: ignore[misc, valid-type]
        _pv_limited = True

        def __init__(self, handler: Any, server: Any, **kwargs: Any) -> None:
            super().__init__(handler, server, **kwargs)
            # A little headroom for the engine.io/socket.io framing around the payload.
            self.server_args["max_message_size"] = limit + 1024

    eio._async = {**eio._async, "websocket": LimitedWebSocket}  # noqa: SLF001


def _opened(find: Callable[[Any, str], Any], token: object) -> int | None:
    """The id of the workshop a wall or share-link token opens, or ``None``."""
    if not isinstance(token, str):
        return None
    try:
        return int(find(get_db(), token).id)
    except DomainError:
        return None


def _identity_from_connect(auth: Any) -> dict[str, Any]:
    """Resolve every credential the client offers. Saved in the Socket.IO session (not flask.session)."""
    ident: dict[str, Any] = {"user_id": None, "participants": {}, "wall": None, "report": None}
    db = get_db()
    if isinstance(auth, dict):
        token = auth.get("token")
        if isinstance(token, str):
            # A phone's token first: phones are nearly every connection (a join burst is hundreds of them),
            # and both kinds of token are 32 random bytes, so the order changes nothing but the cost.
            p = participant_by_token(db, token)
            if p is not None:
                ident["participants"][p.workshop_id] = p.id
            else:
                user = accounts.user_by_api_token(db, token)
                if user is not None:
                    ident["user_id"] = user.id
        # A wall's token, and a report share link's token (unknown, revoked or expired ones give nothing).
        ident["wall"] = _opened(workshop_by_wall_token, auth.get("wall"))
        ident["report"] = _opened(workshop_for_share_token, auth.get("report"))
    if ident["user_id"] is None and current_user.is_authenticated:
        ident["user_id"] = current_user.user.id
    tokens = session.get("pt") or {}
    if isinstance(tokens, dict):
        for ws_id, tok in tokens.items():
            p = participant_by_token(db, tok)
            if p is not None and str(p.workshop_id) == ws_id:
                ident["participants"].setdefault(p.workshop_id, p.id)
    return ident


@socketio.on("connect")
def on_connect(auth: Any = None) -> bool:
    """Sent by every client when it (re)connects. Refused without a valid credential."""
    ident = _identity_from_connect(auth)
    if ident["user_id"] is None and not ident["participants"] and ident["wall"] is None and ident["report"] is None:
        return False
    # Per-connection state lives in this connection's WSGI environ (not flask.session, not a module dict).
    request.environ[IDENTITY_KEY] = ident
    return True


@socketio.on_error_default
def on_unexpected_error(err: Exception) -> Any:
    """An exception no handler expected (the database gone for a moment, a bug): logged with its traceback,
    and answered like the API's 500 -- ``server_error`` in the ack, which live.js retries -- rather than no
    ack at all, which would leave a phone waiting for a catch-up that never comes. A failed ``connect`` is
    refused with ``data: {"code": "server_error"}``: unanswered, a browser would wait for its namespace for
    good, and socket.io-client does not retry a refusal by itself, so the pages ask again when the code says
    it may pass (pv.js, ``keepTrying``); a refused credential carries no code."""
    event = getattr(request, "event", None) or {}
    log.error("socket event %r failed", event.get("message"), exc_info=err)
    if event.get("message") == "connect":
        raise RefusedConnection(message_for("server_error"), {"code": "server_error"})
    return ack_error(WebError("server_error", 500))


CATCH_UP_PAGE = 2000


@socketio.on("watch")
def on_watch(data: Any = None) -> dict[str, Any]:
    """Sent by a phone, wall or dashboard: ``{"workshop_id", "since"}``.

    Joins the rooms this client may see and acks ``{"ok", "role", "seq", "status", "changes", "more", "live"}``
    with the changes after ``since`` that the client may see (a phone: its group's only, unless all tables
    vote on all contributions). ``live`` is the room's state now: the round with its deadline and the
    server's clock, and for the role what it needs (wall view, tallies, the phone's dots). Live events
    follow. When ``more`` is true the client sends ``watch`` again with ``since`` = the ack's ``seq``.

    Order matters: the rooms are joined *before* the database is read, and ``seq`` is read before the
    changes, so a contribution committed meanwhile arrives live, in ``changes``, or both (clients
    deduplicate by id) -- never neither.
    """
    try:
        if not ratelimit.allow("watch", request.sid):
            raise WebError("rate_limited", 429)
        if not isinstance(data, dict):
            raise WebError("bad_json", 400)
        ws_id = data.get("workshop_id")
        since = data.get("since", 0)
        if not isinstance(ws_id, int) or isinstance(ws_id, bool):
            raise ValidationFailed("workshop_id", "not_a_number")
        if not isinstance(since, int) or isinstance(since, bool) or not 0 <= since <= MAX_ID:
            raise ValidationFailed("since", "bad_since")
        ident = request.environ.get(IDENTITY_KEY) or {}
        db = get_db()
        ws = get_workshop(db, ws_id)
        rooms, participant, role = _rooms_for(db, ident, ws)
    except (DomainError, WebError) as err:
        return ack_error(err)
    # The rooms this connection joined are kept in its environ: asking the manager (flask_socketio.rooms)
    # scans every room on the server, one per connected client, so a join burst of N phones was O(N²).
    prefix = f"w{ws.id}:"
    joined: set[str] = request.environ.setdefault(ROOMS_KEY, set())
    for room in [r for r in joined if r.startswith(prefix) and r not in rooms]:
        leave_room(room)
        joined.discard(room)
    for room in rooms:
        if room not in joined:
            join_room(room)
            joined.add(room)
    # The rounds are read once, after the rooms are joined (a round started meanwhile arrives live, here, or
    # both), for the phone's scope, the round snapshot and the phone's dots.
    now = utcnow()
    plan = rounds.plan(db, ws.id)
    group_id = None
    if participant is not None and not is_workshop_wide(rounds.live_round(plan, now)):
        # While all tables vote on all contributions a phone sees (and catches up on) every table's.
        group_id = participant.group_id
    try:
        seq = workshop_last_seq(db, ws.id)
        changes = changes_since(db, ws.id, since, group_id=group_id, limit=CATCH_UP_PAGE)
    except DomainError as err:
        return ack_error(err)
    more = len(changes) == CATCH_UP_PAGE
    if more:
        seq = changes[-1].seq
    else:
        seq = max([seq, *(c.seq for c in changes)])
    staff = role == "facilitator"
    return {
        "ok": True,
        "role": role,
        "seq": seq,
        "status": ws.status.value,
        "changes": [c.as_event(staff=staff) for c in changes],
        "more": more,
        # A fresh clock for the snapshot's server_now (clients correct their skew with it); the plan as read.
        "live": live_for(db, ws, role, participant, utcnow(), plan),
    }


def _rooms_for(db: Any, ident: dict[str, Any], ws: Any) -> tuple[list[str], Participant | None, str]:
    """The rooms this connection may join for ``ws``, the phone's participant (None for the others) and the
    role; refused as not found when it may see nothing of it."""
    if ident.get("user_id") is not None:
        user = db.get(User, ident["user_id"])
        if is_facilitator(db, ws, user):
            return [staff_room(ws.id), all_room(ws.id)], None, "facilitator"
    if ident.get("wall") == ws.id:
        return [wall_room(ws.id), all_room(ws.id)], None, "wall"
    if ident.get("report") == ws.id:
        # A report page opened with a share link sees what the wall sees, and refreshes itself from it.
        return [wall_room(ws.id), all_room(ws.id)], None, "report"
    pid = ident.get("participants", {}).get(ws.id)
    if pid is not None:
        p = db.get(Participant, pid)
        if p is not None and p.group_id is not None:
            return [group_room(ws.id, p.group_id), phones_room(ws.id), all_room(ws.id)], p, "participant"
        if p is not None:
            raise WebError("no_group", 409)
    # Do not confirm that a workshop the client may not see exists.
    raise NotFound("no such workshop")
