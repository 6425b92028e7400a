"""The report in real headless Chromium: hostile text is inert on the page (no script runs, no request
leaves the server's origin) and literal in the DOCX and PDF downloaded from it; a share link's page updates
live while the workshop runs; the summary editor previews, autosaves and keeps what was typed across a
reload; and the report page and editor pass axe-core's WCAG 2.1 AA rules.

The server, browser and page fixtures and the steps a person takes come from tests/browsing.py and tests/browser/conftest.py.
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
    assert_not_reloaded,
    axe_violations,
    create_workshop,
    join,
    make_share_link,
    mark,
    pick_group,
    post,
    require_axe,
    screenshot,
)
from playwright.sync_api import Page, expect  # noqa: E402

# A feature flow as a person sees it; its writes are tested on both databases in tests/web (scripts/test.sh).
pytestmark = [pytest.mark.browser, pytest.mark.one_database]

HOSTILE_POSTS = [
    '<script>window.__pwned=1</script>',
    '<img src="http://evil.example/x.png" onerror="window.__pwned=1">',
    "![sporing](http://evil.example/pixel.png)",
    "[klikk](javascript:window.__pwned=1)",
]
HOSTILE_SUMMARY = (
    "**Oppsummert** <script>window.__pwned=1</script>\n\n"
    '<img src="http://evil.example/y.png" onerror="window.__pwned=1">\n\n'
    "![sporing](http://evil.example/pixel2.png) og [klikk](javascript:window.__pwned=1)\n\n"
    '<a href="http://evil.example/">lenke</a>'
)


def _write_summary(fac: Page, server: Server, ws_id: int, text: str) -> None:
    fac.goto(f"{server.base}/workshops/{ws_id}/report/edit")
    expect(fac.locator("[data-report-editor][data-ready='1']")).to_have_count(1)
    fac.fill("#summary", text)
    expect(fac.locator("[data-save-state][data-state=saved]")).to_be_visible()


def _watch_requests(page: Page) -> tuple[list[str], list[str]]:
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    return requests, dialogs


def test_hostile_text_is_inert_on_the_page_and_literal_in_docx_and_pdf(
    server: Server, pages: Pages, facilitator_state: dict[str, Any]
) -> None:
    _, fac = pages.new("facilitator", viewport=FACILITATOR, storage_state=facilitator_state)
    fac_requests, fac_dialogs = _watch_requests(fac)
    ws = create_workshop(fac, server, "Rapport med <b>fiendtleg</b> tekst", n_personas=1, n_groups=1)
    _, phone = pages.new("phone", **PHONE)
    join(phone, server, ws.code)
    pick_group(phone, 0)
    for text in HOSTILE_POSTS:
        post(phone, "solution", text)

    _write_summary(fac, server, ws.id, HOSTILE_SUMMARY)
    preview = fac.locator("#summary-preview")
    expect(preview.locator("strong")).to_have_text("Oppsummert")
    expect(preview.locator("img, script, iframe")).to_have_count(0)
    assert preview.locator("a[href^=javascript]").count() == 0
    share_url = make_share_link(fac, server, ws.id)

    ctx, viewer = pages.new("organiser", viewport=FACILITATOR, accept_downloads=True)
    requests, dialogs = _watch_requests(viewer)
    viewer.goto(share_url)
    report = viewer.locator("article.report")
    expect(report.locator("h1")).to_have_text("Rapport med <b>fiendtleg</b> tekst")
    items = report.locator(".report-item .item-text")
    expect(items).to_have_count(len(HOSTILE_POSTS))
    assert items.all_text_contents() == HOSTILE_POSTS
    summary = report.locator("#summary .md")
    expect(summary).to_contain_text("<script>window.__pwned=1</script>")
    expect(summary).to_contain_text('<img src="http://evil.example/y.png"')
    expect(summary).to_contain_text("![sporing](http://evil.example/pixel2.png)")
    expect(report.locator("img, script, iframe, object, embed")).to_have_count(0)
    hrefs = report.locator("a[href]").evaluate_all("els => els.map(a => a.getAttribute('href'))")
    assert not [h for h in hrefs if h.lower().startswith("javascript")], hrefs
    assert viewer.evaluate("typeof window.__pwned") == "undefined"
    for page in (viewer, fac):
        page.reload()
        assert page.evaluate("typeof window.__pwned") == "undefined"
    assert dialogs == [] and fac_dialogs == []
    foreign = [u for u in requests + fac_requests if not u.startswith(server.base) and not u.startswith("data:")]
    assert foreign == [], f"requests left the server's origin: {foreign}"

    # The files organisers download from the page: the text is there, literally.
    import docx
    from pypdf import PdfReader

    with viewer.expect_download() as dl:
        viewer.locator("a[data-format=docx]").click()
    doc = docx.Document(dl.value.path())
    paragraphs = [p.text for p in doc.paragraphs]
    for text in HOSTILE_POSTS:
        assert text in paragraphs, text
    assert any("<script>window.__pwned=1</script>" in p for p in paragraphs)
    with viewer.expect_download() as dl:
        viewer.locator("a[data-format=pdf]").click()
    pdf = re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in PdfReader(dl.value.path()).pages))
    for text in HOSTILE_POSTS + ["<script>window.__pwned=1</script>"]:
        assert re.sub(r"\s+", " ", text) in pdf, text
    assert pages.errors == [], "\n".join(pages.errors)


def test_share_link_page_updates_live_and_editor_keeps_typing(
    server: Server, pages: Pages, facilitator_state: dict[str, Any]
) -> None:
    _, fac = pages.new("facilitator", viewport=FACILITATOR, storage_state=facilitator_state)
    ws = create_workshop(fac, server, "Personalledersamling – rapport", n_personas=3, n_groups=3)
    _, phone = pages.new("phone", **PHONE)
    join(phone, server, ws.code)
    pick_group(phone, 0)
    post(phone, "need", "Mentor det første året – æøå «sitat» 🙂")

    # Typing is never lost: reload right after typing (before the autosave) and the text is still there.
    fac.goto(f"{server.base}/workshops/{ws.id}/report/edit")
    expect(fac.locator("[data-report-editor][data-ready='1']")).to_have_count(1)
    typed = "Kommunane kjende seg **godt** igjen i personane.\n\n- Leiing i omstilling\n- Kortare kurs"
    fac.fill("#summary", typed)
    fac.reload()
    expect(fac.locator("#summary")).to_have_value(typed)
    expect(fac.locator("[data-save-state][data-state=saved]")).to_be_visible()
    expect(fac.locator("#summary-preview strong")).to_have_text("godt")
    expect(fac.locator("#summary-preview li")).to_have_count(2)
    fac.reload()
    expect(fac.locator("#summary")).to_have_value(typed)  # from the server now
    assert fac.evaluate(f"localStorage.getItem('pv-report-draft-{ws.id}')") is None

    share_url = make_share_link(fac, server, ws.id)
    _, viewer = pages.new("organiser", viewport={"width": 1100, "height": 900})
    viewer.goto(share_url)
    expect(viewer.locator("[data-report-live][data-synced='1']")).to_have_count(1)
    expect(viewer.locator("#summary .md strong")).to_have_text("godt")
    mark(viewer)
    post(phone, "solution", "Traineeordning i kommunen")
    post(phone, "solution", "Fagdag kvar månad")
    items = viewer.locator(".report-item .item-text")
    expect(items.filter(has_text=re.compile("^Traineeordning i kommunen$"))).to_have_count(1)
    expect(items.filter(has_text=re.compile("^Fagdag kvar månad$"))).to_have_count(1)
    expect(viewer.locator(".figures-line")).to_contain_text("3")
    assert_not_reloaded(viewer)
    screenshot(viewer, "report-page.png")

    # A revoked link shows a clear page.
    fac.locator("[data-link-state=active] form button").first.click()
    expect(fac.locator("[data-link-state=revoked]")).to_have_count(1)
    resp = viewer.goto(share_url)
    assert resp is not None and resp.status == 410
    expect(viewer.locator("[data-code=share_link_revoked]")).to_be_visible()
    errors = [e for e in pages.errors if "status of 410" not in e]  # the revoked page itself
    assert errors == [], "\n".join(errors)


def test_report_pages_accessibility(server: Server, pages: Pages, facilitator_state: dict[str, Any]) -> None:
    require_axe()
    _, fac = pages.new("facilitator", viewport=FACILITATOR, storage_state=facilitator_state, bypass_csp=True)
    ws = create_workshop(fac, server, "Tilgjengeleg rapport", n_personas=2, n_groups=2)
    _, phone = pages.new("phone", **PHONE)
    join(phone, server, ws.code)
    pick_group(phone, 1)
    post(phone, "need", "Rettleiing for nytilsette")
    found: dict[str, list[dict[str, Any]]] = {}
    fac.goto(f"{server.base}/workshops/{ws.id}/report")
    found["report page"] = axe_violations(fac)
    fac.goto(f"{server.base}/workshops/{ws.id}/report/edit")
    found["editor"] = axe_violations(fac)
    fac.goto(f"{server.base}/workshops/{ws.id}/report/links")
    found["share links"] = axe_violations(fac)
    _, small = pages.new("phone-320", viewport={"width": 320, "height": 640})
    url = make_share_link(fac, server, ws.id)
    small.goto(url)
    width = small.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the report page is {width} CSS px wide at 320 px"
    assert_no_axe_violations(found)
    assert pages.errors == [], "\n".join(pages.errors)
