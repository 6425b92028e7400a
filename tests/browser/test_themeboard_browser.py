"""Real browser: a facilitator groups contributions into themes on the theme board (issue 5).

Three tables post (through the API, as phones would) needs and proposals that share themes across personas.
Facilitator page A groups them by **drag and drop** (onto a theme, and onto «Nytt tema»), then **by
keyboard only** (the card's «Flytt til» menu, Tab, Enter; a theme made by typing its name and pressing
Enter), and works through the **suggestions** (accept under a new name, reject; merge two by keyboard only; add one to
the existing theme it resembles by keyboard only). After each step the
database has it, and a second facilitator page (B) and the live dashboard show it without a reload.

Screenshots go to ``test-artifacts/themes-*.png``: the board at 1280 px, the board at 360 px (nothing
scrolls sideways) and the dashboard's themes panel. axe-core checks the board (WCAG 2.1 A/AA).

The server, browser and page fixtures come from tests/browsing.py and tests/browser/conftest.py (its own server and database).
Nothing sleeps: every step waits for what a person would see.
"""

from __future__ import annotations

import json
import re
import urllib.request
import uuid
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api")
from browsing import (  # noqa: E402
    FACILITATOR,
    ONLINE,
    Pages,
    Server,
    assert_no_axe_violations,
    axe_violations,
    create_workshop,
    require_axe,
    screenshot,
)
from playwright.sync_api import Page, expect  # noqa: E402

# A feature flow as a person sees it; its writes are tested on both databases in tests/web (scripts/test.sh).
pytestmark = [pytest.mark.browser, pytest.mark.one_database]

POSTS = [
    (0, "need", "Mentor for nyutdannede lærere det første året"),
    (1, "solution", "Fadder eller mentor det første året i jobb"),
    (2, "solution", "Erfaren kollega som mentor for nye i hjemmetjenesten"),
    (0, "need", "Fast tid i arbeidsplanen til kompetanseutvikling"),
    (1, "need", "Betalt tid til e-læring i arbeidstiden"),
    (2, "solution", "Frigjort tid i arbeidstiden til å lære"),
    (0, "need", "Leiinga må stø oss gjennom omstillinga"),
    (1, "solution", "Lederne trenger opplæring i å lede omstilling"),
    (2, "need", "Bedre parkering ved rådhuset"),
    (0, "need", "Flere parkeringsplasser ved rådhuset for ansatte"),
]


def api(server: Server, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(server.base + path, data=data, method=method, headers={"Content-Type": "application/json"})
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=15) as resp:
        return json.load(resp)


def post_contributions(server: Server, code: str) -> dict[str, int]:
    """Three phones (one per table) post POSTS through the API; returns text -> contribution id."""
    tokens = []
    for table in range(3):
        joined = api(server, "POST", "/api/v1/join", {"code": code})
        tokens.append((joined["token"], joined["workshop"]["groups"][table]["id"], joined["workshop"]["id"]))
    ids = {}
    for table, kind, text in POSTS:
        token, group_id, ws_id = tokens[table]
        c = api(server, "POST", f"/api/v1/workshops/{ws_id}/contributions",
                {"group_id": group_id, "kind": kind, "text": text, "client_id": uuid.uuid4().hex}, token)
        ids[text] = c["id"]
    return ids


def stored_board(server: Server, ws_id: int) -> dict[str, list[int]]:
    """What the database has: theme name -> member ids, in board order (read with the domain, not the page)."""
    from sessions.core import store
    from sessions.themes import board as themes_board

    engine = store.make_engine(server.env["DATABASE_URL"])
    try:
        db = store.make_session_factory(engine)()
        try:
            return {t.name: list(t.member_ids) for t in themes_board.load_board(db, ws_id).themes}
        finally:
            db.close()
    finally:
        engine.dispose()


def card(page: Page, cid: int) -> Any:
    return page.locator(f"[data-theme-board] .board-card[data-id='{cid}']")


