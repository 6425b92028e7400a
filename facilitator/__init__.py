"""Personaverkstad web layer.

Kept free of imports on purpose: ``python -m facilitator serve`` must monkey-patch gevent before
anything imports ssl, sockets or threads. ``flask --app facilitator`` finds :func:`create_app` here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    # start-up: the app imports ssl, sockets and threads, which `serve` must monkey-patch first (see above)
    from facilitator.app import create_app as _create_app

    return _create_app(test_config)


def __getattr__(name: str) -> Any:
    if name == "socketio":
        # start-up: as in create_app, nothing that opens sockets before `serve` has patched them
        from facilitator.extensions import socketio

        return socketio
    raise AttributeError(name)
