"""Real-browser end-to-end tests: what a facilitator, a projector and two phones see.

The real server (``python -m facilitator serve``, gevent, as in production) runs as a subprocess on a
free port with its own database: a temporary SQLite file, or, when ``DATABASE_URL`` points to
PostgreSQL, a separate database ``pv_e2e_<that database>`` (dropped and created here) so it never touches the database
the other tests truncate. ``PV_ALLOW_HTTP`` is unset, so cookies are ``Secure``; Chromium accepts those
on ``http://localhost`` (a potentially trustworthy origin), which the tests rely on and check.

Headless Debian Chromium (``/usr/bin/chromium``, or ``PV_CHROMIUM``) is driven by Playwright; Playwright's
own browser download is never used. Screenshots go to ``test-artifacts/`` (gitignored).

Elements are found by id, data attributes and roles, never by English or Norwegian UI text.
Run only these: ``pytest -m browser``; skip them: ``pytest -m "not browser"``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright  # noqa: E402

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("PV_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
E2E_PG_DATABASE = "pv_e2e"
# Environment variables config.load reads; the server gets none of the developer's.
PV_ENV = ("PV_ALLOW_HTTP", "PV_TRUST_PROXY", "PV_PUBLIC_URL", "PV_PERSONA_DIR", "PV_SECRET_KEY", "PV_ASYNC_MODE", "REDIS_URL")

TIMEOUT = 15_000  # ms, for every wait; nothing sleeps a fixed time
STARTUP_TIMEOUT = 60.0  # s

FACILITATOR_EMAIL = "e2e.fasilitator@kommune.no"
FACILITATOR = {"width": 1280, "height": 800}
WALL = {"width": 1920, "height": 1080}
PHONE: dict[str, Any] = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
ONLINE = "[data-connection][data-state=online]"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


# -- the server ----------------------------------------------------------------------------------


@dataclass
class Server:
    base: str  # http://localhost:PORT
    port: int
    env: dict[str, str]
    log_path: Path
    password: str
    email: str = FACILITATOR_EMAIL

    def log(self) -> str:
        return self.log_path.read_bytes().decode("utf-8", errors="replace")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_database(url_text: str) -> tuple[str, Any]:
    """Drop and create the e2e database next to the one in ``DATABASE_URL``; return its URL and a dropper."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    url = make_url(url_text)
    # One per outer database, so runs against different test databases at once do not drop each other's.
    name = f"{E2E_PG_DATABASE}_{url.database}" if url.database else E2E_PG_DATABASE
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


def _print_uncaptured(config: pytest.Config, text: str) -> None:
    capman = config.pluginmanager.getplugin("capturemanager")
    if capman is None:
        print(text, file=sys.stderr)
        return
    with capman.global_and_fixture_disabled():
        print(text, file=sys.stderr, flush=True)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Server]:
    """The real server on a free port with its own database, and a facilitator made with the CLI."""
    tmp = tmp_path_factory.mktemp("e2e-server")
    env = {k: v for k, v in os.environ.items() if k not in PV_ENV}
    env["PV_SECRET_KEY"] = secrets.token_hex(32)
    env["PYTHONUNBUFFERED"] = "1"
    drop_db = None
    outer_url = os.environ.get("DATABASE_URL") or ""
    if outer_url.startswith("postgresql"):
        env["DATABASE_URL"], drop_db = _pg_database(outer_url)
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'e2e.sqlite'}"

    port = _free_port()
    log_path = tmp / "server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "facilitator", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    srv = Server(base=f"http://localhost:{port}", port=port, env=env, log_path=log_path, password=secrets.token_urlsafe(12))
    failed_before = request.session.testsfailed
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the server exited with {proc.returncode} before it was ready:\n{srv.log()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                    if resp.status == 200 and json.load(resp).get("ok") is True:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not answer /healthz within {STARTUP_TIMEOUT:.0f} s:\n{srv.log()}")
            time.sleep(0.1)  # polling interval, not a wait for readiness

        created = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "facilitator", "users", "create", srv.email, "--password", srv.password],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert created.returncode == 0, f"users create failed:\n{created.stdout}\n{created.stderr}"
        yield srv
    finally:
        _stop(proc)
        if request.session.testsfailed > failed_before:
            _print_uncaptured(request.config, f"\n===== server log ({srv.base}) =====\n{srv.log()}\n===== end of server log =====")
        if drop_db is not None:
            drop_db()


