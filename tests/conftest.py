"""Fixtures shared by the test levels (tests/domain, tests/web, tests/browser, tests/load): a migrated
database per test, the Flask app, clients, Flask-SocketIO test clients (``sio``) and headless Chromium
(``browser``). Fixtures of one level only live in that level's conftest.py; plain helpers in tests/helpers.py.

Database
--------
SQLite by default: the Alembic migrations run once per test session into a template file, which is
copied for every test (a fresh, fully migrated database in ``tmp_path`` in about a millisecond).

When ``DATABASE_URL`` is set (CI: ``postgresql+psycopg://postgres@127.0.0.1:5432/test``) the suite runs
against PostgreSQL: once per session schema ``public`` is dropped and recreated and the migrations run;
before every test all tables except ``alembic_version`` are truncated (``RESTART IDENTITY CASCADE``).
That wipes the database, so the suite refuses a database whose name does not contain "test".
Two runs against the same PostgreSQL database at the same time would disturb each other.

The schema always comes from the Alembic migrations, never from ``metadata.create_all``.

CSRF
----
CSRF protection stays ON. Werkzeug's test client sends ``Secure`` cookies over plain http (it does not
check the scheme), so the production cookie settings are kept as they are. ``csrf_token(client)`` puts a
raw token into the client's session cookie (``session_transaction``) and signs it with the real
``flask_wtf.csrf.generate_csrf()`` in a request context of the same app, which is exactly what a rendered
form would contain. It works before any template exists. ``post_form``/``post_json`` send it along.
These helpers and the factories (``make_user``, ``make_workshop``, ``join_participant``) live in
tests/helpers.py so that test modules can import them.

Flask is imported lazily inside the fixtures, so the domain tests (tests/domain/test_domain.py) run without it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import ROOT, login, make_user, make_workshop
from sqlalchemy import inspect, text
from sqlalchemy.pool import NullPool

import sessions.models  # noqa: F401  every feature's tables (relationships named by string resolve)
from sessions.core import store
from sessions.personas.library import load_library

PERSONA_DIR = ROOT / "personas"
PG_URL = os.environ.get("DATABASE_URL") or None
CHROMIUM = os.environ.get("PV_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SECRET_KEY = "test-secret-key-not-for-production-0123456789"


# -- database --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _db_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Any]:
    """Migrate once per test session: a template SQLite file, or a fresh PostgreSQL schema."""
    if PG_URL:
        from sqlalchemy import create_engine, make_url

        name = make_url(PG_URL).database or ""
        if "test" not in name.lower():
            pytest.exit(f"DATABASE_URL names database {name!r}; the tests wipe it, so its name must contain 'test'", 2)
        admin = create_engine(PG_URL, poolclass=NullPool)
        with admin.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine = store.make_engine(PG_URL)
        store.upgrade(engine)
        engine.dispose()
        tables = [t for t in inspect(admin).get_table_names() if t != "alembic_version"]
        assert tables, "the migrations created no tables"
        with admin.connect() as conn:
            sequences = conn.execute(
                text("SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = 'public'")
            ).scalars().all()
        # Emptying each test's database: DELETE with the foreign-key triggers off, and every id sequence back
        # to 1 (what TRUNCATE … RESTART IDENTITY did). TRUNCATE of the ~35 tables took ~80 ms a test (it makes
        # new files for each table); this takes ~15 ms, about 2 minutes of the PostgreSQL pass.
        wipe = "SET LOCAL session_replication_role = replica; " + " ".join(f'DELETE FROM "{t}";' for t in tables)
        wipe += " " + " ".join(f'ALTER SEQUENCE "{q}" RESTART;' for q in sequences)
        return "postgresql", (admin, wipe)
    path = tmp_path_factory.mktemp("db-template") / "template.sqlite"
    engine = store.make_engine(f"sqlite:///{path}")
    store.upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return "sqlite", path


@pytest.fixture
def database_url(_db_template: tuple[str, Any], tmp_path: Path) -> str:
    """A URL to a migrated, empty database for this test."""
    kind, where = _db_template
    if kind == "postgresql":
        admin, wipe = where
        with admin.begin() as conn:
            conn.exec_driver_sql(wipe)
        assert PG_URL is not None
        return PG_URL
    dest = tmp_path / "pv.sqlite"
    shutil.copyfile(where, dest)
    return f"sqlite:///{dest}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Any]:
    eng = store.make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def db(engine: Any) -> Iterator[Any]:
    """A plain SQLAlchemy session on the migrated test database (no Flask)."""
    session = store.make_session_factory(engine)()
    yield session
    session.close()


@pytest.fixture(scope="session", autouse=True)
def _compiled_catalogues() -> None:
    """Compile facilitator/translations/*/messages.po to .mo (gitignored) when missing or older, so every
    test module sees the app speak bokmål whatever order the modules run in."""
    translations = ROOT / "facilitator" / "translations"
    for po in sorted(translations.glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        import tempfile

        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        with po.open("rb") as f:
            catalog = read_po(f)
        fd, tmp = tempfile.mkstemp(dir=po.parent, suffix=".mo.tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                write_mo(f, catalog)
            os.replace(tmp, mo)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """scrypt costs ~80 ms per hash; tests create many accounts. Checking a password is unchanged
    (``check_password_hash`` reads the method from the stored hash)."""
    from functools import partial

    from werkzeug.security import generate_password_hash

    from sessions.accounts import service as accounts

    monkeypatch.setattr(accounts, "generate_password_hash", partial(generate_password_hash, method="pbkdf2:sha256:1000"))


@pytest.fixture(scope="session")
def persona_library() -> dict[str, Any]:
    specs, errors = load_library(PERSONA_DIR)
    assert not errors, errors
    return specs


# -- the Flask app ---------------------------------------------------------------------------


@pytest.fixture
def app_config(database_url: str) -> dict[str, Any]:
    """The test configuration; tests may change it before ``app`` is requested."""
    return {
        "TESTING": True,
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": database_url,
        "SOCKETIO_ASYNC_MODE": "threading",
        "PERSONA_DIR": str(PERSONA_DIR),
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URL": "memory://",
        "PUBLIC_URL": None,
    }


# Environment variables that config.load reads; cleared so a developer's shell cannot change the tests.
PV_ENV = (
    "PV_ALLOW_HTTP",
    "PV_TRUST_PROXY",
    "PV_PUBLIC_URL",
    "PV_PERSONA_DIR",
    "PV_SECRET_KEY",
    "PV_ASYNC_MODE",
    "PV_RATELIMIT_DISABLED",
    "PV_SQLITE_SYNCHRONOUS",
    "PV_SQLITE_CHECKPOINT_SECONDS",
    "REDIS_URL",
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PV_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def app(app_config: dict[str, Any], clean_env: None) -> Iterator[Any]:
    from facilitator import create_app, ratelimit

    application = create_app(app_config)
    with application.app_context():
        ratelimit.reset()
    yield application
    with application.app_context():
        ratelimit.reset()
    application.extensions["pv_engine"].dispose()


@pytest.fixture
def app_db(app: Any) -> Iterator[Any]:
    """A SQLAlchemy session on the app's database, for arranging data and checking what was stored."""
    session = app.extensions["pv_sessionmaker"]()
    yield session
    session.close()


@pytest.fixture
def library(app: Any) -> dict[str, Any]:
    """The persona library as the app loaded it."""
    return app.extensions["pv_personas"]


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def make_client(app: Any) -> Callable[[], Any]:
    """More browsers (each with its own cookies)."""
    return app.test_client


@pytest.fixture
def facilitator(app: Any, app_db: Any) -> Any:
    """A facilitator account (``.email``, ``.id``); password is ``PASSWORD``."""
    return make_user(app_db, "anne.fasilitator@kommune.no")


@pytest.fixture
def api_token(app_db: Any, facilitator: Any) -> str:
    from sessions.accounts.service import issue_api_token

    return issue_api_token(app_db, facilitator)


@pytest.fixture
def logged_in(client: Any, facilitator: Any) -> Any:
    """The client, signed in as ``facilitator``."""
    resp = login(client, facilitator.email)
    assert resp.status_code == 302, resp.status_code
    return client


@pytest.fixture
def workshop(app_db: Any, facilitator: Any, library: dict[str, Any]) -> Any:
    """An open, library-based workshop with three groups, owned by ``facilitator``."""
    return make_workshop(app_db, facilitator, library, n_groups=3)


@pytest.fixture
def sio(app: Any):  # type: ignore[no-untyped-def]
    """``sio(flask_client=None, auth=None)`` -> a connected (or refused) Flask-SocketIO test client; every
    one still connected is disconnected afterwards."""
    from facilitator.extensions import socketio

    made: list[Any] = []

    def connect(flask_client: Any = None, auth: dict[str, Any] | None = None) -> Any:
        c = socketio.test_client(app, flask_test_client=flask_client, auth=auth)
        made.append(c)
        return c

    yield connect
    for c in made:
        if c.is_connected():
            c.disconnect()


# -- a real browser (tests/browser, and the phone of tests/load/test_fault_proxy.py) -------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium (``/usr/bin/chromium``, or ``PV_CHROMIUM``) driven by Playwright; Playwright's
    own browser download is never used."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (bash scripts/setup.sh --test installs it; or set PV_CHROMIUM)")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
