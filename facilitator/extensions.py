"""Extensions created unbound; each is bound to the app by its module's ``init_app`` (see app.py)."""

from __future__ import annotations

from flask_socketio import SocketIO

# Bound in facilitator/realtime/sockets.py (options, message queue) and emitted on only by realtime/publish.py.
socketio = SocketIO()