# -- the browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (bash scripts/setup.sh --test installs it; or set PV_CHROMIUM)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@dataclass
class Pages:
    """Every page a test opens, with the console errors and uncaught exceptions each one reported."""

    browser: Browser
    contexts: list[BrowserContext] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def context(self, **options: Any) -> BrowserContext:
        ctx = self.browser.new_context(**options)
        ctx.set_default_timeout(TIMEOUT)
        self.contexts.append(ctx)
        return ctx

    def page(self, ctx: BrowserContext, name: str) -> Page:
        page = ctx.new_page()
        page.on("console", lambda m: m.type == "error" and self.errors.append(f"{name}: console.error: {m.text} @ {m.location.get('url')}"))
        page.on("pageerror", lambda e: self.errors.append(f"{name}: uncaught: {e}"))
        return page

    def new(self, name: str, **options: Any) -> tuple[BrowserContext, Page]:
        ctx = self.context(**options)
        return ctx, self.page(ctx, name)

    def close(self) -> None:
        for ctx in self.contexts:
            ctx.close()


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


# -- steps a person takes ------------------------------------------------------------------------


def login(page: Page, server: Server) -> None:
    page.goto(server.base + "/login")
    page.fill("#email", server.email)
    page.fill("#password", server.password)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/workshops$"))


@dataclass
class Workshop:
    id: int
    code: str
    code_display: str
    manage_url: str
    wall_url: str
    personas: list[str]
    groups: list[str]


def create_workshop(page: Page, server: Server, title: str, *, n_personas: int = 3, n_groups: int = 3) -> Workshop:
    """Through the form: title, date, place, intro, the first ``n_personas`` ticked; then open it."""
    page.goto(server.base + "/workshops")
    page.locator("main a[href$='/workshops/new']").first.click()
    expect(page).to_have_url(re.compile(r"/workshops/new$"))
    page.fill("#title", title)
    page.fill("#date", "2025-05-20")
    page.fill("#place", "Molde rådhus")
    page.fill("#intro", "Kvart bord får ein persona. Skriv innspela på mobilen.")
    boxes = page.locator("input[type=checkbox][name=personas]")
    assert boxes.count() >= n_personas, "the persona library is smaller than the test needs"
    personas = []
    for i in range(boxes.count()):
        box = boxes.nth(i)
        box.set_checked(i < n_personas)
        if i < n_personas:
            personas.append(page.locator(f"label[for='{box.get_attribute('id')}'] strong").inner_text().strip())
    page.fill("#group_count", str(n_groups))
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/workshops/\d+$"))
    ws_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator(".page-head .subtitle")).to_contain_text("2025-05-20")
    expect(page.locator(".page-head .subtitle")).to_contain_text("Molde rådhus")
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "draft")
    expect(page.locator("#intro")).to_have_value("Kvart bord får ein persona. Skriv innspela på mobilen.")

    # The groups exist, are numbered and get the ticked personas in turn.
    names = page.locator("#groups tbody input[name=name]")
    expect(names).to_have_count(n_groups)
    groups = [names.nth(i).input_value() for i in range(n_groups)]
    for i, name in enumerate(groups):
        assert re.fullmatch(rf"(Table|Bord) {i + 1}", name), groups
    chosen = page.locator("#groups tbody select[name=persona_id]")
    expect(chosen).to_have_count(n_groups)
    for i in range(n_groups):
        assert chosen.nth(i).evaluate("s => s.selectedOptions[0].textContent.trim()") == personas[i % n_personas]
    expect(page.locator("#personas .persona-list li")).to_have_count(n_personas)

    page.locator("form[action$='/open'] button[type=submit]").click()
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "open")
    code_el = page.locator("[data-join-code]")
    code = code_el.get_attribute("data-join-code") or ""
    assert re.fullmatch(r"\d{8}", code), code
    wall_url = page.locator("[data-wall-link]").get_attribute("href") or ""
    assert wall_url.startswith(server.base + "/wall/"), wall_url
    return Workshop(ws_id, code, code_el.inner_text().strip(), page.url, wall_url, personas, groups)


