"""Real browser: a facilitator runs a whole workshop plan from the dashboard (issue "Run the room").

The default plan, with the first round shortened to a few seconds: two phones post needs, the round
times out on its own (no server timer: the screens count down to the stored deadline), a post typed
offline before the deadline arrives late and is kept, marked late; a solutions round with rotation
follows (the phones get the next persona); a contribution is hidden and two are merged; a voting round
with two dots each gives a ranking that the wall reveals. The wall shows each step.

Screenshots of every wall view and of a phone in each round go to ``test-artifacts/rounds-*.png``; the
ones shown in docs/facilitating.md are copied from there to docs/screenshots/.

The server, browser and page fixtures come from tests/browsing.py and tests/browser/conftest.py (its own server and database for
this module). Nothing sleeps: every step waits for what a person would see.
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
    axe_violations,
    cards,
    create_workshop,
    join,
    open_live,
    pick_group,
    post,
    require_axe,
    screenshot,
)
from playwright.sync_api import Page, expect  # noqa: E402

pytestmark = pytest.mark.browser

FIRST_ROUND_MINUTES = "0.15"  # 9 s: enough for two phones to post, short enough to wait for


def shot(page: Page, name: str, *, full_page: bool = False) -> None:
    screenshot(page, f"rounds-{name}.png", full_page=full_page)


def banner(page: Page) -> Any:
    return page.locator("[data-round-banner]")


def submit_form(page: Page, selector: str) -> None:
    """Submit one of the dashboard's control forms and wait for the page it redirects to."""
    with page.expect_navigation():
        page.locator(selector).locator("button[type=submit]").click()
    expect(page.locator(ONLINE)).to_be_visible()


def moderate(fac: Page, text: str, action: str) -> Any:
    card = cards(fac, text)
    card.locator(f"[data-moderate={action}]").click()
    return card


def board_cards(page: Page, text: str) -> Any:
    """Cards with exactly ``text`` on the live board (not copies in the wall's ranking or spotlight)."""
    return page.locator("[data-live] .card").filter(has=page.locator(".card-text", has_text=re.compile("^" + re.escape(text) + "$")))


def check_accessibility(pages: Pages, facilitator_state: dict[str, Any], urls: dict[str, tuple[str, dict[str, Any]]]) -> None:
    """axe-core (WCAG 2.1 A/AA) on pages in the state the plan has reached, in browsers that bypass the CSP
    (axe is injected inline); the pages under test keep theirs."""
    require_axe()
    found = {}
    for name, (url, options) in urls.items():
        _, page = pages.new(f"axe-{name}", bypass_csp=True, **options)
        page.goto(url)
        if page.locator("[data-connection]").count():
            expect(page.locator(ONLINE)).to_have_count(1)  # connected (the wall's header may be out of view)
        found[name] = axe_violations(page)
    assert_no_axe_violations(found)