def theme(page: Page, name: str) -> Any:
    return page.locator("[data-theme]").filter(has=page.locator(".theme-title [data-field=name]", has_text=re.compile("^" + re.escape(name) + "$")))


def in_theme(page: Page, name: str, cid: int) -> None:
    expect(theme(page, name).locator(f".board-card[data-id='{cid}']")).to_have_count(1)


def ungrouped(page: Page, cid: int) -> None:
    expect(page.locator(f"#ungrouped .board-card[data-id='{cid}']")).to_have_count(1)


def panel_row(page: Page, name: str) -> Any:
    return page.locator("[data-themes-list] li").filter(has=page.locator("[data-field=name]", has_text=re.compile("^" + re.escape(name) + "$")))


def open_board(page: Page, server: Server, ws_id: int) -> None:
    page.goto(f"{server.base}/workshops/{ws_id}/themes")
    expect(page.locator(ONLINE)).to_be_visible()


def test_group_by_drag_and_drop_and_by_keyboard(server: Server, pages: Pages, facilitator_state: dict[str, Any]) -> None:
    _, a = pages.new("board-A", viewport=FACILITATOR, storage_state=facilitator_state)
    ws = create_workshop(a, server, "Temaverkstad", n_personas=3, n_groups=3)
    ids = post_contributions(server, ws.code)
    mentor, mentor2, _mentor3, tid1, tid2, tid3, leiing1, leiing2, *_parking = (ids[t] for _, _, t in POSTS)

    # The board is reached from the dashboard.
    _, dash = pages.new("dashboard", viewport=FACILITATOR, storage_state=facilitator_state)
    dash.goto(f"{server.base}/workshops/{ws.id}/live")
    expect(dash.locator(ONLINE)).to_be_visible()
    dash.locator("[data-themes-page-link]").click()
    expect(dash).to_have_url(re.compile(rf"/workshops/{ws.id}/themes$"))
    expect(dash.locator(".board-card")).to_have_count(len(POSTS))
    dash.goto(f"{server.base}/workshops/{ws.id}/live")
    expect(dash.locator(ONLINE)).to_be_visible()
    expect(dash.locator("[data-themes-empty]")).to_be_visible()

    open_board(a, server, ws.id)
    _, b = pages.new("board-B", viewport=FACILITATOR, storage_state=facilitator_state)
    open_board(b, server, ws.id)
    for page in (a, b, dash):
        page.evaluate("window.__pvMarker = 1")
    expect(a.locator("#ungrouped .board-card")).to_have_count(len(POSTS))
    # Each ungrouped card names its persona and table.
    expect(card(a, mentor).locator("[data-field=meta]")).to_contain_text(ws.personas[0])
    expect(card(a, mentor).locator("[data-field=meta]")).to_contain_text(ws.groups[0])

    # -- drag and drop ---------------------------------------------------------------------------
    a.fill("#new-theme-name", "Mentorordning")
    a.locator("[data-theme-form=create] button[type=submit]").click()
    expect(theme(a, "Mentorordning")).to_have_count(1)
    expect(theme(b, "Mentorordning")).to_have_count(1)  # live on the second page
    card(a, mentor).drag_to(theme(a, "Mentorordning"))
    in_theme(a, "Mentorordning", mentor)
    card(a, mentor2).drag_to(theme(a, "Mentorordning").locator(".theme-title"))
    in_theme(a, "Mentorordning", mentor2)
    # Onto «Nytt tema» without a name: a new theme «Tema 2» with the card in it.
    card(a, leiing1).drag_to(a.locator("[data-new-theme]"))
    in_theme(a, "Tema 2", leiing1)
    for page in (b,):
        in_theme(page, "Mentorordning", mentor)
        in_theme(page, "Mentorordning", mentor2)
        in_theme(page, "Tema 2", leiing1)
    expect(panel_row(dash, "Mentorordning").locator("[data-field=count]")).to_have_text("2")
    expect(panel_row(dash, "Tema 2").locator("[data-field=count]")).to_have_text("1")
    assert stored_board(server, ws.id) == {"Mentorordning": [mentor, mentor2], "Tema 2": [leiing1]}
    # Dragging a card back to the ungrouped column takes it out.
    card(a, leiing1).drag_to(a.locator("#ungrouped-h"))
    ungrouped(a, leiing1)
    ungrouped(b, leiing1)
    assert stored_board(server, ws.id)["Tema 2"] == []

    # -- keyboard only ---------------------------------------------------------------------------
    # A theme made by typing its name and pressing Enter.
    a.locator("#new-theme-name").focus()
    a.keyboard.type("Tid til læring")
    a.keyboard.press("Enter")
    expect(theme(a, "Tid til læring")).to_have_count(1)
    # The card's «Flytt til» menu: choose with the arrow keys, Tab to «Flytt», Enter.
    select = card(a, tid1).locator("[data-move-select]")
    select.focus()
    options = select.locator("option").all_inner_texts()
    target = options.index("Tid til læring")
    for _ in range(target):
        a.keyboard.press("ArrowDown")
    expect(select).to_have_value(re.compile(r"^\d+$"))
    assert select.evaluate("s => s.selectedOptions[0].textContent") == "Tid til læring"
    a.keyboard.press("Tab")
    assert a.evaluate("document.activeElement.closest('.board-card')?.dataset.id") == str(tid1)
    assert a.evaluate("document.activeElement.type") == "submit"
    a.keyboard.press("Enter")
    in_theme(a, "Tid til læring", tid1)
    expect(a.locator("[data-board-status]")).to_have_text("Flyttet til «Tid til læring».")
    # Focus stays with the moved card, so the next key press acts on it.
    expect(card(a, tid1).locator("[data-move-select]")).to_be_focused()
    # Two more by keyboard, the same way (Tab from the menu to its button).
    for cid in (tid2, tid3):
        s = card(a, cid).locator("[data-move-select]")
        s.focus()
        for _ in range(target):
            a.keyboard.press("ArrowDown")
        a.keyboard.press("Tab")
        a.keyboard.press("Enter")
        in_theme(a, "Tid til læring", cid)
    for cid in (tid1, tid2, tid3):
        in_theme(b, "Tid til læring", cid)
    expect(panel_row(dash, "Tid til læring").locator("[data-field=count]")).to_have_text("3")
    expect(panel_row(dash, "Tid til læring").locator("[data-field=personas]")).to_have_text(" · " + ", ".join(ws.personas))
    assert stored_board(server, ws.id) == {"Mentorordning": [mentor, mentor2], "Tema 2": [], "Tid til læring": [tid1, tid2, tid3]}

    # -- suggestions -----------------------------------------------------------------------------
    a.locator("[data-suggest-form] button[type=submit]").click()
    suggestions = a.locator("[data-suggestion]")
    expect(suggestions.first).to_be_visible()
    expect(b.locator("[data-suggestion]")).to_have_count(suggestions.count())
    # The suggestion with the third mentor card: accept it under a new name.
    # (Only ungrouped contributions are suggested: the grouped mentor cards are not in it.)
    texts = [suggestions.nth(i).locator("[data-field=members]").inner_text() for i in range(suggestions.count())]
    assert all("Mentor for nyutdannede" not in t and "Fast tid i arbeidsplanen" not in t for t in texts), texts
    first = suggestions.first
    members = [int(x) for x in (first.get_attribute("data-members") or "").split(",")]
    first.locator("[data-field=name]").fill("Leiing og omstilling")
    first.locator("[data-decide=accept]").click()
    expect(theme(a, "Leiing og omstilling")).to_have_count(1)
    for cid in members:
        in_theme(a, "Leiing og omstilling", cid)
        in_theme(b, "Leiing og omstilling", cid)
    expect(panel_row(dash, "Leiing og omstilling")).to_have_count(1)
    assert stored_board(server, ws.id)["Leiing og omstilling"] == members
    # Reject what is left; it is gone on both pages and does not come back on the next refresh.
    expect(a.locator("[data-suggestion]")).to_have_count(1)
    while a.locator("[data-suggestion]").count():
        sid = a.locator("[data-suggestion]").first.get_attribute("data-suggestion-id")
        a.locator("[data-suggestion]").first.locator("[data-decide=reject]").click()
        expect(a.locator(f"[data-suggestion-id='{sid}']")).to_have_count(0)
        expect(b.locator(f"[data-suggestion-id='{sid}']")).to_have_count(0)
    a.locator("[data-suggest-form] button[type=submit]").click()
    expect(a.locator("[data-board-status]")).to_contain_text("Ingen nye forslag")
    expect(a.locator("[data-suggestions]")).to_be_hidden()

    # Nobody reloaded; a fresh page shows what the database has.
    for page in (a, b, dash):
        assert page.evaluate("window.__pvMarker") == 1, page.url
    screenshot(a, "themes-board.png")
    screenshot(dash, "themes-dashboard.png")
    b.reload()
    expect(b.locator(ONLINE)).to_be_visible()
    for name, cids in stored_board(server, ws.id).items():
        for cid in cids:
            in_theme(b, name, cid)
    assert pages.errors == [], "\n".join(pages.errors)


