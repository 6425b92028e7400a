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
  var strings = JSON.parse(document.getElementById("i18n").textContent);
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var outboxEl = document.querySelector("[data-outbox]");
  var statusEl = document.querySelector("[data-form-status]");
  var sending = false;
  var retryTimer = null;
  var retryDelay = 1000;

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
    if (statusEl) statusEl.textContent = text;
  }

  function request(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    });
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
    request(item.url, { group_id: item.group_id, kind: item.kind, text: item.text, client_id: item.client_id, typed_at: item.typed_at })
      .then(function (resp) {
        return resp.json().catch(function () { return {}; }).then(function (data) { return { resp: resp, data: data }; });
      })
      .then(function (r) {
        var rest = loadOutbox().filter(function (x) { return x.client_id !== item.client_id; });
        if (r.resp.ok) {
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
          say((r.data.error && r.data.error.message) || strings.error);
        }
      })
      .catch(function () {
        var items2 = loadOutbox();
        items2.forEach(function (x) { x.waiting = true; });
        saveOutbox(items2);
        say(strings.waiting);
        scheduleRetry();
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

  if (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var ta = form.querySelector("textarea");
      var text = ta.value.trim();
      if (!text) { say(strings.error); ta.focus(); return; }
      var kind = form.querySelector('input[name="kind"]:checked').value;
      var items = loadOutbox();
      items.push({
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
    var save = document.createElement("button");
    save.type = "button";
    save.className = "button small primary";
    save.textContent = strings.save;
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "button small secondary";
    cancel.textContent = strings.cancel;
    box.append(label, area, save, cancel);
    card.appendChild(box);
    area.focus();
    cancel.addEventListener("click", function () { box.remove(); edit.focus(); });
    save.addEventListener("click", function () {
      request(edit.getAttribute("href"), { text: area.value })
        .then(function (resp) { return resp.json().then(function (data) { return { resp: resp, data: data }; }); })
        .then(function (r) {
          if (r.resp.ok) { window.pvLive.apply(r.data.contribution); box.remove(); say(strings.saved); }
          else say((r.data.error && r.data.error.message) || strings.error);
        })
        .catch(function () { say(strings.waiting); });
    });
  });

  board.addEventListener("submit", function (ev) {
    var del = ev.target.closest('[data-action="delete"]');
    if (!del) return;
    ev.preventDefault();
    if (!window.confirm(strings.confirm_delete)) return;
    request(del.getAttribute("action"), {})
      .then(function (resp) { return resp.json().then(function (data) { return { resp: resp, data: data }; }); })
      .then(function (r) {
        if (r.resp.ok) { window.pvLive.apply(r.data.contribution); say(strings.deleted); }
        else say((r.data.error && r.data.error.message) || strings.error);
      })
      .catch(function () { say(strings.waiting); });
  });

  window.addEventListener("online", flush);
  if (window.pvLive.socket) window.pvLive.socket.on("connect", flush);
  renderOutbox(loadOutbox());
  flush();
})();
