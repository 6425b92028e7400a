"""live.js when a catch-up is refused for a reason that passes.

The server answers a ``watch`` that failed unexpectedly (the database away for a moment) with
``server_error`` (tests/web/test_realtime.py checks that answer). Here the browser side: a wall whose first
two catch-ups get that answer says so, tries again by itself, and ends up online with what it missed. The
answers are replaced in the page (an init script wraps ``io()`` before socket.io's script defines it), so
the test needs no fault in the real server; everything else is real.
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
    cards,
    create_workshop,
    join,
    pick_group,
    post,
    screenshot,
)
from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.browser

# While ``window.__pvFailing`` is true, every ack of `watch` on this page is replaced by the server's
# server_error answer, and live `contribution` events are dropped (as if the failed catch-up had joined no
# room), so what the page shows afterwards came from the retried catch-up.
FAIL_WATCH = """
(() => {
  let real = null;
  window.__pvFailing = true;
  window.__pvWatchCalls = 0;
  window.__pvDropped = 0;
  function wrapped(...args) {
    const socket = real(...args);
    const emit = socket.emit.bind(socket);
    const on = socket.on.bind(socket);
    socket.emit = function (event, data, callback) {
      if (event === "watch" && typeof callback === "function") {
        window.__pvWatchCalls += 1;
        if (window.__pvFailing) {
          return emit(event, data, () => callback(
            {ok: false, error: {code: "server_error", message: "Noe gikk galt på serveren. Dataene dine er trygge – prøv igjen."}}));
        }
      }
      return emit(...arguments);
    };
    socket.on = function (event, handler) {
      if (event !== "contribution") return on(event, handler);
      return on(event, (...payload) => {
        if (window.__pvFailing) window.__pvDropped += 1;
        else handler(...payload);
      });
    };
    return socket;
  }
  Object.defineProperty(window, "io", {
    configurable: true,
    get() { return real && wrapped; },
    set(value) { real = value; },
  });
})();
"""


def test_a_wall_retries_a_failed_catch_up_and_shows_what_it_missed(
    server: Server, pages: Pages, facilitator_state: dict[str, Any]
) -> None:
    _, fac = pages.new("facilitator", viewport=FACILITATOR, storage_state=facilitator_state)
    ws = create_workshop(fac, server, "Feil på tenaren", n_personas=2, n_groups=2)
    _, phone = pages.new("phone", **PHONE)
    join(phone, server, ws.code)
    pick_group(phone, 0)
    before = "Skrive før veggen kom på lufta"
    post(phone, "need", before)

    wall_ctx, wall = pages.new("wall", viewport=WALL)
    wall_ctx.add_init_script(FAIL_WATCH)
    wall.goto(ws.wall_url)
    # The refusal is said on the wall's status line, and the wall tries again by itself.
    expect(wall.locator("[data-connection][data-state=error]")).to_be_visible()
    wall.wait_for_function("() => window.__pvWatchCalls >= 2")
    missed = "Skrive medan veggen ikkje fekk svar"
    post(phone, "need", missed)
    wall.wait_for_function("() => window.__pvDropped >= 1")  # its live event reached the wall and was dropped
    expect(cards(wall, missed)).to_have_count(0)
    screenshot(wall, "wall-while-catch-up-fails.png", full_page=False)

    # The fault passes: the next try catches up on what the wall missed.
    wall.evaluate("window.__pvFailing = false")
    expect(wall.locator(ONLINE)).to_be_visible()
    expect(cards(wall, missed)).to_have_count(1)
    expect(cards(wall, before)).to_have_count(1)

    # And it is live: a post made now arrives.
    after = "Skrive etter at veggen kom seg"
    post(phone, "solution", after)
    expect(cards(wall, after)).to_have_count(1)
    screenshot(wall, "wall-after-a-retried-catch-up.png", full_page=False)

    real = [e for e in pages.errors if "uncaught" in e or not NETWORK_NOISE.search(e)]
    assert real == [], "\n".join(real)


def test_a_phone_connects_again_after_the_server_failed_to_accept_it(
    server: Server, pages: Pages, facilitator_state: dict[str, Any]
) -> None:
    """A connect that failed on the server is refused with ``data.code`` "server_error" (tests/web/test_realtime.py);
    socket.io-client does not retry a refusal, so the page does (pv.js, keepTrying)."""
    _, fac = pages.new("facilitator", viewport=FACILITATOR, storage_state=facilitator_state)
    ws = create_workshop(fac, server, "Tilkopling som feilar", n_personas=2, n_groups=2)
    _, phone = pages.new("phone", **PHONE)
    join(phone, server, ws.code)
    pick_group(phone, 0)
    # The refusal as socket.io-client reports it: the socket is no longer active, then connect_error.
    phone.evaluate(
        """() => {
             const socket = window.pvLive.socket;
             socket.disconnect();
             const err = new Error("Noe gikk galt på serveren.");
             err.data = {code: "server_error"};
             socket.emitReserved("connect_error", err);
           }"""
    )
    expect(phone.locator("[data-connection][data-state=offline]")).to_be_visible()
    expect(phone.locator(ONLINE)).to_be_visible()  # connected and caught up again by itself
    assert phone.evaluate("() => window.pvLive.socket.connected")
    _, wall = pages.new("wall", viewport=WALL)
    wall.goto(ws.wall_url)
    expect(wall.locator(ONLINE)).to_be_visible()
    text = "Etter at tilkoplinga kom att"
    post(phone, "need", text)
    expect(cards(wall, text)).to_have_count(1)

    real = [e for e in pages.errors if "uncaught" in e or not NETWORK_NOISE.search(e)]
    assert real == [], "\n".join(real)