def test_a_new_contribution_arrives_ungrouped_and_a_hidden_one_leaves(server: Server, pages: Pages, facilitator_state: dict[str, Any]) -> None:
    _, a = pages.new("board", viewport=FACILITATOR, storage_state=facilitator_state)
    ws = create_workshop(a, server, "Levande tavle", n_personas=2, n_groups=2)
    ids = post_contributions_two(server, ws.code)
    open_board(a, server, ws.id)
    _, dash = pages.new("dashboard", viewport=FACILITATOR, storage_state=facilitator_state)
    dash.goto(f"{server.base}/workshops/{ws.id}/live")
    expect(dash.locator(ONLINE)).to_be_visible()
    first, second = ids
    a.fill("#new-theme-name", "Mentor")
    a.keyboard.press("Enter")
    card(a, first).drag_to(theme(a, "Mentor"))
    in_theme(a, "Mentor", first)
    expect(panel_row(dash, "Mentor").locator("[data-field=count]")).to_have_text("1")
    # A facilitator hides the member on the dashboard: it leaves the board and stops counting.
    dash.locator(f"[data-live] .card[data-id='{first}'] [data-moderate=hide]").click()
    expect(card(a, first)).to_have_count(0)
    expect(panel_row(dash, "Mentor").locator("[data-field=count]")).to_have_text("0")
    # Shown again: back in its theme.
    dash.locator(f"[data-live] .card[data-id='{first}'] [data-moderate=unhide]").click()
    in_theme(a, "Mentor", first)
    expect(panel_row(dash, "Mentor").locator("[data-field=count]")).to_have_text("1")
    ungrouped(a, second)
    # A new post arrives among the ungrouped, with a working menu.
    joined = api(server, "POST", "/api/v1/join", {"code": ws.code})
    new = api(server, "POST", f"/api/v1/workshops/{ws.id}/contributions",
              {"group_id": joined["workshop"]["groups"][1]["id"], "kind": "need", "text": "Ny mentor kvar haust",
               "client_id": uuid.uuid4().hex}, joined["token"])["id"]
    ungrouped(a, new)
    s = card(a, new).locator("[data-move-select]")
    s.select_option(label="Mentor")
    card(a, new).locator(".move-form button[type=submit]").click()
    in_theme(a, "Mentor", new)
    assert stored_board(server, ws.id) == {"Mentor": [first, new]}
    assert pages.errors == [], "\n".join(pages.errors)


