"""Workshop templates in real headless Chromium: a facilitator saves a workshop as a template, finds it in
the library after the built-in 2019 template, makes a new workshop from the 2019 template, and imports a
file that is no template and reads why; the library and a template's page pass axe-core's WCAG 2.1 AA rules
and do not scroll sideways at 360 CSS px.

Screenshots: test-artifacts/templates-*.png, copied to docs/screenshots/ for docs/facilitating.md ("Maler").
"""

from __future__ import annotations

import re
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api")
from browsing import (  # noqa: E402
    FACILITATOR,
    Pages,
    Server,
    assert_no_axe_violations,
    axe_violations,
    create_workshop,
    require_axe,
    screenshot,
)
from helpers import ARTIFACTS  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

# A feature flow as a person sees it; its writes are tested on both databases in tests/web (scripts/test.sh).
pytestmark = [pytest.mark.browser, pytest.mark.one_database]

BUILTIN = "Kompetansealliansen Møre og Romsdal 2019"


def test_save_use_and_import_templates(server: Server, pages: Pages, facilitator_state: dict[str, Any]) -> None:
    require_axe()
    _, fac = pages.new("facilitator", viewport=FACILITATOR, storage_state=facilitator_state, bypass_csp=True)
    ws = create_workshop(fac, server, "Kompetanseløftet Romsdal", n_personas=2, n_groups=2)

    # «Lagre som mal» on the workshop's page.
    fac.goto(ws.manage_url)
    panel = fac.locator("#save-template")
    panel.scroll_into_view_if_needed()
    fac.fill("#template-name", "Romsdal-malen")
    fac.fill("#template-description", "To bord, to personas – for kommunene i Romsdal.")
    ARTIFACTS.mkdir(exist_ok=True)
    panel.screenshot(path=str(ARTIFACTS / "templates-save.png"))
    panel.locator("button[type=submit]").click()
    expect(fac).to_have_url(re.compile(r"/maler/\d+$"))
    expect(fac.locator("h1")).to_have_text("Romsdal-malen")
    expect(fac.locator(".persona-list li")).to_have_count(2)
    expect(fac.locator("#edit-name")).to_have_value("Romsdal-malen")  # ours to edit
    screenshot(fac, "templates-own.png")

    # The library, from the navigation: the built-in template first, then ours.
    fac.locator("header nav a[href='/maler']").click()
    expect(fac).to_have_url(re.compile(r"/maler$"))
    names = fac.locator(".template-card h3 a")
    expect(names.first).to_have_text(BUILTIN)
    expect(fac.locator("#own-h ~ .template-card h3 a")).to_contain_text(["Romsdal-malen"])
    screenshot(fac, "templates-library.png")
    found = {"library": axe_violations(fac)}

    # A new workshop from the 2019 template.
    names.first.click()
    template_url = fac.url
    expect(fac.locator("h1")).to_have_text(BUILTIN)
    expect(fac.locator("#edit")).to_have_count(0)  # read-only
    found["template"] = axe_violations(fac)
    fac.fill("#new-title", "Kompetanseløftet Nordmøre")
    fac.fill("#new-date", "2027-02-04")
    fac.fill("#new-place", "Kristiansund")
    fac.locator("#new form button[type=submit]").click()
    expect(fac).to_have_url(re.compile(r"/workshops/\d+$"))
    expect(fac.locator("h1")).to_have_text("Kompetanseløftet Nordmøre")
    expect(fac.locator("[data-made-from]")).to_contain_text(BUILTIN)
    expect(fac.locator("[data-status]").first).to_have_attribute("data-status", "draft")
    expect(fac.locator("#groups tbody input[name=name]")).to_have_count(5)
    expect(fac.locator("#personas .persona-list li")).to_have_count(5)
    expect(fac.locator("#intro")).to_have_value(re.compile("Kompetansealliansen Møre og Romsdal"))
    screenshot(fac, "templates-new-workshop.png", full_page=False)

    # A file that is no template: a clear message, nothing imported.
    fac.goto(server.base + "/maler")
    before = fac.locator(".template-card").count()
    fac.locator("#template-file").set_input_files(
        files=[{"name": "referat.json", "mimeType": "application/json", "buffer": "Referat fra møtet 13. juni".encode()}]
    )
    fac.locator("#import button[type=submit]").click()
    error = fac.locator("[data-import-error]")
    expect(error).to_contain_text("ikke JSON")
    expect(fac.locator("#template-file")).to_have_attribute("aria-invalid", "true")
    expect(fac.locator(".template-card")).to_have_count(before)
    error.scroll_into_view_if_needed()
    screenshot(fac, "templates-import-error.png")
    found["library with an error"] = axe_violations(fac)

    # 360 CSS px: no sideways scrolling.
    fac.set_viewport_size({"width": 360, "height": 740})
    for url in (server.base + "/maler", template_url):
        fac.goto(url)
        assert fac.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), url
    assert_no_axe_violations(found)
    unexpected = [e for e in pages.errors if not re.search(r"status of 422 .*/maler/import$", e)]  # the refused file
    assert unexpected == [], "\n".join(unexpected)