def open_live(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator(ONLINE)).to_be_visible()


def join(page: Page, server: Server, code: str, name: str | None = None) -> None:
    """Type the code on /join (and maybe a name); end on the group picker."""
    page.goto(server.base + "/join")
    page.fill("#code", code)
    if name:
        page.fill("#display_name", name)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/w/\d+$"))
    expect(page.locator(".group-choice").first).to_be_visible()


def pick_group(page: Page, index: int) -> int:
    choice = page.locator(".group-choice").nth(index)
    group_id = int(choice.get_attribute("value") or 0)
    choice.click()
    expect(page).to_have_url(re.compile(rf"/w/\d+/g/{group_id}$"))
    expect(page.locator(ONLINE)).to_be_visible()
    return group_id


def post(page: Page, kind: str, text: str, *, wait: bool = True) -> None:
    """Choose the kind by its label (as a person taps it), write, send."""
    page.locator(f"label[for='kind-{kind}']").click()
    expect(page.locator(f"#kind-{kind}")).to_be_checked()
    page.fill("#text", text)
    page.locator("[data-post-form] button[type=submit]").click()
    if wait:
        expect(cards(page, text)).to_have_count(1)


def cards(page: Page, text: str) -> Any:
    """Cards whose text is exactly ``text``."""
    return page.locator(".card").filter(has=page.locator(".card-text", has_text=re.compile("^" + re.escape(text) + "$")))


def mark(*pages_: Page) -> None:
    for page in pages_:
        page.evaluate("window.__pvMarker = 1")


def assert_not_reloaded(*pages_: Page) -> None:
    for page in pages_:
        assert page.evaluate("window.__pvMarker") == 1, f"{page.url} navigated or reloaded"


def record_socket_events(page: Page) -> None:
    page.evaluate("window.__pvSeen = []; window.pvLive.socket.on('contribution', c => window.__pvSeen.push(c.text))")


def watch_roundtrip(page: Page) -> dict[str, Any]:
    """Ask for everything since 0 on the page's own socket. Socket.IO keeps the order of one connection,
    so every event the server queued for this phone before the ack has arrived when the ack does."""
    ack = page.evaluate(
        """() => new Promise(resolve => window.pvLive.socket.emit(
             'watch', {workshop_id: window.pvLive.workshopId, since: 0}, resolve))"""
    )
    assert ack["ok"], ack
    return ack


def screenshot(page: Page, name: str, *, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=full_page)


# -- the tests -----------------------------------------------------------------------------------