def stored_suggestions(server: Server, ws_id: int) -> dict[int, tuple[str, list[int]]]:
    """What the database has: pending suggestion id -> (name, member ids)."""
    from sessions.core import store
    from sessions.themes import board as themes_board

    engine = store.make_engine(server.env["DATABASE_URL"])
    try:
        db = store.make_session_factory(engine)()
        try:
            return {s.id: (s.name, list(s.member_ids)) for s in themes_board.load_board(db, ws_id).suggestions}
        finally:
            db.close()
    finally:
        engine.dispose()


def test_merge_two_suggestions_by_keyboard(server: Server, pages: Pages, facilitator_state: dict[str, Any]) -> None:
    """«Slå sammen med …» by keyboard only: open it, the menu names the other suggestion, merge; the merged
    suggestion replaces both on this page and on a second facilitator's page, and Enter accepts it."""
    _, a = pages.new("merge-A", viewport=FACILITATOR, storage_state=facilitator_state)
    ws = create_workshop(a, server, "Slå saman", n_personas=3, n_groups=3)
    post_contributions(server, ws.code)
    open_board(a, server, ws.id)
    _, b = pages.new("merge-B", viewport=FACILITATOR, storage_state=facilitator_state)
    open_board(b, server, ws.id)
    for page in (a, b):
        page.evaluate("window.__pvMarker = 1")
    a.locator("[data-suggest-form] button[type=submit]").focus()
    a.keyboard.press("Enter")
    suggestions = a.locator("[data-suggestion]")
    expect(suggestions.nth(1)).to_be_visible()
    n = suggestions.count()
    expect(b.locator("[data-suggestion]")).to_have_count(n)
    first, second = suggestions.nth(0), suggestions.nth(1)
    first_id, second_id = (int(x.get_attribute("data-suggestion-id") or 0) for x in (first, second))
    first_members = [int(x) for x in (first.get_attribute("data-members") or "").split(",")]
    second_members = [int(x) for x in (second.get_attribute("data-members") or "").split(",")]
    second_name = second.locator("[data-field=name]").input_value()
    # The name first (typed), then «Slå sammen med …»: Enter opens it, Tab to the menu (the other
    # suggestion comes first), Tab to the button, Enter.
    first.locator("[data-field=name]").focus()
    a.keyboard.press("Control+A")
    a.keyboard.type("Mentor og tid")
    first.locator(".merge-box summary").focus()
    a.keyboard.press("Enter")
    a.keyboard.press("Tab")
    menu = first.locator("[data-merge-select]")
    expect(menu).to_be_focused()
    expect(menu.locator("option:checked")).to_have_text(second_name)
    a.keyboard.press("Tab")
    expect(first.locator("[data-decide=merge]")).to_be_focused()
    a.keyboard.press("Enter")
    for page in (a, b):
        expect(page.locator(f"[data-suggestion-id='{first_id}']")).to_have_count(0)
        expect(page.locator(f"[data-suggestion-id='{second_id}']")).to_have_count(0)
        expect(page.locator("[data-suggestion]")).to_have_count(n - 1)
    expect(a.locator("[data-board-status]")).to_contain_text("Slått sammen til ett forslag, «Mentor og tid».")
    merged = a.locator("[data-suggestion]").first
    expect(merged.locator("[data-field=name]")).to_be_focused()  # the keyboard stays where the work is
    expect(merged.locator("[data-field=name]")).to_have_value("Mentor og tid")
    expected = first_members + [m for m in second_members if m not in first_members]
    assert [int(x) for x in (merged.get_attribute("data-members") or "").split(",")] == expected
    stored = stored_suggestions(server, ws.id)
    merged_id = int(merged.get_attribute("data-suggestion-id") or 0)
    assert stored[merged_id] == ("Mentor og tid", expected) and first_id not in stored and second_id not in stored
    expect(b.locator(f"[data-suggestion-id='{merged_id}'] [data-field=name]")).to_have_value("Mentor og tid")
    # Enter in the name field accepts the merged suggestion as one theme.
    a.keyboard.press("Enter")
    expect(theme(a, "Mentor og tid")).to_have_count(1)
    expect(theme(b, "Mentor og tid")).to_have_count(1)
    assert {k: sorted(v) for k, v in stored_board(server, ws.id).items()} == {"Mentor og tid": sorted(expected)}
    for page in (a, b):
        assert page.evaluate("window.__pvMarker") == 1, page.url
    assert pages.errors == [], "\n".join(pages.errors)


