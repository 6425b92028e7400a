/* The theme board («Temaer»); the dashboard's themes panel is themepanel.js. About 460 lines, over the
 * ~400 the project aims at: one closure over the board's state (cards, themes, suggestions, the socket),
 * which every part reads and changes; split it when a part gets its own state.
 *
 * Board: the page is rendered by the server and works without this script (every control is a form).
 * With it, the forms are sent with fetch (JSON, CSRF header) and the answer's board is applied at once;
 * cards can be dragged onto a theme (HTML5 drag and drop) as well as moved with their "Move to" menu
 * (the keyboard way). Changes are announced in an aria-live region. A socket keeps the board current:
 * `themes` events (the whole board with its revision; an older revision is ignored) and `contribution`
 * events (new cards arrive ungrouped, hidden or deleted ones leave, shown-again ones go back to their
 * theme). On every (re)connect it sends `watch` with its cursor; the ack carries missed contributions and
 * the board as it is now.
 */
(function () {
  "use strict";

  var fromTemplate = PV.fromTemplate;
  var personaLine = PV.personaLine;

  /* -- the board ---------------------------------------------------------------------------------- */

  function initBoard(root) {
    var workshopId = Number(root.dataset.workshop);
    var base = root.dataset.base;
    var seq = Number(root.dataset.seq || 0);
    var revision = Number(root.dataset.revision || 0);
    var strings = PV.json("i18n-themes", {});
    var personaNames = PV.json("persona-names", {});
    var groupNames = PV.json("group-names", {});
    var csrf = PV.csrf();
    var statusEl = document.querySelector("[data-board-status]");
    var connectionEl = document.querySelector("[data-connection]");
    var suggestionsBox = document.querySelector("[data-suggestions]");
    var suggestionList = document.querySelector("[data-suggestion-list]");
    var ungroupedZone = root.querySelector("#ungrouped");
    var themesBox = root.querySelector("[data-themes]");
    var themes = [];        // [{id, name}] in board order, for the move menus
    var themeOf = {};       // contribution id -> theme id (visible and hidden members)

    function announce(text) {
      if (!statusEl) return;
      statusEl.textContent = "";
      // A fresh text node after a tick, so the same message twice is announced twice.
      window.setTimeout(function () { statusEl.textContent = text || ""; }, 30);
    }

    function cardFor(id) { return root.querySelector('.board-card[data-id="' + Number(id) + '"]'); }
    function sectionFor(id) { return themesBox.querySelector('[data-theme][data-theme-id="' + Number(id) + '"]'); }
    function zoneOf(themeId) {
      var section = themeId ? sectionFor(themeId) : ungroupedZone;
      return section ? section.querySelector("[data-cards]") : null;
    }

    // The state the server rendered.
    themesBox.querySelectorAll("[data-theme]").forEach(function (section) {
      var id = Number(section.dataset.themeId);
      themes.push({ id: id, name: section.querySelector('[data-field="name"]').textContent });
      section.querySelectorAll(".board-card").forEach(function (card) { themeOf[card.dataset.id] = id; });
    });

    /* Put `cards` into `zone` in this order, moving only what is out of place (a moved element loses focus). */
    function placeAll(zone, cards) {
      cards.forEach(function (card, i) {
        if (zone.children[i] !== card) zone.insertBefore(card, zone.children[i] || null);
      });
    }

    function fillMenu(select, current) {
      var keep = current === undefined ? select.value : String(current || "");
      while (select.options.length > 1) select.remove(1);
      themes.forEach(function (t) {
        var option = document.createElement("option");
        option.value = String(t.id);
        option.textContent = t.name;
        select.appendChild(option);
      });
      select.value = themes.some(function (t) { return String(t.id) === keep; }) ? keep : "";
    }

    function refreshCounts() {
      root.querySelectorAll("[data-dropzone]").forEach(function (zone) {
        var cards = zone.querySelector("[data-cards]");
        if (!cards) return;
        var n = cards.querySelectorAll(".board-card").length;
        var count = zone.querySelector("[data-count]");
        if (count) count.textContent = n;
        var note = zone.querySelector("[data-empty-note]");
        if (note) note.hidden = n > 0;
      });
      var total = root.querySelector("[data-theme-count]");
      if (total) total.textContent = themes.length;
    }

    function newSection(t) {
      var section = fromTemplate("tpl-theme", { "__ID__": String(t.id) });
      section.querySelectorAll('input[name="csrf_token"]').forEach(function (i) { i.value = csrf; });
      return section;
    }

    /* Apply a whole board (an answer or a `themes` event); an older revision than the one shown is ignored. */
    function applyBoard(b) {
      if (!b || b.workshop_id !== workshopId || b.revision < revision) return false;
      revision = b.revision;
      var active = document.activeElement;
      themes = b.themes.map(function (t) { return { id: t.id, name: t.name }; });
      themeOf = {};
      var wanted = {};
      b.themes.forEach(function (t, i) {
        wanted[t.id] = true;
        var section = sectionFor(t.id);
        if (!section) section = newSection(t);
        if (themesBox.children[i] !== section) themesBox.insertBefore(section, themesBox.children[i] || null);
        section.querySelector('[data-field="name"]').textContent = t.name;
        var rename = section.querySelector('input[name="name"]');
        if (rename && rename !== active) rename.value = t.name;
        section.querySelector('[data-field="personas"]').textContent = personaLine(t.persona_ids, personaNames);
        t.member_ids.concat(t.hidden_ids || []).forEach(function (cid) { themeOf[cid] = t.id; });
      });
      // Themes that are gone: their cards go back to the ungrouped ones (placed below).
      themesBox.querySelectorAll("[data-theme]").forEach(function (section) {
        if (!wanted[section.dataset.themeId]) {
          section.querySelectorAll(".board-card").forEach(function (card) { ungroupedZone.querySelector("[data-cards]").appendChild(card); });
          section.remove();
        }
      });
      b.themes.forEach(function (t) {
        var zone = zoneOf(t.id);
        placeAll(zone, t.member_ids.map(cardFor).filter(Boolean));
      });
      var loose = Array.prototype.slice.call(root.querySelectorAll(".board-card")).filter(function (card) {
        return !themeOf[card.dataset.id];
      });
      loose.sort(function (a, c) { return Number(a.dataset.id) - Number(c.dataset.id); });
      placeAll(ungroupedZone.querySelector("[data-cards]"), loose);
      root.querySelectorAll("[data-move-select]").forEach(function (select) {
        fillMenu(select, themeOf[select.closest(".board-card").dataset.id] || "");
      });
      applySuggestions(b.suggestions || []);
      refreshCounts();
      if (active && active !== document.activeElement && document.contains(active)) active.focus({ preventScroll: true });
      return true;
    }

    /* -- suggestions -- */

    function cardText(cid) {
      var card = cardFor(cid);
      return card ? card.querySelector('[data-field="text"]').textContent : "";
    }

    function cardPersona(cid) {
      var card = cardFor(cid);
      return card ? personaNames[card.dataset.personaId] || "" : "";
    }

    function newSuggestion(s) {
      var li = fromTemplate("tpl-suggestion", { "__ID__": String(s.id) });
      li.querySelectorAll('input[name="csrf_token"]').forEach(function (i) { i.value = csrf; });
      li.querySelector('[data-field="name"]').value = s.name;
      li.dataset.members = s.member_ids.join(",");
      li.querySelector('[data-field="personas"]').textContent = personaLine(s.persona_ids, personaNames);
      li.querySelector('[data-field="count"]').textContent = s.member_ids.length;
      li.querySelector('[data-field="why"]').textContent = (s.shared_words || []).join(", ");
      var sure = li.querySelector('[data-field="certainty"]');
      var level = s.certainty || "low";
      sure.dataset.level = level;
      sure.textContent = (strings["certainty_" + level] || level) + " (" + Math.round((s.confidence || 0) * 100) + " %)";
      var list = li.querySelector('[data-field="members"]');
      var split = li.querySelector('[data-field="split"]');
      s.member_ids.forEach(function (cid) {
        var item = document.createElement("li");
        item.textContent = cardText(cid) + " ";
        var meta = document.createElement("span");
        meta.className = "card-meta";
        meta.textContent = "(" + cardPersona(cid) + ")";
        item.appendChild(meta);
        list.appendChild(item);
        var row = document.createElement("div");
        row.className = "check";
        var box = document.createElement("input");
        box.type = "checkbox";
        box.name = "split";
        box.value = String(cid);
        box.id = "split-" + s.id + "-" + cid;
        var label = document.createElement("label");
        label.setAttribute("for", box.id);
        label.textContent = cardText(cid);
        row.append(box, label);
        split.appendChild(row);
      });
      return li;
    }

    function applySuggestions(list) {
      var wanted = {};
      list.forEach(function (s, i) {
        wanted[s.id] = true;
        var li = suggestionList.querySelector('[data-suggestion-id="' + s.id + '"]');
        if (li && li.dataset.members !== s.member_ids.join(",")) { li.remove(); li = null; }
        if (!li) li = newSuggestion(s);
        if (suggestionList.children[i] !== li) suggestionList.insertBefore(li, suggestionList.children[i] || null);
      });
      suggestionList.querySelectorAll("[data-suggestion]").forEach(function (li) {
        if (!wanted[li.dataset.suggestionId]) li.remove();
      });
      suggestionsBox.hidden = list.length === 0;
      fillMergeMenus(list);
      fillAddToMenus(list);
    }

    /* Each suggestion's «Add to a theme…» menu lists the board's themes (kept choice; the theme the
     * suggestion resembles is chosen first and named above the members, with the words both use). */
    function fillAddToMenus(list) {
      list.forEach(function (s) {
        var li = suggestionList.querySelector('[data-suggestion-id="' + s.id + '"]');
        var select = li && li.querySelector("[data-addto-select]");
        if (!select) return;
        var near = themes.filter(function (t) { return t.id === s.near_theme_id; })[0] || null;
        var first = !select.dataset.filled;
        var chosen = first ? (near ? String(near.id) : "") : select.value;
        setOptions(select, themes, chosen);
        select.dataset.filled = "1";
        var box = li.querySelector("[data-addto-box]");
        box.hidden = themes.length === 0;
        if (first && near) box.open = true;  // as the server renders it: the one-step choice is in view
        var line = li.querySelector('[data-field="near"]');
        line.hidden = !near;
        li.querySelector('[data-field="near-name"]').textContent = near ? near.name : "";
        li.querySelector('[data-field="near-words"]').textContent =
          near && s.near_words && s.near_words.length ? "(" + strings.both_use + ": " + s.near_words.join(", ") + ")" : "";
      });
    }

    /* A menu's options: one per {id, name} in `list`; `chosen` stays chosen if it is still there. */
    function setOptions(select, list, chosen) {
      select.textContent = "";
      list.forEach(function (x) {
        var opt = document.createElement("option");
        opt.value = String(x.id);
        opt.textContent = x.name;
        select.appendChild(opt);
      });
      if (list.some(function (x) { return String(x.id) === chosen; })) select.value = chosen;
    }

    /* Each suggestion's «Merge with…» menu lists the other pending suggestions by name (kept choice). */
    function fillMergeMenus(list) {
      suggestionList.querySelectorAll("[data-suggestion]").forEach(function (li) {
        var select = li.querySelector("[data-merge-select]");
        if (!select) return;
        var others = list.filter(function (s) { return String(s.id) !== li.dataset.suggestionId; });
        setOptions(select, others, select.value);
        li.querySelector("[data-merge-box]").hidden = others.length === 0;
      });
    }

    /* -- sending -- */

    function send(url, body) {
      announce(strings.working);
      return PV.postJSON(url, body)
        .then(function (r) {
          if (!r.ok) {
            announce(PV.errorMessage(r.data, strings.error));
            return null;
          }
          applyBoard(r.data.board);
          announce(r.data.message);
          return r.data;
        })
        .catch(function () { announce(strings.offline); return null; });
    }

    function formBody(form, submitter) {
      var body = {};
      new FormData(form, submitter || undefined).forEach(function (value, key) {
        if (key === "csrf_token") return;
        if (key === "split") (body.split = body.split || []).push(Number(value));
        else if (key === "contribution_id" || key === "theme_id" || key === "merge_with") body[key] = value === "" ? null : Number(value);
        else body[key] = value;
      });
      return body;
    }

    function moveCard(cid, themeId) {
      return send(base + "/assign", { contribution_id: Number(cid), theme_id: themeId ? Number(themeId) : null }).then(function (data) {
        var card = cardFor(cid);
        if (data && card) card.querySelector("[data-move-select]").focus({ preventScroll: false });
        return data;
      });
    }

    document.addEventListener("submit", function (ev) {
      var form = ev.target;
      if (!(root.contains(form) || suggestionsBox.contains(form) || form.hasAttribute("data-suggest-form"))) return;
      ev.preventDefault();
      var submitter = ev.submitter || null;
      var url = submitter && submitter.hasAttribute("formaction") ? submitter.getAttribute("formaction") : form.getAttribute("action");
      if (form.hasAttribute("data-move-form")) {
        var cid = form.querySelector('input[name="contribution_id"]').value;
        moveCard(cid, form.querySelector("[data-move-select]").value);
        return;
      }
      var kind = form.dataset.themeForm;
      if (kind === "delete" && !window.confirm(strings.confirm_delete)) return;
      if (form.hasAttribute("data-suggest-form")) announce(strings.suggesting);
      var body = formBody(form, submitter);
      var done = send(url, body);
      if (submitter && submitter.dataset.decide === "merge") {
        // The two suggestions are replaced by the merged one: keyboard focus goes to its name.
        done.then(function (data) {
          var field = data && document.getElementById("sug-name-" + data.suggestion_id);
          if (field) field.focus();
        });
      }
      if (kind === "create") {
        done.then(function (data) {
          if (!data) return;
          form.reset();
          var last = themesBox.lastElementChild;
          if (last) last.querySelector(".theme-title").setAttribute("tabindex", "-1");
          if (last) last.querySelector(".theme-title").focus();
        });
      }
    });

    /* -- drag and drop -- */

    var dragged = null;
    root.addEventListener("dragstart", function (ev) {
      var card = ev.target.closest && ev.target.closest(".board-card");
      if (!card) return;
      dragged = card;
      ev.dataTransfer.effectAllowed = "move";
      ev.dataTransfer.setData("text/plain", card.dataset.id);
      card.classList.add("dragging");
    });
    root.addEventListener("dragend", function () {
      if (dragged) dragged.classList.remove("dragging");
      dragged = null;
      root.querySelectorAll(".drop-target").forEach(function (z) { z.classList.remove("drop-target"); });
    });
    root.addEventListener("dragover", function (ev) {
      var zone = ev.target.closest && ev.target.closest("[data-dropzone]");
      if (!zone || !dragged) return;
      ev.preventDefault();
      ev.dataTransfer.dropEffect = "move";
      root.querySelectorAll(".drop-target").forEach(function (z) { if (z !== zone) z.classList.remove("drop-target"); });
      zone.classList.add("drop-target");
    });
    root.addEventListener("dragleave", function (ev) {
      var zone = ev.target.closest && ev.target.closest("[data-dropzone]");
      if (zone && !zone.contains(ev.relatedTarget)) zone.classList.remove("drop-target");
    });
    root.addEventListener("drop", function (ev) {
      var zone = ev.target.closest && ev.target.closest("[data-dropzone]");
      if (!zone) return;
      ev.preventDefault();
      zone.classList.remove("drop-target");
      var cid = ev.dataTransfer.getData("text/plain") || (dragged && dragged.dataset.id);
      if (!cid || !cardFor(cid)) return;
      if (zone.hasAttribute("data-new-theme")) {
        var name = zone.querySelector('input[name="name"]');
        send(base, { name: name.value, contribution_id: Number(cid) }).then(function (data) { if (data) name.value = ""; });
        return;
      }
      var target = zone.dataset.themeId || "";
      if (String(themeOf[cid] || "") === target) return;
      moveCard(cid, target);
    });

    /* -- contributions arriving, changing or leaving (socket) -- */

    function fillCard(card, c) {
      card.id = "c" + c.id;
      card.dataset.id = c.id;
      card.dataset.seq = c.seq;
      card.dataset.kind = c.kind;
      card.dataset.personaId = c.persona_id || "";
      card.dataset.groupId = c.group_id;
      card.classList.remove("kind-need", "kind-solution");
      card.classList.add("kind-" + c.kind);
      card.querySelector('[data-field="kind"]').textContent = strings[c.kind] || c.kind;
      var persona = personaNames[String(c.persona_id)] || "";
      var group = groupNames[String(c.group_id)] || "";
      card.querySelector('[data-field="meta"]').textContent = persona && group ? persona + " · " + group : persona || group;
      var text = card.querySelector('[data-field="text"]');
      text.id = "ct-" + c.id;
      text.textContent = c.text;
    }

    function applyContribution(c) {
      if (!c || c.workshop_id !== workshopId) return;
      var card = cardFor(c.id);
      if (c.deleted || c.merged_into || c.hidden) {
        if (card) { card.remove(); refreshCounts(); }
        return;
      }
      if (card && Number(card.dataset.seq) >= c.seq) return;
      if (card) { fillCard(card, c); return; }
      card = fromTemplate("tpl-board-card", {});
      fillCard(card, c);
      var form = card.querySelector("[data-move-form]");
      form.querySelector('input[name="csrf_token"]').value = csrf;
      form.querySelector('input[name="contribution_id"]').value = c.id;
      var select = form.querySelector("[data-move-select]");
      select.id = "move-" + c.id;
      select.setAttribute("aria-describedby", "ct-" + c.id);
      form.querySelector("label").setAttribute("for", select.id);
      fillMenu(select, themeOf[c.id] || "");
      card.classList.add("fresh");
      window.setTimeout(function () { card.classList.remove("fresh"); }, 4000);
      var zone = zoneOf(themeOf[c.id]) || ungroupedZone.querySelector("[data-cards]");
      // Keep the zone's order: a theme by its members (placed on the next board), ungrouped by id.
      var after = Array.prototype.find.call(zone.children, function (other) { return Number(other.dataset.id) > c.id; });
      zone.insertBefore(card, themeOf[c.id] ? null : after || null);
      refreshCounts();
    }

    window.pvThemes = { applyBoard: applyBoard, applyContribution: applyContribution, socket: null };

    function setConnection(text, state) {
      PV.say(connectionEl, text, state);
    }

    if (typeof window.io !== "function") {
      setConnection(strings.offline, "offline");
      return;
    }
    var socket = window.io({ reconnectionDelayMax: 5000 });
    window.pvThemes.socket = socket;

    var afterWatch = PV.keepTrying(socket);

    function watch() {
      socket.emit("watch", { workshop_id: workshopId, since: seq }, function (ack) {
        afterWatch(ack, watch);
        if (!ack || !ack.ok) { setConnection(PV.errorMessage(ack, strings.error), "error"); return; }
        ack.changes.forEach(applyContribution);
        if (ack.seq > seq) seq = ack.seq;
        if (ack.more) { watch(); return; }
        if (ack.live && ack.live.themes) applyBoard(ack.live.themes);
        setConnection(strings.online, "online");
        root.dataset.synced = String(seq);
      });
    }

    socket.on("connect", watch);
    socket.on("disconnect", function () { setConnection(strings.offline, "offline"); });
    socket.on("connect_error", function () { setConnection(strings.offline, "offline"); });
    socket.on("contribution", applyContribution);
    socket.on("themes", function (b) {
      if (applyBoard(b)) root.dataset.revision = String(revision);
    });
    socket.on("resync", function (r) {
      if (r && r.workshop_id === workshopId) window.setTimeout(watch, Math.random() * 2000);
    });
  }

  var root = document.querySelector("[data-theme-board]");
  if (root) initBoard(root);
})();