def test_workshop_end_to_end(server: Server, pages: Pages) -> None:
    """The issue's "done when": facilitator creates and opens a workshop; two phones in different groups
    post; the wall and the dashboard show both at once; each phone sees only its own group."""
    fac_ctx, fac = pages.new("facilitator", viewport=FACILITATOR)
    login(fac, server)
    session_cookie = next(c for c in fac_ctx.cookies() if c["name"] == "pv_session")
    assert session_cookie["secure"] and session_cookie["httpOnly"], session_cookie
    assert server.base.startswith("http://localhost:")

    ws = create_workshop(fac, server, "Personalledersamling: kompetanse i kommunane", n_personas=3, n_groups=3)

    # The projector: a separate browser with no sign-in, via the wall link on the manage page.
    _, wall = pages.new("wall", viewport=WALL)
    open_live(wall, ws.wall_url)
    expect(wall.locator(".wall-code")).to_have_text(ws.code_display)

    # The live dashboard, from the manage page.
    fac.locator(f".page-head a[href$='/workshops/{ws.id}/live']").click()
    expect(fac).to_have_url(re.compile(rf"/workshops/{ws.id}/live$"))
    expect(fac.locator(ONLINE)).to_be_visible()

    # Two phones, each its own browser: one with a name, one anonymous; different groups.
    _, named = pages.new("phone-named", **PHONE)
    _, anon = pages.new("phone-anonymous", **PHONE)
    join(named, server, ws.code_display, name="Åse Ødegård")
    join(anon, server, ws.code)
    expect(wall.locator("[data-participant-count]")).to_have_text("2")
    expect(fac.locator("[data-participant-count]")).to_have_text("2")
    group_named = pick_group(named, 0)
    group_anon = pick_group(anon, 1)
    assert group_named != group_anon
    expect(named.locator(".phone-header .brand")).to_have_text(ws.groups[0])
    expect(anon.locator(".phone-header .brand")).to_have_text(ws.groups[1])

    need = "Opplæring i velferdsteknologi for helsefagarbeidarar – æøå «sitat» 🚀"
    solution = "Fast fagdag kvar månad med rettleiing frå erfarne kollegaer"
    mark(wall, fac, named, anon)
    record_socket_events(named)
    record_socket_events(anon)

    post(named, "need", need)
    post(anon, "solution", solution)

    # The wall and the dashboard show both, live (no reload).
    for page in (wall, fac):
        expect(cards(page, need)).to_have_count(1)
        expect(cards(page, solution)).to_have_count(1)
        expect(page.locator("[data-contribution-count]")).to_have_text("2")
        expect(cards(page, need).locator("[data-field=author]")).to_have_text("Åse Ødegård")
        expect(cards(page, solution).locator("[data-field=author]")).to_have_text("")
        expect(cards(page, need)).to_have_attribute("data-kind", "need")
        expect(cards(page, solution)).to_have_attribute("data-kind", "solution")
    expect(fac.locator(f"[data-lane='{group_named}']").locator(".card")).to_have_count(1)
    expect(fac.locator(f"[data-lane='{group_anon}']").locator(".card")).to_have_count(1)
    expect(cards(fac, need)).to_have_attribute("data-group-id", str(group_named))
    expect(cards(fac, solution)).to_have_attribute("data-group-id", str(group_anon))

    # Each phone: its own post (in the right lane, with or without a name), not the other group's.
    for page, own, other, author in ((named, need, solution, "Åse Ødegård"), (anon, solution, need, "")):
        ack = watch_roundtrip(page)
        assert [c["text"] for c in ack["changes"]] == [own], ack["changes"]
        expect(cards(page, own)).to_have_count(1)
        expect(cards(page, own).locator("[data-field=author]")).to_have_text(author)
        expect(cards(page, other)).to_have_count(0)
        seen = page.evaluate("window.__pvSeen")
        assert other not in seen, f"{page.url} received the other group's post: {seen}"
        expect(page.locator(".card")).to_have_count(1)
    expect(named.locator("[data-lane=need] .card")).to_have_count(1)
    expect(anon.locator("[data-lane=solution] .card")).to_have_count(1)
    # An anonymous card carries no name anywhere.
    for page in (wall, fac, anon):
        assert "Ødegård" not in (cards(page, solution).inner_text())

    assert_not_reloaded(wall, fac, named, anon)

    screenshot(named, "e2e-phone-named.png")
    screenshot(anon, "e2e-phone-anonymous.png")
    screenshot(wall, "e2e-wall.png", full_page=False)
    screenshot(fac, "e2e-dashboard.png")

    # Server-rendered too: the other group's post is not on a reloaded phone.
    anon.reload()
    expect(anon.locator(ONLINE)).to_be_visible()
    expect(cards(anon, solution)).to_have_count(1)
    expect(cards(anon, need)).to_have_count(0)

    assert pages.errors == [], "\n".join(pages.errors)


NETWORK_NOISE = re.compile(r"ERR_INTERNET_DISCONNECTED|Failed to load resource|WebSocket connection|net::ERR_")