def test_add_a_suggestion_to_the_theme_it_resembles_by_keyboard(server: Server, pages: Pages, facilitator_state: dict[str, Any]) -> None:
    """With a «Mentorordning» theme on the board, a new suggestion run proposes the other mentor
    contributions and says they resemble that theme (with the words both use); «Legg til i et tema …» has it
    chosen, and by keyboard only the suggestion goes into the theme on this page, a second facilitator's
    page and in the database."""
    _, a = pages.new("addto-A", viewport=FACILITATOR, storage_state=facilitator_state)
    ws = create_workshop(a, server, "Legg til i tema", n_personas=3, n_groups=3)
    ids = post_contributions(server, ws.code)
    mentor = [ids[text] for _, _, text in POSTS[:3]]
    open_board(a, server, ws.id)
    _, b = pages.new("addto-B", viewport=FACILITATOR, storage_state=facilitator_state)
    open_board(b, server, ws.id)
    # The first mentor card into a new theme by its «Flytt til» menu (to a new theme made by typing).
    a.fill("#new-theme-name", "Mentorordning")
    a.keyboard.press("Enter")
    expect(theme(a, "Mentorordning")).to_have_count(1)
    card(a, mentor[0]).locator("[data-move-select]").select_option(label="Mentorordning")
    card(a, mentor[0]).locator("[data-move-form] button[type=submit]").click()
    in_theme(a, "Mentorordning", mentor[0])
    in_theme(b, "Mentorordning", mentor[0])
    for page in (a, b):
        page.evaluate("window.__pvMarker = 1")
    a.locator("[data-suggest-form] button[type=submit]").focus()
    a.keyboard.press("Enter")
    sug = a.locator("[data-suggestion]").filter(has=a.locator(".suggestion-near:not([hidden])"))
    expect(sug).to_have_count(1)
    assert sorted(int(x) for x in (sug.get_attribute("data-members") or "").split(",")) == sorted(mentor[1:])
    expect(sug.locator("[data-field=near-name]")).to_have_text("Mentorordning")
    expect(sug.locator("[data-field=near-words]")).to_contain_text("begge bruker: mentor")
    # The same on the second page, and on a page rendered by the server.
    expect(b.locator(".suggestion-near:not([hidden]) [data-field=near-name]")).to_have_text("Mentorordning")
    _, c = pages.new("addto-C", viewport=FACILITATOR, storage_state=facilitator_state)
    open_board(c, server, ws.id)
    expect(c.locator(".suggestion-near:not([hidden]) [data-field=near-name]")).to_have_text("Mentorordning")
    screenshot(a, "themes-add-to-theme.png")
    # Keyboard only: the box is open with the theme chosen; Tab from its summary to the menu, to the button.
    box = sug.locator("[data-addto-box]")
    expect(box).to_have_attribute("open", "")
    box.locator("summary").focus()
    a.keyboard.press("Tab")
    menu = sug.locator("[data-addto-select]")
    expect(menu).to_be_focused()
    expect(menu.locator("option:checked")).to_have_text("Mentorordning")
    a.keyboard.press("Tab")
    expect(sug.locator("[data-decide=add]")).to_be_focused()
    a.keyboard.press("Enter")
    expect(a.locator("[data-board-status]")).to_contain_text("2 innspill lagt til i temaet «Mentorordning».")
    for page in (a, b):
        for cid in mentor:
            in_theme(page, "Mentorordning", cid)
        expect(page.locator(".suggestion-near:not([hidden])")).to_have_count(0)
    assert stored_board(server, ws.id) == {"Mentorordning": mentor}
    for page in (a, b):
        assert page.evaluate("window.__pvMarker") == 1, page.url
    assert pages.errors == [], "\n".join(pages.errors)


