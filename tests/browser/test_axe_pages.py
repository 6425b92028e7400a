"""Real browser, axe-core (WCAG 2.1 A/AA) over every HTML page of the app in nynorsk and English (issue
"Venue-ready").

The feature tests scan their pages in bokmål with content in them (test_browser, test_report_browser,
test_followup_browser, test_themeboard_browser, test_tags_browser), and test_axe_states scans the phone, wall
and dashboard in every state in all three languages. This test covers the rest of the matrix: each page a
facilitator, a participant or a share-link reader can open (the list below follows the app's URL map; a test
checks the list is complete), on a workshop with a post in it, opened with ``?lang=nn`` and ``?lang=en``.
Every violation is collected and reported together.

axe is injected as an inline script, which the app's CSP forbids: the scanning browsers bypass the CSP.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api")
from browsing import (
    FACILITATOR,
    PHONE,
    Pages,
    Server,
    assert_no_axe_violations,
    axe_violations,
    create_workshop,
    join,
    make_series,
    make_share_link,
    pick_group,
    post,
    require_axe,
)
from playwright.sync_api import expect

from facilitator.app import create_app

pytestmark = [pytest.mark.browser, pytest.mark.rendering]

LANGUAGES = ("nn", "en")

# Every GET route that answers an HTML page, by the endpoint Flask knows it as. Downloads, images, the
# service worker, fragments and redirects are not pages.
PAGES = {
    "pages.home": "/",
    "pages.privacy": "/personvern",
    "pages.accessibility": "/tilgjengelighet",
    "auth.login": "/login",
    "participant.join_form": "/join",
    "participant.group": "{phone}",
    "participant.edit_contribution": "{edit}",
    "privacy.participant_page": "/w/{id}/personvern",
    "wall.show": "{wall}",
    "admin.workshops": "/workshops",
    "admin.new_workshop": "/workshops/new",
    "admin.manage": "/workshops/{id}",
    "admin.live": "/workshops/{id}/live",
    "admin.new_persona": "/workshops/{id}/personas/new",
    "control.plan": "/workshops/{id}/plan",
    "tagging.vocabulary": "/workshops/{id}/tags",
    "themes.page": "/workshops/{id}/themes",
    "followup.register": "/workshops/{id}/followups",
    "followup.report": "/workshops/{id}/followups/report",
    "followup_review.review_page": "/workshops/{id}/followups/review",
    "report.page": "/workshops/{id}/report",
    "report.edit": "/workshops/{id}/report/edit",
    "report.links": "/workshops/{id}/report/links",
    "privacy.manage": "/workshops/{id}/privacy",
    "privacy.delete_workshop": "/workshops/{id}/delete",
    "report.shared": "{share}",
    "followup.shared": "{share}/followups",
    "series.index": "/serier",
    "series.page": "/serier/{series}",
    "series.report": "/serier/{series}/rapport",
    "series.review_page": "/serier/{series}/gjennomgang",
    "workshop_templates.library": "/maler",
    "workshop_templates.show": "{template}",
}
NOT_PAGES = {
    "pages.accessibility_en",  # a redirect to /tilgjengelighet
    "pages.favicon",
    "pages.health",
    "participant.join_code",  # a redirect into the join flow
    "participant.workshop",  # a redirect to the group picker or the group page
    "participant.service_worker",
    "wall.qr_code",
    "admin.qr_code",
    "report.download",
    "report.fragment",
    "report.shared_fragment",
    "report.shared_download",
    "followup.download",
    "followup.shared_download",
    "series.download",
    "workshop_templates.download",  # the template file (JSON)
}


def test_the_page_list_covers_every_html_route() -> None:
    app = create_app()
    endpoints = {
        r.endpoint
        for r in app.url_map.iter_rules()
        if "GET" in r.methods and not r.rule.startswith(("/api", "/static"))
    }
    assert endpoints - set(PAGES) - NOT_PAGES == set(), "a page axe does not scan"
    assert set(PAGES) - endpoints == set(), "a page that no longer exists"


def test_axe_every_page_in_nynorsk_and_english(
    server: Server, pages: Pages, facilitator_state: dict[str, Any]
) -> None:
    require_axe()
    _, fac = pages.new(
        "facilitator",
        viewport=FACILITATOR,
        storage_state=facilitator_state,
        bypass_csp=True,
        reduced_motion="reduce",
    )
    ws = create_workshop(
        fac, server, "Kvar side på nynorsk og engelsk", n_personas=2, n_groups=2
    )
    _, phone = pages.new("phone", bypass_csp=True, reduced_motion="reduce", **PHONE)
    join(phone, server, ws.code, name="Kari")
    pick_group(phone, 0)
    post(phone, "need", "Rettleiing for nyutdanna sjukepleiarar")
    phone_url = phone.url
    edit_url = phone.locator(".card.mine [data-action=edit]").first.get_attribute(
        "href"
    )
    assert edit_url

    share_url = make_share_link(fac, server, ws.id)
    series_id = make_series(fac, server, "Kompetanseløftet 2027", [ws.id])
    # A template of one's own (its page shows the forms to edit, replace and delete it).
    fac.goto(f"{server.base}/workshops/{ws.id}")
    fac.fill("#template-name", "Mal for sida")
    fac.locator("#save-template button[type=submit]").click()
    expect(fac).to_have_url(re.compile(r"/maler/\d+$"))
    template_url = fac.url

    _, visitor = pages.new(
        "visitor", bypass_csp=True, reduced_motion="reduce"
    )  # not logged in
    where = {
        "id": ws.id,
        "phone": phone_url.removeprefix(server.base),
        "edit": edit_url.removeprefix(server.base),
        "wall": ws.wall_url.removeprefix(server.base),
        "share": share_url.removeprefix(server.base),
        "series": series_id,
        "template": template_url.removeprefix(server.base),
    }
    found: dict[str, list[dict[str, Any]]] = {}
    for lang in LANGUAGES:
        for endpoint, path in PAGES.items():
            page = fac
            if endpoint.startswith(("participant.", "privacy.participant")):
                page = phone
            elif endpoint in {
                "auth.login",
                "wall.show",
                "report.shared",
                "followup.shared",
            }:
                page = visitor
            url = server.base + path.format(**where)
            response = page.goto(url + ("&" if "?" in url else "?") + "lang=" + lang)
            assert response is not None and response.ok, (
                f"{endpoint}: {url} answered {response and response.status}"
            )
            expect(page.locator("html"), f"{endpoint}: {page.url}").to_have_attribute(
                "lang", lang
            )
            found[f"{endpoint} / {lang}"] = axe_violations(page)
    assert_no_axe_violations(found)
    assert pages.errors == [], "\n".join(pages.errors)