def test_post_while_offline_is_sent_once(server: Server, pages: Pages, facilitator_state: dict[str, Any]) -> None:
    """A post made without network waits in the outbox (localStorage) and is sent exactly once, also when
    the page is reloaded just as the network comes back."""
    _, fac = pages.new("facilitator", viewport=FACILITATOR, storage_state=facilitator_state)
    ws = create_workshop(fac, server, "Offline-verkstad", n_personas=2, n_groups=2)
    _, wall = pages.new("wall", viewport=WALL)
    open_live(wall, ws.wall_url)
    phone_ctx, phone = pages.new("phone", **PHONE)
    join(phone, server, ws.code, name="Per")
    pick_group(phone, 0)
    outbox = phone.locator("[data-outbox] li")
    outbox_key = f"pv-outbox-{ws.id}"

    # 1. Offline: the post waits in the outbox; then the network comes back.
    first = "Skrive utan nett: dette skal kome fram éin gong"
    phone_ctx.set_offline(True)
    post(phone, "need", first, wait=False)
    expect(outbox).to_have_count(1)
    expect(outbox).to_be_visible()
    expect(outbox.locator(".outbox-text")).to_have_text(first)
    assert first in (phone.evaluate(f"localStorage.getItem('{outbox_key}')") or "")
    expect(cards(phone, first)).to_have_count(0)
    expect(cards(wall, first)).to_have_count(0)
    phone_ctx.set_offline(False)
    expect(cards(phone, first)).to_have_count(1)
    expect(outbox).to_have_count(0)
    expect(cards(wall, first)).to_have_count(1)

    # 2. Offline post, network back and an immediate reload: the outbox survives and the retry is deduplicated.
    second = "Send meg etter omlasting – men berre éin gong"
    phone_ctx.set_offline(True)
    post(phone, "solution", second, wait=False)
    expect(outbox).to_have_count(1)
    phone_ctx.set_offline(False)
    phone.reload()
    expect(phone.locator(ONLINE)).to_be_visible()
    expect(cards(phone, second)).to_have_count(1)
    expect(outbox).to_have_count(0)
    assert phone.evaluate(f"localStorage.getItem('{outbox_key}')") == "[]"
    expect(cards(wall, second)).to_have_count(1)
    expect(wall.locator("[data-contribution-count]")).to_have_text("2")

    # What the server has, rendered fresh: each text exactly once.
    wall.reload()
    expect(wall.locator(ONLINE)).to_be_visible()
    expect(cards(wall, first)).to_have_count(1)
    expect(cards(wall, second)).to_have_count(1)
    expect(wall.locator(".card")).to_have_count(2)
    phone.reload()
    expect(phone.locator(".card")).to_have_count(2)

    real = [e for e in pages.errors if "uncaught" in e or not NETWORK_NOISE.search(e)]
    assert real == [], "\n".join(real)


def test_markup_in_posts_is_shown_as_text(server: Server, pages: Pages, facilitator_state: dict[str, Any]) -> None:
    """HTML in a contribution is literal text on the phone, the wall and the dashboard, live and after reload."""
    _, fac = pages.new("facilitator", viewport=FACILITATOR, storage_state=facilitator_state)
    ws = create_workshop(fac, server, "XSS-verkstad <b>feit</b>", n_personas=1, n_groups=1)
    open_live(fac, f"{server.base}/workshops/{ws.id}/live")
    _, wall = pages.new("wall", viewport=WALL)
    open_live(wall, ws.wall_url)
    _, phone = pages.new("phone", **PHONE)
    join(phone, server, ws.code, name='<i>Eva</i><img src=x onerror="window.__pwned=1">')
    pick_group(phone, 0)

    payloads = ['<img src=x onerror="window.__pwned=1">', "<script>window.__pwned=1</script>"]
    post(phone, "need", payloads[0])
    post(phone, "solution", payloads[1])

    def check(page: Page) -> None:
        if page is not phone:  # the phone's heading is the persona
            expect(page.locator("h1").first).to_contain_text("<b>feit</b>")
        expect(page.locator("h1 b")).to_have_count(0)
        for text in payloads:
            expect(cards(page, text)).to_have_count(1)
            assert cards(page, text).locator(".card-text").text_content() == text
        expect(page.locator(".card-author").first).to_have_text('<i>Eva</i><img src=x onerror="window.__pwned=1">')
        expect(page.locator(".card img, .card script, .card i")).to_have_count(0)
        assert page.evaluate("typeof window.__pwned") == "undefined"

    for page in (phone, wall, fac):  # drawn by live.js
        check(page)
    for page in (phone, wall, fac):  # drawn by the server
        page.reload()
        expect(page.locator(ONLINE)).to_be_visible()
        check(page)
    assert pages.errors == [], "\n".join(pages.errors)