def no_sideways_scroll(page: Page, where: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"{where}: {width} CSS px wide in a {viewport} px window (horizontal scrolling)"


def persona_name(phone: Page) -> str:
    return phone.locator("h1.persona-name").inner_text().split(",")[0].strip()


def test_a_whole_plan(server: Server, pages: Pages, facilitator_state: dict[str, Any]) -> None:
    _, fac = pages.new("facilitator", viewport=FACILITATOR, storage_state=facilitator_state)
    ws = create_workshop(fac, server, "Personalledersamling: kompetanse i kommunane", n_personas=3, n_groups=3)

    # -- the plan: the default one, with a short first round ---------------------------------------
    fac.locator("[data-plan-link]").click()
    expect(fac).to_have_url(re.compile(rf"/workshops/{ws.id}/plan$"))
    fac.locator("form[action$='/rounds/default'] button[type=submit]").click()
    rounds = fac.locator(".plan-round")
    expect(rounds).to_have_count(4)
    first = rounds.first
    round_id = first.get_attribute("data-round-id")
    first.locator("details.plan-edit summary").click()
    first.locator(f"#r{round_id}-minutes").fill(FIRST_ROUND_MINUTES)
    first.locator("form.round-form button[type=submit]").click()
    expect(fac.locator(".flash-success")).to_be_visible()
    expect(rounds.first.locator(".plan-round-facts")).to_contain_text("0.15")

    # -- the room: the wall, the dashboard, two phones at different tables ---------------------------
    # No "new card" highlight in the screenshots: the projector asks for reduced motion.
    _, wall = pages.new("wall", viewport=WALL, reduced_motion="reduce")
    open_live(wall, ws.wall_url)
    expect(banner(wall)).to_be_hidden()  # nothing has started yet
    open_live(fac, f"{server.base}/workshops/{ws.id}/live")
    _, ann = pages.new("phone-ann", **PHONE)
    phone_ctx_bo, bo = pages.new("phone-bo", **PHONE)
    join(ann, server, ws.code, name="Ann")
    join(bo, server, ws.code)
    pick_group(ann, 0)
    pick_group(bo, 1)
    ann_persona_1, bo_persona_1 = persona_name(ann), persona_name(bo)
    assert [ann_persona_1, bo_persona_1] == ws.personas[:2]

    # -- round 1: needs, with a timer ----------------------------------------------------------------
    submit_form(fac, "[data-control=start]")
    for page in (wall, ann, bo, fac):
        expect(banner(page)).to_have_attribute("data-state", "running")
        expect(banner(page).locator("[data-round-name]")).to_have_text("Kompetansebehov")
    expect(banner(wall).locator("[data-countdown]")).to_have_text(re.compile(r"^0:0\d$"))
    expect(ann.locator("#kind-solution")).to_be_disabled()  # only needs in this round
    need_a = "Digital kompetanse for å bruke velferdsteknologi trygt"
    need_b = "Veiledning det første året i jobben"
    post(ann, "need", need_a)
    post(bo, "need", need_b)
    expect(cards(wall, need_a)).to_have_count(1)
    shot(wall, "wall-personas")
    # The dashboard's phone check followed the phones in (the `participants` event); at projector size.
    expect(fac.locator("[data-phone-check]")).to_have_attribute("data-state", "joined")
    fac.set_viewport_size(WALL)
    shot(fac, "dashboard-running")
    fac.set_viewport_size(FACILITATOR)
    shot(ann, "phone-needs", full_page=True)

    # A post typed offline before the deadline reaches the server after it: kept, marked late.
    late = "Kurs i endringsledelse for mellomledere"
    phone_ctx_bo.set_offline(True)
    post(bo, "need", late, wait=False)
    expect(bo.locator("[data-outbox] li")).to_have_count(1)

    # Time is up: every screen says so by itself (nobody pressed anything).
    for page in (wall, ann, fac):
        expect(banner(page)).to_have_attribute("data-state", "timeup", timeout=20_000)
    expect(banner(wall).locator("[data-countdown]")).to_have_text("0:00")
    expect(ann.locator("[data-post-form] button[type=submit]")).to_be_disabled()
    expect(ann.locator("[data-posting-note]")).to_be_visible()
    shot(wall, "wall-timeup")
    phone_ctx_bo.set_offline(False)
    expect(bo.locator("[data-outbox] li")).to_have_count(0)
    expect(cards(wall, late)).to_have_count(1)
    expect(cards(wall, late).locator("[data-field=late]")).to_be_visible()
    expect(cards(fac, late).locator("[data-field=late]")).to_be_visible()

    # -- round 2: solutions, with rotation -------------------------------------------------------------
    fac.reload()
    expect(fac.locator(ONLINE)).to_be_visible()
    expect(fac.locator("[data-control=start] [data-next-name]")).to_have_text("Løsningsforslag")
    submit_form(fac, ".rotation-form")
    submit_form(fac, "[data-control=start]")
    # The phones move on to the next persona by themselves.
    expect(ann.locator("h1.persona-name")).to_contain_text(ws.personas[1])
    expect(bo.locator("h1.persona-name")).to_contain_text(ws.personas[2])
    for page in (ann, bo):
        expect(page.locator(ONLINE)).to_be_visible()
        expect(banner(page).locator("[data-round-name]")).to_have_text("Løsningsforslag")
        expect(page.locator("#kind-need")).to_be_disabled()
    expect(banner(wall).locator("[data-round-name]")).to_have_text("Løsningsforslag")
    keep = "Mentorordning med erfarne kolleger"
    duplicate = "Fadderordning: en erfaren kollega som mentor"
    rude = "Dette er bare tull"
    post(ann, "solution", keep)
    post(bo, "solution", duplicate)
    post(bo, "solution", rude)
    for text in (keep, duplicate, rude):
        expect(cards(wall, text)).to_have_count(1)
    # Contributions keep the persona they were posted for: Ann's solution is in her new persona's lane.
    expect(cards(wall, keep)).to_have_attribute("data-persona-id", re.compile(r"\d+"))
    shot(ann, "phone-solutions", full_page=True)

    # The rotation history, for the facilitator.
    fac.goto(f"{server.base}/workshops/{ws.id}/plan")
    history = fac.locator(".history-table")
    expect(history.locator("tbody tr").first.locator("td")).to_have_text([ws.personas[0], ws.personas[1]])
    open_live(fac, f"{server.base}/workshops/{ws.id}/live")

    # Moderation: hide one, merge two. The wall and the phones follow; authors are never shown.
    moderate(fac, rude, "hide")
    expect(cards(wall, rude)).to_have_count(0)
    expect(cards(bo, rude)).to_have_count(0)
    expect(cards(fac, rude)).to_have_class(re.compile(r"\bis-hidden\b"))
    card = moderate(fac, duplicate, "merge")
    target = card.locator(".moderation-box select")
    target.select_option(value=cards(fac, keep).get_attribute("data-id"))
    card.locator(".moderation-box .button.primary").click()
    expect(cards(wall, duplicate)).to_have_count(0)
    expect(cards(wall, keep).locator(".card-merged")).to_contain_text(duplicate)
    expect(cards(fac, keep).locator(".card-merged")).to_contain_text(duplicate)

    # Spotlight one contribution on the wall.
    moderate(fac, keep, "spotlight")
    expect(wall.locator("[data-spotlight]")).to_be_visible()
    expect(wall.locator("[data-spotlight] .card-text")).to_have_text(keep)
    shot(wall, "wall-spotlight")
    submit_form(fac, "[data-spotlight-off]")
    expect(wall.locator("[data-spotlight]")).to_be_hidden()

    # One persona, full screen.
    fac.locator("#wall-persona").select_option(label=ws.personas[0])
    with fac.expect_navigation():
        fac.locator("[data-wall-form] button[value=persona]").click()
    expect(wall.locator("[data-wall-stage]")).to_have_attribute("data-view", "persona")
    expect(wall.locator(".lane.is-focus")).to_have_count(1)
    expect(wall.locator(".lane.is-focus .lane-title")).to_contain_text(ws.personas[0])
    expect(cards(wall, need_a)).to_be_visible()
    expect(cards(wall, keep)).to_be_hidden()
    shot(wall, "wall-persona")

    submit_form(fac, "[data-control=end]")
    for page in (wall, ann):
        expect(banner(page)).to_have_attribute("data-state", "ended")

    # -- round 3: dot-voting over every table's contributions, 2 dots each -------------------------------
    fac.locator("#vote-dots").fill("2")
    submit_form(fac, ".voting-setup")
    submit_form(fac, "[data-control=start]")
    for page in (ann, bo):
        expect(banner(page).locator("[data-round-name]")).to_have_text("Prioritering")
        expect(page.locator(".ballot-board")).to_be_visible()  # every table's contributions
        expect(page.locator("[data-ballot-status]")).to_contain_text("2")
    expect(cards(ann, duplicate)).to_have_count(0)
    expect(cards(ann, rude)).to_have_count(0)

    def dot(phone: Page, text: str) -> None:
        button = cards(phone, text).locator("[data-vote]")
        pressed = button.get_attribute("aria-pressed")
        button.click()
        expect(button).to_have_attribute("aria-pressed", "false" if pressed == "true" else "true")

    dot(ann, keep)
    dot(ann, need_a)
    cards(ann, need_b).locator("[data-vote]").click()  # a third dot: refused, clearly
    expect(ann.locator("[data-ballot-status]")).to_contain_text(re.compile(r"\S"))
    expect(cards(ann, need_b).locator("[data-vote]")).to_have_attribute("aria-pressed", "false")
    dot(ann, need_a)  # move it: take it back ...
    dot(ann, need_b)  # ... and put it elsewhere
    dot(bo, keep)
    dot(bo, late)
    expect(cards(fac, keep).locator("[data-field=votes]")).to_have_attribute("data-votes", "2")
    expect(cards(fac, need_b).locator("[data-field=votes]")).to_have_attribute("data-votes", "1")
    shot(ann, "phone-voting", full_page=True)
    no_sideways_scroll(ann, "phone in the vote")

    # The wall shows the ranking only when the facilitator reveals it.
    expect(wall.locator("[data-ranking]")).to_be_hidden()
    with fac.expect_navigation():
        fac.locator("[data-wall-form] button[value=ranking]").click()
    ranking = wall.locator("[data-ranking-list] > li")
    expect(ranking).to_have_count(3)
    expect(ranking.first.locator(".card-text")).to_have_text(keep)
    expect(ranking.first).to_have_attribute("data-votes", "2")
    shot(wall, "wall-ranking")

    # Accessibility of what this plan added: the plan page, the dashboard with a hidden card, tallies and a
    # merge, the wall with the ranking, a phone in the vote (a newcomer at table 3).
    _, late_phone = pages.new("phone-newcomer", bypass_csp=True, **PHONE)
    join(late_phone, server, ws.code)
    pick_group(late_phone, 2)
    found = {"phone in the vote": axe_violations(late_phone)}
    assert_no_axe_violations(found)
    fac_options = {"viewport": FACILITATOR, "storage_state": fac.context.storage_state()}
    check_accessibility(
        pages,
        facilitator_state,
        {
            "plan page": (f"{server.base}/workshops/{ws.id}/plan", fac_options),
            "dashboard": (f"{server.base}/workshops/{ws.id}/live", fac_options),
            "wall with the ranking": (ws.wall_url, {"viewport": WALL}),
        },
    )

    # -- round 4: the summary, and a pause screen with the code --------------------------------------------
    submit_form(fac, "[data-control=end]")
    submit_form(fac, "[data-control=start]")
    for page in (ann, bo):
        expect(banner(page).locator("[data-round-name]")).to_have_text("Oppsummering")
    expect(ann.locator("[data-post-form] button[type=submit]")).to_be_disabled()
    shot(ann, "phone-summary", full_page=True)
    with fac.expect_navigation():
        fac.locator("[data-wall-form] button[value=pause]").click()
    expect(wall.locator("[data-pause]")).to_be_visible()
    expect(wall.locator(".wall-pause-code strong")).to_have_text(ws.code_display)
    shot(wall, "wall-pause")
    with fac.expect_navigation():
        fac.locator("[data-wall-form] button[value=personas]").click()
    expect(wall.locator("[data-wall-stage]")).to_have_attribute("data-view", "personas")
    shot(fac, "dashboard", full_page=True)

    # Moderation reveals no author: the anonymous phone's late post has none, and a merged duplicate is
    # shown as its text only (inside Ann's card, which carries the name Ann chose herself).
    for page in (wall, fac):
        expect(board_cards(page, late).locator("[data-field=author]")).to_have_text("")
        expect(board_cards(page, keep).locator(".card-merged .merged-text")).to_have_text([duplicate])
    real = [e for e in pages.errors if "uncaught" in e or not NETWORK_NOISE.search(e)]
    assert real == [], "\n".join(real)
