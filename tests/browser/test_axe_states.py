"""Real browser, axe-core (WCAG 2.1 A/AA) over every screen in every state of a workshop, in bokmål, nynorsk
and English (issue "Venue-ready").

One workshop is driven through the plan from the dashboard, as a facilitator would: a running round with a
timer (phone with its own card and its edit/delete buttons, wall, dashboard), a spotlight on the wall,
dot-voting (phone, dashboard, wall), the ranking on the wall and the pause screen on the wall. In each state
each screen is re-opened with ``?lang=nb|nn|en`` (one page per screen, re-navigated) and scanned; every
violation is collected and reported together at the end.

A second test proves the scan is not toothless: it breaks a real page on purpose (a field without its
label, near-white text on white) and expects axe to name both rules.

axe is injected as an inline script, which the app's CSP forbids: the scanning browsers bypass the CSP.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("playwright.sync_api")
from browsing import (
    FACILITATOR,
    NETWORK_NOISE,
    ONLINE,
    PHONE,
    WALL,
    Pages,
    Server,
    assert_no_axe_violations,
    axe_violations,
    cards,
    create_workshop,
    join,
    open_live,
    pick_group,
    post,
    require_axe,
)
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.rendering]

LANGUAGES = ("nb", "nn", "en")


def with_lang(url: str, lang: str) -> str:
    return url + ("&" if "?" in url else "?") + "lang=" + lang


def submit_form(page: Page, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).locator("button[type=submit]").click()
    expect(page.locator(ONLINE)).to_be_visible()


def wall_view(fac: Page, view: str) -> None:
    with fac.expect_navigation():
        fac.locator(f"[data-wall-form] button[value={view}]").click()
    expect(fac.locator(ONLINE)).to_be_visible()


def banner(page: Page) -> Any:
    return page.locator("[data-round-banner]")


def test_axe_every_state_screen_and_language(
    server: Server, pages: Pages, facilitator_state: dict[str, Any]
) -> None:
    require_axe()
    _, fac = pages.new(
        "dashboard",
        viewport=FACILITATOR,
        storage_state=facilitator_state,
        bypass_csp=True,
        reduced_motion="reduce",
    )
    ws = create_workshop(
        fac, server, "Tilgjengeleg i alle tilstandar", n_personas=2, n_groups=2
    )
    fac.locator("[data-plan-link]").click()
    fac.locator("form[action$='/rounds/default'] button[type=submit]").click()
    expect(fac.locator(".plan-round")).to_have_count(4)
    dashboard_url = f"{server.base}/workshops/{ws.id}/live"

    _, wall = pages.new("wall", viewport=WALL, bypass_csp=True, reduced_motion="reduce")
    _, phone = pages.new("phone", bypass_csp=True, reduced_motion="reduce", **PHONE)
    join(phone, server, ws.code, name="Kari")
    pick_group(phone, 0)
    phone_url = phone.url
    open_live(fac, dashboard_url)

    found: dict[str, list[dict[str, Any]]] = {}

    def scan(
        state: str,
        screens: dict[str, tuple[Page, str]],
        ready: dict[str, str] | None = None,
    ) -> None:
        for lang in LANGUAGES:
            for screen, (page, url) in screens.items():
                page.goto(with_lang(url, lang))
                expect(page.locator(ONLINE)).to_have_count(
                    1
                )  # connected (the wall's header may be out of view)
                expect(page.locator("html")).to_have_attribute("lang", lang)
                if ready and screen in ready:
                    expect(page.locator(ready[screen]).first).to_be_visible()
                found[f"{state} / {screen} / {lang}"] = axe_violations(page)

    # -- a running round with a timer; the phone has its own card with edit and delete ----------------
    submit_form(fac, "[data-control=start]")
    expect(banner(fac)).to_have_attribute("data-state", "running")
    need = "Kompetansebehov i helse og omsorg"
    post(phone, "need", need)
    screens = {
        "phone": (phone, phone_url),
        "wall": (wall, ws.wall_url),
        "dashboard": (fac, dashboard_url),
    }
    scan(
        "running round",
        screens,
        {
            "phone": ".card.mine [data-action=edit]",
            "wall": "[data-round-banner] [data-countdown]",
            "dashboard": "[data-round-banner]",
        },
    )

    # -- a contribution in the spotlight on the wall ---------------------------------------------------
    cards(fac, need).locator("[data-moderate=spotlight]").click()
    expect(wall.locator("[data-spotlight]")).to_be_visible()
    scan("spotlight", {"wall": (wall, ws.wall_url)}, {"wall": "[data-spotlight]"})
    open_live(fac, dashboard_url)
    submit_form(fac, "[data-spotlight-off]")

    # -- dot-voting: through the solutions round to the voting round ----------------------------------
    submit_form(fac, "[data-control=end]")
    submit_form(fac, "[data-control=start]")
    open_live(phone, phone_url)
    post(phone, "solution", "Mentorordning første halvår")
    submit_form(fac, "[data-control=end]")
    fac.locator("#vote-dots").fill("2")
    submit_form(fac, ".voting-setup")
    submit_form(fac, "[data-control=start]")
    open_live(phone, phone_url)
    expect(phone.locator(".ballot-board")).to_be_visible()
    button = cards(phone, need).locator("[data-vote]")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    scan(
        "voting",
        screens,
        {"phone": ".ballot-board", "dashboard": "[data-field=votes][data-votes='1']"},
    )

    # -- the ranking, then the pause screen, on the wall -----------------------------------------------
    open_live(fac, dashboard_url)
    wall_view(fac, "ranking")
    scan("ranking", {"wall": (wall, ws.wall_url)}, {"wall": "[data-ranking-list] > li"})
    open_live(fac, dashboard_url)
    wall_view(fac, "pause")
    scan("pause", {"wall": (wall, ws.wall_url)}, {"wall": "[data-pause]"})

    assert len(found) == 3 * (3 + 1 + 3 + 1 + 1), sorted(found)
    assert_no_axe_violations(found)
    real = [e for e in pages.errors if "uncaught" in e or not NETWORK_NOISE.search(e)]
    assert real == [], "\n".join(real)


def test_axe_fires_on_a_page_made_inaccessible(server: Server, pages: Pages) -> None:
    """The same check on /join, broken on purpose: the code field loses its label (and placeholder, which axe
    accepts as a name), the heading turns (almost) white on white:
    #eee on #fff, since axe files an exact 1:1 ratio as "incomplete" (maybe hidden on purpose), not a violation."""
    require_axe()
    _, page = pages.new("broken", bypass_csp=True, **PHONE)
    page.goto(server.base + "/join")
    assert axe_violations(page) == []
    page.evaluate(
        """() => {
             const field = document.querySelector('#code');
             document.querySelectorAll('label[for="code"]').forEach(l => l.remove());
             for (const a of ['aria-label', 'aria-labelledby', 'title', 'placeholder']) field.removeAttribute(a);
             const text = document.querySelector('main h1');
             text.style.color = '#eee'; text.style.background = '#fff';
           }"""
    )
    rules = {v["id"] for v in axe_violations(page)}
    assert {"label", "color-contrast"} <= rules, rules
    with pytest.raises(AssertionError, match="color-contrast"):
        assert_no_axe_violations({"/join, broken": axe_violations(page)})
