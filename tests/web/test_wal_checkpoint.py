"""SQLite's WAL is checkpointed by the server in the background, not inside a post's commit
(sessions/core/store.py ``checkpoint``, facilitator/db.py ``start_checkpointer``).

A commit that crossed SQLite's 1,000-page mark used to copy the WAL into the database file and fsync it
while holding the process's writer lock, so every post behind it waited (bench/load.py's post-to-wall tail
after a join burst). With ``SQLITE_CHECKPOINT_SECONDS`` set, the app's connections never checkpoint on
their own, and a background task does it passively; without it (the default outside ``serve``), SQLite's
own checkpoints stay on.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from helpers import join_participant, wait_until

from facilitator import db as web_db
from sessions.core import store


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config["SQLITE_CHECKPOINT_SECONDS"] = 0.05
    return app_config


def autocheckpoint(app: Any) -> int:
    with app.extensions["pv_engine"].connect() as conn:
        return int(conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one())


def test_the_background_checkpoint_takes_over_from_sqlites_own(app: Any, app_db: Any, workshop: Any) -> None:
    engine = app.extensions["pv_engine"]
    if engine.dialect.name != "sqlite":
        assert store.checkpoint(engine) is None and web_db.start_checkpointer(app, lambda f: None) is None
        return
    assert autocheckpoint(app) == 0  # the app's connections leave it to the checkpointer
    for _ in range(30):
        join_participant(app_db, workshop)  # writes that land in the WAL
    app_db.close()
    busy, frames, done = store.checkpoint(engine)
    assert busy == 0 and frames > 0 and done == frames  # every frame copied, no writer lock needed
    started: list[threading.Thread] = []

    def start(fn: Any) -> None:
        t = threading.Thread(target=fn, daemon=True)
        started.append(t)
        t.start()

    checkpointer = web_db.start_checkpointer(app, start)
    assert checkpointer is not None and len(started) == 1
    try:
        wait_until(lambda: checkpointer.runs >= 2, "two background checkpoints", timeout=10)
    finally:
        checkpointer.stop()
        started[0].join(timeout=5)
    assert not started[0].is_alive()


def test_without_the_setting_sqlite_checkpoints_on_its_own(app_config: dict[str, Any], clean_env: None) -> None:
    from facilitator import create_app

    app_config["SQLITE_CHECKPOINT_SECONDS"] = 0
    app = create_app(app_config)
    if app.extensions["pv_engine"].dialect.name != "sqlite":
        pytest.skip("SQLite only")  # the other half of the first test covers PostgreSQL
    assert autocheckpoint(app) == 1000  # SQLite's default
    assert web_db.start_checkpointer(app, lambda f: None) is None
    app.extensions["pv_engine"].dispose()
