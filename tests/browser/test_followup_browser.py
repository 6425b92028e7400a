"""The follow-up register in real headless Chromium: a facilitator adds a proposal from the register page
with the keyboard only, gives it a role, a deadline and a status, and finds it under the right heading of
the follow-up report; a bad deadline keeps what was typed and says why; the register and the report pass
axe-core's WCAG 2.1 AA rules and do not scroll sideways at 320 CSS px.

The server, browser and page fixtures and the steps a person takes come from tests/browsing.py and tests/browser/conftest.py.
Elements are found by id and data attributes, not by UI text.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api")
from browsing import (  # noqa: E402
    FACILITATOR,
    PHONE,
    Pages,
    Server,
    assert_no_axe_violations,
    axe_violations,
    create_workshop,
    join,
    pick_group,
    post,
    require_axe,
    screenshot,
)
from playwright.sync_api import expect  # noqa: E402

# A feature flow as a person sees it; its writes are tested on both databases in tests/web (scripts/test.sh).
pytestmark = [pytest.mark.browser, pytest.mark.one_database]

PROPOSAL = "Kortere kurs i velferdsteknologi, for eksempel «Velferdsteknologiens ABC»"


def test_add_a_proposal_by_keyboard_and_see_it_in_the_report(server: Server, pages: Pages, facilitator_state: dict[str, Any]) -> None:
    require_axe()
    _, fac = pages.new("facilitator", viewport=FACILITATOR, storage_state=facilitator_state, bypass_csp=True)
    ws = create_workshop(fac, server, "Oppfølging av personaverkstaden", n_personas=2, n_groups=2)
    _, phone = pages.new("phone", **PHONE)
    join(phone, server, ws.code)
    pick_group(phone, 0)
    post(phone, "need", "Kunnskap om velferdsteknologi")
    post(phone, "solution", PROPOSAL)

    # From the workshop page to the register.
    fac.goto(ws.manage_url)
    fac.locator("[data-followup-link]").click()
    expect(fac).to_have_url(re.compile(rf"/workshops/{ws.id}/followups$"))
    proposal = fac.locator(".proposal").filter(has=fac.locator(".proposal-text", has_text=PROPOSAL))
    expect(proposal).to_have_count(1)
    expect(fac.locator(".proposal")).to_have_count(1)  # needs are not offered
    expect(proposal.locator(".proposal-votes")).to_have_attribute("data-votes", "0")

    # Keyboard only: focus the proposal's button and press Enter.
    proposal.locator("button[type=submit]").focus()
    fac.keyboard.press("Enter")
    expect(fac).to_have_url(re.compile(r"/followups\?open=\d+#f\d+$"))
    item = fac.locator(".followup-item")
    expect(item).to_have_count(1)
    item_id = item.get_attribute("data-id")
    expect(item.locator("details")).to_have_attribute("open", "")
    expect(fac.locator(f"#f{item_id}-text")).to_have_value(PROPOSAL)

    # A bad deadline (typed as text, as without a date picker) is refused and what was typed stays.
    fac.locator(f"#f{item_id}-responsible").fill("kommunalsjef helse")
    fac.locator(f"#f{item_id}-deadline").evaluate("el => { el.type = 'text'; el.value = '31.02.2026'; }")
    fac.locator(f"#f{item_id}-responsible").press("Enter")  # submits the form
    expect(fac.locator(f"#f{item_id}-deadline")).to_have_attribute("aria-invalid", "true")
    expect(fac.locator(f"#f{item_id}-deadline-err")).to_be_visible()
    expect(fac.locator(f"#f{item_id}-responsible")).to_have_value("kommunalsjef helse")
    screenshot(fac, "followup-error.png")

    # Now properly: role, deadline in the past (so it is overdue), status "not far enough".
    fac.locator(f"#f{item_id}-deadline").fill("2020-09-01")
    fac.locator(f"#f{item_id}-status").select_option("not_far_enough")
    fac.locator(f"#f{item_id}-note").fill("Kurset ble **utsatt** til våren.")
    fac.locator(f"#f{item_id}-note").press("Tab")
    fac.keyboard.press("Enter")  # the focused Save button
    expect(fac).to_have_url(re.compile(rf"/followups#f{item_id}$"))
    expect(fac.locator(f"#f{item_id}.fu-not_far_enough.is-overdue")).to_have_count(1)
    found = {"register": axe_violations(fac)}
    screenshot(fac, "followup-register.png")

    # The follow-up report: under "not far enough", marked overdue, with the role and the persona.
    fac.locator("a[href$='/followups/report']").first.click()
    section = fac.locator("[data-status=not_far_enough]")
    entry = section.locator(f".followup-entry[data-id='{item_id}']")
    expect(entry).to_have_count(1)
    expect(entry.locator(".followup-text")).to_have_text(PROPOSAL)
    expect(entry.locator(".overdue-mark")).to_be_visible()
    expect(entry).to_contain_text("kommunalsjef helse")
    expect(entry).to_contain_text(ws.personas[0])
    expect(entry.locator(".followup-note strong")).to_have_text("utsatt")
    expect(fac.locator("[data-status=achieved] .followup-entry")).to_have_count(0)
    found["report"] = axe_violations(fac)
    screenshot(fac, "followup-report.png")
    with fac.expect_download() as dl:
        fac.locator("a[data-format=docx]").click()
    assert dl.value.suggested_filename.startswith("oppfolging-") and dl.value.suggested_filename.endswith(".docx")

    # A phone-sized window (and 320 CSS px, WCAG reflow): no sideways scrolling on either page.
    _, small = pages.new("small", viewport={"width": 320, "height": 640}, storage_state=facilitator_state)
    for path, name in ((f"/workshops/{ws.id}/followups?open={item_id}", "followup-register-320.png"), (f"/workshops/{ws.id}/followups/report", "followup-report-320.png")):
        small.goto(server.base + path)
        width = small.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{path}: {width} CSS px wide at 320"
        screenshot(small, name)

    # The next meeting: the review page, by keyboard only. The current assessment is chosen; the meeting
    # picks «achieved» with the arrow keys, writes a comment and records the review.
    fac.goto(f"{server.base}/workshops/{ws.id}/followups")
    fac.locator(f"a[href$='/workshops/{ws.id}/followups/review']").click()
    expect(fac.locator(f"#status-{item_id}-not_far_enough")).to_be_checked()
    fac.locator("#meeting").fill("Oppfølgingsmøte mars")
    fac.locator(f"#status-{item_id}-not_far_enough").focus()
    fac.keyboard.press("ArrowLeft")  # radio order: open, achieved, not far enough, next focus
    expect(fac.locator(f"#status-{item_id}-achieved")).to_be_checked()
    fac.keyboard.press("Tab")
    expect(fac.locator(f"#note-{item_id}")).to_be_focused()
    fac.keyboard.type("Kurset er holdt i tre kommuner.")
    found["review"] = axe_violations(fac)
    screenshot(fac, "followup-review.png")
    fac.locator(".review-form button[type=submit]").focus()
    fac.keyboard.press("Enter")
    expect(fac).to_have_url(re.compile(rf"/workshops/{ws.id}/followups#register$"))
    expect(fac.locator(f"#f{item_id}.fu-achieved")).to_have_count(1)
    fac.locator(f"#f{item_id} summary").click()
    steps = fac.locator(f"#f{item_id} .history-steps li")
    expect(steps).to_have_count(2)  # set on the register page, then at the meeting
    expect(steps.nth(1)).to_contain_text("Oppfølgingsmøte mars")
    expect(steps.nth(1)).to_contain_text("Kurset er holdt i tre kommuner.")
    screenshot(fac, "followup-history.png")
    fac.goto(f"{server.base}/workshops/{ws.id}/followups/report")
    expect(fac.locator(f"[data-status=achieved] .followup-entry[data-id='{item_id}'] .followup-history li")).to_have_count(2)

    assert_no_axe_violations(found)
    # The refused form answers 422 on purpose; Chromium logs every 4xx page load as a console error.
    unexpected = [e for e in pages.errors if not re.search(rf"status of 422 .*/workshops/{ws.id}/followups/{item_id}$", e)]
    assert unexpected == [], "\n".join(unexpected)
