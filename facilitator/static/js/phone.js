/* Phone: post through the same endpoint as the plain form, with a client-generated id.
 *
 * Every post goes into an outbox in localStorage first, so it survives a lost network and a reload;
 * it is sent (and retried) until the server answers. The server deduplicates on client_id, so a
 * retry after a lost answer never makes a second contribution.
 */
(function () {
  "use strict";

  var form = document.querySelector("[data-post-form]");
  var board = document.querySelector("[data-live]");
  if (!board) return;
  var workshopId = Number(board.dataset.workshop);
  var outboxKey = "pv-outbox-" + workshopId;
  var strings = PV.json("i18n", {});
  var outboxEl = document.querySelector("[data-outbox]");
  var statusEl = document.querySelector("[data-form-status]");
  var sending = false;
  var retryTimer = null;
  var retryDelay = 1000;
  // A post not answered within this time counts as waiting for the network (a dead Wi-Fi answers nothing).
  var SEND_WAIT = 8000;

  function newClientId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function loadOutbox() {
    try { return JSON.parse(localStorage.getItem(outboxKey) || "[]"); } catch (e) { return []; }
  }

  function saveOutbox(items) {
    try { localStorage.setItem(outboxKey, JSON.stringify(items)); } catch (e) { /* private mode: memory only */ }
    renderOutbox(items);
  }

  function renderOutbox(items) {
    if (!outboxEl) return;
    outboxEl.textContent = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.className = "outbox-item";
      var label = document.createElement("span");
      label.className = "outbox-state";
      label.textContent = item.waiting ? strings.waiting : strings.sending;
      var text = document.createElement("span");
      text.className = "outbox-text";
      text.textContent = item.text;
      li.appendChild(label);
      li.appendChild(text);
      outboxEl.appendChild(li);
    });
  }

  function say(text) {
    PV.say(statusEl, text);
  }

  /* The post got no answer at all: the live connection may be just as dead without knowing it yet (on a
   * silent Wi-Fi Socket.IO notices only after its ping timeout, 40 s). Drop its transport: it reconnects
   * at once if the network is there, and otherwise the page says it is offline (live.js). */
  function recheckConnection() {
    var socket = window.pvLive.socket;
    if (socket && socket.connected && socket.io.engine) socket.io.engine.close();
  }

  function scheduleRetry() {
    if (retryTimer) return;
    retryTimer = window.setTimeout(function () { retryTimer = null; flush(); }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 15000);
  }

  /* Send queued posts one at a time, oldest first. */
  function flush() {
    if (sending) return;
    var items = loadOutbox();
    if (!items.length) { retryDelay = 1000; return; }
    sending = true;
    var item = items[0];
    // Give up on an answer after SEND_WAIT: the post stays queued and is sent again with the same client
    // id, so if the first copy did arrive after all the server answers the retry with that contribution.
    var abort = window.AbortController ? new AbortController() : null;
    var timer = abort ? window.setTimeout(function () { abort.abort(); }, SEND_WAIT) : null;
    var body = { group_id: item.group_id, kind: item.kind, text: item.text, client_id: item.client_id, typed_at: item.typed_at };
    if (item.kind === "local") { body.municipality = item.municipality; body.grew_from_id = item.grew_from_id; }
    PV.postJSON(item.url, body,
                { lenient: true, signal: abort ? abort.signal : undefined })
      .then(function (r) {
        window.clearTimeout(timer);
        var rest = loadOutbox().filter(function (x) { return x.client_id !== item.client_id; });
        if (r.resp.ok && !(r.data && r.data.contribution)) {
          throw new Error("retry");  // the answer was cut off: ask again
        } else if (r.resp.ok) {
          saveOutbox(rest);
          retryDelay = 1000;
          window.pvLive.markMine(r.data.contribution.id);
          window.pvLive.apply(r.data.contribution);
          say(strings.saved);
        } else if (r.resp.status >= 500 || r.resp.status === 429) {
          throw new Error("retry");
        } else {
          // Refused for good (closed workshop, too long, ...): give the text back and say why.
          saveOutbox(rest);
          var ta = form && form.querySelector("textarea");
          if (ta && !ta.value) ta.value = item.text;
          say(PV.errorMessage(r.data, strings.error));
        }
      })
      .catch(function (err) {
        window.clearTimeout(timer);
        var items2 = loadOutbox();
        items2.forEach(function (x) { x.waiting = true; });
        saveOutbox(items2);
        say(strings.waiting);
        scheduleRetry();
        if (!(err && err.message === "retry")) recheckConnection();
      })
      .then(function () {
        sending = false;
        if (loadOutbox().length && !retryTimer) flush();
      });
  }

  function updateCounter() {
    var ta = form.querySelector("textarea");
    var counter = form.querySelector("[data-char-count]");
    if (counter && strings.chars_left) counter.textContent = strings.chars_left.replace("{n}", String(1000 - ta.value.length));
  }

  /* Keep this page and its files in the browser, so that a reload without network still opens it with
   * the waiting posts (static/js/sw.js). Needs a secure context (HTTPS or localhost). */
  function keepForOffline() {
    var sw = outboxEl && outboxEl.dataset.sw;
    if (!sw || !("serviceWorker" in navigator) || !window.isSecureContext) return;
    navigator.serviceWorker.addEventListener("message", function (ev) {
      if (ev.data && ev.data.type === "kept" && Number(ev.data.workshop) === workshopId) outboxEl.dataset.offline = "kept";
    });
    if (navigator.serviceWorker.startMessages) navigator.serviceWorker.startMessages();
    navigator.serviceWorker.register(sw).then(function () { return navigator.serviceWorker.ready; }).then(function (reg) {
      var urls = [window.location.pathname];
      document.querySelectorAll("script[src], link[rel~=stylesheet][href], link[rel~=icon][href]").forEach(function (el) {
        urls.push(el.getAttribute("src") || el.getAttribute("href"));
      });
      if (reg.active) reg.active.postMessage({ type: "keep", workshop: workshopId, urls: urls });
    }).catch(function () { /* no offline copy: the page still works online */ });
  }

  /* «Hos oss»: the municipality and the need or proposal the case grew from. The phone remembers the
   * municipality for the table's next case (a place, not a person: nothing about the participant). */
  var placeKey = "pv-municipality-" + workshopId;
  function localCase() {
    var place = form.querySelector('input[name="municipality"]').value.trim();
    try { localStorage.setItem(placeKey, place); } catch (e) { /* private mode */ }
    var from = form.querySelector('select[name="grew_from_id"]').value;
    form.querySelector('select[name="grew_from_id"]').value = "";
    return { municipality: place, grew_from_id: from ? Number(from) : null };
  }
  /* "Grew from" offers the persona's needs and proposals on this table's board now: the page may have been
   * drawn before they were written (the server drew the ones it had). The chosen one is kept. */
  function refreshOrigins() {
    var select = form.querySelector("[data-grew-from-select]");
    if (!select) return;
    var chosen = select.value;
    var persona = select.dataset.persona;
    while (select.options.length > 1) select.remove(1);
    ["need", "solution"].forEach(function (kind) {
      board.querySelectorAll('.card[data-kind="' + kind + '"]:not(.is-hidden)').forEach(function (card) {
        if (persona && card.dataset.personaId && card.dataset.personaId !== persona) return;
        var text = card.querySelector('[data-field="text"]').textContent;
        var option = document.createElement("option");
        option.value = card.dataset.id;
        option.textContent = (strings[kind] || kind) + ": " + (text.length > 90 ? text.slice(0, 89) + "…" : text);
        select.appendChild(option);
      });
    });
    select.value = chosen;
    if (select.value !== chosen) select.value = "";
  }
  if (form && form.querySelector("[data-grew-from-select]")) {
    form.addEventListener("pv:local-fields", refreshOrigins);
    form.querySelector("[data-grew-from-select]").addEventListener("focusin", refreshOrigins);
  }

  if (form && form.querySelector('input[name="municipality"]')) {
    try {
      var remembered = localStorage.getItem(placeKey);
      if (remembered) form.querySelector('input[name="municipality"]').value = remembered;
    } catch (e) { /* storage may be unavailable */ }
  }

  if (form) {
    // A fresh id for the next post on every load: a page opened again from a copy (or restored by the
    // browser) carries the id of a post that may already have been sent, and the server would take a new
    // post with that id for the old one.
    form.querySelector('input[name="client_id"]').value = newClientId();
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var ta = form.querySelector("textarea");
      var text = ta.value.trim();
      if (!text) { say(strings.error); ta.focus(); return; }
      var kind = form.querySelector('input[name="kind"]:checked').value;
      var place = form.querySelector('input[name="municipality"]');
      if (kind === "local" && place && !place.value.trim()) { say(strings.municipality_missing || strings.error); place.focus(); return; }
      var items = loadOutbox();
      var local = kind === "local" ? localCase() : {};
      items.push({
        municipality: local.municipality,
        grew_from_id: local.grew_from_id,
        url: form.getAttribute("action"),
        group_id: Number(form.querySelector('input[name="group_id"]').value),
        kind: kind,
        text: text,
        client_id: form.querySelector('input[name="client_id"]').value,
        // When it was written, in server time (rounds.js corrects the phone's clock): a post typed before
        // the round closed is still accepted, marked late, if it arrives within the grace period.
        typed_at: window.pvClock ? window.pvClock.now() : Date.now()
      });
      saveOutbox(items);
      form.querySelector('input[name="client_id"]').value = newClientId();
      ta.value = "";
      updateCounter();
      say(strings.sending);
      flush();
    });
    form.querySelector("textarea").addEventListener("input", updateCounter);
  }

  /* Inline edit and delete of one's own contributions (the links and forms work without JS too). */
  board.addEventListener("click", function (ev) {
    var edit = ev.target.closest('[data-action="edit"]');
    if (!edit) return;
    ev.preventDefault();
    var card = edit.closest(".card");
    if (card.querySelector(".edit-box")) return;
    var textEl = card.querySelector('[data-field="text"]');
    var box = document.createElement("div");
    box.className = "edit-box stack";
    var label = document.createElement("label");
    var areaId = "edit-" + card.dataset.id;
    label.setAttribute("for", areaId);
    label.textContent = strings.edit_label;
    var area = document.createElement("textarea");
    area.id = areaId;
    area.maxLength = 1000;
    area.rows = 3;
    area.value = textEl.textContent;
    var save = PV.button("button small primary", strings.save);
    var cancel = PV.button("button small secondary", strings.cancel);
    box.append(label, area, save, cancel);
    card.appendChild(box);
    area.focus();
    cancel.addEventListener("click", function () { box.remove(); edit.focus(); });
    save.addEventListener("click", function () {
      PV.postJSON(edit.getAttribute("href"), { text: area.value })
        .then(function (r) {
          if (r.ok) { window.pvLive.apply(r.data.contribution); box.remove(); say(strings.saved); }
          else say(PV.errorMessage(r.data, strings.error));
        })
        // Edits are not queued like posts: say so rather than promise to send it later.
        .catch(function () { say(strings.error); });
    });
  });

  board.addEventListener("submit", function (ev) {
    var del = ev.target.closest('[data-action="delete"]');
    if (!del) return;
    ev.preventDefault();
    if (!window.confirm(strings.confirm_delete)) return;
    PV.postJSON(del.getAttribute("action"), {})
      .then(function (r) {
        if (r.ok) { window.pvLive.apply(r.data.contribution); say(strings.deleted); }
        else say(PV.errorMessage(r.data, strings.error));
      })
      .catch(function () { say(strings.error); });
  });

  /* Opened from the service worker's copy because the network was gone: once the live connection is
   * back, load the page fresh from the server (the persona or the round may have changed meanwhile). The
   * outbox stays in localStorage and the text being typed is kept for rounds.js to put back. At most once
   * a minute, in case the server answers that slowly. */
  function reloadCopy() {
    var key = "pv-copy-reloaded-" + workshopId;
    try {
      var last = Number(sessionStorage.getItem(key) || 0);
      if (Date.now() - last < 60000) { flush(); return; }
      sessionStorage.setItem(key, String(Date.now()));
      var ta = form && form.querySelector("textarea");
      if (ta && ta.value) sessionStorage.setItem("pv-draft-" + workshopId, ta.value);
    } catch (e) { flush(); return; }
    window.location.reload();
  }

  window.addEventListener("online", flush);
  if (window.pvLive.socket) {
    window.pvLive.socket.on("connect", document.documentElement.hasAttribute("data-pv-copy") ? reloadCopy : flush);
  }
  renderOutbox(loadOutbox());
  flush();
  keepForOffline();
})();
