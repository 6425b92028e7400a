/* Live board for the phone, the wall and the dashboard.
 *
 * The page is rendered by the server; this script only keeps it current. On every (re)connect it sends
 * `watch` with the last sequence number it has seen and applies what it missed from the ack; then it
 * applies live `contribution` events. Cards are deduplicated by id and never go backwards in seq.
 * The `since` cursor advances from acks only (see docs/api.md, "watch").
 */
(function () {
  "use strict";

  var board = document.querySelector("[data-live]");
  if (!board) return;

  var workshopId = Number(board.dataset.workshop);
  var seq = Number(board.dataset.seq || 0);
  var laneBy = board.dataset.laneBy;
  var role = board.dataset.role;
  var editBase = board.dataset.editBase || null;
  var template = document.getElementById("tpl-contribution");
  var strings = PV.json("i18n", {});
  Object.assign(strings, PV.json("i18n-rounds", {}));
  var statusEl = document.querySelector("[data-connection]");
  var groupNames = board.hasAttribute("data-show-group") ? PV.json("group-names", null) : null;
  // The dashboard names the persona on each card: with rotation a table's cards may be for several personas.
  var personaNames = board.hasAttribute("data-show-persona") ? PV.json("persona-names", null) : null;
  var mineKey = "pv-mine-" + workshopId;
  var mine = new Set(JSON.parse(board.dataset.mine || "[]"));
  try {
    JSON.parse(localStorage.getItem(mineKey) || "[]").forEach(function (id) { mine.add(id); });
  } catch (e) { /* storage may be unavailable */ }

  function setStatus(text, state) {
    PV.say(statusEl, text, state);
  }

  function laneFor(c) {
    return board.querySelector('[data-lane="' + String(c[laneBy]) + '"]');
  }

  function cardFor(id) {
    return board.querySelector('.card[data-id="' + Number(id) + '"]');
  }

  function fill(card, c) {
    card.id = "c" + c.id;
    card.dataset.id = c.id;
    card.dataset.seq = c.seq;
    card.dataset.kind = c.kind;
    card.dataset.groupId = c.group_id;
    card.dataset.personaId = c.persona_id || "";
    card.classList.remove("kind-need", "kind-solution", "kind-local");
    card.classList.add("kind-" + c.kind);
    card.querySelector(".badge").textContent = strings[c.kind] || c.kind;
    card.querySelector('[data-field="text"]').textContent = c.text;
    fillLocal(card, c);
    card.querySelector('[data-field="author"]').textContent = c.author_name || "";
    card.querySelector('[data-field="edited"]').hidden = !c.edited;
    fillModeration(card, c);
    if (groupNames) card.querySelector('[data-field="meta"]').textContent = groupNames[String(c.group_id)] || "";
    if (personaNames) card.querySelector('[data-field="meta"]').textContent = personaNames[String(c.persona_id)] || "";
    var actions = card.querySelector('[data-field="actions"]');
    if (actions && editBase) {
      var isMine = mine.has(c.id);
      actions.hidden = !isMine;
      card.classList.toggle("mine", isMine);
      actions.querySelector('[data-action="edit"]').setAttribute("href", editBase + "/" + c.id + "/edit");
      actions.querySelector('[data-action="delete"]').setAttribute("action", editBase + "/" + c.id + "/delete");
      var csrf = actions.querySelector('input[name="csrf_token"]');
      if (csrf) csrf.value = PV.csrf();
    }
  }

  /* «Hos oss»: the municipality after the badge, and the text of the need or proposal the case grew from
   * when that card is on this screen. */
  function fillLocal(card, c) {
    var place = card.querySelector('[data-field="municipality"]');
    if (place) {
      place.hidden = !c.municipality;
      place.textContent = c.municipality ? " · " + c.municipality : "";
    }
    card.dataset.grewFrom = c.grew_from_id || "";
    showOrigin(card);
  }

  function showOrigin(card) {
    var box = card.querySelector('[data-field="origin"]');
    if (!box) return;
    var from = card.dataset.grewFrom ? cardFor(card.dataset.grewFrom) : null;
    var text = from && from.querySelector('[data-field="text"]').textContent;
    box.hidden = !text;
    box.querySelector('[data-field="origin-text"]').textContent = text || "";
  }
  board.querySelectorAll('.card[data-grew-from]:not([data-grew-from=""])').forEach(showOrigin);

  /* Late mark, hidden state, merged duplicates and the facilitator's tools (see sessions/moderation.py). */
  function fillModeration(card, c) {
    var late = card.querySelector('[data-field="late"]');
    if (late) late.hidden = !c.late;
    card.classList.toggle("is-hidden", !!c.hidden);
    var hiddenBadge = card.querySelector('[data-field="hidden-badge"]');
    if (hiddenBadge) hiddenBadge.hidden = !c.hidden;
    var tools = card.querySelector('[data-field="moderation"]');
    if (tools) {
      tools.querySelector('[data-moderate="hide"]').hidden = !!c.hidden;
      tools.querySelector('[data-moderate="unhide"]').hidden = !c.hidden;
    }
    var original = card.querySelector('[data-field="original"]');
    if (original) {
      original.hidden = !c.original_text;
      original.querySelector('[data-field="original-text"]').textContent = c.original_text || "";
    }
    var merged = card.querySelector('[data-field="merged"]');
    if (merged) {
      merged.textContent = "";
      (c.merged || []).forEach(function (m) {
        var li = document.createElement("li");
        li.dataset.mergedId = m.id;
        var text = document.createElement("span");
        text.className = "merged-text";
        text.textContent = m.text;
        li.appendChild(text);
        if (tools) {
          var undo = PV.button("link-button", strings.unmerge || "Undo merge");
          undo.dataset.moderate = "unmerge";
          undo.dataset.target = m.id;
          li.append(" ", undo);
        }
        merged.appendChild(li);
      });
      merged.hidden = !(c.merged && c.merged.length);
    }
  }

  function updateCounts() {
    board.querySelectorAll("[data-lane-count]").forEach(function (el) {
      var lane = board.querySelector('[data-lane="' + el.dataset.laneCount + '"]');
      if (lane) el.textContent = lane.querySelectorAll(".card:not(.is-hidden)").length;
    });
    var total = document.querySelector("[data-contribution-count]");
    if (total) total.textContent = board.querySelectorAll(".card:not(.is-hidden)").length;
  }

  /* Lanes show the newest first, as the server renders them. A card goes above the first card with a
   * lower seq rather than simply on top: after a reconnect the catch-up can bring contributions older
   * than one already shown (the phone's own post, answered over HTTP before the socket was back). */
  function place(lane, card, cardSeq) {
    var cards = lane.querySelectorAll(":scope > .card");
    for (var i = 0; i < cards.length; i++) {
      if (cards[i] !== card && Number(cards[i].dataset.seq) < cardSeq) {
        lane.insertBefore(card, cards[i]);
        return;
      }
    }
    var last = cards.length ? cards[cards.length - 1] : null;
    if (last && last !== card) last.after(card);
    else if (!last) lane.prepend(card);
  }

  /* A phone keeps what it applied since its page was rendered (the newest version of each contribution)
   * and its cursor in localStorage: when the page is opened again from the offline copy (sw.js), which is
   * older, it shows the table as the phone last saw it and catches up from there. The key ends in the
   * workshop id, so "forget me" (forget.js) clears it with the rest. */
  var seenKey = role === "participant" && board.dataset.group ? "pv-seen-g" + board.dataset.group + "-" + workshopId : null;
  var seen = {};
  var seenTimer = null;

  function remember(c) {
    if (!seenKey) return;
    seen[c.id] = c;
    if (seenTimer) return;
    seenTimer = window.setTimeout(function () {
      seenTimer = null;
      var list = Object.keys(seen).map(function (k) { return seen[k]; });
      list.sort(function (a, b) { return a.seq - b.seq; });
      try { localStorage.setItem(seenKey, JSON.stringify({ seq: seq, changes: list.slice(-500) })); } catch (e) { /* full or off */ }
    }, 300);
  }

  /* Apply one change (new, edited or deleted contribution). Idempotent. */
  function apply(c) {
    if (!c || c.workshop_id !== workshopId) return;
    var existing = cardFor(c.id);
    if (existing && Number(existing.dataset.seq) >= c.seq) return;
    remember(c);
    // Merged duplicates live on inside the kept card; hidden ones only on the facilitators' dashboard.
    if (c.deleted || c.merged_into || (c.hidden && role !== "facilitator")) {
      if (existing) existing.remove();
      updateCounts();
      document.dispatchEvent(new CustomEvent("pv:applied", { detail: c }));
      return;
    }
    var lane = laneFor(c);
    if (!lane) return;
    if (existing) {
      fill(existing, c);
      if (existing.parentNode !== lane) place(lane, existing, c.seq);
    } else {
      var card = template.content.firstElementChild.cloneNode(true);
      fill(card, c);
      card.classList.add("fresh");
      place(lane, card, c.seq);
      window.setTimeout(function () { card.classList.remove("fresh"); }, 4000);
    }
    updateCounts();
    document.dispatchEvent(new CustomEvent("pv:applied", { detail: c }));
  }

  function markMine(id) {
    mine.add(id);
    try { localStorage.setItem(mineKey, JSON.stringify(Array.from(mine).slice(-500))); } catch (e) { /* ignore */ }
    var card = cardFor(id);
    if (card) {
      var actions = card.querySelector('[data-field="actions"]');
      if (actions) actions.hidden = false;
      card.classList.add("mine");
    }
    // tags.js adds the tag toggles to one's own cards.
    document.dispatchEvent(new CustomEvent("pv:mine", { detail: { id: id } }));
  }

  if (seenKey) {
    var kept = null;
    try { kept = JSON.parse(localStorage.getItem(seenKey) || "null"); } catch (e) { kept = null; }
    var changes = kept && Array.isArray(kept.changes) ? kept.changes : [];
    var top = changes.reduce(function (m, c) { return Math.max(m, c.seq || 0); }, (kept && kept.seq) || 0);
    if (top > seq) {
      // An older copy of the page: bring it to what this phone had seen.
      changes.forEach(apply);
      if (kept.seq > seq) seq = kept.seq;
      // Once the other scripts listen (tags.js), announce the restored cards that are the phone's own.
      document.addEventListener("DOMContentLoaded", function () {
        changes.forEach(function (c) { if (mine.has(c.id) && cardFor(c.id)) markMine(c.id); });
      });
    } else {
      // Rendered by the server now: it holds everything up to its seq.
      try { localStorage.removeItem(seenKey); } catch (e) { /* ignore */ }
    }
  }

  window.pvLive = { apply: apply, markMine: markMine, workshopId: workshopId, strings: strings, socket: null };
  document.dispatchEvent(new CustomEvent("pv:live-ready"));

  if (typeof window.io !== "function") {
    setStatus(strings.offline || "offline", "offline");
    return;
  }

  var auth = board.dataset.wallToken ? { wall: board.dataset.wallToken } : {};
  var socket = window.io({ auth: auth, reconnectionDelayMax: 5000 });
  window.pvLive.socket = socket;

  // A refused connect or catch-up that passes by waiting (a fault on the server, too many catch-ups at
  // once) is tried again later (PV.keepTrying); a reconnect catches up on its own.
  var afterWatch = PV.keepTrying(socket);

  function watch() {
    socket.emit("watch", { workshop_id: workshopId, since: seq }, function (ack) {
      afterWatch(ack, watch);
      if (!ack || !ack.ok) {
        setStatus(PV.errorMessage(ack, strings.error), "error");
        return;
      }
      ack.changes.forEach(apply);
      // The cursor advances from acks only: live events may arrive out of sequence order.
      if (ack.seq > seq) seq = ack.seq;
      if (ack.more) { watch(); return; }
      setStatus(strings.online, "online");
      board.dataset.synced = String(seq);
      document.dispatchEvent(new CustomEvent("pv:synced", { detail: { seq: seq, status: ack.status, live: ack.live } }));
      if (ack.status === "closed") closed();
    });
  }

  function closed() {
    var form = document.querySelector("[data-post-form]");
    if (form) form.querySelectorAll("textarea, button, input").forEach(function (el) { el.disabled = true; });
    var box = document.querySelector("[data-join-box]");
    if (box) box.hidden = true;
    setStatus(strings.closed, "closed");
  }

  socket.on("connect", watch);
  socket.on("disconnect", function () { setStatus(strings.offline, "offline"); });
  socket.on("connect_error", function () { setStatus(strings.offline, "offline"); });
  socket.on("contribution", apply);
  // The server's message queue had a gap (docs/api.md, "resync"): catch up from the cursor, spread over 2 s.
  socket.on("resync", function (r) {
    if (r && r.workshop_id === workshopId) window.setTimeout(watch, Math.random() * 2000);
  });
  socket.on("participants", function (p) {
    if (p.workshop_id !== workshopId) return;
    var el = document.querySelector("[data-participant-count]");
    if (el) el.textContent = p.count;
    // The dashboard's phone check: "no phone yet" until the first participant joins.
    var check = document.querySelector("[data-phone-check]");
    if (check) {
      var form = p.count === 0 ? check.dataset.none : p.count === 1 ? check.dataset.one : check.dataset.other;
      check.textContent = form.replace("{n}", String(p.count));
      check.dataset.state = p.count ? "joined" : "none";
    }
  });
  socket.on("workshop", function (w) {
    if (w.workshop_id !== workshopId) return;
    if (w.status === "closed") closed();
    // Deleted (docs/api.md): every screen reloads and lands where the workshop no longer exists.
    else if (role !== "participant" || w.status === "deleted") window.location.reload();
  });
})();
