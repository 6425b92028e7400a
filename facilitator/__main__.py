"""Production entry point: ``python -m facilitator serve [--host H] [--port P] [--lan]``.

``--lan`` (a laptop at a venue): listen on the laptop's private address on the local network
(facilitator/lan.py, read from its own interfaces), put ``http://<address>:<port>`` into join links and QR
codes (``PV_PUBLIC_URL``) and allow cookies over plain HTTP (``PV_ALLOW_HTTP=1``).

Runs the app under gevent (see README, "Async mode"): monkey-patching has to happen before anything
else is imported, which is why this is not a ``flask`` sub-command.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys

# Garbage collection in a long-running server (docs/performance.md, "Fifth round: garbage-collection
# pauses"). Python's cycle collector scans every tracked object of a generation; a full collection at 1,000
# connected phones took 217-270 ms (up to 590 ms on a busy machine), during which nothing else runs (a post
# reached the wall that much later). What start-up built (modules, mappers, templates, translations) lives
# as long as the process, so ``serve`` freezes it out of the scans, and collects the youngest generation
# after 50,000 new container objects instead of 700: most objects are freed by reference counting anyway,
# and a workshop of 1,000 phones then triggers almost no collection at all. Cycles are still collected;
# the older generations keep their defaults.
GC_GEN0_THRESHOLD = 50_000


def tune_gc() -> None:
    """Freeze what start-up built and raise the youngest generation's threshold (see GC_GEN0_THRESHOLD)."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_GEN0_THRESHOLD, older, oldest)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m facilitator")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the server (gevent, one process)")
    serve.add_argument("--host", default=os.environ.get("PV_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    serve.add_argument("--threading", action="store_true", help="threading mode instead of gevent (debugging)")
    serve.add_argument(
        "--lan", action="store_true",
        help="serve phones on the local network: listen on this laptop's private address, put it into join "
        "links and QR codes, allow plain HTTP (replaces --host, PV_PUBLIC_URL and PV_ALLOW_HTTP)",
    )
    args = parser.parse_args(argv)

    if not args.threading:
        from gevent import (
            monkey,  # start-up: only `serve` under gevent patches, and before any other import
        )

        monkey.patch_all()
        os.environ.setdefault("PV_ASYNC_MODE", "gevent")
    else:
        os.environ.setdefault("PV_ASYNC_MODE", "threading")

    if args.lan:
        from facilitator import (
            lan,  # start-up: after the patch (it opens a socket to ask the interfaces)
        )

        address = lan.lan_address()
        if address is None:
            print(lan.NO_ADDRESS, file=sys.stderr)
            return 2
        args.host = address
        os.environ["PV_PUBLIC_URL"] = f"http://{address}:{args.port}"
        os.environ["PV_ALLOW_HTTP"] = "1"

    # A long-running server checkpoints SQLite's WAL in the background, not inside a post's commit.
    os.environ.setdefault("PV_SQLITE_CHECKPOINT_SECONDS", "1")

    # The app is imported only after gevent has patched ssl, sockets and threads (module docstring):
    from facilitator import db  # start-up: after the patch
    from facilitator.app import create_app  # start-up: after the patch
    from facilitator.extensions import socketio  # start-up: after the patch
    from facilitator.privacy.views import start_sweeper  # start-up: after the patch

    app = create_app()
    db.migrate(app)
    # Retention: delete workshops whose time is up, now and every RETENTION_SWEEP_SECONDS (docs/privacy.md).
    start_sweeper(app)
    db.start_checkpointer(app, socketio.start_background_task)
    if args.lan:
        print(f"Personaverkstad: phones join at http://{args.host}:{args.port}/join", flush=True)
    print(f"Personaverkstad listening on http://{args.host}:{args.port}/ ({app.config['SOCKETIO_ASYNC_MODE']})", flush=True)
    tune_gc()  # last before serving: everything above is start-up
    socketio.run(app, host=args.host, port=args.port, log_output=False, allow_unsafe_werkzeug=args.threading)
    return 0


if __name__ == "__main__":
    sys.exit(main())
