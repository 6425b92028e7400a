"""Series of workshops in real headless Chromium: a facilitator makes «Kompetanseløftet 2027», adds three
workshops (two from the series page, one from the workshop's own page), sees the workshops side by side
and the contributions per persona per workshop, is told clearly that a workshop cannot join a second
series, and opens the printable series report; the pages pass axe-core's WCAG 2.1 AA rules and do not
scroll sideways at 360 CSS px. Screenshots: docs/screenshots/series-*.png (docs/facilitating.md, "Serier").
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
    make_series,
    pick_group,
    post,
    require_axe,
    screenshot,
)
from helpers import ARTIFACTS  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

# A feature flow as a person sees it; its writes are tested on both databases in tests/web (scripts/test.sh).
pytestmark = [pytest.mark.browser, pytest.mark.one_database]

REGIONS = {"Nordmøre": "Kristiansund", "Romsdal": "Molde", "Sunnmøre": "Ålesund"}
POSTS = {
    "Nordmøre": [(0, "need", "Mentorordning for nye ledere"), (1, "need", "Velferdsteknologi i hjemmetjenesten"), (1, "solution", "Kurs i velferdsteknologi")],
    "Romsdal": [(0, "need", "Mentor for nye ledere første år"), (2, "need", "Digital kompetanse i skolen")],
    "Sunnmøre": [(0, "need", "Mentorordning for ledere i helse"), (1, "need", "Opplæring i velferdsteknologi"), (2, "solution", "Nettverk for nye rektorer")],
}


def test_make_a_series_and_read_its_report(server: Server, pages: Pages, facilitator_state: dict[str, Any]) -> None:
    require_axe()
    _, fac = pages.new("facilitator", viewport=FACILITATOR, storage_state=facilitator_state, bypass_csp=True)
    _, phone = pages.new("phone", **PHONE)
    workshops = {}
    for title, place in REGIONS.items():
        ws = create_workshop(fac, server, title, n_personas=3, n_groups=3)
        fac.fill("#place", place)
        fac.locator("#details button[type=submit]").click()
        expect(fac.locator(".page-head .subtitle")).to_contain_text(place)
        workshops[title] = ws
        for group, kind, text in POSTS[title]:
            join(phone, server, ws.code)
            pick_group(phone, group)
            post(phone, kind, text)

    # The series, with Nordmøre and Romsdal added from its page ...
    series_id = make_series(fac, server, "Kompetanseløftet 2027", [workshops["Nordmøre"].id, workshops["Romsdal"].id])
    # ... and Sunnmøre from the workshop's own page («Serie: …»).
    fac.goto(workshops["Sunnmøre"].manage_url)
    fac.locator("#series-choice").select_option(str(series_id))
    fac.locator("#series button[type=submit]").click()
    expect(fac.locator("[data-series-current] a")).to_have_text("Kompetanseløftet 2027")
    fac.locator("#series").screenshot(path=str(ARTIFACTS / "series-workshop-panel.png"))

    # The series page: the three workshops side by side and the personas across them.
    fac.locator("[data-series-current] a").click()
    expect(fac).to_have_url(re.compile(rf"/serier/{series_id}$"))
    expect(fac.locator("[data-series-workshops] li")).to_have_count(3)
    overview = fac.locator("table[data-table=overview] tbody tr")
    expect(overview).to_have_count(3)
    for i, title in enumerate(REGIONS):
        expect(overview.nth(i).locator("th")).to_have_text(title)
        needs = sum(1 for _g, kind, _t in POSTS[title] if kind == "need")
        expect(overview.nth(i).locator("td").nth(-2)).to_have_text(str(needs))
        expect(overview.nth(i).locator("td").last).to_have_text(str(len(POSTS[title]) - needs))
    head = fac.locator("table[data-table=personas] thead th")
    expect(head).to_have_text(["Persona", *REGIONS, "Sum"])
    persona_rows = fac.locator("table[data-table=personas] tbody tr")
    first = workshops["Nordmøre"].personas
    for p, name in enumerate(first):
        expected = [sum(1 for g, _k, _t in POSTS[t] if g == p) for t in REGIONS]
        row = persona_rows.filter(has=fac.locator("th", has_text=re.compile("^" + re.escape(name) + "$")))
        expect(row.locator("td")).to_have_text([*map(str, expected), str(sum(expected))])
    expect(fac.locator(".series-themes li").first).to_contain_text("Kom opp i 3 av 3 workshoper")
    found = {"series page": axe_violations(fac)}
    screenshot(fac, "series-page.png")

    # A workshop cannot be in two series: a clear message, and nothing changes.
    second = make_series(fac, server, "Andre runde", [])
    fac.locator("#add-workshop").select_option(str(workshops["Nordmøre"].id))
    fac.locator("#workshops form[action$='/workshops'] button[type=submit]").click()
    expect(fac.locator(".flash-error")).to_contain_text("allerede i serien «Kompetanseløftet 2027»")
    expect(fac.locator("[data-series-workshops] li")).to_have_count(0)
    assert f"/serier/{second}" in fac.url
    screenshot(fac, "series-error.png")

    # The list of series, and the printable report with its downloads.
    fac.goto(server.base + "/serier")
    expect(fac.locator("[data-series-list] tbody tr")).to_have_count(2)
    found["series list"] = axe_violations(fac)
    screenshot(fac, "series-list.png")
    fac.goto(f"{server.base}/serier/{series_id}")
    fac.locator("[data-series-report-link]").click()
    expect(fac).to_have_url(re.compile(rf"/serier/{series_id}/rapport$"))
    expect(fac.locator("h1")).to_have_text("Kompetanseløftet 2027")
    found["series report"] = axe_violations(fac)
    screenshot(fac, "series-report.png")
    with fac.expect_download(timeout=90_000) as dl:  # the export worker's first start
        fac.locator("a[data-format=xlsx]").click(no_wait_after=True)
    assert dl.value.suggested_filename == "serie-kompetanseloftet-2027.xlsx"

    # Follow-up across meetings: an item in two workshops' registers, then the series' review meeting over
    # both at once (keyboard for the assessments), and the history in the series report.
    for title, text in (("Nordmøre", "Mentorordning for nye ledere"), ("Romsdal", "Felles kurs i velferdsteknologi")):
        fac.goto(f"{server.base}/workshops/{workshops[title].id}/followups")
        fac.fill("#new-text", text)
        fac.locator("#new button[type=submit]").click()
        expect(fac.locator(".followup-item")).to_have_count(1)
    fac.goto(f"{server.base}/serier/{series_id}")
    fac.locator("[data-series-review-link]").click()
    expect(fac).to_have_url(re.compile(rf"/serier/{series_id}/gjennomgang$"))
    registers = fac.locator(".review-register")
    expect(registers).to_have_count(3)  # every workshop of the series, Sunnmøre with an empty register
    expect(registers.nth(0).locator("h2")).to_contain_text("Nordmøre")
    fac.fill("#meeting", "Oppfølgingsmøte mars 2027")
    items = fac.locator(".review-register .followup-item")
    expect(items).to_have_count(2)
    for i, (presses, comment) in enumerate(((1, "Tolv mentorpar"), (2, "Mangler midler"))):
        item_id = items.nth(i).get_attribute("data-id")
        fac.locator(f"#status-{item_id}-open").focus()
        for _ in range(presses):
            fac.keyboard.press("ArrowRight")  # open → achieved → not far enough
        fac.keyboard.press("Tab")
        expect(fac.locator(f"#note-{item_id}")).to_be_focused()
        fac.keyboard.type(comment)
    expect(fac.locator(f"#status-{items.nth(1).get_attribute('data-id')}-not_far_enough")).to_be_checked()
    found["series review"] = axe_violations(fac)
    screenshot(fac, "series-review.png")
    fac.locator(".review-form button[type=submit]").click()
    expect(fac).to_have_url(re.compile(rf"/serier/{series_id}#followups$"))
    expect(fac.locator(".flash-success")).to_contain_text("Oppfølgingsmøte mars 2027")
    achieved = fac.locator("table[data-table=followups] tbody tr").filter(has=fac.locator("th", has_text="Nordmøre"))
    expect(achieved.locator("td").first).to_have_text("1")
    history = fac.locator("table[data-table=history] tbody tr")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("Tolv mentorpar")
    expect(history.nth(1)).to_contain_text("Ikkje kome langt nok")
    fac.locator("#followup-history").screenshot(path=str(ARTIFACTS / "series-history.png"))

    # A phone-sized window: no sideways scrolling (wide tables scroll inside their own box).
    _, small = pages.new("small", viewport={"width": 360, "height": 740}, storage_state=facilitator_state)
    for path in (f"/serier/{series_id}", f"/serier/{series_id}/rapport", "/serier", f"/serier/{series_id}/gjennomgang"):
        small.goto(server.base + path)
        width = small.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path}: {width} CSS px wide at 360"
    screenshot(small, "series-page-360.png")
    assert_no_axe_violations(found)
