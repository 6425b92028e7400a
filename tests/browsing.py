"""What the browser tests (tests/browser/) share: the server they drive, the pages they open, the steps a
person takes and the axe-core check. The fixtures (``server``, ``pages``, ``facilitator_state``) are in
tests/browser/conftest.py, ``browser`` (headless Chromium) in tests/conftest.py.

Elements are found by id, data attributes and roles, never by English or Norwegian UI text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api")
from helpers import ARTIFACTS, ONLINE, PHONE, ROOT  # noqa: E402,F401  (PHONE: for the test modules)
from playwright.sync_api import Browser, BrowserContext, Page, expect  # noqa: E402

expect.set_options(timeout=15_000)

AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
E2E_PG_DATABASE = "pv_e2e"

TIMEOUT = 15_000  # ms, for every wait; nothing sleeps a fixed time

FACILITATOR_EMAIL = "e2e.fasilitator@kommune.no"
FACILITATOR = {"width": 1280, "height": 800}
WALL = {"width": 1920, "height": 1080}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
NETWORK_NOISE = re.compile(r"ERR_INTERNET_DISCONNECTED|Failed to load resource|WebSocket connection|net::ERR_")


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


def pg_database(url_text: str) -> tuple[str, Any]:
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


# -- the pages -----------------------------------------------------------------------------------


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


def make_share_link(fac: Page, server: Server, ws_id: int) -> str:
    """A report share link made from the workshop page, as a facilitator would; its URL."""
    fac.goto(f"{server.base}/workshops/{ws_id}")
    fac.fill("#link-label", "Til fylket")
    fac.locator("form[data-share-form] button[type=submit]").click()
    expect(fac).to_have_url(re.compile(rf"/workshops/{ws_id}/report/links"))
    url = fac.locator("[data-new-share-link]").input_value()
    assert url.startswith(server.base + "/r/"), url
    return url


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


# -- accessibility -------------------------------------------------------------------------------


def axe_violations(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", WCAG_TAGS
    )
    assert result["passes"], f"axe checked nothing on {page.url}"
    return list(result["violations"])


def describe_violations(name: str, violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{name}: [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:8]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node.get('failureSummary', '').replace(chr(10), ' | ')}")
        if len(v["nodes"]) > 8:
            lines.append(f"    … and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


def require_axe() -> None:
    """axe-core comes from node_modules (``npm ci``); an accessibility test without it fails."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `npm ci` (or bash scripts/setup.sh)")


def assert_no_axe_violations(found: dict[str, list[dict[str, Any]]]) -> None:
    """``found``: page name -> ``axe_violations`` of it."""
    report = "\n".join(describe_violations(name, v) for name, v in found.items() if v)
    assert not report, "axe-core found WCAG 2.1 A/AA violations:\n" + report


def make_series(page: Page, server: Server, name: str, workshop_ids: list[int]) -> int:
    """A series made on /serier, with the workshops added from its page (the «Legg til» form); its id."""
    page.goto(server.base + "/serier")
    page.fill("#series-name", name)
    page.locator("#new form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/serier/\d+$"))
    series_id = int(re.search(r"/serier/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    for ws_id in workshop_ids:
        page.locator("#add-workshop").select_option(str(ws_id))
        page.locator("#workshops form[action$='/workshops'] button[type=submit]").click()
        expect(page.locator(f"[data-series-workshops] [data-workshop-id='{ws_id}']")).to_have_count(1)
    return series_id
