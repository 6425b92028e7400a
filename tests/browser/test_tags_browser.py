"""Real browser: one-tap tags (sessions/tags.py, facilitator/static/js/tags.js).

A 360 px phone joins with a role, posts a proposal and taps a kind of measure under its own card; the
dashboard and the wall show the chip at once, without a reload. The facilitator then tags the same card
from the dashboard and the phone shows that too. The phone never gets toggles under someone else's card,
and never sees a role. axe-core checks the phone with the toggles open and the vocabulary page.

Screenshots: ``test-artifacts/tags-join.png`` (the role at join), ``tags-phone.png``, ``tags-dashboard.png``, ``tags-wall.png``,
``tags-vocabulary.png``. Server, browser and page fixtures come from tests/browsing.py and tests/browser/conftest.py.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api")
from browsing import (  # noqa: E402
    AXE_JS,
    FACILITATOR,
    PHONE,
    WALL,
    Pages,
    Server,
    assert_no_axe_violations,
    assert_not_reloaded,
    axe_violations,
    cards,
    create_workshop,
    mark,
    open_live,
    pick_group,
    post,
    screenshot,
)
from playwright.sync_api import expect  # noqa: E402

# A feature flow as a person sees it; its writes are tested on both databases in tests/web (scripts/test.sh).
pytestmark = [pytest.mark.browser, pytest.mark.one_database]


def test_a_phone_tags_its_own_post_and_every_screen_shows_it(server: Server, pages: Pages, facilitator_state: dict[str, Any]) -> None:
    _, fac = pages.new("facilitator", viewport=FACILITATOR, storage_state=facilitator_state, bypass_csp=True)
    ws = create_workshop(fac, server, "Stikkord-verkstad", n_personas=2, n_groups=2)
    open_live(fac, f"{server.base}/workshops/{ws.id}/live")
    _, wall = pages.new("wall", viewport=WALL)
    open_live(wall, ws.wall_url)

    # Two phones at the same table; the first gives a role when joining.
    _, phone = pages.new("phone", bypass_csp=True, **PHONE)
    phone.goto(server.base + "/join")
    phone.fill("#code", ws.code)
    phone.select_option("#role", "mellomleder")
    screenshot(phone, "tags-join.png")
    phone.locator("main form button[type=submit]").click()
    expect(phone).to_have_url(re.compile(r"/w/\d+$"))
    pick_group(phone, 0)
    _, mate = pages.new("mate", **PHONE)
    mate.goto(server.base + "/join")
    mate.fill("#code", ws.code)
    mate.locator("main form button[type=submit]").click()
    pick_group(mate, 0)

    mine = "Samlingsbasert vidareutdanning i leiing, fire samlingar i året"
    theirs = "Fadderordning for nytilsette helsefagarbeidarar"
    post(phone, "solution", mine)
    post(mate, "solution", theirs)
    expect(cards(phone, theirs)).to_have_count(1)
    # Toggles only under one's own card (also one that arrived live).
    own = cards(phone, mine)
    expect(own.locator("[data-field=tag-picker]")).to_have_count(1)
    expect(cards(phone, theirs).locator("[data-field=tag-picker]")).to_have_count(0)

    mark(fac, wall, phone, mate)
    # Under a post the phone has just made the toggles are open already: tagging it is one tap.
    expect(own.locator("[data-field=tag-picker]")).to_have_attribute("open", "")
    toggle = own.locator("[data-tag-form] .tag-toggle.tag-measure").first
    label = (toggle.text_content() or "").strip()
    tag_id = toggle.get_attribute("data-tag-id")
    assert label == "kurs" and tag_id
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.tap()  # one tap
    expect(toggle).to_have_attribute("aria-pressed", "true")
    chip = f"[data-field=tags] [data-tag-id='{tag_id}']"
    expect(own.locator(chip)).to_have_text(label)

    # Everywhere else, live.
    for page in (fac, wall, mate):
        expect(cards(page, mine).locator(chip)).to_have_text(label)
        expect(cards(page, theirs).locator("[data-field=tags]")).to_be_hidden()
    assert_not_reloaded(fac, wall, phone, mate)

    # The facilitator tags the same card from the dashboard (a level); the phone shows it live.
    dash_card = cards(fac, mine)
    dash_card.locator("[data-field=tag-picker] > summary").click()
    level = dash_card.locator("[data-tag-form] .tag-toggle.tag-level").nth(2)
    level_id = level.get_attribute("data-tag-id")
    level_label = (level.text_content() or "").strip()
    level.click()
    expect(level).to_have_attribute("aria-pressed", "true")
    for page in (phone, wall, fac):
        expect(cards(page, mine).locator(f"[data-field=tags] [data-tag-id='{level_id}']")).to_have_text(level_label)
    expect(own.locator(f".tag-toggle[data-tag-id='{level_id}']")).to_have_attribute("aria-pressed", "true")

    # Taking the first tag off again, on the phone.
    toggle.tap()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    for page in (fac, wall, mate):
        expect(cards(page, mine).locator(chip)).to_have_count(0)
    assert_not_reloaded(fac, wall, phone, mate)
    toggle.tap()
    expect(cards(fac, mine).locator(chip)).to_have_text(label)

    # Nobody ever sees the role.
    for page in (fac, wall, phone, mate):
        assert "mellomleder" not in page.content().lower()

    # After a reload the toggles are folded away under their summary (the server draws them closed).
    phone.reload()
    expect(phone.locator("[data-connection][data-state=online]")).to_be_visible()
    own = cards(phone, mine)
    expect(own.locator("[data-field=tag-picker]")).not_to_have_attribute("open", "")
    own.locator("[data-field=tag-picker] > summary").click()
    expect(own.locator(f".tag-toggle[data-tag-id='{tag_id}']")).to_have_attribute("aria-pressed", "true")
    own.scroll_into_view_if_needed()
    screenshot(phone, "tags-phone.png", full_page=False)
    screenshot(phone, "tags-phone-full.png")
    dash_card.locator("[data-field=tag-picker] > summary").click()  # close the toggles again
    fac.evaluate("window.scrollTo(0, 0)")
    screenshot(fac, "tags-dashboard.png", full_page=False)
    screenshot(wall, "tags-wall.png", full_page=False)

    # Accessibility of the toggles (open) and of the vocabulary page.
    if AXE_JS.exists():
        found = {"phone with tag toggles": axe_violations(phone)}
        fac.goto(f"{server.base}/workshops/{ws.id}/tags")
        expect(fac.locator("#cat-measure")).to_be_visible()
        found["vocabulary page"] = axe_violations(fac)
        screenshot(fac, "tags-vocabulary.png")
        assert_no_axe_violations(found)
    assert pages.errors == [], "\n".join(pages.errors)
