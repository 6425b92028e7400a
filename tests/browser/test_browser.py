"""Real-browser end-to-end tests: what a facilitator, a projector and two phones see.

The real server (``python -m facilitator serve``, gevent, as in production) runs as a subprocess on a
free port with its own database (tests/browser/conftest.py). ``PV_ALLOW_HTTP`` is unset, so cookies are
``Secure``; Chromium accepts those on ``http://localhost`` (a potentially trustworthy origin), which the
tests rely on and check.

Headless Debian Chromium (``/usr/bin/chromium``, or ``PV_CHROMIUM``) is driven by Playwright; Playwright's
own browser download is never used. Screenshots go to ``test-artifacts/`` (gitignored).

Elements are found by id, data attributes and roles, never by English or Norwegian UI text.
Run only these: ``pytest -m browser``; skip them: ``pytest -m "not browser"``.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api")
from browsing import (  # noqa: E402
    FACILITATOR,
    NETWORK_NOISE,
    ONLINE,
    PHONE,
    WALL,
    Pages,
    Server,
    assert_no_axe_violations,
    assert_not_reloaded,
    axe_violations,
    cards,
    create_workshop,
    join,
    login,
    mark,
    open_live,
    pick_group,
    post,
    record_socket_events,
    require_axe,
    screenshot,
    watch_roundtrip,
)
from playwright.sync_api import Page, expect  # noqa: E402

pytestmark = pytest.mark.browser


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


def test_accessibility_wcag21_aa(server: Server, pages: Pages, facilitator_state: dict[str, Any]) -> None:
    """axe-core, WCAG 2.1 A and AA rules: the accessibility statement, /join, the group picker, the phone page,
    the wall, the dashboard."""
    require_axe()
    # axe is injected as an inline script, which the app's CSP (script-src 'self') forbids: bypass it here only.
    _, fac = pages.new("facilitator", viewport=FACILITATOR, storage_state=facilitator_state, bypass_csp=True)
    ws = create_workshop(fac, server, "Tilgjengelegheit", n_personas=2, n_groups=2)
    _, phone = pages.new("phone", bypass_csp=True, **PHONE)
    _, wall = pages.new("wall", viewport=WALL, bypass_csp=True)

    found: dict[str, list[dict[str, Any]]] = {}
    phone.goto(server.base + "/tilgjengelighet")  # the accessibility statement (bokmål), on a phone
    found["accessibility statement"] = axe_violations(phone)
    phone.goto(server.base + "/join")
    found["/join"] = axe_violations(phone)
    join(phone, server, ws.code, name="Kari")
    found["group picker"] = axe_violations(phone)
    pick_group(phone, 0)
    post(phone, "need", "Meir tid til rettleiing av nytilsette")
    post(phone, "solution", "Mentorordning første halvår")
    phone.reload()  # no "fresh" highlight while axe measures contrast
    expect(phone.locator(ONLINE)).to_be_visible()
    found["phone group page"] = axe_violations(phone)
    open_live(wall, ws.wall_url)
    found["wall"] = axe_violations(wall)
    open_live(fac, f"{server.base}/workshops/{ws.id}/live")
    found["dashboard"] = axe_violations(fac)

    assert_no_axe_violations(found)
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

    phone.goto(server.base + "/tilgjengelighet")
    no_sideways_scroll("the accessibility statement")
    phone.goto(server.base + "/join")
    no_sideways_scroll("/join")
    join(phone, server, ws.code, name="Ingrid Marie Kristiansen-Haugland")
    no_sideways_scroll("group picker")
    pick_group(phone, 2)
    post(phone, "need", "Kompetanseutviklingsplanleggingsarbeidsgrupperepresentant https://kommune.example.no/kompetanse/plan/2025")
    no_sideways_scroll("phone group page")
    screenshot(phone, "e2e-phone-320.png")
    assert pages.errors == [], "\n".join(pages.errors)
