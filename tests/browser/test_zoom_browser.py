"""Real browser: the phone pages, the dashboard and the report at 360 px, 200 % and 400 % zoom (issue
"Venue-ready"): no sideways scrolling, no word split inside itself, every button's label on one line.

How zoom is emulated (a choice, since a headless browser has no zoom key):

* 100 %: the phone as it is, 360 CSS px wide.
* 200 %: WCAG 1.4.4 Resize text: the same 360 px phone with the root font size at 200 %
  (``document.documentElement.style.fontSize = '200%'``). Every rem/em in the CSS doubles, as with a
  phone's "large text" setting; the viewport stays a phone. Zooming the viewport instead would give
  180 CSS px, narrower than anything WCAG asks of a layout.
* 400 %: WCAG 1.4.10 Reflow, which is defined at 320 CSS px (a 1280 px window at 400 %): a plain
  320 × 640 window, text at 100 %. (360 px at 400 % would be 90 CSS px, which no criterion asks for.)

The checks, in the page itself:

* ``document.documentElement.scrollWidth <= clientWidth``;
* every word (a run without white space or dashes, 2–20 characters, like «fagdag/seminar»: a line may
  end after a hyphen) in a visible text node has one line box (a Range
  over the word gives one client rect), unless the word alone is wider than its block (then it may wrap:
  that is what ``overflow-wrap: break-word`` is for); long URLs and codes are not words here. That
  exception is for written text (a workshop title, a card, a persona's story); the app's own labels
  (the kind choice, tags, kind badges, lane titles, a card's buttons) must keep every word whole at 200 %
  (a tag label may end a line after a slash between two words: it carries a ``<wbr>`` there);
* every ``button`` and ``.button`` has its label on one line (its text rects on one line), unless the label
  is wider than the space the button has.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("playwright.sync_api")
from browsing import (
    FACILITATOR,
    Pages,
    Server,
    create_workshop,
    join,
    open_live,
    pick_group,
    post,
    screenshot,
)
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.rendering]

PHONE_360 = {
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
}
REFLOW_320 = {"viewport": {"width": 320, "height": 640}}
ZOOMS = {
    "100": (PHONE_360, None),
    "200": (PHONE_360, "200%"),
    "400": (REFLOW_320, None),
}

LAYOUT_PROBLEMS = r"""
() => {
  const problems = [];
  const de = document.documentElement;
  if (de.scrollWidth > de.clientWidth) {
    const wide = [...document.body.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right > de.clientWidth + 1
      && ![...e.children].some(c => c.getBoundingClientRect().right > de.clientWidth + 1)).slice(0, 3)
      .map(e => `<${e.tagName.toLowerCase()} class="${e.className}">«${e.textContent.trim().slice(0, 30)}»`);
    problems.push(`scrolls sideways: ${de.scrollWidth} > ${de.clientWidth} CSS px, at ${wide.join(', ')}`);
  }
  const shown = el => {
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === 'none' || s.visibility === 'hidden') return false;
    }
    const r = el.getBoundingClientRect();
    return r.width > 2 && r.height > 2;  // not the 1 px "visually hidden" boxes
  };
  const block = el => {
    for (let e = el; e; e = e.parentElement) {
      const d = getComputedStyle(e).display;
      if (!d.startsWith('inline') || d === 'inline-block' || d === 'inline-flex') return e;
    }
    return document.body;
  };
  const contentWidth = el => {
    const s = getComputedStyle(el);
    return el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
  };
  const STRICT = 'label, legend, .segmented, .badge, .lane-title, .tag-toggle, .tag-chip, .card-actions, .brand';
  const range = document.createRange();
  const lines = rects => {
    const tops = [...rects].filter(r => r.width > 0).map(r => [r.top, r.height]).sort((a, b) => a[0] - b[0]);
    let n = 0, last = -1e9;
    for (const [top, h] of tops) { if (top - last > h / 2) { n += 1; last = top; } }
    return n;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const words = /(?<![^\s\-‐–—])[^\s\-‐–—]{2,20}(?![^\s\-‐–—])/gu;  // runs up to 20 characters between spaces and dashes
  for (let node; (node = walker.nextNode()); ) {
    const el = node.parentElement;
    if (!el || el.closest('script, style, noscript, template, option, textarea, select') || !shown(el)) continue;
    const room = contentWidth(block(el));
    for (const m of node.data.matchAll(words)) {
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const rects = [...range.getClientRects()].filter(r => r.width > 0);
      const width = rects.reduce((sum, r) => sum + r.width, 0);
      // Our own labels (choices, tags, kinds, lane titles) must keep every word whole; written text (titles,
      // cards, persona texts) may wrap a word only when it is wider than its whole box.
      if (lines(rects) > 1 && (el.closest(STRICT) || width <= room)) problems.push(`word split: «${m[0]}» in <${el.tagName.toLowerCase()} class="${el.className}">`);
    }
  }
  for (const b of document.querySelectorAll('button, .button')) {
    if (!shown(b) || !b.textContent.trim()) continue;
    const rects = [];
    const tw = document.createTreeWalker(b, NodeFilter.SHOW_TEXT);
    for (let t; (t = tw.nextNode()); ) {
      if (!t.data.trim()) continue;
      range.selectNodeContents(t);
      rects.push(...range.getClientRects());
    }
    if (lines(rects) <= 1) continue;
    // The label on one line: a copy in the button's font, outside the layout (a button's own scrollWidth
    // stops at its max-width, and a <wbr> in it would still count).
    const bs = getComputedStyle(b);
    const probe = document.createElement('span');
    probe.style.cssText = 'position:absolute; visibility:hidden; white-space:nowrap; left:0; top:0';
    probe.style.font = bs.font;
    probe.style.letterSpacing = bs.letterSpacing;
    probe.textContent = b.textContent.trim();
    document.body.appendChild(probe);
    const natural = probe.getBoundingClientRect().width + parseFloat(bs.paddingLeft) + parseFloat(bs.paddingRight)
      + parseFloat(bs.borderLeftWidth) + parseFloat(bs.borderRightWidth);
    probe.remove();
    const room = contentWidth(b.parentElement);
    if (natural <= room) problems.push(`button label on ${lines(rects)} lines though its ${Math.round(natural)} px fit in ${Math.round(room)} px: «${b.textContent.trim()}»`);
  }
  return problems;
}
"""


def check(
    page: Page, name: str, zoom: str, text_size: str | None, found: dict[str, list[str]]
) -> None:
    if text_size:
        page.evaluate(
            "size => { document.documentElement.style.fontSize = size; }", text_size
        )
    found[f"{name} at {zoom} %"] = page.evaluate(LAYOUT_PROBLEMS)


def test_zoom_no_sideways_scroll_no_split_words_buttons_on_one_line(
    server: Server, pages: Pages, facilitator_state: dict[str, Any]
) -> None:
    _, fac = pages.new(
        "facilitator", viewport=FACILITATOR, storage_state=facilitator_state
    )
    ws = create_workshop(
        fac,
        server,
        "Kompetansebehov i helse- og omsorgstenestene",
        n_personas=2,
        n_groups=2,
    )
    found: dict[str, list[str]] = {}
    for zoom, (options, text_size) in ZOOMS.items():
        _, phone = pages.new(f"phone-{zoom}", **options)
        phone.goto(server.base + "/join")
        check(phone, "/join", zoom, text_size, found)
        join(phone, server, ws.code, name=f"Kari {zoom}")
        check(phone, "group picker", zoom, text_size, found)
        pick_group(phone, 0)
        post(
            phone,
            "need",
            f"Kompetansebehov {zoom}: digital kompetanse for velferdsteknologi",
        )
        expect(phone.locator(".card.mine [data-action=edit]").first).to_be_visible()
        check(phone, "phone page with its own card", zoom, text_size, found)
        if zoom != "100":
            screenshot(phone, f"zoom-phone-{zoom}.png")

        _, desk = pages.new(
            f"facilitator-{zoom}", storage_state=facilitator_state, **options
        )
        open_live(desk, f"{server.base}/workshops/{ws.id}/live")
        check(desk, "dashboard", zoom, text_size, found)
        if zoom != "100":
            screenshot(desk, f"zoom-dashboard-{zoom}.png")
        desk.goto(f"{server.base}/workshops/{ws.id}/report")
        check(desk, "report", zoom, text_size, found)
        if zoom != "100":
            screenshot(desk, f"zoom-report-{zoom}.png")

    report = "\n".join(
        f"{name}: {p}" for name, problems in found.items() for p in problems
    )
    assert not report, "layout problems when zoomed:\n" + report
    assert pages.errors == [], "\n".join(pages.errors)