def _axe(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", WCAG_TAGS
    )
    assert result["passes"], f"axe checked nothing on {page.url}"
    return list(result["violations"])


def _describe(name: str, violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{name}: [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:8]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node.get('failureSummary', '').replace(chr(10), ' | ')}")
        if len(v["nodes"]) > 8:
            lines.append(f"    … and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


def test_accessibility_wcag21_aa(server: Server, pages: Pages, facilitator_state: dict[str, Any]) -> None:
    """axe-core, WCAG 2.1 A and AA rules: /join, the group picker, the phone page, the wall, the dashboard."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `npm ci` (or bash scripts/setup.sh)")
    # axe is injected as an inline script, which the app's CSP (script-src 'self') forbids: bypass it here only.
    _, fac = pages.new("facilitator", viewport=FACILITATOR, storage_state=facilitator_state, bypass_csp=True)
    ws = create_workshop(fac, server, "Tilgjengelegheit", n_personas=2, n_groups=2)
    _, phone = pages.new("phone", bypass_csp=True, **PHONE)
    _, wall = pages.new("wall", viewport=WALL, bypass_csp=True)

    found: dict[str, list[dict[str, Any]]] = {}
    phone.goto(server.base + "/join")
    found["/join"] = _axe(phone)
    join(phone, server, ws.code, name="Kari")
    found["group picker"] = _axe(phone)
    pick_group(phone, 0)
    post(phone, "need", "Meir tid til rettleiing av nytilsette")
    post(phone, "solution", "Mentorordning første halvår")
    phone.reload()  # no "fresh" highlight while axe measures contrast
    expect(phone.locator(ONLINE)).to_be_visible()
    found["phone group page"] = _axe(phone)
    open_live(wall, ws.wall_url)
    found["wall"] = _axe(wall)
    open_live(fac, f"{server.base}/workshops/{ws.id}/live")
    found["dashboard"] = _axe(fac)

    report = "\n".join(_describe(name, v) for name, v in found.items() if v)
    assert not report, "axe-core found WCAG 2.1 A/AA violations:\n" + report
    assert pages.errors == [], "\n".join(pages.errors)


def test_reflow_at_320_css_px(server: Server, pages: Pages, facilitator_state: dict[str, Any]) -> None:
    """WCAG 1.4.10 Reflow (what 400 % zoom of a 1280 px window gives): at 320 CSS px nothing scrolls sideways."""
    _, fac = pages.new("facilitator", viewport=FACILITATOR, storage_state=facilitator_state)
    ws = create_workshop(fac, server, "Ein svært lang tittel på ein verkstad om kompetanseutvikling i kommunane", n_personas=3, n_groups=3)
    # A plain desktop window 320 CSS px wide (is_mobile off: the layout viewport is the window, no zoom-out).
    _, phone = pages.new("phone-320", viewport={"width": 320, "height": 640})

    def no_sideways_scroll(where: str) -> None:
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{where}: the page is {width} CSS px wide at a 320 px viewport (horizontal scrolling)"

    phone.goto(server.base + "/join")
    no_sideways_scroll("/join")
    join(phone, server, ws.code, name="Ingrid Marie Kristiansen-Haugland")
    no_sideways_scroll("group picker")
    pick_group(phone, 2)
    post(phone, "need", "Kompetanseutviklingsplanleggingsarbeidsgrupperepresentant https://kommune.example.no/kompetanse/plan/2025")
    no_sideways_scroll("phone group page")
    screenshot(phone, "e2e-phone-320.png")
    assert pages.errors == [], "\n".join(pages.errors)