def post_contributions_two(server: Server, code: str) -> list[int]:
    joined = api(server, "POST", "/api/v1/join", {"code": code})
    ws_id = joined["workshop"]["id"]
    out = []
    for text in ("Mentor for alle nye", "Meir tid til kurs"):
        out.append(api(server, "POST", f"/api/v1/workshops/{ws_id}/contributions",
                       {"group_id": joined["workshop"]["groups"][0]["id"], "kind": "need", "text": text,
                        "client_id": uuid.uuid4().hex}, joined["token"])["id"])
    return out


def test_the_board_at_360_px_and_without_javascript_and_axe(server: Server, pages: Pages, facilitator_state: dict[str, Any]) -> None:
    """WCAG: at 360 px (and so at 200 % zoom of a 720 px window) nothing scrolls sideways; without JavaScript
    the forms still group a card; axe-core finds no A/AA violation on the board."""
    _, a = pages.new("board", viewport=FACILITATOR, storage_state=facilitator_state)
    ws = create_workshop(a, server, "Smal tavle", n_personas=3, n_groups=3)
    ids = post_contributions(server, ws.code)
    open_board(a, server, ws.id)
    a.locator("[data-suggest-form] button[type=submit]").click()
    expect(a.locator("[data-suggestion]").first).to_be_visible()
    screenshot(a, "themes-suggestions.png", full_page=False)
    # Split the first suggestion: tick one member for a second theme, name both.
    first = a.locator("[data-suggestion]").first
    members = [int(x) for x in (first.get_attribute("data-members") or "").split(",")]
    first.locator(".split-box summary").click()
    first.locator(f"input[name=split][value='{members[-1]}']").check()
    first.locator("[data-field=name]").fill("Del éin")
    first.locator("input[name=second_name]").fill("Del to")
    first.locator("[data-decide=split]").click()
    expect(theme(a, "Del to")).to_have_count(1)
    in_theme(a, "Del to", members[-1])
    for cid in members[:-1]:
        in_theme(a, "Del éin", cid)
    assert stored_board(server, ws.id) == {"Del éin": members[:-1], "Del to": members[-1:]}
    a.fill("#new-theme-name", "Eit tema med eit ganske langt namn som må brytast fint")
    a.keyboard.press("Enter")
    expect(a.locator("[data-theme]")).to_have_count(3)

    _, narrow = pages.new("board-360", viewport={"width": 360, "height": 740}, storage_state=facilitator_state)
    open_board(narrow, server, ws.id)
    width = narrow.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the board is {width} CSS px wide at 360 px"
    screenshot(narrow, "themes-board-360.png")

    # Without JavaScript: the «Flytt til» form posts and the page comes back with the card in its theme.
    _, nojs = pages.new("board-nojs", viewport=FACILITATOR, storage_state=facilitator_state, java_script_enabled=False)
    nojs.goto(f"{server.base}/workshops/{ws.id}/themes")
    cid = ids[POSTS[0][2]]
    form = nojs.locator(f".board-card[data-id='{cid}'] [data-move-form]")
    form.locator("select").select_option(label="Eit tema med eit ganske langt namn som må brytast fint")
    with nojs.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(nojs.locator(".flash-success")).to_contain_text("Flyttet til")
    expect(nojs.locator(f"[data-theme] .board-card[data-id='{cid}']")).to_have_count(1)

    require_axe()
    _, ax = pages.new("axe-board", viewport=FACILITATOR, storage_state=facilitator_state, bypass_csp=True)
    open_board(ax, server, ws.id)
    found = {"theme board": axe_violations(ax)}
    ax.goto(f"{server.base}/workshops/{ws.id}/live")
    expect(ax.locator(ONLINE)).to_be_visible()
    found["dashboard with themes"] = axe_violations(ax)
    assert_no_axe_violations(found)
    assert pages.errors == [], "\n".join(pages.errors)
