"""«Hos oss» in real headless Chromium: a facilitator adds a «Hos oss» round to the plan and starts it; a
phone at 360 px, which wrote a need before, now gets the «Hos oss …» form, writes a case from Kristiansund
linked to that need, and the phone remembers the municipality for the next case, which it writes without
network (it waits in the outbox and arrives exactly once); the wall shows the case in
the persona's lane as «Hos oss · Kristiansund» with the need it grew from; the facilitator adds the case to
the follow-up register, where it is listed with its municipality. The new phone state and the register pass
axe-core's WCAG 2.1 AA rules.

Screenshots: test-artifacts/localcases-{phone,wall,followup}.png (copied to docs/screenshots/ for
docs/facilitating.md). Nothing sleeps: every step waits for what a person would see.
"""

from __future__ import annotations

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
from playwright.sync_api import expect  # noqa: E402

# A feature flow as a person sees it; its writes are tested on both databases in tests/web (scripts/test.sh).
pytestmark = [pytest.mark.browser, pytest.mark.one_database]

NEED = "Veiledning det første året for nyutdannede sykepleiere"
CASE = "Tre nyutdannede i hjemmetjenesten sluttet i høst før de fikk fast veileder"
SECOND = "Ingen vikarpool i helgene"


def test_a_table_writes_a_case_from_its_municipality(server: Server, pages: Pages, facilitator_state: dict[str, Any]) -> None:
    require_axe()
    _, fac = pages.new("facilitator", viewport=FACILITATOR, storage_state=facilitator_state, bypass_csp=True)
    ws = create_workshop(fac, server, "Kompetanseløftet Nordmøre", n_personas=2, n_groups=2)
    phone_ctx, phone = pages.new("phone", bypass_csp=True, **PHONE)
    join(phone, server, ws.code)
    pick_group(phone, 0)
    post(phone, "need", NEED)  # before the plan starts the workshop takes needs and proposals
    expect(phone.locator("label[for='kind-local']")).to_be_hidden()  # no «Hos oss» round yet

    _, wall = pages.new("wall", viewport=WALL)
    open_live(wall, ws.wall_url)

    # The facilitator adds the «Hos oss» round in one click and starts it from the plan.
    fac.goto(f"{server.base}/workshops/{ws.id}/plan")
    with fac.expect_navigation():
        fac.locator("[data-add-local-round] button[type=submit]").click()
    planned = fac.locator(".plan-round")
    expect(planned).to_have_count(1)
    expect(planned.locator("h3")).to_have_text("Hos oss")
    with fac.expect_navigation():
        planned.locator("form[action$='/start'] button[type=submit]").click()
    expect(fac.locator(".plan-round").first).to_have_attribute("data-status", "running")

    # The phone follows without a reload: only «Hos oss» is open, its fields are shown and required.
    expect(phone.locator("#kind-local")).to_be_checked()
    expect(phone.locator("#kind-need")).to_be_disabled()
    fields = phone.locator("[data-local-fields]")
    expect(fields).to_be_visible()
    expect(phone.locator("#municipality")).to_have_attribute("required", "")
    phone.fill("#municipality", "Kristiansund")
    need_id = cards(phone, NEED).get_attribute("data-id")
    phone.locator("#grew-from").focus()  # the need written on this page is offered
    phone.locator("#grew-from").select_option(need_id)
    phone.fill("#text", CASE)
    phone.locator("[data-post-form] button[type=submit]").click()
    case = cards(phone, CASE)
    expect(case).to_have_count(1)
    expect(case).to_have_attribute("data-kind", "local")
    expect(case.locator("[data-field=municipality]")).to_have_text(" · Kristiansund")
    expect(case.locator("[data-field=origin-text]")).to_have_text(NEED)
    expect(phone.locator("[data-local-lane]")).to_be_visible()
    # The municipality stays for the next case; "grew from" starts empty again.
    expect(phone.locator("#municipality")).to_have_value("Kristiansund")
    expect(phone.locator("#grew-from")).to_have_value("")
    phone.locator("#text").focus()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the phone scrolls sideways: {width} CSS px at 360"
    found = {"phone (Hos oss round)": axe_violations(phone)}
    screenshot(phone, "localcases-phone.png")

    # The wall: in the persona's lane, marked «Hos oss · Kristiansund», with what it grew from.
    on_wall = cards(wall, CASE)
    expect(on_wall).to_have_count(1)
    expect(on_wall.locator(".badge").first).to_have_text("Hos oss")
    expect(on_wall.locator("[data-field=municipality]")).to_have_text(" · Kristiansund")
    expect(on_wall.locator("[data-field=origin-text]")).to_have_text(NEED)
    lane = wall.locator(".lane").filter(has=on_wall)
    expect(lane.locator(".card[data-kind=need]")).to_have_count(1)
    screenshot(wall, "localcases-wall.png", full_page=False)

    # A reload remembers the municipality on the phone; a second case, with no link, is written without
    # network: it waits in the outbox with its municipality and arrives exactly once.
    phone.reload()
    expect(phone.locator(ONLINE)).to_be_visible()
    expect(phone.locator("#municipality")).to_have_value("Kristiansund")
    expect(phone.locator("#municipality-list option[value='Kristiansund']")).to_have_count(1)
    phone_ctx.set_offline(True)
    phone.fill("#text", SECOND)
    phone.locator("[data-post-form] button[type=submit]").click()
    expect(phone.locator("[data-outbox] .outbox-item")).to_have_count(1)
    phone_ctx.set_offline(False)
    second = cards(phone, SECOND)
    expect(second).to_have_count(1)
    expect(second.locator("[data-field=municipality]")).to_have_text(" · Kristiansund")
    expect(phone.locator("[data-outbox] .outbox-item")).to_have_count(0)
    expect(cards(wall, SECOND)).to_have_count(1)
    # The same state in nynorsk passes axe too («Hos oss», «Kommune»).
    phone.goto(phone.url.split("#")[0] + "?lang=nn")
    expect(phone.locator("label[for='municipality']")).to_have_text("Kommune")
    expect(phone.locator("[data-local-fields]")).to_be_visible()
    found["phone (Hos oss round, nynorsk)"] = axe_violations(phone)

    # The follow-up register lists the cases; the facilitator adds one with its «Legg til».
    fac.goto(f"{server.base}/workshops/{ws.id}/followups")
    waiting = fac.locator("#local .local-case")
    expect(waiting).to_have_count(2)
    first = waiting.filter(has_text=CASE)
    expect(first).to_contain_text("Kristiansund")
    expect(first).to_contain_text(NEED)
    with fac.expect_navigation():
        first.locator("button[type=submit]").click()
    item = fac.locator(".followup-item")
    expect(item).to_have_count(1)
    expect(item.locator(".followup-municipality")).to_contain_text("Kristiansund")
    expect(fac.locator(".flash").first).to_contain_text("Hos oss-saken")
    expect(fac.locator("#local .local-case")).to_have_count(1)
    fac.locator("#local").scroll_into_view_if_needed()
    found["follow-up register"] = axe_violations(fac)
    screenshot(fac, "localcases-followup.png")

    # And the rest in one go.
    with fac.expect_navigation():
        fac.locator("#local form.local-all button[type=submit]").click()
    expect(fac.locator(".followup-item")).to_have_count(2)
    expect(fac.locator("#local .local-case")).to_have_count(0)

    assert_no_axe_violations(found)
    unexpected = [e for e in pages.errors if not NETWORK_NOISE.search(e)]
    assert unexpected == [], "\n".join(unexpected)
