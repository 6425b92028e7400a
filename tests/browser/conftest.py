"""Fixtures of the browser tests: the real server (``python -m facilitator serve``, gevent, as in
production) with its own database and a facilitator, a test's pages, and a signed-in facilitator's cookies.
The helpers and steps are in tests/browsing.py; ``browser`` (headless Chromium) is in tests/conftest.py.

The server runs on a free port with its own database: a temporary SQLite file, or, when ``DATABASE_URL``
points to PostgreSQL, a separate database ``pv_e2e_<that database>`` (dropped and created here) so it never
touches the database the other tests truncate. ``PV_ALLOW_HTTP`` is unset, so cookies are ``Secure``;
Chromium accepts those on ``http://localhost`` (a potentially trustworthy origin), which the tests rely on.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api")
from browsing import FACILITATOR, TIMEOUT, Pages, Server, login, pg_database  # noqa: E402
from helpers import ROOT, ServerProcess  # noqa: E402
from playwright.sync_api import Browser  # noqa: E402


def print_uncaptured(config: pytest.Config, text: str) -> None:
    capman = config.pluginmanager.getplugin("capturemanager")
    if capman is None:
        print(text, file=sys.stderr)
        return
    with capman.global_and_fixture_disabled():
        print(text, file=sys.stderr, flush=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Server]:
    """The real server on a free port with its own database, and a facilitator made with the CLI."""
    tmp = tmp_path_factory.mktemp("e2e-server")
    drop_db = None
    outer_url = os.environ.get("DATABASE_URL") or ""
    if outer_url.startswith("postgresql"):
        database_url, drop_db = pg_database(outer_url)
    else:
        database_url = f"sqlite:///{tmp / 'e2e.sqlite'}"
    proc = ServerProcess(database_url, tmp, host="localhost")
    srv = Server(base=proc.base, port=proc.port, env=proc.env, log_path=proc.log_path, password=secrets.token_urlsafe(12))
    failed_before = request.session.testsfailed
    try:
        proc.start()
        created = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "facilitator", "users", "create", srv.email, "--password", srv.password],
            cwd=ROOT,
            env=proc.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert created.returncode == 0, f"users create failed:\n{created.stdout}\n{created.stderr}"
        yield srv
    finally:
        proc.stop()
        if request.session.testsfailed > failed_before:
            print_uncaptured(request.config, f"\n===== server log ({srv.base}) =====\n{srv.log()}\n===== end of server log =====")
        if drop_db is not None:
            drop_db()


@pytest.fixture
def pages(browser: Browser) -> Iterator[Pages]:
    p = Pages(browser)
    yield p
    p.close()


@pytest.fixture(scope="module")
def facilitator_state(browser: Browser, server: Server) -> dict[str, Any]:
    """Cookies of a signed-in facilitator (for tests that are not about signing in)."""
    ctx = browser.new_context(viewport=FACILITATOR)
    ctx.set_default_timeout(TIMEOUT)
    try:
        login(ctx.new_page(), server)
        return ctx.storage_state()
    finally:
        ctx.close()
